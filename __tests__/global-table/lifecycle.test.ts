import { CreateTableCommand, DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { isEncryptorError } from '../../lib/errors'
import { createLocalGlobalTable, type LocalGlobalTableOptions } from '../../lib/local/global-table'
import { ddbEndpoint, localCredentials, newDynamoDBClient, testTableInput, uniqueTableName } from '../setup/dynamodb'
import { getItem, globalTable } from './support'

const EAST = 'us-east-1'
const WEST = 'us-west-2'

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(isEncryptorError(outcome, 'ERR_LOCAL_STACK')).toBe(true)
  return outcome as Error
}

function options(overrides: Partial<LocalGlobalTableOptions> = {}): LocalGlobalTableOptions {
  return { endpoint: ddbEndpoint(), credentials: { ...localCredentials }, regions: [EAST, WEST], table: testTableInput(uniqueTableName('gt-options')), ...overrides }
}

describe('createLocalGlobalTable waitForReplication', () => {
  test('rejects at the timeout naming the Regions and how many items differ', async () => {
    const fixture = await globalTable([EAST, WEST], { replicationDelayMs: 60_000 })
    try {
      await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { pk: { S: 'held-back-1' } } }))
      await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { pk: { S: 'held-back-2' } } }))
      const error = await rejection(fixture.table.waitForReplication(1_000))
      expect(error.message).toContain(fixture.tableName)
      expect(error.message).toMatch(/Regions us-east-1, us-west-2 still differ in 2 item\(s\) after 1000 ms/)
      expect(error.message).toMatch(/items per Region: us-east-1 2, us-west-2 0/)
    } finally {
      await fixture.close()
    }
  })

  test('close() stops replication, keeps the tables, and later waits reject', async () => {
    const fixture = await globalTable([EAST, WEST], { pollIntervalMs: 50 })
    await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { pk: { S: 'before-close' } } }))
    await fixture.table.waitForReplication()
    await fixture.table.close()
    await fixture.table.close() // idempotent

    await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { pk: { S: 'after-close' } } }))
    await new Promise((done) => setTimeout(done, 500)) // ten poll intervals: replication would have happened
    expect(await getItem(fixture.client[WEST]!, fixture.tableName, { pk: { S: 'before-close' } })).toEqual({ pk: { S: 'before-close' } })
    expect(await getItem(fixture.client[WEST]!, fixture.tableName, { pk: { S: 'after-close' } })).toBeUndefined()
    expect((await rejection(fixture.table.waitForReplication(1_000))).message).toMatch(/after close\(\)/)
    await fixture.close()
  })
})

describe('createLocalGlobalTable input checks', () => {
  test.each([
    ['one Region', { regions: [EAST] }, /at least two Regions/],
    ['a repeated Region', { regions: [EAST, WEST, EAST] }, /lists a Region twice/],
    ['a malformed Region', { regions: [EAST, 'west'] }, /"west" is not a Region name/],
    ['a stream view without new and old images', { table: { ...testTableInput('gt-keys-only'), StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' as const } } }, /needs a NEW_AND_OLD_IMAGES stream/],
    ['no table name', { table: { ...testTableInput('x'), TableName: undefined } }, /table\.TableName is required/],
    ['a poll interval out of range', { pollIntervalMs: 1 }, /pollIntervalMs 1 is outside/],
  ])('refuses %s', async (_name, overrides, message) => {
    expect((await rejection(createLocalGlobalTable(options(overrides)))).message).toMatch(message)
  })

  test('refuses a table that already exists in a Region, and removes what it created', async () => {
    const tableName = uniqueTableName('gt-exists')
    const west = newDynamoDBClient(WEST)
    const east = newDynamoDBClient(EAST)
    try {
      await west.send(new CreateTableCommand(testTableInput(tableName)))
      const error = await rejection(createLocalGlobalTable(options({ table: testTableInput(tableName) })))
      expect(error.message).toMatch(new RegExp(`table ${tableName} already exists in us-west-2`))
      await expect(east.send(new DescribeTableCommand({ TableName: tableName }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    } finally {
      west.destroy()
      east.destroy()
    }
  })
})
