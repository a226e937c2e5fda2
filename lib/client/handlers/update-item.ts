import type { UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { ClientOperationError, ItemVerificationError } from '../../errors'
import { HEADER_ATTRIBUTE } from '../../item'
import { absentItemMessage, notEncryptedMessage, requireStoredHeader } from '../existing-item-condition'
import { decryptItemInError, decryptReturnedItem, isConditionalCheckFailed, itemOf } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'UpdateItem'

/** Allowed when it changes only unsigned attributes of an existing encrypted item; the signed ones stay exactly as signed. */
export const updateItem: CommandHandler<UpdateItemCommandInput> = async (input, tables) => {
  const table = tables.get(input.TableName)
  if (table === undefined) return undefined
  const { policy } = table
  policy.refuseLegacyParameters(input, COMMAND)
  policy.refuseUnsafeUpdate(input.UpdateExpression, input.ExpressionAttributeNames, COMMAND)
  policy.refuseEncryptedReferences(input.ConditionExpression, input.ExpressionAttributeNames, COMMAND, 'ConditionExpression')
  const returnsWholeItem = input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW'
  // The stored item in a failed condition tells an absent item (our guard) from the caller's own condition.
  const callerWantsItemOnFailure = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'
  return {
    input: { ...requireStoredHeader(input), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
    async completeOutput(output) {
      const { Attributes } = output as UpdateItemCommandOutput
      if (Attributes === undefined) return output
      if (returnsWholeItem) return { ...output, Attributes: await decryptReturnedItem(table, Attributes, COMMAND, input.ReturnValues) }
      // UPDATED_OLD / UPDATED_NEW: only the updated attributes, which the checks above limited to unsigned ones.
      const signed = Object.keys(Attributes).find((name) => policy.classify(name) !== 'UNSIGNED')
      if (signed !== undefined) {
        throw policy.refusal(COMMAND, `ReturnValues ${input.ReturnValues} returned "${signed}", which is not an unsigned attribute and cannot be verified on its own.`)
      }
      return output
    },
    async completeError(error) {
      if (!isConditionalCheckFailed(error)) return error
      const stored = itemOf(error)
      if (stored === undefined) {
        return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', absentItemMessage(COMMAND, table.policy.tableName, table.describe(input.Key ?? {})), { cause: error })
      }
      // The guard failed whatever the caller's condition did: say why instead of a bare condition failure.
      if (!Object.prototype.hasOwnProperty.call(stored, HEADER_ATTRIBUTE)) {
        return new ItemVerificationError('ERR_NOT_ENCRYPTED', notEncryptedMessage(COMMAND, table.policy.tableName, table.describe(input.Key ?? {})), { cause: error })
      }
      if (!callerWantsItemOnFailure) {
        delete (error as { Item?: unknown }).Item
        return error
      }
      return decryptItemInError(error, table, COMMAND)
    },
  }
}
