import { randomBytes } from 'node:crypto'
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb'
import { ItemEncryptor } from '../../lib/item'
import { rawAesKeyring } from '../../lib/materials/keyrings'
import type { Item, TableEncryptionConfig } from '../../lib/types'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { EncryptedDocumentClient, EncryptedDynamoDBClient } from '../../lib/client'
import type { EncryptionConfig } from '../../lib/types'
import { ddbEndpoint, newDynamoDBClient, uniqueTableName } from '../setup/dynamodb'

export { newDynamoDBClient, uniqueTableName, ItemEncryptor }

/** A fresh 256-bit raw AES keyring: no KMS needed, and every test gets its own key. */
export function newKeyring(): TableEncryptionConfig['keyring'] {
  return rawAesKeyring({ keyNamespace: 'client-tests', keyName: 'key-1', wrappingKey: new Uint8Array(randomBytes(32)) })
}

export const ENCRYPTED = ['secret', 'card'] as const

/** pk/sk keys, two encrypted attributes (a string and a map), signed plaintext ones, unsigned ones. */
export function ordersConfig(keyring = newKeyring()): TableEncryptionConfig {
  return {
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    attributeActionsOnEncrypt: {
      pk: 'SIGN_ONLY',
      sk: 'SIGN_ONLY',
      secret: 'ENCRYPT_AND_SIGN',
      card: 'ENCRYPT_AND_SIGN',
      plan: 'SIGN_ONLY',
      count: 'SIGN_ONLY',
      lastSeen: 'DO_NOTHING',
    },
    allowedUnsignedAttributes: ['lastSeen'],
    allowedUnsignedAttributePrefix: 'u_',
    keyring,
  }
}

/** Distinctive plaintext: long enough that finding it by chance in ciphertext is impossible in practice. */
export function sampleItem(pk: string, sk: string, n = 0): Item {
  return {
    pk: { S: pk },
    sk: { S: sk },
    secret: { S: `top-secret-value-${pk}-${sk}-${n}` },
    card: { M: { number: { S: `4111-1111-1111-${String(1000 + n)}` }, holder: { S: `Card Holder ${pk}` } } },
    plan: { S: `plan-premium-${n}` },
    count: { N: String(n) },
    lastSeen: { S: '2026-01-01T00:00:00Z' },
  }
}

export async function createOrdersTable(client: DynamoDBClient, tableName = uniqueTableName(), extra: Partial<CreateTableCommandInput> = {}): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...(extra.AttributeDefinitions ?? []),
      ],
      ...(extra.GlobalSecondaryIndexes === undefined ? {} : { GlobalSecondaryIndexes: extra.GlobalSecondaryIndexes }),
    }),
  )
  return tableName
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined)
}

export async function rawGet(client: DynamoDBClient, tableName: string, pk: string, sk: string): Promise<Item | undefined> {
  return (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item
}

/** Every string and number inside a value: the byte sequences that must not appear in its ciphertext. */
function plaintextLeaves(value: AttributeValue): string[] {
  if (value.S !== undefined) return [value.S]
  if (value.N !== undefined) return [value.N]
  if (value.M !== undefined) return Object.values(value.M).flatMap(plaintextLeaves)
  if (value.L !== undefined) return value.L.flatMap(plaintextLeaves)
  if (value.SS !== undefined) return value.SS
  return []
}

/** Every byte run of the stored item where plaintext could hide: binaries and strings, at any depth. */
function storedBytes(value: AttributeValue): Buffer[] {
  if (value.B !== undefined) return [Buffer.from(value.B)]
  if (value.S !== undefined) return [Buffer.from(value.S)]
  if (value.M !== undefined) return Object.values(value.M).flatMap(storedBytes)
  if (value.L !== undefined) return value.L.flatMap(storedBytes)
  return []
}

/**
 * The acceptance check for data at rest: each ENCRYPT_AND_SIGN attribute is binary and no plaintext leaf of it
 * (of at least 6 bytes) appears anywhere in the stored item; header and footer are present.
 */
export function expectEncryptedAtRest(stored: Item | undefined, plaintext: Item, encrypted: readonly string[] = ENCRYPTED): void {
  expect(stored).toBeDefined()
  const item = stored!
  expect(item.aws_dbe_head?.B).toBeInstanceOf(Uint8Array)
  expect(item.aws_dbe_foot?.B).toBeInstanceOf(Uint8Array)
  const haystack = Object.values(item).flatMap(storedBytes)
  for (const name of encrypted) {
    if (plaintext[name] === undefined) continue
    expect(Object.keys(item[name] ?? {})).toEqual(['B'])
    for (const leaf of plaintextLeaves(plaintext[name]).filter((text) => Buffer.byteLength(text) >= 6)) {
      for (const bytes of haystack) expect(bytes.includes(Buffer.from(leaf))).toBe(false)
    }
  }
}

export function key(pk: string, sk: string): Item {
  return { pk: { S: pk }, sk: { S: sk } }
}

/** An EncryptedDynamoDBClient that reaches the same DynamoDB Local database (same Region and access key) as `plain`. */
export async function encryptedLowLevelClient(plain: DynamoDBClient, encryption: EncryptionConfig): Promise<EncryptedDynamoDBClient> {
  return new EncryptedDynamoDBClient({
    region: await plain.config.region(),
    endpoint: ddbEndpoint(),
    credentials: await plain.config.credentials(),
    encryption,
  })
}

/** A DocumentClient over a fresh low-level client of the same database. */
export async function encryptedDocumentClient(plain: DynamoDBClient, encryption: EncryptionConfig): Promise<DynamoDBDocumentClient> {
  const base = new DynamoDBClient({ region: await plain.config.region(), endpoint: ddbEndpoint(), credentials: await plain.config.credentials() })
  return EncryptedDocumentClient.from(base, encryption)
}

/** The clients of one test file, around one orders table with the encryption of `ordersConfig()`. */
export interface EncryptedOrdersTable {
  plain: DynamoDBClient
  table: string
  /** The table's encryption config (its keyring holds the table's key). */
  config: TableEncryptionConfig
  client: EncryptedDynamoDBClient
  documents: DynamoDBDocumentClient
}

/** Creates the table and both encrypted clients in a `beforeAll`, and removes them in an `afterAll`. */
export function useEncryptedOrdersTable(): EncryptedOrdersTable {
  const fixture = {} as EncryptedOrdersTable
  beforeAll(async () => {
    fixture.plain = newDynamoDBClient()
    fixture.table = await createOrdersTable(fixture.plain)
    fixture.config = ordersConfig()
    const encryption = { tables: { [fixture.table]: fixture.config } }
    fixture.client = await encryptedLowLevelClient(fixture.plain, encryption)
    fixture.documents = await encryptedDocumentClient(fixture.plain, encryption)
  })
  afterAll(async () => {
    await deleteTable(fixture.plain, fixture.table)
    for (const client of [fixture.plain, fixture.client, fixture.documents]) client?.destroy()
  })
  return fixture
}

/** What a promise settled with: the error it rejected with, or `{ unexpectedValue }` when it resolved. */
export async function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ unexpectedValue: value }),
    (error: unknown) => error,
  )
}
