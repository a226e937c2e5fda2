import { GetItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DecryptCommand, type KMSClientConfig } from '@aws-sdk/client-kms'
import { ConfigError, KeyringError } from '../../errors'
import type { BranchKeyMaterials, BranchKeyStore } from '../branch-key-store'
import { describeError, printablePrefix } from '../keyrings/diagnostics'
import { attachContext, keyStoreDynamoDbClient, keyStoreKmsClient, type KeyStoreContext } from './context'
import { resolveKmsConfiguration, type KeyStoreKmsConfiguration } from './kms-configuration'
import { readBranchKeyRecord, type BranchKeyRecord } from './record'
import { ACTIVE_TYPE, BRANCH_KEY_ID, BRANCH_KEY_LENGTH, isBranchKeyVersion, TYPE, VERSION_TYPE_PREFIX } from './record-format'

export interface DynamoDbBranchKeyStoreOptions {
  /** The DynamoDB table (key schema `branch-key-id` S HASH, `type` S RANGE; see createBranchKeyStoreTable). */
  tableName: string
  /**
   * Bound into every branch key's KMS encryption context; default: `tableName`. Keep it when the table is restored
   * under another name, and use the same one in every Region of a global key store table.
   */
  logicalKeyStoreName?: string
  kmsConfiguration: KeyStoreKmsConfiguration
  /** Endpoint, credentials, …; the Region defaults to the KMS configuration's. */
  ddbClientConfig?: DynamoDBClientConfig
  /** Endpoint, credentials, …; the Region comes from the KMS configuration (set it here only for `discovery`). */
  kmsClientConfig?: KMSClientConfig
  grantTokens?: string[]
}

/** Public, non-secret facts about a key store. */
export interface DynamoDbBranchKeyStore extends BranchKeyStore {
  readonly tableName: string
  readonly logicalKeyStoreName: string
  /** e.g. `kmsMRKeyArn arn:aws:kms:…` */
  readonly kmsConfigurationDescription: string
}

/**
 * A branch key store in the DynamoDB format of the AWS key store, which the Material Providers Library (DB-ESDK in
 * Java, .NET, Rust, Go, Python) and `@aws-crypto/branch-keystore-node` read and write. Each read is one GetItem and
 * one KMS Decrypt; the hierarchical keyring caches the result.
 */
export function dynamoDbBranchKeyStore(options: DynamoDbBranchKeyStoreOptions): DynamoDbBranchKeyStore {
  const { tableName, logicalKeyStoreName = tableName, kmsConfiguration, ddbClientConfig, kmsClientConfig, grantTokens } =
    options ?? ({} as DynamoDbBranchKeyStoreOptions)
  if (typeof tableName !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: tableName must be a DynamoDB table name (3–255 characters of A-Z a-z 0-9 _ . -).')
  }
  if (typeof logicalKeyStoreName !== 'string' || logicalKeyStoreName === '') {
    throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: logicalKeyStoreName must be a non-empty string (default: the table name).')
  }
  if (grantTokens !== undefined && (!Array.isArray(grantTokens) || !grantTokens.every((token) => typeof token === 'string'))) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: grantTokens must be an array of strings.')
  }
  const kms = resolveKmsConfiguration(kmsConfiguration)
  const context: KeyStoreContext = {
    tableName,
    logicalKeyStoreName,
    kms,
    kmsClient: keyStoreKmsClient(kms.region, kmsClientConfig),
    ddbClient: keyStoreDynamoDbClient(kms.region, ddbClientConfig),
    grantTokens: grantTokens === undefined ? undefined : [...grantTokens],
  }
  const store: DynamoDbBranchKeyStore = Object.freeze({
    tableName,
    logicalKeyStoreName,
    kmsConfigurationDescription: kms.description,
    getActiveBranchKey: (branchKeyId: string) => getBranchKey(context, branchKeyId, ACTIVE_TYPE),
    getBranchKeyVersion: (branchKeyId: string, branchKeyVersion: string) => {
      if (typeof branchKeyVersion !== 'string' || !isBranchKeyVersion(branchKeyVersion)) {
        return Promise.reject(
          new KeyringError('ERR_KEYRING', `Branch key store ${tableName}: branch key version ${printablePrefix(String(branchKeyVersion))} is not a lowercase UUID.`),
        )
      }
      return getBranchKey(context, branchKeyId, VERSION_TYPE_PREFIX + branchKeyVersion)
    },
  })
  attachContext(store, context)
  return store
}

