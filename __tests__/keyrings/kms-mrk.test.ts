// The KMS keyrings against the local KMS over the real KMS protocol (real @aws-sdk/client-kms, SigV4, MRK replicas).
import { AwsKmsMrkAwareSymmetricKeyringNode, KMS } from '@aws-crypto/client-node'
import { ItemEncryptor } from '../../lib/item'
import { awsKmsMrkDiscoveryKeyring, awsKmsMrkKeyring } from '../../lib/materials/keyrings'
import { isEncryptorError } from '../../lib/errors'
import type { EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'
import { startKmsFixture, type KmsFixture } from './local-kms-fixture'

const EC: EncryptionContext = {
  'aws-crypto-table-name': 'Orders',
  'aws-crypto-partition-name': 'pk',
  'aws-crypto-attr.pk': 'AAFvcmRlciMx',
}

let fx: KmsFixture

beforeAll(async () => {
  fx = await startKmsFixture()
})

afterAll(async () => {
  await fx?.close()
})

const candidate = (w: WrappedIntermediateKey) => ({ providerId: w.providerId, providerInfo: w.providerInfo, wrappedKey: w.wrappedKey })

async function writeInEast(): Promise<WrappedIntermediateKey> {
  const writer = awsKmsMrkKeyring({ keyArn: fx.mrkEast, kmsClientConfig: fx.clientConfig })
  const wrapped = await writer.wrapIntermediateKeys(EC)
  expect(wrapped).toHaveLength(1)
  return wrapped[0] as WrappedIntermediateKey
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('awsKmsMrkKeyring and awsKmsMrkDiscoveryKeyring against the local KMS', () => {
  test('the writer in us-east-1 calls GenerateDataKey there; the EDK names the us-east-1 ARN', async () => {
    fx.mark()
    const edk = await writeInEast()
    expect(edk.providerId).toBe('aws-kms')
    expect(Buffer.from(edk.providerInfo).toString('utf8')).toBe(fx.mrkEast)
    expect(edk.intermediateKey.byteLength).toBe(32)
    expect(fx.callsSinceMark()).toEqual([expect.objectContaining({ region: 'us-east-1', operation: 'GenerateDataKey', outcome: 'ok' })])
    const again = await writeInEast()
    expect(again.intermediateKey.equals(edk.intermediateKey)).toBe(false)
  })

  test('the same ARN with region us-west-2 unwraps through the replica: one Decrypt, in us-west-2 only', async () => {
    const edk = await writeInEast()
    const reader = awsKmsMrkKeyring({ keyArn: fx.mrkEast, region: 'us-west-2', kmsClientConfig: fx.clientConfig })
    fx.mark()
    const out = await reader.unwrapIntermediateKey(EC, [candidate(edk)])
    expect(out.index).toBe(0)
    expect(out.intermediateKey.equals(edk.intermediateKey)).toBe(true)
    const calls = fx.callsSinceMark()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ region: 'us-west-2', operation: 'Decrypt', outcome: 'ok' })
    expect(calls[0]?.keyId).toBe(fx.mrkWest)
  })

  test('the discovery keyring in us-west-2 unwraps through the replica, in us-west-2 only', async () => {
    const edk = await writeInEast()
    const reader = awsKmsMrkDiscoveryKeyring({
      region: 'us-west-2',
      discoveryFilter: { partition: 'aws', accountIds: [fx.kms.accountId] },
      kmsClientConfig: fx.clientConfig,
    })
    fx.mark()
    const out = await reader.unwrapIntermediateKey(EC, [candidate(edk)])
    expect(out.intermediateKey.equals(edk.intermediateKey)).toBe(true)
    expect(fx.callsSinceMark().map((c) => [c.region, c.operation, c.keyId])).toEqual([['us-west-2', 'Decrypt', fx.mrkWest]])
  })

  test('a discovery filter without the key account fails with a typed error naming the account, and calls no KMS', async () => {
    const edk = await writeInEast()
    const reader = awsKmsMrkDiscoveryKeyring({
      region: 'us-west-2',
      discoveryFilter: { partition: 'aws', accountIds: ['999999999999'] },
      kmsClientConfig: fx.clientConfig,
    })
    fx.mark()
    const error = await failure(reader.unwrapIntermediateKey(EC, [candidate(edk)]))
    expect(isEncryptorError(error, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
    expect(error.message).toContain(`account ${fx.kms.accountId} is not in the discovery filter (999999999999)`)
    expect(fx.callsSinceMark()).toEqual([])
  })

  test('a changed encryption context or a tampered ciphertext fails with ERR_NO_DECRYPTABLE_KEY carrying the KMS error', async () => {
    const edk = await writeInEast()
    const reader = awsKmsMrkKeyring({ keyArn: fx.mrkWest, kmsClientConfig: fx.clientConfig })
    const changed = await failure(reader.unwrapIntermediateKey({ ...EC, 'aws-crypto-attr.pk': 'AAFvcmRlciMy' }, [candidate(edk)]))
    expect(isEncryptorError(changed, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
    expect(changed.message).toContain('InvalidCiphertextException')

    const tampered = Buffer.from(edk.wrappedKey)
    tampered[tampered.length - 1] ^= 0x01
    const error = await failure(reader.unwrapIntermediateKey(EC, [{ ...candidate(edk), wrappedKey: tampered }]))
    expect(isEncryptorError(error, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(AggregateError)
  })

  test('an EDK of another key is skipped; the EDK of its own key, later in the list, is used (index reported)', async () => {
    const other = await awsKmsMrkKeyring({ keyArn: fx.srkEast, kmsClientConfig: fx.clientConfig }).wrapIntermediateKeys(EC)
    const mine = await writeInEast()
    const reader = awsKmsMrkKeyring({ keyArn: fx.mrkEast, region: 'us-west-2', kmsClientConfig: fx.clientConfig })
    fx.mark()
    const out = await reader.unwrapIntermediateKey(EC, [...other.map(candidate), candidate(mine)])
    expect(out.index).toBe(1)
    expect(out.intermediateKey.equals(mine.intermediateKey)).toBe(true)
    expect(fx.callsSinceMark()).toHaveLength(1)
  })

  test('single-Region key: usable in its own Region; a discovery keyring elsewhere skips it with a reason', async () => {
    const keyring = awsKmsMrkKeyring({ keyArn: fx.srkEast, kmsClientConfig: fx.clientConfig })
    const [edk] = (await keyring.wrapIntermediateKeys(EC)) as [WrappedIntermediateKey]
    await expect(keyring.unwrapIntermediateKey(EC, [candidate(edk)])).resolves.toMatchObject({ index: 0 })
    const eastDiscovery = awsKmsMrkDiscoveryKeyring({ region: 'us-east-1', kmsClientConfig: fx.clientConfig })
    await expect(eastDiscovery.unwrapIntermediateKey(EC, [candidate(edk)])).resolves.toMatchObject({ index: 0 })
    const westDiscovery = awsKmsMrkDiscoveryKeyring({ region: 'us-west-2', kmsClientConfig: fx.clientConfig })
    const error = await failure(westDiscovery.unwrapIntermediateKey(EC, [candidate(edk)]))
    expect(error.message).toContain('a single-Region key of us-east-1')
  })

  test('a KMS failure on wrap (unknown key) is ERR_KEYRING naming the key and the KMS error', async () => {
    const missing = fx.mrkEast.replace(/mrk-[0-9a-f]+$/, 'mrk-00000000000000000000000000000000')
    const error = await failure(awsKmsMrkKeyring({ keyArn: missing, kmsClientConfig: fx.clientConfig }).wrapIntermediateKeys(EC))
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect(error.message).toContain(`awsKmsMrkKeyring(${missing}) could not wrap a new intermediate key`)
    expect(error.message).toContain('NotFoundException')
  })

  test('ItemEncryptor: a client-node MRK keyring writes in us-east-1, our keyrings read in us-west-2 through the replica', async () => {
    const client = new KMS({ ...fx.clientConfig, region: 'us-east-1' })
    const config = {
      tableName: 'orders',
      partitionKeyName: 'pk',
      attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN' } as const,
    }
    try {
      const writer = new ItemEncryptor({ ...config, keyring: new AwsKmsMrkAwareSymmetricKeyringNode({ client, keyId: fx.mrkEast }) })
      const item = { pk: { S: 'order#1' }, secret: { S: 'card 4111' } }
      const encrypted = await writer.encryptItem(item)
      for (const keyring of [
        awsKmsMrkKeyring({ keyArn: fx.mrkEast, region: 'us-west-2', kmsClientConfig: fx.clientConfig }),
        awsKmsMrkDiscoveryKeyring({ region: 'us-west-2', discoveryFilter: { partition: 'aws', accountIds: [fx.kms.accountId] }, kmsClientConfig: fx.clientConfig }),
      ]) {
        fx.mark()
        expect(await new ItemEncryptor({ ...config, keyring }).decryptItem(encrypted)).toEqual(item)
        expect(fx.callsSinceMark().map((c) => [c.region, c.operation])).toEqual([['us-west-2', 'Decrypt']])
      }
    } finally {
      client.destroy()
    }
  })
})
