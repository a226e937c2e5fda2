import { encodeStrictUtf8 } from './encryption-context'

/** Depth of every DynamoDB attribute path: items are flat maps of top-level attributes. */
const TOP_LEVEL_DEPTH = 1
const MAP_SELECTOR = 0x24 // '$'
const TWO_TO_32 = 2 ** 32

/** Writes `value` (a safe integer ≥ 0) as a big-endian u64 into the first 8 bytes of `target`, and returns `target`. */
export function writeU64(target: Buffer, value: number): Buffer {
  target.writeUInt32BE(Math.floor(value / TWO_TO_32), 0)
  target.writeUInt32BE(value % TWO_TO_32, 4)
  return target
}

/**
 * Canonical path of a top-level attribute (also its AES-GCM AAD):
 * `UTF8(table) || u64(1) || '$' || u64(UTF-16 length of name) || UTF8(name)`.
 * The length counts UTF-16 code units because DB-ESDK's Dafny strings are UTF-16.
 */
export function canonicalPath(logicalTableName: string, attributeName: string): Buffer {
  return Buffer.concat([
    encodeStrictUtf8(logicalTableName, 'logical table name'),
    writeU64(Buffer.alloc(8), TOP_LEVEL_DEPTH),
    Buffer.from([MAP_SELECTOR]),
    writeU64(Buffer.alloc(8), attributeName.length),
    encodeStrictUtf8(attributeName, `attribute name "${attributeName}"`),
  ])
}

/**
 * Canonical attribute order, i.e. the byte order of canonical paths: shorter names (in UTF-16 code
 * units) first, ties broken by UTF-8 bytes. It orders the legend, field-key offsets and the hash.
 */
export function compareCanonical(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  // UTF-8 byte order is code point order; comparing code points spares two buffers per comparison. (Names with a lone
  // surrogate, which UTF-8 cannot encode, are refused when their canonical path is built.)
  for (let i = 0; i < a.length; ) {
    const pointA = a.codePointAt(i) as number
    const pointB = b.codePointAt(i) as number
    if (pointA !== pointB) return pointA - pointB
    i += pointA > 0xffff ? 2 : 1
  }
  return 0
}

/** The names in canonical order (a new array). */
export function sortCanonical(names: Iterable<string>): string[] {
  return [...names].sort(compareCanonical)
}
