import { canonicalItem, type Item } from './item-identity'
import { compareVersions, sameVersion, type WriteVersion } from './write-version'
import type { ChangeRecord } from './stream-reader'

/** The latest write of one item, from whichever Region: what every Region must end up holding. */
export interface WinningWrite {
  readonly version: WriteVersion
  readonly key: Item
  /** Absent: the item was deleted. */
  readonly image: Item | undefined
}

/** A write the replicator made whose stream record it has not read back yet. */
interface PendingEcho {
  version: WriteVersion
  /** Canonical image written, or undefined for a delete. */
  readonly imageText: string | undefined
}

export interface RegionReplicationStats {
  /** Writes made in this Region by anyone but the replicator, as read from its stream. */
  localWrites: number
  /** PutItem/DeleteItem calls the replicator made in this Region (one per winning version it brought there). */
  replicatedWrites: number
  /** Records of this Region's stream recognised as the replicator's own writes, and so not replicated again. */
  echoesSuppressed: number
  /** Local writes of this Region overwritten by a newer write from another Region before they reached every Region. */
  conflictsLost: number
  /** Replicated writes into this Region that failed (each is retried). */
  failedApplies: number
}

/**
 * The replicator's memory, kept beside the tables so that items carry nothing extra (like global tables
 * 2019.11.21, unlike 2017.11.29's aws:rep:* attributes): per item, the winning write; per Region and item, the
 * version its table holds and the replicated writes whose echo is still to come.
 */
export class ReplicationState {
  private readonly winners = new Map<string, WinningWrite>()
  private readonly held = new Map<string, Map<string, WriteVersion>>()
  private readonly echoes = new Map<string, Map<string, PendingEcho[]>>()
  /** Items some Region does not hold the winner of yet. */
  private readonly unsettled = new Set<string>()
  readonly stats: Record<string, RegionReplicationStats> = {}

  constructor(readonly regions: readonly string[]) {
    for (const region of regions) {
      this.held.set(region, new Map())
      this.echoes.set(region, new Map())
      this.stats[region] = { localWrites: 0, replicatedWrites: 0, echoesSuppressed: 0, conflictsLost: 0, failedApplies: 0 }
    }
  }

  /** Takes in one record of `region`'s stream, read at `observedAtMs`. */
  observe(region: string, change: ChangeRecord, observedAtMs: number): void {
    const keyText = canonicalItem(change.key)
    const imageText = change.newImage === undefined ? undefined : canonicalItem(change.newImage)
    const queue = this.echoQueue(region, keyText)
    const head = queue[0]
    if (head !== undefined && head.imageText === imageText) {
      queue.shift()
      if (queue.length === 0) this.echoesOf(region).delete(keyText)
      this.heldIn(region).set(keyText, head.version)
      this.regionStats(region).echoesSuppressed++
      this.markUnsettled(keyText)
      return
    }
    const version: WriteVersion = { timeMs: observedAtMs, region, sequenceNumber: change.sequenceNumber }
    this.regionStats(region).localWrites++
    const previous = this.winners.get(keyText)
    if (previous === undefined || compareVersions(version, previous.version) > 0) {
      if (previous !== undefined && previous.version.region !== region && !this.reachedEveryRegion(keyText, previous.version)) {
        this.regionStats(previous.version.region).conflictsLost++
      }
      this.winners.set(keyText, { version, key: change.key, image: change.newImage })
    }
    this.heldIn(region).set(keyText, version)
    this.markUnsettled(keyText)
  }

  /** The writes due now: for each unsettled item, the Regions that neither hold nor await its winner. */
  dueWrites(nowMs: number, replicationDelayMs: number): { region: string; keyText: string; write: WinningWrite }[] {
    const due: { region: string; keyText: string; write: WinningWrite }[] = []
    for (const keyText of this.unsettled) {
      const write = this.winners.get(keyText)
      if (write === undefined) continue
      const behind = this.regions.filter((region) => !sameVersion(this.expectedIn(region, keyText), write.version))
      if (behind.length === 0 && this.allEchoesIn(keyText)) {
        this.unsettled.delete(keyText)
        continue
      }
      if (nowMs < write.version.timeMs + replicationDelayMs) continue
      for (const region of behind) due.push({ region, keyText, write })
    }
    return due
  }

  /** Records a replicated write that succeeded; `changed` says whether it altered the table (else no record comes). */
  applied(region: string, keyText: string, version: WriteVersion, imageText: string | undefined, changed: boolean): void {
    this.regionStats(region).replicatedWrites++
    const queue = this.echoQueue(region, keyText)
    if (changed) this.echoesOf(region).set(keyText, [...queue, { version, imageText }])
    else if (queue.length > 0) (queue[queue.length - 1] as PendingEcho).version = version // the table already held this image
    else this.heldIn(region).set(keyText, version)
  }

  failed(region: string): void {
    this.regionStats(region).failedApplies++
  }

  /** Nothing waits: every item's winner is in every Region and every echo has been read back. */
  isSettled(): boolean {
    return this.unsettled.size === 0
  }

  unsettledCount(): number {
    return this.unsettled.size
  }

  outstandingEchoes(): number {
    let count = 0
    for (const perKey of this.echoes.values()) for (const queue of perKey.values()) count += queue.length
    return count
  }

  private reachedEveryRegion(keyText: string, version: WriteVersion): boolean {
    return this.regions.every((region) => sameVersion(this.expectedIn(region, keyText), version))
  }

  /** The version a Region will hold once the replicated writes in flight there are read back. */
  private expectedIn(region: string, keyText: string): WriteVersion | undefined {
    const queue = this.echoQueue(region, keyText)
    return queue.length > 0 ? (queue[queue.length - 1] as PendingEcho).version : this.heldIn(region).get(keyText)
  }

  private allEchoesIn(keyText: string): boolean {
    return this.regions.every((region) => this.echoQueue(region, keyText).length === 0)
  }

  private markUnsettled(keyText: string): void {
    this.unsettled.add(keyText)
  }

  private heldIn(region: string): Map<string, WriteVersion> {
    return this.held.get(region) as Map<string, WriteVersion>
  }

  /** The echoes awaited from `region` for one item, oldest first (empty when none). */
  private echoQueue(region: string, keyText: string): PendingEcho[] {
    return this.echoesOf(region).get(keyText) ?? []
  }

  private echoesOf(region: string): Map<string, PendingEcho[]> {
    return this.echoes.get(region) as Map<string, PendingEcho[]>
  }

  private regionStats(region: string): RegionReplicationStats {
    return this.stats[region] as RegionReplicationStats
  }
}
