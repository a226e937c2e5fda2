import './env'
import { availableParallelism } from 'node:os'
import { OPERATIONS } from './cells'
import { oneCpu } from './one-cpu'
import { measureOperation, prepareEverywhere, WorkerPool } from './throughput'

/**
 * Run as a child process whose UV_THREADPOOL_SIZE the parent chose (libuv reads it once, when its pool first starts):
 * `node pool-size-child.js <msPerRun> <reps>` measures the 0x6701 1 KB rows and prints the cycle's as one JSON line.
 */
async function main(): Promise<void> {
  const [msPerRun, reps] = process.argv.slice(2).map(Number)
  const pool = new WorkerPool(availableParallelism())
  try {
    const cell = await prepareEverywhere(pool, '0x6701', 1024, msPerRun)
    // The same sequence as the main table (encrypt, decrypt, then cycle), so the cycle meets code as warm as it is there.
    const rows = []
    for (const op of OPERATIONS) rows.push(await measureOperation(cell, pool, oneCpu(), op, { msPerRun, reps, log: () => undefined }))
    console.log(JSON.stringify(rows.at(-1)))
  } finally {
    await pool.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
