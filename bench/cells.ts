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

/** `warmUpMs`: how long both runners go before any measurement (the JIT needs most of a second to settle). */
export async function prepareCell(suite: SuiteLabel, size: number, warmUpMs: number): Promise<Cell> {
  const encryptor = new ItemEncryptor({ ...tableConfig(suite, staticHierarchicalKeyring()), tableName: BENCH_TABLE })
  const item: Item = makeItem(size)
  const encrypted = await encryptor.encryptItem(item)
  const floor = buildFloor(suite, item, BENCH_TABLE, encrypted)
  // Warm: branch key cache filled and both code paths optimized by the JIT (a few iterations are not enough for that).
  const warmUntil = performance.now() + warmUpMs
  for (let i = 0; i < 3 || performance.now() < warmUntil; i++) {
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
