import './env'
import { availableParallelism } from 'node:os'
import { oneCpu } from './one-cpu'
import { measureOperation, prepareEverywhere, WorkerPool } from './throughput'

/**
 * Run as a child process whose UV_THREADPOOL_SIZE the parent chose (libuv reads it once, when its pool first starts):
 * `node pool-size-child.js <msPerRun> <reps>` measures the 0x6701 1 KB cycle row and prints it as one JSON line.
 */
async function main(): Promise<void> {
  const [msPerRun, reps] = process.argv.slice(2).map(Number)
  const pool = new WorkerPool(availableParallelism())
  try {
    const cell = await prepareEverywhere(pool, '0x6701', 1024, msPerRun)
    const row = await measureOperation(cell, pool, oneCpu(), 'cycle', { msPerRun, reps, log: () => undefined })
    console.log(JSON.stringify(row))
  } finally {
    await pool.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
