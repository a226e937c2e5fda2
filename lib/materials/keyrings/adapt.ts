import { randomBytes } from 'node:crypto'
import {
  AlgorithmSuiteIdentifier,
  EncryptedDataKey,
  KeyringNode,
  KeyringTraceFlag,
  MultiKeyringNode,
  NodeAlgorithmSuite,
  NodeDecryptionMaterial,
  NodeEncryptionMaterial,
  unwrapDataKey,
} from '@aws-crypto/client-node'
import { ConfigError, KeyringError } from '../../errors'
import type { DbeKeyring, EncryptionContext, Keyring, WrappedIntermediateKey } from '../keyring'
import { describeEncryptedDataKey, describeError } from './diagnostics'

/** An EDK as the materials layer offers it for unwrapping; `wrappedKey` is the provider part only. */
export interface UnwrapCandidate {
  providerId: string
  providerInfo: Uint8Array
  wrappedKey: Uint8Array
}

export interface KeyringNodeAdapterOptions {
  /** Names the keyring in error messages, e.g. `awsKmsMrkKeyring(arn:aws:kms:…)`. */
  description: string
  /**
   * Why this keyring will not try a candidate, or `undefined` to try it. Lets a builder that knows its key explain a
   * mismatch (wrong key, account outside the discovery filter) instead of reporting the ESDK's generic failure,
   * and skips a call to the keyring for EDKs it could never decrypt.
   */
  skipReason?: (candidate: UnwrapCandidate) => string | undefined
}

/**
 * The ESDK keyring wraps one 32-byte key, not a message data key. 0x0478 is the ESDK's committing suite with a 32-byte
 * key and no signature, so keyrings neither add to the encryption context nor ask for a signing key.
 */
const WRAPPING_SUITE = new NodeAlgorithmSuite(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY)
const INTERMEDIATE_KEY_LENGTH = 32

export function isDbeKeyring(keyring: unknown): keyring is DbeKeyring {
  return typeof keyring === 'object' && keyring !== null && (keyring as Partial<DbeKeyring>).kind === 'dbe-keyring'
}

const adapters = new WeakMap<KeyringNode, DbeKeyring>()

/**
 * The keyring the materials layer works with, for any keyring a user may configure: keyrings of this library pass
 * through; a `KeyringNode` from `@aws-crypto/client-node` is adapted (once per keyring instance).
 */
export function toDbeKeyring(keyring: Keyring): DbeKeyring {
  if (isDbeKeyring(keyring)) return keyring
  if (keyring instanceof KeyringNode) {
    let adapter = adapters.get(keyring)
    if (adapter === undefined) {
      refuseLocaleSorting(keyring)
      adapter = adaptKeyringNode(keyring, { description: keyring.constructor.name || 'KeyringNode' })
      adapters.set(keyring, adapter)
    }
    return adapter
  }
  throw new ConfigError(
    'ERR_CONFIG_INVALID',
    'keyring: expected a keyring built by this library (awsKmsMrkKeyring, rawAesKeyring, hierarchicalKeyring, …) or a ' +
      `KeyringNode from @aws-crypto/client-node, got ${describeValue(keyring)}. If you passed a KeyringNode, check that ` +
      'only one copy of @aws-crypto/client-node is installed (npm ls @aws-crypto/client-node).',
  )
}

/**
 * ESDK raw AES and hierarchical keyrings bind the encryption context in localeCompare key order unless built with
 * `utf8Sorting: true`; the MPL uses UTF-8 byte order. Items would still round-trip here but DB-ESDK in other languages
 * could not read those whose context keys order differently (upper case, `_`, non-ASCII attribute names): refuse.
 */
function refuseLocaleSorting(keyring: KeyringNode): void {
  const pending: unknown[] = [keyring]
  for (let seen = 0; pending.length > 0 && seen < 1000; seen++) {
    const current = pending.pop() as { _utf8Sorting?: unknown; generator?: unknown; children?: unknown }
    if (current._utf8Sorting === false) {
      const name = (current as object).constructor?.name ?? 'KeyringNode'
      throw new ConfigError(
        'ERR_CONFIG_INVALID',
        `keyring: this ${name} orders the encryption context with localeCompare, unlike DB-ESDK in other languages; ` +
          `build it with utf8Sorting: true${name === 'RawAesKeyringNode' ? ', or use rawAesKeyring(...)' : ''}.`,
      )
    }
    if (current.generator !== undefined) pending.push(current.generator)
    if (Array.isArray(current.children)) pending.push(...(current.children as unknown[]))
  }
}

