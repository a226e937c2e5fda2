import { prepareCell, rate, runFor, runInFlight, type Sample } from './cells'
import type { SuiteLabel } from './items'
import { oneCpu } from './one-cpu'

/**
 * The 1 KB full cycle with many items in flight in one process, beside the one-item-at-a-time figures of the throughput
 * table: a service hands the library many items at once, the event loop groups their work and the thread pool signs
 * on every core. Same floor (back to back, one core), same pinning; "all cores" here is one event loop and its thread
 * pool, not one worker per core.
 */
export interface InFlightRow {
  suite: SuiteLabel
  item: '1 KB'
  operation: 'cycle'
  inFlight: number
  oneCore: { ours: number; floor: number; ratio: number }
  allCores: { ours: number; scalingOverOneCore: number }
}

const IN_FLIGHT = 16

export async function measureInFlight(options: { msPerRun: number; reps: number; log: (line: string) => void }): Promise<InFlightRow[]> {
  const pinning = oneCpu()
  const rows: InFlightRow[] = []
  for (const suite of ['0x6701', '0x6700'] as const) {
    const cell = await prepareCell(suite, 1024, 2 * options.msPerRun)
    const one: { ours: Sample[]; floor: Sample[] } = { ours: [], floor: [] }
    const all: Sample[] = []
    for (let rep = 0; rep < options.reps; rep++) {
      await pinning.run(async () => {
        // Unmeasured first: moving to one CPU leaves the caches cold.
        await runFor(cell, 'floor', 'cycle', 20, 1)
        await runInFlight(cell, 'cycle', IN_FLIGHT, 20)
        one.floor.push(await runFor(cell, 'floor', 'cycle', options.msPerRun, 10))
        one.ours.push(await runInFlight(cell, 'cycle', IN_FLIGHT, options.msPerRun))
      })
      all.push(await runInFlight(cell, 'cycle', IN_FLIGHT, options.msPerRun))
    }
    const ours = rate(one.ours)
    const floor = rate(one.floor)
    const allOurs = rate(all)
    const row: InFlightRow = {
      suite,
      item: '1 KB',
      operation: 'cycle',
      inFlight: IN_FLIGHT,
      oneCore: { ours, floor, ratio: ours / floor },
      allCores: { ours: allOurs, scalingOverOneCore: allOurs / ours },
    }
    rows.push(row)
    options.log(
      `  ${suite}   1 KB cycle, ${IN_FLIGHT} in flight: one core ${ours.toFixed(0).padStart(6)}/s (floor ${floor.toFixed(0)}/s, ×${row.oneCore.ratio.toFixed(2)})` +
        `  all cores, one event loop ${allOurs.toFixed(0).padStart(6)}/s (${row.allCores.scalingOverOneCore.toFixed(2)}× one core)`,
    )
  }
  return rows
}
