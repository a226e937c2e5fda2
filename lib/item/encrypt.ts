import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { randomBytes } from 'node:crypto'
import { EncryptorError, ItemInputError } from '../errors'
import { DATA_KEY_LENGTH, getEncryptionMaterials, zeroEncryptionMaterials, type EncryptionMaterials } from '../materials/materials'
import { canonicalHash, type CanonicalField } from '../structured/canonical-hash'
import { serializeEncryptionContext } from '../structured/encryption-context'
import { encryptField } from '../structured/field-crypto'
import { computeRecipientTag, encodeFooter } from '../structured/footer'
import { encodeHeaderBody, LEGEND_CONTEXT, LEGEND_ENCRYPT, LEGEND_SIGN, MESSAGE_ID_LENGTH } from '../structured/header'
import { computeCommitment, deriveFieldKeys, deriveItemKeys, type FieldKeys, type ItemKeys } from '../structured/keys'
import { serializeValue } from '../structured/serialize'
import { signCanonicalHash } from '../structured/signature'
import type { Item } from '../types'
import { pathOf, sortByCanonicalOrder, type ResolvedConfig, type SignedAction } from './config'
import { buildEncryptionContext, type Terminal } from './encryption-context'
import { setOwn } from '../structured/own-property'
import { FOOTER_ATTRIBUTE, GLOBAL_TABLE_ATTRIBUTES, HEADER_ATTRIBUTE, isReservedName, RESERVED_PREFIX } from './reserved'

const LEGEND_OF: Record<SignedAction, string> = {
  ENCRYPT_AND_SIGN: LEGEND_ENCRYPT,
  SIGN_ONLY: LEGEND_SIGN,
  SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT: LEGEND_CONTEXT,
}

interface SignedAttribute extends Terminal {
  name: string
  action: SignedAction
}

/**
 * The action of every attribute of the item, refusing what the config does not cover; signed ones by name, in canonical
 * order. Works on the entries read once at the start: what is planned is what is written.
 */
function planItem(config: ResolvedConfig, entries: ReadonlyArray<[string, AttributeValue]>): Map<string, SignedAttribute> {
  const signed = new Map<string, SignedAttribute>()
  try {
    planEntries(config, entries, signed)
  } catch (error) {
    wipePlaintext(signed.values())
    throw error
  }
  const inOrder = new Map<string, SignedAttribute>()
  for (const name of sortByCanonicalOrder(config, [...signed.keys()])) inOrder.set(name, signed.get(name) as SignedAttribute)
  return inOrder
}

/** The serialized plaintext of the attributes to encrypt: buffers of our own, zeroed once encrypted (or refused). */
function wipePlaintext(attributes: Iterable<SignedAttribute>): void {
  for (const attribute of attributes) if (attribute.action === 'ENCRYPT_AND_SIGN') attribute.bytes.fill(0)
}