async function getBranchKey(context: KeyStoreContext, branchKeyId: string, type: string): Promise<BranchKeyMaterials> {
  const record = await readRecord(context, branchKeyId, type, false)
  const branchKey = await decryptBranchKey(context, record)
  return { branchKeyId: record.branchKeyId, branchKeyVersion: record.version, branchKey }
}

/** GetItem + record format checks. Not found is ERR_BRANCH_KEY_NOT_FOUND. */
export async function readRecord(context: KeyStoreContext, branchKeyId: string, type: string, consistentRead: boolean): Promise<BranchKeyRecord> {
  if (typeof branchKeyId !== 'string' || branchKeyId === '') {
    throw new KeyringError('ERR_KEYRING', `Branch key store ${context.tableName}: the branch key id must be a non-empty string.`)
  }
  let item
  try {
    const response = await context.ddbClient.send(
      new GetItemCommand({
        TableName: context.tableName,
        Key: { [BRANCH_KEY_ID]: { S: branchKeyId }, [TYPE]: { S: type } },
        ConsistentRead: consistentRead,
      }),
    )
    item = response.Item
  } catch (error) {
    throw new KeyringError('ERR_KEYRING', `Branch key store ${context.tableName}: GetItem of branch key "${printablePrefix(branchKeyId)}" failed: ${describeError(error)}`, {
      cause: error,
    })
  }
  if (item === undefined) {
    throw new KeyringError(
      'ERR_BRANCH_KEY_NOT_FOUND',
      `Branch key store ${context.tableName} has no item ${BRANCH_KEY_ID}=${printablePrefix(branchKeyId)}, ${TYPE}=${printablePrefix(type)}. ` +
        'Create the branch key with createBranchKey, or check the branch key id and table (for a global key store table: has it replicated yet?).',
    )
  }
  return readBranchKeyRecord(item, { tableName: context.tableName, logicalKeyStoreName: context.logicalKeyStoreName, branchKeyId, type })
}

/** KMS Decrypt of `enc` under the item's full encryption context, which authenticates every attribute of the item. */
async function decryptBranchKey(context: KeyStoreContext, record: BranchKeyRecord): Promise<Buffer> {
  const where = `Branch key store ${context.tableName}, branch key "${printablePrefix(record.branchKeyId)}" version ${record.version}`
  const choice = context.kms.decryptKeyId(record.kmsArn)
  if ('refused' in choice) {
    throw new KeyringError('ERR_KEYRING', `${where}: the key store's KMS configuration (${context.kms.description}) refuses this item: ${choice.refused}.`)
  }
  let response
  try {
    response = await context.kmsClient.send(
      new DecryptCommand({
        KeyId: choice.keyId,
        CiphertextBlob: record.encryptedKey,
        EncryptionContext: record.encryptionContext,
        GrantTokens: context.grantTokens,
      }),
    )
  } catch (error) {
    throw new KeyringError('ERR_KEYRING', `${where}: KMS Decrypt with ${choice.keyId} failed: ${describeError(error)}`, { cause: error })
  }
  const plaintext = response.Plaintext
  try {
    // KMS names the key it used; anything but the key we asked for means we are not talking to the KMS we think.
    if (response.KeyId !== choice.keyId) {
      throw new KeyringError('ERR_KEYRING', `${where}: KMS Decrypt answered for key ${printablePrefix(String(response.KeyId))}, not ${choice.keyId}.`)
    }
    if (plaintext === undefined || plaintext.byteLength !== BRANCH_KEY_LENGTH) {
      throw new KeyringError('ERR_KEYRING', `${where}: KMS Decrypt returned ${plaintext?.byteLength ?? 0} bytes, expected a ${BRANCH_KEY_LENGTH}-byte branch key.`)
    }
    return Buffer.from(plaintext)
  } finally {
    plaintext?.fill(0)
  }
}

