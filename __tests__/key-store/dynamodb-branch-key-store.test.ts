// The DynamoDB branch key store against DynamoDB Local and the local KMS: record format, reads, rotation, tampering.
import { CreateTableCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  createBranchKey,
  createBranchKeyStoreTable,
  dynamoDbBranchKeyStore,
  versionBranchKey,
  type DynamoDbBranchKeyStore,
} from '../../lib/materials/key-store'
import { isEncryptorError } from '../../lib/errors'
import { newDynamoDBClient, uniqueTableName } from '../setup/dynamodb'
import { startKmsFixture, type KmsFixture } from '../keyrings/local-kms-fixture'
import { ddbConfig, newEastStore, storeFor } from './key-store-fixture'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let fx: KmsFixture
let east: DynamoDBClient

beforeAll(async () => {
  fx = await startKmsFixture()
  east = newDynamoDBClient('us-east-1')
})

afterAll(async () => {
  east?.destroy()
  await fx?.close()
})

async function itemsOf(store: DynamoDbBranchKeyStore, branchKeyId: string): Promise<Record<string, Record<string, AttributeValue>>> {
  const out = await east.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: '#id = :id',
      ExpressionAttributeNames: { '#id': 'branch-key-id' },
      ExpressionAttributeValues: { ':id': { S: branchKeyId } },
    }),
  )
  return Object.fromEntries((out.Items ?? []).map((item) => [item.type?.S as string, item]))
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('createBranchKeyStoreTable', () => {
  test('creates the table with the key store key schema, is idempotent, and refuses a table with another schema', async () => {
    const store = storeFor(fx, uniqueTableName('keys'), { kmsKeyArn: fx.mrkEast }, 'us-east-1')
    const arn = await createBranchKeyStoreTable(store)
    expect(arn).toContain(store.tableName)
    await expect(createBranchKeyStoreTable(store)).resolves.toBe(arn)

    const wrongName = uniqueTableName('wrong')
    await east.send(
      new CreateTableCommand({
        TableName: wrongName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    )
    const error = await failure(createBranchKeyStoreTable(storeFor(fx, wrongName, { kmsKeyArn: fx.mrkEast }, 'us-east-1')))
    expect(isEncryptorError(error, 'ERR_CONFIG_INVALID')).toBe(true)
    expect(error.message).toContain(`table ${wrongName} exists with key schema pk HASH`)
  })
})

describe('createBranchKey: the AWS key store record format', () => {
  test('writes version, ACTIVE and beacon items with the spec attributes, after GDKWP, ReEncrypt, GDKWP in the key Region', async () => {
    const store = await newEastStore(fx)
    fx.mark()
    const branchKeyId = await createBranchKey(store, { branchKeyId: 'tenant-42', encryptionContext: { tenant: '42', dept: 'ops' } })
    expect(branchKeyId).toBe('tenant-42')
    expect(fx.callsSinceMark().map((c) => [c.region, c.operation, c.outcome])).toEqual([
      ['us-east-1', 'GenerateDataKeyWithoutPlaintext', 'ok'],
      ['us-east-1', 'ReEncrypt', 'ok'],
      ['us-east-1', 'GenerateDataKeyWithoutPlaintext', 'ok'],
    ])

    const items = await itemsOf(store, branchKeyId)
    const types = Object.keys(items).sort()
    expect(types).toHaveLength(3)
    const versionType = types.find((t) => t.startsWith('branch:version:')) as string
    const version = versionType.slice('branch:version:'.length)
    expect(version).toMatch(UUID)
    expect(types).toEqual(['beacon:ACTIVE', 'branch:ACTIVE', versionType].sort())

    const shared = {
      'branch-key-id': { S: 'tenant-42' },
      'kms-arn': { S: fx.mrkEast },
      'hierarchy-version': { N: '1' },
      'aws-crypto-ec:tenant': { S: '42' },
      'aws-crypto-ec:dept': { S: 'ops' },
    }
    const createTime = items[versionType]?.['create-time']?.S as string
    expect(createTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
    for (const [type, item] of Object.entries(items)) {
      const expectedNames = ['branch-key-id', 'type', 'enc', 'create-time', 'kms-arn', 'hierarchy-version', 'aws-crypto-ec:tenant', 'aws-crypto-ec:dept']
      if (type === 'branch:ACTIVE') expectedNames.push('version')
      expect(Object.keys(item).sort()).toEqual(expectedNames.sort())
      expect(item).toMatchObject({ ...shared, type: { S: type }, 'create-time': { S: createTime } })
      expect(item.enc?.B?.byteLength).toBeGreaterThan(32)
    }
    expect(items['branch:ACTIVE']?.version).toEqual({ S: versionType })
    // Three distinct KMS ciphertexts: the ACTIVE copy is re-encrypted under its own context, the beacon key is separate.
    const blobs = Object.values(items).map((item) => Buffer.from(item.enc?.B as Uint8Array).toString('hex'))
    expect(new Set(blobs).size).toBe(3)
  })

  test('a generated id is a UUID; a chosen id needs an encryption context; an existing id is ERR_CONFLICT', async () => {
    const store = await newEastStore(fx)
    expect(await createBranchKey(store)).toMatch(UUID)
    const noContext = await failure(createBranchKey(store, { branchKeyId: 'tenant-1' }))
    expect(isEncryptorError(noContext, 'ERR_CONFIG_INVALID')).toBe(true)
    expect(noContext.message).toContain('also give a non-empty encryptionContext')

    await createBranchKey(store, { branchKeyId: 'tenant-1', encryptionContext: { tenant: '1' } })
    const before = await itemsOf(store, 'tenant-1')
    const again = await failure(createBranchKey(store, { branchKeyId: 'tenant-1', encryptionContext: { tenant: '1' } }))
    expect(isEncryptorError(again, 'ERR_CONFLICT')).toBe(true)
    expect(again.message).toContain('branch key "tenant-1" already exists')
    expect(await itemsOf(store, 'tenant-1')).toEqual(before)
  })
})

describe('reading branch keys', () => {
  test('active and by version: the same 32-byte key and version, one GetItem-bound KMS Decrypt each', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    fx.mark()
    const active = await store.getActiveBranchKey(id)
    expect(active.branchKeyId).toBe(id)
    expect(active.branchKeyVersion).toMatch(UUID)
    expect(active.branchKey.byteLength).toBe(32)
    const byVersion = await store.getBranchKeyVersion(id, active.branchKeyVersion)
    expect(Buffer.from(byVersion.branchKey).equals(Buffer.from(active.branchKey))).toBe(true)
    expect(fx.callsSinceMark().map((c) => [c.region, c.operation, c.keyId])).toEqual([
      ['us-east-1', 'Decrypt', fx.mrkEast],
      ['us-east-1', 'Decrypt', fx.mrkEast],
    ])
  })

  test('unknown id or version: ERR_BRANCH_KEY_NOT_FOUND naming table and key; malformed version refused', async () => {
    const store = await newEastStore(fx)
    const missing = await failure(store.getActiveBranchKey('no-such-key'))
    expect(isEncryptorError(missing, 'ERR_BRANCH_KEY_NOT_FOUND')).toBe(true)
    expect(missing.message).toContain(`Branch key store ${store.tableName} has no item branch-key-id=no-such-key, type=branch:ACTIVE`)
    const id = await createBranchKey(store)
    const noVersion = await failure(store.getBranchKeyVersion(id, '00000000-0000-4000-8000-000000000000'))
    expect(isEncryptorError(noVersion, 'ERR_BRANCH_KEY_NOT_FOUND')).toBe(true)
    const badVersion = await failure(store.getBranchKeyVersion(id, '../ACTIVE'))
    expect(isEncryptorError(badVersion, 'ERR_KEYRING')).toBe(true)
  })

  test('every attribute is authenticated: changing, adding or removing one makes the read fail', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store, { branchKeyId: 'tamper', encryptionContext: { tenant: 't' } })
    const key = { 'branch-key-id': { S: id }, type: { S: 'branch:ACTIVE' } }
    const original = (await east.send(new GetItemCommand({ TableName: store.tableName, Key: key }))).Item as Record<string, AttributeValue>
    const expected = Buffer.from((await store.getActiveBranchKey(id)).branchKey)

    const otherVersion = (await itemsOf(store, id))['beacon:ACTIVE']?.enc as AttributeValue
    const mutations: Array<[string, Record<string, AttributeValue>, string]> = [
      ['create-time changed', { ...original, 'create-time': { S: '2020-01-01T00:00:00.000000Z' } }, 'KMS Decrypt'],
      ['custom context changed', { ...original, 'aws-crypto-ec:tenant': { S: 'other' } }, 'KMS Decrypt'],
      ['attribute added', { ...original, note: { S: 'x' } }, 'KMS Decrypt'],
      ['custom context removed', Object.fromEntries(Object.entries(original).filter(([k]) => k !== 'aws-crypto-ec:tenant')), 'KMS Decrypt'],
      ['enc swapped for the beacon key', { ...original, enc: otherVersion }, 'KMS Decrypt'],
      ['version removed', Object.fromEntries(Object.entries(original).filter(([k]) => k !== 'version')), 'has no version attribute'],
      ['hierarchy-version 2', { ...original, 'hierarchy-version': { N: '2' } }, 'reads hierarchy version 1 only'],
      ['create-time not a string', { ...original, 'create-time': { N: '5' } }, 'must be a string (S)'],
      ['tablename attribute', { ...original, tablename: { S: 'orders-keys' } }, 'reserves'],
      ['kms-arn of another key', { ...original, 'kms-arn': { S: fx.srkEast } }, 'refuses this item'],
    ]
    for (const [name, item, message] of mutations) {
      await east.send(new PutItemCommand({ TableName: store.tableName, Item: item }))
      const error = await failure(store.getActiveBranchKey(id))
      expect([name, isEncryptorError(error, 'ERR_KEYRING')]).toEqual([name, true])
      expect([name, error.message]).toEqual([name, expect.stringContaining(message)])
    }
    await east.send(new PutItemCommand({ TableName: store.tableName, Item: original }))
    expect(Buffer.from((await store.getActiveBranchKey(id)).branchKey).equals(expected)).toBe(true)
  })

  test('another logical key store name cannot read the keys (it is in the KMS encryption context)', async () => {
    const store = await newEastStore(fx, 'orders-keys')
    const id = await createBranchKey(store)
    const renamed = storeFor(fx, store.tableName, { kmsMRKeyArn: fx.mrkEast }, 'us-east-1', 'another-name')
    const error = await failure(renamed.getActiveBranchKey(id))
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect(error.message).toContain('InvalidCiphertextException')
  })
})

