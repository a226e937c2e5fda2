import { ConfigError } from '../errors'
import type { DbeKeyring } from '../materials/keyring'
import { toDbeKeyring } from '../materials/keyrings/adapt'
import { canonicalPath, compareCanonical, sortCanonical } from '../structured/canonical'
import { SigningKeyReserve } from '../structured/signing-key-reserve'
import { suiteFromName, type AlgorithmSuite } from '../structured/suite'
import type { CryptoAction, TableEncryptionConfig } from '../types'
import { GLOBAL_TABLE_ATTRIBUTES, isReservedName, RESERVED_CONTEXT_VALUE_PREFIX, RESERVED_PREFIX } from './reserved'

/** The signed actions and their legend bytes. */
export type SignedAction = Exclude<CryptoAction, 'DO_NOTHING'>

const ACTIONS: ReadonlySet<string> = new Set<CryptoAction>(['ENCRYPT_AND_SIGN', 'SIGN_ONLY', 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', 'DO_NOTHING'])

/** A validated table configuration with everything the encryptor needs per item precomputed. */
export interface ResolvedConfig {
  /** For messages: the physical table name when known, else the logical one. */
  tableLabel: string
  logicalTableName: string
  partitionKeyName: string
  sortKeyName?: string
  actions: ReadonlyMap<string, CryptoAction>
  allowedUnsigned: ReadonlySet<string>
  allowedUnsignedPrefix?: string
  /** The suite new items are written with (readers take the suite from the header). */
  suite: AlgorithmSuite
  keyring: DbeKeyring
  /** 2 when any attribute is SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT (encryption context version 2). */
  version: 1 | 2
  /** Attributes configured SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT; each must be present on encrypt. */
  contextAttributes: readonly string[]
  /** Canonical paths of the configured attribute names (the others are computed per item). */
  pathCache: ReadonlyMap<string, Buffer>
  /** Each configured attribute name's place in canonical order, so that items sort by integers. */
  canonicalRank: ReadonlyMap<string, number>
  /** Signed suites: where each new item takes its ECDSA key pair. */
  signingKeys?: SigningKeyReserve
}

export type ItemEncryptorConfig = TableEncryptionConfig & {
  /** The physical table name; the default logical table name. */
  tableName?: string
}

function fail(code: ConstructorParameters<typeof ConfigError>[0], message: string): never {
  throw new ConfigError(code, message)
}

const LONE_SURROGATE = /\p{Surrogate}/u

function checkName(table: string, field: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') fail('ERR_CONFIG_INVALID', `Table "${table}": ${field} must be a non-empty string.`)
  if (LONE_SURROGATE.test(name)) fail('ERR_CONFIG_INVALID', `Table "${table}": ${field} "${name}" contains a lone UTF-16 surrogate, which has no UTF-8 form.`)
  if (Buffer.byteLength(name, 'utf8') > 0xffff) fail('ERR_CONFIG_INVALID', `Table "${table}": ${field} is longer than 65535 UTF-8 bytes.`)
}

/** Applies every DB-ESDK table-config rule; each violation has its own code and names the attribute. */
export function resolveConfig(config: ItemEncryptorConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) fail('ERR_CONFIG_INVALID', 'ItemEncryptor: expected a table encryption config object.')
  const physical = config.tableName
  if (physical !== undefined && (typeof physical !== 'string' || physical === '')) {
    fail('ERR_CONFIG_INVALID', 'ItemEncryptor: tableName must be a non-empty string when given.')
  }
  const logicalTableName = config.logicalTableName ?? physical
  const label = physical ?? (typeof logicalTableName === 'string' ? logicalTableName : '(unnamed)')
  if (logicalTableName === undefined) {
    fail('ERR_CONFIG_INVALID', 'ItemEncryptor: set logicalTableName (or tableName); it is bound into every signature and encryption context.')
  }
  checkName(label, 'logicalTableName', logicalTableName)
  if (logicalTableName.startsWith(RESERVED_CONTEXT_VALUE_PREFIX)) {
    fail('ERR_CONFIG_INVALID', `Table "${label}": logicalTableName "${logicalTableName}" may not start with "${RESERVED_CONTEXT_VALUE_PREFIX}" (DB-ESDK refuses such encryption contexts).`)
  }

  const { partitionKeyName, sortKeyName } = config
  checkName(label, 'partitionKeyName', partitionKeyName)
  if (sortKeyName !== undefined) {
    checkName(label, 'sortKeyName', sortKeyName)
    if (sortKeyName === partitionKeyName) fail('ERR_CONFIG_INVALID', `Table "${label}": sortKeyName "${sortKeyName}" is also the partitionKeyName.`)
  }
  for (const key of sortKeyName === undefined ? [partitionKeyName] : [partitionKeyName, sortKeyName]) {
    if (isReservedName(key)) fail('ERR_RESERVED_ATTRIBUTE', `Table "${label}": key attribute "${key}" uses the reserved prefix "${RESERVED_PREFIX}".`)
    if (key.startsWith(RESERVED_CONTEXT_VALUE_PREFIX)) {
      fail('ERR_CONFIG_INVALID', `Table "${label}": key attribute "${key}" may not start with "${RESERVED_CONTEXT_VALUE_PREFIX}" (it is an encryption context value).`)
    }
  }

  const rawActions = config.attributeActionsOnEncrypt
  if (typeof rawActions !== 'object' || rawActions === null || Array.isArray(rawActions)) {
    fail('ERR_CONFIG_INVALID', `Table "${label}": attributeActionsOnEncrypt must be an object mapping attribute names to actions.`)
  }
  const actions = new Map<string, CryptoAction>()
  for (const [name, action] of Object.entries(rawActions)) {
    checkName(label, 'an attribute name in attributeActionsOnEncrypt', name)
    if (typeof action !== 'string' || !ACTIONS.has(action)) {
      fail('ERR_CONFIG_INVALID', `Table "${label}": attribute "${name}" has unknown action "${String(action)}"; use ENCRYPT_AND_SIGN, SIGN_ONLY, SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT or DO_NOTHING.`)
    }
    if (isReservedName(name)) fail('ERR_RESERVED_ATTRIBUTE', `Table "${label}": attribute "${name}" uses the reserved prefix "${RESERVED_PREFIX}"; rename it.`)
    if (name.startsWith(RESERVED_CONTEXT_VALUE_PREFIX)) {
      fail(
        'ERR_RESERVED_ATTRIBUTE',
        `Table "${label}": attribute "${name}" uses the prefix "${RESERVED_CONTEXT_VALUE_PREFIX}" of encryption context keys; DB-ESDK refuses to configure such attributes, so its readers could not share this config. Rename it.`,
      )
    }
    if (GLOBAL_TABLE_ATTRIBUTES.has(name) && action !== 'DO_NOTHING') {
      fail('ERR_RESERVED_ATTRIBUTE', `Table "${label}": attribute "${name}" is written by DynamoDB global tables after signing and cannot be ${action}; remove it from attributeActionsOnEncrypt.`)
    }
    actions.set(name, action as CryptoAction)
  }

  const allowedUnsignedList = config.allowedUnsignedAttributes ?? []
  if (!Array.isArray(allowedUnsignedList)) fail('ERR_CONFIG_INVALID', `Table "${label}": allowedUnsignedAttributes must be an array of attribute names.`)
  for (const name of allowedUnsignedList) checkName(label, 'an entry of allowedUnsignedAttributes', name)
  const allowedUnsigned = new Set(allowedUnsignedList)
  const prefix = config.allowedUnsignedAttributePrefix
  if (prefix !== undefined) checkName(label, 'allowedUnsignedAttributePrefix', prefix)
  const isAllowedUnsigned = (name: string): boolean => allowedUnsigned.has(name) || (prefix !== undefined && name.startsWith(prefix))

  const version: 1 | 2 = [...actions.values()].includes('SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT') ? 2 : 1
  for (const [field, key] of [['partition', partitionKeyName], ['sort', sortKeyName]] as const) {
    if (key === undefined) continue
    const action = actions.get(key)
    if (action !== 'SIGN_ONLY' && action !== 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT') {
      fail('ERR_KEY_ACTION_INVALID', `Table "${label}": ${field} key "${key}" has action ${action ?? '(none)'}; key attributes must be SIGN_ONLY or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT.`)
    }
    if (version === 2 && action !== 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT') {
      fail('ERR_KEY_ACTION_INVALID', `Table "${label}": ${field} key "${key}" must be SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT because other attributes are.`)
    }
  }

  for (const [name, action] of actions) {
    if (action === 'DO_NOTHING') {
      if (!isAllowedUnsigned(name) && !GLOBAL_TABLE_ATTRIBUTES.has(name)) {
        fail('ERR_DO_NOTHING_NOT_ALLOWED_UNSIGNED', `Table "${label}": attribute "${name}" is DO_NOTHING but not in allowedUnsignedAttributes or under allowedUnsignedAttributePrefix; add it there so readers know it is unsigned.`)
      }
    } else if (isAllowedUnsigned(name)) {
      fail('ERR_UNSIGNED_CONFLICT', `Table "${label}": attribute "${name}" is ${action} but also allowed unsigned (allowedUnsignedAttributes or allowedUnsignedAttributePrefix); an attribute is either signed or not.`)
    }
  }

  const suite = suiteFromName(config.algorithmSuiteId)
  const keyring = toDbeKeyring(config.keyring)

  const pathCache = new Map<string, Buffer>()
  const canonicalRank = new Map<string, number>()
  for (const name of sortCanonical(new Set([...actions.keys(), partitionKeyName, ...(sortKeyName === undefined ? [] : [sortKeyName])]))) {
    pathCache.set(name, canonicalPath(logicalTableName, name))
    canonicalRank.set(name, canonicalRank.size)
  }

  return Object.freeze({
    tableLabel: label,
    logicalTableName,
    partitionKeyName,
    sortKeyName,
    actions,
    allowedUnsigned,
    allowedUnsignedPrefix: prefix,
    suite,
    keyring,
    version,
    contextAttributes: sortCanonical([...actions].filter(([, action]) => action === 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT').map(([name]) => name)),
    pathCache,
    canonicalRank,
    signingKeys: suite.signed ? new SigningKeyReserve() : undefined,
  })
}

/** On decrypt, everything is signed except what the config allows unsigned, `aws_dbe_*` and global-table attributes. */
export function isSignedOnRead(config: ResolvedConfig, name: string): boolean {
  if (isReservedName(name) || GLOBAL_TABLE_ATTRIBUTES.has(name)) return false
  if (config.allowedUnsigned.has(name)) return false
  return config.allowedUnsignedPrefix === undefined || !name.startsWith(config.allowedUnsignedPrefix)
}

/**
 * `names` (distinct) in canonical order, sorted in place: configured names by their rank, any other name by
 * `compareCanonical`, which the ranks agree with.
 */
export function sortByCanonicalOrder(config: ResolvedConfig, names: string[]): string[] {
  const rank = config.canonicalRank
  return names.sort((a, b) => {
    const rankA = rank.get(a)
    const rankB = rank.get(b)
    return rankA !== undefined && rankB !== undefined ? rankA - rankB : compareCanonical(a, b)
  })
}

export function pathOf(config: ResolvedConfig, name: string): Buffer {
  return config.pathCache.get(name) ?? canonicalPath(config.logicalTableName, name)
}
