/**
 * Every official record, without any key: the header and footer parse and re-encode to the same bytes,
 * and for signed v1 records the ECDSA signature over our canonical hash verifies. That hash includes
 * SIGN_ONLY values as we serialize them (numbers, nested lists, number sets), so a match proves
 * byte compatibility with the Java and .NET writers.
 */
import {
  canonicalHash,
  canonicalPath,
  encodeFooter,
  encodeHeaderBody,
  parseFooter,
  parseHeader,
  serializeEncryptionContext,
  serializeValue,
  sortCanonical,
  verifyCanonicalHash,
} from '../../lib/structured'
import type { CanonicalField } from '../../lib/structured'
import { allVectorRecords, binaryOf, fromDdbJson } from './vectors'

const records = allVectorRecords()
const describeVectors = records.length === 0 ? describe.skip : describe
const TABLE = 'GazelleVectorTable'

describeVectors('official DB-ESDK records', () => {
  it('finds the 44 offline records', () => {
    expect(records).toHaveLength(44)
  })

  it.each(records.map((r) => [r.source, r] as const))('%s: header and footer parse strictly and re-encode byte for byte', (_source, record) => {
    const header = binaryOf(record.encrypted.aws_dbe_head)
    const { fields, body, commitment } = parseHeader(header)
    expect(Buffer.concat([encodeHeaderBody(fields), commitment]).equals(header)).toBe(true)
    expect(encodeHeaderBody(fields).equals(body)).toBe(true)
    const footerBytes = binaryOf(record.encrypted.aws_dbe_foot)
    const footer = parseFooter(footerBytes, fields.encryptedDataKeys.length, fields.suite.signed)
    expect(encodeFooter(footer.tags, footer.signature).equals(footerBytes)).toBe(true)
    if (fields.suite.signed) {
      expect(Object.keys(fields.storedEncryptionContext)).toEqual(['aws-crypto-public-key'])
      expect(fields.storedEncryptionContext['aws-crypto-public-key']).toHaveLength(68)
    } else {
      expect(fields.storedEncryptionContext).toEqual({})
    }
  })

  // v1 headers with every attribute signed: the full context is the stored one plus the v1 base context.
  const signedV1 = records.filter((r) => {
    const header = binaryOf(r.encrypted.aws_dbe_head)
    return r.positive && header[0] === 1 && header[1] === 1 && r.config.allowedUnsignedAttributes === undefined
  })

  it('has signed v1 records to check', () => {
    expect(signedV1.length).toBeGreaterThanOrEqual(20)
  })

  it.each(signedV1.map((r) => [r.source, r] as const))('%s: the ECDSA signature verifies over the rebuilt canonical hash', async (_source, record) => {
    const header = binaryOf(record.encrypted.aws_dbe_head)
    const { fields } = parseHeader(header)
    const names = sortCanonical(Object.keys(record.encrypted).filter((name) => !name.startsWith('aws_dbe_')))
    expect(fields.legend).toHaveLength(names.length)
    const recNum = serializeValue(fromDdbJson(record.encrypted.RecNum), 'RecNum')
    const fullContext = {
      ...fields.storedEncryptionContext,
      'aws-crypto-table-name': TABLE,
      'aws-crypto-partition-name': 'RecNum',
      'aws-crypto-attr.RecNum': Buffer.concat([Buffer.from([recNum.typeId >> 8, recNum.typeId & 0xff]), recNum.bytes]).toString('base64'),
    }
    const canonicalFields: CanonicalField[] = names.map((name, i) => {
      const path = canonicalPath(TABLE, name)
      if (fields.legend[i] === 'e') return { path, kind: 'encrypted', bytes: binaryOf(record.encrypted[name]) }
      const { typeId, bytes } = serializeValue(fromDdbJson(record.encrypted[name]), name)
      return { path, kind: 'plaintext', typeId, bytes }
    })
    const hash = canonicalHash(header, serializeEncryptionContext(fullContext), canonicalFields)
    const { signature } = parseFooter(binaryOf(record.encrypted.aws_dbe_foot), fields.encryptedDataKeys.length, true)
    const publicKey = fields.storedEncryptionContext['aws-crypto-public-key']
    await expect(verifyCanonicalHash(publicKey, hash, signature!)).resolves.toBe(true)

    // One flipped bit anywhere in the signed scope breaks it.
    const tampered = Buffer.from(hash)
    tampered[hash.length - 1] ^= 1
    await expect(verifyCanonicalHash(publicKey, tampered, signature!)).resolves.toBe(false)
  })
})