/** Adapts an ESDK keyring with a description (and optionally an EDK filter) chosen by a builder of this library. */
export function adaptKeyringNode(keyring: KeyringNode, options: KeyringNodeAdapterOptions): DbeKeyring {
  return new KeyringNodeAdapter(keyring, options)
}

/** One key of a (possibly nested) client-node multi-keyring, in the order the multi-keyring would use it. */
interface WrappingKeyring {
  keyring: KeyringNode
  /** The multi-keyring's generator generates its key; every other keyring encrypts a fresh key it is given. */
  generates: boolean
  description: string
}

/**
 * The keyrings that each wrap their own intermediate key. A client-node multi-keyring would wrap one generated key
 * under all its keys; DB-ESDK gives each wrapping key its own intermediate key, from which that recipient's tag key is
 * derived, so that with the HMAC-only suite (0x6700) the holder of one key cannot forge items that holders of the
 * others accept. So a multi-keyring (nested ones too) is taken apart: its generator generates, each child wraps a key of
 * its own.
 */
function wrappingKeyrings(keyring: KeyringNode, description: string): WrappingKeyring[] {
  if (!(keyring instanceof MultiKeyringNode)) return [{ keyring, generates: true, description }]
  const out: WrappingKeyring[] = []
  const visit = (multi: MultiKeyringNode, generates: boolean, path: string): void => {
    const members: Array<{ keyring: KeyringNode; generates: boolean; path: string }> = []
    if (multi.generator !== undefined) members.push({ keyring: multi.generator, generates, path: `${path} generator` })
    multi.children.forEach((child, index) => members.push({ keyring: child, generates: false, path: `${path} child #${index}` }))
    for (const member of members) {
      if (member.keyring instanceof MultiKeyringNode) visit(member.keyring, member.generates, member.path)
      else out.push({ keyring: member.keyring, generates: member.generates, description: `${member.path} (${member.keyring.constructor.name || 'KeyringNode'})` })
    }
  }
  visit(keyring, true, description)
  return out
}

/** How children learn their key: as the multi-keyring would hand it over, from a generation by this library. */
const GIVEN_KEY_TRACE = { keyNamespace: 'dynamodb-item-encryptor', keyName: 'intermediate-key', flags: KeyringTraceFlag.WRAPPING_KEY_GENERATED_DATA_KEY }

class KeyringNodeAdapter implements DbeKeyring {
  readonly kind = 'dbe-keyring' as const
  readonly #wrapping: WrappingKeyring[]

  constructor(
    private readonly keyring: KeyringNode,
    private readonly options: KeyringNodeAdapterOptions,
  ) {
    this.#wrapping = wrappingKeyrings(keyring, options.description)
  }

