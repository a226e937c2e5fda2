import { ACCOUNT_ID_PATTERN, ALIAS_NAME_PATTERN, REGION_PATTERN, isKeyId, isMultiRegionKeyId } from './arn'
import { isValidKeyMaterial } from './key-material'
import { KEY_SPECS, isKeySpec, type KeyUsage } from './key-specs'
import { KeyStore, type KeyMaterial, type KeyRecord, type StoredKeyState, type Tag } from './key-store'

/**
 * The JSON document a data file holds. The key material is stored in base64, unencrypted: the local KMS is a
 * development tool and its data file must be treated like a file of secrets (it is written with mode 0600).
 */
export const DOCUMENT_FORMAT = 'dynamodb-item-encryptor/local-kms'
export const DOCUMENT_VERSION = 1

export interface StoreDocument {
  format: typeof DOCUMENT_FORMAT
  version: typeof DOCUMENT_VERSION
  warning: string
  accountId: string
  materials: { keyId: string; keySpec: string; keyUsage: string; secret: string }[]
  keys: {
    region: string
    keyId: string
    creationDate: number
    description: string
    tags: Tag[]
    policy: string
    state: StoredKeyState
    creatingUntil?: number
    deletionDate?: number
    pendingWindowInDays?: number
    multiRegionRole?: 'PRIMARY' | 'REPLICA'
  }[]
  aliases: { region: string; aliasName: string; targetKeyId: string; creationDate: number; lastUpdatedDate: number }[]
}

const WARNING = 'Local development data of the dynamodb-item-encryptor local KMS. Key material is stored unencrypted: never use these keys for real data.'
const STORED_STATES: readonly string[] = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingReplicaDeletion']

export function toDocument(store: KeyStore): StoreDocument {
  const materials = new Map<string, KeyMaterial>()
  for (const record of store.allKeys()) materials.set(record.keyId, record.material)
  return {
    format: DOCUMENT_FORMAT,
    version: DOCUMENT_VERSION,
    warning: WARNING,
    accountId: store.accountId,
    materials: [...materials].map(([keyId, material]) => ({
      keyId,
      keySpec: material.keySpec,
      keyUsage: material.keyUsage,
      secret: material.secret.toString('base64'),
    })),
    keys: store.allKeys().map((record) => ({
      region: record.region,
      keyId: record.keyId,
      creationDate: record.creationDate,
      description: record.description,
      tags: record.tags.map((tag) => ({ ...tag })),
      policy: record.policy,
      state: record.state,
      ...(record.creatingUntil === undefined ? {} : { creatingUntil: record.creatingUntil }),
      ...(record.deletionDate === undefined ? {} : { deletionDate: record.deletionDate }),
      ...(record.pendingWindowInDays === undefined ? {} : { pendingWindowInDays: record.pendingWindowInDays }),
      ...(record.multiRegionRole === undefined ? {} : { multiRegionRole: record.multiRegionRole }),
    })),
    aliases: store.allAliases().map(({ region, alias }) => ({ region, ...alias })),
  }
}

