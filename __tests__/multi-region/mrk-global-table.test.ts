import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms'
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { awsKmsMrkKeyring, EncryptedDocumentClient, type TableEncryptionConfig } from '../../lib'
import { isEncryptorError } from '../../lib/errors'
import { createLocalGlobalTable, startLocalKms } from '../../lib/local'
import { ddbEndpoint, localCredentials, uniqueTableName } from '../setup/dynamodb'

/**
 * The scenario the project exists for, end to end on the local stack: one table configuration with one MRK ARN,
 * an item written in us-east-1, replicated by the global table, and decrypted in us-west-2 and eu-west-1 by each
 * Region's own replica key, without any KMS call leaving the reader's Region.
 */
const WRITER = 'us-east-1'
const READERS = ['us-west-2', 'eu-west-1'] as const
const REGIONS = [WRITER, ...READERS]

type LocalKms = Awaited<ReturnType<typeof startLocalKms>>
type GlobalTable = Awaited<ReturnType<typeof createLocalGlobalTable>>

let kms: LocalKms
let table: GlobalTable
let tableName: string
let primaryArn: string
const kmsAdmin = new Map<string, KMSClient>()
const documents = new Map<string, DynamoDBDocumentClient>()
const plain = new Map<string, DynamoDBClient>()

const arnIn = (region: string) => primaryArn.replace(`:${WRITER}:`, `:${region}:`)

function adminClient(region: string): KMSClient {
  let client = kmsAdmin.get(region)
  if (client === undefined) {
    client = new KMSClient({ region, endpoint: kms.endpoint, credentials: { ...kms.credentials } })
    kmsAdmin.set(region, client)
  }
  return client
}

