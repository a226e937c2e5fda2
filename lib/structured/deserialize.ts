import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ItemVerificationError } from '../errors'
import { decodeStrictUtf8 } from './encryption-context'
import { isNumberSyntax } from './normalize-number'
import { setOwn } from './own-property'
import {
  LENGTH_LENGTH,
  MAX_NESTING_DEPTH,
  TYPE_BINARY,
  TYPE_BINARY_SET,
  TYPE_BOOLEAN,
  TYPE_ID_LENGTH,
  TYPE_LIST,
  TYPE_MAP,
  TYPE_NULL,
  TYPE_NUMBER,
  TYPE_NUMBER_SET,
  TYPE_STRING,
  TYPE_STRING_SET,
  typeIdName,
} from './type-ids'
import type { TypeId } from './type-ids'
import { bufferView } from './bytes'

// The reader: stored bytes → AttributeValue. Input may be hostile, so every length is checked before use.

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
  // Every value counts, scalars too (the attribute's own value is level 1), as DB-ESDK counts on write and read.
  if (depth > MAX_NESTING_DEPTH) throw corrupt(path, `it is nested deeper than ${MAX_NESTING_DEPTH} levels`)
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

function decodeList(buf: Buffer, start: number, end: number, path: string, depth: number): AttributeValue[] {
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
  const cursor = new Cursor(buf, start, end, path)
  const count = cursor.count(2 * (TYPE_ID_LENGTH + LENGTH_LENGTH), 'map entry')
  const entries: Record<string, AttributeValue> = {}
  for (let i = 0; i < count; i++) {
    if (cursor.u16('a map key type') !== TYPE_STRING) throw corrupt(path, 'a map key is not a string')
    const [keyStart, keyEnd] = cursor.take(cursor.u32('a map key length'), 'a map key')
    const key = decodeText(buf.subarray(keyStart, keyEnd), path)
    // Positions, never key text: the value may have been encrypted, and error messages end up in logs.
    if (Object.prototype.hasOwnProperty.call(entries, key)) throw corrupt(path, `the key of map entry #${i} appears twice`)
    const valueType = cursor.u16('a map value type')
    const [valueStart, valueEnd] = cursor.take(cursor.u32('a map value length'), 'a map value')
    // Keys like "__proto__" stay plain data.
    setOwn(entries, key, decodeValue(valueType, buf, valueStart, valueEnd, `${path}{map entry #${i}}`, depth + 1))
  }
  cursor.finish()
  return entries
}

/**
 * Strict inverse of `serializeValue`: every length is checked against the remaining bytes, counts
 * are checked before allocating, no trailing bytes, nesting bounded, reserved type ids refused.
 * Any malformation is an `ItemVerificationError('ERR_DECRYPTION_FAILED')` naming the attribute.
 */
export function deserializeValue(typeId: TypeId, bytes: Uint8Array, attributeName: string): AttributeValue {
  const buf = bufferView(bytes)
  return decodeValue(typeId, buf, 0, buf.length, attributeName, 1)
}
