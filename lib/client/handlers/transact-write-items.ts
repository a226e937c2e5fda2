import type { TransactWriteItem, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../../errors'
import { mapBounded } from '../bounded'
import type { EncryptedTable } from '../encrypted-table'
import { absentItemMessage, requireStoredHeader } from '../existing-item-condition'
import { DECRYPT_CONCURRENCY, itemOf } from './shared'
import type { CommandHandler, Tables } from './types'

const COMMAND = 'TransactWriteItems'
const ACTIONS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const

/** Puts are encrypted like PutItem; updates, deletes and condition checks are checked like the single commands. */
export const transactWriteItems: CommandHandler<TransactWriteItemsCommandInput> = async (input, tables) => {
  const entries = input.TransactItems ?? []
  const tablesByEntry = entries.map((entry, index) => checkEntry(entry, index, tables))
  if (tablesByEntry.every((table) => table === undefined)) return undefined
  const transactItems = await mapBounded(entries, DECRYPT_CONCURRENCY, async (entry, index): Promise<TransactWriteItem> => {
    const table = tablesByEntry[index]
    if (table === undefined) return entry
    if (entry.Update !== undefined) {
      // As UpdateItem: only existing encrypted items; the stored item on failure tells an absent item apart.
      return { ...entry, Update: { ...requireStoredHeader(entry.Update), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }
    }
    if (entry.Put === undefined) return entry
    return { ...entry, Put: { ...entry.Put, Item: await table.encrypt(entry.Put.Item ?? {}, `${COMMAND}.TransactItems[${index}].Put`) } }
  })
  return {
    input: { ...input, TransactItems: transactItems },
    // A cancelled transaction can return each stored item (ReturnValuesOnConditionCheckFailure): verify those too.
    async completeError(error) {
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string; Item?: unknown }> } | undefined)?.CancellationReasons
      if (!Array.isArray(reasons)) return error
      const absent = reasons.findIndex(
        (reason, index) => entries[index]?.Update !== undefined && tablesByEntry[index] !== undefined && reason.Code === 'ConditionalCheckFailed' && itemOf(reason) === undefined,
      )
      if (absent >= 0) {
        const table = tablesByEntry[absent]!
        const where = `${COMMAND}.TransactItems[${absent}].Update`
        return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', absentItemMessage(where, table.policy.tableName, table.describe(entries[absent]!.Update!.Key ?? {})), { cause: error })
      }
      await Promise.all(
        reasons.map(async (reason, index) => {
          const table = tablesByEntry[index]
          const item = itemOf(reason)
          if (table === undefined || item === undefined) return
          const update = entries[index]?.Update
          if (update !== undefined && update.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') delete reason.Item
          else reason.Item = await table.decrypt(item, `${COMMAND}.TransactItems[${index}]`)
        }),
      )
      return error
    },
  }
}

function checkEntry(entry: TransactWriteItem, index: number, tables: Tables): EncryptedTable | undefined {
  const where = `${COMMAND}.TransactItems[${index}]`
  const present = ACTIONS.filter((action) => entry[action] !== undefined)
  if (present.length !== 1) {
    throw new ClientOperationError(
      'ERR_UNSUPPORTED_OPERATION',
      `${where} must set exactly one of ${ACTIONS.join(', ')}; it sets ${present.length === 0 ? 'none' : present.join(' and ')}.`,
    )
  }
  const action = present[0]
  const request = entry[action]!
  const table = tables.get(request.TableName)
  if (table === undefined) return undefined
  const { policy } = table
  const field = `${where}.${action}`
  policy.refuseLegacyParameters(request, COMMAND, field)
  if (action === 'Update') policy.refuseUnsafeUpdate(entry.Update!.UpdateExpression, request.ExpressionAttributeNames, field)
  policy.refuseEncryptedReferences(request.ConditionExpression, request.ExpressionAttributeNames, COMMAND, `TransactItems[${index}].${action}.ConditionExpression`)
  return table
}
