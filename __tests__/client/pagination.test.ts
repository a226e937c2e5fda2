import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { BatchWriteCommand, DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb'
import { createOrdersTable, deleteTable, encryptedDocumentClient, expectEncryptedAtRest, newDynamoDBClient, ordersConfig, rawGet } from './support'

const COUNT = 1_050
let plain: DynamoDBClient
let table: string
let documents: DynamoDBDocumentClient

const itemFor = (n: number) => ({
  pk: 'bulk',
  sk: `item-${String(n).padStart(5, '0')}`,
  secret: `top-secret-value-bulk-item-${n}`,
  card: { number: `4111-1111-1111-${1000 + n}`, holder: 'Card Holder bulk' },
  plan: `plan-premium-${n}`,
  count: n,
})

/** BatchWrite in chunks of 25, retrying UnprocessedItems as given back (the caller's plaintext requests). */
async function writeAll(items: Array<Record<string, unknown>>): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let requestItems: Record<string, Array<{ PutRequest?: { Item: Record<string, unknown> } }>> | undefined = {
      [table]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
    }
    for (let attempt = 0; attempt < 10 && requestItems !== undefined && Object.keys(requestItems).length > 0; attempt++) {
      const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: requestItems as never }))
      requestItems = UnprocessedItems as typeof requestItems
    }
    expect(requestItems ?? {}).toEqual({})
  }
}

beforeAll(async () => {
  plain = newDynamoDBClient()
  table = await createOrdersTable(plain)
  documents = await encryptedDocumentClient(plain, { tables: { [table]: ordersConfig() } })
  await writeAll(Array.from({ length: COUNT }, (_, n) => itemFor(n)))
}, 180_000)
afterAll(async () => {
  await deleteTable(plain, table)
  plain.destroy()
  documents.destroy()
})

describe(`paginators over ${COUNT} encrypted items`, () => {
  it('the items are stored encrypted', async () => {
    for (const n of [0, 517, COUNT - 1]) {
      const { sk, secret, card } = itemFor(n)
      expectEncryptedAtRest(await rawGet(plain, table, 'bulk', sk), {
        secret: { S: secret },
        card: { M: { number: { S: card.number }, holder: { S: card.holder } } },
      })
    }
  })

  it('paginateQuery returns all of them decrypted, in order', async () => {
    const seen: Array<Record<string, unknown>> = []
    let pages = 0
    for await (const page of paginateQuery({ client: documents, pageSize: 200 }, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'bulk' } })) {
      pages += 1
      seen.push(...(page.Items ?? []))
      expect(pages).toBeLessThan(100)
    }
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(COUNT / 200))
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, n) => itemFor(n)))
  })

  it('paginateScan returns all of them decrypted, with a projection', async () => {
    const seen: Array<Record<string, unknown>> = []
    let pages = 0
    for await (const page of paginateScan({ client: documents, pageSize: 300 }, { TableName: table, ProjectionExpression: 'sk, secret' })) {
      pages += 1
      seen.push(...(page.Items ?? []))
      expect(pages).toBeLessThan(100)
    }
    expect(seen).toHaveLength(COUNT)
    expect(seen.sort((a, b) => String(a.sk).localeCompare(String(b.sk)))).toEqual(Array.from({ length: COUNT }, (_, n) => ({ sk: itemFor(n).sk, secret: itemFor(n).secret })))
  })
})
