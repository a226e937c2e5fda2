/**
 * Known answers from docs/dbesdk-format.md §4 (decrypt_java_33.json test 7, flavor 0) and the record's own bytes.
 */
import {
  SUITE_6700,
  anyTagMatches,
  canonicalHash,
  canonicalPath,
  computeCommitment,
  computeRecipientTag,
  decryptField,
  deriveFieldKey,
  deriveFieldKeys,
  deriveItemKeys,
  deserializeValue,
  parseFooter,
  parseHeader,
  serializeEncryptionContext,
  serializeValue,
  sortCanonical,
  verifyCommitment,
} from '../../lib/structured'
import { binaryOf, fromDdbJson, loadVectorFile } from './vectors'

const hex = (text: string): Buffer => Buffer.from(text, 'hex')

// Values quoted from the KAT table in dbesdk-format.md §4.
const KAT = {
  messageId: hex('b63d2ccdcaf0a66ed9a3a271fac7b4cf85fd3dafa00bc684528539a2c93a6a5a'),
  plaintextDataKey: hex('aead6fb9920f724c2708b2f8cecd32e71c900128877742bc5a6e9835e815c2e8'),
  commitKey: hex('30608ad16097de1b337978fca04767672054f03e0d5a9ca54f659a05d373ff8c'),
  commitment: hex('4334abb69c5d55f0f92fe0da188c9396864744efff21b4dfefcc432713883e4b'),
  fieldRootKey: hex('dabf3c11de2cb0a183d21b4dfbb704e4c90c8685996ce88ee3ed68d93c7f0d51'),
  fieldKey0: hex('89976c7c59eb55634b0d6ef1760cd78832ba2393468359d5b7e3549f5e7b5da95ab49d27d23259999793c792'),
  fieldKey1: hex('32f22b74396855e4d63628b6a9ae430f0262f36f3b6a3fd56f7a568b77f1c7ab348347a8672097cf3dc98eee'),
  symmetricSigningKey: hex('0dceab4af88e7932eb62bc0a1b02d3d6eb15a8e5e68982e50279cd6f1f455c7e'),
  canonicalHash: hex('74777bd0ce0e8200bd6f6c52027d826d410788dcd690d0bc86221ee5bbda989def48a7a382310c9dc76945951fdf62c9'),
  footer: hex('7366271b24de070a3417eea68bdf417f4c7fa870e72d387b985045465b0b8c2c43287f35d199209b15b1771f7420e1ed'),
}

