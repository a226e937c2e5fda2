import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { EncryptorError } from '../../lib/errors'
import { key, rawGet, sampleItem, useEncryptedOrdersTable } from './support'

const VERIFICATION_CODES = [
  'ERR_SIGNATURE_INVALID',
  'ERR_FOOTER_INVALID',
  'ERR_HEADER_INVALID',
  'ERR_LEGEND_MISMATCH',
  'ERR_DECRYPTION_FAILED',
  'ERR_COMMITMENT_MISMATCH',
  'ERR_NOT_ENCRYPTED',
  'ERR_ATTRIBUTE_NOT_CONFIGURED',
]

const orders = useEncryptedOrdersTable()
let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
let documents: DynamoDBDocumentClient

/** Each case: a partition with one good item (`good`) and one item (`bad`) altered behind the client's back. */
const cases: Record<string, (pk: string) => Promise<void>> = {
  'a signed attribute changed': async (pk) => {
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key(pk, 'bad'), UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'plan-free' } } }))
  },
  'an encrypted value swapped with another item': async (pk) => {
    const good = await rawGet(plain, table, pk, 'good')
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key(pk, 'bad'), UpdateExpression: 'SET secret = :s', ExpressionAttributeValues: { ':s': good!.secret } }))
  },
  'the footer deleted': async (pk) => {
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key(pk, 'bad'), UpdateExpression: 'REMOVE aws_dbe_foot' }))
  },
  'a signed attribute deleted': async (pk) => {
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key(pk, 'bad'), UpdateExpression: 'REMOVE #c', ExpressionAttributeNames: { '#c': 'count' } }))
  },
  'an unconfigured attribute added': async (pk) => {
    await plain.send(new UpdateItemCommand({ TableName: table, Key: key(pk, 'bad'), UpdateExpression: 'SET injected = :i', ExpressionAttributeValues: { ':i': { S: 'x' } } }))
  },
}
const partitions = Object.keys(cases).map((name, n) => [name, `tamper-${n}`] as const)

beforeAll(async () => {
  ;({ plain, table, client, documents } = orders)
  for (const [name, pk] of partitions) {
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem(pk, 'bad', 1) }))
    await client.send(new PutItemCommand({ TableName: table, Item: sampleItem(pk, 'good', 2) }))
    await cases[name](pk)
  }
})

async function expectVerificationFailure(promise: Promise<unknown>, pk: string): Promise<void> {
  const error = await promise.then(
    (result) => ({ unexpectedResult: result }),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(EncryptorError)
  expect(VERIFICATION_CODES).toContain((error as EncryptorError).code)
  expect((error as Error).message).toContain(`"${table}"`)
  expect((error as Error).message).toContain(`pk="${pk}"`)
  expect((error as Error).message).toContain('sk="bad"')
}

describe.each(partitions)('tampering: %s', (_name, pk) => {
  it('GetItem fails naming the item; the untouched item still reads', async () => {
    await expectVerificationFailure(client.send(new GetItemCommand({ TableName: table, Key: key(pk, 'bad') })), pk)
    await expectVerificationFailure(documents.send(new GetCommand({ TableName: table, Key: { pk, sk: 'bad' } })), pk)
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key(pk, 'good') }))).Item).toEqual(sampleItem(pk, 'good', 2))
  })

  it('Query fails as a whole', async () => {
    await expectVerificationFailure(client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } })), pk)
  })

  it('Scan fails as a whole', async () => {
    await expectVerificationFailure(client.send(new ScanCommand({ TableName: table, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } })), pk)
  })

  it('BatchGetItem fails as a whole', async () => {
    await expectVerificationFailure(client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key(pk, 'good'), key(pk, 'bad')] } } })), pk)
  })
})

describe('items written without the client', () => {
  it('a plaintext item on a configured table is refused, not returned', async () => {
    await plain.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'raw' }, sk: { S: 'bad' }, secret: { S: 'never encrypted' } } }))
    await expectVerificationFailure(client.send(new GetItemCommand({ TableName: table, Key: key('raw', 'bad') })), 'raw')
  })
})
