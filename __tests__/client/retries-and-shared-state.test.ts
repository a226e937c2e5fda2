import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { EncryptedDynamoDBClient, updateEncryptedItem } from '../../lib/client'
import { isEncryptorError } from '../../lib/errors'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { BranchKeyStore } from '../../lib/materials/branch-key-store'
import type { Item } from '../../lib/types'
import { ddbEndpoint } from '../setup/dynamodb'
import { createOrdersTable, deleteTable, key, newDynamoDBClient, ordersConfig, sampleItem } from './support'

let plain: DynamoDBClient
let table: string
beforeAll(async () => {
  plain = newDynamoDBClient()
  table = await createOrdersTable(plain)
})
afterAll(async () => {
  await deleteTable(plain, table)
  plain.destroy()
})

async function client(options: { keyring?: ReturnType<typeof hierarchicalKeyring>; cacheMiddleware?: boolean } = {}): Promise<EncryptedDynamoDBClient> {
  return new EncryptedDynamoDBClient({
    region: await plain.config.region(),
    endpoint: ddbEndpoint(),
    credentials: await plain.config.credentials(),
    ...(options.cacheMiddleware === undefined ? {} : { cacheMiddleware: options.cacheMiddleware }),
    encryption: { tables: { [table]: ordersConfig(options.keyring) } },
  })
}

/** Counts the HTTP attempts of each request: inside the SDK's retry loop. */
function countAttempts(target: EncryptedDynamoDBClient): { count: number } {
  const attempts = { count: 0 }
  target.middlewareStack.add(
    (next) => async (args) => {
      attempts.count++
      return next(args)
    },
    { step: 'finalizeRequest', priority: 'low', name: 'countAttempts' },
  )
  return attempts
}

describe('a failure while completing the response is not retried by the SDK', () => {
  it('a write whose returned item cannot be decrypted for a transient key store error is sent once, and the error names the store', async () => {
    const inner = staticBranchKeyStore({ branchKeyId: 'retry', branchKeyVersion: 'e9ce18a3-edb5-4272-9f86-1cacb7997ff6', branchKey: new Uint8Array(32).fill(7) })
    let failNextRead = false
    const flaky: BranchKeyStore = {
      getActiveBranchKey: (id) => inner.getActiveBranchKey(id),
      getBranchKeyVersion: async (id, version) => {
        if (failNextRead) {
          failNextRead = false
          // The kind of cause the SDK's retry rules call transient.
          throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
        }
        return inner.getBranchKeyVersion(id, version)
      },
    }
    const own = await client({ keyring: hierarchicalKeyring({ branchKeyId: 'retry', keyStore: flaky, cacheTtlSeconds: 0 }) })
    const attempts = countAttempts(own)
    try {
      await own.send(new PutItemCommand({ TableName: table, Item: { ...sampleItem('retry', 'a'), u_hits: { N: '0' } } }))
      attempts.count = 0
      failNextRead = true
      const update = new UpdateItemCommand({ TableName: table, Key: key('retry', 'a'), UpdateExpression: 'ADD u_hits :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' })
      const error = await own.send(update).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      )
      expect(error?.message).toMatch(/^UpdateItem was applied; .*ECONNRESET/)
      expect(attempts.count).toBe(1)
      const stored = (await plain.send(new GetItemCommand({ TableName: table, Key: key('retry', 'a'), ConsistentRead: true }))).Item as Item
      expect(stored.u_hits).toEqual({ N: '1' })
    } finally {
      own.destroy()
    }
  })
})

describe('with the SDK option cacheMiddleware: true (one handler context shared by all requests of a command)', () => {
  it('concurrent reads each get their own verified item', async () => {
    const own = await client({ cacheMiddleware: true })
    try {
      const items = Array.from({ length: 6 }, (_, n) => sampleItem('cached', `k${n}`, n))
      for (const item of items) await own.send(new PutItemCommand({ TableName: table, Item: item }))
      for (let round = 0; round < 15; round++) {
        const reads = await Promise.all(items.map((_, n) => own.send(new GetItemCommand({ TableName: table, Key: key('cached', `k${n}`) }))))
        expect(reads.map((read) => read.Item)).toEqual(items)
      }
    } finally {
      own.destroy()
    }
  })

  it('updateEncryptedItem instructions stay with their own commands', async () => {
    const own = await client({ cacheMiddleware: true })
    try {
      await own.send(new PutItemCommand({ TableName: table, Item: sampleItem('cached-update', 'a') }))
      await updateEncryptedItem(own, { TableName: table, Key: key('cached-update', 'a'), update: (item) => ({ ...(item as Item), plan: { S: 'platinum' } }) })
      // A plain put of another key afterwards is not taken for the update (whose directive pinned its key).
      await own.send(new PutItemCommand({ TableName: table, Item: sampleItem('cached-update', 'b') }))
      await updateEncryptedItem(own, { TableName: table, Key: key('cached-update', 'b'), update: (item) => ({ ...(item as Item), plan: { S: 'silver' } }) })
      expect((await own.send(new GetItemCommand({ TableName: table, Key: key('cached-update', 'a') }))).Item?.plan).toEqual({ S: 'platinum' })
      expect((await own.send(new GetItemCommand({ TableName: table, Key: key('cached-update', 'b') }))).Item?.plan).toEqual({ S: 'silver' })
    } catch (error) {
      if (isEncryptorError(error)) throw new Error(`${error.code}: ${error.message}`)
      throw error
    } finally {
      own.destroy()
    }
  })
})
