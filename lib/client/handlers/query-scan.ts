import type { QueryCommandInput, QueryCommandOutput, ScanCommandInput } from '@aws-sdk/client-dynamodb'
import { mapBoundedReleasing } from '../bounded'
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
      async completeOutput(output) {
        const { Items } = output as QueryCommandOutput
        if (Items === undefined) return output
        // One bad item fails the page: never a partial page of plaintext. The SDK's page of stored items is ours to
        // consume; each stored item is let go once decrypted, so a large page is not kept twice over.
        const decrypted = await mapBoundedReleasing(Items, DECRYPT_CONCURRENCY, (item) => decryptAndProject(table, item, command, projection, input.IndexName))
        return { ...output, Items: decrypted }
      },
    }
  }
}

export const query = readMany('Query')
export const scan = readMany('Scan')
