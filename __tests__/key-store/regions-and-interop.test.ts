// A key store table replicated to a second Region (as a global table would), the hierarchical keyring on top of it,
// and interoperability with @aws-crypto/branch-keystore-node (the AWS key store implementation for JavaScript).
import { BranchKeyStoreNode } from '@aws-crypto/client-node'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { createBranchKey, versionBranchKey } from '../../lib/materials/key-store'
import { hierarchicalKeyring } from '../../lib/materials/hierarchy'
import type { EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'
import { newDynamoDBClient } from '../setup/dynamodb'
import { startKmsFixture, type KmsFixture } from '../keyrings/local-kms-fixture'
import { ddbConfig, newEastStore, replicateTable, storeFor } from './key-store-fixture'

const EC: EncryptionContext = { 'aws-crypto-table-name': 'Orders', 'aws-crypto-partition-name': 'pk', 'aws-crypto-attr.pk': 'AAFvcmRlciMx' }

let fx: KmsFixture
let east: DynamoDBClient
let west: DynamoDBClient
const esdkClients: Array<{ destroy(): void }> = []

beforeAll(async () => {
  fx = await startKmsFixture()
  east = newDynamoDBClient('us-east-1')
  west = newDynamoDBClient('us-west-2')
})

afterAll(async () => {
  for (const client of [east, west, ...esdkClients]) client?.destroy()
  await fx?.close()
})

const candidate = (w: WrappedIntermediateKey) => ({ providerId: w.providerId, providerInfo: w.providerInfo, wrappedKey: w.wrappedKey })

/** The JS ESDK's key store over the same table, with clients of the ESDK's own SDK copies (deduplicated). */
function esdkStore(tableName: string, region: string, kmsConfiguration: ConstructorParameters<typeof BranchKeyStoreNode>[0]['kmsConfiguration']) {
  const ddbClient = new DynamoDBClient(ddbConfig(region))
  const kmsClient = new KMSClient({ ...fx.clientConfig, region })
  esdkClients.push(ddbClient, kmsClient)
  return new BranchKeyStoreNode({ logicalKeyStoreName: 'orders-keys', storage: { ddbTableName: tableName, ddbClient }, keyManagement: { kmsClient }, kmsConfiguration })
}

describe('a key store replicated to us-west-2', () => {
  test('the west store (kmsMRKeyArn = west replica, or mrDiscovery) reads the east keys, calling KMS in us-west-2 only', async () => {
    const eastStore = await newEastStore(fx)
    const id = await createBranchKey(eastStore, { branchKeyId: 'global-tenant', encryptionContext: { tenant: 'g' } })
    const eastKey = await eastStore.getActiveBranchKey(id)
    expect(await replicateTable(eastStore.tableName, east, west)).toBe(3)

    for (const kmsConfiguration of [{ kmsMRKeyArn: fx.mrkWest }, { mrDiscovery: { region: 'us-west-2' } }]) {
      const westStore = storeFor(fx, eastStore.tableName, kmsConfiguration, 'us-west-2')
      fx.mark()
      const westKey = await westStore.getActiveBranchKey(id)
      expect(westKey.branchKeyVersion).toBe(eastKey.branchKeyVersion)
      expect(Buffer.from(westKey.branchKey).equals(Buffer.from(eastKey.branchKey))).toBe(true)
      expect(fx.callsSinceMark().map((c) => [c.region, c.operation, c.keyId])).toEqual([['us-west-2', 'Decrypt', fx.mrkWest]])
    }
  })

  test('hierarchical keyring: items wrapped in us-east-1 unwrap in us-west-2; many items cost one Decrypt per Region', async () => {
    const eastStore = await newEastStore(fx)
    const id = await createBranchKey(eastStore)
    await replicateTable(eastStore.tableName, east, west)
    const writer = hierarchicalKeyring({ branchKeyId: id, keyStore: eastStore })
    const reader = hierarchicalKeyring({ branchKeyId: id, keyStore: storeFor(fx, eastStore.tableName, { kmsMRKeyArn: fx.mrkWest }, 'us-west-2') })

    fx.mark()
    const written: WrappedIntermediateKey[] = []
    for (let i = 0; i < 50; i++) written.push(...(await writer.wrapIntermediateKeys({ ...EC, n: String(i) })))
    for (const [i, edk] of written.entries()) {
      const out = await reader.unwrapIntermediateKey({ ...EC, n: String(i) }, [candidate(edk)])
      expect(out.intermediateKey.equals(edk.intermediateKey)).toBe(true)
    }
    expect(fx.callsSinceMark().map((c) => [c.region, c.operation])).toEqual([
      ['us-east-1', 'Decrypt'],
      ['us-west-2', 'Decrypt'],
    ])
  })

  test('after versionBranchKey, new items use the new version and old items still unwrap', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store)
    const before = (await hierarchicalKeyring({ branchKeyId: id, keyStore: store, cacheTtlSeconds: 0 }).wrapIntermediateKeys(EC))[0] as WrappedIntermediateKey
    const newVersion = await versionBranchKey(store, id)
    const keyring = hierarchicalKeyring({ branchKeyId: id, keyStore: store, cacheTtlSeconds: 0 })
    const after = (await keyring.wrapIntermediateKeys(EC))[0] as WrappedIntermediateKey
    // The EDK carries the version as 16 raw UUID bytes after salt(16) and IV(12).
    const versionOf = (edk: WrappedIntermediateKey) => Buffer.from(edk.wrappedKey.subarray(28, 44)).toString('hex')
    expect(versionOf(after)).toBe(newVersion.replace(/-/g, ''))
    expect(versionOf(before)).not.toBe(versionOf(after))
    for (const edk of [before, after]) {
      await expect(keyring.unwrapIntermediateKey(EC, [candidate(edk)])).resolves.toMatchObject({ index: 0 })
    }
  })
})

