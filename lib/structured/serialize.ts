import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { types } from 'node:util'
import { ItemInputError } from '../errors'
import { isWellFormedText } from './encryption-context'
import { normalizeNumber } from './normalize-number'
import { MAX_NESTING_DEPTH, TYPE_ID_OF, TYPE_KEYS, TYPE_STRING } from './type-ids'
import { ByteWriter } from './byte-writer'
import { bufferView } from './bytes'
import type { TypeId, TypeKey } from './type-ids'

// The wire constants and the reader live next door; re-exported so `serialize` is the one import for both directions.
export * from './type-ids'
export { deserializeValue } from './deserialize'

const MAX_MAP_KEY_BYTES = 0xffff

function inputError(path: string, problem: string): ItemInputError {
  return new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Attribute "${path}" ${problem}.`)
}

const KNOWN_TYPE_KEYS: ReadonlySet<string> = new Set(TYPE_KEYS)

/** The single type key of an AttributeValue; zero or several keys is a malformed value. */
function typeKeyOf(value: unknown, path: string): TypeKey {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw inputError(path, 'is not a DynamoDB AttributeValue object (expected e.g. { S: "text" })')
  }
  const keys = Object.keys(value)
  // The common shape, one key with a value, without building the filtered list.
  const present = keys.length === 1 && (value as Record<string, unknown>)[keys[0]] !== undefined ? keys : keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined)
  if (present.length !== 1) {
    throw inputError(path, `must have exactly one type key (S, N, B, BOOL, NULL, SS, NS, BS, M or L) but has ${present.length === 0 ? 'none' : present.join(', ')}`)
  }
  const key = present[0]
  if (!KNOWN_TYPE_KEYS.has(key)) throw inputError(path, `has the unknown type key "${key}"`)
  return key as TypeKey
}

function expectString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') throw inputError(path, `must hold a string ${what}`)
  return value
}

/**
 * `types.isUint8Array` is realm-independent (Buffers and Uint8Arrays from another realm, e.g. a test VM, qualify) and
 * checks the object itself, not its prototype chain or Symbol.toStringTag; ~8 ns where Object.prototype.toString takes ~140.
 */
function expectBinary(value: unknown, path: string): Uint8Array {
  if (!types.isUint8Array(value)) throw inputError(path, 'must hold binary data as a Uint8Array')
  return value
}

/** A dense copy: holes in a sparse array become `undefined` and are refused, never silently skipped. */
function expectArray(value: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw inputError(path, `must hold an array of ${what}`)
  return Array.from(value as unknown[])
}

function refuseLoneSurrogate(text: string, path: string): void {
  if (!isWellFormedText(text)) throw inputError(path, 'contains a lone UTF-16 surrogate; it cannot be stored as UTF-8')
}

function utf8(text: string, path: string): Buffer {
  refuseLoneSurrogate(text, path)
  return Buffer.from(text, 'utf8')
}

function normalized(text: string, path: string): string {
  try {
    return normalizeNumber(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Attribute "${path}": ${reason}`, { cause: error })
  }
}

/** JavaScript's default string order is UTF-16 code-unit order, which is what DB-ESDK sorts by. */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** `u32 length || bytes` of a nested part whose length is known only once it is written. */
function lengthPrefixed(out: ByteWriter, path: string, write: () => void): void {
  const at = out.placeholderU32()
  const start = out.length
  write()
  if (!out.patchU32(at, out.length - start)) throw inputError(path, 'is too large to serialize')
}

function writeText(out: ByteWriter, text: string, path: string): number {
  refuseLoneSurrogate(text, path)
  return out.utf8(text)
}

function writeStringSet(out: ByteWriter, strings: string[], path: string, kind: 'string' | 'number'): void {
  const sorted = [...strings].sort(compareUtf16)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1] === sorted[i]) {
      throw inputError(path, `has the ${kind} "${sorted[i]}" twice in its set${kind === 'number' ? ' (after normalization)' : ''}`)
    }
  }
  out.u32(sorted.length)
  for (const member of sorted) lengthPrefixed(out, path, () => writeText(out, member, path))
}

function writeBinarySet(out: ByteWriter, content: unknown, path: string): void {
  const members = expectArray(content, path, 'Uint8Arrays in BS').map((m) => bufferView(expectBinary(m, path)))
  members.sort(Buffer.compare)
  for (let i = 1; i < members.length; i++) {
    if (members[i - 1].equals(members[i])) throw inputError(path, 'has the same binary value twice in its set')
  }
  out.u32(members.length)
  for (const member of members) {
    out.u32(member.length)
    out.bytes(member)
  }
}

