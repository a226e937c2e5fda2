import type { QueryCommandInput, QueryCommandOutput, ScanCommandInput } from '@aws-sdk/client-dynamodb'
import type { Item } from '../../types'
import { mapBoundedReleasing } from '../bounded'
import { readWireItem, takeItems, type WireItem } from '../wire-page'
import { DECRYPT_CONCURRENCY, decryptAndProject, withoutProjection } from './shared'
import type { CommandHandler } from './types'

type ReadManyInput = QueryCommandInput | ScanCommandInput

function readMany(command: 'Query' | 'Scan'): CommandHandler<ReadManyInput> {
  return async (input, tables) => {
    const table = tables.get(input.TableName)
    if (table === undefined) return undefined
    const { policy } = table
    const keyCondition = (input as QueryCommandInput).KeyConditionExpression
    policy.refuseLegacyParameters(input, command)
    policy.refuseEncryptedReferences(keyCondition, input.ExpressionAttributeNames, command, 'KeyConditionExpression')
    policy.refuseEncryptedReferences(input.FilterExpression, input.ExpressionAttributeNames, command, 'FilterExpression')
    if (input.Select === 'COUNT') return { input }
    const { request, projection } = withoutProjection(input, [keyCondition, input.FilterExpression], `${command}.ProjectionExpression`)
    if (projection !== undefined && request.Select === 'SPECIFIC_ATTRIBUTES') delete request.Select
    return {
      input: request,
      takeFromBody(body) {
        const page = takeItems(body)
        return page === undefined ? undefined : { rest: page.rest, taken: { items: page.items } }
      },
      async completeOutput(output, wire) {
        const wireItems = wire?.items
        const items = wireItems ?? (output as QueryCommandOutput).Items
        if (items === undefined) return output
        // One bad item fails the page: never a partial page of plaintext. The page of stored items is ours to consume;
        // each is let go as its decryption starts, so a large page is not kept twice over.
        const decrypted = await mapBoundedReleasing<WireItem | Item, Item>(items, DECRYPT_CONCURRENCY, (item) =>
          decryptAndProject(table, wireItems === undefined ? (item as Item) : readWireItem(item, command), command, projection, input.IndexName),
        )
        return { ...output, Items: decrypted }
      },
    }
  }
}

export const query = readMany('Query')
export const scan = readMany('Scan')
