import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { batchGetItem } from '../../lib/client/handlers/batch-get-item'
import { batchWriteItem } from '../../lib/client/handlers/batch-write-item'
import { buildTables } from '../../lib/client/tables'
import { EncryptorError } from '../../lib/errors'
import { createOrdersTable, deleteTable, expectEncryptedAtRest, key, ordersConfig, sampleItem, settled, useEncryptedOrdersTable } from './support'

const orders = useEncryptedOrdersTable()
let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
beforeAll(() => ({ plain, table, client } = orders))

describe('UnprocessedItems and UnprocessedKeys come back as the caller sent them', () => {
  // DynamoDB Local never throttles, so the response is built from the encrypted request, as DynamoDB would return it.
  it('BatchWriteItem: unprocessed puts are the original plaintext requests, deletes unchanged', async () => {
    const tables = buildTables({ tables: { Orders: ordersConfig() } })
    const requests: WriteRequest[] = [
      { PutRequest: { Item: sampleItem('b', '1', 1) } },
      { PutRequest: { Item: sampleItem('b', '2', 2) } },
      { DeleteRequest: { Key: key('b', '3') } },
    ]
    const other: WriteRequest[] = [{ PutRequest: { Item: { id: { S: 'plain' } } } }]
    const plan = await batchWriteItem({ RequestItems: { Orders: requests, Other: other } }, tables, undefined)
    const sent = (plan!.input as { RequestItems: Record<string, WriteRequest[]> }).RequestItems
    expectEncryptedAtRest(sent.Orders[1].PutRequest!.Item, requests[1].PutRequest!.Item!)
    expect(sent.Other).toBe(other)
    const output = await plan!.completeOutput!({ UnprocessedItems: { Orders: [sent.Orders[2], sent.Orders[1]], Other: other } })
    const unprocessed = (output as { UnprocessedItems: Record<string, WriteRequest[]> }).UnprocessedItems
    expect(unprocessed.Orders[0]).toEqual(requests[2])
    expect(unprocessed.Orders[1]).toBe(requests[1])
    expect(unprocessed.Other).toBe(other)
  })

  it('BatchWriteItem naming one table by name and by ARN: unprocessed puts of both groups come back as sent', async () => {
    const tables = buildTables({ tables: { Orders: ordersConfig() } })
    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders'
    const byName: WriteRequest[] = [{ PutRequest: { Item: sampleItem('twice', '1', 1) } }]
    const byArn: WriteRequest[] = [{ PutRequest: { Item: sampleItem('twice', '2', 2) } }]
    const plan = await batchWriteItem({ RequestItems: { Orders: byName, [arn]: byArn } }, tables, undefined)
    const sent = (plan!.input as { RequestItems: Record<string, WriteRequest[]> }).RequestItems
    const output = await plan!.completeOutput!({ UnprocessedItems: { Orders: sent.Orders, [arn]: sent[arn] } })
    const unprocessed = (output as { UnprocessedItems: Record<string, WriteRequest[]> }).UnprocessedItems
    expect(unprocessed.Orders[0]).toBe(byName[0])
    expect(unprocessed[arn][0]).toBe(byArn[0])
  })

  it('BatchGetItem: unprocessed keys come back with the caller’s projection', async () => {
    const tables = buildTables({ tables: { Orders: ordersConfig() } })
    const original = { Keys: [key('b', '1'), key('b', '2')], ProjectionExpression: 'secret, #n', ExpressionAttributeNames: { '#n': 'plan' }, ConsistentRead: true }
    const plan = await batchGetItem({ RequestItems: { Orders: original } }, tables, undefined)
    const sent = (plan!.input as { RequestItems: Record<string, typeof original> }).RequestItems.Orders
    expect(sent).toEqual({ Keys: original.Keys, ConsistentRead: true })
    const output = await plan!.completeOutput!({ Responses: { Orders: [] }, UnprocessedKeys: { Orders: { ...sent, Keys: [key('b', '2')] } } })
    expect((output as { UnprocessedKeys: unknown }).UnprocessedKeys).toEqual({ Orders: { ...original, Keys: [key('b', '2')] } })
  })

  it('BatchGetItem naming one configured table by name and by ARN is refused, naming both (each could not get its own projection)', async () => {
    const tables = buildTables({ tables: { Orders: ordersConfig() } })
    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders'
    const error = await batchGetItem({ RequestItems: { Orders: { Keys: [key('b', '1')], ProjectionExpression: 'sk' }, [arn]: { Keys: [key('b', '2')] } } }, tables, undefined).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(EncryptorError)
    expect(error?.message).toContain(`names the table twice ("Orders" and "${arn}")`)
  })

  it('BatchGetItem through DynamoDB: tables not configured are left alone', async () => {
    const other = await createOrdersTable(plain)
    try {
      await plain.send(new PutItemCommand({ TableName: other, Item: { pk: { S: 'x' }, sk: { S: 'y' }, note: { S: 'plain' } } }))
      await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('mixed', 'a') }))
      const { Responses } = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('mixed', 'a')] }, [other]: { Keys: [key('x', 'y')] } } }))
      expect(Responses?.[table]).toEqual([sampleItem('mixed', 'a')])
      expect(Responses?.[other]).toEqual([{ pk: { S: 'x' }, sk: { S: 'y' }, note: { S: 'plain' } }])
    } finally {
      await deleteTable(plain, other)
    }
  })
})

