import { randomBytes } from 'node:crypto'
import {
  CreateTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb'

/**
 * Test helpers for the DynamoDB Local that Jest's global setup starts (`__tests__/setup/global-setup.ts`).
 * Every file may run in parallel with others against the same process: use `uniqueTableName` for every table.
 */

/**
 * Dummy credentials; DynamoDB Local keeps one database per access key id (alphanumeric only) and Region.
 * Not frozen: the SDK tags the credentials object it is given. Clients here get their own copy.
 */
export const localCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = { accessKeyId: 'local', secretAccessKey: 'local' }

export const DEFAULT_TEST_REGION = 'us-east-1'

export function ddbEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (endpoint === undefined || endpoint === '') {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: run tests through jest with the project config (its globalSetup starts DynamoDB Local), or set DYNAMODB_ENDPOINT to a running DynamoDB Local.',
    )
  }
  return endpoint
}

/** A low-level client of the test DynamoDB Local database of `region` (each Region is a separate database). */
export function newDynamoDBClient(region: string = DEFAULT_TEST_REGION): DynamoDBClient {
  return new DynamoDBClient({ endpoint: ddbEndpoint(), region, credentials: { ...localCredentials } })
}

/** A table name no other test file will use: DynamoDB's 3–255 characters of [A-Za-z0-9_.-]. */
export function uniqueTableName(prefix = 'test'): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 200)
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
}

export interface TestTableKey {
  partitionKey: { name: string; type?: 'S' | 'N' | 'B' }
  sortKey?: { name: string; type?: 'S' | 'N' | 'B' }
}

/** The CreateTable input for an on-demand table with the given key: a base to extend (streams, indexes). */
export function testTableInput(tableName: string, key: TestTableKey = { partitionKey: { name: 'pk' } }): CreateTableCommandInput {
  const parts = [
    { ...key.partitionKey, keyType: 'HASH' as const },
    ...(key.sortKey === undefined ? [] : [{ ...key.sortKey, keyType: 'RANGE' as const }]),
  ]
  const keySchema: KeySchemaElement[] = parts.map((part) => ({ AttributeName: part.name, KeyType: part.keyType }))
  const definitions: AttributeDefinition[] = parts.map((part) => ({ AttributeName: part.name, AttributeType: part.type ?? 'S' }))
  return { TableName: tableName, BillingMode: 'PAY_PER_REQUEST', KeySchema: keySchema, AttributeDefinitions: definitions }
}

/** Creates a table with a unique name (DynamoDB Local makes it ACTIVE at once) and returns its name. */
export async function createTestTable(
  client: DynamoDBClient,
  options: { prefix?: string; key?: TestTableKey; extra?: Partial<CreateTableCommandInput> } = {},
): Promise<string> {
  const input = { ...testTableInput(uniqueTableName(options.prefix), options.key), ...options.extra }
  await client.send(new CreateTableCommand(input))
  return input.TableName as string
}
