import { ClientOperationError } from '../errors'
import { batchGetItem } from './handlers/batch-get-item'
import { batchWriteItem } from './handlers/batch-write-item'
import { deleteItem } from './handlers/delete-item'
import { getItem } from './handlers/get-item'
import { putItem } from './handlers/put-item'
import { query, scan } from './handlers/query-scan'
import { transactGetItems } from './handlers/transact-get-items'
import { transactWriteItems } from './handlers/transact-write-items'
import type { CommandHandler, Directive, RequestPlan, Tables } from './handlers/types'
import { updateItem } from './handlers/update-item'
import { tablesNamedIn } from './partiql'
import { refuseDisguisedValues } from './plain-input'
import { tableNameOf } from './table-name'

/** Data commands the client encrypts, decrypts or checks, by `context.commandName`. */
const DATA_COMMANDS: ReadonlyMap<string, CommandHandler<never>> = new Map<string, CommandHandler<never>>([
  ['PutItemCommand', putItem],
  ['GetItemCommand', getItem],
  ['UpdateItemCommand', updateItem],
  ['DeleteItemCommand', deleteItem],
  ['QueryCommand', query],
  ['ScanCommand', scan],
  ['BatchGetItemCommand', batchGetItem],
  ['BatchWriteItemCommand', batchWriteItem],
  ['TransactGetItemsCommand', transactGetItems],
  ['TransactWriteItemsCommand', transactWriteItems],
])

/** PartiQL: the statements of each command; refused when any names a configured table. */
const PARTIQL_COMMANDS: ReadonlyMap<string, (input: Record<string, unknown>) => unknown[]> = new Map([
  ['ExecuteStatementCommand', (input: Record<string, unknown>) => [input.Statement]],
  ['BatchExecuteStatementCommand', (input: Record<string, unknown>) => statementsOf(input.Statements)],
  ['ExecuteTransactionCommand', (input: Record<string, unknown>) => statementsOf(input.TransactStatements)],
])

/**
 * Commands that manage tables, backups, streams, tags and settings but neither read nor write item values.
 * They pass through. Anything not listed here or above (including data commands the client cannot protect,
 * such as SearchVectors, StartBulkPutItems and ImportTable) is refused when it names a configured table.
 */
export const CONTROL_PLANE_COMMANDS: ReadonlySet<string> = new Set([
  'CancelBulkOperationCommand',
  'CreateBackupCommand',
  'CreateGlobalTableCommand',
  'CreateTableCommand',
  'DeleteBackupCommand',
  'DeleteResourcePolicyCommand',
  'DeleteTableCommand',
  'DescribeBackupCommand',
  'DescribeBulkOperationCommand',
  'DescribeContinuousBackupsCommand',
  'DescribeContributorInsightsCommand',
  'DescribeEndpointsCommand',
  'DescribeExportCommand',
  'DescribeGlobalTableCommand',
  'DescribeGlobalTableSettingsCommand',
  'DescribeImportCommand',
  'DescribeKinesisStreamingDestinationCommand',
  'DescribeLimitsCommand',
  'DescribeTableCommand',
  'DescribeTableReplicaAutoScalingCommand',
  'DescribeTimeToLiveCommand',
  'DisableKinesisStreamingDestinationCommand',
  'EnableKinesisStreamingDestinationCommand',
  'ExportTableToPointInTimeCommand',
  'GetResourcePolicyCommand',
  'ListBackupsCommand',
  'ListBulkOperationsCommand',
  'ListContributorInsightsCommand',
  'ListExportsCommand',
  'ListGlobalTablesCommand',
  'ListImportsCommand',
  'ListTablesCommand',
  'ListTagsOfResourceCommand',
  'PutResourcePolicyCommand',
  'RestoreTableFromBackupCommand',
  'RestoreTableToPointInTimeCommand',
  'TagResourceCommand',
  'UntagResourceCommand',
  'UpdateContinuousBackupsCommand',
  'UpdateContributorInsightsCommand',
  'UpdateGlobalTableCommand',
  'UpdateGlobalTableSettingsCommand',
  'UpdateKinesisStreamingDestinationCommand',
  'UpdateTableCommand',
  'UpdateTableReplicaAutoScalingCommand',
  'UpdateTimeToLiveCommand',
])

export const HANDLED_DATA_COMMANDS: ReadonlySet<string> = new Set(DATA_COMMANDS.keys())
export const PARTIQL_COMMAND_NAMES: ReadonlySet<string> = new Set(PARTIQL_COMMANDS.keys())

/** The plan for one request: `undefined` sends it unchanged. */
export async function planRequest(
  commandName: string | undefined,
  input: object,
  tables: Tables,
  directive: Directive | undefined,
): Promise<RequestPlan | undefined> {
  const name = commandName ?? '<unnamed command>'
  if (CONTROL_PLANE_COMMANDS.has(name)) return undefined
  refuseDisguisedValues(name, input)
  const handler = DATA_COMMANDS.get(name) as CommandHandler<object> | undefined
  if (handler !== undefined) return handler(input, tables, directive)
  const statements = PARTIQL_COMMANDS.get(name)
  if (statements !== undefined) {
    const named = statements(input as Record<string, unknown>).flatMap((statement) => (typeof statement === 'string' ? tablesNamedIn(statement, tables.names) : []))
    if (named.length > 0) throw refusal(name, named[0], 'PartiQL statements cannot be encrypted or verified by this client; use the item commands (PutItem, GetItem, Query, …).')
    return undefined
  }
  const named = configuredTableIn(input, tables)
  if (named !== undefined) throw refusal(name, named, 'the encrypted client does not know this command, so it cannot encrypt or verify what it reads or writes.')
  return undefined
}

function statementsOf(list: unknown): unknown[] {
  return Array.isArray(list) ? list.map((entry) => (entry as { Statement?: unknown } | undefined)?.Statement) : []
}

/** Fail closed on unknown commands: any string or key anywhere in the input that names a configured table. */
function configuredTableIn(value: unknown, tables: Tables): string | undefined {
  if (typeof value === 'string') return tables.get(tableNameOf(value))?.name
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined
  for (const [key, child] of Object.entries(value)) {
    const found = tables.get(tableNameOf(key))?.name ?? configuredTableIn(child, tables)
    if (found !== undefined) return found
  }
  return undefined
}

function refusal(command: string, table: string, why: string): ClientOperationError {
  return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `${command.replace(/Command$/, '')} on encrypted table "${table}" is refused: ${why}`)
}
