import { aliasArn, keyArn, parseKeyReference, partitionOf } from './arn'
import { KmsError } from './kms-error'
import type { KeySpec, KeyUsage } from './key-specs'

/** Key states this emulator models (AWS also has PendingImport, Unavailable, Updating). */
export type KeyState = 'Creating' | 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingReplicaDeletion'
/** The states stored; `Creating` is derived from `creatingUntil` so no timer is needed. */
export type StoredKeyState = Exclude<KeyState, 'Creating'>
export type MultiRegionRole = 'PRIMARY' | 'REPLICA'

export interface Tag {
  TagKey: string
  TagValue: string
}

/** What related multi-Region keys share: id, spec, usage and the secret. */
export interface KeyMaterial {
  readonly keySpec: KeySpec
  readonly keyUsage: KeyUsage
  readonly secret: Buffer
}

/** One KMS key in one Region. Related multi-Region keys are separate records with the same key id. */
export interface KeyRecord {
  readonly keyId: string
  readonly region: string
  readonly material: KeyMaterial
  readonly creationDate: number
  description: string
  tags: Tag[]
  policy: string
  state: StoredKeyState
  /** A new replica reports `Creating` until this time (epoch ms), like AWS while it copies the material. */
  creatingUntil?: number
  deletionDate?: number
  pendingWindowInDays?: number
  /** Absent for single-Region keys. */
  multiRegionRole?: MultiRegionRole
}

export interface AliasRecord {
  readonly aliasName: string
  targetKeyId: string
  readonly creationDate: number
  lastUpdatedDate: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/** All keys and aliases, per Region, of the one account the local KMS serves. */
export class KeyStore {
  private keys = new Map<string, Map<string, KeyRecord>>()
  private aliases = new Map<string, Map<string, AliasRecord>>()

  constructor(readonly accountId: string) {}

  arnOf(record: { region: string; keyId: string }): string {
    return keyArn(record.region, this.accountId, record.keyId)
  }

  get(region: string, keyId: string): KeyRecord | undefined {
    return this.keys.get(region)?.get(keyId)
  }

  keysIn(region: string): KeyRecord[] {
    return [...(this.keys.get(region)?.values() ?? [])]
  }

  allKeys(): KeyRecord[] {
    return [...this.keys.values()].flatMap((byId) => [...byId.values()])
  }

  /** The primary and replicas sharing a multi-Region key id, in every Region. */
  related(keyId: string): KeyRecord[] {
    return this.allKeys().filter((record) => record.keyId === keyId)
  }

  primaryOf(keyId: string): KeyRecord | undefined {
    return this.related(keyId).find((record) => record.multiRegionRole === 'PRIMARY')
  }

  add(record: KeyRecord): void {
    const byId = this.keys.get(record.region) ?? new Map<string, KeyRecord>()
    byId.set(record.keyId, record)
    this.keys.set(record.region, byId)
  }

  /** Deletes a key and the aliases pointing at it, as KMS does when the waiting period ends. */
  remove(record: KeyRecord): void {
    this.keys.get(record.region)?.delete(record.keyId)
    for (const alias of this.aliasesIn(record.region)) {
      if (alias.targetKeyId === record.keyId) this.deleteAlias(record.region, alias.aliasName)
    }
  }

  alias(region: string, aliasName: string): AliasRecord | undefined {
    return this.aliases.get(region)?.get(aliasName)
  }

  aliasesIn(region: string): AliasRecord[] {
    return [...(this.aliases.get(region)?.values() ?? [])]
  }

  allAliases(): { region: string; alias: AliasRecord }[] {
    return [...this.aliases.entries()].flatMap(([region, byName]) =>
      [...byName.values()].map((alias) => ({ region, alias })),
    )
  }

  setAlias(region: string, alias: AliasRecord): void {
    const byName = this.aliases.get(region) ?? new Map<string, AliasRecord>()
    byName.set(alias.aliasName, alias)
    this.aliases.set(region, byName)
  }

  deleteAlias(region: string, aliasName: string): void {
    this.aliases.get(region)?.delete(aliasName)
  }

  stateOf(record: KeyRecord, now: number): KeyState {
    if (record.state === 'Enabled' && record.creatingUntil !== undefined && now < record.creatingUntil) return 'Creating'
    return record.state
  }

  /**
   * Finds the key a KeyId parameter names in the Region of the request: a key id, a key ARN, an alias name or an
   * alias ARN. As in AWS, a key lives in its Region only: an ARN of another Region or an id unknown here is not found.
   */
  resolve(region: string, text: string): KeyRecord {
    const reference = parseKeyReference(text)
    if (reference.kind === 'malformed') throw new KmsError('NotFoundException', `Invalid keyId '${text}'`)
    if (reference.arn !== undefined) {
      if (reference.arn.region !== region) throw new KmsError('NotFoundException', `Invalid arn ${reference.arn.region}`)
      if (reference.arn.accountId !== this.accountId || reference.arn.partition !== partitionOf(region)) {
        throw new KmsError('NotFoundException', `Key '${text}' does not exist`)
      }
    }
    if (reference.kind === 'alias') {
      const alias = this.alias(region, reference.aliasName)
      const target = alias === undefined ? undefined : this.get(region, alias.targetKeyId)
      if (target === undefined) {
        throw new KmsError('NotFoundException', `Alias ${aliasArn(region, this.accountId, reference.aliasName)} is not found.`)
      }
      return target
    }
    const record = this.get(region, reference.keyId)
    if (record === undefined) {
      throw new KmsError('NotFoundException', `Key '${keyArn(region, this.accountId, reference.keyId)}' does not exist`)
    }
    return record
  }

  /**
   * Ends the waiting period of keys scheduled for deletion whose date has passed. A multi-Region primary waits in
   * PendingReplicaDeletion until its last replica is gone, then starts its own waiting period.
   * Returns whether anything changed.
   */
  purgeExpired(now: number): boolean {
    if (!this.hasExpired(now)) return false
    for (const record of this.allKeys()) {
      if (isDue(record, now)) this.remove(record)
    }
    for (const record of this.allKeys()) {
      if (!this.isPrimaryWithoutReplicas(record)) continue
      record.state = 'PendingDeletion'
      record.deletionDate = now + (record.pendingWindowInDays ?? 30) * DAY_MS
    }
    return true
  }

  /** Whether `purgeExpired` has anything to do (checked on every request, so it does not copy anything). */
  hasExpired(now: number): boolean {
    return this.allKeys().some((record) => isDue(record, now) || this.isPrimaryWithoutReplicas(record))
  }

  private isPrimaryWithoutReplicas(record: KeyRecord): boolean {
    return (
      record.state === 'PendingReplicaDeletion' &&
      !this.related(record.keyId).some((other) => other.multiRegionRole === 'REPLICA')
    )
  }

  /** An independent copy to roll back to. Key material is immutable and shared. */
  clone(): KeyStore {
    const copy = new KeyStore(this.accountId)
    for (const record of this.allKeys()) copy.add({ ...record, tags: record.tags.map((tag) => ({ ...tag })) })
    for (const { region, alias } of this.allAliases()) copy.setAlias(region, { ...alias })
    return copy
  }

  /** Replaces the whole contents (used to roll back a change that could not be persisted). */
  replaceWith(other: KeyStore): void {
    if (other.accountId !== this.accountId) throw new Error('cannot replace a key store with one of another account')
    this.keys = other.keys
    this.aliases = other.aliases
  }
}

function isDue(record: KeyRecord, now: number): boolean {
  return record.state === 'PendingDeletion' && record.deletionDate !== undefined && record.deletionDate <= now
}

export { DAY_MS }