describe('interoperability with @aws-crypto/branch-keystore-node', () => {
  test('BranchKeyStoreNode reads the keys our helpers create and rotate, byte for byte', async () => {
    const store = await newEastStore(fx)
    const id = await createBranchKey(store, { branchKeyId: 'interop-ours', encryptionContext: { tenant: 'i' } })
    const theirs = esdkStore(store.tableName, 'us-east-1', { identifier: fx.mrkEast })
    const ours = await store.getActiveBranchKey(id)
    const read = await theirs.getActiveBranchKey(id)
    expect(read.branchKeyIdentifier).toBe(id)
    expect(read.branchKeyVersion.toString('utf8')).toBe(ours.branchKeyVersion)
    expect(read.branchKey().equals(Buffer.from(ours.branchKey))).toBe(true)
    expect(read.encryptionContext).toEqual({ tenant: 'i' })

    const v2 = await versionBranchKey(store, id)
    expect((await theirs.getActiveBranchKey(id)).branchKeyVersion.toString('utf8')).toBe(v2)
    const old = await theirs.getBranchKeyVersion(id, ours.branchKeyVersion)
    expect(old.branchKey().equals(Buffer.from(ours.branchKey))).toBe(true)

    // Their MRK-aware configuration in us-west-2 reads our replicated table too.
    await replicateTable(store.tableName, east, west)
    const westTheirs = esdkStore(store.tableName, 'us-west-2', { mrkIdentifier: fx.mrkWest })
    expect((await westTheirs.getActiveBranchKey(id)).branchKeyVersion.toString('utf8')).toBe(v2)
  })

  test('our store reads keys BranchKeyStoreNode creates and rotates, and rotates them itself', async () => {
    const store = await newEastStore(fx)
    const theirs = esdkStore(store.tableName, 'us-east-1', { identifier: fx.mrkEast })
    const { branchKeyIdentifier: id } = await theirs.createKey({ branchKeyIdentifier: 'interop-theirs', encryptionContext: { team: 'crypto' } })
    const created = await theirs.getActiveBranchKey(id)
    const ours = await store.getActiveBranchKey(id)
    expect(ours.branchKeyVersion).toBe(created.branchKeyVersion.toString('utf8'))
    expect(Buffer.from(ours.branchKey).equals(created.branchKey())).toBe(true)

    await theirs.versionKey({ branchKeyIdentifier: id })
    const rotatedByThem = await theirs.getActiveBranchKey(id)
    expect((await store.getActiveBranchKey(id)).branchKeyVersion).toBe(rotatedByThem.branchKeyVersion.toString('utf8'))

    const rotatedByUs = await versionBranchKey(store, id)
    const seenByThem = await theirs.getActiveBranchKey(id)
    expect(seenByThem.branchKeyVersion.toString('utf8')).toBe(rotatedByUs)
    expect(seenByThem.encryptionContext).toEqual({ team: 'crypto' })
    expect(seenByThem.branchKey().equals(Buffer.from((await store.getActiveBranchKey(id)).branchKey))).toBe(true)
  })
})