/** Rebuilds a store from a document, checking every field; throws an Error naming the first problem found. */
export function fromDocument(value: unknown): KeyStore {
  const doc = object(value, 'the document')
  if (doc['format'] !== DOCUMENT_FORMAT) throw new Error(`"format" is not "${DOCUMENT_FORMAT}"`)
  if (doc['version'] !== DOCUMENT_VERSION) throw new Error(`"version" ${String(doc['version'])} is not supported (expected ${DOCUMENT_VERSION})`)
  const accountId = string(doc['accountId'], 'accountId', ACCOUNT_ID_PATTERN)
  const store = new KeyStore(accountId)

  const materials = new Map<string, KeyMaterial>()
  for (const [index, entry] of array(doc['materials'], 'materials').entries()) {
    const where = `materials[${index}]`
    const item = object(entry, where)
    const keyId = string(item['keyId'], `${where}.keyId`)
    if (!isKeyId(keyId)) throw new Error(`${where}.keyId "${keyId}" is not a key id`)
    const keySpec = string(item['keySpec'], `${where}.keySpec`)
    if (!isKeySpec(keySpec)) throw new Error(`${where}.keySpec "${keySpec}" is not supported`)
    const keyUsage = string(item['keyUsage'], `${where}.keyUsage`) as KeyUsage
    if (!KEY_SPECS[keySpec].usages.includes(keyUsage)) throw new Error(`${where}.keyUsage "${keyUsage}" does not fit ${keySpec}`)
    const secretText = string(item['secret'], `${where}.secret`, /^[A-Za-z0-9+/]*={0,2}$/)
    const secret = Buffer.from(secretText, 'base64')
    if (!isValidKeyMaterial(keySpec, secret)) throw new Error(`${where}.secret is not valid ${keySpec} key material`)
    if (materials.has(keyId)) throw new Error(`${where}: material of ${keyId} appears twice`)
    materials.set(keyId, { keySpec, keyUsage, secret })
  }

  for (const [index, entry] of array(doc['keys'], 'keys').entries()) {
    const where = `keys[${index}]`
    const item = object(entry, where)
    const region = string(item['region'], `${where}.region`, REGION_PATTERN)
    const keyId = string(item['keyId'], `${where}.keyId`)
    const material = materials.get(keyId)
    if (material === undefined) throw new Error(`${where}: no material for key ${keyId}`)
    if (store.get(region, keyId) !== undefined) throw new Error(`${where}: key ${keyId} appears twice in ${region}`)
    const state = string(item['state'], `${where}.state`)
    if (!STORED_STATES.includes(state)) throw new Error(`${where}.state "${state}" is not a key state`)
    const role = optional(item['multiRegionRole'], (v) => string(v, `${where}.multiRegionRole`, /^(PRIMARY|REPLICA)$/))
    if ((role !== undefined) !== isMultiRegionKeyId(keyId)) throw new Error(`${where}: multiRegionRole does not fit key id ${keyId}`)
    const record: KeyRecord = {
      keyId,
      region,
      material,
      creationDate: number(item['creationDate'], `${where}.creationDate`),
      description: string(item['description'], `${where}.description`),
      tags: array(item['tags'], `${where}.tags`).map((tag, tagIndex) => {
        const t = object(tag, `${where}.tags[${tagIndex}]`)
        return { TagKey: string(t['TagKey'], `${where}.tags[${tagIndex}].TagKey`), TagValue: string(t['TagValue'], `${where}.tags[${tagIndex}].TagValue`) }
      }),
      policy: string(item['policy'], `${where}.policy`),
      state: state as StoredKeyState,
    }
    const creatingUntil = optional(item['creatingUntil'], (v) => number(v, `${where}.creatingUntil`))
    const deletionDate = optional(item['deletionDate'], (v) => number(v, `${where}.deletionDate`))
    const pendingWindowInDays = optional(item['pendingWindowInDays'], (v) => number(v, `${where}.pendingWindowInDays`))
    if (creatingUntil !== undefined) record.creatingUntil = creatingUntil
    if (deletionDate !== undefined) record.deletionDate = deletionDate
    if (pendingWindowInDays !== undefined) record.pendingWindowInDays = pendingWindowInDays
    if (role !== undefined) record.multiRegionRole = role as 'PRIMARY' | 'REPLICA'
    store.add(record)
  }

  for (const keyId of materials.keys()) {
    const related = store.related(keyId)
    if (related.length === 0) throw new Error(`material of ${keyId} belongs to no key`)
    if (isMultiRegionKeyId(keyId) && related.filter((r) => r.multiRegionRole === 'PRIMARY').length !== 1) {
      throw new Error(`multi-Region key ${keyId} does not have exactly one primary`)
    }
  }

  for (const [index, entry] of array(doc['aliases'], 'aliases').entries()) {
    const where = `aliases[${index}]`
    const item = object(entry, where)
    const region = string(item['region'], `${where}.region`, REGION_PATTERN)
    const aliasName = string(item['aliasName'], `${where}.aliasName`, ALIAS_NAME_PATTERN)
    const targetKeyId = string(item['targetKeyId'], `${where}.targetKeyId`)
    if (store.get(region, targetKeyId) === undefined) throw new Error(`${where}: target key ${targetKeyId} does not exist in ${region}`)
    if (store.alias(region, aliasName) !== undefined) throw new Error(`${where}: alias ${aliasName} appears twice in ${region}`)
    store.setAlias(region, {
      aliasName,
      targetKeyId,
      creationDate: number(item['creationDate'], `${where}.creationDate`),
      lastUpdatedDate: number(item['lastUpdatedDate'], `${where}.lastUpdatedDate`),
    })
  }
  return store
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is not an object`)
  return value as Record<string, unknown>
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`"${where}" is not an array`)
  return value
}

function string(value: unknown, where: string, pattern?: RegExp): string {
  if (typeof value !== 'string') throw new Error(`"${where}" is not a string`)
  if (pattern !== undefined && !pattern.test(value)) throw new Error(`"${where}" has an invalid value "${value.slice(0, 80)}"`)
  return value
}

function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`"${where}" is not a finite number`)
  return value
}

function optional<T>(value: unknown, read: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : read(value)
}