describe('versionBranchKey', () => {
  test('a new ACTIVE version; older versions stay readable and unchanged', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store, { branchKeyId: 'rotating', encryptionContext: { tenant: 'r' } })
    const first = await store.getActiveBranchKey(id)
    fx.mark()
    const newVersion = await versionBranchKey(store, id)
    expect(fx.callsSinceMark().map((c) => c.operation)).toEqual(['ReEncrypt', 'GenerateDataKeyWithoutPlaintext', 'ReEncrypt'])
    expect(newVersion).toMatch(UUID)
    expect(newVersion).not.toBe(first.branchKeyVersion)

    const second = await store.getActiveBranchKey(id)
    expect(second.branchKeyVersion).toBe(newVersion)
    expect(Buffer.from(second.branchKey).equals(Buffer.from(first.branchKey))).toBe(false)
    const old = await store.getBranchKeyVersion(id, first.branchKeyVersion)
    expect(Buffer.from(old.branchKey).equals(Buffer.from(first.branchKey))).toBe(true)

    const items = await itemsOf(store, id)
    expect(Object.keys(items)).toHaveLength(4) // two versions, ACTIVE, beacon
    expect(items[`branch:version:${newVersion}`]).toMatchObject({ 'aws-crypto-ec:tenant': { S: 'r' }, 'kms-arn': { S: fx.mrkEast } })
  })

  test('two concurrent rotations: exactly one wins, the other is ERR_CONFLICT, and the store stays consistent', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    const results = await Promise.allSettled([versionBranchKey(store, id), versionBranchKey(store, id)])
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<string>[]
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect(isEncryptorError(lost[0]?.reason, 'ERR_CONFLICT')).toBe(true)
    expect((await store.getActiveBranchKey(id)).branchKeyVersion).toBe(won[0]?.value)
  })

  test('a tampered ACTIVE item is not rotated (authenticated by KMS first)', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    const key = { 'branch-key-id': { S: id }, type: { S: 'branch:ACTIVE' } }
    const original = (await east.send(new GetItemCommand({ TableName: store.tableName, Key: key }))).Item as Record<string, AttributeValue>
    await east.send(new PutItemCommand({ TableName: store.tableName, Item: { ...original, 'create-time': { S: '2001-01-01T00:00:00.000000Z' } } }))
    const error = await failure(versionBranchKey(store, id))
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect(error.message).toContain('ReEncrypt (authentication of the ACTIVE item)')
    expect(Object.keys(await itemsOf(store, id))).toHaveLength(3)
  })
})

