import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { ConfigError, EncryptorError, KeyringError } from '../../errors'
import { printablePrefix } from '../keyrings/diagnostics'
import { serializeEncryptionContextAsAad } from '../../structured/encryption-context'
import type { BranchKeyMaterials, BranchKeyStore } from '../branch-key-store'
import type { DbeKeyring, EncryptionContext, WrappedIntermediateKey } from '../keyring'
import { BranchKeyCache } from './branch-key-cache'
import { bytesToUuid, UUID_BYTES, uuidToBytes } from './uuid'
import { bufferView } from '../../structured/bytes'
import { copyRecord } from '../../structured/own-property'

/**
 * Picks the branch key per item from the encryption context the keyring is given (multi-tenant tables: one branch key
 * per tenant). The context holds `aws-crypto-table-name` and, per attribute, `aws-crypto-attr.<name>`: the plain value
 * for SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attributes, base64(type id || serialized value) for the keys otherwise.
 */
export type BranchKeyIdSupplier = (encryptionContext: EncryptionContext) => string | Promise<string>

export interface HierarchicalKeyringOptions {
  /** The branch key that wraps new items, and the only one whose EDKs this keyring opens. Or give branchKeyIdSupplier. */
  branchKeyId?: string
  /** Chooses the branch key per item, on encrypt and on decrypt (as in the MPL); instead of branchKeyId. */
  branchKeyIdSupplier?: BranchKeyIdSupplier
  keyStore: BranchKeyStore
  /** How long a branch key fetched from the store is reused; default 600 s. 0 disables the cache. */
  cacheTtlSeconds?: number
  /** Most branch key versions kept at once; default 1000. */
  cacheCapacity?: number
}

export const HIERARCHY_PROVIDER_ID = 'aws-kms-hierarchy'
const PROVIDER_ID_BYTES = Buffer.from(HIERARCHY_PROVIDER_ID, 'utf8')

const SALT_LENGTH = 16
const IV_LENGTH = 12
const KEY_LENGTH = 32
const TAG_LENGTH = 16
/** salt || iv || version || ct || tag */
export const HIERARCHY_WRAPPED_KEY_LENGTH = SALT_LENGTH + IV_LENGTH + UUID_BYTES + KEY_LENGTH + TAG_LENGTH

const DEFAULT_TTL_SECONDS = 600
const DEFAULT_CACHE_CAPACITY = 1000
const MAX_TTL_SECONDS = 24 * 60 * 60

/**
 * The AWS KMS hierarchical keyring of the Material Providers Library: each intermediate key is wrapped under a key
 * derived from a branch key (per EDK, from a fresh salt), so KMS is only called when a branch key is fetched.
 * EDK: providerId `aws-kms-hierarchy`, providerInfo = UTF-8 branch key id, ciphertext =
 * `salt(16) || iv(12) || version(16 raw UUID bytes) || AES-256-GCM(intermediate key)(32) || tag(16)`.
 */
