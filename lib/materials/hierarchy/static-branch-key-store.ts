import { ConfigError, KeyringError } from '../../errors'
import type { BranchKeyMaterials, BranchKeyStore } from '../branch-key-store'
import { bytesToUuid, uuidToBytes } from './uuid'

export interface StaticBranchKeyStoreOptions {
  branchKeyId: string
  /** UUID of the version, as in the key store (e.g. `e9ce18a3-edb5-4272-9f86-1cacb7997ff6`). */
  branchKeyVersion: string
  /** 32 bytes; copied, so later changes to the caller's array do not affect the store. */
  branchKey: Uint8Array
}

const BRANCH_KEY_LENGTH = 32

/**
 * One fixed branch key version, held in memory: what DB-ESDK's test vectors use (`static-branch-key` in keys.json).
 * It needs neither KMS nor DynamoDB, which suits tests and offline tools; production uses a DynamoDB key store.
 */
export function staticBranchKeyStore(options: StaticBranchKeyStoreOptions): BranchKeyStore {
  const { branchKeyId, branchKeyVersion, branchKey } = options ?? ({} as StaticBranchKeyStoreOptions)
  if (typeof branchKeyId !== 'string' || branchKeyId === '') {
    throw new ConfigError('ERR_CONFIG_INVALID', 'staticBranchKeyStore: branchKeyId must be a non-empty string.')
  }
  // Canonical lower-case form, so that a version read from an EDK (16 raw bytes) compares equal.
  const version = bytesToUuid(uuidToBytes(branchKeyVersion, 'staticBranchKeyStore: branchKeyVersion'))
  if (!(branchKey instanceof Uint8Array) || branchKey.byteLength !== BRANCH_KEY_LENGTH) {
    const got = branchKey instanceof Uint8Array ? `${branchKey.byteLength} bytes` : typeof branchKey
    throw new ConfigError('ERR_CONFIG_INVALID', `staticBranchKeyStore: branchKey must be a Uint8Array of ${BRANCH_KEY_LENGTH} bytes, got ${got}.`)
  }
  const key = Buffer.from(branchKey)

  // Each caller gets its own copy: nothing a caller does to its bytes reaches the store.
  const materials = (): BranchKeyMaterials => ({ branchKeyId, branchKeyVersion: version, branchKey: Buffer.from(key) })
  const requireId = (requested: string): void => {
    if (requested !== branchKeyId) {
      throw new KeyringError(
        'ERR_BRANCH_KEY_NOT_FOUND',
        `staticBranchKeyStore holds branch key "${branchKeyId}" only; branch key "${String(requested).slice(0, 128)}" was requested. ` +
          'Configure the hierarchical keyring with the branch key id of this store.',
      )
    }
  }

  return {
    async getActiveBranchKey(requestedId: string): Promise<BranchKeyMaterials> {
      requireId(requestedId)
      return materials()
    },
    async getBranchKeyVersion(requestedId: string, requestedVersion: string): Promise<BranchKeyMaterials> {
      requireId(requestedId)
      if (typeof requestedVersion !== 'string' || requestedVersion.toLowerCase() !== version) {
        throw new KeyringError(
          'ERR_BRANCH_KEY_NOT_FOUND',
          `staticBranchKeyStore holds version ${version} of branch key "${branchKeyId}"; version ${String(requestedVersion).slice(0, 64)} was requested. ` +
            'The item was written under another branch key version; use a key store that holds it.',
        )
      }
      return materials()
    },
  }
}
