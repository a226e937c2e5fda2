import { ItemInputError, ItemVerificationError } from '../errors'
import { setOwn } from './own-property'
import { bufferView } from './bytes'

/** Encryption context: UTF-8 string pairs, as the materials and the header carry them. */
export type EncryptionContextMap = Record<string, string>

const MAX_U16 = 0xffff
// ignoreBOM: a leading U+FEFF is a character of the value (DB-ESDK keeps it), not a byte order mark to drop.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Byte order of UTF-8 encodings, which is what every DB-ESDK reader uses for encryption-context keys. */
function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b)
}

interface SizedPair {
  key: string
  value: string
  keyLength: number
  valueLength: number
}

/** Any UTF-16 surrogate: in a well-formed string, a character outside the Basic Multilingual Plane. */
const SURROGATE = /[\uD800-\uDFFF]/

/**
 * The pairs in UTF-8 byte order of their keys, with their UTF-8 lengths, checked: string values, no lone surrogates,
 * lengths that fit a u16, no key twice. Keys without surrogates are compared as strings (UTF-16 code unit order is
 * UTF-8 byte order for them), others by their UTF-8 bytes.
 */
function sizedPairs(context: EncryptionContextMap): SizedPair[] {
  const pairs: SizedPair[] = []
  let anyOutsideBmp = false
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Encryption context value for key "${key}" is not a string.`)
    }
    refuseLoneSurrogate(key, 'key')
    refuseLoneSurrogate(value, `value of key "${key}"`)
    const keyLength = Buffer.byteLength(key, 'utf8')
    const valueLength = Buffer.byteLength(value, 'utf8')
    if (keyLength > MAX_U16 || valueLength > MAX_U16) {
      throw new ItemInputError(
        'ERR_INVALID_ATTRIBUTE_VALUE',
        `Encryption context entry "${key.slice(0, 64)}" is longer than 65535 UTF-8 bytes; shorten the key attribute value or name.`,
      )
    }
    anyOutsideBmp ||= SURROGATE.test(key)
    pairs.push({ key, value, keyLength, valueLength })
  }
  if (anyOutsideBmp) pairs.sort((a, b) => compareBytes(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8')))
  else pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (let i = 1; i < pairs.length; i++) {
    // Well-formed strings are equal exactly when their UTF-8 bytes are.
    if (pairs[i - 1].key === pairs[i].key) {
      throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Encryption context has the key "${pairs[i].key}" twice.`)
    }
  }
  if (pairs.length > MAX_U16) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Encryption context has ${pairs.length} entries; at most 65535 fit.`)
  }
  return pairs
}

/** Whether `text` has no lone UTF-16 surrogate, i.e. has a UTF-8 form (String.prototype.isWellFormed, Node 20+). */
export function isWellFormedText(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed()
}

function loneSurrogate(what: string): ItemInputError {
  return new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The ${what} contains a lone UTF-16 surrogate and cannot be encoded as UTF-8.`)
}

function refuseLoneSurrogate(text: string, what: string): void {
  if (!isWellFormedText(text)) throw loneSurrogate(what)
}

/** UTF-8 of a string that must round-trip exactly (a lone surrogate would silently become U+FFFD). */
export function encodeStrictUtf8(text: string, what: string): Buffer {
  refuseLoneSurrogate(text, what)
  return Buffer.from(text, 'utf8')
}

/** Decode UTF-8 strictly; malformed bytes are refused rather than replaced. */
export function decodeStrictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** `u16 count` then each pair as `u16 len || key || u16 len || value`, written in place. */
function writePairs(pairs: SizedPair[]): Buffer {
  let size = 2
  for (const pair of pairs) size += 4 + pair.keyLength + pair.valueLength
  // Every byte is written below (checked at the end), so the memory need not be zeroed first.
  const out = Buffer.allocUnsafe(size)
  let offset = out.writeUInt16BE(pairs.length, 0)
  for (const pair of pairs) {
    offset = out.writeUInt16BE(pair.keyLength, offset)
    offset += out.write(pair.key, offset, 'utf8')
    offset = out.writeUInt16BE(pair.valueLength, offset)
    offset += out.write(pair.value, offset, 'utf8')
  }
  if (offset !== size) throw new Error(`encryption context: wrote ${offset} of ${size} bytes`)
  return out
}

/**
 * Serialized forms of frozen contexts: one item's context is serialized for the data key's AAD, the keyring's AAD
 * and the canonical hash; freezing it (as the materials layer does) makes one serialization serve all three.
 * Only frozen objects are remembered, so a cached form can never disagree with its context.
 */
const serializedFrozen = new WeakMap<EncryptionContextMap, Buffer>()

/**
 * Header / canonical-hash form: u16 count (always present, `00 00` when empty), then pairs
 * sorted by key UTF-8 bytes, each `u16 len || key || u16 len || value`. The result may be shared: do not modify it.
 */
export function serializeEncryptionContext(context: EncryptionContextMap): Buffer {
  const cached = serializedFrozen.get(context)
  if (cached !== undefined) return cached
  const serialized = writePairs(sizedPairs(context))
  if (Object.isFrozen(context)) serializedFrozen.set(context, serialized)
  return serialized
}

/**
 * The MPL's EncryptionContextToAAD: the same bytes as the header form, except that an
 * empty context gives zero bytes (no count).
 */
export function serializeEncryptionContextAsAad(context: EncryptionContextMap): Buffer {
  return Object.keys(context).length === 0 ? Buffer.alloc(0) : serializeEncryptionContext(context)
}

function headerError(message: string): ItemVerificationError {
  return new ItemVerificationError('ERR_HEADER_INVALID', `Encrypted item header: ${message}`)
}

/**
 * Strict reader of the header form at `offset`: every length within bounds, valid UTF-8,
 * keys strictly increasing by UTF-8 bytes. Returns the context and the offset just after it.
 */
export function parseEncryptionContext(bytes: Uint8Array, offset: number): { context: EncryptionContextMap; end: number } {
  const buf = bufferView(bytes)
  let cursor = offset
  const need = (n: number, what: string): void => {
    if (cursor + n > buf.length) throw headerError(`the encryption context is truncated in the ${what}.`)
  }
  need(2, 'pair count')
  const count = buf.readUInt16BE(cursor)
  cursor += 2
  // Each pair takes at least 4 bytes, so a count that cannot fit is refused before any work.
  if (count * 4 > buf.length - cursor) throw headerError(`the encryption context claims ${count} pairs, more than its bytes can hold.`)
  const context: EncryptionContextMap = {}
  let previousKey: Buffer | undefined
  for (let i = 0; i < count; i++) {
    need(2, 'key length')
    const keyLength = buf.readUInt16BE(cursor)
    cursor += 2
    need(keyLength, 'key')
    const keyBytes = buf.subarray(cursor, cursor + keyLength)
    cursor += keyLength
    need(2, 'value length')
    const valueLength = buf.readUInt16BE(cursor)
    cursor += 2
    need(valueLength, 'value')
    const valueBytes = buf.subarray(cursor, cursor + valueLength)
    cursor += valueLength
    if (previousKey !== undefined && compareBytes(previousKey, keyBytes) >= 0) {
      throw headerError('encryption context keys are not in strictly increasing order.')
    }
    previousKey = keyBytes
    const key = decodeStrictUtf8(keyBytes)
    const value = decodeStrictUtf8(valueBytes)
    if (key === undefined || value === undefined) throw headerError('an encryption context entry is not valid UTF-8.')
    // Keys like "__proto__" stay plain data (keys are strictly increasing, so none repeats).
    setOwn(context, key, value)
  }
  return { context, end: cursor }
}
