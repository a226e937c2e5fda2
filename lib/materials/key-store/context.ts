import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms'
import { ConfigError } from '../../errors'
import { USER_AGENT } from '../../version'
import type { ResolvedKmsConfiguration } from './kms-configuration'

/** What the key store operations share; kept off the public object so that only this module's helpers reach it. */
export interface KeyStoreContext {
  tableName: string
  logicalKeyStoreName: string
  kms: ResolvedKmsConfiguration
  kmsClient: KMSClient
  ddbClient: DynamoDBClient
  grantTokens: string[] | undefined
}

const contexts = new WeakMap<object, KeyStoreContext>()

export function attachContext(store: object, context: KeyStoreContext): void {
  contexts.set(store, context)
}

export function contextOf(store: unknown, operation: string): KeyStoreContext {
  const context = typeof store === 'object' && store !== null ? contexts.get(store) : undefined
  if (context === undefined) {
    throw new ConfigError('ERR_CONFIG_INVALID', `${operation}: expected a key store built by dynamoDbBranchKeyStore(...).`)
  }
  return context
}

/** The spec asks key stores to announce themselves to KMS as `aws-kms-hierarchy`; we add our own name too. */
const KEY_STORE_USER_AGENT: [string] = ['aws-kms-hierarchy']

export function keyStoreKmsClient(region: string | undefined, config: KMSClientConfig | undefined): KMSClient {
  const clientRegion = config?.region ?? region
  if (clientRegion === undefined) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: with kmsConfiguration discovery, set kmsClientConfig.region (the Region of the KMS calls).')
  }
  if (region !== undefined && config?.region !== undefined && config.region !== region) {
    // Also refuses a Region provider function: the KMS configuration already fixes the Region.
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `dynamoDbBranchKeyStore: kmsClientConfig.region ${config.region} contradicts the KMS configuration's Region ${region}; leave it unset.`,
    )
  }
  return new KMSClient({ ...config, region: clientRegion, customUserAgent: [...userAgentOf(config?.customUserAgent), KEY_STORE_USER_AGENT, USER_AGENT] })
}

export function keyStoreDynamoDbClient(region: string | undefined, config: DynamoDBClientConfig | undefined): DynamoDBClient {
  const clientRegion = config?.region ?? region
  if (clientRegion === undefined) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: with kmsConfiguration discovery, set ddbClientConfig.region (the Region of the key store table).')
  }
  return new DynamoDBClient({ ...config, region: clientRegion, customUserAgent: [...userAgentOf(config?.customUserAgent), USER_AGENT] })
}

type UserAgent = Exclude<NonNullable<KMSClientConfig['customUserAgent']>, string>

function userAgentOf(custom: KMSClientConfig['customUserAgent']): UserAgent {
  if (custom === undefined) return []
  return typeof custom === 'string' ? [[custom]] : custom
}
