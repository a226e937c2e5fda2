import type { Item } from '../../types'
import type { EncryptedTable } from '../encrypted-table'
import type { WireItem } from '../wire-page'

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
}

/** How one request to a configured table is sent and how its response is turned back. */
export interface RequestPlan {
  input: object
  /**
   * Verifies and decrypts what DynamoDB returned, before the DocumentClient unmarshalls it. `wireItems`: the page's
   * items as sent (see wire-page.ts) when the plan asked for them with `takesWireItems` and the body could be read so;
   * `output` then has no `Items` of its own.
   */
  completeOutput?(output: object, wireItems?: WireItem[]): Promise<object>
  /** Query and Scan: read the page's items from the HTTP body ourselves, so the SDK does not convert them in one block. */
  takesWireItems?: boolean
  /** Errors can carry items too (ReturnValuesOnConditionCheckFailure); returns the error to throw. */
  completeError?(error: unknown): Promise<unknown>
}

/** `undefined`: no configured table involved, send the request unchanged. */
export type CommandHandler<I extends object = object> = (
  input: I,
  tables: Tables,
  directive: Directive | undefined,
) => Promise<RequestPlan | undefined>
