import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { EncryptorError, ItemVerificationError } from '../errors'
import type { EncryptionContext } from '../materials/keyring'
import { getDecryptionMaterials, PUBLIC_KEY_CONTEXT_KEY, zeroDecryptionMaterials, type DecryptionMaterials } from '../materials/materials'
import { canonicalHash, type CanonicalField } from '../structured/canonical-hash'
import { serializeEncryptionContext } from '../structured/encryption-context'
import { decryptField, MIN_ENCRYPTED_FIELD_LENGTH } from '../structured/field-crypto'
import { anyTagMatches, parseFooter } from '../structured/footer'
import { LEGEND_CONTEXT, LEGEND_ENCRYPT, parseHeader, type HeaderFields } from '../structured/header'
import { deriveFieldKeys, deriveItemKeys, verifyCommitment, type FieldKeys, type ItemKeys } from '../structured/keys'
import { deserializeValue, serializeValue } from '../structured/serialize'
import { verifyCanonicalHash } from '../structured/signature'
import type { Item } from '../types'
import { isSignedOnRead, pathOf, sortByCanonicalOrder, type ResolvedConfig } from './config'
import { buildEncryptionContext, type Terminal } from './encryption-context'
import { copyRecord, setOwn } from '../structured/own-property'
import { FOOTER_ATTRIBUTE, HEADER_ATTRIBUTE, isReservedName } from './reserved'
import { shown } from './shown'
import { bufferView } from '../structured/bytes'

/** A signed attribute of the stored item, paired with its legend byte. */
type StoredField =
  | { name: string; legend: 'e'; stored: Buffer }
  | { name: string; legend: 's' | 'c'; terminal: Terminal }

function verificationError(code: ConstructorParameters<typeof ItemVerificationError>[0], config: ResolvedConfig, problem: string): ItemVerificationError {
  return new ItemVerificationError(code, `Table "${config.tableLabel}": ${problem}`)
}

function own(item: Item, name: string): AttributeValue | undefined {
  return Object.prototype.hasOwnProperty.call(item, name) ? item[name] : undefined
}

function binaryOf(value: AttributeValue | undefined): Buffer | undefined {
  const bytes = (value as { B?: unknown } | undefined)?.B
  if (!(bytes instanceof Uint8Array) || Object.keys(value as object).length !== 1) return undefined
  return bufferView(bytes)
}

/** Header and footer bytes, or the reason the item is not (or not wholly) a DB-ESDK item. */
function envelopeOf(config: ResolvedConfig, item: Item): { header: Buffer; footer: Buffer } {
  const head = own(item, HEADER_ATTRIBUTE)
  const foot = own(item, FOOTER_ATTRIBUTE)
  if (head === undefined && foot === undefined) {
    throw verificationError('ERR_NOT_ENCRYPTED', config, `the item has neither ${HEADER_ATTRIBUTE} nor ${FOOTER_ATTRIBUTE}; it was not written encrypted.`)
  }
  const header = binaryOf(head)
  if (header === undefined) throw verificationError('ERR_HEADER_INVALID', config, `${HEADER_ATTRIBUTE} is missing or not a binary (B) value.`)
  const footer = binaryOf(foot)
  if (footer === undefined) throw verificationError('ERR_FOOTER_INVALID', config, `${FOOTER_ATTRIBUTE} is missing or not a binary (B) value.`)
  return { header, footer }
}

/**
 * Pairs the item's signed attributes (canonical order) with the header legend, as DB-ESDK does: the reader's config
 * decides what is signed, the legend what is encrypted.
 */
