import type { UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../../errors'
import { absentItemMessage, requireStoredHeader } from '../existing-item-condition'
import { decryptItemInError, isConditionalCheckFailed, itemOf } from './shared'
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
      if (returnsWholeItem) return { ...output, Attributes: await table.decrypt(Attributes, COMMAND) }
      // UPDATED_OLD / UPDATED_NEW: only the updated attributes, which the checks above limited to unsigned ones.
      const signed = Object.keys(Attributes).find((name) => policy.classify(name) !== 'UNSIGNED')
      if (signed !== undefined) {
        throw policy.refusal(COMMAND, `ReturnValues ${input.ReturnValues} returned "${signed}", which is not an unsigned attribute and cannot be verified on its own.`)
      }
      return output
    },
    async completeError(error) {
      if (!isConditionalCheckFailed(error)) return error
      if (itemOf(error) === undefined) {
        return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', absentItemMessage(COMMAND, table.policy.tableName, table.describe(input.Key ?? {})), { cause: error })
      }
      if (!callerWantsItemOnFailure) {
        delete (error as { Item?: unknown }).Item
        return error
      }
      return decryptItemInError(error, table, COMMAND)
    },
  }
}
