import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { EncryptedDocumentClient, hierarchicalKeyring } from '../lib'
import type { BenchKeyStore } from './kms-calls'
import { makeItem, nativeItem, PARTITION_KEY, SORT_KEY, tableConfig, type SuiteLabel } from './items'
import { batchWrite, createDataTable, EAST, type LocalStack } from './stack'

export interface LatencyFigures {
  p50Ms: number
  p99Ms: number
}

export interface ClientComparison {
  /** 0x6700, hierarchical keyring on the DynamoDB branch key store (warm), 1 KB items, DynamoDB Local. */
  setup: string
  samples: number
  put: { plain: LatencyFigures; encrypted: LatencyFigures; p50Ratio: number; p99Ratio: number }
  get: { plain: LatencyFigures; encrypted: LatencyFigures; p50Ratio: number; p99Ratio: number }
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
  /** The same Query through a plain DynamoDBDocumentClient (stored items, no decryption): the SDK's own share. */
  plainClient: { queryMs: number; maxDelayMs: number; p99DelayMs: number }
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
 * EncryptedDocumentClient against a plain DynamoDBDocumentClient on the same 1 KB items, same DynamoDB Local, same run.
 * Every measurement alternates between the two clients (which goes first alternates too), so load drifts hit both.
 */
export async function compareClients(stack: LocalStack, keyStore: BenchKeyStore, options: { samples: number; rounds: number; operations: number }, log: (line: string) => void): Promise<ClientComparison> {
  const plainTable = 'bench-latency-plain'
  const encryptedTable = 'bench-latency-encrypted'
  const plainLow = new DynamoDBClient(stack.ddbConfig(EAST))
  const encryptedLow = new DynamoDBClient(stack.ddbConfig(EAST))
  try {
    await createDataTable(plainLow, plainTable)
    await createDataTable(plainLow, encryptedTable)
    const keyring = hierarchicalKeyring({ branchKeyId: keyStore.branchKeyId, keyStore: keyStore.eastStore })
    const clients = {
      plain: { client: DynamoDBDocumentClient.from(plainLow), table: plainTable },
      encrypted: { client: EncryptedDocumentClient.from(encryptedLow, { tables: { [encryptedTable]: tableConfig('0x6700', keyring) } }), table: encryptedTable },
    }
    const template = makeItem(1024)
    const itemFor = (i: number) => nativeItem({ ...template, [PARTITION_KEY]: { S: `user-${i % 512}` }, [SORT_KEY]: { N: String(i) } })
    const keyFor = (i: number) => ({ [PARTITION_KEY]: `user-${i % 512}`, [SORT_KEY]: i })
    const put = (which: keyof typeof clients, i: number) => clients[which].client.send(new PutCommand({ TableName: clients[which].table, Item: itemFor(i) }))
    const get = async (which: keyof typeof clients, i: number) => {
      const out = await clients[which].client.send(new GetCommand({ TableName: clients[which].table, Key: keyFor(i) }))
      if (out.Item === undefined) throw new Error(`${clients[which].table}: item ${i} missing`)
    }
    const order = (i: number): Array<keyof typeof clients> => (i % 2 === 0 ? ['plain', 'encrypted'] : ['encrypted', 'plain'])

    // Warm-up: connections open, branch key cached, code compiled.
    for (let i = 0; i < 100; i++) for (const which of order(i)) await put(which, i)
    for (let i = 0; i < 100; i++) for (const which of order(i)) await get(which, i)

    const latencies = { put: { plain: [] as number[], encrypted: [] as number[] }, get: { plain: [] as number[], encrypted: [] as number[] } }
    for (let i = 0; i < options.samples; i++) for (const which of order(i)) latencies.put[which].push(await timed(() => put(which, i)))
    for (let i = 0; i < options.samples; i++) for (const which of order(i)) latencies.get[which].push(await timed(() => get(which, i)))

    const elapsed = { put: { plain: 0, encrypted: 0 }, get: { plain: 0, encrypted: 0 } }
    for (let round = 0; round < options.rounds; round++) {
      for (const which of order(round)) elapsed.put[which] += await runConcurrently(options.operations, 32, (i) => put(which, i))
      for (const which of order(round)) elapsed.get[which] += await runConcurrently(options.operations, 32, (i) => get(which, i % options.operations))
    }
    const perSecond = (ms: number) => (options.operations * options.rounds * 1000) / ms
    const compare = (op: 'put' | 'get') => {
      const plain = figures(latencies[op].plain)
      const encrypted = figures(latencies[op].encrypted)
      return { plain, encrypted, p50Ratio: encrypted.p50Ms / plain.p50Ms, p99Ratio: encrypted.p99Ms / plain.p99Ms }
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
          `@32: ${t.encryptedPerSecond.toFixed(0)} vs ${t.plainPerSecond.toFixed(0)}/s (×${t.ratio.toFixed(2)})`,
      )
    }
    return result
  } finally {
    plainLow.destroy()
    encryptedLow.destroy()
  }
}

