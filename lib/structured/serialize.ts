import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ItemInputError, ItemVerificationError } from '../errors'
import { decodeStrictUtf8, encodeStrictUtf8 } from './encryption-context'
import { isNumberSyntax, normalizeNumber } from './normalize-number'

/** A structured-encryption terminal type id (u16, big-endian on the wire). */
export type TypeId = number

export const TYPE_NULL: TypeId = 0x0000
export const TYPE_STRING: TypeId = 0x0001
export const TYPE_NUMBER: TypeId = 0x0002
export const TYPE_BOOLEAN: TypeId = 0x0004
export const TYPE_BINARY: TypeId = 0xffff
export const TYPE_STRING_SET: TypeId = 0x0101
export const TYPE_NUMBER_SET: TypeId = 0x0102
export const TYPE_BINARY_SET: TypeId = 0x01ff
export const TYPE_MAP: TypeId = 0x0200
export const TYPE_LIST: TypeId = 0x0300

/** DynamoDB allows 32 levels of nesting; the top-level attribute is level 1. */
export const MAX_NESTING_DEPTH = 32

const TYPE_ID_LENGTH = 2
const LENGTH_LENGTH = 4
const MAX_U32 = 0xffffffff
const MAX_MAP_KEY_BYTES = 0xffff

const TYPE_KEYS = ['NULL', 'S', 'N', 'B', 'BOOL', 'SS', 'NS', 'BS', 'M', 'L'] as const
type TypeKey = (typeof TYPE_KEYS)[number]

const TYPE_ID_OF: Record<TypeKey, TypeId> = {
  NULL: TYPE_NULL,
  S: TYPE_STRING,
  N: TYPE_NUMBER,
  B: TYPE_BINARY,
  BOOL: TYPE_BOOLEAN,
  SS: TYPE_STRING_SET,
  NS: TYPE_NUMBER_SET,
  BS: TYPE_BINARY_SET,
  M: TYPE_MAP,
  L: TYPE_LIST,
}

/** The 2-byte big-endian form of a type id. */
export function toTypeIdBytes(typeId: TypeId): Buffer {
  const out = Buffer.alloc(TYPE_ID_LENGTH)
  out.writeUInt16BE(typeId, 0)
  return out
}

/** Human name of a type id, for messages. */
export function typeIdName(typeId: TypeId): string {
  for (const key of TYPE_KEYS) if (TYPE_ID_OF[key] === typeId) return key
  return `0x${typeId.toString(16).padStart(4, '0')}`
}

// ---------------------------------------------------------------------------------------------
// AttributeValue → bytes

