/** Structured-encryption terminal type ids (§1). */

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

export const TYPE_ID_LENGTH = 2
export const LENGTH_LENGTH = 4

export const TYPE_KEYS = ['NULL', 'S', 'N', 'B', 'BOOL', 'SS', 'NS', 'BS', 'M', 'L'] as const
export type TypeKey = (typeof TYPE_KEYS)[number]

export const TYPE_ID_OF: Record<TypeKey, TypeId> = {
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

function typeIdBytes(typeId: number): Buffer {
  const out = Buffer.alloc(TYPE_ID_LENGTH)
  out.writeUInt16BE(typeId, 0)
  return out
}

/** One shared 2-byte form per known type id: every item serializes several, and callers only copy them. */
const KNOWN_TYPE_ID_BYTES = new Map<number, Buffer>(Object.values(TYPE_ID_OF).map((typeId) => [typeId, typeIdBytes(typeId)]))

/** The 2-byte big-endian form of a type id. Shared between calls for the known ids: read it, never write to it. */
export function toTypeIdBytes(typeId: TypeId): Buffer {
  return KNOWN_TYPE_ID_BYTES.get(typeId) ?? typeIdBytes(typeId)
}

/** Human name of a type id, for messages. */
export function typeIdName(typeId: TypeId): string {
  for (const key of TYPE_KEYS) if (TYPE_ID_OF[key] === typeId) return key
  return `0x${typeId.toString(16).padStart(4, '0')}`
}
