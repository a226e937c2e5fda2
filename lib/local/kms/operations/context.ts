import type { KeyRecord, KeyStore } from '../key-store'
import type { JsonObject, RequestFields } from '../request-fields'

/** What one operation sees of the server: the store, the Region the request was signed for, and the time. */
export interface OperationContext {
  readonly store: KeyStore
  readonly region: string
  readonly now: number
  readonly replicaCreationDelayMs: number
  /** Notes the key a call acted on, for `calls()`. */
  noteKey(record: KeyRecord): void
}

export interface Operation {
  /** Changing operations are persisted before they are acknowledged and rolled back when that fails. */
  readonly mutates: boolean
  run(fields: RequestFields, context: OperationContext): JsonObject
}
