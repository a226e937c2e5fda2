import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KMS } from '@aws-sdk/client-kms'
import { KmsCallLog, RecordingKmsHttpHandler } from '../../lib/cli/demo/kms-call-log'

/** A stand-in KMS that answers Decrypt with the ARN it was asked for, and NotFound for one key. */
function startFakeKms(): Promise<{ server: Server; endpoint: string; seen: { target: string; region: string }[] }> {
  const seen: { target: string; region: string }[] = []
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { KeyId?: string }
      const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(request.headers.authorization))?.[1] ?? '?'
      seen.push({ target: String(request.headers['x-amz-target']), region })
      response.setHeader('content-type', 'application/x-amz-json-1.1')
      if (body.KeyId?.endsWith('missing')) {
        response.statusCode = 400
        response.end(JSON.stringify({ __type: 'NotFoundException', message: `Key '${body.KeyId}' does not exist` }))
        return
      }
      response.end(JSON.stringify({ KeyId: body.KeyId, Plaintext: Buffer.alloc(32, 7).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }))
    })
  })
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  )
}

describe('RecordingKmsHttpHandler', () => {
  let fake: Awaited<ReturnType<typeof startFakeKms>>
  beforeAll(async () => {
    fake = await startFakeKms()
  })
  afterAll(async () => {
    await new Promise((done) => fake.server.close(done))
  })

  const client = (region: string, log: KmsCallLog) =>
    new KMS({
      region,
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: new RecordingKmsHttpHandler(log, `${region} client`),
    })

  it('records the signed Region, operation and key of each call, and leaves the response to the SDK', async () => {
    const log = new KmsCallLog()
    const west = client('us-west-2', log)
    const arn = 'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'
    const answer = await west.decrypt({ KeyId: arn, CiphertextBlob: new Uint8Array([1, 2, 3]), EncryptionContext: { a: 'b' } })
    expect(answer.KeyId).toBe(arn)
    expect(Buffer.from(answer.Plaintext!)).toEqual(Buffer.alloc(32, 7))
    expect(log.all()).toEqual([{ client: 'us-west-2 client', region: 'us-west-2', operation: 'Decrypt', keyId: arn, outcome: 'ok' }])
    expect(fake.seen.at(-1)).toEqual({ target: 'TrentService.Decrypt', region: 'us-west-2' })
    west.destroy()
  })

  it('records failed calls as errors and the SDK still sees the service error', async () => {
    const log = new KmsCallLog()
    const east = client('us-east-1', log)
    await expect(east.generateDataKey({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/missing', NumberOfBytes: 32 })).rejects.toMatchObject({
      name: 'NotFoundException',
    })
    expect(log.all()).toEqual([
      { client: 'us-east-1 client', region: 'us-east-1', operation: 'GenerateDataKey', keyId: 'arn:aws:kms:us-east-1:111122223333:key/missing', outcome: 'error' },
    ])
    east.destroy()
  })

  it('cuts out the calls of one step with mark() and since()', async () => {
    const log = new KmsCallLog()
    const east = client('us-east-1', log)
    await east.decrypt({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/k1', CiphertextBlob: new Uint8Array([1]) })
    const mark = log.mark()
    await east.decrypt({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/k2', CiphertextBlob: new Uint8Array([1]) })
    expect(log.since(mark).map((call) => call.keyId)).toEqual(['arn:aws:kms:us-east-1:111122223333:key/k2'])
    expect(log.all()).toHaveLength(2)
    east.destroy()
  })

  it('records a network failure as an error and rethrows it', async () => {
    const log = new KmsCallLog()
    const closed = await startFakeKms()
    await new Promise((done) => closed.server.close(done))
    const nowhere = new KMS({
      region: 'eu-west-1',
      endpoint: closed.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: new RecordingKmsHttpHandler(log, 'eu-west-1 client'),
    })
    await expect(nowhere.decrypt({ KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k', CiphertextBlob: new Uint8Array([1]) })).rejects.toThrow()
    expect(log.all()).toEqual([{ client: 'eu-west-1 client', region: 'eu-west-1', operation: 'Decrypt', keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k', outcome: 'error' }])
    nowhere.destroy()
  })
})
