import type { GetItemCommandInput, GetItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { decryptAndProject, withoutProjection } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'GetItem'

export const getItem: CommandHandler<GetItemCommandInput> = async (input, tables, directive) => {
  const table = tables.get(input.TableName)
  if (table === undefined) return undefined
  table.policy.refuseLegacyParameters(input, COMMAND)
  const { request, projection } = withoutProjection(input, [], `${COMMAND}.ProjectionExpression`)
  return {
    input: request,
    async completeOutput(output) {
      const { Item } = output as GetItemCommandOutput
      const decrypted = Item === undefined ? undefined : await decryptAndProject(table, Item, COMMAND, projection)
      directive?.onVerifiedRead?.({ key: input.Key ?? {}, stored: Item })
      return decrypted === undefined ? output : { ...output, Item: decrypted }
    },
  }
}
