/**
 * When and where a write happened: what last-writer-wins compares. DynamoDB Local stamps stream records only to
 * the minute, so `timeMs` is when the replicator first read the record from its Region's stream: never earlier
 * than the write, and later by at most one poll cycle. Writes further apart than that are ordered correctly;
 * closer ones are ordered deterministically (time, then Region name, then sequence number), as every Region
 * sees the same versions.
 */
export interface WriteVersion {
  readonly timeMs: number
  readonly region: string
  /** The stream sequence number of the write in its own Region. */
  readonly sequenceNumber: string
}

export function compareVersions(a: WriteVersion, b: WriteVersion): number {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs ? -1 : 1
  if (a.region !== b.region) return a.region < b.region ? -1 : 1
  return compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber)
}

export function sameVersion(a: WriteVersion | undefined, b: WriteVersion | undefined): boolean {
  return a !== undefined && b !== undefined && compareVersions(a, b) === 0
}

/** Sequence numbers are decimal strings of up to 40 digits: compare as integers. */
function compareSequenceNumbers(a: string, b: string): number {
  const left = BigInt(a)
  const right = BigInt(b)
  return left === right ? 0 : left < right ? -1 : 1
}
