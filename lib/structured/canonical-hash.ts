import { createHash } from 'node:crypto'
import { ItemInputError, ItemVerificationError } from '../errors'
import { writeU64 } from './canonical'
import { MIN_ENCRYPTED_FIELD_LENGTH } from './field-crypto'
import { toTypeIdBytes } from './serialize'
import type { TypeId } from './serialize'

/** One signed attribute, in canonical order. */
export interface CanonicalField {
  /** `canonicalPath(table, name)`. */
  path: Buffer
  kind: 'encrypted' | 'plaintext'
  /** Required for plaintext fields; an encrypted field carries its type id inside `bytes`. */
  typeId?: TypeId
  /** Encrypted: the stored B value (typeId || ct || tag). Plaintext: the serialized value bytes. */
  bytes: Buffer
}

const ENCRYPTED = Buffer.from('ENCRYPTED', 'ascii')
const PLAINTEXT = Buffer.from('PLAINTEXT', 'ascii')

/**
 * SHA-384 over the canonical record: the full header, the length-prefixed serialized full encryption
 * context, then each signed attribute in canonical order:
 * - encrypted: path || u64(stored length − 2) || "ENCRYPTED" || stored value (typeId || ct || tag)
 * - plaintext: path || u64(value length) || "PLAINTEXT" || typeId || value
 */
export function canonicalHash(headerBytes: Uint8Array, fullEncryptionContextAad: Uint8Array, fields: readonly CanonicalField[]): Buffer {
  const hash = createHash('sha384')
  // hash.update copies its input at once, so one scratch buffer serves every length.
  const scratch = Buffer.allocUnsafe(8)
  hash.update(headerBytes)
  hash.update(writeU64(scratch, fullEncryptionContextAad.length))
  hash.update(fullEncryptionContextAad)
  for (const field of fields) {
    hash.update(field.path)
    if (field.kind === 'encrypted') {
      if (field.bytes.length < MIN_ENCRYPTED_FIELD_LENGTH) {
        throw new ItemVerificationError('ERR_DECRYPTION_FAILED', `An encrypted attribute of ${field.bytes.length} bytes is shorter than type id and tag.`)
      }
      // DB-ESDK writes the stored length minus the type id, i.e. plaintext length + tag.
      hash.update(writeU64(scratch, field.bytes.length - 2))
      hash.update(ENCRYPTED)
      hash.update(field.bytes)
    } else {
      if (field.typeId === undefined) throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', 'A signed plaintext attribute reached the canonical hash without its type id.')
      hash.update(writeU64(scratch, field.bytes.length))
      hash.update(PLAINTEXT)
      hash.update(toTypeIdBytes(field.typeId))
      hash.update(field.bytes)
    }
  }
  return hash.digest()
}