describe('items carried by errors are verified and decrypted', () => {
  it('ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    const item = sampleItem('ccf', 'a', 1)
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    for (const command of [
      new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      new DeleteItemCommand({ TableName: table, Key: key('ccf', 'a'), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      new UpdateItemCommand({ TableName: table, Key: key('ccf', 'a'), UpdateExpression: 'SET lastSeen = :t', ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':t': { S: 't' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
    ]) {
      const error = await settled(client.send(command as PutItemCommand))
      expect(error).toBeInstanceOf(ConditionalCheckFailedException)
      expect((error as ConditionalCheckFailedException).Item).toEqual(item)
    }
  })

  it('TransactionCanceledException cancellation reasons', async () => {
    const item = sampleItem('tcx', 'a', 1)
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const error = await settled(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ConditionCheck: { TableName: table, Key: key('tcx', 'a'), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            { Put: { TableName: table, Item: sampleItem('tcx', 'b', 2) } },
          ],
        }),
      ),
    )
    expect(error).toBeInstanceOf(TransactionCanceledException)
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? []
    expect(reasons[0].Code).toBe('ConditionalCheckFailed')
    expect(reasons[0].Item).toEqual(item)
  })

  it('a write whose returned item cannot be verified says that the write was applied; an update of an item stored unencrypted says why it failed', async () => {
    const legacy = (sk: string) => ({ pk: { S: 'legacy' }, sk: { S: sk }, plan: { S: 'stored before encryption' } })
    for (const sk of ['put', 'delete', 'update']) await plain.send(new PutItemCommand({ TableName: table, Item: legacy(sk) }))

    const put = await settled(client.send(new PutItemCommand({ TableName: table, Item: sampleItem('legacy', 'put'), ReturnValues: 'ALL_OLD' })))
    expect(put).toBeInstanceOf(EncryptorError)
    expect((put as EncryptorError).code).toBe('ERR_NOT_ENCRYPTED')
    expect((put as Error).message).toMatch(/^PutItem was applied; the item it returned \(ReturnValues ALL_OLD\) is withheld because it could not be verified: /)
    expectEncryptedAtRest((await plain.send(new GetItemCommand({ TableName: table, Key: key('legacy', 'put'), ConsistentRead: true }))).Item, sampleItem('legacy', 'put'))

    const deleted = await settled(client.send(new DeleteItemCommand({ TableName: table, Key: key('legacy', 'delete'), ReturnValues: 'ALL_OLD' })))
    expect((deleted as EncryptorError).code).toBe('ERR_NOT_ENCRYPTED')
    expect((deleted as Error).message).toMatch(/^DeleteItem was applied;/)
    expect((await plain.send(new GetItemCommand({ TableName: table, Key: key('legacy', 'delete'), ConsistentRead: true }))).Item).toBeUndefined()

    const update = await settled(client.send(new UpdateItemCommand({ TableName: table, Key: key('legacy', 'update'), UpdateExpression: 'SET lastSeen = :t', ExpressionAttributeValues: { ':t': { S: 'now' } } })))
    expect((update as EncryptorError).code).toBe('ERR_NOT_ENCRYPTED')
    expect((update as Error).message).toContain('stored without aws_dbe_head')
    expect((update as Error & { cause?: unknown }).cause).toBeInstanceOf(ConditionalCheckFailedException)
    expect((await plain.send(new GetItemCommand({ TableName: table, Key: key('legacy', 'update'), ConsistentRead: true }))).Item).toEqual(legacy('update'))
  })

  it('a tampered item in a ConditionalCheckFailedException fails verification instead of being returned', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('ccf-bad', 'a', 1) }))
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key('ccf-bad', 'a'), UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': { N: '5' } } }))
    const error = await settled(client.send(new DeleteItemCommand({ TableName: table, Key: key('ccf-bad', 'a'), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })))
    expect(error).toBeInstanceOf(EncryptorError)
    expect((error as Error).message).toContain('pk="ccf-bad"')
  })
})
