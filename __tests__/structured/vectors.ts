import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'

/** Official DB-ESDK vectors are read in place (never copied into the repo). */
export function vectorsDir(): string {
  const repoRoot = resolve(__dirname, '..', '..')
  return process.env.DBESDK_VECTORS_DIR ?? resolve(repoRoot, '..', 'shared', 'vectors', 'dbesdk')
}

export function loadVectorFile(name: string): unknown | undefined {
  const path = join(vectorsDir(), name)
  if (!existsSync(path)) {
    // eslint-disable-next-line no-console
    console.warn(`DB-ESDK vector ${path} not found; set DBESDK_VECTORS_DIR to run the vector tests.`)
    return undefined
  }
  return JSON.parse(readFileSync(path, 'utf8')) as unknown
}

type DdbJson = Record<string, unknown>

/** DynamoDB JSON (binary as base64) → AttributeValue with Uint8Array binaries. */
export function fromDdbJson(value: DdbJson): AttributeValue {
  const [key] = Object.keys(value)
  const content = value[key]
  switch (key) {
    case 'B':
      return { B: new Uint8Array(Buffer.from(content as string, 'base64')) }
    case 'BS':
      return { BS: (content as string[]).map((b) => new Uint8Array(Buffer.from(b, 'base64'))) }
    case 'L':
      return { L: (content as DdbJson[]).map(fromDdbJson) }
    case 'M':
      return { M: Object.fromEntries(Object.entries(content as Record<string, DdbJson>).map(([k, v]) => [k, fromDdbJson(v)])) }
    default:
      return { [key]: content } as unknown as AttributeValue
  }
}

export interface VectorRecord {
  source: string
  config: { attributeActionsOnEncrypt: Record<string, string>; allowedUnsignedAttributes?: string[]; algorithmSuiteId?: string }
  encrypted: Record<string, DdbJson>
  positive: boolean
}

/** Every record of the decrypt manifests and iotest that is present. */
export function allVectorRecords(): VectorRecord[] {
  const records: VectorRecord[] = []
  for (const file of ['decrypt_java_32.json', 'decrypt_dotnet_32.json', 'decrypt_java_33.json', 'decrypt_dotnet_33.json']) {
    const manifest = loadVectorFile(file) as { tests: Record<string, { type: string; config: VectorRecord['config']; encrypted: VectorRecord['encrypted'] }> } | undefined
    if (manifest === undefined) continue
    for (const [id, test] of Object.entries(manifest.tests)) {
      records.push({ source: `${file}#${id}`, config: test.config, encrypted: test.encrypted, positive: test.type === 'positive-decrypt' })
    }
  }
  const iotest = loadVectorFile('iotest.json') as { DecryptTests: Array<{ Config: VectorRecord['config']; EncryptedRecords: VectorRecord['encrypted'][] }> } | undefined
  iotest?.DecryptTests.forEach((test, i) =>
    test.EncryptedRecords.forEach((encrypted, j) => records.push({ source: `iotest.json#DecryptTests[${i}][${j}]`, config: test.Config, encrypted, positive: true })),
  )
  return records
}

export function binaryOf(value: DdbJson): Buffer {
  return Buffer.from(value.B as string, 'base64')
}
