import { Readable } from 'node:stream'
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { EncryptedDynamoDBClient, updateEncryptedItem } from '../../lib/client'
import { isEncryptorError } from '../../lib/errors'
import type { Item } from '../../lib/types'
import { ddbEndpoint } from '../setup/dynamodb'
import { expectEncryptedAtRest, key, ordersConfig, rawGet, sampleItem, settled, useEncryptedOrdersTable } from './support'

const orders = useEncryptedOrdersTable()
let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
let documents: DynamoDBDocumentClient
beforeAll(() => ({ plain, table, client, documents } = orders))

describe('updateEncryptedItem', () => {
  it('changes signed and encrypted attributes of an existing item (low-level client)', async () => {
    const original = sampleItem('upd', 'a', 5)
    await client.send(new PutItemCommand({ TableName: table, Item: original }))
    const headerBefore = (await rawGet(plain, table, 'upd', 'a'))!.aws_dbe_head.B
    const seen: Array<Item | undefined> = []
    const updated = await updateEncryptedItem(client, {
      TableName: table,
      Key: key('upd', 'a'),
      update: (item) => {
        seen.push(item)
        return { ...item!, count: { N: String(Number(item!.count.N) + 1) }, secret: { S: 'a-brand-new-secret-value' } }
      },
    })
    expect(seen).toEqual([original])
    expect(updated).toEqual({ ...original, count: { N: '6' }, secret: { S: 'a-brand-new-secret-value' } })
    const stored = await rawGet(plain, table, 'upd', 'a')
    expectEncryptedAtRest(stored, updated)
    expect(Buffer.from(stored!.aws_dbe_head.B!).equals(Buffer.from(headerBefore!))).toBe(false)
  })

  it('creates the item when there is none: update receives undefined', async () => {
    const created = await updateEncryptedItem(documents, {
      TableName: table,
      Key: { pk: 'upd-new', sk: 'a' },
      update: (item) => ({ pk: 'upd-new', sk: 'a', count: (item?.count ?? 0) + 1, secret: 'first secret of a new item' }),
    })
    expect(created).toEqual({ pk: 'upd-new', sk: 'a', count: 1, secret: 'first secret of a new item' })
    expect((await documents.send(new GetCommand({ TableName: table, Key: { pk: 'upd-new', sk: 'a' } }))).Item).toEqual(created)
  })

  it('20 concurrent updaters incrementing a signed counter end with the exact total', async () => {
    await updateEncryptedItem(documents, { TableName: table, Key: { pk: 'counter', sk: 'c' }, update: () => ({ pk: 'counter', sk: 'c', count: 0, secret: 'counter secret' }) })
    let calls = 0
    await Promise.all(
      Array.from({ length: 20 }, () =>
        updateEncryptedItem(documents, {
          TableName: table,
          Key: { pk: 'counter', sk: 'c' },
          maxAttempts: 100,
          update: (item) => {
            calls += 1
            return { ...item!, count: (item!.count as number) + 1 }
          },
        }),
      ),
    )
    const { Item } = await documents.send(new GetCommand({ TableName: table, Key: { pk: 'counter', sk: 'c' }, ConsistentRead: true }))
    expect(Item).toEqual({ pk: 'counter', sk: 'c', count: 20, secret: 'counter secret' })
    expect(calls).toBeGreaterThanOrEqual(20)
  })

  it('fails with ERR_CONFLICT when the item keeps changing, and leaves the other write in place', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('conflict', 'a', 1) }))
    const error = await settled(
      updateEncryptedItem(client, {
        TableName: table,
        Key: key('conflict', 'a'),
        maxAttempts: 2,
        update: async (item) => {
          // Another writer gets in between our read and our write, every time.
          await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('conflict', 'a', 99) }))
          return { ...item!, count: { N: '-1' } }
        },
      }),
    )
    expect(isEncryptorError(error, 'ERR_CONFLICT')).toBe(true)
    expect((error as Error).message).toMatch(/pk="conflict", sk="a"\} changed during each of 2 attempts/)
    expect((await rawGet(plain, table, 'conflict', 'a'))?.count).toEqual({ N: '99' })
  })

  it('an unsigned attribute changed in between is a conflict too, so that change is not lost', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('unsigned', 'a', 1) }))
    const seen: string[] = []
    const updated = await updateEncryptedItem(client, {
      TableName: table,
      Key: key('unsigned', 'a'),
      update: async (item) => {
        seen.push(item!.lastSeen.S!)
        // The header stays the same for this write: only the unsigned attribute changes.
        if (seen.length === 1) {
          await client.send(new UpdateItemCommand({ TableName: table, Key: key('unsigned', 'a'), UpdateExpression: 'SET lastSeen = :t, u_extra = :x', ExpressionAttributeValues: { ':t': { S: 'touched' }, ':x': { S: 'x' } } }))
        }
        return { ...item!, count: { N: '2' } }
      },
    })
    expect(seen).toEqual(['2026-01-01T00:00:00Z', 'touched'])
    expect(updated).toEqual({ ...sampleItem('unsigned', 'a', 1), count: { N: '2' }, lastSeen: { S: 'touched' }, u_extra: { S: 'x' } })
  })

  it('refuses an update that changes the key, and writes nothing', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('rekey', 'a', 1) }))
    const error = await settled(updateEncryptedItem(client, { TableName: table, Key: key('rekey', 'a'), update: (item) => ({ ...item!, sk: { S: 'b' } }) }))
    expect(isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')).toBe(true)
    expect((error as Error).message).toMatch(/changed the key/)
    expect(await rawGet(plain, table, 'rekey', 'b')).toBeUndefined()
  })

  it('verifies before calling update: a tampered item is never handed to it', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem('tampered', 'a', 1) }))
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key('tampered', 'a'), UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': { N: '1000' } } }))
    const update = jest.fn((item: Item | undefined) => item!)
    const error = await settled(updateEncryptedItem(client, { TableName: table, Key: key('tampered', 'a'), update }))
    expect(update).not.toHaveBeenCalled()
    expect((error as Error).message).toContain('pk="tampered"')
  })

  it('refuses tables the client does not encrypt and bad maxAttempts', async () => {
    expect(isEncryptorError(await settled(updateEncryptedItem(client, { TableName: 'NotConfigured', Key: key('a', 'b'), update: (item) => item! })), 'ERR_CONFIG_INVALID')).toBe(true)
    expect(isEncryptorError(await settled(updateEncryptedItem(plain, { TableName: table, Key: key('a', 'b'), update: (item) => item! })), 'ERR_CONFIG_INVALID')).toBe(true)
    expect(isEncryptorError(await settled(updateEncryptedItem(client, { TableName: table, Key: key('a', 'b'), maxAttempts: 0, update: (item) => item! })), 'ERR_CONFIG_INVALID')).toBe(true)
  })
})

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0]
type HttpHandlerOptions = Parameters<NodeHttpHandler['handle']>[1]
type HttpResponse = Awaited<ReturnType<NodeHttpHandler['handle']>>['response']

