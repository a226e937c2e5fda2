import type { BatchGetItemCommandInput, BatchGetItemCommandOutput, KeysAndAttributes } from '@aws-sdk/client-dynamodb'
import type { Item } from '../../types'
import { mapBounded } from '../bounded'
import type { EncryptedTable } from '../encrypted-table'
import type { Projection } from '../projection'
import { DECRYPT_CONCURRENCY, decryptAndProject, withoutProjection } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'BatchGetItem'

interface TableRead {
  table: EncryptedTable
  original: KeysAndAttributes
  projection: Projection | undefined
}

export const batchGetItem: CommandHandler<BatchGetItemCommandInput> = async (input, tables) => {
  const reads = new Map<string, TableRead>()
  const requestItems: Record<string, KeysAndAttributes> = {}
  for (const [name, original] of Object.entries(input.RequestItems ?? {})) {
    const table = tables.get(name)
    if (table === undefined) {
      requestItems[name] = original
      continue
    }
    table.policy.refuseLegacyParameters(original, COMMAND, `${COMMAND}.RequestItems["${name}"]`)
    const { request, projection } = withoutProjection(original, [], `${COMMAND}.RequestItems["${name}"].ProjectionExpression`)
    requestItems[name] = request
    reads.set(table.name, { table, original, projection })
  }
  if (reads.size === 0) return undefined
  // DynamoDB may key the response by name where the request used an ARN: match through the configuration.
  const readFor = (name: string): TableRead | undefined => {
    const table = tables.get(name)
    return table === undefined ? undefined : (reads.get(table.name) ?? { table, original: { Keys: [] }, projection: undefined })
  }
  return {
    input: { ...input, RequestItems: requestItems },
    async completeOutput(output) {
      const { Responses, UnprocessedKeys } = output as BatchGetItemCommandOutput
      const work: Array<{ name: string; read: TableRead; item: Item }> = []
      for (const [name, items] of Object.entries(Responses ?? {})) {
        const read = readFor(name)
        if (read !== undefined) items.forEach((item) => work.push({ name, read, item }))
      }
      const decrypted = await mapBounded(work, DECRYPT_CONCURRENCY, ({ read, item }) => decryptAndProject(read.table, item, COMMAND, read.projection))
      const responses: Record<string, Item[]> = {}
      for (const [name, items] of Object.entries(Responses ?? {})) responses[name] = readFor(name) === undefined ? items : []
      work.forEach(({ name }, index) => responses[name].push(decrypted[index]))
      return {
        ...output,
        ...(Responses === undefined ? {} : { Responses: responses }),
        ...(UnprocessedKeys === undefined ? {} : { UnprocessedKeys: asRequested(UnprocessedKeys, readFor) }),
      }
    },
  }
}

/** Unprocessed keys come back with the caller's own projection, so a retry loop asks for what it asked for. */
function asRequested(
  unprocessed: Record<string, KeysAndAttributes>,
  readFor: (name: string) => TableRead | undefined,
): Record<string, KeysAndAttributes> {
  return Object.fromEntries(
    Object.entries(unprocessed).map(([name, request]) => {
      const read = readFor(name)
      return [name, read === undefined ? request : { ...read.original, Keys: request.Keys }]
    }),
  )
}
