import { randomUUID } from 'node:crypto'
import { ConfigError } from '../../errors'
import type { EncryptionContext } from '../keyring'
import { printablePrefix } from '../keyrings/diagnostics'
import { contextOf, type KeyStoreContext } from './context'
import type { DynamoDbBranchKeyStore } from './dynamodb-branch-key-store'
import { generateWrappedKey, reEncryptWrappedKey } from './kms-operations'
import { branchKeyItem } from './record'
import {
  ACTIVE_TYPE,
  ACTIVE_VERSION,
  BEACON_TYPE,
  BRANCH_KEY_ID,
  CREATE_TIME,
  createTimestamp,
  CUSTOM_CONTEXT_PREFIX,
  HIERARCHY_VERSION,
  KMS_ARN,
  SUPPORTED_HIERARCHY_VERSION,
  TABLE_NAME,
  TYPE,
  VERSION_TYPE_PREFIX,
} from './record-format'
import { writeItems } from './transact'

export interface CreateBranchKeyOptions {
  /**
   * Default: a new UUID. When you choose the id (e.g. one per tenant), the AWS key store also requires an
   * `encryptionContext`, so that a chosen id is always bound to something you can check.
   */
  branchKeyId?: string
  /** Stored as `aws-crypto-ec:<key>` attributes and bound into the KMS encryption context of every version. */
  encryptionContext?: Record<string, string>
}

/**
 * Creates a branch key (its first version, the ACTIVE item and the beacon key) under the key store's configured KMS key:
 * two GenerateDataKeyWithoutPlaintext and one ReEncrypt, then one TransactWriteItems that fails with ERR_CONFLICT if the
 * id exists. Returns the branch key id.
 */
export async function createBranchKey(keyStore: DynamoDbBranchKeyStore, options: CreateBranchKeyOptions = {}): Promise<string> {
  const context = contextOf(keyStore, 'createBranchKey')
  const keyArn = requireKeyArn(context, 'createBranchKey')
  const { branchKeyId = randomUUID(), encryptionContext } = options
  if (typeof branchKeyId !== 'string' || branchKeyId === '') {
    throw new ConfigError('ERR_CONFIG_INVALID', 'createBranchKey: branchKeyId must be a non-empty string (or omitted for a new UUID).')
  }
  if (options.branchKeyId !== undefined && (encryptionContext === undefined || Object.keys(encryptionContext).length === 0)) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `createBranchKey: when you choose the branch key id ("${printablePrefix(branchKeyId)}"), also give a non-empty encryptionContext ` +
        "(for example { tenant: '…' }): the AWS key store requires it.",
    )
  }
  const version = randomUUID()
  const decryptOnly: EncryptionContext = {
    [BRANCH_KEY_ID]: branchKeyId,
    [TYPE]: VERSION_TYPE_PREFIX + version,
    [CREATE_TIME]: createTimestamp(),
    [TABLE_NAME]: context.logicalKeyStoreName,
    [KMS_ARN]: keyArn,
    [HIERARCHY_VERSION]: SUPPORTED_HIERARCHY_VERSION,
    ...prefixedCustomContext(encryptionContext ?? {}),
  }
  const active = activeContextOf(decryptOnly)
  const beacon: EncryptionContext = { ...decryptOnly, [TYPE]: BEACON_TYPE }

  const decryptOnlyKey = await generateWrappedKey(context, keyArn, decryptOnly, 'new branch key version')
  const activeKey = await reEncryptWrappedKey(context, keyArn, decryptOnlyKey, decryptOnly, active, 'ACTIVE branch key')
  const beaconKey = await generateWrappedKey(context, keyArn, beacon, 'beacon key')

  const ifAbsent = { ConditionExpression: 'attribute_not_exists(#bkid)', ExpressionAttributeNames: { '#bkid': BRANCH_KEY_ID } }
  await writeItems(
    context,
    [
      { Put: { TableName: context.tableName, Item: branchKeyItem(decryptOnly, decryptOnlyKey), ...ifAbsent } },
      { Put: { TableName: context.tableName, Item: branchKeyItem(active, activeKey), ...ifAbsent } },
      { Put: { TableName: context.tableName, Item: branchKeyItem(beacon, beaconKey), ...ifAbsent } },
    ],
    `createBranchKey: branch key "${printablePrefix(branchKeyId)}" already exists in ${context.tableName}; use versionBranchKey to rotate it.`,
  )
  return branchKeyId
}

/** The ACTIVE item's context: the version's context with `type` = `branch:ACTIVE` and `version` = its version type. */
export function activeContextOf(decryptOnly: EncryptionContext): EncryptionContext {
  return { ...decryptOnly, [TYPE]: ACTIVE_TYPE, [ACTIVE_VERSION]: decryptOnly[TYPE] as string }
}

export function requireKeyArn(context: KeyStoreContext, operation: string): string {
  if (context.kms.keyArn === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `${operation}: the key store is configured with ${context.kms.description}, which can only read; configure kmsKeyArn or kmsMRKeyArn to create or rotate branch keys.`,
    )
  }
  return context.kms.keyArn
}

function prefixedCustomContext(custom: Record<string, string>): EncryptionContext {
  if (typeof custom !== 'object' || custom === null) throw new ConfigError('ERR_CONFIG_INVALID', 'createBranchKey: encryptionContext must be an object of strings.')
  const prefixed: EncryptionContext = {}
  for (const [key, value] of Object.entries(custom)) {
    if (key === '' || typeof value !== 'string') {
      throw new ConfigError('ERR_CONFIG_INVALID', `createBranchKey: encryptionContext entry "${printablePrefix(key)}" must have a non-empty key and a string value.`)
    }
    // The prefix keeps custom keys apart from the record's own attributes.
    prefixed[CUSTOM_CONTEXT_PREFIX + key] = value
  }
  return prefixed
}
