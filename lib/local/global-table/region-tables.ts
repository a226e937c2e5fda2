import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb'
import { EncryptorError } from '../../errors'
import { errorName } from './stream-reader'

export interface RegionTable {
  readonly region: string
  readonly streamArn: string
}

const ACTIVE_TIMEOUT_MS = 30_000

/**
 * Creates the table in every Region with a NEW_AND_OLD_IMAGES stream (what replication reads) and waits until
 * each is ACTIVE. On failure the tables this call created are deleted again, so a retry starts clean.
 */
export async function createRegionTables(
  clients: ReadonlyMap<string, DynamoDBClient>,
  table: CreateTableCommandInput,
): Promise<{ tables: RegionTable[]; keyNames: string[] }> {
  const tableName = table.TableName as string
  const input: CreateTableCommandInput = { ...table, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
  const created: string[] = []
  try {
    const tables: RegionTable[] = []
    for (const [region, client] of clients) {
      try {
        await client.send(new CreateTableCommand(input))
      } catch (error) {
        if (errorName(error) === 'ResourceInUseException') {
          throw new EncryptorError(
            'ERR_LOCAL_STACK',
            `createLocalGlobalTable: table ${tableName} already exists in ${region}. It creates the table in every Region itself; delete it there or choose another TableName.`,
            { cause: error },
          )
        }
        throw new EncryptorError('ERR_LOCAL_STACK', `createLocalGlobalTable: CreateTable ${tableName} failed in ${region}: ${messageOf(error)}`, { cause: error })
      }
      created.push(region)
      const description = await waitUntilActive(client, tableName, region)
      if (description.LatestStreamArn === undefined) {
        throw new EncryptorError('ERR_LOCAL_STACK', `createLocalGlobalTable: table ${tableName} in ${region} has no stream although one was requested.`)
      }
      tables.push({ region, streamArn: description.LatestStreamArn })
    }
    const keyNames = (table.KeySchema ?? []).map((element) => element.AttributeName as string)
    return { tables, keyNames }
  } catch (error) {
    await Promise.all(created.map((region) => clients.get(region)?.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined)))
    throw error
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, region: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    if (Table?.TableStatus === 'ACTIVE') return Table
    if (Date.now() > deadline) {
      throw new EncryptorError('ERR_LOCAL_STACK', `createLocalGlobalTable: table ${tableName} in ${region} is ${String(Table?.TableStatus)}, not ACTIVE, after ${ACTIVE_TIMEOUT_MS} ms.`)
    }
    await new Promise((done) => setTimeout(done, delayMs))
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
