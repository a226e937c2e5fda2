import type { KeyringNode } from '@aws-crypto/client-node'

/** Encryption context: UTF-8 string pairs bound to the data key. */
export type EncryptionContext = Record<string, string>

/** An encrypted data key as stored in the DB-ESDK header; providerInfo is raw bytes (never a lossy string). */
export interface EncryptedDataKeyBytes {
  providerId: string
  providerInfo: Uint8Array
  ciphertext: Uint8Array
}

/** A fresh intermediate key and its provider-wrapped form, for one wrapping key. */
export interface WrappedIntermediateKey {
  providerId: string
  providerInfo: Uint8Array
  /** The provider-wrapped intermediate key (the part of the EDK ciphertext after the 48-byte encrypted PDK). */
  wrappedKey: Uint8Array
  /** 32 bytes; the caller zeroes it when done. */
  intermediateKey: Buffer
}

/**
 * The keyring shape the materials layer works with (DB-ESDK intermediate key wrapping):
 * each wrapping key wraps its own fresh intermediate key.
 */
export interface DbeKeyring {
  readonly kind: 'dbe-keyring'
  /** One fresh intermediate key per wrapping key, in EDK order. */
  wrapIntermediateKeys(encryptionContext: EncryptionContext): Promise<WrappedIntermediateKey[]>
  /**
   * Unwrap the first EDK this keyring can; `wrappedKey` of each candidate is the provider part.
   * Resolves to the candidate's index and its 32-byte intermediate key (caller zeroes it), or rejects with a KeyringError.
   */
  unwrapIntermediateKey(
    encryptionContext: EncryptionContext,
    candidates: ReadonlyArray<{ providerId: string; providerInfo: Uint8Array; wrappedKey: Uint8Array }>,
  ): Promise<{ index: number; intermediateKey: Buffer }>
}

/** Any keyring of this library, or any keyring from `@aws-crypto/client-node`. */
export type Keyring = DbeKeyring | KeyringNode
