import type { DeleteItemCommandInput, DeleteItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { decryptItemInError, decryptReturnedItem } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'DeleteItem'

export const deleteItem: CommandHandler<DeleteItemCommandInput> = async (input, tables) => {
  const table = tables.get(input.TableName)
  if (table === undefined) return undefined
  table.policy.refuseLegacyParameters(input, COMMAND)
  table.policy.refuseEncryptedReferences(input.ConditionExpression, input.ExpressionAttributeNames, COMMAND, 'ConditionExpression')
  return {
    input,
    async completeOutput(output) {
      const { Attributes } = output as DeleteItemCommandOutput
      return Attributes === undefined ? output : { ...output, Attributes: await decryptReturnedItem(table, Attributes, COMMAND, input.ReturnValues) }
    },
    completeError: (error) => decryptItemInError(error, table, COMMAND),
  }
}
