import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms'
import { main } from '../../lib/cli/main'

const ROOT = join(__dirname, '..', '..')

function capture(): { io: { stdout: { write(chunk: string): boolean }; stderr: { write(chunk: string): boolean } }; out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    io: {
      stdout: { write: (chunk: string) => ((out += chunk), true) },
      stderr: { write: (chunk: string) => ((err += chunk), true) },
    },
    out: () => out,
    err: () => err,
  }
}

describe('dynamodb-item-encryptor <command>', () => {
  it('--help lists the commands and exits 0', async () => {
    const { io, out } = capture()
    await expect(main(['--help'], io)).resolves.toBe(0)
    expect(out()).toMatch(/Usage: dynamodb-item-encryptor <command>/)
    expect(out()).toMatch(/\n {2}kms +run a local AWS KMS/)
  })

  it('an unknown or missing command says so and exits 2', async () => {
    const unknown = capture()
    await expect(main(['frobnicate'], unknown.io)).resolves.toBe(2)
    expect(unknown.err()).toMatch(/^Unknown command "frobnicate"/)
    const missing = capture()
    await expect(main([], missing.io)).resolves.toBe(2)
    expect(missing.err()).toMatch(/Usage:/)
  })

  it('kms --help and bad kms options', async () => {
    const help = capture()
    await expect(main(['kms', '--help'], help.io)).resolves.toBe(0)
    expect(help.out()).toMatch(/--data <file>/)
    for (const args of [['kms', '--port', 'abc'], ['kms', '--bogus'], ['kms', 'extra'], ['kms', '--account', '12']]) {
      const bad = capture()
      await expect(main(args, bad.io)).resolves.toBe(2)
      expect(bad.err()).not.toBe('')
    }
    // Messages name the flag the user typed.
    for (const [args, message] of [
      [['kms', '--port', '70000'], /^--port must be between 0 and 65535, not 70000\./],
      [['kms', '--account', 'abc'], /^--account must be a 12-digit AWS account id, not "abc"\./],
      [['kms', '--data='], /^--data needs a file name/],
    ] as const) {
      const bad = capture()
      await expect(main([...args], bad.io)).resolves.toBe(2)
      expect(bad.err()).toMatch(message)
    }
  })
})

describe('the kms command as a process', () => {
  let folder: string
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'kms-cli-'))
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  async function run(signal: NodeJS.Signals, dataFile: string): Promise<{ code: number | null; stdout: string; keyCount: number }> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'lib/cli/main.ts', 'kms', '--port', '0', '--data', dataFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no endpoint printed within 30 s: ${stdout}`)), 30_000)
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
          if (match !== null && stdout.includes('Press Ctrl+C')) {
            clearTimeout(timer)
            resolve(match[1] as string)
          }
        })
        void exited.then(() => reject(new Error(`exited early: ${stdout}`)))
      })
      const client = new KMSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 })
      await client.send(new CreateKeyCommand({}))
      const keyCount = (await client.send(new ListKeysCommand({}))).Keys!.length
      client.destroy()
      child.kill(signal)
      const code = await exited
      return { code, stdout, keyCount }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('serves, prints endpoint, credentials and an env snippet, and stops cleanly on %s', async (signal) => {
    const dataFile = join(folder, `${signal}`, 'kms.json')
    const first = await run(signal, dataFile)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/credentials {2}local \/ local/)
    expect(first.stdout).toMatch(/export AWS_ENDPOINT_URL_KMS=http:\/\/127\.0\.0\.1:\d+/)
    expect(first.stdout).toMatch(/export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local/)
    expect(first.stdout).toContain(dataFile)
    expect(first.stdout).toMatch(new RegExp(`${signal}: local KMS stopped after 2 requests`))
    expect(existsSync(dataFile)).toBe(true)
    // The data file carries the key over to the next run.
    const second = await run(signal, dataFile)
    expect(second.keyCount).toBe(2)
  })
})