/** Writes the value bytes (no type id) of an AttributeValue whose type key is `key`. */
function writeContent(out: ByteWriter, key: TypeKey, content: unknown, path: string, depth: number): void {
  switch (key) {
    case 'NULL':
      if (content !== true) throw inputError(path, 'must be { NULL: true }')
      return
    case 'BOOL':
      if (typeof content !== 'boolean') throw inputError(path, 'must hold a boolean in BOOL')
      out.bytes(content ? TRUE_BYTE : FALSE_BYTE)
      return
    case 'S':
      writeText(out, expectString(content, path, 'in S'), path)
      return
    case 'N':
      out.utf8(normalized(expectString(content, path, 'in N'), path))
      return
    case 'B':
      out.bytes(expectBinary(content, path))
      return
    case 'SS':
      writeStringSet(out, expectArray(content, path, 'strings in SS').map((m) => expectString(m, path, 'in every SS member')), path, 'string')
      return
    case 'NS':
      writeStringSet(out, expectArray(content, path, 'number strings in NS').map((m) => normalized(expectString(m, path, 'in every NS member'), path)), path, 'number')
      return
    case 'BS':
      writeBinarySet(out, content, path)
      return
    case 'L':
      writeList(out, expectArray(content, path, 'AttributeValues in L'), path, depth)
      return
    case 'M':
      writeMap(out, content, path, depth)
      return
  }
}

/**
 * A member of a list or map: `typeId || u32 length || value bytes`. Its depth is checked whatever its type, as DB-ESDK
 * checks every value (the attribute's own value is level 1): a list or map at level 32 can only be empty.
 */
function writeNested(out: ByteWriter, value: unknown, path: string, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) throw inputError(path, `is nested deeper than ${MAX_NESTING_DEPTH} levels, which DynamoDB and DB-ESDK do not allow`)
  const key = typeKeyOf(value, path)
  out.u16(TYPE_ID_OF[key])
  lengthPrefixed(out, path, () => writeContent(out, key, (value as Record<string, unknown>)[key], path, depth))
}

function writeList(out: ByteWriter, elements: unknown[], path: string, depth: number): void {
  out.u32(elements.length)
  for (let index = 0; index < elements.length; index++) writeNested(out, elements[index], `${path}[${index}]`, depth + 1)
}

function writeMap(out: ByteWriter, content: unknown, path: string, depth: number): void {
  if (content === null || typeof content !== 'object' || Array.isArray(content) || types.isUint8Array(content)) {
    throw inputError(path, 'must hold an object of AttributeValues in M')
  }
  const entries = content as Record<string, unknown>
  const keys = Object.keys(entries).sort(compareUtf16)
  out.u32(keys.length)
  for (const key of keys) {
    const entryPath = `${path}.${key}`
    out.u16(TYPE_STRING)
    lengthPrefixed(out, path, () => {
      const keyLength = writeText(out, key, entryPath)
      if (keyLength === 0 || keyLength > MAX_MAP_KEY_BYTES) {
        throw inputError(path, `has a map key of ${keyLength} UTF-8 bytes; keys must be 1 to ${MAX_MAP_KEY_BYTES} bytes`)
      }
    })
    writeNested(out, entries[key], entryPath, depth + 1)
  }
}

const TRUE_BYTE = Buffer.from([1])
const FALSE_BYTE = Buffer.from([0])
/** Where a map, list or set starts; it grows by doubling, so a wrong guess costs a few copies, not correctness. */
const CONTAINER_INITIAL_CAPACITY = 256

/**
 * Serializes one attribute value to its structured-encryption value bytes (no type id prefix):
 * numbers normalized, sets sorted and checked for duplicates, map entries sorted by UTF-16 code
 * units, nesting at most 32 levels. Errors name the attribute and the nested path.
 */
export function serializeValue(value: AttributeValue, attributeName: string): { typeId: TypeId; bytes: Buffer } {
  const key = typeKeyOf(value, attributeName)
  const content = (value as unknown as Record<string, unknown>)[key]
  const typeId = TYPE_ID_OF[key]
  // Scalars are one buffer already; containers and sets are written into one.
  switch (key) {
    case 'S':
      return { typeId, bytes: utf8(expectString(content, attributeName, 'in S'), attributeName) }
    case 'N':
      return { typeId, bytes: Buffer.from(normalized(expectString(content, attributeName, 'in N'), attributeName), 'ascii') }
    case 'B':
      return { typeId, bytes: Buffer.from(expectBinary(content, attributeName)) }
    default: {
      const out = new ByteWriter(CONTAINER_INITIAL_CAPACITY)
      writeContent(out, key, content, attributeName, 1)
      return { typeId, bytes: out.result() }
    }
  }
}
