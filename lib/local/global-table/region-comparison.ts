import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { canonicalItem, keyOf, type Item } from './item-identity'

export interface RegionComparison {
  /** Items (by key) that are missing from, or different in, at least one Region. */
  readonly differingItems: number
  readonly itemsPerRegion: Record<string, number>
}

const SCAN_PAGES_MAX = 100_000

/** Full consistent scans of every Region's table, compared item by item. */
export async function compareRegions(clients: ReadonlyMap<string, DynamoDBClient>, tableName: string, keyNames: readonly string[]): Promise<RegionComparison> {
  const contents = await Promise.all([...clients].map(async ([region, client]) => [region, await scanAll(client, tableName, keyNames)] as const))
  const allKeys = new Set(contents.flatMap(([, items]) => [...items.keys()]))
  let differingItems = 0
  for (const key of allKeys) {
    const images = new Set(contents.map(([, items]) => items.get(key)))
    if (images.size > 1 || images.has(undefined)) differingItems++
  }
  return { differingItems, itemsPerRegion: Object.fromEntries(contents.map(([region, items]) => [region, items.size])) }
}

/** key text → image text */
async function scanAll(client: DynamoDBClient, tableName: string, keyNames: readonly string[]): Promise<Map<string, string>> {
  const items = new Map<string, string>()
  let exclusiveStartKey: Item | undefined
  for (let page = 0; page < SCAN_PAGES_MAX; page++) {
    const output = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }) }))
    for (const item of output.Items ?? []) items.set(canonicalItem(keyOf(item, keyNames)), canonicalItem(item))
    exclusiveStartKey = output.LastEvaluatedKey
    if (exclusiveStartKey === undefined) break
  }
  return items
}
