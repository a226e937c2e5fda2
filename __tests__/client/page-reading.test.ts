import { BatchGetItemCommand, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand as DocGetCommand, QueryCommand as DocQueryCommand } from '@aws-sdk/lib-dynamodb'
import * as wirePage from '../../lib/client/wire-page'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import type { Item } from '../../lib/types'
import { createOrdersTable, deleteTable, encryptedLowLevelClient, ItemEncryptor, key, ordersConfig, sampleItem, settled, useEncryptedOrdersTable } from './support'

// Query and Scan pages, BatchGetItem responses and GetItem's item of a configured table are read from the HTTP body by
// the client (wire-page.ts), not by the SDK: what the caller gets must be exactly what the SDK's own reading gives, as a
// plain client's GetItem (read by the SDK) decrypted by an ItemEncryptor shows.
const orders = useEncryptedOrdersTable()
const PARTITION = 'page-reading'
const COUNT = 5

/** Every AttributeValue type, binary ones at every depth, in encrypted, signed and unsigned attributes. */
function richItem(n: number): Item {
  const bytes = (...values: number[]) => new Uint8Array(values)
  return {
    ...sampleItem(PARTITION, `item-${n}`, n),
    secret: { B: bytes(n, 0, 255, 128) },
    card: { M: { raw: { B: bytes(1, 2, n) }, list: { L: [{ BS: [bytes(3), bytes(4, n)] }, { NULL: true }, { BOOL: n % 2 === 0 }] } } },
    plan: { BS: [bytes(5, n), bytes(6)] },
    u_blob: { B: bytes(7, 8, 9, n) },
    u_nested: { M: { deep: { L: [{ B: bytes(n) }, { NS: ['1', '2.5'] }, { SS: ['x', 'y'] }] } } },
    u_empty: { B: bytes() },
  }
}

let takeItems: jest.SpyInstance
beforeAll(async () => {
  for (let n = 0; n < COUNT; n++) await orders.client.send(new PutItemCommand({ TableName: orders.table, Item: richItem(n) }))
})
beforeEach(() => {
  takeItems = jest.spyOn(wirePage, 'takeItems')
})
afterEach(() => takeItems.mockRestore())

const keyCondition = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: PARTITION } } }

async function readBySdk(n: number): Promise<Item | undefined> {
  const { Item } = await orders.plain.send(new GetItemCommand({ TableName: orders.table, Key: key(PARTITION, `item-${n}`) }))
  return Item === undefined ? undefined : new ItemEncryptor({ ...orders.config, tableName: orders.table }).decryptItem(Item)
}

/** Runs `check` while stored item `sk` is replaced by `change` of it (written by the plain client); puts it back after. */
async function whileTampered(sk: string, change: (stored: Item) => Item, check: () => Promise<void>): Promise<void> {
  const stored = (await orders.plain.send(new GetItemCommand({ TableName: orders.table, Key: key(PARTITION, sk) }))).Item as Item
  await orders.plain.send(new PutItemCommand({ TableName: orders.table, Item: change(stored) }))
  try {
    await check()
  } finally {
    await orders.plain.send(new PutItemCommand({ TableName: orders.table, Item: stored }))
  }
}

/** What `send` fails with on a configured table that does not exist, through a client configured for it. */
async function missingTableError(table: string, send: (client: EncryptedDynamoDBClient) => Promise<unknown>): Promise<unknown> {
  const missing = await encryptedLowLevelClient(orders.plain, { tables: { [table]: ordersConfig() } })
  try {
    return await settled(send(missing))
  } finally {
    missing.destroy()
  }
}

