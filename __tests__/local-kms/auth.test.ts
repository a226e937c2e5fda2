import { KMSClient, KMSServiceException, ListKeysCommand } from '@aws-sdk/client-kms'
import { startLocalKms, type LocalKms } from '../../lib/local'
import { expectKmsError, rawKmsRequest } from './support'

const pairs = [
  { accessKeyId: 'first', secretAccessKey: 'first-secret' },
  { accessKeyId: 'second', secretAccessKey: 'second-secret' },
  { accessKeyId: 'session', secretAccessKey: 'session-secret', sessionToken: 'session-token' },
]
let kms: LocalKms
const clients: KMSClient[] = []

beforeAll(async () => {
  kms = await startLocalKms({ credentials: pairs, accountId: '444455556666' })
})
afterAll(async () => {
  clients.forEach((client) => client.destroy())
  await kms.close()
})

function client(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): KMSClient {
  const created = new KMSClient({ region: 'eu-west-1', endpoint: kms.endpoint, credentials, maxAttempts: 1 })
  clients.push(created)
  return created
}

describe('SigV4 authentication', () => {
  it('hands out the first pair and the configured account', () => {
    expect(kms.credentials).toEqual(pairs[0])
    expect(kms.accountId).toBe('444455556666')
  })

  it('accepts a request signed with any configured pair, including one with a session token', async () => {
    for (const pair of pairs) await expect(client(pair).send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: [] })
  })

  it('a wrong secret is InvalidSignatureException', async () => {
    await expectKmsError(client({ accessKeyId: 'first', secretAccessKey: 'second-secret' }).send(new ListKeysCommand({})), {
      type: KMSServiceException,
      name: 'InvalidSignatureException',
      message: /The request signature we calculated does not match the signature you provided/,
    })
  })

  it('an unknown access key, or a missing or wrong session token, is UnrecognizedClientException', async () => {
    const unrecognized = { type: KMSServiceException, name: 'UnrecognizedClientException', message: /The security token included in the request is invalid/ }
    await expectKmsError(client({ accessKeyId: 'nobody', secretAccessKey: 'first-secret' }).send(new ListKeysCommand({})), unrecognized)
    await expectKmsError(client({ accessKeyId: 'session', secretAccessKey: 'session-secret' }).send(new ListKeysCommand({})), unrecognized)
    await expectKmsError(client({ accessKeyId: 'session', secretAccessKey: 'session-secret', sessionToken: 'stolen' }).send(new ListKeysCommand({})), unrecognized)
  })

  it('a request without a signature is MissingAuthenticationTokenException', async () => {
    const reply = await rawKmsRequest(kms, { target: 'TrentService.ListKeys', unsigned: true })
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' })
  })

  it('allows 5 minutes of clock skew, not more', async () => {
    const within = await rawKmsRequest(kms, { target: 'TrentService.ListKeys', signingDate: new Date(Date.now() - 4 * 60_000) })
    expect(within.status).toBe(200)
    const ahead = await rawKmsRequest(kms, { target: 'TrentService.ListKeys', signingDate: new Date(Date.now() + 4 * 60_000) })
    expect(ahead.status).toBe(200)
    const late = await rawKmsRequest(kms, { target: 'TrentService.ListKeys', signingDate: new Date(Date.now() - 6 * 60_000) })
    expect(late.json).toMatchObject({ __type: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired/) })
  })

  it('answers with the headers the SDK reads', async () => {
    const reply = await rawKmsRequest(kms, { target: 'TrentService.ListKeys', credentials: pairs[0] })
    expect(reply.headers['content-type']).toBe('application/x-amz-json-1.1')
    expect(reply.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/)
    const response = await client(pairs[0]!).send(new ListKeysCommand({}))
    expect(response.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('startLocalKms options', () => {
  it.each([
    [{ port: -1 }, /port must be an integer/],
    [{ port: 70000 }, /port must be an integer/],
    [{ accountId: '12345' }, /accountId must be 12 digits/],
    [{ credentials: [] }, /at least one pair/],
    [{ credentials: [{ accessKeyId: 'has/slash', secretAccessKey: 'x' }] }, /accessKeyId "has\/slash"/],
    [{ credentials: [{ accessKeyId: 'a', secretAccessKey: '' }] }, /secretAccessKey of a is empty/],
    [{ credentials: [{ accessKeyId: 'a', secretAccessKey: 'x' }, { accessKeyId: 'a', secretAccessKey: 'y' }] }, /only once/],
    [{ replicaCreationDelayMs: -5 }, /replicaCreationDelayMs/],
    [{ dataFile: ' ' }, /dataFile is empty/],
  ])('refuses %j', async (options, message) => {
    await expect(startLocalKms(options)).rejects.toThrow(message)
  })

  it('says which address is taken', async () => {
    const port = Number(new URL(kms.endpoint).port)
    await expect(startLocalKms({ port })).rejects.toThrow(new RegExp(`cannot listen on 127.0.0.1:${port}`))
  })
})
