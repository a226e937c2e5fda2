import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ItemVerificationError } from '../errors'
import type { Item } from '../types'
import { bufferView } from '../structured/bytes'
import { setOwn } from '../structured/own-property'

/*
 * A Query or Scan page of a configured table, or the BatchGetItem responses of configured tables, read from the HTTP
 * body by us instead of the SDK. The SDK converts every item of a response (each binary value from base64) in one
 * synchronous block: 12-18 ms of event loop for a 1 MB page of encrypted items on the benchmark machine, and a
 * BatchGetItem response may hold 16 MB. Here the body is parsed once (JSON.parse, a few ms), the SDK gets the rest of
 * the response without those items, and each item is converted only when its decryption starts, in the bounded turns
 * of the decryption. GetItem's one item is taken the same way: the SDK's schema-driven reading of it costs more than
 * JSON.parse and `readWireItem` (about 10 µs of a ~770 µs request without the network, in an A/B on the benchmark
 * machine).
 */

/** One item as DynamoDB sent it: AttributeValues in JSON, binary values as base64 strings. */
export type WireItem = Record<string, unknown>

export interface SplitPage {
  /** The response body without `Items`, for the SDK to read as usual (counts, LastEvaluatedKey, ConsumedCapacity). */
  rest: Uint8Array
  items: WireItem[]
}

/** What a plan took out of a response body: a page's `Items`, GetItem's `Item`, or BatchGetItem `Responses` entries by response key. */
export interface WireTaken {
  items?: WireItem[]
  item?: WireItem
  responses?: ReadonlyMap<string, WireItem[]>
}

export interface SplitResponses {
  /** The response body with the taken tables removed from `Responses` (UnprocessedKeys, ConsumedCapacity stay). */
  rest: Uint8Array
  responses: Map<string, WireItem[]>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isArrayOfRecords(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.every(isRecord)
}

/** The body as a JSON object, or `undefined` when it is not one (the SDK then reads, or rejects, it as usual). */
function parseObject(body: Uint8Array): Record<string, unknown> | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(bufferView(body).toString('utf8'))
  } catch {
    return undefined
  }
  return isRecord(parsed) ? parsed : undefined
}

/** Takes the top-level field `name` out of a JSON response body when `accepts` it; the rest of the body stays for the SDK. */
function takeField<T>(body: Uint8Array, name: string, accepts: (value: unknown) => value is T): { taken: T; rest: Uint8Array } | undefined {
  const parsed = parseObject(body)
  if (parsed === undefined) return undefined
  const { [name]: taken, ...rest } = parsed
  if (!accepts(taken)) return undefined
  return { taken, rest: Buffer.from(JSON.stringify(rest)) }
}

/**
 * Takes `Items` out of a JSON response body. `undefined` when the body is not a JSON object with an array of objects
 * under `Items`: the caller then hands the body to the SDK unchanged, which reads (or rejects) it as it always does.
 */
export function takeItems(body: Uint8Array): SplitPage | undefined {
  const split = takeField(body, 'Items', isArrayOfRecords)
  return split === undefined ? undefined : { items: split.taken as WireItem[], rest: split.rest }
}

/**
 * Takes GetItem's `Item` out of a JSON response body: the SDK then reads only the rest (ConsumedCapacity), and the item
 * is converted once, by `readWireItem`. `undefined` when there is no item or the body is not shaped so: the caller then
 * hands the body to the SDK unchanged.
 */
export function takeItem(body: Uint8Array): { item: WireItem; rest: Uint8Array } | undefined {
  const split = takeField(body, 'Item', isRecord)
  return split === undefined ? undefined : { item: split.taken, rest: split.rest }
}

/**
 * Takes the `Responses` entries of the tables `takes` names out of a BatchGetItem response body; the other tables'
 * entries stay for the SDK. `undefined` when the body is not shaped so or no table is taken: the SDK reads it unchanged.
 */
export function takeResponses(body: Uint8Array, takes: (responseKey: string) => boolean): SplitResponses | undefined {
  const parsed = parseObject(body)
  if (parsed === undefined || !isRecord(parsed.Responses)) return undefined
  const responses = new Map<string, WireItem[]>()
  const kept: Record<string, unknown> = {}
  for (const [name, items] of Object.entries(parsed.Responses)) {
    // A table may be named "__proto__": its entry must stay an entry.
    if (!takes(name)) setOwn(kept, name, items)
    else if (isArrayOfRecords(items)) responses.set(name, items as WireItem[])
    else return undefined
  }
  if (responses.size === 0) return undefined
  return { responses, rest: Buffer.from(JSON.stringify({ ...parsed, Responses: kept })) }
}

/** The SDK's own test for a base64 value (length a multiple of 4, standard alphabet, padding at the end only). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function notBase64(command: string, name: string): ItemVerificationError {
  return new ItemVerificationError(
    'ERR_DECRYPTION_FAILED',
    `${command}: DynamoDB returned attribute "${name}" with a binary value that is not base64; the page was not returned.`,
  )
}

function fromBase64(text: unknown, command: string, name: string): Uint8Array {
  if (typeof text !== 'string' || (text.length * 3) % 4 !== 0 || !BASE64.test(text)) throw notBase64(command, name)
  const bytes = Buffer.from(text, 'base64')
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Converts in place, as the SDK does: `B` and `BS` from base64, `L` and `M` member by member, the rest as sent. */
function readValue(value: unknown, command: string, name: string): AttributeValue {
  if (!isRecord(value)) {
    throw new ItemVerificationError('ERR_DECRYPTION_FAILED', `${command}: DynamoDB returned attribute "${name}" that is not an AttributeValue; the page was not returned.`)
  }
  if (typeof value.B === 'string') value.B = fromBase64(value.B, command, name)
  if (Array.isArray(value.BS)) value.BS = value.BS.map((member: unknown) => fromBase64(member, command, name))
  if (Array.isArray(value.L)) value.L = value.L.map((member: unknown) => readValue(member, command, name))
  if (isRecord(value.M)) {
    const map = value.M
    for (const key of Object.keys(map)) map[key] = readValue(map[key], command, name)
  }
  return value as unknown as AttributeValue
}

/** One item of a taken page in the form the SDK would have given it (binary values as Uint8Array). */
export function readWireItem(item: WireItem, command: string): Item {
  for (const name of Object.keys(item)) item[name] = readValue(item[name], command, name)
  return item as Item
}