describe('Query and Scan pages read from the HTTP body', () => {
  it('Query gives every item exactly as the SDK reads it, binary values as Uint8Array', async () => {
    const out = await orders.client.send(new QueryCommand({ TableName: orders.table, ...keyCondition }))
    expect(takeItems).toHaveBeenCalledTimes(1)
    expect(takeItems.mock.results[0]?.value?.items).toHaveLength(COUNT)
    expect(out.Count).toBe(COUNT)
    expect(out.Items).toHaveLength(COUNT)
    for (let n = 0; n < COUNT; n++) {
      const item = out.Items?.find((candidate) => candidate.sk?.S === `item-${n}`)
      expect(item).toEqual(richItem(n))
      expect(item).toEqual(await readBySdk(n))
      expect(item?.u_blob?.B).toBeInstanceOf(Uint8Array)
    }
  })

  it('Scan too, with the counts, and ConsumedCapacity read by the SDK from the rest of the body', async () => {
    const out = await orders.client.send(new ScanCommand({ TableName: orders.table, ReturnConsumedCapacity: 'TOTAL' }))
    expect(takeItems).toHaveBeenCalledTimes(1)
    expect(out.Items).toHaveLength(COUNT)
    expect(out.Count).toBe(COUNT)
    expect(out.ScannedCount).toBe(COUNT)
    expect(out.ConsumedCapacity?.TableName).toBe(orders.table)
    expect(typeof out.ConsumedCapacity?.CapacityUnits).toBe('number')
    for (const item of out.Items ?? []) expect(item).toEqual(richItem(Number(item.sk?.S?.slice('item-'.length))))
  })

  it('pages: LastEvaluatedKey stays the SDK’s to read, and paging with it visits every item once', async () => {
    const seen: string[] = []
    let start: Record<string, unknown> | undefined
    for (let page = 0; page < COUNT + 2; page++) {
      const out = await orders.client.send(new QueryCommand({ TableName: orders.table, ...keyCondition, Limit: 2, ExclusiveStartKey: start as never }))
      for (const item of out.Items ?? []) seen.push(item.sk?.S ?? '?')
      start = out.LastEvaluatedKey
      if (start === undefined) break
      expect(start).toEqual({ pk: { S: PARTITION }, sk: { S: seen.at(-1) } })
    }
    expect(seen.sort()).toEqual(Array.from({ length: COUNT }, (_, n) => `item-${n}`))
  })

  it('the DocumentClient unmarshalls the decrypted page as usual', async () => {
    const out = await orders.documents.send(new DocQueryCommand({ TableName: orders.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PARTITION } }))
    expect(takeItems).toHaveBeenCalledTimes(1)
    const first = out.Items?.find((item) => item.sk === 'item-1')
    expect(first?.secret).toEqual(new Uint8Array([1, 0, 255, 128]))
    expect(first?.plan).toEqual(new Set([new Uint8Array([5, 1]), new Uint8Array([6])]))
    expect(first?.u_nested).toEqual({ deep: [new Uint8Array([1]), new Set([1, 2.5]), new Set(['x', 'y'])] })
  })

  it('a COUNT query has no page to take', async () => {
    const out = await orders.client.send(new QueryCommand({ TableName: orders.table, ...keyCondition, Select: 'COUNT' }))
    expect(out.Count).toBe(COUNT)
    expect(out.Items).toBeUndefined()
    expect(takeItems).not.toHaveBeenCalled()
  })

  it('an error response is the SDK’s to read: a missing table is its ResourceNotFoundException', async () => {
    const table = 'no-such-table-page-reading'
    const error = await missingTableError(table, (client) => client.send(new QueryCommand({ TableName: table, ...keyCondition })))
    expect((error as Error).name).toBe('ResourceNotFoundException')
    expect(takeItems).not.toHaveBeenCalled()
  })

  it('a tampered item still fails the whole page', async () => {
    await whileTampered('item-3', (stored) => ({ ...stored, plan: { BS: [new Uint8Array([5, 4])] } }), async () => {
      const error = await settled(orders.client.send(new QueryCommand({ TableName: orders.table, ...keyCondition })))
      expect((error as { code?: string }).code).toBe('ERR_SIGNATURE_INVALID')
    })
  })
})

describe('BatchGetItem responses read from the HTTP body', () => {
  let plainTable: string
  let takeResponses: jest.SpyInstance
  const plainItem = (n: number): Item => ({ pk: { S: PARTITION }, sk: { S: `plain-${n}` }, blob: { B: new Uint8Array([n, 9]) }, tags: { BS: [new Uint8Array([n])] } })
  const request = () =>
    new BatchGetItemCommand({
      RequestItems: {
        [orders.table]: { Keys: Array.from({ length: COUNT }, (_, n) => key(PARTITION, `item-${n}`)) },
        [plainTable]: { Keys: [key(PARTITION, 'plain-1'), key(PARTITION, 'plain-2')] },
      },
      ReturnConsumedCapacity: 'TOTAL',
    })

  beforeAll(async () => {
    plainTable = await createOrdersTable(orders.plain)
    for (const n of [1, 2]) await orders.plain.send(new PutItemCommand({ TableName: plainTable, Item: plainItem(n) }))
  })
  afterAll(async () => deleteTable(orders.plain, plainTable))
  beforeEach(() => {
    takeResponses = jest.spyOn(wirePage, 'takeResponses')
  })
  afterEach(() => takeResponses.mockRestore())

  it('the configured table’s items are taken from the body and come out as the SDK reads them; the other table’s are the SDK’s', async () => {
    const out = await orders.client.send(request())
    expect(takeResponses).toHaveBeenCalledTimes(1)
    expect([...(takeResponses.mock.results[0]?.value?.responses.keys() ?? [])]).toEqual([orders.table])
    expect(takeResponses.mock.results[0]?.value?.responses.get(orders.table)).toHaveLength(COUNT)
    const mine = out.Responses?.[orders.table] ?? []
    expect(mine).toHaveLength(COUNT)
    for (let n = 0; n < COUNT; n++) {
      const item = mine.find((candidate) => candidate.sk?.S === `item-${n}`)
      expect(item).toEqual(richItem(n))
      expect(item).toEqual(await readBySdk(n))
      expect(item?.u_blob?.B).toBeInstanceOf(Uint8Array)
    }
    const theirs = out.Responses?.[plainTable] ?? []
    expect(theirs.map((item) => item.sk?.S).sort()).toEqual(['plain-1', 'plain-2'])
    for (const item of theirs) expect(item).toEqual(plainItem(Number(item.sk?.S?.slice('plain-'.length))))
    expect(out.ConsumedCapacity?.map((entry) => entry.TableName).sort()).toEqual([orders.table, plainTable].sort())
  })

  it('a tampered item still fails the whole batch', async () => {
    await whileTampered('item-2', (stored) => ({ ...stored, plan: { BS: [new Uint8Array([5, 4])] } }), async () => {
      const error = await settled(orders.client.send(request()))
      expect((error as { code?: string }).code).toBe('ERR_SIGNATURE_INVALID')
      expect(takeResponses).toHaveBeenCalledTimes(1)
    })
  })

  it('an error response is the SDK’s to read', async () => {
    const table = 'no-such-table-batch-reading'
    const error = await missingTableError(table, (client) => client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('a', 'b')] } } })))
    expect((error as Error).name).toBe('ResourceNotFoundException')
    expect(takeResponses).not.toHaveBeenCalled()
  })
})

