import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand, KMSClient,
  ListAliasesCommand, ListKeysCommand, ReplicateKeyCommand, ScheduleKeyDeletionCommand, SignCommand, TagResourceCommand,
  UpdatePrimaryRegionCommand, VerifyCommand,
} from '@aws-sdk/client-kms'
import { isEncryptorError } from '../../lib/errors'
import { startLocalKms, type LocalKms } from '../../lib/local'
import { expectKmsError, kmsClient } from './support'

const EAST = 'us-east-1'
const WEST = 'us-west-2'
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
let folder: string

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'local-kms-'))
})
afterAll(() => rmSync(folder, { recursive: true, force: true }))

function freshFile(name: string): string {
  return join(folder, `${name}-${Math.random().toString(36).slice(2)}`, 'kms.json')
}

async function withKms<T>(dataFile: string, use: (kms: LocalKms, client: (region: string) => KMSClient) => Promise<T>): Promise<T> {
  const kms = await startLocalKms({ dataFile })
  const clients: KMSClient[] = []
  try {
    return await use(kms, (region) => {
      const client = kmsClient(kms, region)
      clients.push(client)
      return client
    })
  } finally {
    clients.forEach((client) => client.destroy())
    await kms.close()
  }
}

describe('restart on the same data file', () => {
  it('restores every key, replica, alias, state, tag and description; old ciphertext still decrypts', async () => {
    const dataFile = freshFile('restore')
    const before = await withKms(dataFile, async (_kms, client) => {
      const mrk = (await client(EAST).send(new CreateKeyCommand({ MultiRegion: true, Description: 'mrk' }))).KeyMetadata!
      await client(EAST).send(new ReplicateKeyCommand({ KeyId: mrk.KeyId, ReplicaRegion: WEST, Description: 'west' }))
      await client(EAST).send(new ReplicateKeyCommand({ KeyId: mrk.KeyId, ReplicaRegion: 'eu-west-1' }))
      await client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: mrk.KeyId, PrimaryRegion: WEST }))
      const disabled = (await client(EAST).send(new CreateKeyCommand({ Tags: [{ TagKey: 't', TagValue: 'v' }] }))).KeyMetadata!
      await client(EAST).send(new DisableKeyCommand({ KeyId: disabled.KeyId }))
      const doomed = (await client(EAST).send(new CreateKeyCommand({}))).KeyMetadata!
      await client(EAST).send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 9 }))
      await client(EAST).send(new TagResourceCommand({ KeyId: mrk.KeyId, Tags: [{ TagKey: 'env', TagValue: 'dev' }] }))
      await client(WEST).send(new CreateAliasCommand({ AliasName: 'alias/west-data', TargetKeyId: mrk.KeyId }))
      const signing = (await client(EAST).send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!
      const signature = (await client(EAST).send(new SignCommand({ KeyId: signing.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_384' }))).Signature
      const blob = (await client(EAST).send(new EncryptCommand({ KeyId: mrk.Arn, Plaintext: Buffer.from('kept'), EncryptionContext: { a: 'b' } }))).CiphertextBlob
      const describe = async (region: string, keyId: string) => (await client(region).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
      return {
        mrk, signing, signature, blob,
        described: [await describe(EAST, mrk.KeyId!), await describe(WEST, mrk.KeyId!), await describe('eu-west-1', mrk.KeyId!),
          await describe(EAST, disabled.KeyId!), await describe(EAST, doomed.KeyId!), await describe(EAST, signing.KeyId!)],
        aliases: (await client(WEST).send(new ListAliasesCommand({}))).Aliases,
        eastKeys: (await client(EAST).send(new ListKeysCommand({}))).Keys,
      }
    })
    expect(statSync(dataFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(dataFile, 'utf8')).toContain('Key material is stored unencrypted')

    await withKms(dataFile, async (_kms, client) => {
      const describe = async (region: string, keyId: string) => (await client(region).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
      const after = [
        await describe(EAST, before.mrk.KeyId!), await describe(WEST, before.mrk.KeyId!), await describe('eu-west-1', before.mrk.KeyId!),
        await describe(EAST, before.described[3]!.KeyId!), await describe(EAST, before.described[4]!.KeyId!), await describe(EAST, before.signing.KeyId!),
      ]
      expect(after).toEqual(before.described)
      expect(after[1]?.MultiRegionConfiguration?.MultiRegionKeyType).toBe('PRIMARY')
      expect(after[3]?.KeyState).toBe('Disabled')
      expect(after[4]?.KeyState).toBe('PendingDeletion')
      expect((await client(WEST).send(new ListAliasesCommand({}))).Aliases).toEqual(before.aliases)
      expect((await client(EAST).send(new ListKeysCommand({}))).Keys).toEqual(before.eastKeys)
      const decrypted = await client(WEST).send(new DecryptCommand({ CiphertextBlob: before.blob, KeyId: 'alias/west-data', EncryptionContext: { a: 'b' } }))
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('kept')
      const verified = await client(EAST).send(
        new VerifyCommand({ KeyId: before.signing.KeyId, Message: Buffer.from('m'), Signature: before.signature, SigningAlgorithm: 'ECDSA_SHA_384' }),
      )
      expect(verified.SignatureValid).toBe(true)
    })
  })
})

describe('Region names the data file could not hold', () => {
  it('ReplicateKey and UpdatePrimaryRegion refuse a name that passes the API pattern but is no Region; the file still loads', async () => {
    const dataFile = freshFile('regions')
    await withKms(dataFile, async (_kms, client) => {
      const { KeyMetadata } = await client(EAST).send(new CreateKeyCommand({ MultiRegion: true }))
      for (const region of ['us-east-100', 'useast-east-1']) {
        await expectKmsError(client(EAST).send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: region })), {
          name: 'UnsupportedOperationException',
          message: new RegExp(`ReplicaRegion ${region} is not an AWS Region name`),
        })
        await expectKmsError(client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: KeyMetadata!.KeyId, PrimaryRegion: region })), {
          name: 'UnsupportedOperationException',
          message: new RegExp(`PrimaryRegion ${region} is not an AWS Region name`),
        })
      }
    })
    await withKms(dataFile, async (_kms, client) => {
      expect((await client(EAST).send(new ListKeysCommand({}))).Keys).toHaveLength(1)
    })
  })
})

