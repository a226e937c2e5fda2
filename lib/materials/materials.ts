import { randomBytes, type KeyObject } from 'node:crypto'
import { ConfigError, EncryptorError, ItemVerificationError, KeyringError } from '../errors'
import { serializeEncryptionContextAsAad } from '../structured/encryption-context'
import { generateSigningKeyPair, type SigningKeyPair } from '../structured/signature'
import type { AlgorithmSuite } from '../structured/suite'
import type { DbeKeyring, EncryptedDataKeyBytes, EncryptionContext, Keyring } from './keyring'
import { toDbeKeyring } from './keyrings/adapt'
import { decryptPlaintextDataKey, encryptPlaintextDataKey, ENCRYPTED_PDK_LENGTH } from './intermediate-wrapping'
import { copyRecord } from '../structured/own-property'

/**
 * The DB-ESDK cryptographic materials manager: the MPL default CMM (signing key pair, public key in the encryption
 * context) with intermediate key wrapping, as wrapped by the Required Encryption Context CMM of the item encryptor.
 */

/** Encryption-context key of the item's ECDSA verification key (the only key a DB-ESDK header stores). */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key'
export const DATA_KEY_LENGTH = 32
const MAX_ENCRYPTED_DATA_KEYS = 255

export interface EncryptionMaterials {
  suite: AlgorithmSuite
  /** The full context: the caller's entries plus `aws-crypto-public-key` for signed suites. */
  encryptionContext: EncryptionContext
  /** Context keys the header does not store; the reader must supply them. */
  requiredEncryptionContextKeys: string[]
  plaintextDataKey: Buffer
  encryptedDataKeys: EncryptedDataKeyBytes[]
  /** One HMAC-SHA384 key per EDK, in EDK order. */
  symmetricSigningKeys: Buffer[]
  /** ECDSA P-384 private key, for signed suites only. */
  signingKey?: KeyObject
}

export interface DecryptionMaterials {
  plaintextDataKey: Buffer
  /** The signing key of the EDK that opened. */
  symmetricSigningKey: Buffer
  /** Index of that EDK in the header. */
  encryptedDataKeyIndex: number
  /** Base64 SEC1-compressed P-384 public key from the context, for signed suites only. */
  verificationKey?: string
}

export interface GetEncryptionMaterialsInput {
  keyring: Keyring
  suite: AlgorithmSuite
  encryptionContext: EncryptionContext
  requiredEncryptionContextKeys: readonly string[]
  /**
   * Signed suites: a key pair generation the caller already started (so it runs on the thread pool while the caller
   * serializes the item); absent, one is generated here. It must be fresh and used for this item only.
   */
  signingKeyPair?: Promise<SigningKeyPair>
  /**
   * A fresh random data key the caller already drew (so it can encrypt the fields while the key pair is generated);
   * absent, one is drawn here. The materials take it over: zeroing them zeroes it.
   */
  plaintextDataKey?: Buffer
}

export interface GetDecryptionMaterialsInput {
  keyring: Keyring
  suite: AlgorithmSuite
  /** The full context: header-stored entries plus those the reader rebuilt. */
  encryptionContext: EncryptionContext
  encryptedDataKeys: readonly EncryptedDataKeyBytes[]
}

