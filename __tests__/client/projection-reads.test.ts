import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { EncryptorError, isEncryptorError } from '../../lib/errors'
import { createOrdersTable, deleteTable, encryptedLowLevelClient, key, newDynamoDBClient, ordersConfig, sampleItem } from './support'

let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient

beforeAll(async () => {
  plain = newDynamoDBClient()
  table = await createOrdersTable(plain, undefined, {
    AttributeDefinitions: [{ AttributeName: 'plan', AttributeType: 'S' }],
    GlobalSecondaryIndexes: [
      { IndexName: 'byPlanAll', KeySchema: [{ AttributeName: 'plan', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      { IndexName: 'byPlanKeys', KeySchema: [{ AttributeName: 'plan', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      { IndexName: 'byPlanSome', KeySchema: [{ AttributeName: 'plan', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['aws_dbe_head', 'aws_dbe_foot', 'secret'] } },
    ],
  })
  client = await encryptedLowLevelClient(plain, { tables: { [table]: ordersConfig() } })
  for (const sk of ['a', 'b']) await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('proj', sk, sk === 'a' ? 1 : 2) }))
  await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('proj-tampered', 'a', 3) }))
  // Tamper with a signed attribute that the projected reads below do not ask for.
  await plain.send(new UpdateItemCommand({ TableName: table, Key: key('proj-tampered', 'a'), UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': { N: '1000' } } }))
})
afterAll(async () => {
  await deleteTable(plain, table)
  plain.destroy()
  client.destroy()
})

async function error(promise: Promise<unknown>): Promise<EncryptorError> {
  const result = await promise.then(
    (value) => ({ unexpectedValue: value }),
    (e: unknown) => e,
  )
  expect(result).toBeInstanceOf(EncryptorError)
  return result as EncryptorError
}

const projected = { sk: { S: 'a' }, secret: { S: 'top-secret-value-proj-a-1' }, card: { M: { number: { S: '4111-1111-1111-1001' } } } }
const projection = { ProjectionExpression: 'sk, secret, card.#n', ExpressionAttributeNames: { '#n': 'number' } }

describe('projected reads return exactly what was asked for, verified', () => {
  it('GetItem', async () => {
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('proj', 'a'), ...projection }))).Item).toEqual(projected)
    const failure = await error(client.send(new GetItemCommand({ TableName: table, Key: key('proj-tampered', 'a'), ProjectionExpression: 'secret' })))
    expect(failure.message).toContain('pk="proj-tampered"')
  })

  it('Query, with a key condition that shares a placeholder with the projection', async () => {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#pk, secret',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: 'proj' } },
        Select: 'SPECIFIC_ATTRIBUTES',
      }),
    )
    expect(Items).toEqual([
      { pk: { S: 'proj' }, secret: { S: 'top-secret-value-proj-a-1' } },
      { pk: { S: 'proj' }, secret: { S: 'top-secret-value-proj-b-2' } },
    ])
    await error(client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ProjectionExpression: 'secret', ExpressionAttributeValues: { ':pk': { S: 'proj-tampered' } } })))
  })

  it('Scan', async () => {
    const { Items } = await client.send(new ScanCommand({ TableName: table, FilterExpression: 'pk = :pk', ProjectionExpression: 'sk', ExpressionAttributeValues: { ':pk': { S: 'proj' } } }))
    expect(Items?.sort((x, y) => x.sk.S!.localeCompare(y.sk.S!))).toEqual([{ sk: { S: 'a' } }, { sk: { S: 'b' } }])
    await error(client.send(new ScanCommand({ TableName: table, ProjectionExpression: 'sk' })))
  })

  it('BatchGetItem', async () => {
    const { Responses } = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('proj', 'a')], ...projection } } }))
    expect(Responses?.[table]).toEqual([projected])
    await error(client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('proj-tampered', 'a')], ProjectionExpression: 'sk' } } })))
  })

  it('TransactGetItems', async () => {
    const { Responses } = await client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: key('proj', 'a'), ...projection } }] }))
    expect(Responses?.[0].Item).toEqual(projected)
    await error(client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: key('proj-tampered', 'a'), ProjectionExpression: 'sk' } }] })))
  })

  it('overlapping projection paths are refused as DynamoDB would', async () => {
    const failure = await error(client.send(new GetItemCommand({ TableName: table, Key: key('proj', 'a'), ProjectionExpression: 'card, card.#n', ExpressionAttributeNames: { '#n': 'number' } })))
    expect(failure.message).toMatch(/overlap/)
  })
})

describe('reads from secondary indexes', () => {
  const byPlan = (index: string) => new QueryCommand({ TableName: table, IndexName: index, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'plan-premium-1' } } })

  it('an index projecting ALL attributes is verified and decrypted', async () => {
    expect((await client.send(byPlan('byPlanAll'))).Items).toEqual([sampleItem('proj', 'a', 1)])
  })

  it.each(['byPlanKeys', 'byPlanSome'])('an index lacking signed attributes (%s) fails with ERR_PROJECTION_INCOMPLETE naming it', async (index) => {
    const failure = await error(client.send(byPlan(index)))
    expect(isEncryptorError(failure, 'ERR_PROJECTION_INCOMPLETE')).toBe(true)
    expect(failure.message).toContain(`index "${index}"`)
    expect(failure.message).toContain('pk="proj"')
  })

  it('a tampered item read through an ALL index is reported as tampering, even when it lacks optional signed attributes', async () => {
    const { card: _card, count: _count, ...partial } = sampleItem('idx-tamper', 'a', 4)
    await client.send(new PutItemCommand({ TableName: table, Item: { ...partial, plan: { S: 'plan-idx-tamper' } } }))
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key('idx-tamper', 'a'), UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': { B: new Uint8Array(48).fill(1) } } }))
    const failure = await error(
      client.send(new QueryCommand({ TableName: table, IndexName: 'byPlanAll', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'plan-idx-tamper' } } })),
    )
    expect(failure.name).toBe('ItemVerificationError')
    expect(isEncryptorError(failure, 'ERR_PROJECTION_INCOMPLETE')).toBe(false)
    expect(failure.message).toContain('index "byPlanAll"')
  })

  it('Select COUNT on an index passes', async () => {
    const { Count } = await client.send(new QueryCommand({ TableName: table, IndexName: 'byPlanKeys', Select: 'COUNT', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'plan-premium-1' } } }))
    expect(Count).toBe(1)
  })
})