function planEntries(config: ResolvedConfig, entries: ReadonlyArray<[string, AttributeValue]>, signed: Map<string, SignedAttribute>): void {
  for (const [name, value] of entries) {
    if (isReservedName(name)) {
      throw new ItemInputError('ERR_RESERVED_ATTRIBUTE', `Table "${config.tableLabel}": attribute "${name}" uses the reserved prefix "${RESERVED_PREFIX}"; items may not contain such attributes.`)
    }
    const configured = config.actions.get(name)
    if (configured === undefined && !isAllowedUnsignedOnWrite(config, name)) {
      throw new ItemInputError(
        'ERR_ATTRIBUTE_NOT_CONFIGURED',
        `Table "${config.tableLabel}": attribute "${name}" has no action in attributeActionsOnEncrypt and is not allowed unsigned; configure it (ENCRYPT_AND_SIGN, SIGN_ONLY, …) or add it to allowedUnsignedAttributes.`,
      )
    }
    if (configured === undefined || configured === 'DO_NOTHING') {
      if (typeof value !== 'object' || value === null) {
        throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Table "${config.tableLabel}": attribute "${name}" is not an AttributeValue.`)
      }
      continue
    }
    const { typeId, bytes } = serializeValue(value, name)
    signed.set(name, { name, action: configured, typeId, bytes })
  }
  // Keys and context attributes are signed by config, so a present one is in `signed`.
  for (const key of [config.partitionKeyName, config.sortKeyName, ...config.contextAttributes]) {
    if (key !== undefined && !signed.has(key)) {
      const role = key === config.partitionKeyName ? 'partition key' : key === config.sortKeyName ? 'sort key' : 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attribute'
      throw new ItemInputError('ERR_KEY_ATTRIBUTE_MISSING', `Table "${config.tableLabel}": the item has no ${role} "${key}"; every item must carry it.`)
    }
  }
}

function isAllowedUnsignedOnWrite(config: ResolvedConfig, name: string): boolean {
  return config.allowedUnsigned.has(name) || (config.allowedUnsignedPrefix !== undefined && name.startsWith(config.allowedUnsignedPrefix)) || GLOBAL_TABLE_ATTRIBUTES.has(name)
}

/** The entries the header stores: the materials' context minus the required keys (the reader rebuilds those). */
function storedEncryptionContext(context: Readonly<Record<string, string>>, requiredKeys: readonly string[]): Record<string, string> {
  // Usually every entry is required (unsigned suites add none), which needs no filtering.
  const stored: Record<string, string> = {}
  if (Object.keys(context).length === requiredKeys.length) return stored
  const required = new Set(requiredKeys)
  for (const key of Object.keys(context)) if (!required.has(key)) setOwn(stored, key, context[key])
  return stored
}

export async function encryptItem(config: ResolvedConfig, item: Item): Promise<Item> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Table "${config.tableLabel}": encryptItem expects an item (a map of attribute names to AttributeValues).`)
  }
  // Read once: the item is not read again, so a caller (or a getter or Proxy) that changes it while the keyring runs
  // cannot add an attribute that would be written unencrypted, or make the written value differ from the signed one.
  const entries = Object.entries(item)
  // Signed suites: the item's key pair was generated ahead, or is being generated on the thread pool while this thread
  // serializes the item.
  const signingKeyPair = config.signingKeys?.take()
  // If the item is refused below, nobody awaits the key pair; its failure must not surface as an unhandled rejection.
  signingKeyPair?.catch(() => undefined)
  const byName = planItem(config, entries)
  const signed = [...byName.values()]

  // The fields need only the data key and the message id, not the key pair or the keyring: for signed suites they are
  // encrypted while the key pair is still being generated on the thread pool.
  // One call to the CSPRNG for both (each call has a fixed cost); the data key's bytes are zeroed in place below.
  const random = randomBytes(DATA_KEY_LENGTH + MESSAGE_ID_LENGTH)
  const plaintextDataKey = random.subarray(0, DATA_KEY_LENGTH)
  const messageId = random.subarray(DATA_KEY_LENGTH)
  let itemKeys: ItemKeys | undefined
  let fieldKeys: FieldKeys | undefined
  let materials: EncryptionMaterials | undefined
  try {
    const encryptionContext = buildEncryptionContext({
      config,
      version: config.version,
      terminalOf: (name) => byName.get(name),
      contextAttributes: config.contextAttributes,
      missingKey: (name) => {
        throw new ItemInputError('ERR_KEY_ATTRIBUTE_MISSING', `Table "${config.tableLabel}": the item has no "${name}".`)
      },
    })
    const requiredKeys = Object.keys(encryptionContext)
    itemKeys = deriveItemKeys(plaintextDataKey, messageId)
    fieldKeys = deriveFieldKeys(itemKeys.fieldRootKey, signed.filter((attribute) => attribute.action === 'ENCRYPT_AND_SIGN').length)
    const fields: CanonicalField[] = []
    const encrypted = new Map<string, Buffer>()
    let offset = 0
    for (const attribute of signed) {
      const path = pathOf(config, attribute.name)
      if (attribute.action === 'ENCRYPT_AND_SIGN') {
        const stored = encryptField(fieldKeys.keys[offset++], path, attribute.typeId, attribute.bytes)
        encrypted.set(attribute.name, stored)
        fields.push({ path, kind: 'encrypted', bytes: stored })
      } else {
        fields.push({ path, kind: 'plaintext', typeId: attribute.typeId, bytes: attribute.bytes })
      }
    }

    materials = await getEncryptionMaterials({
      keyring: config.keyring,
      suite: config.suite,
      encryptionContext,
      requiredEncryptionContextKeys: requiredKeys,
      signingKeyPair,
      plaintextDataKey,
    })
    const storedContext = storedEncryptionContext(materials.encryptionContext, requiredKeys)
    const headerBody = encodeHeaderBody({
      version: config.version,
      suite: materials.suite,
      messageId,
      legend: signed.map((attribute) => LEGEND_OF[attribute.action]).join(''),
      storedEncryptionContext: storedContext,
      encryptedDataKeys: materials.encryptedDataKeys,
    })
    const header = Buffer.concat([headerBody, computeCommitment(itemKeys.commitKey, headerBody)])
    itemKeys.commitKey.fill(0)

    const hash = canonicalHash(header, serializeEncryptionContext(materials.encryptionContext), fields)
    const tags = materials.symmetricSigningKeys.map((key) => computeRecipientTag(key, hash))
    const signing = materials.signingKey === undefined ? undefined : signCanonicalHash(materials.signingKey, hash)
    // Queued behind this item's signing, so that on a single core it does not interrupt the work above.
    config.signingKeys?.replenish()
    const signature = signing === undefined ? undefined : await signing

    // Same attribute order as given; SIGN_ONLY and DO_NOTHING values exactly as given.
    const output: Item = {}
    for (const [name, value] of entries) {
      const ciphertext = encrypted.get(name)
      setOwn(output, name, ciphertext === undefined ? value : ({ B: ciphertext } as AttributeValue))
    }
    setOwn(output, HEADER_ATTRIBUTE, { B: header })
    setOwn(output, FOOTER_ATTRIBUTE, { B: encodeFooter(tags, signature) })
    return output
  } catch (error) {
    if (error instanceof EncryptorError) throw error
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Table "${config.tableLabel}": the item could not be encrypted: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  } finally {
    wipePlaintext(signed)
    plaintextDataKey.fill(0)
    itemKeys?.commitKey.fill(0)
    itemKeys?.fieldRootKey.fill(0)
    fieldKeys?.wipe()
    if (materials !== undefined) zeroEncryptionMaterials(materials)
  }
}
