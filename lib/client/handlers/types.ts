import type { Item } from '../../types'
import type { EncryptedTable } from '../encrypted-table'
import type { WireTaken } from '../wire-page'

/** The configured tables of one client, looked up by name or ARN. */
export interface Tables {
  get(nameOrArn: string | undefined): EncryptedTable | undefined
  readonly names: ReadonlySet<string>
}

/** Instructions that `updateEncryptedItem` attaches to its own commands (never reachable from user input). */
export interface Directive {
  /** GetItem: receives the request key and the stored item once it verified. */
  onVerifiedRead?(read: { key: Item; stored: Item | undefined }): void
  /** PutItem: write only if the stored item is still `stored` (absent when undefined), and keep `key`. */
  replaceExactly?: { key: Item; stored: Item | undefined }
  /** PutItem: receives the header of the item as it is sent (each encryption makes a unique one). */
  onSentHeader?(header: Uint8Array): void
}

/** How one request to a configured table is sent and how its response is turned back. */
export interface RequestPlan {
  input: object
  /**
   * Verifies and decrypts what DynamoDB returned, before the DocumentClient unmarshalls it. `wire`: what `takeFromBody`
   * took out of the HTTP body (see wire-page.ts), when the plan has one and the body could be read so; `output` then
   * lacks those items.
   */
  completeOutput?(output: object, wire?: WireTaken): Promise<object>
  /**
   * GetItem, Query, Scan, BatchGetItem: takes the configured tables' items out of a successful response body, so that
   * the SDK does not convert them (a page in one block); returns the rest of the body for the SDK, or `undefined` to
   * leave it whole.
   */
  takeFromBody?(body: Uint8Array): { rest: Uint8Array; taken: WireTaken } | undefined
  /** Errors can carry items too (ReturnValuesOnConditionCheckFailure); returns the error to throw. */
  completeError?(error: unknown): Promise<unknown>
}

/** `undefined`: no configured table involved, send the request unchanged. */
export type CommandHandler<I extends object = object> = (
  input: I,
  tables: Tables,
  directive: Directive | undefined,
) => Promise<RequestPlan | undefined>