describe('one server per data file', () => {
  it('a second server on a file in use is refused, naming the owner; after the first stops, it starts', async () => {
    const dataFile = freshFile('shared')
    const first = await startLocalKms({ dataFile })
    let firstClosed = false
    try {
      const refused = await startLocalKms({ dataFile }).then(
        async (second) => {
          await second.close()
          return undefined
        },
        (error: unknown) => error,
      )
      expect(isEncryptorError(refused, 'ERR_LOCAL_STACK')).toBe(true)
      expect((refused as Error).message).toContain(`the data file ${dataFile} is in use by another server in this process`)
      expect(readFileSync(`${dataFile}.lock`, 'utf8').trim()).toBe(String(process.pid))
      await first.close()
      firstClosed = true
      expect(readdirSync(join(dataFile, '..'))).not.toContain('kms.json.lock')
      await withKms(dataFile, async () => undefined)
    } finally {
      if (!firstClosed) await first.close()
    }
  })

  it('a lock left by a process that no longer runs is taken over', async () => {
    const dataFile = freshFile('stale-lock')
    const gone = spawn(process.execPath, ['-e', ''])
    const pid = gone.pid
    await new Promise((resolve) => gone.once('exit', resolve))
    mkdirSync(join(dataFile, '..'), { recursive: true })
    writeFileSync(`${dataFile}.lock`, `${pid}\n`)
    await withKms(dataFile, async (_kms, client) => {
      await client(EAST).send(new CreateKeyCommand({}))
      expect(readFileSync(`${dataFile}.lock`, 'utf8').trim()).toBe(String(process.pid))
    })
  })
})

