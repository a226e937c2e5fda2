import { ItemEncryptor, type Item } from '../lib'
import { buildFloor, type Floor } from './floor'
import { makeItem, staticHierarchicalKeyring, tableConfig, type SuiteLabel } from './items'

export type Operation = 'encrypt' | 'decrypt' | 'cycle'
export const OPERATIONS: readonly Operation[] = ['encrypt', 'decrypt', 'cycle']
export type Runner = 'ours' | 'floor'

export const BENCH_TABLE = 'BenchTable'

/** One suite × item size: the library's encryptor (hierarchical keyring, static store, warm) and the floor. */
export interface Cell {
  suite: SuiteLabel
  size: number
  ours: Record<Operation, () => Promise<unknown>>
  floor: Floor
}

/**
 * Cycles both runners make before any measurement, time permitting: V8 optimizes a function after enough calls, so a
 * warm-up by time alone leaves the library's once-per-item functions unoptimized where items are slow. Signed 1 KB
 * items on the slower machine: the library ran at 0.67× the floor over its first 300 cycles and about 0.79× after 500.
 */
const WARM_UP_CYCLES = 500
/** The cycle count gives way to time: at most this many times `warmUpMs` (large items would take minutes). */
const WARM_UP_TIME_LIMIT = 4

/**
 * `warmUpMs`: how long both runners go before any measurement (the JIT needs most of a second to settle), extended
 * until each has made `WARM_UP_CYCLES` cycles or `WARM_UP_TIME_LIMIT` times as long has passed.
 */
export async function prepareCell(suite: SuiteLabel, size: number, warmUpMs: number): Promise<Cell> {
  const encryptor = new ItemEncryptor({ ...tableConfig(suite, staticHierarchicalKeyring()), tableName: BENCH_TABLE })
  const item: Item = makeItem(size)
  const encrypted = await encryptor.encryptItem(item)
  const floor = buildFloor(suite, item, BENCH_TABLE, encrypted)
  // Warm: branch key cache filled and both code paths optimized by the JIT (a few iterations are not enough for that).
  const start = performance.now()
  const warm = (cycles: number): boolean => {
    const elapsed = performance.now() - start
    return cycles >= 3 && elapsed >= warmUpMs && (cycles >= WARM_UP_CYCLES || elapsed >= WARM_UP_TIME_LIMIT * warmUpMs)
  }
  for (let cycles = 0; !warm(cycles); cycles++) {
    await encryptor.decryptItem(await encryptor.encryptItem(item))
    await floor.cycle()
  }
  return {
    suite,
    size,
    floor,
    ours: {
      encrypt: () => encryptor.encryptItem(item),
      decrypt: () => encryptor.decryptItem(encrypted),
      cycle: async () => encryptor.decryptItem(await encryptor.encryptItem(item)),
    },
  }
}

export interface Sample {
  count: number
  ms: number
}

/** Runs one operation back to back (one item at a time, as one core would) for at least `ms` and `minCount` times. */
export async function runFor(cell: Cell, runner: Runner, op: Operation, ms: number, minCount: number): Promise<Sample> {
  const start = performance.now()
  let count = 0
  let elapsed = 0
  if (runner === 'floor') {
    const fn = cell.floor[op]
    while (count < minCount || elapsed < ms) {
      const pending = fn()
      if (pending !== undefined) await pending
      count++
      elapsed = performance.now() - start
    }
  } else {
    const fn = cell.ours[op]
    while (count < minCount || elapsed < ms) {
      await fn()
      count++
      elapsed = performance.now() - start
    }
  }
  return { count, ms: elapsed }
}

/** The library with `inFlight` items at a time (as a service would call it), for at least `ms`. */
export async function runInFlight(cell: Cell, op: Operation, inFlight: number, ms: number): Promise<Sample> {
  const fn = cell.ours[op]
  const start = performance.now()
  let count = 0
  let elapsed = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (elapsed < ms) {
        await fn()
        count++
        elapsed = performance.now() - start
      }
    }),
  )
  return { count, ms: performance.now() - start }
}

export function rate(samples: Sample[]): number {
  const count = samples.reduce((sum, s) => sum + s.count, 0)
  const ms = samples.reduce((sum, s) => sum + s.ms, 0)
  return (count * 1000) / ms
}
