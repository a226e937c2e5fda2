import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { ItemEncryptor, createOrdersTable, deleteTable, encryptedDocumentClient, encryptedLowLevelClient, expectEncryptedAtRest, key, newDynamoDBClient, newKeyring, ordersConfig, rawGet, sampleItem } from './support'

let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
let documents: DynamoDBDocumentClient
let encryptor: ItemEncryptor
let config: ReturnType<typeof ordersConfig>

beforeAll(async () => {
  plain = newDynamoDBClient()
  table = await createOrdersTable(plain)
  config = ordersConfig(newKeyring())
  client = await encryptedLowLevelClient(plain, { tables: { [table]: config } })
  documents = await encryptedDocumentClient(plain, { tables: { [table]: config } })
  encryptor = new ItemEncryptor({ ...config, tableName: table })
})
afterAll(async () => {
  await deleteTable(plain, table)
  plain.destroy()
  client.destroy()
  documents.destroy()
})

describe('interoperability with ItemEncryptor', () => {
  it('items written by the client decrypt with ItemEncryptor', async () => {
    const item = sampleItem('interop', 'client', 1)
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const stored = await rawGet(plain, table, 'interop', 'client')
    expectEncryptedAtRest(stored, item)
    expect(await encryptor.decryptItem(stored!)).toEqual(item)
  })

  it('items encrypted by ItemEncryptor and stored with a plain client read through both clients', async () => {
    const item = sampleItem('interop', 'encryptor', 2)
    const encrypted = await encryptor.encryptItem(item)
    expectEncryptedAtRest(encrypted, item)
    await plain.send(new PutItemCommand({ TableName: table, Item: encrypted }))
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('interop', 'encryptor') }))).Item).toEqual(item)
    expect((await documents.send(new GetCommand({ TableName: table, Key: { pk: 'interop', sk: 'encryptor' } }))).Item).toEqual({
      pk: 'interop',
      sk: 'encryptor',
      secret: item.secret.S,
      card: { number: item.card.M!.number.S, holder: item.card.M!.holder.S },
      plan: item.plan.S,
      count: 2,
      lastSeen: item.lastSeen.S,
    })
  })

  it('an item encrypted for another table, with the same key, does not verify here', async () => {
    const otherTable = new ItemEncryptor({ ...config, tableName: 'SomeOtherTable' })
    const encrypted = await otherTable.encryptItem(sampleItem('interop', 'other', 3))
    await plain.send(new PutItemCommand({ TableName: table, Item: encrypted }))
    await expect(client.send(new GetItemCommand({ TableName: table, Key: key('interop', 'other') }))).rejects.toThrow(/pk="interop", sk="other"/)
  })
})