describe('a data file that cannot be read back', () => {
  async function expectRefused(content: string | Buffer, reason: RegExp): Promise<void> {
    const dataFile = freshFile('corrupt')
    mkdirSync(join(dataFile, '..'), { recursive: true })
    writeFileSync(dataFile, content)
    const before = readFileSync(dataFile)
    let caught: unknown
    try {
      const kms = await startLocalKms({ dataFile })
      await kms.close()
    } catch (error) {
      caught = error
    }
    expect(isEncryptorError(caught, 'ERR_LOCAL_STACK')).toBe(true)
    expect((caught as Error).message).toContain(dataFile)
    expect((caught as Error).message).toMatch(/is corrupt/)
    expect((caught as Error).message).toMatch(reason)
    expect(readFileSync(dataFile)).toEqual(before) // never overwritten
  }

  let valid: Record<string, unknown>
  beforeAll(async () => {
    const dataFile = freshFile('valid')
    await withKms(dataFile, async (_kms, client) => {
      const { KeyMetadata } = await client(EAST).send(new CreateKeyCommand({ MultiRegion: true }))
      await client(EAST).send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: WEST }))
      await client(EAST).send(new CreateAliasCommand({ AliasName: 'alias/a', TargetKeyId: KeyMetadata!.KeyId }))
    })
    valid = JSON.parse(readFileSync(dataFile, 'utf8')) as Record<string, unknown>
  })
  const mutate = (change: (doc: any) => void): string => {
    const doc = JSON.parse(JSON.stringify(valid))
    change(doc)
    return JSON.stringify(doc)
  }

  it('is refused, with the reason, and left untouched', async () => {
    await expectRefused('', /not valid JSON|Unexpected end/)
    await expectRefused('{"format":', /Unexpected end|JSON/)
    await expectRefused(JSON.stringify(valid).slice(0, 200), /JSON/)
    await expectRefused(Buffer.from([0xff, 0xfe, 0x00]), /JSON|token/)
    await expectRefused('[]', /the document is not an object/)
    await expectRefused(mutate((doc) => { doc.format = 'something-else' }), /"format"/)
    await expectRefused(mutate((doc) => { doc.version = 99 }), /"version" 99 is not supported/)
    await expectRefused(mutate((doc) => { doc.accountId = 'x' }), /accountId/)
    await expectRefused(mutate((doc) => { doc.materials[0].secret = Buffer.alloc(31).toString('base64') }), /not valid SYMMETRIC_DEFAULT key material/)
    await expectRefused(mutate((doc) => { doc.materials = [] }), /no material for key/)
    await expectRefused(mutate((doc) => { doc.keys[0].state = 'Melted' }), /is not a key state/)
    await expectRefused(mutate((doc) => { doc.keys[1].multiRegionRole = 'PRIMARY' }), /does not have exactly one primary/)
    await expectRefused(mutate((doc) => { doc.keys.push(doc.keys[0]) }), /appears twice/)
    await expectRefused(mutate((doc) => { doc.aliases[0].targetKeyId = '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa' }), /target key .* does not exist/)
    await expectRefused(mutate((doc) => { doc.keys[0].creationDate = 'yesterday' }), /creationDate/)
  })

  it('refuses a file of another account when accountId is given', async () => {
    const dataFile = freshFile('account')
    await withKms(dataFile, async () => undefined)
    await expect(startLocalKms({ dataFile, accountId: '444455556666' })).rejects.toThrow(/belongs to account 111122223333, not 444455556666/)
  })
})

