import { CreateTableCommand, DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb'
import { ConfigError, KeyringError } from '../../errors'
import { describeError } from '../keyrings/diagnostics'
import { contextOf, type KeyStoreContext } from './context'
import type { DynamoDbBranchKeyStore } from './dynamodb-branch-key-store'
import { BRANCH_KEY_ID, TYPE } from './record-format'

const WAIT_LIMIT_MS = 120_000
const POLL_INTERVAL_MS = 500

/**
 * Creates the key store table (on-demand, `branch-key-id` S HASH + `type` S RANGE) if it does not exist and waits
 * until it is ACTIVE; an existing table must have exactly that key schema. Returns the table ARN.
 */
export async function createBranchKeyStoreTable(keyStore: DynamoDbBranchKeyStore): Promise<string> {
  const context = contextOf(keyStore, 'createBranchKeyStoreTable')
  let table = await describe(context)
  if (table === undefined) {
    try {
      const created = await context.ddbClient.send(
        new CreateTableCommand({
          TableName: context.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: BRANCH_KEY_ID, KeyType: 'HASH' },
            { AttributeName: TYPE, KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: BRANCH_KEY_ID, AttributeType: 'S' },
            { AttributeName: TYPE, AttributeType: 'S' },
          ],
        }),
      )
      table = created.TableDescription
    } catch (error) {
      // Another process created it first: fine, as long as its schema is right (checked below).
      if ((error as Error).name !== 'ResourceInUseException') {
        throw new KeyringError('ERR_KEYRING', `createBranchKeyStoreTable: CreateTable ${context.tableName} failed: ${describeError(error)}`, { cause: error })
      }
      table = await describe(context)
    }
  }
  requireKeySchema(context, table)
  const deadline = Date.now() + WAIT_LIMIT_MS
  while (table?.TableStatus !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new KeyringError('ERR_KEYRING', `createBranchKeyStoreTable: ${context.tableName} is still ${table?.TableStatus ?? 'missing'} after ${WAIT_LIMIT_MS / 1000} s.`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
    table = await describe(context)
  }
  return table.TableArn ?? ''
}

async function describe(context: KeyStoreContext): Promise<TableDescription | undefined> {
  try {
    return (await context.ddbClient.send(new DescribeTableCommand({ TableName: context.tableName }))).Table
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined
    throw new KeyringError('ERR_KEYRING', `createBranchKeyStoreTable: DescribeTable ${context.tableName} failed: ${describeError(error)}`, { cause: error })
  }
}

function requireKeySchema(context: KeyStoreContext, table: TableDescription | undefined): void {
  const keys = table?.KeySchema ?? []
  const types = new Map((table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]))
  const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName
  const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName
  if (hash !== BRANCH_KEY_ID || range !== TYPE || types.get(BRANCH_KEY_ID) !== 'S' || types.get(TYPE) !== 'S') {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `createBranchKeyStoreTable: table ${context.tableName} exists with key schema ${keys.map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ') || '(unknown)'}; ` +
        `a branch key store needs ${BRANCH_KEY_ID} (S) HASH and ${TYPE} (S) RANGE. Choose another table name.`,
    )
  }
}
