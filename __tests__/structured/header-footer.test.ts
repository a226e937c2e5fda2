import { createHash, randomBytes } from 'node:crypto'
import { ConfigError, ItemVerificationError, KeyringError } from '../../lib/errors'
import {
  SUITE_6700,
  SUITE_6701,
  anyTagMatches,
  canonicalHash,
  canonicalPath,
  computeRecipientTag,
  decryptField,
  deriveFieldKey,
  encodeFooter,
  encodeHeaderBody,
  encryptField,
  parseFooter,
  parseHeader,
  serializeEncryptionContext,
  suiteFromFlavor,
  suiteFromName,
} from '../../lib/structured'
import type { HeaderFields } from '../../lib/structured'

const sampleFields = (overrides: Partial<HeaderFields> = {}): HeaderFields => ({
  version: 2,
  suite: SUITE_6701,
  messageId: Buffer.alloc(32, 7),
  legend: 'escse',
  storedEncryptionContext: { 'aws-crypto-public-key': 'A'.repeat(66) + '==' },
  encryptedDataKeys: [
    { providerId: 'aws-kms', providerInfo: Buffer.from('arn:aws:kms:us-east-1:111122223333:key/mrk-1'), ciphertext: randomBytes(184) },
    { providerId: 'raw-aes', providerInfo: Buffer.from([0xff, 0x00, 0xc3]), ciphertext: Buffer.alloc(0) },
  ],
  ...overrides,
})

const withCommitment = (body: Buffer): Buffer => Buffer.concat([body, Buffer.alloc(32, 0xcc)])

describe('algorithm suites', () => {
  it('defaults to 0x6701 and knows both names', () => {
    expect(suiteFromName(undefined)).toBe(SUITE_6701)
    expect(suiteFromName('ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384')).toBe(SUITE_6700)
    expect(suiteFromName('ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384')).toBe(SUITE_6701)
    expect([SUITE_6700.flavor, SUITE_6700.signed, SUITE_6701.flavor, SUITE_6701.signed]).toEqual([0, false, 1, true])
  })

  it('refuses unknown names and flavors with typed errors', () => {
    expect(() => suiteFromName('ALG_AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384')).toThrow(ConfigError)
    expect(() => suiteFromName('nope')).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_ALGORITHM_SUITE', message: expect.stringContaining('"nope"') }))
    expect(suiteFromFlavor(0)).toBe(SUITE_6700)
    expect(() => suiteFromFlavor(2)).toThrow(expect.objectContaining({ code: 'ERR_HEADER_INVALID' }))
  })
})

