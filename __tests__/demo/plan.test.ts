import { isEncryptorError } from '../../lib/errors'
import { demoPermissions } from '../../lib/cli/demo/iam'
import { planDemo, type AwsDemoPlan, type DemoPlan } from '../../lib/cli/demo/plan'

const MRK = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'

function plan(argv: string[]): DemoPlan {
  const invocation = planDemo(argv, '/work/here')
  if (invocation.kind !== 'run') throw new Error(`expected a run, got ${invocation.kind}`)
  return invocation.plan
}

function usageErrorOf(argv: string[]): string {
  try {
    planDemo(argv, '/work/here')
  } catch (error) {
    if (isEncryptorError(error, 'ERR_CONFIG_INVALID')) return error.message
    throw error
  }
  throw new Error(`planDemo(${JSON.stringify(argv)}) did not refuse`)
}

describe('demo plan: local (default)', () => {
  it('starts both services locally, in memory, for us-east-1 then us-west-2 and table Customers', () => {
    expect(plan([])).toEqual({
      mode: 'local',
      regions: ['us-east-1', 'us-west-2'],
      tableName: 'Customers',
      tableNameGiven: false,
      dynamodb: { kind: 'start-local' },
      kms: { kind: 'start-local' },
      state: { kind: 'temporary' },
    })
  })

  it('keeps state in --data DIR, resolved against the working directory', () => {
    expect(plan(['--data', 'state'])).toMatchObject({ state: { kind: 'kept', dir: '/work/here/state' } })
    expect(plan(['--data=/abs/dir'])).toMatchObject({ state: { kind: 'kept', dir: '/abs/dir' } })
  })

  it('uses running services given by --dynamodb-endpoint and --kms-endpoint instead of starting them', () => {
    expect(plan(['--dynamodb-endpoint', 'http://localhost:8000/', '--kms-endpoint', 'http://localhost:4566'])).toMatchObject({
      dynamodb: { kind: 'external', url: 'http://localhost:8000' },
      kms: { kind: 'external', url: 'http://localhost:4566' },
    })
    expect(plan(['--kms-endpoint', 'http://kms:4566'])).toMatchObject({ dynamodb: { kind: 'start-local' }, kms: { kind: 'external' } })
  })

  it('takes --table and --regions (writer first)', () => {
    expect(plan(['--table', 'Orders.v2', '--regions', 'eu-west-1, ap-southeast-2'])).toMatchObject({
      tableName: 'Orders.v2',
      tableNameGiven: true,
      regions: ['eu-west-1', 'ap-southeast-2'],
    })
  })

  it('answers --help and -h with the help, even among other flags', () => {
    expect(planDemo(['--help'])).toEqual({ kind: 'help' })
    expect(planDemo(['--table', 'T12', '-h'])).toEqual({ kind: 'help' })
  })
})

