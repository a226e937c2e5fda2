import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { EncryptorError } from '../../errors'
import type { Item } from '../../types'
import type { EncryptedTable } from '../encrypted-table'
import { namePlaceholders } from '../expressions/paths'
import { compileProjection, type Projection } from '../projection'

/** Items decrypted at once per command; each may need a KMS call. */
export const DECRYPT_CONCURRENCY = 16

export interface ProjectedRead<I> {
  /** The request without its projection: verification needs the whole item. */
  request: I
  /** Applied to each verified item; `undefined` when the caller asked for whole items. */
  projection: Projection | undefined
}

interface ProjectableInput {
  ProjectionExpression?: string
  ExpressionAttributeNames?: Record<string, string>
}

/**
 * DB-ESDK fails projected reads because an item can only be verified whole. We fetch it whole, verify it,
 * then project on the client. Names used only by the projection are dropped (DynamoDB rejects unused ones);
 * names the caller never used at all are kept, so DynamoDB still reports that mistake.
 */
export function withoutProjection<I extends ProjectableInput>(input: I, otherExpressions: Array<string | undefined>, field: string): ProjectedRead<I> {
  if (input.ProjectionExpression === undefined) return { request: input, projection: undefined }
  const projection = compileProjection(input.ProjectionExpression, input.ExpressionAttributeNames, field)
  const stillUsed = new Set(otherExpressions.flatMap((expression) => [...namePlaceholders(expression)]))
  const onlyProjection = [...namePlaceholders(input.ProjectionExpression)].filter((name) => !stillUsed.has(name))
  const request: I = { ...input }
  delete request.ProjectionExpression
  if (input.ExpressionAttributeNames !== undefined) {
    const names = Object.fromEntries(Object.entries(input.ExpressionAttributeNames).filter(([name]) => !onlyProjection.includes(name)))
    if (Object.keys(names).length > 0) request.ExpressionAttributeNames = names
    else delete request.ExpressionAttributeNames
  }
  return { request, projection }
}

export async function decryptAndProject(table: EncryptedTable, stored: Item, command: string, projection: Projection | undefined, indexName?: string): Promise<Item> {
  const item = await table.decrypt(stored, command, indexName)
  return projection === undefined ? item : projection(item)
}

/**
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD` puts the stored item into the error; verify and decrypt it
 * like any other read, so a caught error never carries ciphertext or unverified values.
 */
export async function decryptItemInError(error: unknown, table: EncryptedTable, command: string): Promise<unknown> {
  const item = itemOf(error)
  if (item === undefined) return error
  ;(error as { Item: Item }).Item = await table.decrypt(item, command)
  return error
}

export function itemOf(error: unknown): Item | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const item = (error as { Item?: unknown }).Item
  return typeof item === 'object' && item !== null ? (item as Record<string, AttributeValue>) : undefined
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException'
}

/**
 * The item a write returned (`ReturnValues`), verified and decrypted. DynamoDB applied the write before answering, so
 * if that item fails verification the error says the write happened: a caller must not take it for a failed write.
 */
export async function decryptReturnedItem(table: EncryptedTable, stored: Item, command: string, returnValues: string | undefined): Promise<Item> {
  try {
    return await table.decrypt(stored, command)
  } catch (error) {
    if (!(error instanceof EncryptorError)) throw error
    const SameKind = error.constructor as new (...args: ConstructorParameters<typeof EncryptorError>) => EncryptorError
    throw new SameKind(error.code, `${command} was applied; the item it returned (ReturnValues ${returnValues ?? 'ALL_OLD'}) is withheld because it could not be verified: ${error.message}`, {
      cause: error,
    })
  }
}
