import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { OPERATIONS, prepareCell, rate, runFor, type Cell, type Operation, type Runner, type Sample } from './cells'
import { ITEM_SIZES, SUITE_LABELS, sizeLabel, type SuiteLabel } from './items'
import { oneCpu, type OneCpu } from './one-cpu'
import type { WorkerRequest } from './throughput-worker'

export interface RateFigures {
  /** Items per second of the library. */
  ours: number
  /** Items per second of the bare node:crypto calls. */
  floor: number
  /** ours / floor. */
  ratio: number
}

export interface ThroughputRow {
  suite: SuiteLabel
  itemBytes: number
  item: string
  operation: Operation
  /** One CPU (see one-cpu.ts), one item at a time. */
  oneCore: RateFigures
  /** One worker thread per core, each running items back to back; rates summed. */
  allCores: RateFigures & { workers: number; scalingOverOneCore: number }
}

/** Unmeasured run of each runner after the process moves to one CPU. */
const WARM_UP_MS = 20

export interface ThroughputOptions {
  msPerRun: number
  reps: number
  log: (line: string) => void
}

/** Worker threads, one per core; each answers a request with one sample. */
export class WorkerPool {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (s: Sample) => void; reject: (e: Error) => void }>()
  readonly workers: Worker[]

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(join(__dirname, 'throughput-worker.js'))
      worker.on('message', (answer: { id: number; count: number; ms: number; error?: string }) => {
        const waiter = this.pending.get(answer.id)
        this.pending.delete(answer.id)
        if (answer.error !== undefined) waiter?.reject(new Error(answer.error))
        else waiter?.resolve({ count: answer.count, ms: answer.ms })
      })
      worker.on('error', (error) => {
        for (const waiter of this.pending.values()) waiter.reject(error)
        this.pending.clear()
      })
      return worker
    })
  }

  /** The same request to every worker at once; each worker's rate, summed. */
  async runAll(request: Omit<WorkerRequest, 'id'>): Promise<Sample[]> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<Sample>((resolve, reject) => {
            const id = this.nextId++
            this.pending.set(id, { resolve, reject })
            worker.postMessage({ ...request, id })
          }),
      ),
    )
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}

/** Sum over workers of each worker's own items per second, accumulated over the repetitions. */
function summedRate(perRep: Sample[][]): number {
  const workers = perRep[0]?.length ?? 0
  let total = 0
  for (let w = 0; w < workers; w++) total += rate(perRep.map((samples) => samples[w]))
  return total
}

/** One suite × size × operation: floor and ours, one core and all cores, interleaved over the repetitions. */
export async function measureOperation(cell: Cell, pool: WorkerPool, pinning: OneCpu, op: Operation, options: ThroughputOptions): Promise<ThroughputRow> {
  const { suite, size } = cell
  const warmUpMs = 2 * options.msPerRun
  const minCount = size >= 1024 * 1024 ? 3 : 10
  const one: Record<Runner, Sample[]> = { ours: [], floor: [] }
  const all: Record<Runner, Sample[][]> = { ours: [], floor: [] }
  // Interleaved: floor and ours alternate, one core then all cores, so drifts in machine load hit both alike.
  for (let rep = 0; rep < options.reps; rep++) {
    await pinning.run(async () => {
      // Moving to one CPU leaves caches cold: a short unmeasured run of each first.
      for (const runner of ['floor', 'ours'] as const) await runFor(cell, runner, op, WARM_UP_MS, 1)
      for (const runner of ['floor', 'ours'] as const) one[runner].push(await runFor(cell, runner, op, options.msPerRun, minCount))
    })
    for (const runner of ['floor', 'ours'] as const) all[runner].push(await pool.runAll({ suite, size, runner, op, ms: options.msPerRun, minCount, warmUpMs }))
  }
  const oneOurs = rate(one.ours)
  const oneFloor = rate(one.floor)
  const allOurs = summedRate(all.ours)
  const allFloor = summedRate(all.floor)
  const row: ThroughputRow = {
    suite,
    itemBytes: size,
    item: sizeLabel(size),
    operation: op,
    oneCore: { ours: oneOurs, floor: oneFloor, ratio: oneOurs / oneFloor },
    allCores: { ours: allOurs, floor: allFloor, ratio: allOurs / allFloor, workers: pool.workers.length, scalingOverOneCore: allOurs / oneOurs },
  }
  options.log(
    `  ${suite} ${row.item.padStart(6)} ${op.padEnd(7)} one core ${oneOurs.toFixed(0).padStart(6)}/s (floor ${oneFloor.toFixed(0)}/s, ×${row.oneCore.ratio.toFixed(2)})` +
      `  all cores ${allOurs.toFixed(0).padStart(6)}/s (floor ${allFloor.toFixed(0)}/s, ×${row.allCores.ratio.toFixed(2)}, ${row.allCores.scalingOverOneCore.toFixed(2)}× one core)`,
  )
  return row
}

/** A cell, prepared (and warmed) here and in every worker. */
export async function prepareEverywhere(pool: WorkerPool, suite: SuiteLabel, size: number, msPerRun: number): Promise<Cell> {
  const warmUpMs = 2 * msPerRun
  const cell = await prepareCell(suite, size, warmUpMs)
  await pool.runAll({ suite, size, runner: 'ours', op: 'cycle', ms: 0, minCount: 0, warmUpMs })
  return cell
}

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputRow[]> {
  const pool = new WorkerPool(availableParallelism())
  const pinning = oneCpu()
  options.log(`  one core: ${pinning.description}; all cores: ${pool.workers.length} worker threads, unpinned`)
  const rows: ThroughputRow[] = []
  try {
    for (const suite of SUITE_LABELS) {
      for (const size of ITEM_SIZES) {
        const cell = await prepareEverywhere(pool, suite, size, options.msPerRun)
        for (const op of OPERATIONS) rows.push(await measureOperation(cell, pool, pinning, op, options))
      }
    }
  } finally {
    await pool.close()
  }
  return rows
}
