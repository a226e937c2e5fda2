import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { KeyringError } from '../../errors'
import { describeError } from '../keyrings/diagnostics'
import type { KeyStoreContext } from './context'

/** Writes branch key items all-or-nothing; a failed condition becomes ERR_CONFLICT with `conflictMessage`. */
export async function writeItems(context: KeyStoreContext, items: TransactWriteItem[], conflictMessage: string): Promise<void> {
  try {
    await context.ddbClient.send(new TransactWriteItemsCommand({ TransactItems: items }))
  } catch (error) {
    const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons
    if ((error as Error).name === 'TransactionCanceledException' && reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
      throw new KeyringError('ERR_CONFLICT', conflictMessage, { cause: error })
    }
    throw new KeyringError('ERR_KEYRING', `Branch key store ${context.tableName}: TransactWriteItems failed: ${describeError(error)}`, { cause: error })
  }
}
