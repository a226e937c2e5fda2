import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { KEY_SPECS, type KeySpec } from './key-specs'

/** Symmetric keys are 256-bit AES keys, as in KMS (SYMMETRIC_DEFAULT = AES-256-GCM). */
export const SYMMETRIC_KEY_BYTES = 32

/**
 * The secret of a key: 32 random bytes for a symmetric key, the PKCS#8 DER private key for an ECC key.
 * Related multi-Region keys share one material.
 */
export function generateKeyMaterial(spec: KeySpec): Buffer {
  const details = KEY_SPECS[spec]
  if (details.kind === 'symmetric') return randomBytes(SYMMETRIC_KEY_BYTES)
  // Encoded by the key generation itself rather than exported afterwards: in Node 20 exporting (as JWK, seen in our
  // bench) a key whose finished synchronous job is being garbage-collected deadlocks, as the export and the job's
  // destructor take the same lock. The DER export was not seen to, but nothing is gained by risking it.
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: details.namedCurve,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  })
  return privateKey
}

export function privateKeyOf(material: Buffer): KeyObject {
  return createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })
}

/** The DER-encoded SubjectPublicKeyInfo, which is what KMS GetPublicKey returns. */
export function publicKeyDerOf(material: Buffer): Buffer {
  return createPublicKey(privateKeyOf(material)).export({ format: 'der', type: 'spki' })
}

/** Checks that stored material fits its spec (used when loading a data file). */
export function isValidKeyMaterial(spec: KeySpec, material: Buffer): boolean {
  const details = KEY_SPECS[spec]
  if (details.kind === 'symmetric') return material.length === SYMMETRIC_KEY_BYTES
  try {
    const key = privateKeyOf(material)
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === curveOid(details.namedCurve)
  } catch {
    return false
  }
}

// Node reports the curve by its OpenSSL name.
function curveOid(curve: 'P-256' | 'P-384'): string {
  return curve === 'P-256' ? 'prime256v1' : 'secp384r1'
}
