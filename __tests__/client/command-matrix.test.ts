import * as ddb from '@aws-sdk/client-dynamodb'
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  ImportTableCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  SearchVectorsCommand,
  StartBulkPutItemsCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  ScanCommand as RawScanCommand,
} from '@aws-sdk/client-dynamodb'
import type { EncryptedDynamoDBClient } from '../../lib/client'
import { CONTROL_PLANE_COMMANDS, HANDLED_DATA_COMMANDS, planRequest } from '../../lib/client/commands'
import { buildTables } from '../../lib/client/tables'
import { EncryptorError, isEncryptorError } from '../../lib/errors'
import type { Item } from '../../lib/types'
import { createOrdersTable, deleteTable, encryptedLowLevelClient, expectEncryptedAtRest, key, ordersConfig, rawGet, sampleItem, useEncryptedOrdersTable } from './support'

/*
 * Our own classification of every command @aws-sdk/client-dynamodb exports. A new SDK command fails the
 * first test until someone decides which kind it is.
 */
const ENCRYPTED_DATA = [
  'PutItemCommand',
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactGetItemsCommand',
  'TransactWriteItemsCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
]
/** Read or write item values in ways the client cannot encrypt or verify. */
const REFUSED_DATA = [
  'ExecuteStatementCommand',
  'BatchExecuteStatementCommand',
  'ExecuteTransactionCommand',
  'SearchVectorsCommand',
  'StartBulkPutItemsCommand',
  'ImportTableCommand',
]

const allCommands = Object.keys(ddb).filter((name) => name.endsWith('Command') && name !== '$Command')
const controlPlane = allCommands.filter((name) => !ENCRYPTED_DATA.includes(name) && !REFUSED_DATA.includes(name))

const orders = useEncryptedOrdersTable()
let plain: DynamoDBClient
let table: string
let client: EncryptedDynamoDBClient
beforeAll(() => ({ plain, table, client } = orders))

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'ok',
    (error: unknown) => error,
  )
}

function expectRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(EncryptorError)
  expect(isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')).toBe(true)
  expect((error as Error).message).toContain(`"${table}"`)
}

/** Every plaintext of an encrypted attribute that any test wrote must be absent from the whole table. */
async function expectNoPlaintextInTable(plaintexts: string[]): Promise<void> {
  const { Items = [] } = await plain.send(new RawScanCommand({ TableName: table, ConsistentRead: true }))
  const dump = JSON.stringify(Items, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value))
  for (const text of plaintexts) expect(dump).not.toContain(text)
}

