import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { EncryptedDocumentClient, hierarchicalKeyring, type Keyring } from '../lib'
import { describeGcPauses, NO_GC_PAUSES, watchGcPauses, worseGcPauses, type GcPauses } from './gc-pauses'
import type { BenchKeyStore } from './kms-calls'
import { prepareCell } from './cells'
import type { Floor } from './floor'
import { makeItem, nativeItem, PARTITION_KEY, SORT_KEY, tableConfig, type SuiteLabel } from './items'
import { batchWrite, createDataTable, EAST, type LocalStack } from './stack'

export interface LatencyFigures {
  p50Ms: number
  p99Ms: number
}

interface OperationLatency {
  plain: LatencyFigures
  encrypted: LatencyFigures
  p50Ratio: number
  p99Ratio: number
  /**
   * The plain client with the floor's node:crypto calls for the item run inside each request (before a put is sent,
   * after a get's answer): the least any implementation of the format could add to the request's latency.
   */
  floorInRequest: LatencyFigures & { p50Ratio: number; cryptoP50Ms: number }
}

export interface ClientComparison {
  /** 0x6700, hierarchical keyring on the DynamoDB branch key store (warm), 1 KB items, DynamoDB Local. */
  setup: string
  samples: number
  put: OperationLatency
  get: OperationLatency
  concurrency32: {
    operations: number
    put: { plainPerSecond: number; encryptedPerSecond: number; ratio: number }
    get: { plainPerSecond: number; encryptedPerSecond: number; ratio: number }
  }
}

export interface EventLoopFigures {
  suite: SuiteLabel
  items: number
  pages: number
  queryMs: number
  /** `monitorEventLoopDelay({ resolution: 1 })` max during the Query, over the measured runs (the worst). */
  maxDelayMs: number
  p99DelayMs: number
  runs: number
  /** Whether every run (of both clients) started from a fully collected heap (`node --expose-gc`, as `npm run bench` runs). */
  heapCollectedBeforeEachRun: boolean
  /** V8's collections during the Query (the worst of the runs): whether the largest delay can have been a collection. */
  gc: GcPauses
  /** The same Query through a plain DynamoDBDocumentClient (stored items, no decryption): the SDK's own share. */
  plainClient: { queryMs: number; maxDelayMs: number; p99DelayMs: number; gc: GcPauses }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function figures(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/**
 * Runs the floor's crypto for the item inside each request of `low`: encryption before a PutItem is sent, decryption
 * after a GetItem's answer. Records how long the crypto took there.
 */
function runFloorInRequests(low: DynamoDBClient, floor: Floor, took: number[]): void {
  low.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand') {
        const start = performance.now()
        floor.encrypt()
        took.push(performance.now() - start)
        return next(args)
      }
      const output = await next(args)
      if (context.commandName !== 'GetItemCommand') return output
      const start = performance.now()
      await floor.decrypt()
      took.push(performance.now() - start)
      return output
    },
    { step: 'initialize', name: 'benchFloorCrypto' },
  )
}

async function runConcurrently(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++)
    }),
  )
  return performance.now() - start
}

/**
 * EncryptedDocumentClient against a plain DynamoDBDocumentClient on the same 1 KB items, same DynamoDB Local, same run,
 * with a third client for latency: the plain one running the floor's crypto inside each request. Every measurement
 * rotates between the clients (which goes first rotates too), so load drifts hit all of them.
 */