describe('demo plan: --aws', () => {
  const awsArgs = ['--aws', '--table', 'Customers', '--key-arn', MRK, '--regions', 'us-east-1,us-west-2']

  it('configures no local endpoint and no credentials: real endpoints and the default credential chain', () => {
    const resolved = plan(awsArgs)
    expect(resolved).toEqual({
      mode: 'aws',
      regions: ['us-east-1', 'us-west-2'],
      tableName: 'Customers',
      keyArn: MRK,
      create: false,
      dynamodb: { kind: 'aws' },
      kms: { kind: 'aws' },
    })
    expect(JSON.stringify(resolved)).not.toMatch(/127\.0\.0\.1|localhost|endpoint|url|start-local|credentials/i)
  })

  it('creates nothing unless --create is given', () => {
    expect((plan(awsArgs) as AwsDemoPlan).create).toBe(false)
    expect((plan([...awsArgs, '--create']) as AwsDemoPlan).create).toBe(true)
  })

  it('accepts an MRK ARN of another partition and a replica ARN', () => {
    const gov = 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'
    expect(plan(['--aws', '--table', 'Customers', '--key-arn', gov, '--regions', 'us-gov-west-1,us-gov-east-1'])).toMatchObject({ keyArn: gov })
    const replica = MRK.replace('us-east-1', 'us-west-2')
    expect(plan(['--aws', '--table', 'Customers', '--key-arn', replica])).toMatchObject({ keyArn: replica })
  })

  it('lists per Region GenerateDataKey and Decrypt on that Region\'s key only', () => {
    const permissions = demoPermissions(plan(awsArgs) as AwsDemoPlan)
    expect(permissions.map((p) => p.region)).toEqual(['us-east-1', 'us-west-2'])
    for (const { region, groups } of permissions) {
      const app = groups.filter((g) => g.purpose.startsWith('application')).flatMap((g) => g.permissions)
      const kms = app.filter((p) => p.action.startsWith('kms:'))
      expect(kms.map((p) => p.action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey'])
      for (const permission of kms) expect(permission.resource).toBe(`arn:aws:kms:${region}:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab`)
      for (const permission of app.filter((p) => p.action.startsWith('dynamodb:'))) {
        expect(permission.resource).toBe(`arn:aws:dynamodb:${region}:111122223333:table/Customers`)
      }
      expect(groups.some((g) => g.purpose === 'with --create')).toBe(false)
    }
  })

  it('adds ReplicateKey (in the key\'s Region), CreateTable and CreateTableReplica with --create', () => {
    const permissions = demoPermissions(plan([...awsArgs, '--create']) as AwsDemoPlan)
    const actions = (region: string) =>
      permissions.find((p) => p.region === region)!.groups.find((g) => g.purpose === 'with --create')!.permissions.map((p) => p.action)
    expect(actions('us-east-1')).toEqual(expect.arrayContaining(['kms:ReplicateKey', 'dynamodb:CreateTable', 'dynamodb:UpdateTable']))
    expect(actions('us-west-2')).toEqual(expect.arrayContaining(['kms:CreateKey', 'dynamodb:CreateTableReplica']))
    expect(actions('us-west-2')).not.toContain('kms:ReplicateKey')
    expect(actions('us-east-1')).not.toContain('kms:CreateKey') // no replica is created in the primary's Region
  })

  it('asks for DescribeKey (and with --create ReplicateKey) in the key\'s Region even when the table is elsewhere', () => {
    const args = ['--aws', '--table', 'Customers', '--key-arn', MRK.replace('us-east-1', 'eu-west-1'), '--regions', 'us-east-1,us-west-2', '--create']
    const permissions = demoPermissions(plan(args) as AwsDemoPlan)
    expect(permissions.map((p) => p.region)).toEqual(['us-east-1', 'us-west-2', 'eu-west-1'])
    expect(permissions[2].groups.flatMap((g) => g.permissions.map((p) => p.action))).toEqual(['kms:DescribeKey', 'kms:ReplicateKey'])
    const withoutCreate = demoPermissions(plan(args.slice(0, -1)) as AwsDemoPlan)
    expect(withoutCreate.map((p) => p.region)).toEqual(['us-east-1', 'us-west-2', 'eu-west-1'])
    expect(withoutCreate[2].groups.flatMap((g) => g.permissions.map((p) => p.action))).toEqual(['kms:DescribeKey'])
  })
})

describe('demo flags: refused with a message naming the flag', () => {
  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['stray'], /unexpected argument "stray"/],
    [['--table'], /--table needs a value/],
    [['--table', '--aws'], /--table needs a value/],
    [['--table='], /--table needs a non-empty value/],
    [['--table', 'a', '--table', 'b'], /--table is given more than once/],
    [['--aws=yes'], /--aws takes no value/],
    [['--aws', '--table', 'Customers'], /--aws needs --key-arn/],
    [['--aws', '--key-arn', MRK], /--aws needs --table/],
    [['--aws', '--table', 'Customers', '--key-arn', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'], /single-Region key/],
    [['--aws', '--table', 'Customers', '--key-arn', 'alias/demo'], /not a multi-Region key ARN/],
    [['--aws', '--table', 'Customers', '--key-arn', MRK, '--dynamodb-endpoint', 'http://localhost:8000'], /--dynamodb-endpoint cannot be combined with --aws/],
    [['--aws', '--table', 'Customers', '--key-arn', MRK, '--data', 'x'], /--data cannot be combined with --aws/],
    [['--key-arn', MRK], /--key-arn is only for --aws/],
    [['--create'], /--create is only for --aws/],
    [['--regions', 'us-east-1'], /exactly two Regions/],
    [['--regions', 'us-east-1,us-west-2,eu-west-1'], /exactly two Regions/],
    [['--regions', 'us-east-1,us-east-1'], /must differ/],
    [['--regions', 'us-east-1,Mars'], /"Mars" is not a Region name/],
    [['--table', 'ab'], /not a DynamoDB table name/],
    [['--dynamodb-endpoint', 'localhost:8000'], /must be an http/],
    [['--kms-endpoint', 'not a url'], /is not a URL/],
    [['--data', 'd', '--dynamodb-endpoint', 'http://a:1', '--kms-endpoint', 'http://b:2'], /--data has nothing to keep/],
  ])('%j', (argv, message) => {
    const text = usageErrorOf(argv)
    expect(text).toMatch(message)
    expect(text).toMatch(/demo --help/)
  })
})
