import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { canonicalItem } from './item-identity'
import { messageOf } from './region-tables'
import { ReplicationState, type RegionReplicationStats, type WinningWrite } from './replication-state'
import type { StreamReader } from './stream-reader'

export interface ReplicatorConfig {
  readonly tableName: string
  readonly regions: readonly string[]
  readonly tables: ReadonlyMap<string, DynamoDBClient>
  readonly streams: ReadonlyMap<string, StreamReader>
  readonly pollIntervalMs: number
  readonly replicationDelayMs: number
}

interface DueWrite {
  readonly region: string
  readonly keyText: string
  readonly write: WinningWrite
}

const APPLY_CONCURRENCY = 8
const RETRY_BASE_MS = 50
const RETRY_MAX_MS = 2_000

/**
 * One loop for the whole table: read every Region's stream, take the records in, then bring each item's winning
 * write to the Regions that lack it. Reading and writing never overlap, so a replicated write is registered as
 * awaited before its own stream record can be read back.
 */
export class Replicator {
  private readonly state: ReplicationState
  private readonly retryAfter = new Map<string, { attempts: number; notBeforeMs: number }>()
  private readonly idleWaiters = new Set<{ fromCycle: number; done: (idle: boolean) => void }>()
  private cycle = 0
  private stopped = false
  private wakeUp: (() => void) | undefined
  private loop: Promise<void> | undefined
  /** The last failure of a stream read or a replicated write, for error messages. */
  lastError: string | undefined

  constructor(private readonly config: ReplicatorConfig) {
    this.state = new ReplicationState(config.regions)
  }

  start(): void {
    this.loop ??= this.run()
  }

  /** Stops polling and waits for the cycle in progress (its writes included) to finish. */
  async stop(): Promise<void> {
    this.stopped = true
    this.wakeUp?.()
    await this.loop
    for (const waiter of this.idleWaiters) waiter.done(false)
    this.idleWaiters.clear()
  }

  get isStopped(): boolean {
    return this.stopped
  }

  stats(): Record<string, RegionReplicationStats> {
    return Object.fromEntries(Object.entries(this.state.stats).map(([region, stats]) => [region, { ...stats }]))
  }

  /** Work still open, for error messages. */
  backlog(): { unsettledItems: number; outstandingEchoes: number; trimmedReads: number } {
    let trimmedReads = 0
    for (const reader of this.config.streams.values()) trimmedReads += reader.trimmedReads
    return { unsettledItems: this.state.unsettledCount(), outstandingEchoes: this.state.outstandingEchoes(), trimmedReads }
  }

  /**
   * Resolves true after a whole cycle that started after this call found every stream drained and nothing to
   * apply or await; false if the deadline passes first or the replicator stops.
   */
  waitForIdleCycle(deadlineMs: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false)
    return new Promise((resolve) => {
      const waiter = {
        fromCycle: this.cycle + 1,
        done: (idle: boolean) => {
          clearTimeout(timer)
          this.idleWaiters.delete(waiter)
          resolve(idle)
        },
      }
      const timer = setTimeout(() => waiter.done(false), Math.max(0, deadlineMs - Date.now()))
      this.idleWaiters.add(waiter)
    })
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const idle = await this.runCycle()
      for (const waiter of [...this.idleWaiters]) if (idle && this.cycle >= waiter.fromCycle) waiter.done(true)
      if (!this.stopped) await this.pause(this.config.pollIntervalMs)
    }
  }

  private async runCycle(): Promise<boolean> {
    this.cycle++
    let healthy = true
    let recordsRead = 0
    const polls = await Promise.all(
      this.config.regions.map(async (region) => {
        try {
          const changes = await (this.config.streams.get(region) as StreamReader).poll()
          return { region, changes, observedAtMs: Date.now() }
        } catch (error) {
          healthy = false
          this.lastError = `reading the stream of ${region}: ${messageOf(error)}`
          return { region, changes: [], observedAtMs: Date.now() }
        }
      }),
    )
    for (const { region, changes, observedAtMs } of polls) {
      for (const change of changes) this.state.observe(region, change, observedAtMs)
      recordsRead += changes.length
    }
    const now = Date.now()
    const due = this.state.dueWrites(now, this.config.replicationDelayMs)
    const ready = due.filter((item) => (this.retryAfter.get(retryId(item))?.notBeforeMs ?? 0) <= now)
    await runBounded(ready, APPLY_CONCURRENCY, (item) => this.apply(item))
    return healthy && recordsRead === 0 && due.length === 0 && this.state.isSettled()
  }

  private async apply({ region, keyText, write }: DueWrite): Promise<void> {
    const client = this.config.tables.get(region) as DynamoDBClient
    const TableName = this.config.tableName
    const imageText = write.image === undefined ? undefined : canonicalItem(write.image)
    try {
      let changed: boolean
      if (write.image === undefined) {
        const { Attributes } = await client.send(new DeleteItemCommand({ TableName, Key: write.key, ReturnValues: 'ALL_OLD' }))
        changed = Attributes !== undefined
      } else {
        const { Attributes } = await client.send(new PutItemCommand({ TableName, Item: write.image, ReturnValues: 'ALL_OLD' }))
        changed = Attributes === undefined || canonicalItem(Attributes) !== imageText
      }
      // DynamoDB writes no stream record for a write that changes nothing, so only a change has an echo to await.
      this.state.applied(region, keyText, write.version, imageText, changed)
      this.retryAfter.delete(retryId({ region, keyText }))
    } catch (error) {
      this.state.failed(region)
      this.lastError = `${write.image === undefined ? 'DeleteItem' : 'PutItem'} on ${TableName} in ${region}: ${messageOf(error)}`
      const attempts = (this.retryAfter.get(retryId({ region, keyText }))?.attempts ?? 0) + 1
      const backoffMs = Math.min(RETRY_BASE_MS * 2 ** attempts, RETRY_MAX_MS)
      this.retryAfter.set(retryId({ region, keyText }), { attempts, notBeforeMs: Date.now() + backoffMs })
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms)
      function finish(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = finish
    })
  }
}

function retryId(item: { region: string; keyText: string }): string {
  return `${item.region}\u0000${item.keyText}`
}

async function runBounded<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}
