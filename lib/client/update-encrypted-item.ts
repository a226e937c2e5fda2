import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand, type GetCommandOutput } from '@aws-sdk/lib-dynamodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { ClientOperationError, ConfigError } from '../errors'
import { HEADER_ATTRIBUTE } from '../item'
import { bufferView } from '../structured/bytes'
import type { Item } from '../types'
import { isConditionalCheckFailed } from './handlers/shared'
import type { Directive } from './handlers/types'
import { registrationOf, withDirective } from './middleware'

/** An item as the DocumentClient shows it: plain JavaScript values. */
export type DocumentItem = NonNullable<GetCommandOutput['Item']>

export interface UpdateEncryptedItemParams<T> {
  TableName: string
  Key: T
  /**
   * Receives the verified, decrypted item, or `undefined` when there is none (then the result is created,
   * as DynamoDB's UpdateItem would). Returns the whole new item, with the same key. May run more than once.
   */
  update: (item: T | undefined) => T | Promise<T>
  /** Attempts before giving up with ERR_CONFLICT when other writers keep changing the item. Default 3. */
  maxAttempts?: number
}

/**
 * Safe read-modify-write of signed and encrypted attributes: read (strongly consistent), verify, decrypt,
 * `update`, re-encrypt and sign, and write back only if the stored item is still the one that was read.
 * Every write of an encrypted item has a fresh header (new message id), so an unchanged `aws_dbe_head`
 * proves that no signed attribute changed in between; unsigned attributes are compared one by one
 * (see `unchangedSince`). On a conflict it starts over; after `maxAttempts` it fails with ERR_CONFLICT.
 */
export function updateEncryptedItem(client: DynamoDBDocumentClient, params: UpdateEncryptedItemParams<DocumentItem>): Promise<DocumentItem>
export function updateEncryptedItem(client: DynamoDBClient, params: UpdateEncryptedItemParams<Item>): Promise<Item>
export async function updateEncryptedItem(
  client: DynamoDBClient | DynamoDBDocumentClient,
  params: UpdateEncryptedItemParams<DocumentItem> | UpdateEncryptedItemParams<Item>,
): Promise<DocumentItem | Item> {
  const { TableName, maxAttempts = 3 } = params
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigError('ERR_CONFIG_INVALID', `updateEncryptedItem: maxAttempts must be a positive integer, got ${String(maxAttempts)}.`)
  }
  const table = registrationOf(client.middlewareStack)?.tables.get(TableName)
  if (table === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `updateEncryptedItem: table "${TableName}" is not configured on this client; ` +
        'pass an EncryptedDynamoDBClient or a client from EncryptedDocumentClient.from whose config lists it.',
    )
  }
  const io = client instanceof DynamoDBDocumentClient ? documentIo(client) : lowLevelIo(client)
  const update = params.update as (item: unknown) => unknown
  let lastKey: Item = {}
  /** The last write whose condition failed: its result, and the header it was sent with. */
  let unconfirmed: { result: unknown; header: Uint8Array } | undefined
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let read: { key: Item; stored: Item | undefined } | undefined
    const current = await io.get(TableName, params.Key, { onVerifiedRead: (verified) => (read = verified) })
    if (read === undefined) throw new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `updateEncryptedItem on table "${TableName}": the read was not verified.`)
    const { key, stored } = read
    // A write can land while its answer is lost; the SDK's retry of it then fails the condition against the item it
    // wrote itself. Every encryption makes a unique header, so finding ours stored means the update is done.
    if (unconfirmed !== undefined && sameBytes(headerOf(stored), unconfirmed.header)) return unconfirmed.result as DocumentItem | Item
    lastKey = key
    const next = await update(current)
    if (typeof next !== 'object' || next === null) {
      throw new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `updateEncryptedItem on table "${TableName}": update() must return the whole new item.`)
    }
    let sentHeader: Uint8Array | undefined
    try {
      // The encrypting middleware adds the condition that the stored item is still the one read.
      await io.put(TableName, next, { replaceExactly: { key, stored }, onSentHeader: (header) => (sentHeader = header) })
      return next as DocumentItem | Item
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
      unconfirmed = sentHeader === undefined ? undefined : { result: next, header: sentHeader }
      if (attempt < maxAttempts) await sleep(backoffMs(attempt))
    }
  }
  if (unconfirmed !== undefined) {
    let read: { stored: Item | undefined } | undefined
    await io.get(TableName, params.Key, { onVerifiedRead: (verified) => (read = verified) })
    if (sameBytes(headerOf(read?.stored), unconfirmed.header)) return unconfirmed.result as DocumentItem | Item
  }
  throw new ClientOperationError(
    'ERR_CONFLICT',
    `updateEncryptedItem on table "${TableName}": the item ${table.describe(lastKey)} changed during each of ${maxAttempts} attempts; ` +
      'retry later or raise maxAttempts.',
  )
}

interface ItemIo {
  get(tableName: string, key: unknown, directive: { onVerifiedRead: (read: { key: Item; stored: Item | undefined }) => void }): Promise<unknown>
  put(tableName: string, item: object, directive: Directive): Promise<void>
}

function lowLevelIo(client: DynamoDBClient): ItemIo {
  return {
    async get(TableName, key, directive) {
      const command = withDirective(new GetItemCommand({ TableName, Key: key as Item, ConsistentRead: true }), directive)
      return (await client.send(command)).Item
    },
    async put(TableName, item, directive) {
      await client.send(withDirective(new PutItemCommand({ TableName, Item: item as Item }), directive))
    },
  }
}

function documentIo(client: DynamoDBDocumentClient): ItemIo {
  return {
    async get(TableName, key, directive) {
      const command = withDirective(new GetCommand({ TableName, Key: key as DocumentItem, ConsistentRead: true }), directive)
      return (await client.send(command)).Item
    },
    async put(TableName, item, directive) {
      await client.send(withDirective(new PutCommand({ TableName, Item: item as DocumentItem }), directive))
    },
  }
}

function headerOf(stored: Item | undefined): Uint8Array | undefined {
  return stored?.[HEADER_ATTRIBUTE]?.B
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && bufferView(a).equals(b)
}

/** Full jitter, capped: contending writers spread out instead of colliding again in lockstep. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(250, 10 * 2 ** attempt)
}
