import { CreateTableCommand, PutItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import {
  createBranchKeyStoreTable,
  dynamoDbBranchKeyStore,
  type DynamoDbBranchKeyStore,
  type KeyStoreKmsConfiguration,
} from '../../lib/materials/key-store'
import { ddbEndpoint, localCredentials, uniqueTableName } from '../setup/dynamodb'
import type { KmsFixture } from '../keyrings/local-kms-fixture'

export function ddbConfig(region: string): DynamoDBClientConfig {
  return { endpoint: ddbEndpoint(), region, credentials: { ...localCredentials } }
}

export function storeFor(
  fx: KmsFixture,
  tableName: string,
  kmsConfiguration: KeyStoreKmsConfiguration,
  region: string,
  logicalKeyStoreName = 'orders-keys',
): DynamoDbBranchKeyStore {
  return dynamoDbBranchKeyStore({
    tableName,
    logicalKeyStoreName,
    kmsConfiguration,
    ddbClientConfig: ddbConfig(region),
    kmsClientConfig: 'discovery' in kmsConfiguration ? { ...fx.clientConfig, region } : fx.clientConfig,
  })
}

/** A fresh key store table in us-east-1 with a store configured with the east MRK ARN. */
export async function newEastStore(fx: KmsFixture, logicalKeyStoreName?: string): Promise<DynamoDbBranchKeyStore> {
  const store = storeFor(fx, uniqueTableName('keys'), { kmsMRKeyArn: fx.mrkEast }, 'us-east-1', logicalKeyStoreName)
  await createBranchKeyStoreTable(store)
  return store
}

/**
 * What global-table replication does to the key store: every item of the table in `from` copied to the table of the
 * same name in `to` (DynamoDB Local keeps one database per Region).
 */
export async function replicateTable(tableName: string, from: DynamoDBClient, to: DynamoDBClient): Promise<number> {
  const items: Record<string, AttributeValue>[] = []
  let start: Record<string, AttributeValue> | undefined
  for (let page = 0; page < 100; page++) {
    const out = await from.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }))
    items.push(...(out.Items ?? []))
    start = out.LastEvaluatedKey
    if (start === undefined) break
  }
  await to
    .send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'branch-key-id', KeyType: 'HASH' },
          { AttributeName: 'type', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'branch-key-id', AttributeType: 'S' },
          { AttributeName: 'type', AttributeType: 'S' },
        ],
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ResourceInUseException') throw error
    })
  for (const item of items) await to.send(new PutItemCommand({ TableName: tableName, Item: item }))
  return items.length
}
