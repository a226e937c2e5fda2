import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { getItem, globalTable, type GlobalTableFixture, type Item } from './support'

const EAST = 'us-east-1'
const WEST = 'us-west-2'
const EU = 'eu-west-1'

/**
 * Replication lag is simulated (replicationDelayMs) so that both writes of a conflict are made before either
 * reaches the other Region, as with concurrent writes to a real global table.
 */
describe('createLocalGlobalTable last-writer-wins', () => {
  let fixture: GlobalTableFixture
  beforeEach(async () => {
    fixture = await globalTable([EAST, WEST, EU], { replicationDelayMs: 3_000, pollIntervalMs: 50 })
  })
  afterEach(async () => {
    await fixture.close()
  })

  const put = (region: string, item: Item) => fixture.client[region]!.send(new PutItemCommand({ TableName: fixture.tableName, Item: item }))

  /** Waits (bounded) until the replicator has read `count` local writes of `region`: the next write is later. */
  async function replicatorHasSeen(region: string, count: number): Promise<void> {
    const deadline = Date.now() + 10_000
    while ((fixture.table.stats()[region]?.localWrites ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`the replicator did not read ${count} write(s) of ${region} within 10 s`)
      await new Promise((done) => setTimeout(done, 20))
    }
  }

  test('the later of two writes of one item in two Regions wins in every Region, whichever Region it came from', async () => {
    const first = { pk: { S: 'east-then-west' } }
    const second = { pk: { S: 'west-then-east' } }
    await put(EAST, { ...first, value: { S: 'written first, in us-east-1' } })
    await put(WEST, { ...second, value: { S: 'written first, in us-west-2' } })
    await replicatorHasSeen(EAST, 1)
    await replicatorHasSeen(WEST, 1)
    await put(WEST, { ...first, value: { S: 'written later, in us-west-2' } })
    await put(EAST, { ...second, value: { S: 'written later, in us-east-1' } })

    // Before replication each Region holds its own write: a real conflict.
    expect((await getItem(fixture.client[EAST]!, fixture.tableName, first))?.value).toEqual({ S: 'written first, in us-east-1' })
    expect((await getItem(fixture.client[WEST]!, fixture.tableName, first))?.value).toEqual({ S: 'written later, in us-west-2' })

    await fixture.table.waitForReplication(20_000)
    for (const region of [EAST, WEST, EU]) {
      expect(await getItem(fixture.client[region]!, fixture.tableName, first)).toEqual({ ...first, value: { S: 'written later, in us-west-2' } })
      expect(await getItem(fixture.client[region]!, fixture.tableName, second)).toEqual({ ...second, value: { S: 'written later, in us-east-1' } })
    }
    const stats = fixture.table.stats()
    // Each Region lost one conflict; the losing writes were never replicated anywhere.
    expect(stats[EAST]).toMatchObject({ localWrites: 2, conflictsLost: 1, replicatedWrites: 1 })
    expect(stats[WEST]).toMatchObject({ localWrites: 2, conflictsLost: 1, replicatedWrites: 1 })
    expect(stats[EU]).toMatchObject({ localWrites: 0, conflictsLost: 0, replicatedWrites: 2 })
  })

  test('a later delete beats an earlier update of the same item', async () => {
    const key = { pk: { S: 'update-vs-delete' } }
    await put(EAST, { ...key, value: { S: 'original' } })
    await fixture.table.waitForReplication(20_000)
    const seenInEast = fixture.table.stats()[EAST]?.localWrites ?? 0

    await put(EAST, { ...key, value: { S: 'updated in us-east-1' } })
    await replicatorHasSeen(EAST, seenInEast + 1)
    await fixture.client[WEST]!.send(new DeleteItemCommand({ TableName: fixture.tableName, Key: key }))

    await fixture.table.waitForReplication(20_000)
    for (const region of [EAST, WEST, EU]) expect(await getItem(fixture.client[region]!, fixture.tableName, key)).toBeUndefined()
  })
})