export function hierarchicalKeyring(options: HierarchicalKeyringOptions): DbeKeyring {
  const { branchKeyId, branchKeyIdSupplier, keyStore, cacheTtlSeconds = DEFAULT_TTL_SECONDS, cacheCapacity = DEFAULT_CACHE_CAPACITY } =
    options ?? ({} as HierarchicalKeyringOptions)
  if ((branchKeyId === undefined) === (branchKeyIdSupplier === undefined)) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'hierarchicalKeyring: give exactly one of branchKeyId and branchKeyIdSupplier.')
  }
  if (branchKeyIdSupplier === undefined && (typeof branchKeyId !== 'string' || branchKeyId === '')) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'hierarchicalKeyring: branchKeyId must be a non-empty string.')
  }
  if (branchKeyIdSupplier !== undefined && typeof branchKeyIdSupplier !== 'function') {
    throw new ConfigError('ERR_CONFIG_INVALID', 'hierarchicalKeyring: branchKeyIdSupplier must be a function (encryptionContext) => branch key id.')
  }
  if (
    typeof keyStore !== 'object' ||
    keyStore === null ||
    typeof keyStore.getActiveBranchKey !== 'function' ||
    typeof keyStore.getBranchKeyVersion !== 'function'
  ) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'hierarchicalKeyring: keyStore must be a BranchKeyStore (for example staticBranchKeyStore(...)).')
  }
  if (!Number.isFinite(cacheTtlSeconds) || cacheTtlSeconds < 0 || cacheTtlSeconds > MAX_TTL_SECONDS) {
    throw new ConfigError('ERR_CONFIG_INVALID', `hierarchicalKeyring: cacheTtlSeconds must be between 0 and ${MAX_TTL_SECONDS}, got ${String(cacheTtlSeconds)}.`)
  }
  if (!Number.isSafeInteger(cacheCapacity) || cacheCapacity < 0) {
    throw new ConfigError('ERR_CONFIG_INVALID', `hierarchicalKeyring: cacheCapacity must be a non-negative integer, got ${String(cacheCapacity)}.`)
  }
  const branchKeyIdFor = branchKeyIdSupplier === undefined ? async () => branchKeyId as string : suppliedBranchKeyId(branchKeyIdSupplier)
  return new HierarchicalKeyring(branchKeyIdFor, keyStore, new BranchKeyCache(cacheTtlSeconds, cacheCapacity))
}

