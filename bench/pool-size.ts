import { availableParallelism } from 'node:os'
import { runJsonChild } from './child'
import type { ThroughputRow } from './throughput'

/**
 * The 0x6701 1 KB cycle again, in a child process whose libuv thread pool has one thread per core instead of Node's
 * default four: on a machine with fewer than four cores the default pool runs more ECDSA threads than there are cores,
 * beside the event loops. A setting for the application (`UV_THREADPOOL_SIZE`), not something a library may change;
 * measured so the README can say what it is worth.
 */
export interface PoolSizedRow {
  uvThreadpoolSize: number
  row: ThroughputRow
}

export async function measurePoolSizedToCores(options: { msPerRun: number; reps: number; log: (line: string) => void }): Promise<PoolSizedRow> {
  const uvThreadpoolSize = availableParallelism()
  const row = await runJsonChild<ThroughputRow>('pool-size-child.js', [String(options.msPerRun), String(options.reps)], {
    env: { ...process.env, UV_THREADPOOL_SIZE: String(uvThreadpoolSize) },
    timeoutMs: 300_000,
  })
  options.log(
    `  0x6701   1 KB cycle, UV_THREADPOOL_SIZE=${uvThreadpoolSize}: one core ${row.oneCore.ours.toFixed(0)}/s (floor ${row.oneCore.floor.toFixed(0)}/s, ×${row.oneCore.ratio.toFixed(2)})` +
      `  all cores ${row.allCores.ours.toFixed(0)}/s (${row.allCores.scalingOverOneCore.toFixed(2)}× one core)`,
  )
  return { uvThreadpoolSize, row }
}