export async function getEncryptionMaterials(input: GetEncryptionMaterialsInput): Promise<EncryptionMaterials> {
  const { suite, requiredEncryptionContextKeys } = input
  const keyring = toDbeKeyring(input.keyring)
  if (input.plaintextDataKey !== undefined && input.plaintextDataKey.byteLength !== DATA_KEY_LENGTH) {
    throw new KeyringError('ERR_KEYRING', `A plaintext data key must be ${DATA_KEY_LENGTH} bytes, not ${input.plaintextDataKey.byteLength}.`)
  }
  if (Object.prototype.hasOwnProperty.call(input.encryptionContext, PUBLIC_KEY_CONTEXT_KEY)) {
    throw new ConfigError('ERR_CONFIG_INVALID', `The encryption context may not contain "${PUBLIC_KEY_CONTEXT_KEY}"; it is reserved for the item's verification key.`)
  }
  const encryptionContext: EncryptionContext = copyRecord(input.encryptionContext)
  for (const key of requiredEncryptionContextKeys) {
    if (!Object.prototype.hasOwnProperty.call(encryptionContext, key)) {
      throw new ConfigError('ERR_CONFIG_INVALID', `Required encryption context key "${key}" is missing from the encryption context.`)
    }
  }

  let signingKey: KeyObject | undefined
  if (suite.signed) {
    const pair = await (input.signingKeyPair ?? generateSigningKeyPair()).catch((error: unknown) => {
      throw new KeyringError('ERR_KEYRING', `The item's ECDSA P-384 key pair could not be generated: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    })
    signingKey = pair.privateKey
    encryptionContext[PUBLIC_KEY_CONTEXT_KEY] = pair.publicKeyCompressedBase64
  }

  // Frozen from here on: the keyring, the data key's AAD and the canonical hash all see (and serialize once) this context.
  Object.freeze(encryptionContext)
  const contextAad = serializeEncryptionContextAsAad(encryptionContext)
  const wrapped = await keyring.wrapIntermediateKeys(encryptionContext).catch((error: unknown) => {
    if (error instanceof EncryptorError) throw error
    throw new KeyringError('ERR_KEYRING', `The keyring could not wrap a data key: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  })
  const plaintextDataKey = input.plaintextDataKey ?? randomBytes(DATA_KEY_LENGTH)
  const encryptedDataKeys: EncryptedDataKeyBytes[] = []
  const symmetricSigningKeys: Buffer[] = []
  try {
    if (wrapped.length === 0 || wrapped.length > MAX_ENCRYPTED_DATA_KEYS) {
      throw new KeyringError('ERR_KEYRING', `The keyring produced ${wrapped.length} encrypted data keys; an item holds 1 to ${MAX_ENCRYPTED_DATA_KEYS}.`)
    }
    for (const { providerId, providerInfo, wrappedKey, intermediateKey } of wrapped) {
      if (intermediateKey.byteLength !== DATA_KEY_LENGTH) {
        throw new KeyringError('ERR_KEYRING', `The keyring for provider "${providerId}" returned a ${intermediateKey.byteLength}-byte intermediate key; expected ${DATA_KEY_LENGTH}.`)
      }
      const { encryptedPdk, symmetricSigningKey } = encryptPlaintextDataKey(intermediateKey, plaintextDataKey, contextAad)
      symmetricSigningKeys.push(symmetricSigningKey)
      encryptedDataKeys.push({ providerId, providerInfo: Buffer.from(providerInfo), ciphertext: Buffer.concat([encryptedPdk, wrappedKey]) })
    }
  } catch (error) {
    plaintextDataKey.fill(0)
    for (const key of symmetricSigningKeys) key.fill(0)
    throw error
  } finally {
    for (const { intermediateKey } of wrapped) intermediateKey.fill(0)
  }

  return {
    suite,
    encryptionContext,
    requiredEncryptionContextKeys: [...requiredEncryptionContextKeys],
    plaintextDataKey,
    encryptedDataKeys,
    symmetricSigningKeys,
    signingKey,
  }
}

export async function getDecryptionMaterials(input: GetDecryptionMaterialsInput): Promise<DecryptionMaterials> {
  const { suite, encryptionContext } = input
  const keyring: DbeKeyring = toDbeKeyring(input.keyring)
  const verificationKey = verificationKeyFor(suite, encryptionContext)
  const contextAad = serializeEncryptionContextAsAad(encryptionContext)

  // EDKs too short to hold an encrypted PDK and a provider part cannot be ours; keep header indices for the others.
  let pending = input.encryptedDataKeys
    .map((edk, index) => ({ edk, index }))
    .filter(({ edk }) => edk.ciphertext.byteLength > ENCRYPTED_PDK_LENGTH)
  const rejected: number[] = []
  let lastKeyringError: unknown

  // A keyring opens the first EDK it can; if that EDK's PDK then fails to authenticate, retry with the ones after it.
  while (pending.length > 0) {
    const candidates = pending.map(({ edk }) => ({
      providerId: edk.providerId,
      providerInfo: edk.providerInfo,
      wrappedKey: edk.ciphertext.subarray(ENCRYPTED_PDK_LENGTH),
    }))
    let opened: { index: number; intermediateKey: Buffer }
    try {
      opened = await keyring.unwrapIntermediateKey(encryptionContext, candidates)
    } catch (error) {
      lastKeyringError = error
      break
    }
    const { edk, index } = pending[opened.index] ?? {}
    if (edk === undefined || index === undefined) {
      opened.intermediateKey.fill(0)
      throw new KeyringError('ERR_KEYRING', `The keyring reported EDK #${opened.index}, which it was not offered.`)
    }
    try {
      const unwrapped = decryptPlaintextDataKey(opened.intermediateKey, edk.ciphertext.subarray(0, ENCRYPTED_PDK_LENGTH), contextAad)
      if (unwrapped !== undefined) {
        return {
          plaintextDataKey: unwrapped.plaintextDataKey,
          symmetricSigningKey: unwrapped.symmetricSigningKey,
          encryptedDataKeyIndex: index,
          verificationKey,
        }
      }
    } finally {
      opened.intermediateKey.fill(0)
    }
    rejected.push(index)
    pending = pending.slice(opened.index + 1)
  }

  if (rejected.length > 0) {
    throw new ItemVerificationError(
      'ERR_DECRYPTION_FAILED',
      `The data key of encrypted data key(s) #${rejected.join(', #')} does not authenticate under this encryption context: ` +
        'the item was changed, or the reader uses another logical table name or partition/sort key names than the writer.',
      lastKeyringError === undefined ? undefined : { cause: lastKeyringError },
    )
  }
  if (lastKeyringError instanceof KeyringError) throw lastKeyringError
  throw new KeyringError(
    'ERR_NO_DECRYPTABLE_KEY',
    `None of the item's ${input.encryptedDataKeys.length} encrypted data key(s) could be decrypted by the configured keyring.`,
    lastKeyringError === undefined ? undefined : { cause: lastKeyringError },
  )
}

/** Signed suites carry their verification key in the context; unsigned ones must not (it would be meaningless). */
function verificationKeyFor(suite: AlgorithmSuite, encryptionContext: EncryptionContext): string | undefined {
  const present = Object.prototype.hasOwnProperty.call(encryptionContext, PUBLIC_KEY_CONTEXT_KEY)
  if (suite.signed && !present) {
    throw new ItemVerificationError('ERR_HEADER_INVALID', `The header names a signed algorithm suite but its encryption context has no "${PUBLIC_KEY_CONTEXT_KEY}".`)
  }
  if (!suite.signed && present) {
    throw new ItemVerificationError('ERR_HEADER_INVALID', `The header names an unsigned algorithm suite but its encryption context has "${PUBLIC_KEY_CONTEXT_KEY}".`)
  }
  return present ? encryptionContext[PUBLIC_KEY_CONTEXT_KEY] : undefined
}

/** Wipes the secret keys of encryption materials (the signing KeyObject cannot be wiped; drop it). */
export function zeroEncryptionMaterials(materials: EncryptionMaterials): void {
  materials.plaintextDataKey.fill(0)
  for (const key of materials.symmetricSigningKeys) key.fill(0)
}

export function zeroDecryptionMaterials(materials: DecryptionMaterials): void {
  materials.plaintextDataKey.fill(0)
  materials.symmetricSigningKey.fill(0)
}
