import { createHmac, timingSafeEqual } from 'node:crypto'
import { ItemVerificationError } from '../errors'
import { bufferView } from './bytes'

export const RECIPIENT_TAG_LENGTH = 48
export const SIGNATURE_LENGTH = 103

/** HMAC-SHA384(symmetric signing key of one EDK, canonical hash). */
export function computeRecipientTag(symmetricSigningKey: Uint8Array, canonicalHash: Uint8Array): Buffer {
  return createHmac('sha384', symmetricSigningKey).update(canonicalHash).digest()
}

/** `aws_dbe_foot`: one 48-byte tag per EDK in header order, then the 103-byte signature when the suite signs. */
export function encodeFooter(tags: readonly Uint8Array[], signature?: Uint8Array): Buffer {
  for (const tag of tags) {
    if (tag.length !== RECIPIENT_TAG_LENGTH) throw new ItemVerificationError('ERR_FOOTER_INVALID', `A recipient tag must be ${RECIPIENT_TAG_LENGTH} bytes, not ${tag.length}.`)
  }
  if (signature !== undefined && signature.length !== SIGNATURE_LENGTH) {
    throw new ItemVerificationError('ERR_FOOTER_INVALID', `The footer signature must be ${SIGNATURE_LENGTH} bytes, not ${signature.length}.`)
  }
  return Buffer.concat(signature === undefined ? [...tags] : [...tags, signature])
}

function invalid(problem: string): ItemVerificationError {
  return new ItemVerificationError('ERR_FOOTER_INVALID', `Encrypted item footer (aws_dbe_foot): ${problem}.`)
}

/** Strict parser: exactly `edkCount` tags, plus exactly one 103-byte signature iff the suite signs. */
export function parseFooter(bytes: Uint8Array, edkCount: number, signed: boolean): { tags: Buffer[]; signature?: Buffer } {
  const buf = bufferView(bytes)
  const signatureLength = signed ? SIGNATURE_LENGTH : 0
  const expected = edkCount * RECIPIENT_TAG_LENGTH + signatureLength
  if (buf.length !== expected) {
    throw invalid(`${buf.length} bytes, but ${edkCount} encrypted data key(s)${signed ? ' and a signature' : ''} need exactly ${expected}`)
  }
  const tags: Buffer[] = []
  for (let i = 0; i < edkCount; i++) tags.push(Buffer.from(buf.subarray(i * RECIPIENT_TAG_LENGTH, (i + 1) * RECIPIENT_TAG_LENGTH)))
  return signed ? { tags, signature: Buffer.from(buf.subarray(buf.length - SIGNATURE_LENGTH)) } : { tags }
}

/**
 * Whether any stored tag is the HMAC of the canonical hash under this key. Every tag is compared in
 * constant time and the loop never exits early, so timing reveals neither which tag matched nor how much.
 */
export function anyTagMatches(symmetricSigningKey: Uint8Array, canonicalHash: Uint8Array, tags: readonly Uint8Array[]): boolean {
  const expected = computeRecipientTag(symmetricSigningKey, canonicalHash)
  let matched = false
  for (const tag of tags) {
    const equal = tag.length === expected.length && timingSafeEqual(expected, tag)
    matched = matched || equal
  }
  return matched
}
