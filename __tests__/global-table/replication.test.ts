import { BatchWriteItemCommand, DeleteItemCommand, DescribeTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { THREE_REGIONS, byKey, getItem, globalTable, scanAll, type GlobalTableFixture, type Item } from './support'

const [EAST, WEST, EU] = THREE_REGIONS

/** One attribute of every DynamoDB type, nested too: replication must copy items exactly, adding nothing. */
function richItem(pk: string): Item {
  return {
    pk: { S: pk },
    text: { S: 'hello, wörld' },
    count: { N: '42.5' },
    bytes: { B: new Uint8Array([0, 1, 2, 250, 255]) },
    flag: { BOOL: true },
    nothing: { NULL: true },
    tags: { SS: ['b', 'a', 'c'] },
    scores: { NS: ['3', '1', '2'] },
    blobs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
    list: { L: [{ S: 'x' }, { N: '1' }, { M: { deep: { BOOL: false } } }] },
    map: { M: { nested: { M: { leaf: { S: 'value' } } }, empty: { L: [] } } },
  }
}

describe('createLocalGlobalTable replication across three Regions', () => {
  let fixture: GlobalTableFixture
  beforeAll(async () => {
    fixture = await globalTable()
  })
  afterAll(async () => {
    await fixture.close()
  })

  test('creates the table in every Region with a NEW_AND_OLD_IMAGES stream', async () => {
    for (const region of THREE_REGIONS) {
      const { Table } = await fixture.client[region]!.send(new DescribeTableCommand({ TableName: fixture.tableName }))
      expect(Table?.TableStatus).toBe('ACTIVE')
      expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' })
    }
  })

  test('a put in one Region reaches the others exactly, with no added attributes', async () => {
    const item = richItem('put-1')
    await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: item }))
    await fixture.table.waitForReplication()
    const original = await getItem(fixture.client[EAST]!, fixture.tableName, { pk: { S: 'put-1' } })
    for (const region of [WEST, EU]) {
      const replica = await getItem(fixture.client[region]!, fixture.tableName, { pk: { S: 'put-1' } })
      expect(replica).toEqual(original)
      expect(Object.keys(replica ?? {}).sort()).toEqual(Object.keys(item).sort())
      expect(Object.keys(replica ?? {}).filter((name) => name.startsWith('aws:rep:'))).toEqual([])
    }
  })

  test('an update in a second Region and a delete in a third reach every Region', async () => {
    const key = { pk: { S: 'lifecycle' } }
    await fixture.client[EAST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { ...key, status: { S: 'new' }, note: { S: 'drop me' } } }))
    await fixture.table.waitForReplication()

    await fixture.client[WEST]!.send(
      new UpdateItemCommand({
        TableName: fixture.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :status, visits = :one REMOVE note',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'updated in us-west-2' }, ':one': { N: '1' } },
      }),
    )
    await fixture.table.waitForReplication()
    for (const region of THREE_REGIONS) {
      expect(await getItem(fixture.client[region]!, fixture.tableName, key)).toEqual({ ...key, status: { S: 'updated in us-west-2' }, visits: { N: '1' } })
    }

    await fixture.client[EU]!.send(new DeleteItemCommand({ TableName: fixture.tableName, Key: key }))
    await fixture.table.waitForReplication()
    for (const region of THREE_REGIONS) expect(await getItem(fixture.client[region]!, fixture.tableName, key)).toBeUndefined()
  })
})

