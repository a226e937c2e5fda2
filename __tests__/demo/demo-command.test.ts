import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import { startLocalKms } from '../../lib/local'
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { LOCAL_DYNAMODB_CREDENTIALS } from '../../lib/cli/demo/services'
import { createTestTable, ddbEndpoint, testTableInput, uniqueTableName } from '../setup/dynamodb'

/**
 * `dynamodb-item-encryptor demo` as a user runs it: a child process of the TypeScript entry point (so the test
 * does not depend on a build), its exit code and its output.
 */
const root = join(__dirname, '..', '..')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 110_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join('lib', 'cli', 'main.ts'), ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_EC2_METADATA_DISABLED: 'true',
        TS_NODE_PROJECT: join(root, 'tsconfig.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error(`demo ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The five steps, numbered as in the blog's figure, in order, for the direction that starts at `title`. */
function expectFiveSteps(stdout: string, title: string, writer: string, reader: string): void {
  const start = stdout.indexOf(title)
  expect(start).toBeGreaterThanOrEqual(0)
  const section = stdout.slice(start)
  const steps = [
    ` 1  Encrypt the record with the`,
    ` 2  Put it in ${writer}`,
    ` 3  Global-table replication ${writer} → ${reader}`,
    ` 4  Get it in ${reader}: the item as DynamoDB holds it`,
    ` 5  Decrypt it with the`,
  ]
  let from = 0
  for (const step of steps) {
    const at = section.indexOf(step, from)
    expect({ step, found: at >= from }).toEqual({ step, found: true })
    from = at
  }
}

/** DynamoDB Local keeps one database per access key: see what the demo sees, through its credentials. */
function demoDynamoDBClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, endpoint: ddbEndpoint(), credentials: { ...LOCAL_DYNAMODB_CREDENTIALS } })
}

function portIsClosed(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

describe('demo, run as a child process', () => {
  it('starts DynamoDB Local and the local KMS itself, prints steps 1 to 5 both ways, exits 0 and stops what it started', async () => {
    const run = await runCli(['demo'])
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    const out = run.stdout
    expectFiveSteps(out, 'Direction 1 of 2: write in us-east-1, read in us-west-2', 'us-east-1', 'us-west-2')
    expectFiveSteps(out, 'Direction 2 of 2: write in us-west-2, read in us-east-1', 'us-west-2', 'us-east-1')

    const primary = /MRK primary\s+(arn:aws:kms:us-east-1:\d{12}:key\/(mrk-[0-9a-f]{32}))/.exec(out)
    expect(primary).not.toBeNull()
    const keyId = primary![2]
    // Each reader decrypted with its own Region's key: us-west-2 first, us-east-1 on the way back.
    const decryptedBy = [...out.matchAll(/decrypted by\s+(\S+)/g)].map((match) => match[1])
    expect(decryptedBy).toEqual([`arn:aws:kms:us-west-2:${primary![1].split(':')[4]}:key/${keyId}`, primary![1]])
    // The stored item is ciphertext: email is binary, shortened, and its plaintext is not shown in step 4.
    const step4 = out.slice(out.indexOf(' 4  Get it in us-west-2'), out.indexOf(' 5  Decrypt it with the'))
    expect(step4).toMatch(/email\s+B\s+[0-9a-f]{32}… \(\d+ bytes\)/)
    expect(step4).toMatch(/aws_dbe_head\s+B\s/)
    expect(step4).not.toContain('maria.garcia@example.com')
    expect(out).toMatch(/✓ the decrypted item equals the record of step 1; the us-west-2 client made no KMS call outside us-west-2/)
    expect(out).toMatch(/^OK\s/m)
    expect(out).not.toContain('\u001b[') // not a terminal: no colour codes

    for (const endpoint of out.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? []) expect(await portIsClosed(endpoint)).toBe(true)
  }, 120_000)

  it('uses running services given by --dynamodb-endpoint and --kms-endpoint (docker-compose style), on a table name still free', async () => {
    const kms = await startLocalKms({ host: '127.0.0.1' })
    // An earlier run's table: the demo must leave it alone and pick the next free name.
    const earlier = demoDynamoDBClient('ap-southeast-2')
    await earlier.send(new CreateTableCommand(testTableInput('Customers')))
    try {
      const run = await runCli(['demo', '--dynamodb-endpoint', ddbEndpoint(), '--kms-endpoint', kms.endpoint, '--regions', 'eu-west-1,ap-southeast-2'])
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
      expect(run.stdout).toMatch(/Global table {2}Customers-2 in eu-west-1 and ap-southeast-2/)
      expect((await earlier.send(new ScanCommand({ TableName: 'Customers' }))).Count).toBe(0)
      expectFiveSteps(run.stdout, 'Direction 1 of 2: write in eu-west-1, read in ap-southeast-2', 'eu-west-1', 'ap-southeast-2')
      expectFiveSteps(run.stdout, 'Direction 2 of 2: write in ap-southeast-2, read in eu-west-1', 'ap-southeast-2', 'eu-west-1')
      expect(run.stdout).toContain(`${ddbEndpoint()}  (running service)`)
      // The KMS the demo was pointed at saw the key set up and the application calls, each in the expected Region.
      const calls = kms.calls()
      expect(calls.filter((call) => call.operation === 'GenerateDataKey').map((call) => call.region)).toEqual(['eu-west-1', 'ap-southeast-2'])
      expect(calls.filter((call) => call.operation === 'Decrypt').map((call) => call.region)).toEqual(['ap-southeast-2', 'eu-west-1'])
      expect(await portIsClosed(kms.endpoint)).toBe(false) // not the demo's to stop
    } finally {
      earlier.destroy()
      await kms.close()
    }
  }, 120_000)
})

describe('demo state and interruption', () => {
  it('keeps the KMS key file and the DynamoDB databases in --data DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-data-'))
    try {
      const run = await runCli(['demo', '--data', dir])
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
      const keyId = /MRK primary\s+arn:aws:kms:us-east-1:\d{12}:key\/(mrk-[0-9a-f]{32})/.exec(run.stdout)?.[1]
      expect(keyId).toBeDefined()
      expect(readFileSync(join(dir, 'kms.json'), 'utf8')).toContain(keyId)
      expect(readdirSync(join(dir, 'dynamodb'))).toEqual(expect.arrayContaining(['demo_us-east-1.db', 'demo_us-west-2.db']))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('on SIGINT stops DynamoDB Local and the local KMS it started, and exits 130', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join('lib', 'cli', 'main.ts'), 'demo'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)))
    // Interrupt as soon as both services are up, before the scenario ends.
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`services did not start:\n${stdout}\n${stderr}`)), 60_000)
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8')
        if (/KMS +http/.test(stdout)) {
          clearTimeout(timer)
          done()
        }
      })
    })
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toMatch(/SIGINT: stopping the services the demo started/)
    const endpoints = stdout.match(/http:\/\/127\.0\.0\.1:\d+/g) ?? []
    expect(endpoints).toHaveLength(2)
    for (const endpoint of endpoints) expect(await portIsClosed(endpoint)).toBe(true)
  }, 90_000)
})