async function waitUntilEnabled(region: string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { KeyMetadata } = await adminClient(region).send(new DescribeKeyCommand({ KeyId: arnIn(region) }))
    if (KeyMetadata?.KeyState === 'Enabled') return
    if (Date.now() > deadline) throw new Error(`replica in ${region} is still ${KeyMetadata?.KeyState}`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

/** The same configuration in every Region; only the keyring's `region` differs. */
function tableConfig(region: string): TableEncryptionConfig {
  return {
    partitionKeyName: 'customerId',
    attributeActionsOnEncrypt: { customerId: 'SIGN_ONLY', email: 'ENCRYPT_AND_SIGN', cardNumber: 'ENCRYPT_AND_SIGN', plan: 'SIGN_ONLY' },
    keyring: awsKmsMrkKeyring({ keyArn: primaryArn, region, kmsClientConfig: { endpoint: kms.endpoint, credentials: { ...kms.credentials } } }),
  }
}

/** KMS requests the local KMS received while `action` ran. */
async function kmsCallsDuring(action: () => Promise<unknown>): Promise<ReturnType<LocalKms['calls']>> {
  const before = kms.calls().length
  await action()
  return kms.calls().slice(before)
}

beforeAll(async () => {
  kms = await startLocalKms({ host: '127.0.0.1' })
  const { KeyMetadata } = await adminClient(WRITER).send(new CreateKeyCommand({ MultiRegion: true, Description: 'multi-Region e2e' }))
  primaryArn = KeyMetadata!.Arn!
  for (const region of READERS) {
    await adminClient(WRITER).send(new ReplicateKeyCommand({ KeyId: primaryArn, ReplicaRegion: region }))
    await waitUntilEnabled(region)
  }

  tableName = uniqueTableName('mrk-e2e')
  table = await createLocalGlobalTable({
    endpoint: ddbEndpoint(),
    credentials: { ...localCredentials },
    regions: REGIONS,
    table: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: 'S' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
  })
  for (const region of REGIONS) {
    const client = new DynamoDBClient({ region, endpoint: ddbEndpoint(), credentials: { ...localCredentials } })
    documents.set(region, EncryptedDocumentClient.from(client, { tables: { [tableName]: tableConfig(region) } }))
    plain.set(region, new DynamoDBClient({ region, endpoint: ddbEndpoint(), credentials: { ...localCredentials } }))
  }
})

afterAll(async () => {
  await table?.close()
  for (const client of [...documents.values(), ...plain.values(), ...kmsAdmin.values()]) client.destroy()
  await kms?.close()
})

describe('an item encrypted in us-east-1 and replicated by the global table', () => {
  const record = { customerId: 'customer-1', email: 'maria.garcia@example.com', cardNumber: '4111 1111 1111 1111', plan: 'gold' }

  it('is written with GenerateDataKey on the primary key, in us-east-1 only', async () => {
    const calls = await kmsCallsDuring(() => documents.get(WRITER)!.send(new PutCommand({ TableName: tableName, Item: record })))
    expect(calls.map((call) => call.region)).toEqual([WRITER])
    expect(calls[0]).toMatchObject({ operation: 'GenerateDataKey', keyId: primaryArn })
    await table.waitForReplication(10_000)
  })

  it.each(READERS)('is stored as ciphertext in %s, naming the us-east-1 key in its header', async (region) => {
    const { Item } = await plain.get(region)!.send(new GetItemCommand({ TableName: tableName, Key: { customerId: { S: 'customer-1' } } }))
    expect(Item?.email?.B).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(Item!.email!.B!).includes(Buffer.from('maria.garcia'))).toBe(false)
    expect(Item?.plan).toEqual({ S: 'gold' })
    // The EDK records the key that wrapped it: the reader must map it to its own replica, not call us-east-1.
    expect(Buffer.from(Item!.aws_dbe_head!.B!).includes(Buffer.from(primaryArn))).toBe(true)
  })

  it.each(READERS)('is decrypted in %s by that Region\'s replica, with no KMS call to another Region', async (region) => {
    let item: Record<string, unknown> | undefined
    const calls = await kmsCallsDuring(async () => {
      item = (await documents.get(region)!.send(new GetCommand({ TableName: tableName, Key: { customerId: 'customer-1' }, ConsistentRead: true }))).Item
    })
    expect(item).toEqual(record)
    expect(calls.length).toBeGreaterThan(0)
    expect(calls.filter((call) => call.region !== region)).toEqual([])
    expect(calls).toContainEqual(expect.objectContaining({ region, operation: 'Decrypt', keyId: arnIn(region) }))
  })

  it('fails closed in a Region whose replica is disabled, still without calling another Region', async () => {
    const [region] = READERS
    await adminClient(region).send(new DisableKeyCommand({ KeyId: arnIn(region) }))
    try {
      let failure: unknown
      const calls = await kmsCallsDuring(async () => {
        failure = await documents
          .get(region)!
          .send(new GetCommand({ TableName: tableName, Key: { customerId: 'customer-1' }, ConsistentRead: true }))
          .then(() => undefined, (error: unknown) => error)
      })
      expect(isEncryptorError(failure)).toBe(true)
      expect(calls.filter((call) => call.region !== region)).toEqual([])
      expect(calls).toContainEqual(expect.objectContaining({ region, operation: 'Decrypt' }))
    } finally {
      await adminClient(region).send(new EnableKeyCommand({ KeyId: arnIn(region) }))
    }
  })
})

describe('the other way round', () => {
  it('an item written in eu-west-1 with its replica is decrypted in us-east-1 by the primary, calling us-east-1 only', async () => {
    const record = { customerId: 'customer-2', email: 'li.wei@example.com', cardNumber: '5555 5555 5555 4444', plan: 'silver' }
    const writes = await kmsCallsDuring(() => documents.get('eu-west-1')!.send(new PutCommand({ TableName: tableName, Item: record })))
    expect(writes).toEqual([expect.objectContaining({ region: 'eu-west-1', operation: 'GenerateDataKey', keyId: arnIn('eu-west-1') })])
    await table.waitForReplication(10_000)

    for (const region of [WRITER, 'us-west-2']) {
      let item: Record<string, unknown> | undefined
      const reads = await kmsCallsDuring(async () => {
        item = (await documents.get(region)!.send(new GetCommand({ TableName: tableName, Key: { customerId: 'customer-2' }, ConsistentRead: true }))).Item
      })
      expect(item).toEqual(record)
      expect(reads.map((call) => call.region)).toEqual(reads.map(() => region))
      expect(reads).toContainEqual(expect.objectContaining({ operation: 'Decrypt', keyId: arnIn(region) }))
    }
  })
})
