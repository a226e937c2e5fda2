import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { KMS, type KMSClientConfig } from '@aws-sdk/client-kms'
import { startDynamoDBLocal, startLocalKms, type DynamoDBLocalHandle, type LocalKms } from '../lib/local'
import { PARTITION_KEY, SORT_KEY } from './items'

export const EAST = 'us-east-1'
export const WEST = 'us-west-2'
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'local' }

/** DynamoDB Local and the local KMS, with one multi-Region key (primary in us-east-1, replica in us-west-2). */
export interface LocalStack {
  ddb: DynamoDBLocalHandle
  kms: LocalKms
  kmsClientConfig: KMSClientConfig
  mrkEast: string
  mrkWest: string
  ddbConfig(region: string): DynamoDBClientConfig
  close(): Promise<void>
}

export async function startStack(): Promise<LocalStack> {
  const [ddb, kms] = await Promise.all([startDynamoDBLocal(), startLocalKms()])
  const kmsClientConfig: KMSClientConfig = { endpoint: kms.endpoint, credentials: { ...kms.credentials }, maxAttempts: 1 }
  const east = new KMS({ ...kmsClientConfig, region: EAST })
  const west = new KMS({ ...kmsClientConfig, region: WEST })
  try {
    const mrkEast = (await east.createKey({ MultiRegion: true, Description: 'bench MRK' })).KeyMetadata?.Arn as string
    const mrkWest = (await east.replicateKey({ KeyId: mrkEast, ReplicaRegion: WEST })).ReplicaKeyMetadata?.Arn as string
    for (let attempt = 0; (await west.describeKey({ KeyId: mrkWest })).KeyMetadata?.KeyState !== 'Enabled'; attempt++) {
      if (attempt > 100) throw new Error(`replica ${mrkWest} never became Enabled`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return {
      ddb,
      kms,
      kmsClientConfig,
      mrkEast,
      mrkWest,
      ddbConfig: (region) => ({ endpoint: ddb.endpoint, region, credentials: { ...CREDENTIALS }, maxAttempts: 3 }),
      close: async () => {
        await Promise.all([ddb.close(), kms.close()])
      },
    }
  } finally {
    east.destroy()
    west.destroy()
  }
}

/** A data table with the bench key schema (pk S, sk N). */
export async function createDataTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: SORT_KEY, AttributeType: 'N' },
      ],
    }),
  )
}

/** BatchWrite in chunks of 25, a few batches in flight, unprocessed items retried (bounded). */
export async function batchWrite(client: DynamoDBDocumentClient, tableName: string, items: ReadonlyArray<Record<string, unknown>>, inFlight = 4): Promise<void> {
  const chunks: Array<Array<Record<string, unknown>>> = []
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25))
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      let requests = chunks[next++].map((Item) => ({ PutRequest: { Item } }))
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= 20) throw new Error(`BatchWrite to ${tableName}: items still unprocessed after ${attempt} attempts`)
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }))
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

/** What global-table replication does: every stored item of `tableName` copied as is from one Region to another. */
export async function copyTable(from: DynamoDBClient, to: DynamoDBClient, tableName: string, createTarget: (client: DynamoDBClient) => Promise<void>): Promise<number> {
  await createTarget(to)
  let copied = 0
  let start: Record<string, AttributeValue> | undefined
  for (let page = 0; page < 100_000; page++) {
    const out = await from.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }))
    // Raw AttributeValue maps through the low-level client: the stored bytes, never decrypted.
    const items = out.Items ?? []
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }))
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= 20) throw new Error(`copy of ${tableName}: items still unprocessed after ${attempt} attempts`)
        const res = await to.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }))
        requests = (res.UnprocessedItems?.[tableName] ?? []) as typeof requests
      }
    }
    copied += items.length
    start = out.LastEvaluatedKey
    if (start === undefined) break
  }
  return copied
}
