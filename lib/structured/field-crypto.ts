import { createCipheriv, createDecipheriv } from 'node:crypto'
import { ItemVerificationError } from '../errors'
import type { FieldKey } from './keys'
import { toTypeIdBytes } from './serialize'
import type { TypeId } from './serialize'
import { bufferView } from './bytes'

const TYPE_ID_LENGTH = 2
const TAG_LENGTH = 16
/** Type id and tag: an encrypted empty value (e.g. NULL) is this long. */
export const MIN_ENCRYPTED_FIELD_LENGTH = TYPE_ID_LENGTH + TAG_LENGTH

/**
 * AES-256-GCM of one attribute's value bytes, AAD = its canonical path.
 * Stored form (a DynamoDB B value): typeId(2) || ciphertext || tag(16); the type id stays visible.
 */
export function encryptField(fieldKey: FieldKey, aad: Uint8Array, typeId: TypeId, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', fieldKey.key, fieldKey.iv, { authTagLength: TAG_LENGTH })
  cipher.setAAD(aad)
  // One concatenation of the stored form, not one of the ciphertext first (GCM's final() yields no bytes).
  const ciphertext = cipher.update(plaintext)
  const rest = cipher.final()
  return Buffer.concat([toTypeIdBytes(typeId), ciphertext, rest, cipher.getAuthTag()])
}

/** Inverse of `encryptField`; any failure is `ERR_DECRYPTION_FAILED` naming the attribute. */
export function decryptField(fieldKey: FieldKey, aad: Uint8Array, stored: Uint8Array, attributeName: string): { typeId: TypeId; bytes: Buffer } {
  if (stored.length < MIN_ENCRYPTED_FIELD_LENGTH) {
    throw new ItemVerificationError('ERR_DECRYPTION_FAILED', `Encrypted attribute "${attributeName}" is ${stored.length} bytes, shorter than the ${MIN_ENCRYPTED_FIELD_LENGTH} bytes of type id and tag.`)
  }
  const buf = bufferView(stored)
  const typeId = buf.readUInt16BE(0)
  const ciphertext = buf.subarray(TYPE_ID_LENGTH, buf.length - TAG_LENGTH)
  const tag = buf.subarray(buf.length - TAG_LENGTH)
  try {
    const decipher = createDecipheriv('aes-256-gcm', fieldKey.key, fieldKey.iv, { authTagLength: TAG_LENGTH })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    const bytes = decipher.update(ciphertext)
    const rest = decipher.final()
    return { typeId, bytes: rest.length === 0 ? bytes : Buffer.concat([bytes, rest]) }
  } catch (cause) {
    throw new ItemVerificationError('ERR_DECRYPTION_FAILED', `Encrypted attribute "${attributeName}" failed AES-GCM authentication; the item was altered or the key is wrong.`, { cause })
  }
}