describe('GetItem’s item read from the HTTP body', () => {
  let takeItem: jest.SpyInstance
  const get = (sk: string, extra: object = {}) => orders.client.send(new GetItemCommand({ TableName: orders.table, Key: key(PARTITION, sk), ...extra }))

  beforeEach(() => {
    takeItem = jest.spyOn(wirePage, 'takeItem')
  })
  afterEach(() => takeItem.mockRestore())

  it('gives the item exactly as the SDK reads it, binary values as Uint8Array, and ConsumedCapacity read by the SDK', async () => {
    for (let n = 0; n < COUNT; n++) {
      takeItem.mockClear()
      const out = await get(`item-${n}`, { ReturnConsumedCapacity: 'TOTAL' })
      expect(takeItem).toHaveBeenCalledTimes(1)
      expect(takeItem.mock.results[0]?.value?.item).toBeDefined()
      expect(out.Item).toEqual(richItem(n))
      expect(out.Item).toEqual(await readBySdk(n))
      expect(out.Item?.u_blob?.B).toBeInstanceOf(Uint8Array)
      expect(out.ConsumedCapacity?.TableName).toBe(orders.table)
      expect(typeof out.ConsumedCapacity?.CapacityUnits).toBe('number')
    }
  })

  it('no such item: nothing to take, the SDK reads the body and there is no Item', async () => {
    const out = await get('no-such-item')
    expect(takeItem).toHaveBeenCalledTimes(1)
    expect(takeItem.mock.results[0]?.value).toBeUndefined()
    expect(out.Item).toBeUndefined()
  })

  it('a projection is applied to the item taken from the body', async () => {
    const out = await get('item-2', { ProjectionExpression: 'secret, u_blob' })
    expect(takeItem).toHaveBeenCalledTimes(1)
    expect(out.Item).toEqual({ secret: richItem(2).secret, u_blob: richItem(2).u_blob })
  })

  it('the DocumentClient unmarshalls the decrypted item as usual', async () => {
    const out = await orders.documents.send(new DocGetCommand({ TableName: orders.table, Key: { pk: PARTITION, sk: 'item-1' } }))
    expect(takeItem).toHaveBeenCalledTimes(1)
    expect(out.Item?.secret).toEqual(new Uint8Array([1, 0, 255, 128]))
    expect(out.Item?.plan).toEqual(new Set([new Uint8Array([5, 1]), new Uint8Array([6])]))
  })

  it('a tampered item is refused', async () => {
    await whileTampered('item-4', (stored) => ({ ...stored, card: { B: new Uint8Array(40) } }), async () => {
      const error = await settled(get('item-4'))
      expect((error as { code?: string }).code).toBe('ERR_SIGNATURE_INVALID')
      expect(takeItem).toHaveBeenCalledTimes(1)
    })
  })

  it('an error response is the SDK’s to read', async () => {
    const table = 'no-such-table-get-reading'
    const error = await missingTableError(table, (client) => client.send(new GetItemCommand({ TableName: table, Key: key('a', 'b') })))
    expect((error as Error).name).toBe('ResourceNotFoundException')
    expect(takeItem).not.toHaveBeenCalled()
  })
})