function inputError(path: string, problem: string): ItemInputError {
  return new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Attribute "${path}" ${problem}.`)
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(LENGTH_LENGTH)
  out.writeUInt32BE(value, 0)
  return out
}

function checkedU32(value: number, path: string): Buffer {
  if (value > MAX_U32) throw inputError(path, 'is too large to serialize')
  return u32(value)
}

/** The single type key of an AttributeValue; zero or several keys is a malformed value. */
function typeKeyOf(value: unknown, path: string): TypeKey {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw inputError(path, 'is not a DynamoDB AttributeValue object (expected e.g. { S: "text" })')
  }
  const present = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined)
  if (present.length !== 1) {
    throw inputError(path, `must have exactly one type key (S, N, B, BOOL, NULL, SS, NS, BS, M or L) but has ${present.length === 0 ? 'none' : present.join(', ')}`)
  }
  const key = present[0]
  if (!(TYPE_KEYS as readonly string[]).includes(key)) throw inputError(path, `has the unknown type key "${key}"`)
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
  try {
    return encodeStrictUtf8(text, `attribute "${path}"`)
  } catch {
    throw inputError(path, 'contains a lone UTF-16 surrogate; it cannot be stored as UTF-8')
  }
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

// ---------------------------------------------------------------------------------------------
// bytes → AttributeValue

function corrupt(path: string, problem: string): ItemVerificationError {
  return new ItemVerificationError('ERR_DECRYPTION_FAILED', `Attribute "${path}" of the stored item cannot be read: ${problem}.`)
}

/** A bounded window of a byte array; every read is checked against what remains. */
class Cursor {
  private position: number

  constructor(
    private readonly bytes: Buffer,
    start: number,
    private readonly end: number,
    private readonly path: string,
  ) {
    this.position = start
  }

  get remaining(): number {
    return this.end - this.position
  }

  private need(count: number, what: string): void {
    if (count > this.remaining) throw corrupt(this.path, `${what} runs past the end of the value`)
  }

  u16(what: string): number {
    this.need(2, what)
    const value = this.bytes.readUInt16BE(this.position)
    this.position += 2
    return value
  }

  u32(what: string): number {
    this.need(4, what)
    const value = this.bytes.readUInt32BE(this.position)
    this.position += 4
    return value
  }

  /** Reserves `length` bytes and returns their [start, end) bounds. */
  take(length: number, what: string): [number, number] {
    this.need(length, what)
    const start = this.position
    this.position += length
    return [start, this.position]
  }

  /** A count of items that each need at least `minimumItemSize` bytes, refused before anything is allocated. */
  count(minimumItemSize: number, what: string): number {
    const count = this.u32(`the ${what} count`)
    if (count * minimumItemSize > this.remaining) throw corrupt(this.path, `the ${what} count ${count} does not fit in the remaining bytes`)
    return count
  }

  finish(): void {
    if (this.remaining !== 0) throw corrupt(this.path, `${this.remaining} unexpected trailing bytes`)
  }
}

function decodeText(bytes: Buffer, path: string): string {
  const text = decodeStrictUtf8(bytes)
  if (text === undefined) throw corrupt(path, 'a string is not valid UTF-8')
  return text
}

function copyBytes(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes)
}

function decodeSetMembers(cursor: Cursor, buf: Buffer): Buffer[] {
  const count = cursor.count(LENGTH_LENGTH, 'set member')
  const members: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const [start, end] = cursor.take(cursor.u32('a set member length'), 'a set member')
    members.push(buf.subarray(start, end))
  }
  return members
}

function refuseDuplicates<T>(members: T[], key: (member: T) => string, path: string): void {
  const seen = new Set<string>()
  for (const member of members) {
    const id = key(member)
    if (seen.has(id)) throw corrupt(path, 'a set holds the same value twice')
    seen.add(id)
  }
}

function decodeValue(typeId: TypeId, buf: Buffer, start: number, end: number, path: string, depth: number): AttributeValue {
  const length = end - start
  const body = buf.subarray(start, end)
  switch (typeId) {
    case TYPE_NULL:
      if (length !== 0) throw corrupt(path, 'a NULL value has content')
      return { NULL: true }
    case TYPE_BOOLEAN:
      if (length !== 1 || body[0] > 1) throw corrupt(path, 'a BOOL value is not a single 00 or 01 byte')
      return { BOOL: body[0] === 1 }
    case TYPE_STRING:
      return { S: decodeText(body, path) }
    case TYPE_NUMBER:
      return { N: decodeNumber(body, path) }
    case TYPE_BINARY:
      return { B: copyBytes(body) }
    case TYPE_STRING_SET:
    case TYPE_NUMBER_SET: {
      const cursor = new Cursor(buf, start, end, path)
      const members = decodeSetMembers(cursor, buf)
      cursor.finish()
      const strings = members.map((m) => (typeId === TYPE_NUMBER_SET ? decodeNumber(m, path) : decodeText(m, path)))
      refuseDuplicates(strings, (s) => s, path)
      return typeId === TYPE_NUMBER_SET ? { NS: strings } : { SS: strings }
    }
    case TYPE_BINARY_SET: {
      const cursor = new Cursor(buf, start, end, path)
      const members = decodeSetMembers(cursor, buf)
      cursor.finish()
      refuseDuplicates(members, (m) => m.toString('base64'), path)
      return { BS: members.map(copyBytes) }
    }
    case TYPE_LIST:
      return { L: decodeList(buf, start, end, path, depth) }
    case TYPE_MAP:
      return { M: decodeMap(buf, start, end, path, depth) }
    default:
      throw corrupt(path, `type id ${typeIdName(typeId)} is not a DynamoDB type (reserved or unknown)`)
  }
}

/** Numbers are signed as written (older writers may not have normalized), so only the syntax is checked. */
function decodeNumber(bytes: Buffer, path: string): string {
  const text = decodeText(bytes, path)
  if (!isNumberSyntax(text)) throw corrupt(path, 'a number is not valid number text')
  return text
}

function checkNestedDepth(path: string, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) throw corrupt(path, `it is nested deeper than ${MAX_NESTING_DEPTH} levels`)
}

function decodeList(buf: Buffer, start: number, end: number, path: string, depth: number): AttributeValue[] {
  checkNestedDepth(path, depth)
  const cursor = new Cursor(buf, start, end, path)
  const count = cursor.count(TYPE_ID_LENGTH + LENGTH_LENGTH, 'list element')
  const elements: AttributeValue[] = []
  for (let i = 0; i < count; i++) {
    const elementType = cursor.u16('a list element type')
    const [elementStart, elementEnd] = cursor.take(cursor.u32('a list element length'), 'a list element')
    elements.push(decodeValue(elementType, buf, elementStart, elementEnd, `${path}[${i}]`, depth + 1))
  }
  cursor.finish()
  return elements
}

function decodeMap(buf: Buffer, start: number, end: number, path: string, depth: number): Record<string, AttributeValue> {
  checkNestedDepth(path, depth)
  const cursor = new Cursor(buf, start, end, path)
  const count = cursor.count(2 * (TYPE_ID_LENGTH + LENGTH_LENGTH), 'map entry')
  // A null-prototype object so that keys like "__proto__" stay plain data.
  const entries = Object.create(null) as Record<string, AttributeValue>
  for (let i = 0; i < count; i++) {
    if (cursor.u16('a map key type') !== TYPE_STRING) throw corrupt(path, 'a map key is not a string')
    const [keyStart, keyEnd] = cursor.take(cursor.u32('a map key length'), 'a map key')
    const key = decodeText(buf.subarray(keyStart, keyEnd), path)
    if (Object.prototype.hasOwnProperty.call(entries, key)) throw corrupt(path, `the map key "${key}" appears twice`)
    const valueType = cursor.u16('a map value type')
    const [valueStart, valueEnd] = cursor.take(cursor.u32('a map value length'), 'a map value')
    entries[key] = decodeValue(valueType, buf, valueStart, valueEnd, `${path}.${key}`, depth + 1)
  }
  cursor.finish()
  return toPlainRecord(entries)
}

function toPlainRecord(entries: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const key of Object.keys(entries)) Object.defineProperty(out, key, { value: entries[key], enumerable: true, writable: true, configurable: true })
  return out
}

/**
 * Strict inverse of `serializeValue`: every length is checked against the remaining bytes, counts
 * are checked before allocating, no trailing bytes, nesting bounded, reserved type ids refused.
 * Any malformation is an `ItemVerificationError('ERR_DECRYPTION_FAILED')` naming the attribute.
 */
export function deserializeValue(typeId: TypeId, bytes: Uint8Array, attributeName: string): AttributeValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return decodeValue(typeId, buf, 0, buf.length, attributeName, 1)
}
