import type { GetItemCommandInput, GetItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { readWireItem, takeItem } from '../wire-page'
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
    takeFromBody(body) {
      const taken = takeItem(body)
      return taken === undefined ? undefined : { rest: taken.rest, taken: { item: taken.item } }
    },
    async completeOutput(output, wire) {
      const Item = wire?.item === undefined ? (output as GetItemCommandOutput).Item : readWireItem(wire.item, COMMAND)
      const decrypted = Item === undefined ? undefined : await decryptAndProject(table, Item, COMMAND, projection)
      directive?.onVerifiedRead?.({ key: input.Key ?? {}, stored: Item })
      return decrypted === undefined ? output : { ...output, Item: decrypted }
    },
  }
}
