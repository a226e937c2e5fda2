import { createCipheriv, createDecipheriv } from 'node:crypto'
import { hkdfExpandSha512, hkdfExtractSha512 } from '../structured/hkdf'

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

/**
 * The KEK and this EDK's symmetric signing key (the HMAC-SHA384 key of its recipient tag), both HKDF-SHA512 of the
 * intermediate key with one shared extract, which is zeroed. The caller zeroes both keys.
 */
function deriveIntermediateKeys(intermediateKey: Uint8Array): { kek: Buffer; symmetricSigningKey: Buffer } {
  const pseudorandomKey = hkdfExtractSha512(intermediateKey)
  try {
    return { kek: hkdfExpandSha512(pseudorandomKey, ENC_INFO, KEY_LENGTH), symmetricSigningKey: hkdfExpandSha512(pseudorandomKey, MAC_INFO, KEY_LENGTH) }
  } finally {
    pseudorandomKey.fill(0)
  }
}

/** `AES-256-GCM(KEK, 0^12, AAD = serialized encryption context, PDK)` and this EDK's symmetric signing key; the KEK is zeroed. */
export function encryptPlaintextDataKey(intermediateKey: Uint8Array, plaintextDataKey: Uint8Array, contextAad: Uint8Array): { encryptedPdk: Buffer; symmetricSigningKey: Buffer } {
  const { kek, symmetricSigningKey } = deriveIntermediateKeys(intermediateKey)
  try {
    const cipher = createCipheriv('aes-256-gcm', kek, ZERO_IV, { authTagLength: TAG_LENGTH })
    cipher.setAAD(contextAad)
    return { encryptedPdk: Buffer.concat([cipher.update(plaintextDataKey), cipher.final(), cipher.getAuthTag()]), symmetricSigningKey }
  } catch (error) {
    symmetricSigningKey.fill(0)
    throw error
  } finally {
    kek.fill(0)
  }
}

/**
 * The PDK and this EDK's symmetric signing key, or `undefined` when the encrypted PDK does not authenticate (wrong key
 * or encryption context).
 */
export function decryptPlaintextDataKey(
  intermediateKey: Uint8Array,
  encryptedPdk: Uint8Array,
  contextAad: Uint8Array,
): { plaintextDataKey: Buffer; symmetricSigningKey: Buffer } | undefined {
  if (encryptedPdk.byteLength !== ENCRYPTED_PDK_LENGTH) return undefined
  const { kek, symmetricSigningKey } = deriveIntermediateKeys(intermediateKey)
  let unwrapped = false
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, ZERO_IV, { authTagLength: TAG_LENGTH })
    kek.fill(0)
    decipher.setAAD(contextAad)
    decipher.setAuthTag(encryptedPdk.subarray(KEY_LENGTH))
    const plaintextDataKey = decipher.update(encryptedPdk.subarray(0, KEY_LENGTH))
    try {
      decipher.final()
    } catch {
      plaintextDataKey.fill(0)
      return undefined
    }
    unwrapped = true
    return { plaintextDataKey, symmetricSigningKey }
  } finally {
    kek.fill(0)
    if (!unwrapped) symmetricSigningKey.fill(0)
  }
}
