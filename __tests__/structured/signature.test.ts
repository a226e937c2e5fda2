import { ECDH, createHash, createPublicKey, randomBytes } from 'node:crypto'
import { ItemVerificationError } from '../../lib/errors'
import {
  decodeCompressedPublicKey,
  decodeDerSignature,
  encodeDerSignature,
  generateSigningKeyPair,
  signCanonicalHash,
  verifyCanonicalHash,
} from '../../lib/structured'

const P384_ORDER = BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973')
const hashOf = (text: string): Buffer => createHash('sha384').update(text).digest()

describe('ECDSA P-384 signatures', () => {
  it('publishes the public key as 68 base64 characters of a 49-byte compressed point', async () => {
    const { publicKeyCompressedBase64 } = await generateSigningKeyPair()
    expect(publicKeyCompressedBase64).toMatch(/^[A-Za-z0-9+/]{66}==$/)
    const point = Buffer.from(publicKeyCompressedBase64, 'base64')
    expect(point.length).toBe(49)
    expect([0x02, 0x03]).toContain(point[0])
    // The same point, decompressed independently, has the parity the prefix claims.
    const uncompressed = ECDH.convertKey(point, 'secp384r1', undefined, undefined, 'uncompressed') as Buffer
    expect(uncompressed[96] & 1).toBe(point[0] === 0x03 ? 1 : 0)
  })

  it('produces 200 signatures that are all exactly 103 DER bytes and verify', async () => {
    const pairs = await Promise.all(Array.from({ length: 10 }, () => generateSigningKeyPair()))
    let checked = 0
    for (let i = 0; i < 200; i++) {
      const pair = pairs[i % pairs.length]
      const hash = hashOf(`record ${i}`)
      const signature = await signCanonicalHash(pair.privateKey, hash)
      expect(signature.length).toBe(103)
      expect(signature[0]).toBe(0x30)
      await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, hash, signature)).resolves.toBe(true)
      checked++
    }
    expect(checked).toBe(200)
  })

  it('fails verification for a flipped bit in the signature or the hash, or another key', async () => {
    const pair = await generateSigningKeyPair()
    const other = await generateSigningKeyPair()
    const hash = hashOf('item')
    const signature = await signCanonicalHash(pair.privateKey, hash)
    for (const bit of [0, 7, 8 * 10 + 3, 8 * 60, 8 * 102 + 7]) {
      const tampered = Buffer.from(signature)
      tampered[bit >> 3] ^= 1 << (bit & 7)
      await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, hash, tampered)).resolves.toBe(false)
    }
    const otherHash = Buffer.from(hash)
    otherHash[0] ^= 1
    await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, otherHash, signature)).resolves.toBe(false)
    await expect(verifyCanonicalHash(other.publicKeyCompressedBase64, hash, signature)).resolves.toBe(false)
    await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, hash, signature.subarray(0, 102))).resolves.toBe(false)
    await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, hash, Buffer.alloc(0))).resolves.toBe(false)
  })

  it('accepts the (r, n − s) twin that the 103-byte rule relies on', async () => {
    const pair = await generateSigningKeyPair()
    const hash = hashOf('twin')
    const signature = await signCanonicalHash(pair.privateKey, hash)
    const { r, s } = decodeDerSignature(signature)
    expect(encodeDerSignature(r, s).equals(signature)).toBe(true)
    const twin = encodeDerSignature(r, P384_ORDER - s)
    expect(twin.equals(signature)).toBe(false)
    await expect(verifyCanonicalHash(pair.publicKeyCompressedBase64, hash, twin)).resolves.toBe(true)
  })

  it('encodes DER integers minimally with a sign byte when the high bit is set', () => {
    expect(encodeDerSignature(1n, 0x80n).toString('hex')).toBe('3007' + '020101' + '02020080')
  })

  const badKeys: Array<[string, string]> = [
    ['empty', ''],
    ['not base64', '!'.repeat(68)],
    ['unpadded', 'A'.repeat(68)],
    ['too short', Buffer.concat([Buffer.from([2]), randomBytes(47)]).toString('base64')],
    ['uncompressed prefix 04', Buffer.concat([Buffer.from([4]), randomBytes(48)]).toString('base64')],
    ['prefix 05', Buffer.concat([Buffer.from([5]), randomBytes(48)]).toString('base64')],
    ['x beyond the field prime', Buffer.concat([Buffer.from([2]), Buffer.alloc(48, 0xff)]).toString('base64')],
  ]
  it.each(badKeys)('refuses a %s public key with ERR_SIGNATURE_INVALID', async (_label, key) => {
    await expect(decodeCompressedPublicKey(key)).rejects.toThrow(ItemVerificationError)
    await expect(verifyCanonicalHash(key, hashOf('x'), Buffer.alloc(103))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
  })

  it('decodes the compressed point of either parity to the very public key that was generated', async () => {
    const seen = new Set<number>()
    for (let attempt = 0; attempt < 64 && seen.size < 2; attempt++) {
      const pair = await generateSigningKeyPair()
      const prefix = Buffer.from(pair.publicKeyCompressedBase64, 'base64')[0]
      if (seen.has(prefix)) continue
      seen.add(prefix)
      const decoded = await decodeCompressedPublicKey(pair.publicKeyCompressedBase64)
      expect(decoded.export({ format: 'jwk' })).toEqual(createPublicKey(pair.privateKey).export({ format: 'jwk' }))
    }
    expect([...seen].sort()).toEqual([2, 3])
  })

  it('refuses an x coordinate that is not on the curve', async () => {
    // About half of all x values have no point; find one deterministically.
    let refused = 0
    for (let i = 1; i <= 16; i++) {
      const key = Buffer.concat([Buffer.from([2]), Buffer.alloc(47), Buffer.from([i])]).toString('base64')
      try {
        await decodeCompressedPublicKey(key)
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
        refused++
      }
    }
    expect(refused).toBeGreaterThan(0)
  })
})
