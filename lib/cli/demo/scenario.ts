import { isDeepStrictEqual } from 'node:util'
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DemoFailure, explain } from './failure'
import { formatKmsCalls, formatMs, formatPlainItem, formatStoredItem } from './format'
import { mrkArnInRegion } from './iam'
import type { KmsCall, KmsCallLog } from './kms-call-log'
import type { DemoOutput } from './output'
import { demoRecord, encryptedAttributeNames, keyOf, storedAttributeNotes, toAttributeValues, type DemoRecord, type TableKeySchema } from './record'

/** One Region as the application sees it: the encrypted DocumentClient, plus a plain client to show what DynamoDB holds. */
export interface DemoRegion {
  region: string
  /** Label of this Region's KMS client in the call log. */
  kmsClient: string
  /** `EncryptedDocumentClient.from(...)`: what an application uses. */
  app: DynamoDBDocumentClient
  /** A plain `DynamoDBClient` of the same Region, without encryption. */
  plain: DynamoDBClient
}

export interface ScenarioContext {
  tableName: string
  schema: TableKeySchema
  primaryArn: string
  log: KmsCallLog
  replication: { pollMs: number; timeoutMs: number }
  /** The local KMS's own log of requests, when the demo started it: a second, server-side witness. */
  serverCalls?: () => readonly { region: string; operation: string }[]
  /** Told before each item is written, so that the items of a failed run can be removed too. */
  onWrite?: (key: DemoRecord, region: string) => void
  out: DemoOutput
}

export interface DirectionResult {
  key: DemoRecord
  writer: string
  reader: string
  decryptedBy: string
  replicationMs: number
}

/** The blog's five steps, writing in `writer` and reading in `reader`; throws a DemoFailure on any broken promise. */
export async function runDirection(ctx: ScenarioContext, writer: DemoRegion, reader: DemoRegion, title: string): Promise<DirectionResult> {
  const { out, log, tableName } = ctx
  const { bold, dim, ok } = out.style
  const record = demoRecord(ctx.schema, writer.region)
  const key = keyOf(ctx.schema, record)
  const writerKey = mrkArnInRegion(ctx.primaryArn, writer.region)
  const readerKey = mrkArnInRegion(ctx.primaryArn, reader.region)
  const role = (arn: string) => (arn === ctx.primaryArn ? 'primary' : 'replica')

  out.line(bold(title))
  out.line()

  // Steps 1 and 2 are one PutCommand: the encrypted client encrypts and signs, then sends the PutItem.
  ctx.onWrite?.(key, writer.region)
  const writeMark = log.mark()
  await step(`Steps 1-2 (PutCommand in ${writer.region}: encrypt, then PutItem)`, () => writer.app.send(new PutCommand({ TableName: tableName, Item: record })))
  const writerCalls = log.since(writeMark)

  out.line(`${bold(' 1 ')} Encrypt the record with the ${role(writerKey)} MRK in ${writer.region}`)
  out.line(dim('    the record, as the application hands it to PutCommand:'))
  for (const line of formatPlainItem(record)) out.line(`      ${line}`)
  out.line(dim(`    KMS calls of the ${writer.kmsClient}:`))
  for (const line of formatKmsCalls(writerCalls)) out.line(`      ${line}`)
  expectCalls('step 1', writerCalls, writer.region, 'GenerateDataKey', writerKey)

  out.line(`${bold(' 2 ')} Put it in ${writer.region}`)
  out.line(`    PutItem ${tableName} through the ${writer.region} EncryptedDocumentClient: signed and encrypted before it was sent`)
  const stored = await step(`Step 2 (reading back the item in ${writer.region})`, () => getStored(writer, tableName, key))
  if (stored === undefined) throw new DemoFailure(`Step 2: the item is not in ${tableName} in ${writer.region} after PutItem.`, 'Check the DynamoDB endpoint.')

  out.line(`${bold(' 3 ')} Global-table replication ${writer.region} → ${reader.region}`)
  const started = Date.now()
  const replicated = await step('Step 3 (replication)', () => waitForReplica(reader, tableName, key, stored, ctx.replication))
  const replicationMs = Date.now() - started
  out.line(`    the item arrived in ${reader.region} after ${formatMs(replicationMs)}, byte for byte as written in ${writer.region}`)

  out.line(`${bold(' 4 ')} Get it in ${reader.region}: the item as DynamoDB holds it (plain GetItem, nothing decrypted)`)
  for (const line of formatStoredItem(replicated, storedAttributeNotes(ctx.schema))) out.line(`      ${line}`)
  expectCiphertextAtRest(ctx.schema, record, replicated, reader.region)
  if (Buffer.from(replicated.aws_dbe_head?.B ?? []).includes(Buffer.from(writerKey, 'utf8'))) {
    out.line(dim(`    the header names ${writerKey}: the reader maps it to its own Region's replica (same key id and key material)`))
  }

  out.line(`${bold(' 5 ')} Decrypt it with the ${role(readerKey)} MRK in ${reader.region}`)
  const readMark = log.mark()
  const serverMark = ctx.serverCalls?.().length ?? 0
  const read = await step(`Step 5 (GetCommand in ${reader.region})`, () =>
    reader.app.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
  )
  const readerCalls = log.since(readMark)
  out.line(dim(`    GetCommand through the ${reader.region} EncryptedDocumentClient returned:`))
  for (const line of formatPlainItem(read.Item ?? {})) out.line(`      ${line}`)
  out.line(dim(`    KMS calls of the ${reader.kmsClient}:`))
  for (const line of formatKmsCalls(readerCalls)) out.line(`      ${line}`)
  const decryptedBy = expectCalls('step 5', readerCalls, reader.region, 'Decrypt', readerKey)
  out.line(`    decrypted by  ${decryptedBy}`)
  if (!isDeepStrictEqual(normalize(read.Item), normalize(record))) {
    throw new DemoFailure(
      `Step 5: the item read in ${reader.region} is not the record written in ${writer.region}.`,
      'This is a bug in the library: please report it with this output.',
    )
  }
  if (ctx.serverCalls !== undefined) {
    const elsewhere = ctx.serverCalls().slice(serverMark).filter((call) => call.region !== reader.region)
    if (elsewhere.length > 0) {
      throw new DemoFailure(
        `Step 5: the local KMS received ${elsewhere.length} call(s) outside ${reader.region} while reading: ` +
          elsewhere.map((c) => `${c.operation} in ${c.region}`).join(', '),
        'The reader must call KMS only in its own Region; check the keyring configuration.',
      )
    }
  }
  out.line(`    ${ok('✓')} the decrypted item equals the record of step 1; the ${reader.region} client made no KMS call outside ${reader.region}`)
  out.line()
  return { key, writer: writer.region, reader: reader.region, decryptedBy, replicationMs }
}

