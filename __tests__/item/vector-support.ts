import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Item, TableEncryptionConfig } from '../../lib/types'

/** The official DB-ESDK vectors (read in place, never copied into the repo). */
export function vectorsDir(): string | undefined {
  const candidates = [process.env.DBESDK_VECTORS_DIR, resolve(__dirname, '../../../shared/vectors/dbesdk')]
  return candidates.find((dir): dir is string => dir !== undefined && dir !== '' && existsSync(join(dir, 'keys.json')))
}

export function readJson(dir: string, file: string): unknown {
  return JSON.parse(readFileSync(join(dir, file), 'utf8'))
}

export interface StaticBranchKey {
  branchKeyId: string
  branchKeyVersion: string
  branchKey: Buffer
}

export function staticBranchKeyFromKeys(dir: string): StaticBranchKey {
  const keys = readJson(dir, 'keys.json') as { keys: Record<string, { 'key-id': string; branchKeyVersion: string; branchKey: string }> }
  const entry = keys.keys['static-branch-key-1']
  return { branchKeyId: entry['key-id'], branchKeyVersion: entry.branchKeyVersion, branchKey: Buffer.from(entry.branchKey, 'base64') }
}

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** DynamoDB JSON (B and BS members base64) to AttributeValue. */
export function fromDynamoJson(value: JsonValue): AttributeValue {
  const [type, inner] = Object.entries(value as Record<string, JsonValue>)[0]
  switch (type) {
    case 'B':
      return { B: Buffer.from(inner as string, 'base64') }
    case 'BS':
      return { BS: (inner as string[]).map((b) => Buffer.from(b, 'base64')) }
    case 'L':
      return { L: (inner as JsonValue[]).map(fromDynamoJson) }
    case 'M':
      return { M: Object.fromEntries(Object.entries(inner as Record<string, JsonValue>).map(([k, v]) => [k, fromDynamoJson(v)])) }
    default:
      return { [type]: inner } as unknown as AttributeValue
  }
}

export function itemFromDynamoJson(item: Record<string, JsonValue>): Item {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromDynamoJson(value)]))
}

const TYPE_KEYS = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'L', 'M', 'BOOL', 'NULL'])

/** The vectors' plaintext shorthand: string = S, number = N, single-type-key object = that type (recursively). */
export function fromShorthand(value: JsonValue): AttributeValue {
  if (typeof value === 'string') return { S: value }
  if (typeof value === 'number') return { N: String(value) }
  const entries = Object.entries(value as Record<string, JsonValue>)
  if (entries.length !== 1 || !TYPE_KEYS.has(entries[0][0])) throw new Error(`unexpected shorthand ${JSON.stringify(value)}`)
  const [type, inner] = entries[0]
  switch (type) {
    case 'L':
      return { L: (inner as JsonValue[]).map(fromShorthand) }
    case 'M':
      return { M: Object.fromEntries(Object.entries(inner as Record<string, JsonValue>).map(([k, v]) => [k, fromShorthand(v)])) }
    case 'NS':
      return { NS: (inner as JsonValue[]).map(String) }
    default:
      return fromDynamoJson(value)
  }
}

/**
 * Comparison form, written independently of lib/: numbers as exact decimals (sign, digits, exponent), sets sorted
 * and de-duplicated, binary as hex.
 */
export function comparable(value: AttributeValue): unknown {
  const v = value as unknown as Record<string, unknown>
  if (v.N !== undefined) return { N: decimal(v.N as string) }
  if (v.NS !== undefined) return { NS: [...new Set((v.NS as string[]).map(decimal))].sort() }
  if (v.SS !== undefined) return { SS: [...new Set(v.SS as string[])].sort() }
  if (v.B !== undefined) return { B: Buffer.from(v.B as Uint8Array).toString('hex') }
  if (v.BS !== undefined) return { BS: [...new Set((v.BS as Uint8Array[]).map((b) => Buffer.from(b).toString('hex')))].sort() }
  if (v.L !== undefined) return { L: (v.L as AttributeValue[]).map(comparable) }
  if (v.M !== undefined) return { M: comparableItem(v.M as Item) }
  return value
}