function suppliedBranchKeyId(supplier: BranchKeyIdSupplier): (encryptionContext: EncryptionContext) => Promise<string> {
  return async (encryptionContext) => {
    let branchKeyId: unknown
    try {
      branchKeyId = await supplier(copyRecord(encryptionContext))
    } catch (error) {
      throw new KeyringError('ERR_KEYRING', `hierarchicalKeyring: branchKeyIdSupplier failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
    if (typeof branchKeyId !== 'string' || branchKeyId === '') {
      throw new KeyringError('ERR_KEYRING', 'hierarchicalKeyring: branchKeyIdSupplier must return a non-empty string branch key id.')
    }
    return branchKeyId
  }
}

class HierarchicalKeyring implements DbeKeyring {
  readonly kind = 'dbe-keyring' as const

  constructor(
    private readonly branchKeyIdFor: (encryptionContext: EncryptionContext) => Promise<string>,
    private readonly keyStore: BranchKeyStore,
    private readonly cache: BranchKeyCache,
  ) {}

  async wrapIntermediateKeys(encryptionContext: EncryptionContext): Promise<WrappedIntermediateKey[]> {
    const contextAad = serializeEncryptionContextAsAad(encryptionContext)
    const branchKeyId = await this.branchKeyIdFor(encryptionContext)
    const branchKeyIdBytes = Buffer.from(branchKeyId, 'utf8')
    const branchKey = await this.activeBranchKey(branchKeyId)
    const version = versionBytesOf(branchKey, branchKeyId)
    requireKeyLength(branchKey, branchKeyId)

    // One call to the CSPRNG for the three (each call has a fixed cost); the caller zeroes the intermediate key's bytes.
    const random = randomBytes(SALT_LENGTH + IV_LENGTH + KEY_LENGTH)
    const salt = random.subarray(0, SALT_LENGTH)
    const iv = random.subarray(SALT_LENGTH, SALT_LENGTH + IV_LENGTH)
    const intermediateKey = random.subarray(SALT_LENGTH + IV_LENGTH)
    const wrappingKey = deriveWrappingKey(branchKey.branchKey, salt)
    try {
      const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv, { authTagLength: TAG_LENGTH })
      cipher.setAAD(wrappingAad(branchKeyIdBytes, version, contextAad))
      const ciphertext = Buffer.concat([cipher.update(intermediateKey), cipher.final()])
      return [
        {
          providerId: HIERARCHY_PROVIDER_ID,
          providerInfo: branchKeyIdBytes,
          wrappedKey: Buffer.concat([salt, iv, version, ciphertext, cipher.getAuthTag()]),
          intermediateKey,
        },
      ]
    } finally {
      wrappingKey.fill(0)
    }
  }

  async unwrapIntermediateKey(
    encryptionContext: EncryptionContext,
    candidates: ReadonlyArray<{ providerId: string; providerInfo: Uint8Array; wrappedKey: Uint8Array }>,
  ): Promise<{ index: number; intermediateKey: Buffer }> {
    const contextAad = serializeEncryptionContextAsAad(encryptionContext)
    const branchKeyId = await this.branchKeyIdFor(encryptionContext)
    const branchKeyIdBytes = Buffer.from(branchKeyId, 'utf8')
    const failures: string[] = []
    /** Failures of the key store itself (KMS, DynamoDB, a missing version): kept, so the caller can tell them from tampering. */
    const storeErrors: unknown[] = []
    for (const [index, candidate] of candidates.entries()) {
      if (candidate.providerId !== HIERARCHY_PROVIDER_ID || !branchKeyIdBytes.equals(candidate.providerInfo)) continue
      if (candidate.wrappedKey.byteLength !== HIERARCHY_WRAPPED_KEY_LENGTH) {
        failures.push(`EDK #${index}: wrapped key is ${candidate.wrappedKey.byteLength} bytes, expected ${HIERARCHY_WRAPPED_KEY_LENGTH}`)
        continue
      }
      const wrapped = bufferView(candidate.wrappedKey)
      const salt = wrapped.subarray(0, SALT_LENGTH)
      const iv = wrapped.subarray(SALT_LENGTH, SALT_LENGTH + IV_LENGTH)
      const version = wrapped.subarray(SALT_LENGTH + IV_LENGTH, SALT_LENGTH + IV_LENGTH + UUID_BYTES)
      const ciphertext = wrapped.subarray(SALT_LENGTH + IV_LENGTH + UUID_BYTES, HIERARCHY_WRAPPED_KEY_LENGTH - TAG_LENGTH)
      const tag = wrapped.subarray(HIERARCHY_WRAPPED_KEY_LENGTH - TAG_LENGTH)

      let branchKey: BranchKeyMaterials
      try {
        branchKey = await this.branchKeyVersion(branchKeyId, bytesToUuid(version))
        requireKeyLength(branchKey, branchKeyId)
      } catch (error) {
        storeErrors.push(error)
        failures.push(`EDK #${index}: ${error instanceof Error ? error.message : String(error)}`)
        continue
      }
      const wrappingKey = deriveWrappingKey(branchKey.branchKey, salt)
      const decipher = createDecipheriv('aes-256-gcm', wrappingKey, iv, { authTagLength: TAG_LENGTH })
      wrappingKey.fill(0)
      decipher.setAAD(wrappingAad(branchKeyIdBytes, version, contextAad))
      decipher.setAuthTag(tag)
      const intermediateKey = decipher.update(ciphertext)
      try {
        decipher.final()
        return { index, intermediateKey }
      } catch {
        intermediateKey.fill(0)
        failures.push(`EDK #${index}: the wrapped key does not authenticate under branch key version ${bytesToUuid(version)} and this encryption context`)
      }
    }
    // The id may come from the item (branchKeyIdSupplier) and is not verified yet: shown as short printable text.
    const shownId = printablePrefix(branchKeyId)
    const cause = storeErrors.length === 0 ? undefined : { cause: storeErrors.length === 1 ? storeErrors[0] : new AggregateError(storeErrors, 'key store errors per encrypted data key') }
    if (failures.length > 0 && storeErrors.length === failures.length) {
      // Only the key store failed: its own code (ERR_BRANCH_KEY_NOT_FOUND, ERR_KEYRING), so a retry or a fix can follow.
      const [first] = storeErrors
      throw new KeyringError(
        first instanceof EncryptorError && storeErrors.every((error) => error instanceof EncryptorError && error.code === first.code) ? first.code : 'ERR_KEYRING',
        `hierarchicalKeyring(${shownId}) could not get the branch key the item's data key is wrapped under: ${failures.join('; ')}.`,
        cause,
      )
    }
    throw new KeyringError(
      'ERR_NO_DECRYPTABLE_KEY',
      failures.length === 0
        ? `hierarchicalKeyring(${shownId}): the item has no encrypted data key for branch key "${shownId}". ` +
            'Configure the branch key id the item was written with.'
        : `hierarchicalKeyring(${shownId}) could not decrypt the item's data key: ${failures.join('; ')}. ` +
            'The reader needs the writer\'s branch key and the same logical table name and partition/sort key names; otherwise the item ' +
            '(its key values, an attribute in the encryption context, or its header) was altered.',
      cause,
    )
  }

  private activeBranchKey(branchKeyId: string): Promise<BranchKeyMaterials> {
    return this.cache.get(`active\u0000${branchKeyId}`, async () => checked(await this.keyStore.getActiveBranchKey(branchKeyId), branchKeyId))
  }

  private branchKeyVersion(branchKeyId: string, version: string): Promise<BranchKeyMaterials> {
    return this.cache.get(`version\u0000${branchKeyId}\u0000${version}`, async () => {
      const materials = checked(await this.keyStore.getBranchKeyVersion(branchKeyId, version), branchKeyId)
      if (materials.branchKeyVersion.toLowerCase() !== version) {
        throw new KeyringError('ERR_KEYRING', `The branch key store returned version ${materials.branchKeyVersion} of "${branchKeyId}" when asked for ${version}.`)
      }
      return materials
    })
  }
}

