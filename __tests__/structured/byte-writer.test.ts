import { ByteWriter } from '../../lib/structured/byte-writer'
import { serializeValue, deserializeValue, TYPE_LIST, TYPE_STRING } from '../../lib/structured'

const u32 = (n: number): Buffer => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(n, 0)
  return out
}
const u16 = (n: number): Buffer => {
  const out = Buffer.alloc(2)
  out.writeUInt16BE(n, 0)
  return out
}

describe('ByteWriter', () => {
  it('writes numbers, bytes and UTF-8 across growth, and patches placeholders', () => {
    const out = new ByteWriter(16)
    out.u16(0xabcd)
    const at = out.placeholderU32()
    const text = 'é€😀'.repeat(20) // 2-, 3- and 4-byte characters, well past the first 16 bytes
    const written = out.utf8(text)
    expect(out.patchU32(at, written)).toBe(true)
    out.bytes(Uint8Array.of(1, 2, 3))
    out.u32(0xdeadbeef)
    const textBytes = Buffer.from(text, 'utf8')
    expect(written).toBe(textBytes.length)
    expect(out.result().equals(Buffer.concat([u16(0xabcd), u32(textBytes.length), textBytes, Buffer.of(1, 2, 3), u32(0xdeadbeef)]))).toBe(true)
  })

  it('writes a long string (measured first, not reserved at three bytes a unit) in full', () => {
    const out = new ByteWriter(16)
    const long = 'a'.repeat(100_000)
    expect(out.utf8(long)).toBe(100_000)
    expect(out.result().equals(Buffer.from(long))).toBe(true)
  })

  it('refuses a placeholder value beyond u32 and leaves it unwritten', () => {
    const out = new ByteWriter(16)
    const at = out.placeholderU32()
    expect(out.patchU32(at, 2 ** 32)).toBe(false)
    expect(out.patchU32(at, 2 ** 32 - 1)).toBe(true)
    expect(out.result().equals(u32(2 ** 32 - 1))).toBe(true)
  })

  it('gives back a copy, not the grown buffer, when most of the buffer is unused', () => {
    const out = new ByteWriter(64 * 1024)
    out.bytes(Uint8Array.of(7, 7))
    const result = out.result()
    expect(result.equals(Buffer.of(7, 7))).toBe(true)
    expect(result.buffer.byteLength).toBeLessThan(64 * 1024)
  })
})

describe('containers larger than the writer starts with', () => {
  it('serializes a long list of multi-byte strings to the bytes built by hand, and back', () => {
    const strings = Array.from({ length: 300 }, (_, i) => `${i}:${'ж'.repeat(i % 7)}😀`)
    const { typeId, bytes } = serializeValue({ L: strings.map((S) => ({ S })) }, 'list')
    const expected = Buffer.concat([u32(strings.length), ...strings.flatMap((s) => [u16(TYPE_STRING), u32(Buffer.byteLength(s)), Buffer.from(s)])])
    expect(typeId).toBe(TYPE_LIST)
    expect(bytes.equals(expected)).toBe(true)
    expect(deserializeValue(typeId, bytes, 'list')).toEqual({ L: strings.map((S) => ({ S })) })
  })
})
