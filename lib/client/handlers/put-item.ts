import type { PutItemCommandInput, PutItemCommandOutput } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../../errors'
import { HEADER_ATTRIBUTE } from '../../item'
import { keyFingerprint } from '../item-key'
import { unchangedSince } from '../optimistic-condition'
import { decryptItemInError, decryptReturnedItem } from './shared'
import type { CommandHandler } from './types'

const COMMAND = 'PutItem'

export const putItem: CommandHandler<PutItemCommandInput> = async (input, tables, directive) => {
  const table = tables.get(input.TableName)
  if (table === undefined) return undefined
  table.policy.refuseLegacyParameters(input, COMMAND)
  table.policy.refuseEncryptedReferences(input.ConditionExpression, input.ExpressionAttributeNames, COMMAND, 'ConditionExpression')
  const item = input.Item ?? {}
  const replace = directive?.replaceExactly
  if (replace !== undefined && keyFingerprint(item, table.policy.keyAttributes) !== keyFingerprint(replace.key, table.policy.keyAttributes)) {
    throw new ClientOperationError(
      'ERR_UNSUPPORTED_OPERATION',
      `updateEncryptedItem on table "${table.name}": update() changed the key from ${table.describe(replace.key)} to ${table.describe(item)}; ` +
        'return the item with its key unchanged (to move an item, put the new one and delete the old one).',
    )
  }
  const condition = replace === undefined ? {} : unchangedSince(replace.stored, table.policy)
  const encrypted = await table.encrypt(item, COMMAND)
  const header = encrypted[HEADER_ATTRIBUTE]?.B
  if (header !== undefined) directive?.onSentHeader?.(header)
  return {
    input: { ...input, ...condition, Item: encrypted },
    async completeOutput(output) {
      const { Attributes } = output as PutItemCommandOutput
      return Attributes === undefined ? output : { ...output, Attributes: await decryptReturnedItem(table, Attributes, COMMAND, input.ReturnValues) }
    },
    completeError: (error) => decryptItemInError(error, table, COMMAND),
  }
}
