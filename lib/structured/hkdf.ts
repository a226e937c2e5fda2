import { createHmac } from 'node:crypto'

/*
 * HKDF-SHA512 (RFC 5869) with no salt and one output block, as the item format and the MPL's intermediate key wrapping
 * use it (four derivations per item), made of node:crypto's HMAC: extract, then one expand block. hkdfSync computes
 * the same two HMACs but wraps the input key in a KeyObject and sets up an OpenSSL KDF on every call, which made it a
 * fifth of the library's time per unsigned item (12 µs a call against 6 µs here). The tests check it against hkdfSync.
 */

const HASH_LENGTH = 64
/** RFC 5869: without a salt, HashLen zero bytes (HMAC pads a shorter key with zeros, so it equals an empty salt). */
const NO_SALT = Buffer.alloc(HASH_LENGTH)
const FIRST_BLOCK = Buffer.of(1)

/**
 * HKDF-Extract with no salt: the 64-byte pseudorandom key of `ikm`. Several keys expanded from one input (each with its
 * own info) share it, as RFC 5869 allows, so it is computed once for them. The caller zeroes it.
 */
export function hkdfExtractSha512(ikm: Uint8Array): Buffer {
  return createHmac('sha512', NO_SALT).update(ikm).digest()
}

/**
 * The first `length` (1 to 64) bytes of HKDF-Expand(prk, info): one block. The key is a view of the block, whose unused
 * bytes are zeroed at once (no second buffer per key); the caller zeroes the key.
 */
export function hkdfExpandSha512(pseudorandomKey: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > HASH_LENGTH) {
    throw new RangeError(`hkdfExpandSha512 derives 1 to ${HASH_LENGTH} bytes (one block), not ${length}.`)
  }
  const block = createHmac('sha512', pseudorandomKey).update(info).update(FIRST_BLOCK).digest()
  block.fill(0, length)
  return block.subarray(0, length)
}
