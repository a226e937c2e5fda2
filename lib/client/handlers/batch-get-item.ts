import type { BatchGetItemCommandInput, BatchGetItemCommandOutput, KeysAndAttributes } from '@aws-sdk/client-dynamodb'
import type { Item } from '../../types'
import { setOwn } from '../../structured/own-property'
import { mapBounded } from '../bounded'
import type { EncryptedTable } from '../encrypted-table'
import type { Projection } from '../projection'
import { readWireItem, takeResponses, type WireItem } from '../wire-page'
import { DECRYPT_CONCURRENCY, decryptAndProject, withoutProjection } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'BatchGetItem'

interface TableRead {
  table: EncryptedTable
  original: KeysAndAttributes
  projection: Projection | undefined
  /** The name or ARN the request used for the table. */
  requestedAs?: string
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
    if (reads.has(table.name)) {
      // DynamoDB answers per table; two entries (by name and by ARN) could not each get their own projection back.
      throw table.policy.refusal(COMMAND, `RequestItems names the table twice ("${reads.get(table.name)?.requestedAs}" and "${name}"); put all its keys in one entry.`)
    }
    const { request, projection } = withoutProjection(original, [], `${COMMAND}.RequestItems["${name}"].ProjectionExpression`)
    requestItems[name] = request
    reads.set(table.name, { table, original, projection, requestedAs: name })
  }
  if (reads.size === 0) return undefined
  // DynamoDB may key the response by name where the request used an ARN: match through the configuration.
  const readFor = (name: string): TableRead | undefined => {
    const table = tables.get(name)
    return table === undefined ? undefined : (reads.get(table.name) ?? { table, original: { Keys: [] }, projection: undefined })
  }
  return {
    input: { ...input, RequestItems: requestItems },
    takeFromBody(body) {
      const split = takeResponses(body, (name) => readFor(name) !== undefined)
      return split === undefined ? undefined : { rest: split.rest, taken: { responses: split.responses } }
    },
    async completeOutput(output, wire) {
      const { Responses, UnprocessedKeys } = output as BatchGetItemCommandOutput
      // Tables the SDK converted (all of them when the body was left whole), then those taken from the body.
      const returned = [
        ...Object.entries(Responses ?? {}).map(([name, items]) => ({ name, items: items as Array<Item | WireItem>, fromWire: false })),
        ...[...(wire?.responses ?? [])].map(([name, items]) => ({ name, items: items as Array<Item | WireItem>, fromWire: true })),
      ].map((entry) => ({ ...entry, read: readFor(entry.name) }))
      const work: Array<{ name: string; read: TableRead; item: Item | WireItem; fromWire: boolean }> = []
      for (const { name, items, fromWire, read } of returned) {
        if (read !== undefined) items.forEach((item) => work.push({ name, read, item, fromWire }))
      }
      const decrypted = await mapBounded(work, DECRYPT_CONCURRENCY, ({ read, item, fromWire }) =>
        decryptAndProject(read.table, fromWire ? readWireItem(item as WireItem, COMMAND) : (item as Item), COMMAND, read.projection),
      )
      const responses: Record<string, Item[]> = {}
      // A table may be named "__proto__": its entry must be an own property, not the object's prototype.
      for (const { name, items, read } of returned) setOwn(responses, name, read === undefined ? (items as Item[]) : [])
      work.forEach(({ name }, index) => responses[name].push(decrypted[index]))
      return {
        ...output,
        ...(Responses === undefined && wire?.responses === undefined ? {} : { Responses: responses }),
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
