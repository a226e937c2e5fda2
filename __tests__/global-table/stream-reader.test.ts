import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams'
import { StreamReader } from '../../lib/local/global-table/stream-reader'

// DynamoDB Local keeps one shard and iterators valid for 15 minutes, so shard lineage, iterator expiry and
// trimming are played by a scripted stream service: these are the paths real DynamoDB Streams takes.

interface FakeShard {
  id: string
  parent?: string
  records: string[] // sequence numbers
  closed: boolean
}

class ScriptedStreams {
  calls: { command: string; input: Record<string, unknown> }[] = []
  expireNextGetRecords = false
  trimNextGetRecords = false
  /** GetRecords calls to answer before one fails as a network error would. */
  failGetRecordsAfter: number | undefined
  /** Records before this index have been trimmed away. */
  trimBefore = 0

  constructor(readonly shards: FakeShard[]) {}

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name
    const input = command.input
    this.calls.push({ command: name, input })
    if (name === 'DescribeStreamCommand') {
      return { StreamDescription: { Shards: this.shards.map((shard) => ({ ShardId: shard.id, ...(shard.parent ? { ParentShardId: shard.parent } : {}) })) } }
    }
    if (name === 'GetShardIteratorCommand') {
      const shard = this.shard(input.ShardId as string)
      const after = input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? shard.records.indexOf(input.SequenceNumber as string) + 1 : 0
      return { ShardIterator: JSON.stringify({ shard: shard.id, position: Math.max(after, this.trimBefore) }) }
    }
    if (name === 'GetRecordsCommand') {
      if (this.failGetRecordsAfter !== undefined && this.failGetRecordsAfter-- === 0) {
        this.failGetRecordsAfter = undefined
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })
      }
      if (this.expireNextGetRecords) {
        this.expireNextGetRecords = false
        throw Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' })
      }
      if (this.trimNextGetRecords) {
        this.trimNextGetRecords = false
        throw Object.assign(new Error('Trimmed'), { name: 'TrimmedDataAccessException' })
      }
      const { shard: id, position } = JSON.parse(input.ShardIterator as string) as { shard: string; position: number }
      const shard = this.shard(id)
      const records = shard.records.slice(position, position + 2) // small pages: several calls per shard
      const next = position + records.length
      const done = shard.closed && next >= shard.records.length
      return {
        Records: records.map((sequenceNumber) => ({ eventName: 'INSERT', dynamodb: { SequenceNumber: sequenceNumber, Keys: { pk: { S: sequenceNumber } }, NewImage: { pk: { S: sequenceNumber } } } })),
        ...(done ? {} : { NextShardIterator: JSON.stringify({ shard: id, position: next }) }),
      }
    }
    throw new Error(`unexpected ${name}`)
  }

  private shard(id: string): FakeShard {
    const shard = this.shards.find((each) => each.id === id)
    if (shard === undefined) throw Object.assign(new Error('no shard'), { name: 'ResourceNotFoundException' })
    return shard
  }
}

function reader(service: ScriptedStreams): StreamReader {
  return new StreamReader(service as unknown as DynamoDBStreamsClient, 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x')
}

test('reads a parent shard to its end before its child, whatever order DescribeStream lists them in', async () => {
  const service = new ScriptedStreams([
    { id: 'child', parent: 'parent', records: ['5', '6'], closed: false },
    { id: 'parent', records: ['1', '2', '3', '4'], closed: true },
  ])
  const changes = await reader(service).poll()
  expect(changes.map((change) => change.sequenceNumber)).toEqual(['1', '2', '3', '4', '5', '6'])
})

test('an open shard is polled again from where it stopped, handing each record out once', async () => {
  const shard: FakeShard = { id: 'only', records: ['1', '2'], closed: false }
  const service = new ScriptedStreams([shard])
  const streamReader = reader(service)
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['1', '2'])
  shard.records.push('3')
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['3'])
  expect(await streamReader.poll()).toEqual([])
})

test('an expired iterator is replaced by one after the last record read', async () => {
  const shard: FakeShard = { id: 'only', records: ['1', '2', '3'], closed: false }
  const service = new ScriptedStreams([shard])
  const streamReader = reader(service)
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['1', '2', '3'])
  shard.records.push('4', '5')
  service.expireNextGetRecords = true
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['4', '5'])
  const reissued = service.calls.filter((call) => call.command === 'GetShardIteratorCommand').at(-1)
  expect(reissued?.input).toMatchObject({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '3', ShardId: 'only' })
})

test('a read that fails after others of the same poll read records: the error is thrown, and those records come with the next poll', async () => {
  const shard: FakeShard = { id: 'only', records: ['1', '2', '3', '4', '5'], closed: false }
  const service = new ScriptedStreams([shard])
  const streamReader = reader(service)
  service.failGetRecordsAfter = 2 // pages of two: '1', '2' and '3', '4' are read, then the third call fails
  await expect(streamReader.poll()).rejects.toThrow('socket hang up')
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['1', '2', '3', '4', '5'])
  expect(await streamReader.poll()).toEqual([])
})

test('records trimmed before they were read are skipped from the oldest one kept, and counted', async () => {
  const shard: FakeShard = { id: 'only', records: ['1', '2'], closed: false }
  const service = new ScriptedStreams([shard])
  const streamReader = reader(service)
  await streamReader.poll()
  shard.records.push('3', '4', '5')
  service.trimBefore = 3 // '3' is gone
  service.trimNextGetRecords = true
  expect((await streamReader.poll()).map((change) => change.sequenceNumber)).toEqual(['4', '5'])
  expect(streamReader.trimmedReads).toBe(1)
  expect(service.calls.filter((call) => call.command === 'GetShardIteratorCommand').at(-1)?.input).toMatchObject({ ShardIteratorType: 'TRIM_HORIZON' })
})

test('a parent trimmed out of the stream does not block its child', async () => {
  const service = new ScriptedStreams([{ id: 'child', parent: 'gone', records: ['9'], closed: false }])
  expect((await reader(service).poll()).map((change) => change.sequenceNumber)).toEqual(['9'])
})

test('REMOVE records carry no image; records without keys are skipped', async () => {
  const service = new ScriptedStreams([])
  const removal = { eventName: 'REMOVE', dynamodb: { SequenceNumber: '1', Keys: { pk: { S: 'a' } }, OldImage: { pk: { S: 'a' } } } }
  const keyless = { eventName: 'INSERT', dynamodb: { SequenceNumber: '2' } }
  service.send = async (command) => {
    const name = command.constructor.name
    if (name === 'DescribeStreamCommand') return { StreamDescription: { Shards: [{ ShardId: 's' }] } }
    if (name === 'GetShardIteratorCommand') return { ShardIterator: 'it' }
    return { Records: [removal, keyless] }
  }
  expect(await reader(service).poll()).toEqual([{ key: { pk: { S: 'a' } }, newImage: undefined, sequenceNumber: '1' }])
})
