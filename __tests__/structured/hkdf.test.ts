import { hkdfSync, randomBytes } from 'node:crypto'
import { hkdfExpandSha512, hkdfExtractSha512 } from '../../lib/structured/hkdf'

/** One key the way the library derives it: extract, then one expand block. */
const hkdfSha512 = (ikm: Uint8Array, info: Uint8Array, length: number) => hkdfExpandSha512(hkdfExtractSha512(ikm), info, length)
const nodeHkdf = (ikm: Uint8Array, info: Uint8Array, length: number) => Buffer.from(hkdfSync('sha512', ikm, Buffer.alloc(0), info, length))

describe('hkdfSha512 (HMAC extract + one expand block)', () => {
  it.each([
    [32, 50, 32],
    [32, 32, 1],
    [32, 0, 64],
    [0, 18, 32],
    [200, 300, 48],
  ])('equals node:crypto hkdfSync for %i-byte input key material, %i-byte info, %i bytes out', (ikmLength, infoLength, length) => {
    for (let round = 0; round < 20; round++) {
      const ikm = randomBytes(ikmLength)
      const info = randomBytes(infoLength)
      expect(hkdfSha512(ikm, info, length).toString('hex')).toBe(nodeHkdf(ikm, info, length).toString('hex'))
    }
  })

  it('depends on every input: another key, another info, another length prefix', () => {
    const ikm = randomBytes(32)
    const info = Buffer.from('AWS_DBE_DERIVE_KEY')
    const key = hkdfSha512(ikm, info, 32)
    expect(hkdfSha512(Buffer.from(ikm).fill(1, 0, 1), info, 32)).not.toEqual(key)
    expect(hkdfSha512(ikm, Buffer.from('AWS_DBE_COMMIT_KEY'), 32)).not.toEqual(key)
    expect(hkdfSha512(ikm, info, 64).subarray(0, 32)).toEqual(key)
  })

  it.each([0, 65, 1.5, Number.NaN])('refuses an output length of %p, naming the allowed range', (length) => {
    expect(() => hkdfSha512(randomBytes(32), Buffer.alloc(0), length)).toThrow(`hkdfExpandSha512 derives 1 to 64 bytes (one block), not ${length}.`)
  })

  it('leaves no HMAC output beyond the key in memory: the rest of the block is zero, and zeroing the key clears it all', () => {
    const key = hkdfExpandSha512(hkdfExtractSha512(randomBytes(32)), Buffer.from('AWS_DBE_COMMIT_KEY'), 32)
    const whole = Buffer.from(key.buffer, key.byteOffset, key.buffer.byteLength - key.byteOffset)
    expect(whole.length).toBeGreaterThanOrEqual(64)
    expect(whole.subarray(32, 64)).toEqual(Buffer.alloc(32))
    expect(key.equals(Buffer.alloc(32))).toBe(false)
    key.fill(0)
    expect(whole.subarray(0, 64)).toEqual(Buffer.alloc(64))
  })

  it('one extract serves several expands: each equals hkdfSync with that info', () => {
    const ikm = randomBytes(32)
    const pseudorandomKey = hkdfExtractSha512(ikm)
    for (const info of [Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_ENC'), Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_MAC')]) {
      expect(hkdfExpandSha512(pseudorandomKey, info, 32).toString('hex')).toBe(nodeHkdf(ikm, info, 32).toString('hex'))
    }
  })
})