/**
 * The raw version bytes of each cached branch key, parsed from its UUID once instead of once per item; only read. Kept
 * with the text they came from, so that a store that changes the version of an object it handed out earlier never
 * gets the old bytes written beside the new key.
 */
const versionBytes = new WeakMap<BranchKeyMaterials, { version: string; bytes: Buffer }>()

function versionBytesOf(materials: BranchKeyMaterials, branchKeyId: string): Buffer {
  const known = versionBytes.get(materials)
  if (known !== undefined && known.version === materials.branchKeyVersion) return known.bytes
  const bytes = uuidToBytes(materials.branchKeyVersion, `branch key store: version of branch key "${branchKeyId}"`)
  versionBytes.set(materials, { version: materials.branchKeyVersion, bytes })
  return bytes
}

/** A store answer for another branch key id would wrap under the wrong key; refuse it rather than trust the store. */
function checked(materials: BranchKeyMaterials, branchKeyId: string): BranchKeyMaterials {
  if (materials === null || typeof materials !== 'object' || materials.branchKeyId !== branchKeyId) {
    throw new KeyringError('ERR_KEYRING', `The branch key store returned a key for another branch key id when asked for "${branchKeyId}".`)
  }
  return materials
}

function requireKeyLength(materials: BranchKeyMaterials, branchKeyId: string): void {
  if (!(materials.branchKey instanceof Uint8Array) || materials.branchKey.byteLength !== KEY_LENGTH) {
    throw new KeyringError('ERR_KEYRING', `The branch key store returned a branch key for "${branchKeyId}" that is not ${KEY_LENGTH} bytes.`)
  }
}

/**
 * NIST SP 800-108 KDF in counter mode with HMAC-SHA256, one block: `HMAC(branchKey, u32(1) || label || 0x00 || salt
 * || u32(256))` with the provider id as label and the EDK's salt as context.
 */
function deriveWrappingKey(branchKey: Uint8Array, salt: Uint8Array): Buffer {
  return createHmac('sha256', branchKey).update(KDF_INPUT_BEFORE_SALT).update(salt).update(KDF_OUTPUT_BITS).digest()
}

/** The KDF input around the salt, the same for every EDK: `u32(1) || label || 0x00` and `u32(256)`. Only read. */
const KDF_INPUT_BEFORE_SALT = Buffer.concat([Buffer.from([0, 0, 0, 1]), PROVIDER_ID_BYTES, Buffer.from([0])])
const KDF_OUTPUT_BITS = Buffer.from([0, 0, 1, 0])

/** `"aws-kms-hierarchy" || branchKeyId || version(16) || serialized encryption context` */
function wrappingAad(branchKeyId: Uint8Array, version: Uint8Array, contextAad: Uint8Array): Buffer {
  return Buffer.concat([PROVIDER_ID_BYTES, branchKeyId, version, contextAad])
}