describe('key derivation known answers (§4)', () => {
  it('derives the commit key and the field root key from the PDK and message id', () => {
    // Both from one HKDF extract, as encryption and decryption derive them.
    const both = deriveItemKeys(KAT.plaintextDataKey, KAT.messageId)
    expect(both.commitKey.toString('hex')).toBe(KAT.commitKey.toString('hex'))
    expect(both.fieldRootKey.toString('hex')).toBe(KAT.fieldRootKey.toString('hex'))
  })

  it('derives field keys 0 and 1 as key = bytes 0..32 and nonce = bytes 32..44 of the keystream', () => {
    for (const [offset, expected] of [[0, KAT.fieldKey0], [1, KAT.fieldKey1]] as const) {
      const { key, iv } = deriveFieldKey(KAT.fieldRootKey, offset)
      expect(key.toString('hex')).toBe(expected.subarray(0, 32).toString('hex'))
      expect(iv.toString('hex')).toBe(expected.subarray(32, 44).toString('hex'))
    }
  })

  it('derives all field keys of an item from one key stream, byte for byte as per offset', () => {
    const fieldKeys = deriveFieldKeys(KAT.fieldRootKey, 5)
    expect(fieldKeys.keys[0].key.toString('hex')).toBe(KAT.fieldKey0.subarray(0, 32).toString('hex'))
    expect(fieldKeys.keys[1].iv.toString('hex')).toBe(KAT.fieldKey1.subarray(32, 44).toString('hex'))
    for (let offset = 0; offset < 5; offset++) {
      const single = deriveFieldKey(KAT.fieldRootKey, offset)
      expect(fieldKeys.keys[offset].key.equals(single.key) && fieldKeys.keys[offset].iv.equals(single.iv)).toBe(true)
    }
    fieldKeys.wipe()
    expect(fieldKeys.keys.every(({ key, iv }) => key.every((b) => b === 0) && iv.every((b) => b === 0))).toBe(true)
    expect(deriveFieldKeys(KAT.fieldRootKey, 0).keys).toHaveLength(0)
    expect(() => deriveFieldKeys(KAT.fieldRootKey, 1431655766)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
  })

  it('refuses out-of-range field offsets and wrong key sizes with typed errors', () => {
    expect(() => deriveFieldKey(KAT.fieldRootKey, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => deriveFieldKey(KAT.fieldRootKey, 1431655765)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => deriveFieldKey(KAT.fieldRootKey, 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => deriveItemKeys(KAT.plaintextDataKey.subarray(1), KAT.messageId)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => deriveItemKeys(KAT.plaintextDataKey, KAT.messageId.subarray(1))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
  })
})

type Test7 = { encrypted: Record<string, Record<string, unknown>> }
const manifest = loadVectorFile('decrypt_java_33.json') as { tests: Record<string, Test7> } | undefined
const describeVector = manifest === undefined ? describe.skip : describe

describeVector('decrypt_java_33.json test 7, from the record bytes', () => {
  const record = manifest?.tests['7'].encrypted ?? {}
  const table = 'GazelleVectorTable'
  const headerBytes = (): Buffer => binaryOf(record.aws_dbe_head)

  // The reader rebuilds the v1 base encryption context: table, partition key name, base64(typeId || value) of the key.
  const fullContext = {
    'aws-crypto-table-name': table,
    'aws-crypto-partition-name': 'RecNum',
    'aws-crypto-attr.RecNum': Buffer.from([0x00, 0x02, 0x31]).toString('base64'),
  }

  it('parses the header: v1, flavor 0, the KAT message id, legend "ees", no stored context, one hierarchy EDK', () => {
    const { fields, body, commitment } = parseHeader(headerBytes())
    expect(fields.version).toBe(1)
    expect(fields.suite).toBe(SUITE_6700)
    expect(fields.messageId.toString('hex')).toBe(KAT.messageId.toString('hex'))
    expect(fields.legend).toBe('ees')
    expect(fields.storedEncryptionContext).toEqual({})
    expect(fields.encryptedDataKeys).toHaveLength(1)
    expect(fields.encryptedDataKeys[0].providerId).toBe('aws-kms-hierarchy')
    expect(Buffer.from(fields.encryptedDataKeys[0].providerInfo).toString('utf8')).toBe('bd3842ff-3076-4092-9918-4395730050b8')
    expect(commitment.toString('hex')).toBe(KAT.commitment.toString('hex'))
    expect(body.length + 32).toBe(headerBytes().length)
  })

  it('parses a private copy: changing the stored bytes afterwards changes nothing parsed', () => {
    const stored = headerBytes()
    const parsed = parseHeader(stored)
    const before = { header: Buffer.from(parsed.header), body: Buffer.from(parsed.body), commitment: Buffer.from(parsed.commitment), messageId: Buffer.from(parsed.fields.messageId), edk: Buffer.from(parsed.fields.encryptedDataKeys[0].ciphertext) }
    stored.fill(0xff)
    expect(parsed.header).toEqual(before.header)
    expect(parsed.header).toEqual(headerBytes())
    expect(parsed.body).toEqual(before.body)
    expect(parsed.commitment).toEqual(before.commitment)
    expect(parsed.fields.messageId).toEqual(before.messageId)
    expect(Buffer.from(parsed.fields.encryptedDataKeys[0].ciphertext)).toEqual(before.edk)
  })

  it('checks the commitment as HMAC-SHA512 under the commit key of the KAT PDK', () => {
    const { body, commitment } = parseHeader(headerBytes())
    const { commitKey } = deriveItemKeys(KAT.plaintextDataKey, KAT.messageId)
    expect(computeCommitment(commitKey, body).toString('hex')).toBe(commitment.toString('hex'))
    expect(verifyCommitment(commitKey, body, commitment)).toBe(true)
    const tampered = Buffer.from(body)
    tampered[40] ^= 1
    expect(verifyCommitment(commitKey, tampered, commitment)).toBe(false)
  })

  it('rebuilds the canonical hash from the stored bytes and matches the KAT value and the footer tag', () => {
    const order = sortCanonical(['RecNum', 'Stuff', 'Junk'])
    expect(order).toEqual(['Junk', 'Stuff', 'RecNum'])
    const recNum = serializeValue(fromDdbJson(record.RecNum), 'RecNum')
    const hash = canonicalHash(headerBytes(), serializeEncryptionContext(fullContext), [
      { path: canonicalPath(table, 'Junk'), kind: 'encrypted', bytes: binaryOf(record.Junk) },
      { path: canonicalPath(table, 'Stuff'), kind: 'encrypted', bytes: binaryOf(record.Stuff) },
      { path: canonicalPath(table, 'RecNum'), kind: 'plaintext', typeId: recNum.typeId, bytes: recNum.bytes },
    ])
    expect(hash.toString('hex')).toBe(KAT.canonicalHash.toString('hex'))

    const footer = binaryOf(record.aws_dbe_foot)
    expect(footer.toString('hex')).toBe(KAT.footer.toString('hex'))
    const { tags, signature } = parseFooter(footer, 1, false)
    expect(signature).toBeUndefined()
    expect(computeRecipientTag(KAT.symmetricSigningKey, hash).equals(tags[0])).toBe(true)
    expect(anyTagMatches(KAT.symmetricSigningKey, hash, tags)).toBe(true)
    const otherHash = Buffer.from(hash)
    otherHash[0] ^= 0x80
    expect(anyTagMatches(KAT.symmetricSigningKey, otherHash, tags)).toBe(false)
  })

  it('decrypts Junk (offset 0) and Stuff (offset 1) with their canonical paths as AAD', () => {
    const root = deriveItemKeys(KAT.plaintextDataKey, KAT.messageId).fieldRootKey
    const junk = decryptField(deriveFieldKey(root, 0), canonicalPath(table, 'Junk'), binaryOf(record.Junk), 'Junk')
    const stuff = decryptField(deriveFieldKey(root, 1), canonicalPath(table, 'Stuff'), binaryOf(record.Stuff), 'Stuff')
    expect(deserializeValue(junk.typeId, junk.bytes, 'Junk')).toEqual({ S: 'JunkData' })
    expect(deserializeValue(stuff.typeId, stuff.bytes, 'Stuff')).toEqual({ S: 'StuffData' })
    // Swapped offsets or paths must fail authentication.
    expect(() => decryptField(deriveFieldKey(root, 1), canonicalPath(table, 'Junk'), binaryOf(record.Junk), 'Junk')).toThrow(
      expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED', message: expect.stringContaining('"Junk"') }),
    )
    expect(() => decryptField(deriveFieldKey(root, 0), canonicalPath(table, 'Stuff'), binaryOf(record.Junk), 'Junk')).toThrow(
      expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED' }),
    )
  })
})
