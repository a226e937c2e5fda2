import { runJsonChild } from './child'
import { ITEM_SIZES, sizeLabel, type SuiteLabel } from './items'

export interface MemoryRow {
  suite: SuiteLabel
  item: string
  /** Nominal size (1 KB … 1 MB); `actualItemBytes` is DynamoDB's measure of the generated item. */
  itemBytes: number
  actualItemBytes: number
  /** Peak of process.memoryUsage().arrayBuffers + heapUsed above the baseline (item built, heap collected) during one encrypt + decrypt, sampled every ms and between steps; worst round. */
  peakAboveBaselineBytes: number
  peakTimesItemSize: number
}

/** One fresh child process per item size, so no size inherits another's heap. */
export async function measureMemory(suite: SuiteLabel, rounds: number, log: (line: string) => void): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = []
  for (const size of ITEM_SIZES) {
    const result = await runJsonChild<{ itemBytes: number; peakAboveBaselineBytes: number }>('memory-child.js', [suite, String(size), String(rounds)], {
      nodeFlags: ['--expose-gc'],
      timeoutMs: 120_000,
    })
    const row: MemoryRow = {
      suite,
      item: sizeLabel(size),
      itemBytes: size,
      actualItemBytes: result.itemBytes,
      peakAboveBaselineBytes: result.peakAboveBaselineBytes,
      peakTimesItemSize: result.peakAboveBaselineBytes / result.itemBytes,
    }
    rows.push(row)
    log(`  ${suite} ${row.item.padStart(6)} peak +${(row.peakAboveBaselineBytes / 1024).toFixed(0)} KiB (${row.peakTimesItemSize.toFixed(1)}× the item)`)
  }
  return rows
}
