import { Readable } from 'node:stream'
import { setImmediate } from 'node:timers/promises'
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { EncryptedDocumentClient, ItemEncryptor, type Item } from '../lib'
import { makeItem, nativeItem, PARTITION_KEY, SORT_KEY, staticHierarchicalKeyring, tableConfig } from './items'

/*
 * What the client itself costs per request, with the network and DynamoDB taken out: every client gets a request
 * handler that answers at once (a PutItem with `{}`, a GetItem with the stored item), so the time per request is the
 * SDK's code plus ours on this thread. One event-loop turn passes between requests, as a real response would make it.
 * Three clients: the plain DocumentClient; EncryptedDocumentClient on a configured table (0x6700, hierarchical keyring,
 * warm); and EncryptedDocumentClient on a table it does not encrypt, which is what the encryption middleware costs a
 * request that it lets through.
 */

type HandleArgs = Parameters<NodeHttpHandler['handle']>
type HandleResult = Awaited<ReturnType<NodeHttpHandler['handle']>>

/** Answers PutItem with `{}` and GetItem with `getBody`; never opens a socket. */
class AnsweringHandler extends NodeHttpHandler {
  constructor(private readonly getBody: Buffer) {
    super()
  }

  override async handle(request: HandleArgs[0]): Promise<HandleResult> {
    const target = request.headers['x-amz-target'] ?? ''
    const body = target.endsWith('.GetItem') ? this.getBody : target.endsWith('.PutItem') ? Buffer.from('{}') : undefined
    if (body === undefined) throw new Error(`clients-without-network bench: unexpected request ${target}`)
    return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) }, body: Readable.from([body]) } }
  }
}

/** An AttributeValue as DynamoDB's JSON protocol carries it (binary values in base64). */
function wireValue(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') }
  if (value.L !== undefined) return { L: value.L.map(wireValue) }
  if (value.M !== undefined) return { M: wireItem(value.M) }
  return value
}

function wireItem(item: Item): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wireValue(value)]))
}

export interface ClientsWithoutNetworkFigures {
  /** Microseconds per request on this thread, median over the blocks. */
  put: { plain: number; encrypted: number; unconfiguredTable: number }
  get: { plain: number; encrypted: number; unconfiguredTable: number }
  requestsPerBlock: number
  blocks: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function measureClientsWithoutNetwork(options: { requestsPerBlock: number; blocks: number }, log: (line: string) => void): Promise<ClientsWithoutNetworkFigures> {
  const table = 'bench-cpu'
  const config = tableConfig('0x6700', staticHierarchicalKeyring())
  const template = makeItem(1024)
  const item = { ...template, [PARTITION_KEY]: { S: 'user-1' }, [SORT_KEY]: { N: '1' } }
  const stored = await new ItemEncryptor({ ...config, tableName: table }).encryptItem(item)
  const storedBody = Buffer.from(JSON.stringify({ Item: wireItem(stored) }))
  const plainBody = Buffer.from(JSON.stringify({ Item: wireItem(item) }))
  const low = (getBody: Buffer) => new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'bench', secretAccessKey: 'local' }, requestHandler: new AnsweringHandler(getBody) })
  const clients = {
    plain: { client: DynamoDBDocumentClient.from(low(plainBody)), table },
    encrypted: { client: EncryptedDocumentClient.from(low(storedBody), { tables: { [table]: config } }), table },
    unconfiguredTable: { client: EncryptedDocumentClient.from(low(plainBody), { tables: { [table]: config } }), table: 'bench-cpu-other' },
  }
  type Which = keyof typeof clients
  const names = Object.keys(clients) as Which[]
  const native = nativeItem(item)
  const key = { [PARTITION_KEY]: 'user-1', [SORT_KEY]: 1 }
  const request = async (which: Which, op: 'put' | 'get') => {
    const { client, table: tableName } = clients[which]
    if (op === 'put') await client.send(new PutCommand({ TableName: tableName, Item: native }))
    else if ((await client.send(new GetCommand({ TableName: tableName, Key: key }))).Item === undefined) throw new Error(`clients-without-network bench: ${which} get returned no item`)
    await setImmediate()
  }
  const samples = { put: { plain: [] as number[], encrypted: [] as number[], unconfiguredTable: [] as number[] }, get: { plain: [] as number[], encrypted: [] as number[], unconfiguredTable: [] as number[] } }
  for (const op of ['put', 'get'] as const) {
    for (const which of names) for (let i = 0; i < options.requestsPerBlock; i++) await request(which, op) // warm
    for (let block = 0; block < options.blocks; block++) {
      // Which client goes first rotates, so that drifts in machine speed hit all three.
      for (let k = 0; k < names.length; k++) {
        const which = names[(block + k) % names.length]
        const start = performance.now()
        for (let i = 0; i < options.requestsPerBlock; i++) await request(which, op)
        samples[op][which].push(((performance.now() - start) * 1000) / options.requestsPerBlock)
      }
    }
  }
  const figures = (op: 'put' | 'get') => ({ plain: median(samples[op].plain), encrypted: median(samples[op].encrypted), unconfiguredTable: median(samples[op].unconfiguredTable) })
  const result: ClientsWithoutNetworkFigures = { put: figures('put'), get: figures('get'), requestsPerBlock: options.requestsPerBlock, blocks: options.blocks }
  for (const op of ['put', 'get'] as const) {
    const r = result[op]
    log(`  ${op}: plain ${r.plain.toFixed(0)} µs, encrypted ${r.encrypted.toFixed(0)} µs (+${(r.encrypted - r.plain).toFixed(0)}), unconfigured table through the encrypted client ${r.unconfiguredTable.toFixed(0)} µs (+${(r.unconfiguredTable - r.plain).toFixed(0)})`)
  }
  return result
}
