import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import {
  AlgorithmSuiteIdentifier, AwsKmsMrkAwareSymmetricDiscoveryKeyringNode, AwsKmsMrkAwareSymmetricKeyringNode, BranchKeyStoreNode,
  CommitmentPolicy, KMS, KmsHierarchicalKeyRingNode, NodeAlgorithmSuite, NodeDecryptionMaterial, NodeEncryptionMaterial,
  buildClient, unwrapDataKey,
} from '@aws-crypto/client-node'
import { CreateKeyCommand, KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms'
import { ItemEncryptor, awsKmsMrkDiscoveryKeyring, awsKmsMrkKeyring } from '../../lib'
import type { LocalKmsCall } from '../../lib/local'
import { ddbEndpoint, localCredentials, uniqueTableName } from '../setup/dynamodb'
import { useLocalKms } from './support'

const local = useLocalKms()
const EAST = 'us-east-1'
const WEST = 'us-west-2'
const suite = new NodeAlgorithmSuite(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY)
const clients: { destroy(): void }[] = []

afterAll(() => clients.forEach((client) => client.destroy()))

function kms(region: string): KMS {
  const client = new KMS({ region, endpoint: local.kms().endpoint, credentials: { ...local.kms().credentials } })
  clients.push(client)
  return client
}

/** A multi-Region key in us-east-1 with its replica in us-west-2. */
async function newMrkPair(): Promise<{ eastArn: string; westArn: string }> {
  const { KeyMetadata } = await local.client(EAST).send(new CreateKeyCommand({ MultiRegion: true }))
  const { ReplicaKeyMetadata } = await local.client(EAST).send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: WEST }))
  return { eastArn: KeyMetadata!.Arn!, westArn: ReplicaKeyMetadata!.Arn! }
}

function callsSince(start: number): LocalKmsCall[] {
  return local.kms().calls().slice(start)
}

describe('@aws-crypto/client-node MRK keyrings against the local KMS', () => {
  it('encrypts with the us-east-1 primary; the us-west-2 MRK and discovery keyrings decrypt with calls to us-west-2 only', async () => {
    const { eastArn, westArn } = await newMrkPair()
    const context = { table: 'Orders', pk: 'order#1' }

    const writer = new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms(EAST), keyId: eastArn })
    const encrypted = await writer.onEncrypt(new NodeEncryptionMaterial(suite, context))
    const dataKey = Buffer.from(unwrapDataKey(encrypted.getUnencryptedDataKey()))
    expect(encrypted.encryptedDataKeys).toHaveLength(1)
    expect(encrypted.encryptedDataKeys[0]?.providerInfo).toBe(eastArn)

    const readerStart = local.kms().calls().length
    const mrkReader = new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms(WEST), keyId: westArn })
    const fromMrk = await mrkReader.onDecrypt(new NodeDecryptionMaterial(suite, context), encrypted.encryptedDataKeys)
    expect(Buffer.from(unwrapDataKey(fromMrk.getUnencryptedDataKey()))).toEqual(dataKey)

    const discoveryReader = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({
      client: kms(WEST),
      discoveryFilter: { partition: 'aws', accountIDs: [local.kms().accountId] },
    })
    const fromDiscovery = await discoveryReader.onDecrypt(new NodeDecryptionMaterial(suite, context), encrypted.encryptedDataKeys)
    expect(Buffer.from(unwrapDataKey(fromDiscovery.getUnencryptedDataKey()))).toEqual(dataKey)

    const readerCalls = callsSince(readerStart)
    expect(readerCalls).toEqual([
      { region: WEST, operation: 'Decrypt', keyId: westArn, outcome: 'ok' },
      { region: WEST, operation: 'Decrypt', keyId: westArn, outcome: 'ok' },
    ])
    expect(readerCalls.filter((call) => call.region === EAST)).toEqual([])
  })

  it('a message encrypted in us-east-1 decrypts in us-west-2 (encrypt/decrypt of the ESDK)', async () => {
    const { eastArn, westArn } = await newMrkPair()
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    const { result } = await encrypt(new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms(EAST), keyId: eastArn }), 'hello west', {
      encryptionContext: { purpose: 'test' },
    })
    const start = local.kms().calls().length
    const { plaintext, messageHeader } = await decrypt(new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms(WEST), keyId: westArn }), result)
    expect(plaintext.toString()).toBe('hello west')
    expect(messageHeader.encryptionContext).toMatchObject({ purpose: 'test' })
    expect(callsSince(start).map((call) => `${call.region} ${call.operation} ${call.outcome}`)).toEqual([`${WEST} Decrypt ok`])
  })

  it('a discovery keyring filtered on another account refuses to decrypt', async () => {
    const { eastArn } = await newMrkPair()
    const encrypted = await new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms(EAST), keyId: eastArn }).onEncrypt(new NodeEncryptionMaterial(suite, {}))
    const start = local.kms().calls().length
    const reader = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({ client: kms(WEST), discoveryFilter: { partition: 'aws', accountIDs: ['999999999999'] } })
    await expect(reader.onDecrypt(new NodeDecryptionMaterial(suite, {}), encrypted.encryptedDataKeys)).rejects.toThrow(/Unable to decrypt data key/)
    expect(callsSince(start)).toEqual([])
  })
})