describe('header', () => {
  it('has the documented size: 366 bytes for flavor 1 with one hierarchy EDK, 273 for flavor 0', () => {
    const edk = { providerId: 'aws-kms-hierarchy', providerInfo: Buffer.alloc(36, 0x61), ciphertext: Buffer.alloc(140) }
    const signed = sampleFields({ version: 1, legend: 'ees', encryptedDataKeys: [edk] })
    expect(withCommitment(encodeHeaderBody(signed)).length).toBe(366)
    const unsigned = sampleFields({ version: 1, suite: SUITE_6700, legend: 'ees', storedEncryptionContext: {}, encryptedDataKeys: [edk] })
    expect(withCommitment(encodeHeaderBody(unsigned)).length).toBe(273)
  })

  it('lays out version, flavor, message id, legend, context, EDKs', () => {
    const body = encodeHeaderBody(sampleFields({ legend: 'c', storedEncryptionContext: {}, encryptedDataKeys: [{ providerId: 'p', providerInfo: Buffer.from([9]), ciphertext: Buffer.from([8, 7]) }] }))
    expect(body.toString('hex')).toBe('02' + '01' + '07'.repeat(32) + '0001' + '63' + '0000' + '01' + '0001' + '70' + '0001' + '09' + '0002' + '0807')
  })

  it.each([
    ['v2 flavor 1, two EDKs with binary provider info', sampleFields()],
    ['v1 flavor 0, empty legend and context', sampleFields({ version: 1, suite: SUITE_6700, legend: '', storedEncryptionContext: {} })],
    ['255 EDKs', sampleFields({ encryptedDataKeys: Array.from({ length: 255 }, (_, i) => ({ providerId: `p${i}`, providerInfo: Buffer.alloc(0), ciphertext: Buffer.from([i]) })) })],
  ])('round-trips %s', (_label, fields) => {
    const body = encodeHeaderBody(fields)
    const header = withCommitment(body)
    const parsed = parseHeader(header)
    expect(parsed.body.equals(body)).toBe(true)
    expect(parsed.commitment.equals(Buffer.alloc(32, 0xcc))).toBe(true)
    expect(parsed.fields.version).toBe(fields.version)
    expect(parsed.fields.suite).toBe(fields.suite)
    expect(parsed.fields.messageId.equals(fields.messageId)).toBe(true)
    expect(parsed.fields.legend).toBe(fields.legend)
    expect(parsed.fields.storedEncryptionContext).toEqual(fields.storedEncryptionContext)
    expect(parsed.fields.encryptedDataKeys.map((k) => [k.providerId, Buffer.from(k.providerInfo).toString('hex'), Buffer.from(k.ciphertext).toString('hex')])).toEqual(
      fields.encryptedDataKeys.map((k) => [k.providerId, Buffer.from(k.providerInfo).toString('hex'), Buffer.from(k.ciphertext).toString('hex')]),
    )
  })

  it('refuses to encode invalid fields', () => {
    expect(() => encodeHeaderBody(sampleFields({ messageId: Buffer.alloc(31) }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => encodeHeaderBody(sampleFields({ legend: 'x' }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => encodeHeaderBody(sampleFields({ encryptedDataKeys: [] }))).toThrow(KeyringError)
    const many = Array.from({ length: 256 }, () => ({ providerId: 'p', providerInfo: Buffer.alloc(0), ciphertext: Buffer.alloc(0) }))
    expect(() => encodeHeaderBody(sampleFields({ encryptedDataKeys: many }))).toThrow(KeyringError)
    expect(() => encodeHeaderBody(sampleFields({ encryptedDataKeys: [{ providerId: 'p', providerInfo: Buffer.alloc(0), ciphertext: Buffer.alloc(65536) }] }))).toThrow(KeyringError)
  })

  const valid = withCommitment(encodeHeaderBody(sampleFields()))
  const mutate = (edit: (b: Buffer) => void): Buffer => {
    const copy = Buffer.from(valid)
    edit(copy)
    return copy
  }
  const legendStart = 34 + 2
  const contextStart = legendStart + 5
  const edkCountAt = contextStart + serializeEncryptionContext(sampleFields().storedEncryptionContext).length

  it.each([
    ['version 0', mutate((b) => (b[0] = 0)), 'version'],
    ['version 3', mutate((b) => (b[0] = 3)), 'version'],
    ['flavor 2', mutate((b) => (b[1] = 2)), 'flavor'],
    ['legend byte x', mutate((b) => (b[legendStart] = 0x78)), 'legend'],
    ['legend longer than the header', mutate((b) => b.writeUInt16BE(0xffff, 34)), 'legend'],
    ['zero EDKs', mutate((b) => (b[edkCountAt] = 0)), 'no encrypted data keys'],
    ['more EDKs than bytes', mutate((b) => (b[edkCountAt] = 3)), 'commitment'],
    ['fewer EDKs than bytes', mutate((b) => (b[edkCountAt] = 1)), 'unexpected bytes'],
    ['context count too large', mutate((b) => b.writeUInt16BE(2, contextStart)), 'header'],
    ['one extra byte', Buffer.concat([valid, Buffer.from([0])]), 'header'],
    ['one byte missing', valid.subarray(0, valid.length - 1), 'header'],
    ['empty', Buffer.alloc(0), 'too short'],
  ])('refuses %s with ERR_HEADER_INVALID', (_label, bytes, detail) => {
    let error: unknown
    try {
      parseHeader(bytes)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ItemVerificationError)
    expect(error).toMatchObject({ code: 'ERR_HEADER_INVALID' })
    expect((error as Error).message).toContain(detail)
  })

  it('refuses every truncation of a valid header', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(() => parseHeader(valid.subarray(0, length))).toThrow(expect.objectContaining({ code: 'ERR_HEADER_INVALID' }))
    }
  })
})

describe('footer', () => {
  const tag = (n: number): Buffer => Buffer.alloc(48, n)
  const signature = Buffer.alloc(103, 0x30)

  it('is 48 bytes per EDK, plus 103 when signed', () => {
    expect(encodeFooter([tag(1)]).length).toBe(48)
    expect(encodeFooter([tag(1)], signature).length).toBe(151)
    const parsed = parseFooter(encodeFooter([tag(1), tag(2), tag(3)], signature), 3, true)
    expect(parsed.tags.map((t) => t[0])).toEqual([1, 2, 3])
    expect(parsed.signature?.equals(signature)).toBe(true)
    expect(parseFooter(encodeFooter([tag(1), tag(2)]), 2, false)).toEqual({ tags: [tag(1), tag(2)] })
  })

  it.each([
    ['tag count below the EDK count', encodeFooter([tag(1)]), 2, false],
    ['tag count above the EDK count', encodeFooter([tag(1), tag(2)]), 1, false],
    ['signature missing', encodeFooter([tag(1)]), 1, true],
    ['unexpected signature', encodeFooter([tag(1)], signature), 1, false],
    ['one byte short', encodeFooter([tag(1)], signature).subarray(1), 1, true],
    ['one byte extra', Buffer.concat([encodeFooter([tag(1)]), Buffer.alloc(1)]), 1, false],
    ['empty', Buffer.alloc(0), 1, false],
  ] as Array<[string, Buffer, number, boolean]>)('refuses %s with ERR_FOOTER_INVALID', (_label, bytes, edkCount, signed) => {
    expect(() => parseFooter(bytes, edkCount, signed)).toThrow(expect.objectContaining({ code: 'ERR_FOOTER_INVALID' }))
  })

  it('refuses to encode tags or signatures of the wrong size', () => {
    expect(() => encodeFooter([Buffer.alloc(47)])).toThrow(expect.objectContaining({ code: 'ERR_FOOTER_INVALID' }))
    expect(() => encodeFooter([tag(1)], Buffer.alloc(102))).toThrow(expect.objectContaining({ code: 'ERR_FOOTER_INVALID' }))
  })

  it('matches a recipient tag at any position, and no tag for another key or hash', () => {
    const hash = createHash('sha384').update('record').digest()
    const key = randomBytes(32)
    const mine = computeRecipientTag(key, hash)
    expect(mine.length).toBe(48)
    expect(anyTagMatches(key, hash, [tag(1), mine, tag(3)])).toBe(true)
    expect(anyTagMatches(key, hash, [tag(1), tag(3)])).toBe(false)
    expect(anyTagMatches(randomBytes(32), hash, [mine])).toBe(false)
    expect(anyTagMatches(key, createHash('sha384').update('other').digest(), [mine])).toBe(false)
    expect(anyTagMatches(key, hash, [mine.subarray(0, 47)])).toBe(false)
    expect(anyTagMatches(key, hash, [])).toBe(false)
  })
})

describe('field encryption', () => {
  const root = randomBytes(32)
  const path = canonicalPath('Table', 'Stuff')

  it('stores typeId || ciphertext || tag: StuffData is 27 bytes, NULL 18, BOOL 19', () => {
    const stuff = encryptField(deriveFieldKey(root, 0), path, 0x0001, Buffer.from('StuffData'))
    expect(stuff.length).toBe(27)
    expect(stuff.subarray(0, 2).toString('hex')).toBe('0001')
    expect(stuff.subarray(2, 11).equals(Buffer.from('StuffData'))).toBe(false)
    expect(encryptField(deriveFieldKey(root, 1), path, 0x0000, Buffer.alloc(0)).length).toBe(18)
    expect(encryptField(deriveFieldKey(root, 2), path, 0x0004, Buffer.from([1])).length).toBe(19)
  })

  it('round-trips and refuses any change to ciphertext, tag, key, offset or path', () => {
    const key = deriveFieldKey(root, 3)
    const stored = encryptField(key, path, 0x0002, Buffer.from('42'))
    expect(decryptField(key, path, stored, 'Stuff')).toEqual({ typeId: 2, bytes: Buffer.from('42') })
    for (let i = 2; i < stored.length; i++) {
      const tampered = Buffer.from(stored)
      tampered[i] ^= 0x01
      expect(() => decryptField(key, path, tampered, 'Stuff')).toThrow(expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED' }))
    }
    expect(() => decryptField(deriveFieldKey(root, 4), path, stored, 'Stuff')).toThrow(ItemVerificationError)
    expect(() => decryptField(key, canonicalPath('Table', 'Junk'), stored, 'Stuff')).toThrow(ItemVerificationError)
    expect(() => decryptField(key, canonicalPath('Other', 'Stuff'), stored, 'Stuff')).toThrow(ItemVerificationError)
  })

  it('refuses stored values shorter than 18 bytes, naming the attribute', () => {
    const key = deriveFieldKey(root, 0)
    expect(() => decryptField(key, path, Buffer.alloc(17), 'Stuff')).toThrow(
      expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED', message: expect.stringContaining('"Stuff" is 17 bytes') }),
    )
  })
})

describe('canonical hash', () => {
  const header = Buffer.from('header bytes')
  const aad = serializeEncryptionContext({ 'aws-crypto-table-name': 'T' })
  const encrypted = Buffer.concat([Buffer.from('0001', 'hex'), Buffer.alloc(20, 5)])
  const path = (name: string): Buffer => canonicalPath('T', name)
  const u64 = (n: number): Buffer => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(BigInt(n))
    return b
  }

  it('hashes header, u64-prefixed context and each field as §5.1 lays them out', () => {
    const record = Buffer.concat([
      header,
      u64(aad.length),
      aad,
      path('A'), u64(encrypted.length - 2), Buffer.from('ENCRYPTED'), encrypted,
      path('BB'), u64(3), Buffer.from('PLAINTEXT'), Buffer.from('0001', 'hex'), Buffer.from('abc'),
    ])
    const hash = canonicalHash(header, aad, [
      { path: path('A'), kind: 'encrypted', bytes: encrypted },
      { path: path('BB'), kind: 'plaintext', typeId: 1, bytes: Buffer.from('abc') },
    ])
    expect(hash.equals(createHash('sha384').update(record).digest())).toBe(true)
  })

  it('changes with the type id of an encrypted field (it is not in the GCM AAD)', () => {
    const other = Buffer.from(encrypted)
    other[1] = 0x02
    const a = canonicalHash(header, aad, [{ path: path('A'), kind: 'encrypted', bytes: encrypted }])
    const b = canonicalHash(header, aad, [{ path: path('A'), kind: 'encrypted', bytes: other }])
    expect(a.equals(b)).toBe(false)
  })

  it('refuses a plaintext field without type id and an encrypted field shorter than 18 bytes', () => {
    expect(() => canonicalHash(header, aad, [{ path: path('A'), kind: 'plaintext', bytes: Buffer.alloc(1) }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => canonicalHash(header, aad, [{ path: path('A'), kind: 'encrypted', bytes: Buffer.alloc(17) }])).toThrow(expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED' }))
  })
})