describe('demo failures: exit code and a message that says what to check', () => {
  it('exits 2 on an unknown flag, naming it', async () => {
    const run = await runCli(['demo', '--bogus'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/unknown flag --bogus/)
    expect(run.stdout).toBe('')
  })

  it('exits 2 on --aws without --key-arn, before touching AWS', async () => {
    const run = await runCli(['demo', '--aws', '--table', 'Customers'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--aws needs --key-arn/)
  })

  it('exits 2 on --aws while AWS_ENDPOINT_URL_KMS points the SDK elsewhere, naming the variable, before touching anything', async () => {
    const args = ['demo', '--aws', '--table', 'Customers', '--key-arn', 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab']
    const run = await runCli(args, { AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4566' })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--aws uses the real AWS endpoints, but AWS_ENDPOINT_URL_KMS=http:\/\/127\.0\.0\.1:4566 would send/)
    expect(run.stdout).toBe('')
  })

  it('prints the help and exits 0', async () => {
    const run = await runCli(['demo', '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/--dynamodb-endpoint URL/)
    expect(run.stdout).toMatch(/--create/)
  })

  it('exits 1 when Java is missing, saying how to install it', async () => {
    const run = await runCli(['demo'], { DYNAMODB_LOCAL_JAVA: join(root, 'no-such-java') })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/FAILED\s+Starting DynamoDB Local failed/)
    expect(run.stderr).toMatch(/What to check: DynamoDB Local needs Java 17/)
    expect(run.stderr).toMatch(/openjdk-17-jre-headless/)
  })

  it('exits 1 when the table given by --table exists, without writing to it', async () => {
    const kms = await startLocalKms({ host: '127.0.0.1' })
    const client = demoDynamoDBClient('us-east-1')
    try {
      const table = await createTestTable(client, { prefix: 'taken', key: { partitionKey: { name: 'customerId' } } })
      const run = await runCli(['demo', '--dynamodb-endpoint', ddbEndpoint(), '--kms-endpoint', kms.endpoint, '--table', table])
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`FAILED  Table ${table} already exists in DynamoDB Local at ${ddbEndpoint()}.`)
      expect(run.stderr).toMatch(/What to check: .*pass another --table NAME/)
      expect((await client.send(new ScanCommand({ TableName: table }))).Count).toBe(0)
    } finally {
      client.destroy()
      await kms.close()
    }
  }, 60_000)

  it('exits 1 when nothing answers at --kms-endpoint, pointing at docker-compose', async () => {
    const closed = await startLocalKms({ host: '127.0.0.1' })
    await closed.close()
    const run = await runCli(['demo', '--dynamodb-endpoint', ddbEndpoint(), '--kms-endpoint', closed.endpoint, '--table', uniqueTableName('demo')])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/FAILED\s+Creating the multi-Region key failed/)
    expect(run.stderr).toMatch(/docker-compose up/)
  })
})
