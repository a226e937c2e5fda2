import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand as DocQueryCommand,
  ScanCommand as DocScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { isEncryptorError } from '../../lib/errors'
import type { Item } from '../../lib/types'
import { createOrdersTable, deleteTable, encryptedLowLevelClient, expectEncryptedAtRest, key, ordersConfig, rawGet, sampleItem, useEncryptedOrdersTable } from './support'

const orders = useEncryptedOrdersTable()
let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
let documents: DynamoDBDocumentClient
beforeAll(() => ({ plain, table, client, documents } = orders))

async function expectRefused(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')).toBe(true)
  expect((error as Error).message).toMatch(pattern)
}

const byKey = (a: Item, b: Item): number => `${a.pk.S}/${a.sk.S}`.localeCompare(`${b.pk.S}/${b.sk.S}`)

describe('low-level EncryptedDynamoDBClient', () => {
  it('PutItem stores ciphertext; GetItem verifies and returns the original; ALL_OLD is decrypted', async () => {
    const item = sampleItem('put', 'a')
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    expectEncryptedAtRest(await rawGet(plain, table, 'put', 'a'), item)
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('put', 'a') }))).Item).toEqual(item)

    const replacement = sampleItem('put', 'a', 7)
    const { Attributes } = await client.send(new PutItemCommand({ TableName: table, Item: replacement, ReturnValues: 'ALL_OLD' }))
    expect(Attributes).toEqual(item)
    expectEncryptedAtRest(await rawGet(plain, table, 'put', 'a'), replacement)
  })

  it('PutItem with a condition on signed attributes works; on an encrypted one it is refused', async () => {
    const item = sampleItem('cond', 'a')
    await client.send(new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }))
    await expectRefused(
      client.send(new PutItemCommand({ TableName: table, Item: item, ConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'secret' }, ExpressionAttributeValues: { ':s': { S: 'x' } } })),
      /ConditionExpression references "secret"/,
    )
  })

  it('Query and Scan return every item verified and decrypted; Select COUNT passes', async () => {
    const items = [0, 1, 2].map((n) => sampleItem('query', `s${n}`, n))
    for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }))
    for (const item of items) expectEncryptedAtRest(await rawGet(plain, table, item.pk.S!, item.sk.S!), item)

    const queried = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'query' } } }))
    expect(queried.Items).toEqual(items)
    const filtered = await client.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: '#c >= :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':pk': { S: 'query' }, ':one': { N: '1' } } }),
    )
    expect(filtered.Items).toEqual(items.slice(1))
    const counted = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', Select: 'COUNT', ExpressionAttributeValues: { ':pk': { S: 'query' } } }))
    expect(counted.Count).toBe(3)
    expect(counted.Items).toBeUndefined()

    const scanned = await client.send(new ScanCommand({ TableName: table, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'query' } } }))
    expect(scanned.Items?.sort(byKey)).toEqual(items)
  })

  it('Query and Scan filters on encrypted attributes are refused', async () => {
    await expectRefused(
      client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'begins_with(secret, :p)', ExpressionAttributeValues: { ':pk': { S: 'q' }, ':p': { S: 't' } } })),
      /FilterExpression references "secret"/,
    )
    await expectRefused(
      client.send(new ScanCommand({ TableName: table, FilterExpression: 'card.#n = :v', ExpressionAttributeNames: { '#n': 'number' }, ExpressionAttributeValues: { ':v': { S: 'x' } } })),
      /FilterExpression references "card"/,
    )
    await expectRefused(client.send(new ScanCommand({ TableName: table, ScanFilter: {} })), /ScanFilter is a legacy parameter/)
  })

  it('BatchWriteItem encrypts puts and BatchGetItem decrypts', async () => {
    const items = [0, 1, 2, 3].map((n) => sampleItem('batch', `s${n}`, n))
    const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }))
    expect(UnprocessedItems ?? {}).toEqual({})
    for (const item of items) expectEncryptedAtRest(await rawGet(plain, table, item.pk.S!, item.sk.S!), item)
    const { Responses, UnprocessedKeys } = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: items.map((item) => key(item.pk.S!, item.sk.S!)) } } }))
    expect(Responses?.[table].sort(byKey)).toEqual(items)
    expect(UnprocessedKeys ?? {}).toEqual({})
    await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: key('batch', 's0') } }] } }))
    expect(await rawGet(plain, table, 'batch', 's0')).toBeUndefined()
  })

  it('TransactWriteItems encrypts puts and TransactGetItems decrypts', async () => {
    const items = [sampleItem('tx', 'a', 1), sampleItem('tx', 'b', 2)]
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: items[0] } },
          { Put: { TableName: table, Item: items[1], ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    )
    for (const item of items) expectEncryptedAtRest(await rawGet(plain, table, item.pk.S!, item.sk.S!), item)
    const { Responses } = await client.send(new TransactGetItemsCommand({ TransactItems: items.map((item) => ({ Get: { TableName: table, Key: key(item.pk.S!, item.sk.S!) } })) }))
    expect(Responses?.map((response) => response.Item)).toEqual(items)
  })

  it('TransactWriteItems checks updates, deletes and condition checks like the single commands', async () => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Update: { TableName: table, Key: key('tx', 'a'), UpdateExpression: 'SET lastSeen = :t', ExpressionAttributeValues: { ':t': { S: 'now' } } } },
          { ConditionCheck: { TableName: table, Key: key('tx', 'b'), ConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'plan-premium-2' } } } },
        ],
      }),
    )
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: key('tx', 'a') }))
    expect(Item).toEqual({ ...sampleItem('tx', 'a', 1), lastSeen: { S: 'now' } })
    await expectRefused(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: { TableName: table, Key: key('tx', 'a'), UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'x' } } } }] })),
      /SET "plan"/,
    )
    await expectRefused(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Delete: { TableName: table, Key: key('tx', 'a'), ConditionExpression: 'attribute_exists(secret)' } }] })),
      /references "secret"/,
    )
    await expectRefused(client.send(new TransactWriteItemsCommand({ TransactItems: [{}] })), /must set exactly one of Put, Update, Delete, ConditionCheck/)
  })

  it('UpdateItem of unsigned attributes works and ALL_NEW / ALL_OLD are decrypted; signed targets are refused', async () => {
    const item = sampleItem('update', 'a', 3)
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const { Attributes: allNew } = await client.send(
      new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), UpdateExpression: 'SET lastSeen = :t, u_visits = :one', ExpressionAttributeValues: { ':t': { S: 'later' }, ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' }),
    )
    expect(allNew).toEqual({ ...item, lastSeen: { S: 'later' }, u_visits: { N: '1' } })
    const { Attributes: updated } = await client.send(
      new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), UpdateExpression: 'ADD u_visits :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW' }),
    )
    expect(updated).toEqual({ u_visits: { N: '2' } })
    const { Attributes: allOld } = await client.send(new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), UpdateExpression: 'REMOVE u_visits', ReturnValues: 'ALL_OLD' }))
    expect(allOld).toEqual({ ...item, lastSeen: { S: 'later' }, u_visits: { N: '2' } })
    expectEncryptedAtRest(await rawGet(plain, table, 'update', 'a'), item)

    await expectRefused(
      client.send(new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), UpdateExpression: 'SET #c = #c + :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':one': { N: '1' } } })),
      /SET "count": the attribute is signed.*updateEncryptedItem/,
    )
    await expectRefused(
      client.send(new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), UpdateExpression: 'SET lastSeen = secret' })),
      /reads "secret"/,
    )
    await expectRefused(client.send(new UpdateItemCommand({ TableName: table, Key: key('update', 'a'), AttributeUpdates: {} })), /AttributeUpdates is a legacy parameter/)
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('update', 'a') }))).Item).toEqual({ ...item, lastSeen: { S: 'later' } })
  })

  it('UpdateItem and a transactional Update never create an item, which would have no signature', async () => {
    const update = { UpdateExpression: 'SET lastSeen = :t', ExpressionAttributeValues: { ':t': { S: 'now' } } }
    await expectRefused(client.send(new UpdateItemCommand({ TableName: table, Key: key('absent', 'a'), ...update })), /no item with key \{pk="absent", sk="a"\} is stored.*PutItem/)
    await expectRefused(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: { TableName: table, Key: key('absent', 'b'), ...update } }] })),
      /TransactItems\[0\]\.Update .*no item with key \{pk="absent", sk="b"\}/,
    )
    await expectRefused(documents.send(new UpdateCommand({ TableName: table, Key: { pk: 'absent', sk: 'c' }, ...update, ExpressionAttributeValues: { ':t': 'now' } })), /no item with key/)
    // A condition whose parentheses do not balance could close the client's own and OR around its guard.
    const escaping = 'attribute_not_exists(pk)) OR (attribute_exists(pk)'
    await expectRefused(client.send(new UpdateItemCommand({ TableName: table, Key: key('absent', 'd'), ...update, ConditionExpression: escaping })), /parentheses do not balance/)
    await expectRefused(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: { TableName: table, Key: key('absent', 'e'), ...update, ConditionExpression: escaping } }] })),
      /parentheses do not balance/,
    )
    await expectRefused(client.send(new UpdateItemCommand({ TableName: table, Key: key('absent', 'f'), ...update, ConditionExpression: '(attribute_not_exists(pk)' })), /parentheses do not balance/)
    for (const sk of ['a', 'b', 'c', 'd', 'e', 'f']) expect(await rawGet(plain, table, 'absent', sk)).toBeUndefined()

    // The caller's own failing condition on an existing item stays DynamoDB's error, without the item unless asked for.
    const item = sampleItem('guarded', 'a')
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const failed = await client
      .send(new UpdateItemCommand({ TableName: table, Key: key('guarded', 'a'), ...update, ConditionExpression: 'attribute_not_exists(lastSeen) AND attribute_exists(nothing)' }))
      .then(() => undefined, (e: unknown) => e as { name?: string; Item?: unknown })
    expect(failed?.name).toBe('ConditionalCheckFailedException')
    expect(failed?.Item).toBeUndefined()
    const { Attributes } = await client.send(
      new UpdateItemCommand({ TableName: table, Key: key('guarded', 'a'), ...update, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_NEW' }),
    )
    expect(Attributes).toEqual({ ...item, lastSeen: { S: 'now' } })
  })

  it('changing the config object after the client was built changes neither what it signs nor what updates it lets through', async () => {
    const config = ordersConfig()
    const own = await encryptedLowLevelClient(plain, { tables: { [table]: config } })
    try {
      const item = sampleItem('late-config', 'a')
      await own.send(new PutItemCommand({ TableName: table, Item: item }))
      // plan was SIGN_ONLY when the client was built; declaring it unsigned now must not let an update change it.
      config.attributeActionsOnEncrypt.plan = 'DO_NOTHING'
      config.allowedUnsignedAttributes?.push('plan')
      await expectRefused(
        own.send(new UpdateItemCommand({ TableName: table, Key: key('late-config', 'a'), UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'changed' } } })),
        /plan/,
      )
      expect((await own.send(new GetItemCommand({ TableName: table, Key: key('late-config', 'a') }))).Item).toEqual(item)
    } finally {
      own.destroy()
    }
  })

  it('DeleteItem ALL_OLD is decrypted', async () => {
    const item = sampleItem('delete', 'a')
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    expectEncryptedAtRest(await rawGet(plain, table, 'delete', 'a'), item)
    const { Attributes } = await client.send(new DeleteItemCommand({ TableName: table, Key: key('delete', 'a'), ReturnValues: 'ALL_OLD' }))
    expect(Attributes).toEqual(item)
    expect(await rawGet(plain, table, 'delete', 'a')).toBeUndefined()
  })

  it('a table ARN is matched to its configuration', async () => {
    const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`
    const item = sampleItem('arn', 'a')
    await client.send(new PutItemCommand({ TableName: arn, Item: item }))
    expectEncryptedAtRest(await rawGet(plain, table, 'arn', 'a'), item)
    expect((await client.send(new GetItemCommand({ TableName: arn, Key: key('arn', 'a') }))).Item).toEqual(item)
  })

  it('aws:rep:* attributes are never written back, and are returned unsigned on read', async () => {
    const item = sampleItem('rep', 'a')
    const replication = { 'aws:rep:updateregion': { S: 'us-west-2' }, 'aws:rep:updatetime': { N: '1767225600.123' }, 'aws:rep:deleting': { BOOL: false } }
    await client.send(new PutItemCommand({ TableName: table, Item: { ...item, ...replication } }))
    const stored = await rawGet(plain, table, 'rep', 'a')
    expect(Object.keys(stored ?? {}).filter((name) => name.startsWith('aws:rep:'))).toEqual([])
    // DynamoDB global tables (2017.11.29) add these after the client wrote the item.
    await plain.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key('rep', 'a'),
        UpdateExpression: 'SET #r = :r, #t = :t, #d = :d',
        ExpressionAttributeNames: { '#r': 'aws:rep:updateregion', '#t': 'aws:rep:updatetime', '#d': 'aws:rep:deleting' },
        ExpressionAttributeValues: { ':r': replication['aws:rep:updateregion'], ':t': replication['aws:rep:updatetime'], ':d': replication['aws:rep:deleting'] },
      }),
    )
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('rep', 'a') }))).Item).toEqual({ ...item, ...replication })
  })

  it('an item carrying aws_dbe_* attributes is refused on write', async () => {
    const error = await client.send(new PutItemCommand({ TableName: table, Item: { ...sampleItem('reserved', 'a'), aws_dbe_head: { B: new Uint8Array(8) } } })).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isEncryptorError(error, 'ERR_RESERVED_ATTRIBUTE')).toBe(true)
    expect(await rawGet(plain, table, 'reserved', 'a')).toBeUndefined()
  })

  it('if the decryption step is removed from the stack, reads fail instead of returning ciphertext', async () => {
    const item = sampleItem('stack', 'a')
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const broken = await encryptedLowLevelClient(plain, { tables: { [table]: ordersConfig() } })
    try {
      expect(broken.middlewareStack.remove('dbeDecryptResponse')).toBe(true)
      await expectRefused(broken.send(new GetItemCommand({ TableName: table, Key: key('stack', 'a') })), /bypassed the decryption step/)
    } finally {
      broken.destroy()
    }
  })

  it('tables that are not configured pass through untouched', async () => {
    const other = await createOrdersTable(plain)
    try {
      const item = { pk: { S: 'p' }, sk: { S: 's' }, anything: { S: 'plain text stays plain' } }
      await client.send(new PutItemCommand({ TableName: other, Item: item }))
      expect(await rawGet(plain, other, 'p', 's')).toEqual(item)
      expect((await client.send(new GetItemCommand({ TableName: other, Key: key('p', 's') }))).Item).toEqual(item)
    } finally {
      await deleteTable(plain, other)
    }
  })
})

describe('EncryptedDocumentClient', () => {
  const doc = (pk: string, sk: string, n = 0) => ({
    pk,
    sk,
    secret: `top-secret-value-${pk}-${sk}-${n}`,
    card: { number: `4111-1111-1111-${1000 + n}`, holder: `Card Holder ${pk}` },
    plan: `plan-premium-${n}`,
    count: n,
    lastSeen: '2026-01-01T00:00:00Z',
  })

  it('Put / Get', async () => {
    const item = doc('dput', 'a', 1)
    await documents.send(new PutCommand({ TableName: table, Item: item }))
    expectEncryptedAtRest(await rawGet(plain, table, 'dput', 'a'), sampleItem('dput', 'a', 1))
    expect((await documents.send(new GetCommand({ TableName: table, Key: { pk: 'dput', sk: 'a' } }))).Item).toEqual(item)
    const { Attributes } = await documents.send(new PutCommand({ TableName: table, Item: doc('dput', 'a', 2), ReturnValues: 'ALL_OLD' }))
    expect(Attributes).toEqual(item)
  })

  it('Query / Scan', async () => {
    const items = [0, 1, 2].map((n) => doc('dquery', `s${n}`, n))
    for (const item of items) await documents.send(new PutCommand({ TableName: table, Item: item }))
    for (const [n, item] of items.entries()) expectEncryptedAtRest(await rawGet(plain, table, item.pk, item.sk), sampleItem('dquery', `s${n}`, n))
    expect((await documents.send(new DocQueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'dquery' } }))).Items).toEqual(items)
    const scanned = await documents.send(new DocScanCommand({ TableName: table, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'dquery' } }))
    expect(scanned.Items?.sort((a, b) => String(a.sk).localeCompare(String(b.sk)))).toEqual(items)
  })

  it('BatchWrite / BatchGet', async () => {
    const items = [0, 1, 2].map((n) => doc('dbatch', `s${n}`, n))
    await documents.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }))
    for (const [n, item] of items.entries()) expectEncryptedAtRest(await rawGet(plain, table, item.pk, item.sk), sampleItem('dbatch', `s${n}`, n))
    const { Responses } = await documents.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: items.map(({ pk, sk }) => ({ pk, sk })) } } }))
    expect(Responses?.[table].sort((a, b) => String(a.sk).localeCompare(String(b.sk)))).toEqual(items)
  })

  it('TransactWrite / TransactGet', async () => {
    const items = [doc('dtx', 'a', 1), doc('dtx', 'b', 2)]
    await documents.send(new TransactWriteCommand({ TransactItems: items.map((Item) => ({ Put: { TableName: table, Item } })) }))
    for (const [n, item] of items.entries()) expectEncryptedAtRest(await rawGet(plain, table, item.pk, item.sk), sampleItem('dtx', item.sk, n + 1))
    const { Responses } = await documents.send(new TransactGetCommand({ TransactItems: items.map(({ pk, sk }) => ({ Get: { TableName: table, Key: { pk, sk } } })) }))
    expect(Responses?.map((response) => response.Item)).toEqual(items)
  })

  it('Update (unsigned) / Delete', async () => {
    const item = doc('dupd', 'a', 4)
    await documents.send(new PutCommand({ TableName: table, Item: item }))
    const { Attributes } = await documents.send(new UpdateCommand({ TableName: table, Key: { pk: 'dupd', sk: 'a' }, UpdateExpression: 'SET lastSeen = :t', ExpressionAttributeValues: { ':t': 'now' }, ReturnValues: 'ALL_NEW' }))
    expect(Attributes).toEqual({ ...item, lastSeen: 'now' })
    await expectRefused(
      documents.send(new UpdateCommand({ TableName: table, Key: { pk: 'dupd', sk: 'a' }, UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': 'leak' } })),
      /SET "secret"/,
    )
    const deleted = await documents.send(new DeleteCommand({ TableName: table, Key: { pk: 'dupd', sk: 'a' }, ReturnValues: 'ALL_OLD' }))
    expect(deleted.Attributes).toEqual({ ...item, lastSeen: 'now' })
  })
})