export function comparableItem(item: Item): Record<string, unknown> {
  return Object.fromEntries(Object.keys(item).sort().map((name) => [name, comparable(item[name])]))
}

function decimal(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (match === null) throw new Error(`not a number: ${text}`)
  const digits = `${match[2]}${match[3] ?? ''}`
  let exponent = Number(match[4] ?? '0') - (match[3] ?? '').length
  let trimmed = digits.replace(/^0+/, '')
  if (trimmed === '') return '0'
  while (trimmed.endsWith('0')) {
    trimmed = trimmed.slice(0, -1)
    exponent++
  }
  return `${match[1] === '-' ? '-' : ''}${trimmed}e${exponent}`
}

export interface VectorConfig {
  attributeActionsOnEncrypt: Record<string, string>
  allowedUnsignedAttributes?: string[]
  allowedUnsignedAttributePrefix?: string
  algorithmSuiteId?: string
  logicalTableName?: string
  partitionKeyName?: string
  sortKeyName?: string
}

/** The reader config of a vector, with the harness defaults (GazelleVectorTable, RecNum) and CONTEXT_AND_SIGN alias. */
export function tableConfig(vector: VectorConfig, keyring: TableEncryptionConfig['keyring']): TableEncryptionConfig {
  const actions = Object.fromEntries(
    Object.entries(vector.attributeActionsOnEncrypt).map(([name, action]) => [name, action === 'CONTEXT_AND_SIGN' ? 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' : action]),
  ) as TableEncryptionConfig['attributeActionsOnEncrypt']
  return {
    logicalTableName: vector.logicalTableName ?? 'GazelleVectorTable',
    partitionKeyName: vector.partitionKeyName ?? 'RecNum',
    sortKeyName: vector.sortKeyName,
    attributeActionsOnEncrypt: actions,
    allowedUnsignedAttributes: vector.allowedUnsignedAttributes,
    allowedUnsignedAttributePrefix: vector.allowedUnsignedAttributePrefix,
    algorithmSuiteId: vector.algorithmSuiteId as TableEncryptionConfig['algorithmSuiteId'],
    keyring,
  }
}

export interface DecryptRecord {
  id: string
  positive: boolean
  config: VectorConfig
  encrypted: Item
  plaintext?: Item
}

/** Every record of the four decrypt manifests and iotest's DecryptTests. */
export function decryptRecords(dir: string): DecryptRecord[] {
  const records: DecryptRecord[] = []
  for (const file of ['decrypt_java_32.json', 'decrypt_dotnet_32.json', 'decrypt_java_33.json', 'decrypt_dotnet_33.json']) {
    const manifest = readJson(dir, file) as {
      tests: Record<string, { type: string; config: VectorConfig; encrypted: Record<string, JsonValue>; plaintext?: Record<string, JsonValue> }>
    }
    for (const [id, test] of Object.entries(manifest.tests)) {
      records.push({
        id: `${file}#${id}`,
        positive: test.type === 'positive-decrypt',
        config: test.config,
        encrypted: itemFromDynamoJson(test.encrypted),
        plaintext: test.plaintext === undefined ? undefined : shorthandItem(test.plaintext),
      })
    }
  }
  const io = readJson(dir, 'iotest.json') as {
    DecryptTests: Array<{ Config: VectorConfig; EncryptedRecords: Record<string, JsonValue>[]; PlainTextRecords: Record<string, JsonValue>[] }>
  }
  io.DecryptTests.forEach((test, t) => {
    test.EncryptedRecords.forEach((encrypted, r) => {
      records.push({ id: `iotest.json#DecryptTests[${t}][${r}]`, positive: true, config: test.Config, encrypted: itemFromDynamoJson(encrypted), plaintext: shorthandItem(test.PlainTextRecords[r]) })
    })
  })
  return records
}

function shorthandItem(item: Record<string, JsonValue>): Item {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, fromShorthand(value)]))
}
