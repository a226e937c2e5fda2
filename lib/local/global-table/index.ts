import { DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import { EncryptorError } from '../../errors'
import { compareRegions, type RegionComparison } from './region-comparison'
import { createRegionTables } from './region-tables'
import type { RegionReplicationStats } from './replication-state'
import { Replicator } from './replicator'
import { StreamReader } from './stream-reader'

export type { RegionReplicationStats } from './replication-state'

export interface LocalGlobalTableOptions {
  /** A DynamoDB Local started without -sharedDb, so that each Region is a database of its own. */
  endpoint: string
  /** DynamoDB Local keeps one database per access key id: use the same key id in the clients that read and write. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Two or more Regions; the table is created in each. */
  regions: readonly string[]
  /** The table to create; its StreamSpecification is set to NEW_AND_OLD_IMAGES. */
  table: CreateTableCommandInput
  /** How often each Region's stream is read. Default 100 ms (10 to 5,000). */
  pollIntervalMs?: number
  /** Simulated replication lag: a write reaches the other Regions no sooner than this after it was read. Default 0. */
  replicationDelayMs?: number
}

export interface LocalGlobalTableHandle {
  readonly tableName: string
  readonly regions: readonly string[]
  /**
   * Resolves once the replicator has drained every stream and every Region holds the same items (compared by
   * full scans); rejects with ERR_LOCAL_STACK naming the Regions and the number of differing items at the timeout.
   */
  waitForReplication(timeoutMs?: number): Promise<void>
  /** Counters per Region since creation; see RegionReplicationStats. */
  stats(): Record<string, RegionReplicationStats>
  /** Stops replicating and waits for the writes in flight. The tables stay. Idempotent. */
  close(): Promise<void>
}

const DEFAULT_POLL_INTERVAL_MS = 100
const DEFAULT_WAIT_TIMEOUT_MS = 10_000

/**
 * A global table on one DynamoDB Local, replicated like DynamoDB global tables version 2019.11.21: every put,
 * update and delete in one Region reaches all the others as a whole item; concurrent writes of an item resolve
 * last-writer-wins by write time; replicated writes are not replicated back; no attribute is added to items.
 */
export async function createLocalGlobalTable(options: LocalGlobalTableOptions): Promise<LocalGlobalTableHandle> {
  const { tableName, regions, pollIntervalMs, replicationDelayMs } = validated(options)
  const clientConfig = (region: string) => ({ endpoint: options.endpoint, region, credentials: { ...options.credentials } })
  const tables = new Map(regions.map((region) => [region, new DynamoDBClient(clientConfig(region))]))
  const streamClients = new Map(regions.map((region) => [region, new DynamoDBStreamsClient(clientConfig(region))]))
  const destroyClients = (): void => {
    for (const client of [...tables.values(), ...streamClients.values()]) client.destroy()
  }

  let keyNames: string[]
  let streams: Map<string, StreamReader>
  try {
    const created = await createRegionTables(tables, options.table)
    keyNames = created.keyNames
    streams = new Map(created.tables.map(({ region, streamArn }) => [region, new StreamReader(streamClients.get(region) as DynamoDBStreamsClient, streamArn)]))
  } catch (error) {
    destroyClients()
    throw error
  }

  const replicator = new Replicator({ tableName, regions, tables, streams, pollIntervalMs, replicationDelayMs })
  replicator.start()
  let closing: Promise<void> | undefined

  const waitForReplication = async (timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> => {
    const deadlineMs = Date.now() + timeoutMs
    let comparison: RegionComparison | undefined
    while (Date.now() < deadlineMs) {
      if (!(await replicator.waitForIdleCycle(deadlineMs))) break
      comparison = await compareRegions(tables, tableName, keyNames)
      if (comparison.differingItems === 0) return
    }
    if (replicator.isStopped) {
      throw new EncryptorError('ERR_LOCAL_STACK', `Global table ${tableName}: waitForReplication after close(); replication has stopped.`)
    }
    comparison = await compareRegions(tables, tableName, keyNames)
    throw replicationTimeout(tableName, regions, timeoutMs, comparison, replicator)
  }

  return {
    tableName,
    regions,
    waitForReplication,
    stats: () => replicator.stats(),
    close: () => (closing ??= replicator.stop().finally(destroyClients)),
  }
}

function replicationTimeout(tableName: string, regions: readonly string[], timeoutMs: number, comparison: RegionComparison, replicator: Replicator): EncryptorError {
  const counts = regions.map((region) => `${region} ${comparison.itemsPerRegion[region] ?? 0}`).join(', ')
  const { unsettledItems, outstandingEchoes, trimmedReads } = replicator.backlog()
  const lastError = replicator.lastError === undefined ? '' : ` Last error: ${replicator.lastError}.`
  const trimmed = trimmedReads === 0 ? '' : ` Stream records were trimmed before they were read ${trimmedReads} time(s): those changes cannot be replicated.`
  return new EncryptorError(
    'ERR_LOCAL_STACK',
    `Global table ${tableName}: Regions ${regions.join(', ')} still differ in ${comparison.differingItems} item(s) after ${timeoutMs} ms ` +
      `(items per Region: ${counts}; replicator backlog: ${unsettledItems} item(s) to bring to other Regions, ${outstandingEchoes} replicated write(s) not yet read back).` +
      `${trimmed}${lastError} Wait longer, or stop writing before waiting.`,
  )
}

function validated(options: LocalGlobalTableOptions): { tableName: string; regions: string[]; pollIntervalMs: number; replicationDelayMs: number } {
  const fail = (message: string): never => {
    throw new EncryptorError('ERR_LOCAL_STACK', `createLocalGlobalTable: ${message}`)
  }
  const tableName = options.table?.TableName
  if (typeof tableName !== 'string' || tableName === '') fail('table.TableName is required.')
  if (!Array.isArray(options.regions)) fail('regions must be an array of Region names, e.g. ["us-east-1", "us-west-2"].')
  const regions = [...options.regions]
  if (regions.length < 2) fail(`a global table needs at least two Regions; got ${JSON.stringify(regions)}.`)
  for (const region of regions) if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) fail(`${JSON.stringify(region)} is not a Region name like us-east-1.`)
  if (new Set(regions).size !== regions.length) fail(`regions ${JSON.stringify(regions)} lists a Region twice.`)
  const view = options.table.StreamSpecification?.StreamViewType
  if (options.table.StreamSpecification?.StreamEnabled === false || (view !== undefined && view !== 'NEW_AND_OLD_IMAGES')) {
    fail(`table ${String(tableName)} asks for StreamSpecification ${JSON.stringify(options.table.StreamSpecification)}; replication needs a NEW_AND_OLD_IMAGES stream (leave StreamSpecification out).`)
  }
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10 || pollIntervalMs > 5_000) fail(`pollIntervalMs ${pollIntervalMs} is outside 10 to 5000.`)
  const replicationDelayMs = options.replicationDelayMs ?? 0
  if (!Number.isFinite(replicationDelayMs) || replicationDelayMs < 0 || replicationDelayMs > 600_000) fail(`replicationDelayMs ${replicationDelayMs} is outside 0 to 600000.`)
  return { tableName: tableName as string, regions, pollIntervalMs, replicationDelayMs }
}