function walkLegend(config: ResolvedConfig, item: Item, header: HeaderFields): StoredField[] {
  const names = sortByCanonicalOrder(config, Object.keys(item).filter((name) => isSignedOnRead(config, name)))
  const { legend } = header
  if (names.length !== legend.length) {
    const problem =
      names.length > legend.length
        ? `the item has ${names.length} signed attributes but its header lists ${legend.length}: an attribute was added, or one the writer left unsigned is signed for this reader`
        : `the header lists ${legend.length} signed attributes but the item has ${names.length}: a signed attribute was removed, or this reader allows one of them unsigned`
    const seen = names.slice(0, 20).map(shown).join(', ') + (names.length > 20 ? ', …' : '')
    throw verificationError(
      'ERR_LEGEND_MISMATCH',
      config,
      `${problem} (signed here: ${seen || 'none'}). Check allowedUnsignedAttributes/allowedUnsignedAttributePrefix against the writer's.`,
    )
  }
  return names.map((name, index): StoredField => {
    const char = legend[index]
    const value = item[name]
    if (char === LEGEND_ENCRYPT) {
      const stored = binaryOf(value)
      if (stored === undefined || stored.length < MIN_ENCRYPTED_FIELD_LENGTH) {
        throw verificationError('ERR_LEGEND_MISMATCH', config, `attribute ${shown(name)} is encrypted according to the header but is not a binary value of at least ${MIN_ENCRYPTED_FIELD_LENGTH} bytes.`)
      }
      return { name, legend: 'e', stored }
    }
    if (char === LEGEND_CONTEXT && header.version !== 2) {
      throw verificationError('ERR_HEADER_INVALID', config, `attribute ${shown(name)} is marked SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT in a version 1 header.`)
    }
    let terminal: Terminal
    try {
      terminal = serializeValue(value, name)
    } catch (cause) {
      throw new ItemVerificationError('ERR_SIGNATURE_INVALID', `Table "${config.tableLabel}": signed attribute ${shown(name)} holds a value that cannot have been signed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    }
    return { name, legend: char as 's' | 'c', terminal }
  })
}

/** Header-stored entries plus the reader-rebuilt ones; a stored entry may not contradict a rebuilt one. */
function fullEncryptionContext(config: ResolvedConfig, header: HeaderFields, fields: readonly StoredField[]): EncryptionContext {
  const plaintext = new Map<string, Terminal>()
  for (const field of fields) if (field.legend !== 'e') plaintext.set(field.name, field.terminal)
  const rebuilt = buildEncryptionContext({
    config,
    version: header.version,
    terminalOf: (name) => plaintext.get(name),
    contextAttributes: fields.filter((field) => field.legend === 'c').map((field) => field.name),
    missingKey: (name) => {
      throw verificationError('ERR_KEY_ATTRIBUTE_MISSING', config, `the item has no signed plaintext attribute "${name}", which its encryption context needs (partition/sort key).`)
    },
  })
  const context: EncryptionContext = copyRecord(header.storedEncryptionContext)
  for (const [key, value] of Object.entries(rebuilt)) {
    if (Object.prototype.hasOwnProperty.call(context, key) && context[key] !== value) {
      throw verificationError('ERR_HEADER_INVALID', config, `the header stores encryption context key "${key}" with a value that contradicts the item.`)
    }
    setOwn(context, key, value)
  }
  // Frozen: the materials, the keyring and the canonical hash serialize it once between them.
  return Object.freeze(context)
}

/**
 * Signed suites: ECDSA verification needs neither the data key nor the keyring, so it starts on the thread pool as
 * soon as the canonical hash exists and runs while this thread unwraps the data key. `undefined` when the context has
 * no public key or the footer no signature: the checks in their usual order report that. The public key is still
 * unauthenticated here (OpenSSL checks it is a point on P-384 as it imports it); the answer counts only after the
 * commitment and the recipient tag have authenticated the same context.
 */
function startSignatureCheck(encryptionContext: EncryptionContext, signature: Buffer | undefined, hash: Buffer): { publicKey: string; valid: Promise<boolean> } | undefined {
  if (signature === undefined || !Object.prototype.hasOwnProperty.call(encryptionContext, PUBLIC_KEY_CONTEXT_KEY)) return undefined
  const publicKey = encryptionContext[PUBLIC_KEY_CONTEXT_KEY]
  const valid = verifyCanonicalHash(publicKey, hash, signature)
  // Awaited only if the checks before it pass; an earlier failure must not leave an unhandled rejection behind.
  valid.catch(() => undefined)
  return { publicKey, valid }
}

/** Every signed attribute's plaintext: encrypted ones decrypted, the others in normalized form (as DB-ESDK returns them). */
function decryptFields(config: ResolvedConfig, fields: readonly StoredField[], fieldKeys: FieldKeys): Map<string, AttributeValue> {
  const plaintext = new Map<string, AttributeValue>()
  let offset = 0
  for (const field of fields) {
    if (field.legend === 'e') {
      const { typeId, bytes } = decryptField(fieldKeys.keys[offset++], pathOf(config, field.name), field.stored, field.name)
      try {
        plaintext.set(field.name, deserializeValue(typeId, bytes, field.name))
      } finally {
        // The value holds copies (strings, new byte arrays); the decrypted serialization is not needed after it.
        bytes.fill(0)
      }
    } else {
      plaintext.set(field.name, deserializeValue(field.terminal.typeId, field.terminal.bytes, field.name))
    }
  }
  return plaintext
}

export async function decryptItem(config: ResolvedConfig, item: Item): Promise<Item> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw verificationError('ERR_NOT_ENCRYPTED', config, 'decryptItem expects an item (a map of attribute names to AttributeValues).')
  }
  let materials: DecryptionMaterials | undefined
  let itemKeys: ItemKeys | undefined
  let fieldKeys: FieldKeys | undefined
  try {
    const envelope = envelopeOf(config, item)
    // The parsed header is a private copy of the stored one; the hash covers exactly the bytes parsed.
    const { fields: header, header: headerBytes, body, commitment } = parseHeader(envelope.header)
    const fields = walkLegend(config, item, header)
    const encryptionContext = fullEncryptionContext(config, header, fields)
    const canonicalFields: CanonicalField[] = fields.map((field) =>
      field.legend === 'e'
        ? { path: pathOf(config, field.name), kind: 'encrypted', bytes: field.stored }
        : { path: pathOf(config, field.name), kind: 'plaintext', typeId: field.terminal.typeId, bytes: field.terminal.bytes },
    )
    const hash = canonicalHash(headerBytes, serializeEncryptionContext(encryptionContext), canonicalFields)
    // Parsed now for the signature; a malformed footer is reported in its usual place, after the commitment.
    let footer: ReturnType<typeof parseFooter> | undefined
    let footerError: unknown
    try {
      footer = parseFooter(envelope.footer, header.encryptedDataKeys.length, header.suite.signed)
    } catch (error) {
      footerError = error
    }
    const signatureCheck = header.suite.signed ? startSignatureCheck(encryptionContext, footer?.signature, hash) : undefined

    materials = await getDecryptionMaterials({
      keyring: config.keyring,
      suite: header.suite,
      encryptionContext,
      encryptedDataKeys: header.encryptedDataKeys,
    })

    // 1. The header is the one this data key was committed to.
    itemKeys = deriveItemKeys(materials.plaintextDataKey, header.messageId)
    const committed = verifyCommitment(itemKeys.commitKey, body, commitment)
    itemKeys.commitKey.fill(0)
    if (!committed) throw verificationError('ERR_COMMITMENT_MISMATCH', config, `the ${HEADER_ATTRIBUTE} commitment does not match; the header was altered.`)

    // 2. Every signed attribute, the header and the context are what the writer tagged (and signed).
    if (footer === undefined) throw footerError
    if (!anyTagMatches(materials.symmetricSigningKey, hash, footer.tags)) {
      throw verificationError('ERR_SIGNATURE_INVALID', config, 'the recipient tag does not match: a signed attribute, the header or the footer was altered, or the reader uses another logical table name.')
    }

    // 3. Decrypt while the signature is checked; nothing decrypted leaves this function unless the signature holds,
    // and a field that fails to decrypt is reported only after it (the same precedence as checking first).
    fieldKeys = deriveFieldKeys(itemKeys.fieldRootKey, fields.filter((field) => field.legend === 'e').length)
    let plaintext: Map<string, AttributeValue> | undefined
    let fieldError: unknown
    try {
      plaintext = decryptFields(config, fields, fieldKeys)
    } catch (error) {
      fieldError = error
    }
    if (header.suite.signed) {
      // The materials take the verification key from the same context; anything else fails closed.
      const valid = signatureCheck !== undefined && signatureCheck.publicKey === materials.verificationKey && (await signatureCheck.valid)
      if (!valid) throw verificationError('ERR_SIGNATURE_INVALID', config, 'the ECDSA signature does not verify: the item was altered.')
    }
    if (plaintext === undefined) throw fieldError

    const output: Item = {}
    for (const [name, value] of Object.entries(item)) {
      if (isReservedName(name)) continue
      setOwn(output, name, plaintext.get(name) ?? value)
    }
    return output
  } catch (error) {
    if (error instanceof EncryptorError) throw error
    throw verificationError('ERR_DECRYPTION_FAILED', config, `the item could not be verified and decrypted: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    itemKeys?.commitKey.fill(0)
    itemKeys?.fieldRootKey.fill(0)
    fieldKeys?.wipe()
    if (materials !== undefined) zeroDecryptionMaterials(materials)
  }
}