/** `global.gc` when node runs with --expose-gc. */
const collectHeap = (globalThis as { gc?: () => void }).gc

/** The event loop's largest delay while one Query returns and decrypts 1,000 items of suite 0x6701 (all pages). */
export async function measureQueryEventLoop(stack: LocalStack, keyStore: BenchKeyStore, runs: number, log: (line: string) => void): Promise<EventLoopFigures> {
  const table = 'bench-query'
  const low = new DynamoDBClient(stack.ddbConfig(EAST))
  try {
    await createDataTable(low, table)
    const keyring = hierarchicalKeyring({ branchKeyId: keyStore.branchKeyId, keyStore: keyStore.eastStore })
    const client = EncryptedDocumentClient.from(low, { tables: { [table]: tableConfig('0x6701', keyring) } })
    const template = makeItem(1024)
    const items = 1000
    await batchWrite(client, table, Array.from({ length: items }, (_, i) => nativeItem({ ...template, [PARTITION_KEY]: { S: 'query-partition' }, [SORT_KEY]: { N: String(i) } })))
    const plainLow = new DynamoDBClient(stack.ddbConfig(EAST))
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
      const start = performance.now()
      const out = await query(documentClient)
      const queryMs = performance.now() - start
      histogram.disable()
      if (out.count !== items) throw new Error(`${table}: the Query returned ${out.count} items, not ${items}`)
      return { ...out, queryMs, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 }
    }
    await query(client) // warm
    await query(plain)
    let maxDelayMs = 0
    let p99DelayMs = 0
    let queryMs = 0
    let pages = 0
    const plainClient = { queryMs: 0, maxDelayMs: 0, p99DelayMs: 0 }
    try {
      for (let run = 0; run < runs; run++) {
        const ours = await observe(client)
        pages = ours.pages
        queryMs = Math.max(queryMs, ours.queryMs)
        maxDelayMs = Math.max(maxDelayMs, ours.maxDelayMs)
        p99DelayMs = Math.max(p99DelayMs, ours.p99DelayMs)
        const theirs = await observe(plain)
        plainClient.queryMs = Math.max(plainClient.queryMs, theirs.queryMs)
        plainClient.maxDelayMs = Math.max(plainClient.maxDelayMs, theirs.maxDelayMs)
        plainClient.p99DelayMs = Math.max(plainClient.p99DelayMs, theirs.p99DelayMs)
      }
    } finally {
      plainLow.destroy()
    }
    log(
      `  0x6701 Query of ${items} items (${pages} pages, ${queryMs.toFixed(0)} ms): event loop max delay ${maxDelayMs.toFixed(1)} ms, p99 ${p99DelayMs.toFixed(1)} ms (worst of ${runs}); ` +
        `plain DocumentClient, same Query: ${plainClient.queryMs.toFixed(0)} ms, max delay ${plainClient.maxDelayMs.toFixed(1)} ms`,
    )
    return { suite: '0x6701', items, pages, queryMs, maxDelayMs, p99DelayMs, runs, heapCollectedBeforeEachRun: collectHeap !== undefined, plainClient }
  } finally {
    low.destroy()
  }
}
