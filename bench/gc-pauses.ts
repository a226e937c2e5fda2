import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks'

/** The collections that stopped the event loop while a watch ran: what explains most of a large event-loop delay. */
export interface GcPauses {
  count: number
  totalMs: number
  longestMs: number
  /** The kind of the longest pause; `none` when there was no collection. */
  longestKind: GcKind
}

export type GcKind = 'scavenge' | 'mark-compact' | 'incremental marking' | 'weak callbacks' | 'other' | 'none'

function kindOf(entry: PerformanceEntry): GcKind {
  // @types/node does not type a gc entry's `detail` ({ kind, flags }).
  const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return 'scavenge'
  if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return 'mark-compact'
  if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) return 'incremental marking'
  if (kind === constants.NODE_PERFORMANCE_GC_WEAKCB) return 'weak callbacks'
  return 'other'
}

/** Starts recording V8's collections; `stop` ends the recording and sums up what it saw. */
export function watchGcPauses(): { stop: () => GcPauses } {
  const entries: PerformanceEntry[] = []
  const observer = new PerformanceObserver((list) => {
    entries.push(...list.getEntries())
  })
  observer.observe({ entryTypes: ['gc'] })
  return {
    stop: () => {
      // Entries are delivered asynchronously: take the ones still queued before disconnecting.
      entries.push(...observer.takeRecords())
      observer.disconnect()
      const pauses: GcPauses = { count: entries.length, totalMs: 0, longestMs: 0, longestKind: 'none' }
      for (const entry of entries) {
        pauses.totalMs += entry.duration
        if (entry.duration > pauses.longestMs) {
          pauses.longestMs = entry.duration
          pauses.longestKind = kindOf(entry)
        }
      }
      return pauses
    },
  }
}

/** The worse of two summaries (longest pause, largest total), for the worst of several runs. */
export function worseGcPauses(a: GcPauses, b: GcPauses): GcPauses {
  const longest = a.longestMs >= b.longestMs ? a : b
  return { count: Math.max(a.count, b.count), totalMs: Math.max(a.totalMs, b.totalMs), longestMs: longest.longestMs, longestKind: longest.longestKind }
}

export const NO_GC_PAUSES: GcPauses = { count: 0, totalMs: 0, longestMs: 0, longestKind: 'none' }

export function describeGcPauses(pauses: GcPauses): string {
  if (pauses.count === 0) return 'no collection'
  return `longest collection ${pauses.longestMs.toFixed(1)} ms (${pauses.longestKind}), ${pauses.count} collections ${pauses.totalMs.toFixed(0)} ms in all`
}