describe('a change that cannot be written', () => {
  it('is answered KMSInternalException (500) and rolled back', async () => {
    const dataFile = freshFile('unwritable')
    await withKms(dataFile, async (_kms, client) => {
      const kept = (await client(EAST).send(new CreateKeyCommand({}))).KeyMetadata!
      // The rename onto the data file fails while a non-empty folder stands at its path.
      rmSync(dataFile)
      mkdirSync(join(dataFile, 'blocker'), { recursive: true })
      await expectKmsError(client(EAST).send(new CreateKeyCommand({})), { name: 'KMSInternalException', status: 500, message: /The local KMS failed/ })
      await expectKmsError(client(EAST).send(new DisableKeyCommand({ KeyId: kept.KeyId })), { name: 'KMSInternalException', status: 500 })
      expect((await client(EAST).send(new ListKeysCommand({}))).Keys?.map((key) => key.KeyId)).toEqual([kept.KeyId])
      expect((await client(EAST).send(new DescribeKeyCommand({ KeyId: kept.KeyId }))).KeyMetadata?.KeyState).toBe('Enabled')
      rmSync(dataFile, { recursive: true })
      await client(EAST).send(new CreateKeyCommand({}))
      expect((await client(EAST).send(new ListKeysCommand({}))).Keys).toHaveLength(2)
    })
    expect(readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })
})

describe('SIGKILL during a stream of changes', () => {
  function startProcess(dataFile: string): Promise<{ child: ChildProcess; endpoint: string }> {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures', 'kms-process.ts'), dataFile], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    })
    return new Promise((resolve, reject) => {
      let output = ''
      let errors = ''
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the KMS process did not start within 30 s: ${errors}`))
      }, 30_000)
      child.stderr!.on('data', (chunk: Buffer) => {
        errors += chunk.toString()
      })
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const line = output.split('\n')[0]
        if (output.includes('\n') && line !== undefined) {
          clearTimeout(timer)
          resolve({ child, endpoint: (JSON.parse(line) as { endpoint: string }).endpoint })
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the KMS process exited with ${code}: ${errors}`))
      })
    })
  }

  function client(endpoint: string, region: string): KMSClient {
    return new KMSClient({ region, endpoint, credentials, maxAttempts: 1 })
  }

  it('keeps every acknowledged key, replica and ciphertext', async () => {
    const dataFile = freshFile('sigkill')
    const first = await startProcess(dataFile)
    const east = client(first.endpoint, EAST)
    const acknowledged = { keys: [] as string[], replicas: [] as string[], blobs: [] as { blob: Uint8Array; keyId: string; text: string }[] }
    let failures = 0

    // Four writers in parallel, so the kill lands while requests are in flight. Each writes until the server is gone
    // (its first failed request), so every writer is cut off by the kill whatever the timing of the signal.
    const worker = async (id: number): Promise<void> => {
      for (let step = 0; step < 200; step += 1) {
        try {
          const { KeyMetadata } = await east.send(new CreateKeyCommand({ MultiRegion: true, Description: `w${id}-${step}` }))
          acknowledged.keys.push(KeyMetadata!.KeyId!)
          await east.send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: WEST }))
          acknowledged.replicas.push(KeyMetadata!.KeyId!)
          const text = `secret ${id}-${step}`
          const { CiphertextBlob } = await east.send(new EncryptCommand({ KeyId: KeyMetadata!.Arn, Plaintext: Buffer.from(text), EncryptionContext: { step: String(step) } }))
          acknowledged.blobs.push({ blob: CiphertextBlob!, keyId: KeyMetadata!.KeyId!, text })
        } catch {
          failures += 1 // the server died under this request: not acknowledged
          return
        }
      }
    }
    const workers = [0, 1, 2, 3].map(worker)
    const deadline = Date.now() + 20_000
    while (acknowledged.keys.length < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    first.child.kill('SIGKILL')
    await Promise.all(workers)
    east.destroy()
    expect(acknowledged.keys.length).toBeGreaterThanOrEqual(40)
    expect(failures).toBe(4) // the kill cut off every writer mid-stream

    const second = await startProcess(dataFile)
    const eastAgain = client(second.endpoint, EAST)
    const westAgain = client(second.endpoint, WEST)
    try {
      const eastKeys = new Set((await eastAgain.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.map((key) => key.KeyId))
      for (const keyId of acknowledged.keys) expect(eastKeys.has(keyId)).toBe(true)
      for (const keyId of acknowledged.replicas) {
        const replica = (await westAgain.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
        expect(replica?.MultiRegionConfiguration?.MultiRegionKeyType).toBe('REPLICA')
      }
      for (const { blob, keyId, text } of acknowledged.blobs) {
        const eastPlain = await eastAgain.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keyId, EncryptionContext: { step: text.split('-')[1]! } }))
        expect(Buffer.from(eastPlain.Plaintext!).toString()).toBe(text)
        const westPlain = await westAgain.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keyId, EncryptionContext: { step: text.split('-')[1]! } }))
        expect(Buffer.from(westPlain.Plaintext!).toString()).toBe(text)
      }
    } finally {
      eastAgain.destroy()
      westAgain.destroy()
      second.child.kill('SIGTERM')
      await new Promise((resolve) => second.child.once('exit', resolve))
    }
    // The restart removed what the killed process may have left behind.
    expect(readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })
})
