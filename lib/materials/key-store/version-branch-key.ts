import { randomUUID } from 'node:crypto'
import { KeyringError } from '../../errors'
import type { EncryptionContext } from '../keyring'
import { printablePrefix } from '../keyrings/diagnostics'
import { contextOf } from './context'
import { activeContextOf, requireKeyArn } from './create-branch-key'
import type { DynamoDbBranchKeyStore } from './dynamodb-branch-key-store'
import { readRecord } from './dynamodb-branch-key-store'
import { generateWrappedKey, reEncryptWrappedKey } from './kms-operations'
import { branchKeyItem } from './record'
import { ACTIVE_TYPE, ACTIVE_VERSION, BRANCH_KEY_ID, CREATE_TIME, createTimestamp, ENCRYPTED_KEY, TYPE, VERSION_TYPE_PREFIX } from './record-format'
import { writeItems } from './transact'

/**
 * Rotates a branch key: a new version becomes ACTIVE, so new items use it, while older versions stay readable. The
 * current ACTIVE item is first authenticated with KMS (ReEncrypt to itself), and the write is conditioned on it being
 * unchanged, so two concurrent rotations cannot both win (the loser gets ERR_CONFLICT). Returns the new version.
 */
export async function versionBranchKey(keyStore: DynamoDbBranchKeyStore, branchKeyId: string): Promise<string> {
  const context = contextOf(keyStore, 'versionBranchKey')
  const keyArn = requireKeyArn(context, 'versionBranchKey')
  const current = await readRecord(context, branchKeyId, ACTIVE_TYPE, true)
  const choice = context.kms.decryptKeyId(current.kmsArn)
  if ('refused' in choice) {
    throw new KeyringError('ERR_KEYRING', `versionBranchKey: the ACTIVE item of "${printablePrefix(branchKeyId)}" is refused by ${context.kms.description}: ${choice.refused}.`)
  }
  await reEncryptWrappedKey(context, keyArn, current.encryptedKey, current.encryptionContext, current.encryptionContext, 'authentication of the ACTIVE item')

  const version = randomUUID()
  // Same id, kms-arn, hierarchy version and custom context as the current version; only type and create-time change.
  const decryptOnly: EncryptionContext = { ...current.encryptionContext, [TYPE]: VERSION_TYPE_PREFIX + version, [CREATE_TIME]: createTimestamp() }
  delete decryptOnly[ACTIVE_VERSION]
  const active = activeContextOf(decryptOnly)
  const decryptOnlyKey = await generateWrappedKey(context, keyArn, decryptOnly, 'new branch key version')
  const activeKey = await reEncryptWrappedKey(context, keyArn, decryptOnlyKey, decryptOnly, active, 'ACTIVE branch key')

  await writeItems(
    context,
    [
      {
        Put: {
          TableName: context.tableName,
          Item: branchKeyItem(decryptOnly, decryptOnlyKey),
          ConditionExpression: 'attribute_not_exists(#bkid)',
          ExpressionAttributeNames: { '#bkid': BRANCH_KEY_ID },
        },
      },
      {
        Put: {
          TableName: context.tableName,
          Item: branchKeyItem(active, activeKey),
          ConditionExpression: 'attribute_exists(#bkid) AND #enc = :encOld',
          ExpressionAttributeNames: { '#bkid': BRANCH_KEY_ID, '#enc': ENCRYPTED_KEY },
          ExpressionAttributeValues: { ':encOld': { B: current.encryptedKey } },
        },
      },
    ],
    `versionBranchKey: branch key "${printablePrefix(branchKeyId)}" in ${context.tableName} was rotated concurrently; read it again and retry if a new version is still wanted.`,
  )
  return version
}