describe('createLocalGlobalTable without echoes', () => {
  test('one write causes exactly one replicated write in each other Region, and none back', async () => {
    const fixture = await globalTable()
    try {
      await fixture.client[WEST]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: { pk: { S: 'once' }, v: { N: '1' } } }))
      await fixture.table.waitForReplication()
      const stats = fixture.table.stats()
      expect(stats[WEST]).toEqual({ localWrites: 1, replicatedWrites: 0, echoesSuppressed: 0, conflictsLost: 0, failedApplies: 0 })
      for (const region of [EAST, EU]) {
        expect(stats[region]).toEqual({ localWrites: 0, replicatedWrites: 1, echoesSuppressed: 1, conflictsLost: 0, failedApplies: 0 })
      }

      // Idle afterwards: more waiting replicates nothing more.
      await fixture.table.waitForReplication()
      expect(fixture.table.stats()).toEqual(stats)

      // A delete is one replicated delete per other Region too.
      await fixture.client[EAST]!.send(new DeleteItemCommand({ TableName: fixture.tableName, Key: { pk: { S: 'once' } } }))
      await fixture.table.waitForReplication()
      const after = fixture.table.stats()
      expect(after[EAST]).toMatchObject({ localWrites: 1, replicatedWrites: 1 })
      expect(after[WEST]).toMatchObject({ localWrites: 1, replicatedWrites: 1 })
      expect(after[EU]).toMatchObject({ localWrites: 0, replicatedWrites: 2 })
    } finally {
      await fixture.close()
    }
  })
})

describe('createLocalGlobalTable under load', () => {
  test('nothing is lost when writes outpace the replicator, in all Regions at once', async () => {
    // A slow poll lets records pile up in every stream between reads.
    const fixture = await globalTable(THREE_REGIONS, { sortKey: true, pollIntervalMs: 1_000 })
    try {
      const expected = new Map<string, Item>()
      // Phase 1, every Region at once: 150 puts each, in batches.
      await Promise.all(
        THREE_REGIONS.map(async (region) => {
          const items = Array.from({ length: 150 }, (_, n) => ({ pk: { S: `load-${region}` }, sk: { N: String(n) }, writer: { S: region }, n: { N: String(n * 7) } }))
          for (const item of items) expected.set(`${region}/${item.sk.N}`, item)
          await Promise.all(Array.from({ length: 6 }, (_, batch) => writeBatch(fixture, region, items.slice(batch * 25, batch * 25 + 25))))
        }),
      )
      // Phase 2, every Region at once, each on its own items: updates and deletes, likely before phase 1 replicated.
      await Promise.all(
        THREE_REGIONS.map(async (region) => {
          for (let n = 0; n < 20; n++) {
            const key = { pk: { S: `load-${region}` }, sk: { N: String(n) } }
            await fixture.client[region]!.send(
              new UpdateItemCommand({ TableName: fixture.tableName, Key: key, UpdateExpression: 'SET v = :v REMOVE n', ExpressionAttributeValues: { ':v': { S: `updated-${n}` } } }),
            )
            expected.set(`${region}/${n}`, { ...key, writer: { S: region }, v: { S: `updated-${n}` } })
            const doomed = { pk: { S: `load-${region}` }, sk: { N: String(149 - n) } }
            await fixture.client[region]!.send(new DeleteItemCommand({ TableName: fixture.tableName, Key: doomed }))
            expected.delete(`${region}/${149 - n}`)
          }
        }),
      )
      await fixture.table.waitForReplication(60_000)
      const want = byKey([...expected.values()])
      for (const region of THREE_REGIONS) expect(byKey(await scanAll(fixture.client[region]!, fixture.tableName))).toEqual(want)
      expect(Object.values(fixture.table.stats()).map((stats) => stats.failedApplies)).toEqual([0, 0, 0])
    } finally {
      await fixture.close()
    }
  })
})

async function writeBatch(fixture: GlobalTableFixture, region: string, items: Item[]): Promise<void> {
  let requests: { PutRequest: { Item: Item } }[] | undefined = items.map((Item) => ({ PutRequest: { Item } }))
  for (let attempt = 0; attempt < 10 && requests !== undefined && requests.length > 0; attempt++) {
    const output = await fixture.client[region]!.send(new BatchWriteItemCommand({ RequestItems: { [fixture.tableName]: requests } }))
    requests = output.UnprocessedItems?.[fixture.tableName] as { PutRequest: { Item: Item } }[] | undefined
  }
  expect(requests ?? []).toEqual([])
}
