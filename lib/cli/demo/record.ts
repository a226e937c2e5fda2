import { randomBytes, randomInt } from 'node:crypto'
import type { AttributeValue, CreateTableCommandInput, ScalarAttributeType } from '@aws-sdk/client-dynamodb'
import type { CryptoAction, Keyring, TableEncryptionConfig } from '../../types'

export interface KeyAttribute {
  name: string
  type: ScalarAttributeType
}

/** The key schema of the demo table: the demo's own, or read from an existing table with DescribeTable. */
export interface TableKeySchema {
  partitionKey: KeyAttribute
  sortKey?: KeyAttribute
}

export const DEMO_KEY_SCHEMA: TableKeySchema = { partitionKey: { name: 'customerId', type: 'S' } }

/** The attributes of the demo record besides the key, and what the library does with each. */
const RECORD_ACTIONS: Readonly<Record<string, CryptoAction>> = {
  name: 'ENCRYPT_AND_SIGN',
  email: 'ENCRYPT_AND_SIGN',
  cardNumber: 'ENCRYPT_AND_SIGN',
  plan: 'SIGN_ONLY',
  writtenIn: 'SIGN_ONLY',
}

export type DemoRecord = Record<string, string | number | Uint8Array>

/** A table with a stream of new and old images: what global-table replication reads, locally and on AWS. */
export function demoTableInput(tableName: string, schema: TableKeySchema = DEMO_KEY_SCHEMA): CreateTableCommandInput {
  const keys = [
    { ...schema.partitionKey, role: 'HASH' as const },
    ...(schema.sortKey === undefined ? [] : [{ ...schema.sortKey, role: 'RANGE' as const }]),
  ]
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keys.map((key) => ({ AttributeName: key.name, KeyType: key.role })),
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }
}

/**
 * The one table configuration of the demo. Only the keyring differs between Regions, and only by the
 * `region` it was given: the key ARN is the same (the primary's) everywhere.
 */
export function demoTableConfig(schema: TableKeySchema, keyring: Keyring): TableEncryptionConfig {
  return {
    partitionKeyName: schema.partitionKey.name,
    ...(schema.sortKey === undefined ? {} : { sortKeyName: schema.sortKey.name }),
    attributeActionsOnEncrypt: demoAttributeActions(schema),
    keyring,
  }
}

/** Key attributes are signed (DynamoDB must read them); the record's own attributes as in RECORD_ACTIONS. */
function demoAttributeActions(schema: TableKeySchema): Record<string, CryptoAction> {
  const actions: Record<string, CryptoAction> = { [schema.partitionKey.name]: 'SIGN_ONLY' }
  if (schema.sortKey !== undefined) actions[schema.sortKey.name] = 'SIGN_ONLY'
  for (const [name, action] of Object.entries(RECORD_ACTIONS)) actions[name] ??= action
  return actions
}

/** What each stored attribute of the demo record is, for the listing of step 4. */
export function storedAttributeNotes(schema: TableKeySchema): Record<string, string> {
  const notes: Record<string, string> = {
    aws_dbe_head: 'header: the data key, encrypted under the writer\'s MRK',
    aws_dbe_foot: 'footer: HMAC and ECDSA signatures',
  }
  for (const [name, action] of Object.entries(demoAttributeActions(schema))) {
    notes[name] = action === 'ENCRYPT_AND_SIGN' ? 'encrypted, signed' : action === 'DO_NOTHING' ? 'plaintext, unsigned' : 'plaintext, signed'
  }
  return notes
}

/** Names of the attributes the demo record has encrypted (key attributes never are). */
export function encryptedAttributeNames(schema: TableKeySchema): string[] {
  const keyNames = new Set([schema.partitionKey.name, schema.sortKey?.name])
  return Object.entries(RECORD_ACTIONS)
    .filter(([name, action]) => action === 'ENCRYPT_AND_SIGN' && !keyNames.has(name))
    .map(([name]) => name)
}

/** A fresh customer record with a unique key, written in `region`. */
export function demoRecord(schema: TableKeySchema, region: string): DemoRecord {
  const record: DemoRecord = {
    name: 'Maria Garcia',
    email: 'maria.garcia@example.com',
    cardNumber: '4111 1111 1111 1111',
    plan: 'gold',
    writtenIn: region,
  }
  record[schema.partitionKey.name] = keyValue(schema.partitionKey.type, `customer-${randomBytes(4).toString('hex')}`)
  if (schema.sortKey !== undefined) record[schema.sortKey.name] = keyValue(schema.sortKey.type, 'profile')
  return record
}

export function keyOf(schema: TableKeySchema, record: DemoRecord): DemoRecord {
  const key: DemoRecord = { [schema.partitionKey.name]: record[schema.partitionKey.name] }
  if (schema.sortKey !== undefined) key[schema.sortKey.name] = record[schema.sortKey.name]
  return key
}

/** The record's values in wire form (the demo's values are only strings, numbers and bytes). */
export function toAttributeValues(record: DemoRecord): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(record).map(([name, value]): [string, AttributeValue] => [
      name,
      typeof value === 'string' ? { S: value } : typeof value === 'number' ? { N: String(value) } : { B: value },
    ]),
  )
}

function keyValue(type: ScalarAttributeType, text: string): string | number | Uint8Array {
  if (type === 'N') return randomInt(1, 2 ** 47)
  if (type === 'B') return new Uint8Array(Buffer.from(text, 'utf8'))
  return text
}
