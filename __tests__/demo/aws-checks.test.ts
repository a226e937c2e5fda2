import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { checkAwsGlobalTable, keySchemaOf } from '../../lib/cli/demo/aws-table'
import { DemoFailure } from '../../lib/cli/demo/failure'
import { checkDemoMrk } from '../../lib/cli/demo/key-setup'
import type { AwsDemoPlan } from '../../lib/cli/demo/plan'
import { startLocalKms } from '../../lib/local'
import { newDynamoDBClient, testTableInput, uniqueTableName } from '../setup/dynamodb'

/**
 * The checks `demo --aws` runs before writing anything, exercised against the local KMS and DynamoDB Local
 * (they speak the same APIs): what exists is used, what is missing is reported with the command that fixes it,
 * and only `--create` replicates a key.
 */
type LocalKms = Awaited<ReturnType<typeof startLocalKms>>

const wait = { pollMs: 20, timeoutMs: 5_000 }
let kms: LocalKms
const kmsClients = new Map<string, KMSClient>()
const kmsFor = (region: string): KMSClient => {
  let client = kmsClients.get(region)
  if (client === undefined) {
    client = new KMSClient({ region, endpoint: kms.endpoint, credentials: { ...kms.credentials } })
    kmsClients.set(region, client)
  }
  return client
}

beforeAll(async () => {
  // Replicas stay Creating for a while, as on AWS: the check must wait for Enabled.
  kms = await startLocalKms({ host: '127.0.0.1', replicaCreationDelayMs: 300 })
})
afterAll(async () => {
  kmsClients.forEach((client) => client.destroy())
  await kms.close()
})

async function newMrk(region = 'us-east-1'): Promise<string> {
  const { KeyMetadata } = await kmsFor(region).send(new CreateKeyCommand({ MultiRegion: true }))
  return KeyMetadata!.Arn!
}

async function failureOf(promise: Promise<unknown>): Promise<DemoFailure> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!(outcome instanceof DemoFailure)) throw new Error(`expected a DemoFailure, got ${String(outcome)}`)
  return outcome
}

describe('demo --aws: the multi-Region key check', () => {
  it('without --create, reports a missing replica with the replicate-key command and creates nothing', async () => {
    const primary = await newMrk()
    const lines: string[] = []
    const failure = await failureOf(checkDemoMrk(kmsFor, primary, ['us-east-1', 'us-west-2'], { create: false, wait, progress: (l) => lines.push(l) }))
    expect(failure.what).toContain(`no replica in us-west-2`)
    expect(failure.check).toContain(`aws kms replicate-key --region us-east-1 --key-id ${primary} --replica-region us-west-2`)
    await expect(kmsFor('us-west-2').send(new DescribeKeyCommand({ KeyId: primary.replace('us-east-1', 'us-west-2') }))).rejects.toMatchObject({
      name: 'NotFoundException',
    })
    expect(kms.calls().filter((call) => call.operation === 'ReplicateKey' && call.keyId === primary)).toEqual([])
  })

  it('with --create, replicates the key from its primary and waits until the replica is Enabled', async () => {
    const primary = await newMrk()
    const lines: string[] = []
    // The reader's Region first: ReplicateKey still goes to the primary's Region.
    const found = await checkDemoMrk(kmsFor, primary, ['us-west-2', 'us-east-1'], { create: true, wait, progress: (l) => lines.push(l) })
    expect(found).toBe(primary)
    const west = primary.replace('us-east-1', 'us-west-2')
    const { KeyMetadata } = await kmsFor('us-west-2').send(new DescribeKeyCommand({ KeyId: west }))
    expect(KeyMetadata?.KeyState).toBe('Enabled')
    expect(lines.join('\n')).toMatch(new RegExp(`MRK replica +${west} +\\(replicated from us-east-1, Enabled after`))
  })

  it('finds the primary from a replica ARN and uses existing replicas as they are', async () => {
    const primary = await newMrk('eu-west-1')
    await checkDemoMrk(kmsFor, primary, ['eu-west-1', 'eu-central-1'], { create: true, wait, progress: () => undefined })
    const before = kms.calls().filter((call) => call.operation === 'ReplicateKey').length
    const found = await checkDemoMrk(kmsFor, primary.replace('eu-west-1', 'eu-central-1'), ['eu-central-1', 'eu-west-1'], {
      create: true,
      wait,
      progress: () => undefined,
    })
    expect(found).toBe(primary)
    expect(kms.calls().filter((call) => call.operation === 'ReplicateKey').length).toBe(before)
  })

  it('refuses a disabled replica, saying how to enable it', async () => {
    const primary = await newMrk()
    await checkDemoMrk(kmsFor, primary, ['us-east-1', 'us-east-2'], { create: true, wait, progress: () => undefined })
    const replica = primary.replace('us-east-1', 'us-east-2')
    await kmsFor('us-east-2').send(new DisableKeyCommand({ KeyId: replica }))
    const failure = await failureOf(checkDemoMrk(kmsFor, primary, ['us-east-1', 'us-east-2'], { create: false, wait, progress: () => undefined }))
    expect(failure.what).toBe(`The key ${replica} is Disabled, not Enabled.`)
    expect(failure.check).toContain(`aws kms enable-key --region us-east-2 --key-id ${replica}`)
  })

  it('refuses a key that does not exist', async () => {
    const failure = await failureOf(
      checkDemoMrk(kmsFor, 'arn:aws:kms:us-east-1:111122223333:key/mrk-00000000000000000000000000000000', ['us-east-1', 'us-west-2'], {
        create: true,
        wait,
        progress: () => undefined,
      }),
    )
    expect(failure.what).toMatch(/does not exist/)
  })
})

