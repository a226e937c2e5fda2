/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair, 2 units, takes 4). */
const MAX_UTF8_PER_UNIT = 3
/** Longer strings are measured first rather than given three bytes per unit, which could triple the buffer. */
const MEASURE_ABOVE_UNITS = 1024
const MAX_U32 = 0xffffffff

/**
 * A buffer that grows as a value is written into it, so that a map, list or set is one allocation rather than one per
 * type id, length and member followed by concatenations. Every byte up to `length` is written by the caller (lengths
 * written ahead as placeholders are patched), so the memory is not zeroed first.
 */
export class ByteWriter {
  #buffer: Buffer
  #length = 0

  constructor(initialCapacity: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(16, initialCapacity))
  }

  get length(): number {
    return this.#length
  }

  #reserve(count: number): void {
    const needed = this.#length + count
    if (needed <= this.#buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#buffer.length))
    this.#buffer.copy(grown, 0, 0, this.#length)
    this.#buffer = grown
  }

  u16(value: number): void {
    this.#reserve(2)
    this.#length = this.#buffer.writeUInt16BE(value, this.#length)
  }

  u32(value: number): void {
    this.#reserve(4)
    this.#length = this.#buffer.writeUInt32BE(value, this.#length)
  }

  bytes(bytes: Uint8Array): void {
    this.#reserve(bytes.length)
    this.#buffer.set(bytes, this.#length)
    this.#length += bytes.length
  }

  /** Writes `text` as UTF-8 (the caller has checked it is well formed) and returns its byte length. */
  utf8(text: string): number {
    this.#reserve(text.length > MEASURE_ABOVE_UNITS ? Buffer.byteLength(text, 'utf8') : MAX_UTF8_PER_UNIT * text.length)
    const written = this.#buffer.write(text, this.#length, 'utf8')
    this.#length += written
    return written
  }

  /** Room for a u32 written later with `patchU32`; returns its offset. */
  placeholderU32(): number {
    this.#reserve(4)
    const at = this.#length
    this.#length += 4
    return at
  }

  /** Fills a placeholder; `false` (nothing written) when the value does not fit a u32. */
  patchU32(at: number, value: number): boolean {
    if (value > MAX_U32) return false
    this.#buffer.writeUInt32BE(value, at)
    return true
  }

  /** The bytes written; a copy when the buffer grew to more than twice what they need, so the rest is not kept alive. */
  result(): Buffer {
    const written = this.#buffer.subarray(0, this.#length)
    return this.#buffer.length > 2 * this.#length + 4096 ? Buffer.from(written) : written
  }
}
