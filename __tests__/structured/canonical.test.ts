import { ItemInputError, ItemVerificationError } from '../../lib/errors'
import {
  canonicalPath,
  compareCanonical,
  parseEncryptionContext,
  serializeEncryptionContext,
  serializeEncryptionContextAsAad,
  sortCanonical,
} from '../../lib/structured'

const u64 = (n: number): string => n.toString(16).padStart(16, '0')
const u16 = (n: number): string => n.toString(16).padStart(4, '0')
const utf8Hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex')

describe('canonicalPath (§2)', () => {
  it('matches the documented bytes for GazelleVectorTable / Junk', () => {
    expect(canonicalPath('GazelleVectorTable', 'Junk').toString('hex')).toBe(
      '47617a656c6c65566563746f725461626c65' + '0000000000000001' + '24' + '0000000000000004' + '4a756e6b',
    )
  })

  it('counts UTF-16 code units in the length but writes the name as UTF-8', () => {
    expect(canonicalPath('T', 'café').toString('hex')).toBe(utf8Hex('T') + u64(1) + '24' + u64(4) + utf8Hex('café'))
    expect(canonicalPath('T', '𐀂').toString('hex')).toBe(utf8Hex('T') + u64(1) + '24' + u64(2) + 'f0908082')
  })

  it('refuses names that cannot be encoded as UTF-8', () => {
    expect(() => canonicalPath('T', 'a\uDC00')).toThrow(ItemInputError)
  })
})

describe('canonical order', () => {
  it('puts shorter names first: Junk < Stuff < RecNum', () => {
    expect(sortCanonical(['RecNum', 'Stuff', 'Junk'])).toEqual(['Junk', 'Stuff', 'RecNum'])
  })

  it('orders the iotest record like its legend eseeeeseees', () => {
    const names = ['RecNum', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten']
    expect(sortCanonical(names)).toEqual(['One', 'Six', 'Ten', 'Two', 'Five', 'Four', 'Nine', 'Eight', 'Seven', 'Three', 'RecNum'])
  })

  it('breaks ties by UTF-8 bytes, which differs from UTF-16 order for non-BMP names', () => {
    // Both are 2 UTF-16 units; UTF-8 ef.. < f0.. although UTF-16 d800 < ff61.
    expect(sortCanonical(['\u{10002}', '\uFF61\uFF61'])).toEqual(['\uFF61\uFF61', '\u{10002}'])
    expect(compareCanonical('Z', 'é')).toBeLessThan(0)
    expect(compareCanonical('\uFF61', '\u{10002}')).toBeLessThan(0) // shorter in UTF-16
    expect(compareCanonical('abc', 'abc')).toBe(0)
  })

  it('agrees with byte order of the canonical paths', () => {
    const names = ['b', 'a', 'ab', 'é', 'Z', '\u{10002}', '\uFF61\uFF61', 'RecNum', 'café', 'cafe', 'zz']
    const byPath = [...names].sort((x, y) => Buffer.compare(canonicalPath('T', x), canonicalPath('T', y)))
    expect(sortCanonical(names)).toEqual(byPath)
  })

  it('agrees with byte order of the canonical paths on 20,000 random pairs of equal UTF-16 length (ASCII, BMP above the surrogates, astral)', () => {
    const pool = ['a', 'Z', '~', 'é', '\u07FF', '\u0800', '\uD7FF', '\uE000', '\uFF61', '\uFFFF', '\u{10000}', '\u{10002}', '\u{1F600}', '\u{10FFFF}']
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pool.length
    const word = (units: number) => {
      let out = ''
      while (out.length < units) {
        const piece = pool[next()]
        if (out.length + piece.length <= units) out += piece
      }
      return out
    }
    for (let i = 0; i < 20_000; i++) {
      const units = 1 + (i % 6)
      const a = word(units)
      const b = word(units)
      const byPath = Math.sign(Buffer.compare(canonicalPath('T', a), canonicalPath('T', b)))
      expect([a, b, Math.sign(compareCanonical(a, b))]).toEqual([a, b, byPath])
    }
  })

  it('returns a new array and leaves the input alone', () => {
    const input = ['Stuff', 'Junk']
    const output = sortCanonical(input)
    expect(input).toEqual(['Stuff', 'Junk'])
    expect(output).not.toBe(input)
  })
})

describe('encryption context serialization', () => {
  it('always writes the u16 count in the header form, and nothing for an empty AAD', () => {
    expect(serializeEncryptionContext({}).toString('hex')).toBe('0000')
    expect(serializeEncryptionContextAsAad({}).length).toBe(0)
  })

  it('writes pairs sorted by key UTF-8 bytes', () => {
    const context = { b: '2', a: '1', '\u{10002}': 'x', '\uFF61': 'y' }
    const expected =
      u16(4) +
      u16(1) + utf8Hex('a') + u16(1) + utf8Hex('1') +
      u16(1) + utf8Hex('b') + u16(1) + utf8Hex('2') +
      u16(3) + utf8Hex('\uFF61') + u16(1) + utf8Hex('y') +
      u16(4) + utf8Hex('\u{10002}') + u16(1) + utf8Hex('x')
    expect(serializeEncryptionContext(context).toString('hex')).toBe(expected)
    expect(serializeEncryptionContextAsAad(context).toString('hex')).toBe(expected)
  })

  it('refuses entries longer than 65535 bytes and lone surrogates', () => {
    expect(() => serializeEncryptionContext({ k: 'x'.repeat(65536) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' }))
    expect(() => serializeEncryptionContext({ k: 'x'.repeat(65535) })).not.toThrow()
    expect(() => serializeEncryptionContext({ ['\uD800']: 'x' })).toThrow(ItemInputError)
  })

  it('parses what it writes, from an offset, and reports the end', () => {
    const context = { 'aws-crypto-public-key': 'A'.repeat(68), a: '', ['__proto__']: 'p', 'é': '𐀂' }
    const bytes = Buffer.concat([Buffer.from('xyz'), serializeEncryptionContext(context), Buffer.from('tail')])
    const { context: parsed, end } = parseEncryptionContext(bytes, 3)
    expect(end).toBe(bytes.length - 4)
    expect(parsed).toEqual(context)
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect(Object.keys(parsed)).toContain('__proto__')
  })

  const refused: Array<[string, string]> = [
    ['keys out of order', u16(2) + u16(1) + '62' + u16(0) + u16(1) + '61' + u16(0)],
    ['duplicate keys', u16(2) + u16(1) + '61' + u16(0) + u16(1) + '61' + u16(0)],
    ['invalid UTF-8 key', u16(1) + u16(1) + 'ff' + u16(0)],
    ['invalid UTF-8 value', u16(1) + u16(1) + '61' + u16(2) + 'c328'],
    ['truncated key', u16(1) + u16(5) + '61'],
    ['truncated value length', u16(1) + u16(1) + '61' + '00'],
    ['count beyond the bytes', u16(0xffff)],
    ['missing count', '00'],
  ]
  it.each(refused)('refuses %s with ERR_HEADER_INVALID', (_label, bytesHex) => {
    expect(() => parseEncryptionContext(Buffer.from(bytesHex, 'hex'), 0)).toThrow(ItemVerificationError)
    expect(() => parseEncryptionContext(Buffer.from(bytesHex, 'hex'), 0)).toThrow(expect.objectContaining({ code: 'ERR_HEADER_INVALID' }))
  })
})