export async function compareClients(stack: LocalStack, keyStore: BenchKeyStore, options: { samples: number; rounds: number; operations: number }, log: (line: string) => void): Promise<ClientComparison> {
  const plainTable = 'bench-latency-plain'
  const encryptedTable = 'bench-latency-encrypted'
  const floorTable = 'bench-latency-floor'
  const plainLow = new DynamoDBClient(stack.ddbConfig(EAST))
  const encryptedLow = new DynamoDBClient(stack.ddbConfig(EAST))
  const floorLow = new DynamoDBClient(stack.ddbConfig(EAST))
  try {
    for (const table of [plainTable, encryptedTable, floorTable]) await createDataTable(plainLow, table)
    const keyring = hierarchicalKeyring({ branchKeyId: keyStore.branchKeyId, keyStore: keyStore.eastStore })
    const floorCrypto: number[] = []
    runFloorInRequests(floorLow, (await prepareCell('0x6700', 1024, 1000)).floor, floorCrypto)
    const clients = {
      plain: { client: DynamoDBDocumentClient.from(plainLow), table: plainTable },
      encrypted: { client: EncryptedDocumentClient.from(encryptedLow, { tables: { [encryptedTable]: tableConfig('0x6700', keyring) } }), table: encryptedTable },
      floor: { client: DynamoDBDocumentClient.from(floorLow), table: floorTable },
    }
    type Which = keyof typeof clients
    const template = makeItem(1024)
    const itemFor = (i: number) => nativeItem({ ...template, [PARTITION_KEY]: { S: `user-${i % 512}` }, [SORT_KEY]: { N: String(i) } })
    const keyFor = (i: number) => ({ [PARTITION_KEY]: `user-${i % 512}`, [SORT_KEY]: i })
    const put = (which: Which, i: number) => clients[which].client.send(new PutCommand({ TableName: clients[which].table, Item: itemFor(i) }))
    const get = async (which: Which, i: number) => {
      const out = await clients[which].client.send(new GetCommand({ TableName: clients[which].table, Key: keyFor(i) }))
      if (out.Item === undefined) throw new Error(`${clients[which].table}: item ${i} missing`)
    }
    const all: Which[] = ['plain', 'encrypted', 'floor']
    const order = (i: number): Which[] => all.map((_, k) => all[(i + k) % all.length])
    const pair = (i: number): Array<'plain' | 'encrypted'> => (i % 2 === 0 ? ['plain', 'encrypted'] : ['encrypted', 'plain'])

    // Warm-up: connections open, branch key cached, code compiled.
    for (let i = 0; i < 100; i++) for (const which of order(i)) await put(which, i)
    for (let i = 0; i < 100; i++) for (const which of order(i)) await get(which, i)

    const latencies = { put: { plain: [] as number[], encrypted: [] as number[], floor: [] as number[] }, get: { plain: [] as number[], encrypted: [] as number[], floor: [] as number[] } }
    const floorCryptoP50 = { put: 0, get: 0 }
    for (const op of ['put', 'get'] as const) {
      floorCrypto.length = 0
      const run = op === 'put' ? put : get
      for (let i = 0; i < options.samples; i++) for (const which of order(i)) latencies[op][which].push(await timed(() => run(which, i)))
      floorCryptoP50[op] = figures(floorCrypto).p50Ms
    }

    const elapsed = { put: { plain: 0, encrypted: 0 }, get: { plain: 0, encrypted: 0 } }
    for (let round = 0; round < options.rounds; round++) {
      for (const which of pair(round)) elapsed.put[which] += await runConcurrently(options.operations, 32, (i) => put(which, i))
      for (const which of pair(round)) elapsed.get[which] += await runConcurrently(options.operations, 32, (i) => get(which, i % options.operations))
    }
    const perSecond = (ms: number) => (options.operations * options.rounds * 1000) / ms
    const compare = (op: 'put' | 'get'): OperationLatency => {
      const plain = figures(latencies[op].plain)
      const encrypted = figures(latencies[op].encrypted)
      const floor = figures(latencies[op].floor)
      return {
        plain,
        encrypted,
        p50Ratio: encrypted.p50Ms / plain.p50Ms,
        p99Ratio: encrypted.p99Ms / plain.p99Ms,
        floorInRequest: { ...floor, p50Ratio: floor.p50Ms / plain.p50Ms, cryptoP50Ms: floorCryptoP50[op] },
      }
    }
    const throughput = (op: 'put' | 'get') => {
      const plainPerSecond = perSecond(elapsed[op].plain)
      const encryptedPerSecond = perSecond(elapsed[op].encrypted)
      return { plainPerSecond, encryptedPerSecond, ratio: encryptedPerSecond / plainPerSecond }
    }
    const result: ClientComparison = {
      setup: '0x6700, hierarchicalKeyring on the DynamoDB branch key store (warm cache), 1 KB items, DynamoDB Local on this machine',
      samples: options.samples,
      put: compare('put'),
      get: compare('get'),
      concurrency32: { operations: options.operations * options.rounds, put: throughput('put'), get: throughput('get') },
    }
    for (const op of ['put', 'get'] as const) {
      const r = result[op]
      const t = result.concurrency32[op]
      log(
        `  ${op}: p50 ${r.encrypted.p50Ms.toFixed(2)} vs ${r.plain.p50Ms.toFixed(2)} ms (×${r.p50Ratio.toFixed(2)}), p99 ${r.encrypted.p99Ms.toFixed(2)} vs ${r.plain.p99Ms.toFixed(2)} ms (×${r.p99Ratio.toFixed(2)}); ` +
          `floor crypto in the request: p50 ${r.floorInRequest.p50Ms.toFixed(2)} ms (×${r.floorInRequest.p50Ratio.toFixed(2)}), its crypto ${r.floorInRequest.cryptoP50Ms.toFixed(3)} ms; ` +
          `@32: ${t.encryptedPerSecond.toFixed(0)} vs ${t.plainPerSecond.toFixed(0)}/s (×${t.ratio.toFixed(2)})`,
      )
    }
    return result
  } finally {
    plainLow.destroy()
    encryptedLow.destroy()
    floorLow.destroy()
  }
}

