import type { BatchWriteItemCommandInput, BatchWriteItemCommandOutput, WriteRequest } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../../errors'
import { mapBounded } from '../bounded'
import type { EncryptedTable } from '../encrypted-table'
import { keyFingerprint } from '../item-key'
import { DECRYPT_CONCURRENCY } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'BatchWriteItem'

interface TableWrites {
  table: EncryptedTable
  /** The caller's plaintext put requests by item key; a batch cannot hold two requests for one key. */
  originalPuts: Map<string, WriteRequest>
}

export const batchWriteItem: CommandHandler<BatchWriteItemCommandInput> = async (input, tables) => {
  const writes = new Map<string, TableWrites>()
  const requestItems: Record<string, WriteRequest[]> = {}
  const pending: Array<Promise<void>> = []
  for (const [name, requests] of Object.entries(input.RequestItems ?? {})) {
    const table = tables.get(name)
    if (table === undefined) {
      requestItems[name] = requests
      continue
    }
    // One entry per table, also when the request names it twice (by name and by ARN): each group's puts are kept.
    let tableWrites = writes.get(table.name)
    if (tableWrites === undefined) {
      tableWrites = { table, originalPuts: new Map<string, WriteRequest>() }
      writes.set(table.name, tableWrites)
    }
    for (const request of requests) {
      if (request.PutRequest?.Item !== undefined) tableWrites.originalPuts.set(keyFingerprint(request.PutRequest.Item, table.policy.keyAttributes), request)
    }
    const encrypted = mapBounded(requests, DECRYPT_CONCURRENCY, async (request): Promise<WriteRequest> => {
      const item = request.PutRequest?.Item
      if (item === undefined) return request
      return { ...request, PutRequest: { ...request.PutRequest, Item: await table.encrypt(item, COMMAND) } }
    })
    pending.push(encrypted.then((result) => void (requestItems[name] = result)))
  }
  if (writes.size === 0) return undefined
  await Promise.all(pending)
  // Keep the caller's table order: a later retry of UnprocessedItems reads naturally.
  const ordered = Object.fromEntries(Object.keys(input.RequestItems ?? {}).map((name) => [name, requestItems[name]]))
  return {
    input: { ...input, RequestItems: ordered },
    async completeOutput(output) {
      const { UnprocessedItems } = output as BatchWriteItemCommandOutput
      if (UnprocessedItems === undefined) return output
      return { ...output, UnprocessedItems: asRequested(UnprocessedItems, (name) => writes.get(tables.get(name)?.name ?? '')) }
    },
  }
}

/** Unprocessed puts go back as the caller's plaintext requests, so `send(new BatchWriteItemCommand({ RequestItems: UnprocessedItems }))` works. */
function asRequested(
  unprocessed: Record<string, WriteRequest[]>,
  writesFor: (name: string) => TableWrites | undefined,
): Record<string, WriteRequest[]> {
  return Object.fromEntries(
    Object.entries(unprocessed).map(([name, requests]) => {
      const writes = writesFor(name)
      if (writes === undefined) return [name, requests]
      return [
        name,
        requests.map((request) => {
          const item = request.PutRequest?.Item
          if (item === undefined) return request
          const original = writes.originalPuts.get(keyFingerprint(item, writes.table.policy.keyAttributes))
          if (original === undefined) {
            throw new ClientOperationError(
              'ERR_UNSUPPORTED_OPERATION',
              `${COMMAND} on table "${writes.table.name}": DynamoDB returned an unprocessed put for ${writes.table.describe(item)} that was not in the request.`,
            )
          }
          return original
        }),
      ]
    }),
  )
}
