/** A branch key as the hierarchical keyring uses it (AWS key store semantics). */
export interface BranchKeyMaterials {
  branchKeyId: string
  /** The version as a UUID string, e.g. `e9ce18a3-edb5-4272-9f86-1cacb7997ff6`; stored in EDKs as its 16 raw bytes. */
  branchKeyVersion: string
  /** 32 bytes of plaintext key; the store owns it (callers must not zero it). */
  branchKey: Uint8Array
}

/** Where the hierarchical keyring gets branch keys: a static key (tests, vectors) or a DynamoDB key store. */
export interface BranchKeyStore {
  /** The version new items are encrypted under. */
  getActiveBranchKey(branchKeyId: string): Promise<BranchKeyMaterials>
  /** A specific version, for decrypting items written under it. */
  getBranchKeyVersion(branchKeyId: string, branchKeyVersion: string): Promise<BranchKeyMaterials>
}
