import { createCipheriv, createDecipheriv } from 'node:crypto'
import { hkdfSha512 } from '../structured/hkdf'

/**
 * MPL intermediate key wrapping (mandatory for both DB-ESDK suites): the plaintext data key is encrypted under a key
 * derived from each EDK's own intermediate key, and the same intermediate key yields that EDK's HMAC signing key.
 */

const KEY_LENGTH = 32
const TAG_LENGTH = 16
/** AES-256-GCM(KEK, zero IV, PDK): ct(32) || tag(16). */
export const ENCRYPTED_PDK_LENGTH = KEY_LENGTH + TAG_LENGTH
// The KEK encrypts exactly one message (this PDK), so a fixed IV is safe; the MPL uses 12 zero bytes.
const ZERO_IV = Buffer.alloc(12)
const ENC_INFO = Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_ENC', 'ascii')
const MAC_INFO = Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_MAC', 'ascii')

function hkdf(intermediateKey: Uint8Array, info: Buffer): Buffer {
  return hkdfSha512(intermediateKey, info, KEY_LENGTH)
}

/** The symmetric signing key of one EDK (HMAC-SHA384 key for its recipient tag). */
export function deriveSymmetricSigningKey(intermediateKey: Uint8Array): Buffer {
  return hkdf(intermediateKey, MAC_INFO)
}

/** `AES-256-GCM(KEK, 0^12, AAD = serialized encryption context, PDK)`; the KEK is zeroed before returning. */
export function encryptPlaintextDataKey(intermediateKey: Uint8Array, plaintextDataKey: Uint8Array, contextAad: Uint8Array): Buffer {
  const kek = hkdf(intermediateKey, ENC_INFO)
  try {
    const cipher = createCipheriv('aes-256-gcm', kek, ZERO_IV, { authTagLength: TAG_LENGTH })
    cipher.setAAD(contextAad)
    return Buffer.concat([cipher.update(plaintextDataKey), cipher.final(), cipher.getAuthTag()])
  } finally {
    kek.fill(0)
  }
}

/** The PDK, or `undefined` when the encrypted PDK does not authenticate (wrong key or encryption context). */
export function decryptPlaintextDataKey(intermediateKey: Uint8Array, encryptedPdk: Uint8Array, contextAad: Uint8Array): Buffer | undefined {
  if (encryptedPdk.byteLength !== ENCRYPTED_PDK_LENGTH) return undefined
  const kek = hkdf(intermediateKey, ENC_INFO)
  const decipher = createDecipheriv('aes-256-gcm', kek, ZERO_IV, { authTagLength: TAG_LENGTH })
  kek.fill(0)
  decipher.setAAD(contextAad)
  decipher.setAuthTag(encryptedPdk.subarray(KEY_LENGTH))
  const plaintextDataKey = decipher.update(encryptedPdk.subarray(0, KEY_LENGTH))
  try {
    decipher.final()
    return plaintextDataKey
  } catch {
    plaintextDataKey.fill(0)
    return undefined
  }
}
