import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand as DocQueryCommand } from '@aws-sdk/lib-dynamodb'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EncryptedDocumentClient, EncryptedDynamoDBClient } from '../../lib/client'
import { isEncryptorError } from '../../lib/errors'
import { newKeyring, ordersConfig } from './support'

// Resolution only: nothing is sent, the endpoint is never contacted.
const clientConfig = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }

/** The middleware order a command would run with, as the SDK itself reports it. */
function resolvedOrder(stackOwner: { middlewareStack: DynamoDBClient['middlewareStack']; config: object }, command: object): string[] {
  const stack = stackOwner.middlewareStack
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined)
  stack.identifyOnResolve(true)
  try {
    ;(command as { resolveMiddleware: (stack: unknown, config: object, options: object) => unknown }).resolveMiddleware(stack, stackOwner.config, {})
    return (log.mock.calls.at(-1)?.[0] as string[]).map((entry) => entry.split(' ')[0])
  } finally {
    stack.identifyOnResolve(false)
    log.mockRestore()
  }
}

function expectBetween(order: string[], before: string, ours: string, after: string): void {
  const [b, o, a] = [order.indexOf(before), order.indexOf(ours), order.indexOf(after)]
  expect(b).toBeGreaterThanOrEqual(0)
  expect(o).toBeGreaterThan(b)
  expect(a).toBeGreaterThan(o)
}

describe('middleware placement', () => {
  const encryption = { tables: { Orders: ordersConfig() } }

  it('low-level commands: encrypt before serializing, decrypt right after deserializing', () => {
    const client = new EncryptedDynamoDBClient({ ...clientConfig, encryption })
    for (const command of [new PutItemCommand({ TableName: 'Orders', Item: {} }), new GetItemCommand({ TableName: 'Orders', Key: {} })]) {
      const order = resolvedOrder(client, command)
      expectBetween(order, 'DocumentMarshall', 'dbeEncryptRequest', 'serializerMiddleware')
      expectBetween(order, 'DocumentUnmarshall', 'dbeDecryptResponse', 'deserializerMiddleware')
    }
  })

  it('DocumentClient commands: below marshalling and unmarshalling, so we see AttributeValue maps', () => {
    const documentClient = EncryptedDocumentClient.from(new DynamoDBClient(clientConfig), encryption)
    expect(documentClient).toBeInstanceOf(DynamoDBDocumentClient)
    for (const command of [new PutCommand({ TableName: 'Orders', Item: {} }), new GetCommand({ TableName: 'Orders', Key: {} })]) {
      const order = resolvedOrder(documentClient as never, command)
      expectBetween(order, 'DocumentMarshall', 'dbeEncryptRequest', 'serializerMiddleware')
      expectBetween(order, 'DocumentUnmarshall', 'dbeDecryptResponse', 'deserializerMiddleware')
      expect(order.filter((name) => name === 'DocumentMarshall')).toHaveLength(1)
    }
  })

  it('a plain DocumentClient over an EncryptedDynamoDBClient gets the same placement', () => {
    const documentClient = DynamoDBDocumentClient.from(new EncryptedDynamoDBClient({ ...clientConfig, encryption }))
    const order = resolvedOrder(documentClient as never, new PutCommand({ TableName: 'Orders', Item: {} }))
    expectBetween(order, 'DocumentMarshall', 'dbeEncryptRequest', 'serializerMiddleware')
    expectBetween(order, 'DocumentUnmarshall', 'dbeDecryptResponse', 'deserializerMiddleware')
  })

  it('the page step sits inside the deserializer, where the response is still HTTP', () => {
    const documentClient = EncryptedDocumentClient.from(new DynamoDBClient(clientConfig), encryption)
    for (const [owner, command] of [
      [new EncryptedDynamoDBClient({ ...clientConfig, encryption }), new QueryCommand({ TableName: 'Orders' })],
      [documentClient, new DocQueryCommand({ TableName: 'Orders' })],
    ] as const) {
      const order = resolvedOrder(owner as never, command)
      expect(order.indexOf('dbeReadPage')).toBe(order.indexOf('deserializerMiddleware') + 1)
      expectBetween(order, 'dbeDecryptResponse', 'deserializerMiddleware', 'dbeReadPage')
    }
  })

  it('EncryptedDocumentClient.from is idempotent for one config and refuses a second config on the same client', () => {
    const base = new DynamoDBClient(clientConfig)
    EncryptedDocumentClient.from(base, encryption)
    expect(() => EncryptedDocumentClient.from(base, encryption)).not.toThrow()
    const before = base.middlewareStack.identify().length
    EncryptedDocumentClient.from(base, encryption)
    expect(base.middlewareStack.identify().length).toBe(before)
    try {
      EncryptedDocumentClient.from(base, { tables: { Orders: ordersConfig(newKeyring()) } })
      throw new Error('expected a refusal')
    } catch (error) {
      expect(isEncryptorError(error, 'ERR_CONFIG_INVALID')).toBe(true)
    }
  })
})
