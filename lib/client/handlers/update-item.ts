import type { UpdateItemCommandInput, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { decryptItemInError } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'UpdateItem'

/** Allowed when it changes only unsigned attributes; the signed ones stay exactly as signed. */
export const updateItem: CommandHandler<UpdateItemCommandInput> = async (input, tables) => {
  const table = tables.get(input.TableName)
  if (table === undefined) return undefined
  const { policy } = table
  policy.refuseLegacyParameters(input, COMMAND)
  policy.refuseUnsafeUpdate(input.UpdateExpression, input.ExpressionAttributeNames, COMMAND)
  policy.refuseEncryptedReferences(input.ConditionExpression, input.ExpressionAttributeNames, COMMAND, 'ConditionExpression')
  const returnsWholeItem = input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW'
  return {
    input,
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
    completeError: (error) => decryptItemInError(error, table, COMMAND),
  }
}
