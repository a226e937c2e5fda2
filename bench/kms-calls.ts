import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import {
  awsKmsMrkKeyring,
  createBranchKey,
  createBranchKeyStoreTable,
  dynamoDbBranchKeyStore,
  EncryptedDocumentClient,
  hierarchicalKeyring,
  type DynamoDbBranchKeyStore,
  type Keyring,
} from '../lib'
import { makeItem, nativeItem, tableConfig } from './items'
import { batchWrite, copyTable, createDataTable, EAST, WEST, type LocalStack } from './stack'

export interface KmsCallCount {
  kmsCalls: number
  perThousandItems: number
  /** e.g. `us-east-1 Decrypt: 1` */
  byRegionAndOperation: Record<string, number>
}

export interface KmsCallRow {
  keyring: 'awsKmsMrkKeyring' | 'hierarchicalKeyring'
  /** How the branch keys were stored: the DynamoDB key store (replicated to the reading Region) for the hierarchy. */
  setup: string
  items: number
  written: KmsCallCount
  read: KmsCallCount
  totalKmsCalls: number
}

function counter(stack: LocalStack): () => KmsCallCount & { items?: number } {
  const start = stack.kms.calls().length
  return () => {
    const calls = stack.kms.calls().slice(start)
    const byRegionAndOperation: Record<string, number> = {}
    for (const call of calls) {
      const key = `${call.region} ${call.operation}`
      byRegionAndOperation[key] = (byRegionAndOperation[key] ?? 0) + 1
    }
    return { kmsCalls: calls.length, perThousandItems: 0, byRegionAndOperation }
  }
}

/**
 * `items` 1 KB items (suite 0x6700) written in us-east-1 through EncryptedDocumentClient, the stored items copied to
 * us-west-2 as global-table replication would, and read there with a Scan through EncryptedDocumentClient whose keyring
 * uses the us-west-2 replica of the key. The local KMS's call log counts every call.
 */
async function writeAndReadAcrossRegions(
  stack: LocalStack,
  tableName: string,
  items: number,
  writerKeyring: Keyring,
  readerKeyring: Keyring,
): Promise<{ written: KmsCallCount; read: KmsCallCount }> {
  const east = new DynamoDBClient(stack.ddbConfig(EAST))
  const west = new DynamoDBClient(stack.ddbConfig(WEST))
  const plainEast = new DynamoDBClient(stack.ddbConfig(EAST))
  const plainWest = new DynamoDBClient(stack.ddbConfig(WEST))
  try {
    await createDataTable(plainEast, tableName)
    const writer = EncryptedDocumentClient.from(east, { tables: { [tableName]: tableConfig('0x6700', writerKeyring) } })
    const reader = EncryptedDocumentClient.from(west, { tables: { [tableName]: tableConfig('0x6700', readerKeyring) } })
    const template = makeItem(1024)
    const batch = Array.from({ length: items }, (_, i) => nativeItem({ ...template, sk: { N: String(i) } }))

    const writing = counter(stack)
    await batchWrite(writer, tableName, batch)
    const written = writing()

    await copyTable(plainEast, plainWest, tableName, (client) => createDataTable(client, tableName))

    const reading = counter(stack)
    let seen = 0
    let start: Record<string, unknown> | undefined
    for (let page = 0; page < 100_000; page++) {
      const out = await reader.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }))
      seen += out.Items?.length ?? 0
      start = out.LastEvaluatedKey
      if (start === undefined) break
    }
    const read = reading()
    if (seen !== items) throw new Error(`${tableName}: read ${seen} items in ${WEST}, wrote ${items}`)
    for (const count of [written, read]) count.perThousandItems = (count.kmsCalls * 1000) / items
    return { written, read }
  } finally {
    for (const client of [east, west, plainEast, plainWest]) client.destroy()
  }
}

