import type { TransactGetItemsCommandInput, TransactGetItemsCommandOutput } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../../errors'
import { mapBounded } from '../bounded'
import type { EncryptedTable } from '../encrypted-table'
import type { Projection } from '../projection'
import { DECRYPT_CONCURRENCY, decryptAndProject, withoutProjection } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'TransactGetItems'

export const transactGetItems: CommandHandler<TransactGetItemsCommandInput> = async (input, tables) => {
  const entries = input.TransactItems ?? []
  const reads: Array<{ table: EncryptedTable; projection: Projection | undefined } | undefined> = []
  const transactItems = entries.map((entry, index) => {
    const table = tables.get(entry.Get?.TableName)
    if (entry.Get === undefined || table === undefined) {
      reads.push(undefined)
      return entry
    }
    const field = `${COMMAND}.TransactItems[${index}].Get`
    table.policy.refuseLegacyParameters(entry.Get, COMMAND, field)
    const { request, projection } = withoutProjection(entry.Get, [], `${field}.ProjectionExpression`)
    reads.push({ table, projection })
    return { ...entry, Get: request }
  })
  if (reads.every((read) => read === undefined)) return undefined
  return {
    input: { ...input, TransactItems: transactItems },
    async completeOutput(output) {
      const { Responses } = output as TransactGetItemsCommandOutput
      if (Responses === undefined) return output
      if (Responses.length !== entries.length) {
        throw new ClientOperationError(
          'ERR_UNSUPPORTED_OPERATION',
          `${COMMAND}: DynamoDB returned ${Responses.length} responses for ${entries.length} requests; refusing to match items to requests.`,
        )
      }
      const decrypted = await mapBounded(Responses, DECRYPT_CONCURRENCY, async (response, index) => {
        const read = reads[index]
        if (read === undefined || response.Item === undefined) return response
        return { ...response, Item: await decryptAndProject(read.table, response.Item, `${COMMAND}.TransactItems[${index}]`, read.projection) }
      })
      return { ...output, Responses: decrypted }
    },
  }
}