/** `global.gc` when node runs with --expose-gc. */
const collectHeap = (globalThis as { gc?: () => void }).gc

/** One log line of a Query's event-loop figures, both clients, under `label`. */
export function describeEventLoop(label: string, figures: EventLoopFigures): string {
  const { plainClient } = figures
  return (
    `  ${label}: ${figures.suite} Query of ${figures.items} items (${figures.pages} pages, ${figures.queryMs.toFixed(0)} ms): event loop max delay ${figures.maxDelayMs.toFixed(1)} ms, ` +
    `p99 ${figures.p99DelayMs.toFixed(1)} ms (worst of ${figures.runs}), ${describeGcPauses(figures.gc)}; ` +
    `plain DocumentClient, same Query: ${plainClient.queryMs.toFixed(0)} ms, max delay ${plainClient.maxDelayMs.toFixed(1)} ms, ${describeGcPauses(plainClient.gc)}`
  )
}

/** The table the Query reads; `measureQueryEventLoop` fills it unless told it is filled already. */
const QUERY_TABLE = 'bench-query'
const QUERY_ITEMS = 1000

export interface QueryEventLoopOptions {
  runs: number
  /** False in a process that reads the table an earlier measurement filled. */
  writeItems: boolean
  /** What the log line calls this measurement. */
  label: string
}

/** The event loop's largest delay while one Query returns and decrypts 1,000 items of suite 0x6701 (all pages). */
export async function measureQueryEventLoop(ddbConfig: DynamoDBClientConfig, keyring: Keyring, options: QueryEventLoopOptions, log: (line: string) => void): Promise<EventLoopFigures> {
  const { runs } = options
  const table = QUERY_TABLE
  const items = QUERY_ITEMS
  const low = new DynamoDBClient(ddbConfig)
  try {
    const client = EncryptedDocumentClient.from(low, { tables: { [table]: tableConfig('0x6701', keyring) } })
    if (options.writeItems) {
      await createDataTable(low, table)
      const template = makeItem(1024)
      await batchWrite(client, table, Array.from({ length: items }, (_, i) => nativeItem({ ...template, [PARTITION_KEY]: { S: 'query-partition' }, [SORT_KEY]: { N: String(i) } })))
    }
    const plainLow = new DynamoDBClient(ddbConfig)
    const plain = DynamoDBDocumentClient.from(plainLow)
    const query = async (documentClient: DynamoDBDocumentClient): Promise<{ count: number; pages: number }> => {
      let count = 0
      let pages = 0
      let start: Record<string, unknown> | undefined
      do {
        const out = await documentClient.send(
          new QueryCommand({ TableName: table, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': PARTITION_KEY }, ExpressionAttributeValues: { ':pk': 'query-partition' }, ExclusiveStartKey: start }),
        )
        count += out.Items?.length ?? 0
        pages++
        start = out.LastEvaluatedKey
      } while (start !== undefined && pages < 1000)
      return { count, pages }
    }
    const observe = async (documentClient: DynamoDBDocumentClient) => {
      // Each run starts from a collected heap, so that a major collection of what earlier bench phases left behind
      // does not land in one client's run by chance; collections the Query itself causes are still measured.
      collectHeap?.()
      const histogram = monitorEventLoopDelay({ resolution: 1 })
      histogram.enable()
      const gcWatch = watchGcPauses()
      const start = performance.now()
      const out = await query(documentClient)
      const queryMs = performance.now() - start
      histogram.disable()
      const gc = gcWatch.stop()
      if (out.count !== items) throw new Error(`${table}: the Query returned ${out.count} items, not ${items}`)
      return { ...out, queryMs, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6, gc }
    }
    await query(client) // warm
    await query(plain)
    type RunFigures = EventLoopFigures['plainClient']
    const worse = (a: RunFigures, b: RunFigures): RunFigures => ({
      queryMs: Math.max(a.queryMs, b.queryMs),
      maxDelayMs: Math.max(a.maxDelayMs, b.maxDelayMs),
      p99DelayMs: Math.max(a.p99DelayMs, b.p99DelayMs),
      gc: worseGcPauses(a.gc, b.gc),
    })
    let pages = 0
    let ours: RunFigures = { queryMs: 0, maxDelayMs: 0, p99DelayMs: 0, gc: NO_GC_PAUSES }
    let plainClient: RunFigures = ours
    try {
      for (let run = 0; run < runs; run++) {
        const observed = await observe(client)
        pages = observed.pages
        ours = worse(ours, observed)
        plainClient = worse(plainClient, await observe(plain))
      }
    } finally {
      plainLow.destroy()
    }
    const figures: EventLoopFigures = { suite: '0x6701', items, pages, ...ours, runs, heapCollectedBeforeEachRun: collectHeap !== undefined, plainClient }
    log(describeEventLoop(options.label, figures))
    return figures
  } finally {
    low.destroy()
  }
}
