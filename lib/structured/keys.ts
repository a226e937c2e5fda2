import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto'
import { ItemInputError } from '../errors'
import { COMMITMENT_LENGTH, MESSAGE_ID_LENGTH } from './header'
import { hkdfExpandSha512, hkdfExtractSha512 } from './hkdf'

const KEY_LENGTH = 32
const NONCE_LENGTH = 12
const COMMIT_KEY_LABEL = Buffer.from('AWS_DBE_COMMIT_KEY', 'ascii')
const FIELD_ROOT_KEY_LABEL = Buffer.from('AWS_DBE_DERIVE_KEY', 'ascii')
const FIELD_KEY_LABEL = Buffer.from('AwsDbeField', 'ascii')
const FIELD_KEY_LENGTH_BYTE = 0x2c // 44: the keystream length, part of the counter block
const FIELD_KEYSTREAM_LENGTH = KEY_LENGTH + NONCE_LENGTH
/** Each field takes 3 AES blocks of keystream; 3 * offset must stay below 2^32. */
export const MAX_FIELD_OFFSET = 1431655764

function checkKeyInputs(pdk: Uint8Array, messageId: Uint8Array): void {
  if (pdk.length !== KEY_LENGTH) throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The plaintext data key must be ${KEY_LENGTH} bytes, not ${pdk.length}.`)
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The message id must be ${MESSAGE_ID_LENGTH} bytes, not ${messageId.length}.`)
}

/** HMAC-SHA512 of the header body, truncated to 32 bytes (the shipped code, not the spec's SHA-384). */
export function computeCommitment(commitKey: Uint8Array, headerBody: Uint8Array): Buffer {
  return createHmac('sha512', commitKey).update(headerBody).digest().subarray(0, COMMITMENT_LENGTH)
}

/** Constant-time check of a stored commitment. */
export function verifyCommitment(commitKey: Uint8Array, headerBody: Uint8Array, commitment: Uint8Array): boolean {
  const expected = computeCommitment(commitKey, headerBody)
  return commitment.length === expected.length && timingSafeEqual(expected, commitment)
}

export interface ItemKeys {
  commitKey: Buffer
  fieldRootKey: Buffer
}

/**
 * Both keys of an item, from one HKDF extract of the data key (the two derivations differ only in their info):
 * commit key = HKDF-SHA512(PDK, no salt, "AWS_DBE_COMMIT_KEY" || messageId, 32) and
 * field root key = HKDF-SHA512(PDK, no salt, "AWS_DBE_DERIVE_KEY" || messageId, 32). The caller zeroes both.
 */
export function deriveItemKeys(pdk: Uint8Array, messageId: Uint8Array): ItemKeys {
  checkKeyInputs(pdk, messageId)
  const pseudorandomKey = hkdfExtractSha512(pdk)
  try {
    return {
      commitKey: hkdfExpandSha512(pseudorandomKey, Buffer.concat([COMMIT_KEY_LABEL, messageId]), KEY_LENGTH),
      fieldRootKey: hkdfExpandSha512(pseudorandomKey, Buffer.concat([FIELD_ROOT_KEY_LABEL, messageId]), KEY_LENGTH),
    }
  } finally {
    pseudorandomKey.fill(0)
  }
}

export interface FieldKey {
  /** AES-256-GCM key. */
  key: Buffer
  /** 12-byte GCM nonce. */
  iv: Buffer
}

/**
 * Key and nonce of the encrypted field numbered `offset` (in canonical order): the first 44 bytes of
 * AES-256-CTR keystream under the field root key from the block "AwsDbeField" || 0x2C || u32(3·offset).
 * Bytes 0..32 are the key, 32..44 the nonce.
 */
export function deriveFieldKey(fieldRootKey: Uint8Array, offset: number): FieldKey {
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_FIELD_OFFSET) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Field offset ${offset} is out of range; an item can hold at most ${MAX_FIELD_OFFSET + 1} encrypted attributes.`)
  }
  const cipher = createCipheriv('aes-256-ctr', fieldRootKey, fieldCounterBlock(fieldRootKey, offset))
  const keystream = Buffer.concat([cipher.update(zeros(FIELD_KEYSTREAM_LENGTH)), cipher.final()])
  const fieldKey = { key: Buffer.from(keystream.subarray(0, KEY_LENGTH)), iv: Buffer.from(keystream.subarray(KEY_LENGTH, FIELD_KEYSTREAM_LENGTH)) }
  keystream.fill(0)
  return fieldKey
}

/** Field bytes of key stream: the 44 used plus 4 unused, so that field `i` starts at block 3·i. */
const FIELD_STRIDE = 48

/** The key and nonce of every encrypted field of one item; they share one buffer, which `wipe` zeroes. */
export interface FieldKeys {
  readonly keys: readonly FieldKey[]
  wipe(): void
}

/**
 * The field keys of offsets 0 … count−1 from one AES-256-CTR key stream: field `i` starts at counter block
 * "AwsDbeField" || 0x2C || u32(3·i), which is where a stream started at offset 0 arrives after 3·i blocks (the low
 * 32 bits never wrap: 3·count ≤ 2^32). Same bytes as `deriveFieldKey` per offset, one cipher instead of `count`.
 */
export function deriveFieldKeys(fieldRootKey: Uint8Array, count: number): FieldKeys {
  if (!Number.isInteger(count) || count < 0 || count > MAX_FIELD_OFFSET + 1) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `An item can hold at most ${MAX_FIELD_OFFSET + 1} encrypted attributes, not ${count}.`)
  }
  const keystream = createCipheriv('aes-256-ctr', fieldRootKey, fieldCounterBlock(fieldRootKey, 0)).update(zeros(count * FIELD_STRIDE))
  const keys: FieldKey[] = []
  for (let i = 0; i < count; i++) {
    const start = i * FIELD_STRIDE
    keys.push({ key: keystream.subarray(start, start + KEY_LENGTH), iv: keystream.subarray(start + KEY_LENGTH, start + FIELD_KEYSTREAM_LENGTH) })
  }
  return { keys, wipe: () => keystream.fill(0) }
}

/** Zero bytes that CTR turns into key stream; only read, so the common sizes share one buffer. */
const SHARED_ZEROS = Buffer.alloc(32 * FIELD_STRIDE)

function zeros(length: number): Buffer {
  return length <= SHARED_ZEROS.length ? SHARED_ZEROS.subarray(0, length) : Buffer.alloc(length)
}

function counterBlockAt(offset: number): Buffer {
  const counterBlock = Buffer.alloc(16)
  FIELD_KEY_LABEL.copy(counterBlock, 0)
  counterBlock[FIELD_KEY_LABEL.length] = FIELD_KEY_LENGTH_BYTE
  counterBlock.writeUInt32BE(3 * offset, 12)
  return counterBlock
}

/** Every item's key stream starts here (field 0); only read. */
const FIRST_COUNTER_BLOCK = counterBlockAt(0)

/** The CTR counter block where the key stream of field `offset` starts: "AwsDbeField" || 0x2C || u32(3·offset). */
function fieldCounterBlock(fieldRootKey: Uint8Array, offset: number): Buffer {
  if (fieldRootKey.length !== KEY_LENGTH) throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The field root key must be ${KEY_LENGTH} bytes.`)
  return offset === 0 ? FIRST_COUNTER_BLOCK : counterBlockAt(offset)
}