describe('ItemEncryptor with the project MRK keyrings against the local KMS', () => {
  it('an item encrypted with the us-east-1 key decrypts in us-west-2 through the replica, with no call to us-east-1', async () => {
    const { eastArn, westArn } = await newMrkPair()
    const kmsClientConfig = { endpoint: local.kms().endpoint, credentials: { ...local.kms().credentials } }
    const table = {
      tableName: 'Orders',
      partitionKeyName: 'pk',
      attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', total: 'ENCRYPT_AND_SIGN', note: 'ENCRYPT_AND_SIGN' },
    } as const
    const item = { pk: { S: 'order#7' }, total: { N: '42' }, note: { S: 'leave at the door' } }

    const writer = new ItemEncryptor({ ...table, keyring: awsKmsMrkKeyring({ keyArn: eastArn, kmsClientConfig }) })
    const encrypted = await writer.encryptItem(item)
    expect(encrypted.total?.B).toBeInstanceOf(Uint8Array)
    expect(JSON.stringify(encrypted)).not.toContain('leave at the door')

    const start = local.kms().calls().length
    const readers = [
      awsKmsMrkKeyring({ keyArn: eastArn, region: WEST, kmsClientConfig: { ...kmsClientConfig } }),
      awsKmsMrkDiscoveryKeyring({ region: WEST, discoveryFilter: { partition: 'aws', accountIds: [local.kms().accountId] }, kmsClientConfig: { ...kmsClientConfig } }),
    ]
    for (const keyring of readers) {
      const decrypted = await new ItemEncryptor({ ...table, keyring }).decryptItem(encrypted)
      expect(decrypted).toEqual(item)
    }
    const readerCalls = callsSince(start)
    expect(readerCalls.length).toBeGreaterThanOrEqual(2)
    for (const call of readerCalls) expect(call).toEqual({ region: WEST, operation: 'Decrypt', keyId: westArn, outcome: 'ok' })
  })
})

describe('the ESDK-JS branch key store against the local KMS and DynamoDB Local', () => {
  it('creates, versions and reads a branch key; the hierarchical keyring wraps with it; us-west-2 reads it via the replica', async () => {
    const { eastArn, westArn } = await newMrkPair()
    const ddb = new DynamoDBClient({ region: EAST, endpoint: ddbEndpoint(), credentials: { ...localCredentials } })
    const eastKms = new KMSClient({ region: EAST, endpoint: local.kms().endpoint, credentials: { ...local.kms().credentials } })
    const westKms = new KMSClient({ region: WEST, endpoint: local.kms().endpoint, credentials: { ...local.kms().credentials } })
    clients.push(ddb, eastKms, westKms)
    const tableName = uniqueTableName('branch-keys')
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'branch-key-id', KeyType: 'HASH' }, { AttributeName: 'type', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'branch-key-id', AttributeType: 'S' }, { AttributeName: 'type', AttributeType: 'S' }],
      }),
    )
    const storeIn = (kmsClient: KMSClient, arn: string): BranchKeyStoreNode =>
      new BranchKeyStoreNode({
        logicalKeyStoreName: tableName,
        storage: { ddbTableName: tableName, ddbClient: ddb },
        keyManagement: { kmsClient },
        kmsConfiguration: { mrkIdentifier: arn },
      })

    const start = local.kms().calls().length
    const eastStore = storeIn(eastKms, eastArn)
    const { branchKeyIdentifier } = await eastStore.createKey()
    expect(callsSince(start).map((call) => `${call.region} ${call.operation} ${call.outcome}`)).toEqual([
      `${EAST} GenerateDataKeyWithoutPlaintext ok`,
      `${EAST} ReEncrypt ok`,
      `${EAST} GenerateDataKeyWithoutPlaintext ok`,
    ])
    const stored = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { 'branch-key-id': { S: branchKeyIdentifier }, type: { S: 'branch:ACTIVE' } } }))
    expect(stored.Item?.['kms-arn']?.S).toBe(eastArn)

    const active = await eastStore.getActiveBranchKey(branchKeyIdentifier)
    expect(active.branchKey()).toHaveLength(32)
    await eastStore.versionKey({ branchKeyIdentifier })
    const versioned = await eastStore.getActiveBranchKey(branchKeyIdentifier)
    expect(versioned.branchKeyVersion.toString()).not.toBe(active.branchKeyVersion.toString())

    // The same records read through us-west-2 KMS with the replica ARN: same branch key, no call to us-east-1.
    const westStart = local.kms().calls().length
    const fromWest = await storeIn(westKms, westArn).getActiveBranchKey(branchKeyIdentifier)
    expect(Buffer.from(fromWest.branchKey())).toEqual(Buffer.from(versioned.branchKey()))
    expect(callsSince(westStart).map((call) => `${call.region} ${call.operation} ${call.outcome}`)).toEqual([`${WEST} Decrypt ok`])

    // And the hierarchical keyring of the ESDK uses it.
    const keyring = new KmsHierarchicalKeyRingNode({ branchKeyId: branchKeyIdentifier, keyStore: eastStore, cacheLimitTtl: 60 })
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    const { result } = await encrypt(keyring, 'under a branch key')
    expect((await decrypt(keyring, result)).plaintext.toString()).toBe('under a branch key')
  })
})