/**
 * Every call went to `region`, and at least one `operation` on `expectedKey` succeeded: the key that did
 * the work (the MRK keyring requires KMS to answer with exactly the key it asked for).
 */
function expectCalls(stepName: string, calls: readonly KmsCall[], region: string, operation: string, expectedKey: string): string {
  const elsewhere = calls.filter((call) => call.region !== region)
  if (elsewhere.length > 0) {
    throw new DemoFailure(
      `${capitalize(stepName)}: the ${region} client called KMS in another Region: ` +
        elsewhere.map((call) => `${call.operation} in ${call.region}`).join(', '),
      'Each Region must use its own replica of the MRK: build the keyring with awsKmsMrkKeyring({ keyArn, region }).',
    )
  }
  const done = calls.find((call) => call.operation === operation && call.outcome === 'ok')
  if (done === undefined) {
    throw new DemoFailure(
      `${capitalize(stepName)}: no successful KMS ${operation} in ${region} was recorded.`,
      'Check the keyring configuration and the KMS endpoint.',
    )
  }
  if (done.keyId !== expectedKey) {
    throw new DemoFailure(
      `${capitalize(stepName)}: KMS ${operation} used ${done.keyId ?? 'no key id'}, not the MRK in ${region} (${expectedKey}).`,
      'Each Region must use its own replica of the MRK: build the keyring with awsKmsMrkKeyring({ keyArn, region }).',
    )
  }
  return done.keyId
}

/** The attributes configured ENCRYPT_AND_SIGN are binary at rest and hold none of their plaintext. */
function expectCiphertextAtRest(schema: TableKeySchema, record: DemoRecord, stored: Record<string, AttributeValue>, region: string): void {
  for (const name of encryptedAttributeNames(schema)) {
    const value = stored[name]
    const plaintext = String(record[name])
    if (value?.B === undefined || Buffer.from(value.B).includes(Buffer.from(plaintext, 'utf8'))) {
      throw new DemoFailure(
        `Step 4: attribute ${name} is stored in ${region} as ${value === undefined ? 'nothing' : Object.keys(value)[0]}, not as ciphertext.`,
        'This is a bug in the library: please report it with this output.',
      )
    }
  }
  if (stored.aws_dbe_head?.B === undefined || stored.aws_dbe_foot?.B === undefined) {
    throw new DemoFailure(`Step 4: the item in ${region} has no aws_dbe_head / aws_dbe_foot.`, 'This is a bug in the library: please report it with this output.')
  }
}

async function getStored(region: DemoRegion, tableName: string, key: DemoRecord): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await region.plain.send(new GetItemCommand({ TableName: tableName, Key: toAttributeValues(key), ConsistentRead: true }))
  return Item
}

async function waitForReplica(
  reader: DemoRegion,
  tableName: string,
  key: DemoRecord,
  written: Record<string, AttributeValue>,
  policy: { pollMs: number; timeoutMs: number },
): Promise<Record<string, AttributeValue>> {
  const deadline = Date.now() + policy.timeoutMs
  for (;;) {
    const item = await getStored(reader, tableName, key)
    if (item !== undefined && isDeepStrictEqual(normalize(item), normalize(written))) return item
    if (Date.now() >= deadline) {
      throw new DemoFailure(
        `Step 3: the item did not arrive in ${tableName} in ${reader.region} within ${formatMs(policy.timeoutMs)}` +
          (item === undefined ? '.' : ' (a different version of it is there).'),
        'Check that the table is a global table replicated to that Region.',
      )
    }
    await new Promise((done) => setTimeout(done, policy.pollMs))
  }
}

/** Byte arrays compare by content whatever their class (Buffer or Uint8Array). */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') }
  if (Array.isArray(value)) return value.map(normalize)
  if (value instanceof Set) return { set: [...value].map(normalize) }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normalize(v)]))
  }
  return value
}

async function step<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw explain(name, error)
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