describe('updateEncryptedItem when a write lands but its answer is lost', () => {
  it('recognises its own write by the header it sent and does not apply update() twice', async () => {
    const real = new NodeHttpHandler()
    let loseNextPutAnswer = false
    // Forwards every request; the first PutItem after the switch is applied by DynamoDB, but its answer becomes a 500.
    const losingHandler = {
      metadata: { handlerProtocol: 'http/1.1' },
      async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
        const result = await real.handle(request, options)
        if (loseNextPutAnswer && String(request.headers['x-amz-target'] ?? '').endsWith('PutItem')) {
          loseNextPutAnswer = false
          ;(result.response.body as Readable).resume()
          const body = Readable.from([Buffer.from('{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}')])
          return { response: { statusCode: 500, headers: { 'content-type': 'application/x-amz-json-1.0' }, body } as HttpResponse }
        }
        return result
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => real.destroy(),
    }
    const own = new EncryptedDynamoDBClient({
      region: await plain.config.region(),
      endpoint: ddbEndpoint(),
      credentials: await plain.config.credentials(),
      requestHandler: losingHandler,
      encryption: { tables: { [table]: ordersConfig() } },
    })
    try {
      await own.send(new PutItemCommand({ TableName: table, Item: { ...sampleItem('lost-answer', 'a'), count: { N: '100' } } }))
      let calls = 0
      loseNextPutAnswer = true
      const result = await updateEncryptedItem(own, {
        TableName: table,
        Key: key('lost-answer', 'a'),
        update: (item) => {
          calls++
          return { ...item!, count: { N: String(Number(item!.count.N) + 10) } }
        },
      })
      expect(loseNextPutAnswer).toBe(false) // the answer was indeed lost once
      expect(calls).toBe(1)
      expect(result.count).toEqual({ N: '110' })
      const { Item } = await own.send(new GetItemCommand({ TableName: table, Key: key('lost-answer', 'a'), ConsistentRead: true }))
      expect(Item?.count).toEqual({ N: '110' })
    } finally {
      own.destroy()
    }
  })
})
