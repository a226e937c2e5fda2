import { GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createLocalGlobalTable, type LocalGlobalTableHandle, type LocalGlobalTableOptions } from '../../lib/local/global-table'
import { ddbEndpoint, localCredentials, newDynamoDBClient, testTableInput, uniqueTableName } from '../setup/dynamodb'

export type Item = Record<string, AttributeValue>

export const THREE_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const

export interface GlobalTableFixture {
  table: LocalGlobalTableHandle
  tableName: string
  client: Record<string, DynamoDBClient>
  close(): Promise<void>
}

/** A global table on the jest-started DynamoDB Local, and a plain client per Region. */
export async function globalTable(
  regions: readonly string[] = THREE_REGIONS,
  extra: Partial<LocalGlobalTableOptions> & { sortKey?: boolean } = {},
): Promise<GlobalTableFixture> {
  const { sortKey, ...options } = extra
  const tableName = uniqueTableName('global')
  const table = await createLocalGlobalTable({
    endpoint: ddbEndpoint(),
    credentials: { ...localCredentials },
    regions,
    table: testTableInput(tableName, { partitionKey: { name: 'pk' }, ...(sortKey === true ? { sortKey: { name: 'sk', type: 'N' as const } } : {}) }),
    ...options,
  })
  const client = Object.fromEntries(regions.map((region) => [region, newDynamoDBClient(region)]))
  return {
    table,
    tableName,
    client,
    close: async () => {
      await table.close()
      for (const each of Object.values(client)) each.destroy()
    },
  }
}

export async function getItem(client: DynamoDBClient, tableName: string, key: Item): Promise<Item | undefined> {
  return (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item
}

export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = []
  let start: Item | undefined
  for (let page = 0; page < 1_000; page++) {
    const output = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start === undefined ? {} : { ExclusiveStartKey: start }) }))
    items.push(...(output.Items ?? []))
    start = output.LastEvaluatedKey
    if (start === undefined) break
  }
  return items
}

/** Items sorted by partition key (then sort key), for order-independent comparison. */
export function byKey(items: Item[]): Item[] {
  const keyText = (item: Item) => `${item.pk?.S ?? ''}\u0000${item.sk?.N ?? ''}`
  return [...items].sort((a, b) => (keyText(a) < keyText(b) ? -1 : keyText(a) > keyText(b) ? 1 : 0))
}
