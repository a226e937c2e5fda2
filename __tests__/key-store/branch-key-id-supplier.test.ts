// Multi-tenant tables: hierarchicalKeyring with branchKeyIdSupplier over the DynamoDB key store, one branch key per tenant.
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring } from '../../lib/materials/hierarchy'
import { createBranchKey, type DynamoDbBranchKeyStore } from '../../lib/materials/key-store'
import { isEncryptorError } from '../../lib/errors'
import type { EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'
import type { Item, TableEncryptionConfig } from '../../lib/types'
import { startKmsFixture, type KmsFixture } from '../keyrings/local-kms-fixture'
import { newEastStore } from './key-store-fixture'

let fx: KmsFixture
let store: DynamoDbBranchKeyStore

beforeAll(async () => {
  fx = await startKmsFixture()
  store = await newEastStore(fx)
  for (const tenant of ['acme', 'globex']) await createBranchKey(store, { branchKeyId: `tenant-${tenant}`, encryptionContext: { tenant } })
})

afterAll(async () => {
  await fx?.close()
})

/** The tenant attribute is SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT, so the context carries its plain value. */
const byTenant = (ec: EncryptionContext) => `tenant-${ec['aws-crypto-attr.tenant'] ?? ''}`

function tableConfig(): TableEncryptionConfig {
  return {
    logicalTableName: 'Orders',
    partitionKeyName: 'pk',
    attributeActionsOnEncrypt: { pk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', tenant: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', secret: 'ENCRYPT_AND_SIGN' },
    keyring: hierarchicalKeyring({ branchKeyIdSupplier: byTenant, keyStore: store }),
  }
}

const candidate = (w: WrappedIntermediateKey) => ({ providerId: w.providerId, providerInfo: w.providerInfo, wrappedKey: w.wrappedKey })

describe('hierarchicalKeyring with branchKeyIdSupplier', () => {
  test('each item is wrapped under its tenant branch key, and unwraps only with the same tenant in the context', async () => {
    const keyring = hierarchicalKeyring({ branchKeyIdSupplier: byTenant, keyStore: store })
    const acmeEc = { 'aws-crypto-table-name': 'Orders', 'aws-crypto-attr.tenant': 'acme' }
    const globexEc = { 'aws-crypto-table-name': 'Orders', 'aws-crypto-attr.tenant': 'globex' }
    const [acme] = (await keyring.wrapIntermediateKeys(acmeEc)) as [WrappedIntermediateKey]
    const [globex] = (await keyring.wrapIntermediateKeys(globexEc)) as [WrappedIntermediateKey]
    expect(Buffer.from(acme.providerInfo).toString()).toBe('tenant-acme')
    expect(Buffer.from(globex.providerInfo).toString()).toBe('tenant-globex')

    const out = await keyring.unwrapIntermediateKey(globexEc, [candidate(acme), candidate(globex)])
    expect(out.index).toBe(1)
    expect(out.intermediateKey.equals(globex.intermediateKey)).toBe(true)
    // An acme EDK presented under a context that names globex: the keyring looks only for globex's branch key.
    const error = await keyring.unwrapIntermediateKey(globexEc, [candidate(acme)]).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
    expect((error as Error).message).toContain('no encrypted data key for branch key "tenant-globex"')
  })

  test('ItemEncryptor round trip for two tenants; re-labelling an item with another tenant fails verification', async () => {
    const encryptor = new ItemEncryptor({ ...tableConfig(), tableName: 'orders' })
    const items: Item[] = [
      { pk: { S: 'order#1' }, tenant: { S: 'acme' }, secret: { S: 'acme secret' } },
      { pk: { S: 'order#2' }, tenant: { S: 'globex' }, secret: { S: 'globex secret' } },
    ]
    fx.mark()
    for (const item of items) {
      const encrypted = await encryptor.encryptItem(item)
      expect(encrypted.secret?.B).toBeDefined()
      expect(await encryptor.decryptItem(encrypted)).toEqual(item)
      const relabelled = { ...encrypted, tenant: { S: item.tenant?.S === 'acme' ? 'globex' : 'acme' } }
      const error = await encryptor.decryptItem(relabelled).catch((e: unknown) => e)
      expect(isEncryptorError(error)).toBe(true)
    }
    // One KMS Decrypt per (tenant, active) and per (tenant, version); the rest is served from the keyring cache.
    expect(fx.callsSinceMark().every((c) => c.operation === 'Decrypt' && c.region === 'us-east-1')).toBe(true)
    expect(fx.callsSinceMark().length).toBeLessThanOrEqual(4)
  })

  test('a supplier that throws or returns no id is ERR_KEYRING; branchKeyId and branchKeyIdSupplier are exclusive', async () => {
    const throwing = hierarchicalKeyring({
      branchKeyIdSupplier: () => {
        throw new Error('tenant lookup down')
      },
      keyStore: store,
    })
    const error = await throwing.wrapIntermediateKeys({ a: 'b' }).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect((error as Error).message).toContain('branchKeyIdSupplier failed: tenant lookup down')
    const empty = hierarchicalKeyring({ branchKeyIdSupplier: async () => '', keyStore: store })
    expect(isEncryptorError(await empty.wrapIntermediateKeys({ a: 'b' }).catch((e: unknown) => e), 'ERR_KEYRING')).toBe(true)

    for (const options of [{ keyStore: store }, { keyStore: store, branchKeyId: 'x', branchKeyIdSupplier: byTenant }]) {
      let thrown: unknown
      try {
        hierarchicalKeyring(options)
      } catch (e) {
        thrown = e
      }
      expect(isEncryptorError(thrown, 'ERR_CONFIG_INVALID')).toBe(true)
      expect((thrown as Error).message).toContain('exactly one of branchKeyId and branchKeyIdSupplier')
    }
  })
})