describe('demo --aws: the global table check', () => {
  const clients = new Map<string, DynamoDBClient>()
  const ddbFor = (region: string): DynamoDBClient => {
    let client = clients.get(region)
    if (client === undefined) {
      client = newDynamoDBClient(region)
      clients.set(region, client)
    }
    return client
  }
  afterAll(() => clients.forEach((client) => client.destroy()))

  const plan = (tableName: string, create = false): AwsDemoPlan => ({
    mode: 'aws',
    regions: ['us-east-1', 'us-west-2'],
    tableName,
    keyArn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
    create,
    dynamodb: { kind: 'aws' },
    kms: { kind: 'aws' },
  })
  const tableWait = { pollMs: 20, tableTimeoutMs: 2_000, replicaTimeoutMs: 2_000 }

  it('without --create, reports a missing table and creates nothing', async () => {
    const name = uniqueTableName('gt-missing')
    const failure = await failureOf(checkAwsGlobalTable(ddbFor, plan(name), tableWait, () => undefined))
    expect(failure.what).toBe(`Table ${name} does not exist in us-east-1.`)
    expect(failure.check).toMatch(/re-run with --create/)
    await expect(ddbFor('us-east-1').send(new DescribeTableCommand({ TableName: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('without --create, reports a table that is not replicated to the reader Region, with the update-table command', async () => {
    const name = uniqueTableName('gt-single')
    await ddbFor('us-east-1').send(new CreateTableCommand(testTableInput(name, { partitionKey: { name: 'customerId' } })))
    const failure = await failureOf(checkAwsGlobalTable(ddbFor, plan(name), tableWait, () => undefined))
    expect(failure.what).toContain(`has no replica in us-west-2`)
    expect(failure.check).toContain(`aws dynamodb update-table --region us-east-1 --table-name ${name} --replica-updates '[{"Create":{"RegionName":"us-west-2"}}]'`)
  })

  it('with --create, never makes an existing single-Region table global: it refuses and leaves the table as it was', async () => {
    const name = uniqueTableName('gt-existing')
    await ddbFor('us-east-1').send(new CreateTableCommand(testTableInput(name, { partitionKey: { name: 'customerId' } })))
    const sent: string[] = []
    const watched = (region: string): DynamoDBClient => {
      const client = ddbFor(region)
      return { send: (command: { constructor: { name: string } }) => (sent.push(command.constructor.name), client.send(command as never)) } as unknown as DynamoDBClient
    }
    const failure = await failureOf(checkAwsGlobalTable(watched, plan(name, true), tableWait, () => undefined))
    expect(failure.what).toContain('has no replica in us-west-2')
    expect(failure.check).toContain('bills every write there')
    expect(failure.check).toContain('pick a --table name that does not exist yet')
    expect(sent).not.toContain('UpdateTableCommand')
  })

  it('with --create, creates the missing table in the first Region with a NEW_AND_OLD_IMAGES stream, then asks for the replica', async () => {
    const name = uniqueTableName('gt-create')
    const lines: string[] = []
    // DynamoDB Local has no global tables, so the replica step fails there; on AWS it adds the replica.
    await expect(checkAwsGlobalTable(ddbFor, plan(name, true), tableWait, (l) => lines.push(l))).rejects.toThrow()
    const { Table } = await ddbFor('us-east-1').send(new DescribeTableCommand({ TableName: name }))
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' })
    expect(keySchemaOf(Table!, name)).toEqual({ partitionKey: { name: 'customerId', type: 'S' } })
    expect(lines[0]).toMatch(new RegExp(`Table +${name} in us-east-1 +\\(created, ACTIVE after`))
  })

  it('reads the key schema of an existing table, sort key and types included', async () => {
    const name = uniqueTableName('gt-schema')
    await ddbFor('us-east-1').send(
      new CreateTableCommand(testTableInput(name, { partitionKey: { name: 'tenant', type: 'N' }, sortKey: { name: 'id', type: 'B' } })),
    )
    const { Table } = await ddbFor('us-east-1').send(new DescribeTableCommand({ TableName: name }))
    expect(keySchemaOf(Table!, name)).toEqual({ partitionKey: { name: 'tenant', type: 'N' }, sortKey: { name: 'id', type: 'B' } })
  })
})