describe('command matrix on a configured table', () => {
  it('classifies every exported DynamoDBClient command', () => {
    expect(allCommands.length).toBeGreaterThan(50)
    for (const name of [...ENCRYPTED_DATA, ...REFUSED_DATA]) expect(allCommands).toContain(name)
    // Control-plane commands manage tables, backups, tags or settings; none carries item values.
    for (const name of controlPlane) expect(name).toMatch(/^(Create|Delete|Describe|List|Update|Tag|Untag|Enable|Disable|Restore|Export|Get|Put|Cancel)/)
    for (const name of controlPlane) expect(name).not.toMatch(/Item|Statement|Transact|Query|Scan|Vector|BulkPut|^ImportTable/)
    // The client agrees: it passes through exactly these, and handles exactly the encrypting data commands.
    expect([...CONTROL_PLANE_COMMANDS].sort()).toEqual([...controlPlane].sort())
    expect([...HANDLED_DATA_COMMANDS].sort()).toEqual([...ENCRYPTED_DATA].sort())
  })

  it('every encrypting data command encrypts on write and verifies on read', async () => {
    const items = Array.from({ length: 6 }, (_, n) => sampleItem('matrix', `s${n}`, n))
    const sends: Record<string, () => Promise<unknown>> = {
      PutItemCommand: () => client.send(new PutItemCommand({ TableName: table, Item: items[0] })),
      BatchWriteItemCommand: () => client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: items[1] } }] } })),
      TransactWriteItemsCommand: () => client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: items[2] } }] })),
      UpdateItemCommand: () => client.send(new UpdateItemCommand({ TableName: table, Key: key('matrix', 's0'), UpdateExpression: 'SET lastSeen = :t', ExpressionAttributeValues: { ':t': { S: '2026-01-01T00:00:00Z' } } })),
      GetItemCommand: async () => expect((await client.send(new GetItemCommand({ TableName: table, Key: key('matrix', 's0') }))).Item).toEqual(items[0]),
      QueryCommand: async () =>
        expect((await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'matrix' } } }))).Items).toEqual(items.slice(0, 3)),
      ScanCommand: async () => expect((await client.send(new ScanCommand({ TableName: table }))).Items?.length).toBe(3),
      BatchGetItemCommand: async () =>
        expect((await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('matrix', 's1')] } } }))).Responses?.[table]).toEqual([items[1]]),
      TransactGetItemsCommand: async () =>
        expect((await client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: key('matrix', 's2') } }] }))).Responses?.[0].Item).toEqual(items[2]),
      DeleteItemCommand: async () =>
        expect((await client.send(new DeleteItemCommand({ TableName: table, Key: key('matrix', 's2'), ReturnValues: 'ALL_OLD' }))).Attributes).toEqual(items[2]),
    }
    expect(Object.keys(sends).sort()).toEqual([...ENCRYPTED_DATA].sort())
    for (const send of Object.values(sends)) await send() // writes first, then reads
    for (const n of [0, 1]) expectEncryptedAtRest(await rawGet(plain, table, 'matrix', `s${n}`), items[n])
    await expectNoPlaintextInTable(items.flatMap((item) => [item.secret.S!, item.card.M!.number.S!]))
  })

  it('every other data command naming the table is refused before anything is sent', async () => {
    const secret = 'plaintext-that-must-never-be-stored'
    const insert = `INSERT INTO "${table}" VALUE {'pk': 'partiql', 'sk': 'a', 'secret': '${secret}'}`
    const sends: Record<string, () => Promise<unknown>> = {
      ExecuteStatementCommand: () => client.send(new ExecuteStatementCommand({ Statement: insert })),
      BatchExecuteStatementCommand: () => client.send(new BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM ${table}` }, { Statement: insert }] })),
      ExecuteTransactionCommand: () => client.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: insert }] })),
      SearchVectorsCommand: () => client.send(new SearchVectorsCommand({ TableName: table, IndexName: 'vectors', SearchVector: [] } as never)),
      StartBulkPutItemsCommand: () => client.send(new StartBulkPutItemsCommand({ TableName: table } as never)),
      ImportTableCommand: () =>
        client.send(
          new ImportTableCommand({
            InputFormat: 'DYNAMODB_JSON',
            S3BucketSource: { S3Bucket: 'b' },
            TableCreationParameters: { TableName: table, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] },
          }),
        ),
    }
    expect(Object.keys(sends).sort()).toEqual([...REFUSED_DATA].sort())
    for (const name of REFUSED_DATA) expectRefusal(await outcome(sends[name]()))
    expect(await rawGet(plain, table, 'partiql', 'a')).toBeUndefined()
    await expectNoPlaintextInTable([secret])
  })

  it('PartiQL with comments that hide the table from a literal-aware scanner is refused too, in all three commands', async () => {
    const secret = 'plaintext-behind-a-comment'
    const statements = [
      `INSERT INTO /*'*/ "${table}" /*'*/ VALUE {'pk': 'partiql', 'sk': 'b', 'secret': '${secret}'}`,
      `INSERT INTO --'\n "${table}" VALUE {'pk': 'partiql', 'sk': 'c', 'secret': '${secret}'} --'`,
    ]
    for (const Statement of statements) {
      expectRefusal(await outcome(client.send(new ExecuteStatementCommand({ Statement }))))
      expectRefusal(await outcome(client.send(new BatchExecuteStatementCommand({ Statements: [{ Statement }] }))))
      expectRefusal(await outcome(client.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement }] }))))
    }
    for (const sk of ['b', 'c']) expect(await rawGet(plain, table, 'partiql', sk)).toBeUndefined()
    await expectNoPlaintextInTable([secret])
  })

  it('a table name, statement or expression that is not a plain string (it would serialize to one) is refused before anything is sent', async () => {
    const secret = 'plaintext-in-disguise'
    const item = { ...sampleItem('disguise', 'a', 7), secret: { S: secret } }
    const disguisedName = (): string => new String(table) as unknown as string
    const viaToJson = (): string => ({ toJSON: () => table }) as unknown as string
    const sends: Array<[string, () => Promise<unknown>]> = [
      ['PutItem TableName String', () => client.send(new PutItemCommand({ TableName: disguisedName(), Item: item }))],
      ['PutItem TableName toJSON', () => client.send(new PutItemCommand({ TableName: viaToJson(), Item: item }))],
      ['TransactWriteItems', () => client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: disguisedName(), Item: item } }] }))],
      ['ExecuteStatement', () => client.send(new ExecuteStatementCommand({ Statement: new String(`INSERT INTO "${table}" VALUE {'pk': 'disguise', 'sk': 'b', 'secret': '${secret}'}`) as unknown as string }))],
      [
        'UpdateItem UpdateExpression',
        () =>
          client.send(
            new UpdateItemCommand({ TableName: table, Key: key('disguise', 'c'), UpdateExpression: new String('SET secret = :s') as unknown as string, ExpressionAttributeValues: { ':s': { S: secret } } }),
          ),
      ],
    ]
    for (const [label, send] of sends) {
      const error = await outcome(send())
      expect([label, isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')]).toEqual([label, true])
      expect((error as Error).message).toMatch(/is an object (of class String|with a toJSON method)/)
      expect((error as Error).message).not.toContain(secret)
    }
    for (const sk of ['a', 'b', 'c']) expect(await rawGet(plain, table, 'disguise', sk)).toBeUndefined()
    await expectNoPlaintextInTable([secret])
  })

  it('PartiQL on a table that is not configured passes through', async () => {
    const other = await createOrdersTable(plain)
    try {
      await client.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${other}" VALUE {'pk': 'p', 'sk': 's', 'x': 'y'}` }))
      expect(await rawGet(plain, other, 'p', 's')).toEqual({ pk: { S: 'p' }, sk: { S: 's' }, x: { S: 'y' } })
    } finally {
      await deleteTable(plain, other)
    }
  })

  it('control-plane commands naming a configured table pass through to DynamoDB', async () => {
    // Some of them (DeleteTable, UpdateTable) change the table: use a configured table of its own.
    const scratch = await createOrdersTable(plain)
    const scratchClient = await encryptedLowLevelClient(plain, { tables: { [scratch]: ordersConfig() } })
    const tableArn = `arn:aws:dynamodb:ddblocal:000000000000:table/${scratch}`
    const input = { TableName: scratch, ResourceArn: tableArn, TableArn: tableArn, GlobalTableName: scratch, BackupArn: `${tableArn}/backup/1`, Tags: [{ Key: 'k', Value: 'v' }], TagKeys: ['k'], TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' }, S3Bucket: 'b', ExportArn: `${tableArn}/export/1`, ImportArn: `${tableArn}/import/1`, BulkOperationArn: `${tableArn}/bulk/1`, StreamArn: `${tableArn}/stream/1`, Policy: '{}' }
    const commands = ddb as unknown as Record<string, new (input: object) => Parameters<DynamoDBClient['send']>[0]>
    try {
      const described = await scratchClient.send(new ddb.DescribeTableCommand({ TableName: scratch }))
      expect(described.Table?.TableName).toBe(scratch)
      for (const name of controlPlane) {
        const result = await outcome(scratchClient.send(new commands[name](input)))
        // DynamoDB Local answers or rejects many of these; what matters is that the client did not refuse them.
        if (result instanceof EncryptorError) throw new Error(`${name} was refused: ${result.message}`)
      }
    } finally {
      scratchClient.destroy()
      await deleteTable(plain, scratch)
    }
  })

  it('a command the client does not know is refused when its input names a configured table, anywhere', async () => {
    const tables = buildTables({ tables: { [table]: ordersConfig() } })
    const unknown = (input: object): Promise<unknown> =>
      planRequest('FutureItemWriteCommand', input, tables, undefined).then(
        (plan) => (plan === undefined ? 'passed through' : plan),
        (error: unknown) => error,
      )
    expectRefusal(await unknown({ TableName: table }))
    expectRefusal(await unknown({ Target: { Resource: `arn:aws:dynamodb:us-east-1:111122223333:table/${table}` } }))
    expectRefusal(await unknown({ Items: { [table]: [{ x: 1 }] } }))
    expect(await unknown({ TableName: 'SomethingElse', Item: { note: { S: 'x' } } as Item })).toBe('passed through')
  })
})