export async function measureKmsCalls(stack: LocalStack, keyStore: BenchKeyStore, counts: { mrk: number; hierarchy: number }, log: (line: string) => void): Promise<KmsCallRow[]> {
  const rows: KmsCallRow[] = []

  const mrk = await writeAndReadAcrossRegions(
    stack,
    'bench-mrk',
    counts.mrk,
    awsKmsMrkKeyring({ keyArn: stack.mrkEast, kmsClientConfig: stack.kmsClientConfig }),
    awsKmsMrkKeyring({ keyArn: stack.mrkEast, region: WEST, kmsClientConfig: stack.kmsClientConfig }),
  )
  rows.push({ keyring: 'awsKmsMrkKeyring', setup: 'MRK written with the us-east-1 key, read with the us-west-2 replica', items: counts.mrk, ...mrk, totalKmsCalls: mrk.written.kmsCalls + mrk.read.kmsCalls })

  const { branchKeyId, eastStore, westStore } = keyStore
  const hierarchy = await writeAndReadAcrossRegions(
    stack,
    'bench-hierarchy',
    counts.hierarchy,
    hierarchicalKeyring({ branchKeyId, keyStore: eastStore }),
    hierarchicalKeyring({ branchKeyId, keyStore: westStore }),
  )
  rows.push({
    keyring: 'hierarchicalKeyring',
    setup: 'DynamoDB branch key store (kmsMRKeyArn), table replicated us-east-1 → us-west-2; branch key created before counting',
    items: counts.hierarchy,
    ...hierarchy,
    totalKmsCalls: hierarchy.written.kmsCalls + hierarchy.read.kmsCalls,
  })
  for (const row of rows) {
    const detail = (count: KmsCallCount) => JSON.stringify(count.byRegionAndOperation)
    log(
      `  ${row.keyring.padEnd(20)} ${row.items} items: written ${row.written.kmsCalls} calls (${row.written.perThousandItems.toFixed(1)}/1,000), ` +
        `read ${row.read.kmsCalls} (${row.read.perThousandItems.toFixed(1)}/1,000), total ${row.totalKmsCalls}  written ${detail(row.written)} read ${detail(row.read)}`,
    )
  }
  return rows
}

export interface BenchKeyStore {
  branchKeyId: string
  eastStore: DynamoDbBranchKeyStore
  westStore: DynamoDbBranchKeyStore
}

const KEY_STORE_TABLE = 'bench-branch-keys'

/** The bench's key store in one Region, configured with that Region's MRK (`kmsMRKeyArn`). */
export function benchBranchKeyStore(ddbClientConfig: DynamoDBClientConfig, kmsClientConfig: KMSClientConfig, keyArn: string): DynamoDbBranchKeyStore {
  return dynamoDbBranchKeyStore({
    tableName: KEY_STORE_TABLE,
    logicalKeyStoreName: KEY_STORE_TABLE,
    kmsConfiguration: { kmsMRKeyArn: keyArn },
    ddbClientConfig,
    kmsClientConfig,
  })
}

/**
 * The DynamoDB branch key store: created in us-east-1 under the east MRK, the table replicated to us-west-2, where the
 * store is configured with the west replica (kmsMRKeyArn), as for a key store global table.
 */
export async function setUpBranchKeyStore(stack: LocalStack): Promise<BenchKeyStore> {
  const store = (region: string, keyArn: string) => benchBranchKeyStore(stack.ddbConfig(region), stack.kmsClientConfig, keyArn)
  const eastStore = store(EAST, stack.mrkEast)
  await createBranchKeyStoreTable(eastStore)
  const branchKeyId = await createBranchKey(eastStore)
  const westStore = store(WEST, stack.mrkWest)
  await createBranchKeyStoreTable(westStore)
  const eastClient = new DynamoDBClient(stack.ddbConfig(EAST))
  const westClient = new DynamoDBClient(stack.ddbConfig(WEST))
  try {
    await copyTable(eastClient, westClient, KEY_STORE_TABLE, async () => undefined)
  } finally {
    eastClient.destroy()
    westClient.destroy()
  }
  return { branchKeyId, eastStore, westStore }
}
