import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KmsCall } from './kms-call-log'

const SHOWN_BINARY_BYTES = 16

/** `0a1b…` for the first bytes of a binary value, with its length: enough to see it is ciphertext. */
export function shortBinary(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SHOWN_BINARY_BYTES)).toString('hex')
  const length = `${bytes.byteLength} byte${bytes.byteLength === 1 ? '' : 's'}`
  return bytes.byteLength > SHOWN_BINARY_BYTES ? `${hex}… (${length})` : `${hex} (${length})`
}

/** One attribute value as DynamoDB holds it: its type tag and a readable, shortened value. */
export function describeAttributeValue(value: AttributeValue): { type: string; text: string } {
  if (value.S !== undefined) return { type: 'S', text: JSON.stringify(value.S) }
  if (value.N !== undefined) return { type: 'N', text: value.N }
  if (value.B !== undefined) return { type: 'B', text: shortBinary(value.B) }
  if (value.BOOL !== undefined) return { type: 'BOOL', text: String(value.BOOL) }
  if (value.NULL !== undefined) return { type: 'NULL', text: 'null' }
  if (value.SS !== undefined) return { type: 'SS', text: `[${value.SS.map((s) => JSON.stringify(s)).join(', ')}]` }
  if (value.NS !== undefined) return { type: 'NS', text: `[${value.NS.join(', ')}]` }
  if (value.BS !== undefined) return { type: 'BS', text: `[${value.BS.map(shortBinary).join(', ')}]` }
  if (value.L !== undefined) return { type: 'L', text: `[${value.L.map((v) => describeAttributeValue(v).text).join(', ')}]` }
  if (value.M !== undefined) {
    const entries = Object.entries(value.M).map(([k, v]) => `${JSON.stringify(k)}: ${describeAttributeValue(v).text}`)
    return { type: 'M', text: `{${entries.join(', ')}}` }
  }
  return { type: '?', text: '(unknown type)' }
}

/** Aligned `name  TYPE  value` lines, each with its note if any; the library's own attributes (aws_dbe_*) last. */
export function formatStoredItem(item: Record<string, AttributeValue>, notes: Readonly<Record<string, string>> = {}): string[] {
  const names = Object.keys(item).sort((a, b) => storedOrder(a) - storedOrder(b) || a.localeCompare(b))
  const width = Math.max(0, ...names.map((name) => name.length))
  const described = names.map((name) => ({ name, ...describeAttributeValue(item[name]) }))
  const textWidth = Math.max(0, ...described.map(({ text }) => text.length))
  return described.map(({ name, type, text }) => {
    const note = Object.hasOwn(notes, name) ? `  ${notes[name]}` : ''
    return `${name.padEnd(width)}  ${type.padEnd(2)}  ${note === '' ? text : text.padEnd(textWidth)}${note}`
  })
}

/** The item's own attributes first, then the header and the footer, as DB-ESDK writes them. */
function storedOrder(name: string): number {
  if (name === 'aws_dbe_head') return 1
  if (name === 'aws_dbe_foot') return 2
  return name.startsWith('aws_dbe_') ? 3 : 0
}

/** Aligned `name  value` lines of a plain (DocumentClient) item. */
export function formatPlainItem(item: Record<string, unknown>): string[] {
  const names = Object.keys(item).sort()
  const width = Math.max(0, ...names.map((name) => name.length))
  return names.map((name) => `${name.padEnd(width)}  ${formatPlainValue(item[name])}`)
}

function formatPlainValue(value: unknown): string {
  if (value instanceof Uint8Array) return shortBinary(value)
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Set) return `Set(${[...value].map(formatPlainValue).join(', ')})`
  if (Array.isArray(value)) return `[${value.map(formatPlainValue).join(', ')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${formatPlainValue(v)}`).join(', ')}}`
  }
  return JSON.stringify(value) ?? String(value)
}

/** `us-west-2  Decrypt ×1  arn:…  ok` lines: KMS calls grouped by Region, operation, key and outcome, in first-seen order. */
export function formatKmsCalls(calls: readonly KmsCall[]): string[] {
  const groups = new Map<string, { call: KmsCall; count: number }>()
  for (const call of calls) {
    const key = [call.region, call.operation, call.keyId ?? '', call.outcome].join('\u0000')
    const group = groups.get(key)
    if (group) group.count++
    else groups.set(key, { call, count: 1 })
  }
  return [...groups.values()].map(({ call, count }) =>
    [call.region.padEnd(14), `${call.operation} ×${count}`.padEnd(20), call.keyId ?? '-', call.outcome === 'ok' ? '' : '(failed)']
      .join('  ')
      .trimEnd(),
  )
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}
