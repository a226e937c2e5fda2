import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ItemInputError } from '../errors'
import { isWellFormedText } from './encryption-context'
import { normalizeNumber } from './normalize-number'
import { LENGTH_LENGTH, MAX_NESTING_DEPTH, TYPE_ID_OF, TYPE_KEYS, TYPE_STRING, toTypeIdBytes } from './type-ids'
import type { TypeId, TypeKey } from './type-ids'

// The wire constants and the reader live next door; re-exported so `serialize` is the one import for both directions.
export * from './type-ids'
export { deserializeValue } from './deserialize'

const MAX_U32 = 0xffffffff
const MAX_MAP_KEY_BYTES = 0xffff

function inputError(path: string, problem: string): ItemInputError {
  return new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Attribute "${path}" ${problem}.`)
}

function u32(value: number): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_LENGTH)
  out.writeUInt32BE(value, 0)
  return out
}

function checkedU32(value: number, path: string): Buffer {
  if (value > MAX_U32) throw inputError(path, 'is too large to serialize')
  return u32(value)
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

/** Realm-independent: Buffers and Uint8Arrays from another realm (e.g. a test VM) qualify too. */
function isUint8Array(value: unknown): value is Uint8Array {
  return Object.prototype.toString.call(value) === '[object Uint8Array]'
}

function expectBinary(value: unknown, path: string): Uint8Array {
  if (!isUint8Array(value)) throw inputError(path, 'must hold binary data as a Uint8Array')
  return value
}

/** A dense copy: holes in a sparse array become `undefined` and are refused, never silently skipped. */
function expectArray(value: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw inputError(path, `must hold an array of ${what}`)
  return Array.from(value as unknown[])
}

function utf8(text: string, path: string): Buffer {
  if (!isWellFormedText(text)) throw inputError(path, 'contains a lone UTF-16 surrogate; it cannot be stored as UTF-8')
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

function encodeSet(members: Buffer[]): Buffer {
  const parts: Buffer[] = [u32(members.length)]
  for (const member of members) parts.push(u32(member.length), member)
  return Buffer.concat(parts)
}

function encodeStringSet(strings: string[], path: string, kind: 'string' | 'number'): Buffer {
  const sorted = [...strings].sort(compareUtf16)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1] === sorted[i]) {
      throw inputError(path, `has the ${kind} "${sorted[i]}" twice in its set${kind === 'number' ? ' (after normalization)' : ''}`)
    }
  }
  return encodeSet(sorted.map((member) => utf8(member, path)))
}

function encodeValue(value: unknown, path: string, depth: number): { typeId: TypeId; bytes: Buffer } {
  const key = typeKeyOf(value, path)
  const content = (value as Record<string, unknown>)[key]
  const typeId = TYPE_ID_OF[key]
  switch (key) {
    case 'NULL':
      if (content !== true) throw inputError(path, 'must be { NULL: true }')
      return { typeId, bytes: Buffer.alloc(0) }
    case 'BOOL':
      if (typeof content !== 'boolean') throw inputError(path, 'must hold a boolean in BOOL')
      return { typeId, bytes: Buffer.from([content ? 1 : 0]) }
    case 'S':
      return { typeId, bytes: utf8(expectString(content, path, 'in S'), path) }
    case 'N':
      return { typeId, bytes: Buffer.from(normalized(expectString(content, path, 'in N'), path), 'ascii') }
    case 'B':
      return { typeId, bytes: Buffer.from(expectBinary(content, path)) }
    case 'SS': {
      const members = expectArray(content, path, 'strings in SS').map((m) => expectString(m, path, 'in every SS member'))
      return { typeId, bytes: encodeStringSet(members, path, 'string') }
    }
    case 'NS': {
      const members = expectArray(content, path, 'number strings in NS').map((m) => normalized(expectString(m, path, 'in every NS member'), path))
      return { typeId, bytes: encodeStringSet(members, path, 'number') }
    }
    case 'BS': {
      const members = expectArray(content, path, 'Uint8Arrays in BS').map((m) => Buffer.from(expectBinary(m, path)))
      members.sort(Buffer.compare)
      for (let i = 1; i < members.length; i++) {
        if (members[i - 1].equals(members[i])) throw inputError(path, 'has the same binary value twice in its set')
      }
      return { typeId, bytes: encodeSet(members) }
    }
    case 'L':
      return { typeId, bytes: encodeList(expectArray(content, path, 'AttributeValues in L'), path, depth) }
    case 'M':
      return { typeId, bytes: encodeMap(content, path, depth) }
  }
}

function checkContainerDepth(path: string, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) throw inputError(path, `is nested deeper than ${MAX_NESTING_DEPTH} levels, which DynamoDB does not allow`)
}

function encodeList(elements: unknown[], path: string, depth: number): Buffer {
  checkContainerDepth(path, depth)
  const parts: Buffer[] = [checkedU32(elements.length, path)]
  elements.forEach((element, index) => {
    const encoded = encodeValue(element, `${path}[${index}]`, depth + 1)
    parts.push(toTypeIdBytes(encoded.typeId), checkedU32(encoded.bytes.length, path), encoded.bytes)
  })
  return Buffer.concat(parts)
}

function encodeMap(content: unknown, path: string, depth: number): Buffer {
  checkContainerDepth(path, depth)
  if (content === null || typeof content !== 'object' || Array.isArray(content) || isUint8Array(content)) {
    throw inputError(path, 'must hold an object of AttributeValues in M')
  }
  const entries = content as Record<string, unknown>
  const keys = Object.keys(entries).sort(compareUtf16)
  const parts: Buffer[] = [checkedU32(keys.length, path)]
  for (const key of keys) {
    const keyBytes = utf8(key, `${path}.${key}`)
    if (keyBytes.length === 0 || keyBytes.length > MAX_MAP_KEY_BYTES) {
      throw inputError(path, `has a map key of ${keyBytes.length} UTF-8 bytes; keys must be 1 to ${MAX_MAP_KEY_BYTES} bytes`)
    }
    const encoded = encodeValue(entries[key], `${path}.${key}`, depth + 1)
    parts.push(toTypeIdBytes(TYPE_STRING), u32(keyBytes.length), keyBytes)
    parts.push(toTypeIdBytes(encoded.typeId), checkedU32(encoded.bytes.length, path), encoded.bytes)
  }
  return Buffer.concat(parts)
}

/**
 * Serializes one attribute value to its structured-encryption value bytes (no type id prefix):
 * numbers normalized, sets sorted and checked for duplicates, map entries sorted by UTF-16 code
 * units, nesting at most 32 levels. Errors name the attribute and the nested path.
 */
export function serializeValue(value: AttributeValue, attributeName: string): { typeId: TypeId; bytes: Buffer } {
  return encodeValue(value, attributeName, 1)
}