describe('KMS configurations', () => {
  test('kmsKeyArn is exact: the replica ARN is refused; kmsMRKeyArn accepts the replica', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    const exact = storeFor(fx, store.tableName, { kmsKeyArn: fx.mrkWest }, 'us-east-1')
    const error = await failure(exact.getActiveBranchKey(id))
    expect(error.message).toContain(`its kms-arn ${fx.mrkEast} is not the configured ${fx.mrkWest}`)
    const srk = storeFor(fx, store.tableName, { kmsMRKeyArn: fx.srkEast }, 'us-east-1')
    expect((await failure(srk.getActiveBranchKey(id))).message).toContain('is neither')
  })

  test('discovery and mrDiscovery read but cannot create or rotate', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    const expected = Buffer.from((await store.getActiveBranchKey(id)).branchKey)
    const discovery = storeFor(fx, store.tableName, { discovery: {} }, 'us-east-1')
    expect(Buffer.from((await discovery.getActiveBranchKey(id)).branchKey).equals(expected)).toBe(true)
    for (const reader of [discovery, storeFor(fx, store.tableName, { mrDiscovery: { region: 'us-east-1' } }, 'us-east-1')]) {
      const create = await failure(createBranchKey(reader))
      expect(isEncryptorError(create, 'ERR_CONFIG_INVALID')).toBe(true)
      expect(create.message).toContain('which can only read')
      expect(isEncryptorError(await failure(versionBranchKey(reader, id)), 'ERR_CONFIG_INVALID')).toBe(true)
    }
  })

  test('configuration errors name the field', () => {
    const base = { tableName: 'keys-table', ddbClientConfig: ddbConfig('us-east-1'), kmsClientConfig: fx.clientConfig }
    const cases: Array<[object, string]> = [
      [{ ...base, kmsConfiguration: { kmsKeyArn: 'alias/keys' } }, 'kmsConfiguration.kmsKeyArn must be a full KMS key ARN'],
      [{ ...base, kmsConfiguration: { kmsKeyArn: fx.mrkEast, discovery: {} } }, 'exactly one of'],
      [{ ...base, kmsConfiguration: {} }, 'exactly one of'],
      [{ ...base, kmsConfiguration: { mrDiscovery: { region: '' } } }, 'mrDiscovery.region'],
      [{ ...base, tableName: 'x', kmsConfiguration: { kmsKeyArn: fx.mrkEast } }, 'tableName must be a DynamoDB table name'],
      [{ ...base, logicalKeyStoreName: '', kmsConfiguration: { kmsKeyArn: fx.mrkEast } }, 'logicalKeyStoreName'],
      [{ ...base, kmsConfiguration: { discovery: {} } }, 'set kmsClientConfig.region'],
      [{ ...base, kmsClientConfig: { ...fx.clientConfig, region: 'eu-west-1' }, kmsConfiguration: { kmsKeyArn: fx.mrkEast } }, 'contradicts'],
    ]
    for (const [options, message] of cases) {
      let thrown: unknown
      try {
        dynamoDbBranchKeyStore(options as never)
      } catch (error) {
        thrown = error
      }
      expect([message, isEncryptorError(thrown, 'ERR_CONFIG_INVALID')]).toEqual([message, true])
      expect((thrown as Error).message).toContain(message)
    }
  })

  test('helpers refuse objects that are not our key stores', async () => {
    const fake = { getActiveBranchKey: async () => undefined, getBranchKeyVersion: async () => undefined }
    expect(isEncryptorError(await failure(createBranchKey(fake as never)), 'ERR_CONFIG_INVALID')).toBe(true)
  })
})
