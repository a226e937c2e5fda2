import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams'
import type { Item } from './item-identity'

/** One change read from a Region's stream: the item's key and its new image (absent after a delete). */
export interface ChangeRecord {
  readonly key: Item
  readonly newImage: Item | undefined
  readonly sequenceNumber: string
}

interface ShardState {
  readonly shardId: string
  readonly parentShardId: string | undefined
  iterator: string | undefined
  lastSequenceNumber: string | undefined
  /** Closed and read to its end: its children may be read. */
  finished: boolean
}

const RECORDS_PER_CALL = 1000
const CALLS_PER_SHARD_PER_POLL = 20
const DESCRIBE_PAGES_MAX = 1000
const DESCRIBE_INTERVAL_MS = 1_000

/**
 * Reads one Region's stream in order: every shard from its start, a child only after its parent is read to
 * the end (shard lineage), resuming after the last record read when an iterator expires. Records are handed
 * out once; the caller keeps them until they are applied, so nothing is lost when it falls behind.
 */
export class StreamReader {
  private readonly shards = new Map<string, ShardState>()
  private lastDescribedAt = Number.NEGATIVE_INFINITY
  /**
   * Records read but not yet handed out. A read moves its shard's position on at once, so if a later read of the same
   * poll fails, what was read before it must wait here for the next poll instead of being dropped with the error.
   */
  private undelivered: ChangeRecord[] = []
  /** Records DynamoDB had already trimmed when we asked for them: lost to replication, so reported. */
  trimmedReads = 0

  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
  ) {}

  /**
   * The records written since the previous successful poll, per shard in sequence order, parents before children. When
   * a read fails, the error is thrown and the records read before it come with the next poll.
   */
  async poll(): Promise<ChangeRecord[]> {
    if (this.needsDescribe()) await this.describe()
    // Each pass may finish a parent and so unblock its children; the shard count bounds the passes.
    for (let pass = 0; pass <= this.shards.size; pass++) {
      const ready = [...this.shards.values()].filter((shard) => !shard.finished && this.parentFinished(shard))
      const finishedBefore = this.finishedCount()
      for (const shard of ready) await this.readShard(shard)
      if (this.finishedCount() === finishedBefore) break
    }
    const changes = this.undelivered
    this.undelivered = []
    return changes
  }

  private needsDescribe(): boolean {
    const unfinished = [...this.shards.values()].filter((shard) => !shard.finished)
    return unfinished.length === 0 || Date.now() - this.lastDescribedAt >= DESCRIBE_INTERVAL_MS
  }

  private async describe(): Promise<void> {
    let exclusiveStartShardId: string | undefined
    for (let page = 0; page < DESCRIBE_PAGES_MAX; page++) {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }) }),
      )
      for (const shard of StreamDescription?.Shards ?? []) this.remember(shard)
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId
      if (exclusiveStartShardId === undefined) break
    }
    this.lastDescribedAt = Date.now()
  }

  private remember(shard: Shard): void {
    if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) return
    this.shards.set(shard.ShardId, {
      shardId: shard.ShardId,
      parentShardId: shard.ParentShardId,
      iterator: undefined,
      lastSequenceNumber: undefined,
      finished: false,
    })
  }

  /** A parent that the stream no longer lists was trimmed away: nothing of it is left to read first. */
  private parentFinished(shard: ShardState): boolean {
    if (shard.parentShardId === undefined) return true
    const parent = this.shards.get(shard.parentShardId)
    return parent === undefined || parent.finished
  }

  private finishedCount(): number {
    let count = 0
    for (const shard of this.shards.values()) if (shard.finished) count++
    return count
  }

  /** Reads the shard on, into `undelivered`. */
  private async readShard(shard: ShardState): Promise<void> {
    for (let call = 0; call < CALLS_PER_SHARD_PER_POLL && !shard.finished; call++) {
      shard.iterator ??= await this.iteratorFor(shard)
      if (shard.iterator === undefined) return
      let output
      try {
        output = await this.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: RECORDS_PER_CALL }))
      } catch (error) {
        if (errorName(error) === 'ExpiredIteratorException') {
          shard.iterator = undefined // resumes after lastSequenceNumber
          continue
        }
        if (errorName(error) === 'TrimmedDataAccessException') {
          this.trimmedReads++
          shard.iterator = undefined
          shard.lastSequenceNumber = undefined // the oldest record still kept is all that can be read
          continue
        }
        throw error
      }
      const records = output.Records ?? []
      for (const record of records) {
        const change = toChange(record)
        if (change !== undefined) this.undelivered.push(change)
        shard.lastSequenceNumber = record.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber
      }
      shard.iterator = output.NextShardIterator
      if (shard.iterator === undefined) shard.finished = true
      if (records.length === 0) break
    }
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    try {
      const position =
        shard.lastSequenceNumber === undefined
          ? ({ ShardIteratorType: 'TRIM_HORIZON' } as const)
          : ({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequenceNumber } as const)
      const { ShardIterator } = await this.client.send(new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shard.shardId, ...position }))
      if (ShardIterator === undefined) shard.finished = true
      return ShardIterator
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        shard.finished = true // the shard was trimmed away entirely
        return undefined
      }
      if (errorName(error) === 'TrimmedDataAccessException') {
        this.trimmedReads++
        shard.lastSequenceNumber = undefined
        return undefined
      }
      throw error
    }
  }
}

function toChange(record: StreamRecord): ChangeRecord | undefined {
  const data = record.dynamodb
  if (data?.Keys === undefined || data.SequenceNumber === undefined) return undefined
  const removed = record.eventName === 'REMOVE'
  if (!removed && data.NewImage === undefined) return undefined // only with a stream view without new images, which we never create
  return { key: data.Keys as Item, newImage: removed ? undefined : (data.NewImage as Item), sequenceNumber: data.SequenceNumber }
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined
}
