import { execFile, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { isEncryptorError } from '../../lib/errors'
import { javaMajorVersion, startDynamoDBLocal, type DynamoDBLocalHandle } from '../../lib/local/dynamodb-local'
import { localCredentials, testTableInput, uniqueTableName } from '../setup/dynamodb'

// These tests start their own DynamoDB Local processes (not the one of the global setup) to observe start and stop.

const scratch = mkdtempSync(join(tmpdir(), 'ddb-local-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function clientOf(endpoint: string, region = 'us-east-1'): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: { ...localCredentials }, maxAttempts: 1 })
}

async function tableNames(endpoint: string, region = 'us-east-1'): Promise<string[]> {
  const client = clientOf(endpoint, region)
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? []
  } finally {
    client.destroy()
  }
}

async function expectRefused(endpoint: string): Promise<void> {
  await expect(tableNames(endpoint)).rejects.toThrow(/ECONNREFUSED|connect/i)
}

/** An executable shell script standing in for `java`. */
function fakeJava(name: string, body: string): string {
  const path = join(scratch, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

async function expectLocalStackError(start: Promise<DynamoDBLocalHandle>, ...patterns: RegExp[]): Promise<void> {
  const error = await start.then(
    async (started) => {
      await started.close() // it should not have started; never leave it running
      return undefined
    },
    (caught: unknown) => caught,
  )
  expect(isEncryptorError(error, 'ERR_LOCAL_STACK')).toBe(true)
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern)
}

describe('startDynamoDBLocal', () => {
  test('starts on a free port with one database per Region, and close() stops it', async () => {
    const local = await startDynamoDBLocal()
    let closed = false
    try {
      expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const tableName = uniqueTableName('regions')
      const east = clientOf(local.endpoint, 'us-east-1')
      await east.send(new CreateTableCommand(testTableInput(tableName)))
      east.destroy()
      expect(await tableNames(local.endpoint, 'us-east-1')).toEqual([tableName])
      expect(await tableNames(local.endpoint, 'us-west-2')).toEqual([]) // no -sharedDb

      await local.close()
      closed = true
      await expectRefused(local.endpoint)
      await local.close() // idempotent
    } finally {
      if (!closed) await local.close()
    }
  })

  test('keeps tables in dbPath across restarts on a chosen port', async () => {
    const dbPath = join(scratch, 'db')
    const tableName = uniqueTableName('persisted')
    const port = await freePort()
    const first = await startDynamoDBLocal({ dbPath, port })
    try {
      expect(first.endpoint).toBe(`http://127.0.0.1:${port}`)
      const client = clientOf(first.endpoint)
      await client.send(new CreateTableCommand(testTableInput(tableName)))
      client.destroy()
    } finally {
      await first.close()
    }
    const second = await startDynamoDBLocal({ dbPath })
    try {
      expect(await tableNames(second.endpoint)).toEqual([tableName])
    } finally {
      await second.close()
    }
  })

  test('a missing java fails before spawning, saying to install OpenJDK 17', async () => {
    await expectLocalStackError(startDynamoDBLocal({ javaPath: join(scratch, 'no-such-java') }), /Java was not found/, /no-such-java/, /Java 17/, /apt-get install -y openjdk-17-jre-headless/)
  })

  test('no java on PATH fails the same way', async () => {
    // Jest gives test files a copy of process.env, so a real PATH without java needs a process of its own.
    const script = `require('./lib/local/dynamodb-local').startDynamoDBLocal().then(
      (h) => h.close().then(() => console.log(JSON.stringify({ started: true }))),
      (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`
    const outcome = JSON.parse(await runTypeScript(script, { PATH: join(scratch, 'empty-bin'), DYNAMODB_LOCAL_JAVA: '' })) as { code?: string; message?: string }
    expect(outcome.code).toBe('ERR_LOCAL_STACK')
    expect(outcome.message).toMatch(/Java was not found/)
    expect(outcome.message).toMatch(/`java` is not on PATH/)
    expect(outcome.message).toMatch(/apt-get install -y openjdk-17-jre-headless/)
  })

  test('DYNAMODB_LOCAL_JAVA chooses the java executable', async () => {
    const saved = process.env.DYNAMODB_LOCAL_JAVA
    process.env.DYNAMODB_LOCAL_JAVA = join(scratch, 'env-java-missing')
    try {
      await expectLocalStackError(startDynamoDBLocal(), /env-java-missing/)
    } finally {
      if (saved === undefined) delete process.env.DYNAMODB_LOCAL_JAVA
      else process.env.DYNAMODB_LOCAL_JAVA = saved
    }
  })

  test('a Java older than 17 is refused with its version', async () => {
    const java8 = fakeJava('java8', `echo 'java version "1.8.0_402"' >&2`)
    await expectLocalStackError(startDynamoDBLocal({ javaPath: java8 }), /is Java 8/, /needs Java 17\+/)
  })

  test('an early exit reports the exit code and the last lines it printed', async () => {
    const crashing = fakeJava(
      'crashing-java',
      `if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.1"' >&2; exit 0; fi
echo 'Error: Could not create the Java Virtual Machine.' >&2
echo 'Error: A fatal exception has occurred. Program will exit.' >&2
exit 3`,
    )
    await expectLocalStackError(startDynamoDBLocal({ javaPath: crashing }), /exited with code 3/, /Could not create the Java Virtual Machine/, /A fatal exception has occurred/)
  })

  test('a port that is in use is refused, naming the port', async () => {
    const blocker = await listen(0)
    try {
      const port = (blocker.address() as { port: number }).port
      await expectLocalStackError(startDynamoDBLocal({ port }), new RegExp(`port ${port} is in use`))
    } finally {
      await new Promise((done) => blocker.close(done))
    }
  })

  test('a lost race for a picked port is retried on another port', async () => {
    // The first launch fails the way Jetty does when someone took the port; later launches run the real java.
    const marker = join(scratch, 'bind-failed-once')
    const flaky = fakeJava(
      'flaky-java',
      `if [ "$1" != "-version" ] && [ ! -e '${marker}' ]; then
  touch '${marker}'
  echo 'Exception in thread "main" java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:1234' >&2
  echo 'Caused by: java.net.BindException: Address already in use' >&2
  exit 1
fi
exec java "$@"`,
    )
    const local = await startDynamoDBLocal({ javaPath: flaky })
    try {
      expect(existsSync(marker)).toBe(true) // the first launch did fail
      expect(await tableNames(local.endpoint)).toEqual([])
    } finally {
      await local.close()
    }
  })

  test('DynamoDB Local dies with the process that started it, even on SIGKILL', async () => {
    const starter = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', "require('./lib/local/dynamodb-local').startDynamoDBLocal().then((h) => console.log(h.endpoint))"],
      { cwd: PROJECT_ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' }, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const endpoint = await new Promise<string>((done, fail) => {
      let text = ''
      starter.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(text)
        if (match !== null) done(match[0])
      })
      starter.once('exit', (code) => fail(new Error(`starter exited with ${String(code)} before printing an endpoint`)))
    })
    expect(await tableNames(endpoint)).toEqual([])
    const starterExited = new Promise((done) => starter.once('exit', done))
    starter.kill('SIGKILL')
    await starterExited
    await eventually(() => expectRefused(endpoint), 15_000)
  })
})

describe('javaMajorVersion', () => {
  test.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_402"', 8],
    ['no version here', undefined],
  ])('%s → %s', (text, major) => {
    expect(javaMajorVersion(text)).toBe(major)
  })
})

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(port, () => done(server))
  })
}

async function freePort(): Promise<number> {
  const server = await listen(0)
  const { port } = server.address() as { port: number }
  await new Promise((done) => server.close(done))
  return port
}

const PROJECT_ROOT = join(__dirname, '..', '..')

/** Runs TypeScript source in a fresh Node process with extra environment variables; resolves its stdout. */
function runTypeScript(source: string, env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', source],
      { cwd: PROJECT_ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => (error === null ? done(stdout) : fail(new Error(`${error.message}\n${stderr}`))),
    )
  })
}

/** Retries an assertion until it passes or the time is up. */
async function eventually(assertion: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await assertion()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((done) => setTimeout(done, 200))
    }
  }
}