  async wrapIntermediateKeys(encryptionContext: EncryptionContext): Promise<WrappedIntermediateKey[]> {
    if (this.keyring instanceof MultiKeyringNode && !this.#wrapping[0]?.generates) {
      throw new KeyringError('ERR_KEYRING', `${this.options.description} has no generator, so it cannot encrypt; give the multi-keyring a generator keyring.`)
    }
    const wrapped: WrappedIntermediateKey[] = []
    try {
      // One after the other, as the multi-keyring itself does: a keyring may be costly or rate-limited.
      for (const member of this.#wrapping) wrapped.push(await wrapOne(member, encryptionContext))
      return wrapped
    } catch (error) {
      for (const { intermediateKey } of wrapped) intermediateKey.fill(0)
      throw error
    }
  }

  async unwrapIntermediateKey(
    encryptionContext: EncryptionContext,
    candidates: ReadonlyArray<UnwrapCandidate>,
  ): Promise<{ index: number; intermediateKey: Buffer }> {
    const failures: string[] = []
    const errors: unknown[] = []
    // One EDK per call, in stored order: the caller needs the index of the EDK that opened, and ESDK keyrings do not say.
    for (const [index, candidate] of candidates.entries()) {
      const skipReason = this.options.skipReason?.(candidate)
      if (skipReason !== undefined) {
        failures.push(`EDK #${index} (${describeEncryptedDataKey(candidate)}): ${skipReason}`)
        continue
      }
      const material = new NodeDecryptionMaterial(WRAPPING_SUITE, encryptionContext)
      try {
        await this.keyring.onDecrypt(material, [toEncryptedDataKey(candidate)])
        if (material.hasValidKey()) return { index, intermediateKey: copyDataKey(material) }
        // Raw keyrings report nothing when an EDK is not theirs or fails to authenticate.
        failures.push(`EDK #${index} (${describeEncryptedDataKey(candidate)}): not this keyring's key, or the wrapped key or encryption context does not authenticate`)
      } catch (error) {
        errors.push(error)
        failures.push(`EDK #${index} (${describeEncryptedDataKey(candidate)}): ${describeError(error)}`)
      } finally {
        material.zeroUnencryptedDataKey()
      }
    }
    throw new KeyringError(
      'ERR_NO_DECRYPTABLE_KEY',
      candidates.length === 0
        ? `${this.options.description}: the item has no encrypted data keys to decrypt.`
        : `${this.options.description} could not decrypt any of the item's ${candidates.length} encrypted data key(s): ` +
            `${failures.join('; ')}. The reader needs a keyring holding one of the writer's keys, and the same logical ` +
            'table name and partition/sort key names as the writer (they are part of the encryption context); otherwise the item ' +
            '(its key values, an attribute in the encryption context, or its header) was altered.',
      errors.length > 0 ? { cause: new AggregateError(errors, 'keyring errors per encrypted data key') } : undefined,
    )
  }
}

/** One keyring wraps one fresh intermediate key: generated by it, or drawn here and given to it. */
async function wrapOne(member: WrappingKeyring, encryptionContext: EncryptionContext): Promise<WrappedIntermediateKey> {
  // No data key in the material, so a generating keyring generates one: that key is the intermediate key.
  const material = new NodeEncryptionMaterial(WRAPPING_SUITE, encryptionContext)
  const given = member.generates ? undefined : randomBytes(INTERMEDIATE_KEY_LENGTH)
  try {
    if (given !== undefined) material.setUnencryptedDataKey(given, GIVEN_KEY_TRACE)
    try {
      await member.keyring.onEncrypt(material)
    } catch (error) {
      throw new KeyringError('ERR_KEYRING', `${member.description} could not wrap a new intermediate key: ${describeError(error)}`, { cause: error })
    }
    const edks = material.encryptedDataKeys
    if (!material.hasUnencryptedDataKey || edks.length === 0) {
      throw new KeyringError('ERR_KEYRING', `${member.description} returned no encrypted data key on encrypt; use a keyring that can encrypt (not a discovery keyring).`)
    }
    if (edks.length > 1) {
      throw new KeyringError(
        'ERR_KEYRING',
        `${member.description} wrapped one intermediate key under ${edks.length} keys (${edks.map((edk) => describeEncryptedDataKey({ providerId: edk.providerId, providerInfo: providerInfoBytes(edk) })).join(', ')}). ` +
          'DB-ESDK wraps a separate intermediate key under each key, so that with the HMAC-only suite the holder of one key cannot forge items ' +
          'for the others: build one keyring per key and combine them in a MultiKeyringNode, which this library wraps key by key.',
      )
    }
    const [edk] = edks as [EncryptedDataKey]
    return { providerId: edk.providerId, providerInfo: providerInfoBytes(edk), wrappedKey: Buffer.from(edk.encryptedDataKey), intermediateKey: copyDataKey(material) }
  } finally {
    material.zeroUnencryptedDataKey()
    given?.fill(0)
  }
}

/** The material's key as a Buffer owned by the caller, who zeroes it. */
function copyDataKey(material: NodeEncryptionMaterial | NodeDecryptionMaterial): Buffer {
  const dataKey = material.getUnencryptedDataKey()
  const exported = unwrapDataKey(dataKey)
  const copy = Buffer.alloc(exported.byteLength)
  copy.set(exported)
  // A KeyObject exports a fresh copy that is ours to wipe; a plain Uint8Array is wiped by zeroUnencryptedDataKey.
  if (!(dataKey instanceof Uint8Array)) exported.fill(0)
  return copy
}

/** The raw provider info: `providerInfo` is a lossy UTF-8 decoding for binary infos (raw AES), `rawInfo` is exact. */
function providerInfoBytes(edk: EncryptedDataKey): Uint8Array {
  return edk.rawInfo !== undefined ? Buffer.from(edk.rawInfo) : Buffer.from(edk.providerInfo, 'utf8')
}

function toEncryptedDataKey(candidate: UnwrapCandidate): EncryptedDataKey {
  const rawInfo = Buffer.from(candidate.providerInfo)
  return new EncryptedDataKey({
    providerId: candidate.providerId,
    providerInfo: rawInfo.toString('utf8'),
    rawInfo,
    encryptedDataKey: Buffer.from(candidate.wrappedKey),
  })
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return `an object of class ${(value as object).constructor?.name ?? 'Object'}`
}
