import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms'
import { rawKmsRequest, useLocalKms, type RawRequest } from './support'

const local = useLocalKms({ credentials: [{ accessKeyId: 'local', secretAccessKey: 'local' }, { accessKeyId: 'second', secretAccessKey: 'other-secret' }] })

interface Case {
  name: string
  request: RawRequest
  /** The expected __type; status defaults to 400. */
  type: string
  status?: number
}

const target = (operation: string): string => `TrentService.${operation}`
const json = (value: unknown): string => JSON.stringify(value)
const KEY = '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa' // well formed, never created

function malformedJson(): Case[] {
  const bodies = [
    '{', '}', '{"KeyId":', '{"KeyId":}', '{"KeyId" "x"}', "{'KeyId':'x'}", '{"KeyId":"x",}', '[1,2', 'nul', 'tru', '{"a":1}}',
    '{"KeyId":"x"} trailing', '\u0000', '{"KeyId":"\\x"}', '{"KeyId":"\\u12"}', '{"n":01}', '{"n":.5}', '{"n":+1}', '{"n":NaN}', '{"n":Infinity}',
    'undefined', '<xml/>', '{"KeyId":"unterminated}', '{,}', '{"a" : [1, 2,]}',
  ]
  const notObjects = ['[]', 'null', '1', '"text"', 'true', '[{"KeyId":"x"}]']
  const invalidUtf8 = [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])]
  const deep = '['.repeat(100_000) + ']'.repeat(100_000)
  const numbers = ['{"KeyId":"k","NumberOfBytes":1e309}', '{"KeyId":"k","NumberOfBytes":-1e309}', '{"KeyId":"k","NumberOfBytes":32.000001}']
  return [
    ...numbers.map((body) => ({ name: `number ${body}`, request: { target: target('GenerateDataKey'), body }, type: 'SerializationException' })),
    ...bodies.map((body, index) => ({ name: `bad JSON #${index}`, request: { target: target('DescribeKey'), body }, type: 'SerializationException' })),
    ...notObjects.map((body) => ({ name: `not an object: ${body}`, request: { target: target('Encrypt'), body }, type: 'SerializationException' })),
    ...invalidUtf8.map((body, index) => ({ name: `invalid UTF-8 #${index}`, request: { target: target('Encrypt'), body }, type: 'SerializationException' })),
    { name: 'deeply nested JSON', request: { target: target('Encrypt'), body: deep }, type: 'SerializationException' },
  ]
}

function wrongTypes(): Case[] {
  const cases: Case[] = []
  const fields: [operation: string, base: Record<string, unknown>, field: string, values: unknown[]][] = [
    ['DescribeKey', {}, 'KeyId', [1, true, {}, ['k'], 1.5]],
    ['Encrypt', { KeyId: KEY }, 'Plaintext', [123, true, {}, ['aGk='], 'not base64!', 'aGk', '====', 'a===']],
    ['Encrypt', { KeyId: KEY, Plaintext: 'aGk=' }, 'EncryptionContext', ['ctx', 1, ['a'], { a: 1 }, { a: null }, { a: { b: 'c' } }, true]],
    ['Encrypt', { KeyId: KEY, Plaintext: 'aGk=' }, 'GrantTokens', ['token', 1, { a: 'b' }, [1], [null]]],
    ['GenerateDataKey', { KeyId: KEY }, 'NumberOfBytes', ['32', 1.5, true, [32], { n: 32 }, 9007199254740993, -0.5]],
    ['GenerateRandom', {}, 'NumberOfBytes', ['32', false, 2.5]],
    ['Decrypt', {}, 'CiphertextBlob', [1, {}, [], 'bad base64 ~~~']],
    ['CreateKey', {}, 'MultiRegion', ['true', 1, 'yes', []]],
    ['CreateKey', {}, 'Description', [5, {}, false]],
    ['CreateKey', {}, 'Tags', ['a=b', { TagKey: 'a' }, [1], [{ TagKey: 1, TagValue: 'v' }], [{ TagKey: 'k', TagValue: 2 }]]],
    ['ListKeys', {}, 'Limit', ['10', 1.1, true]],
    ['ScheduleKeyDeletion', { KeyId: KEY }, 'PendingWindowInDays', ['7', 7.5]],
    ['ReplicateKey', { KeyId: KEY }, 'ReplicaRegion', [1, ['us-west-2'], {}]],
    ['Sign', { KeyId: KEY, SigningAlgorithm: 'ECDSA_SHA_256' }, 'Message', [1, {}, '***']],
    ['CreateAlias', { TargetKeyId: KEY }, 'AliasName', [1, [], {}]],
  ]
  for (const [operation, base, field, values] of fields) {
    for (const value of values) {
      cases.push({ name: `${operation}.${field} = ${json(value)}`, request: { target: target(operation), body: json({ ...base, [field]: value }) }, type: 'SerializationException' })
    }
  }
  return cases
}

function constraintViolations(): Case[] {
  const validation = (name: string, operation: string, body: Record<string, unknown>): Case => ({
    name,
    request: { target: target(operation), body: json(body) },
    type: 'ValidationException',
  })
  const cases: Case[] = [
    validation('missing KeyId', 'DescribeKey', {}),
    validation('empty KeyId', 'DescribeKey', { KeyId: '' }),
    validation('KeyId of 2049 characters', 'DescribeKey', { KeyId: 'k'.repeat(2049) }),
    validation('KeyId of 100k characters', 'Encrypt', { KeyId: 'k'.repeat(100_000), Plaintext: 'aGk=' }),
    validation('missing Plaintext', 'Encrypt', { KeyId: KEY }),
    validation('Plaintext of 4097 bytes', 'Encrypt', { KeyId: KEY, Plaintext: Buffer.alloc(4097).toString('base64') }),
    validation('Plaintext of 600 KiB', 'Encrypt', { KeyId: KEY, Plaintext: Buffer.alloc(600 * 1024).toString('base64') }),
    validation('CiphertextBlob of 6145 bytes', 'Decrypt', { CiphertextBlob: Buffer.alloc(6145).toString('base64') }),
    validation('empty CiphertextBlob', 'Decrypt', { CiphertextBlob: '' }),
    validation('Description of 10k characters', 'CreateKey', { Description: 'd'.repeat(10_000) }),
    validation('Description of 700k characters', 'CreateKey', { Description: 'd'.repeat(700_000) }),
    validation('unknown KeySpec', 'CreateKey', { KeySpec: 'AES_999' }),
    validation('unknown KeyUsage', 'CreateKey', { KeyUsage: 'EVERYTHING' }),
    validation('Policy of 40k characters', 'CreateKey', { Policy: 'p'.repeat(40_000) }),
    validation('tag key of 200 characters', 'CreateKey', { Tags: [{ TagKey: 't'.repeat(200), TagValue: 'v' }] }),
    validation('11 grant tokens', 'Encrypt', { KeyId: KEY, Plaintext: 'aGk=', GrantTokens: Array.from({ length: 11 }, () => 'g') }),
    validation('grant token of 9000 characters', 'Encrypt', { KeyId: KEY, Plaintext: 'aGk=', GrantTokens: ['g'.repeat(9000)] }),
    validation('NumberOfBytes 0', 'GenerateDataKey', { KeyId: KEY, NumberOfBytes: 0 }),
    validation('NumberOfBytes -5', 'GenerateDataKey', { KeyId: KEY, NumberOfBytes: -5 }),
    validation('NumberOfBytes 1025', 'GenerateDataKey', { KeyId: KEY, NumberOfBytes: 1025 }),
    validation('NumberOfBytes 2^40', 'GenerateRandom', { NumberOfBytes: 2 ** 40 }),
    validation('both NumberOfBytes and KeySpec', 'GenerateDataKey', { KeyId: KEY, NumberOfBytes: 32, KeySpec: 'AES_256' }),
    validation('neither NumberOfBytes nor KeySpec', 'GenerateDataKeyWithoutPlaintext', { KeyId: KEY }),
    validation('unknown data key spec', 'GenerateDataKey', { KeyId: KEY, KeySpec: 'AES_512' }),
    validation('Limit 0', 'ListKeys', { Limit: 0 }),
    validation('Limit 5000', 'ListAliases', { Limit: 5000 }),
    validation('PendingWindowInDays 1', 'ScheduleKeyDeletion', { KeyId: KEY, PendingWindowInDays: 1 }),
    validation('PendingWindowInDays 365', 'ScheduleKeyDeletion', { KeyId: KEY, PendingWindowInDays: 365 }),
    validation('ReplicaRegion "Mars"', 'ReplicateKey', { KeyId: KEY, ReplicaRegion: 'Mars' }),
    validation('ReplicaRegion of 100 characters', 'ReplicateKey', { KeyId: KEY, ReplicaRegion: 'us-'.repeat(33) + '1' }),
    validation('missing ReplicaRegion', 'ReplicateKey', { KeyId: KEY }),
    validation('missing PrimaryRegion', 'UpdatePrimaryRegion', { KeyId: KEY }),
    validation('alias without prefix', 'CreateAlias', { AliasName: 'orders', TargetKeyId: KEY }),
    validation('alias with spaces', 'CreateAlias', { AliasName: 'alias/a b', TargetKeyId: KEY }),
    validation('alias of 300 characters', 'CreateAlias', { AliasName: `alias/${'a'.repeat(300)}`, TargetKeyId: KEY }),
    validation('missing TargetKeyId', 'CreateAlias', { AliasName: 'alias/x' }),
    validation('missing AliasName', 'DeleteAlias', {}),
    validation('unknown EncryptionAlgorithm', 'Encrypt', { KeyId: KEY, Plaintext: 'aGk=', EncryptionAlgorithm: 'ROT13' }),
    validation('missing SigningAlgorithm', 'Sign', { KeyId: KEY, Message: 'aGk=' }),
    validation('unknown MessageType', 'Sign', { KeyId: KEY, Message: 'aGk=', SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'HASHED' }),
    validation('Message of 5000 bytes', 'Verify', { KeyId: KEY, Message: Buffer.alloc(5000).toString('base64'), Signature: 'aGk=', SigningAlgorithm: 'ECDSA_SHA_256' }),
    validation('missing Signature', 'Verify', { KeyId: KEY, Message: 'aGk=', SigningAlgorithm: 'ECDSA_SHA_256' }),
    validation('missing Description', 'UpdateKeyDescription', { KeyId: KEY }),
    validation('missing Tags', 'TagResource', { KeyId: KEY }),
    validation('missing TagKeys', 'UntagResource', { KeyId: KEY }),
    validation('marker with control characters', 'ListKeys', { Marker: '\u0001\u0002' }),
    validation('null KeyId counts as missing', 'DescribeKey', { KeyId: null }),
  ]
  return cases
}

function notFound(): Case[] {
  const keys = ['mrk-fake-key-id', 'not-a-key', 'arn:aws:kms:us-east-1:111122223333:key/nope', 'arn:aws:s3:::bucket', 'arn:aws:kms:us-east-1:1:key/x',
    'alias/never-created', `arn:aws:kms:us-east-1:111122223333:key/${KEY}`, `arn:aws:kms:eu-west-1:111122223333:key/${KEY}`,
    `arn:aws:kms:us-east-1:999999999999:key/${KEY}`, 'arn:aws:kms:us-east-1:111122223333:alias/none', '__proto__', 'constructor', '../../etc/passwd', 'ключ', '\u0000']
  return keys.map((KeyId) => ({ name: `unknown key ${json(KeyId)}`, request: { target: target('DescribeKey'), body: json({ KeyId }) }, type: 'NotFoundException' }))
}

function unknownTargets(): Case[] {
  const targets = ['TrentService.Nope', 'TrentService.', 'TrentService', 'DynamoDB_20120810.GetItem', 'trentservice.DescribeKey', 'TrentService.describeKey',
    'TrentService.CreateGrant', 'TrentService.__proto__', 'TrentService.constructor', 'TrentService.toString', 'TrentService.hasOwnProperty',
    `TrentService.${'X'.repeat(5000)}`, 'TrentService.Describe Key', 'TrentService.DescribeKey.', 'TrentService..DescribeKey']
  return [
    ...targets.map((value) => ({ name: `target ${json(value.slice(0, 40))}`, request: { target: value, body: '{}' }, type: 'UnknownOperationException' })),
    { name: 'no target header', request: { body: '{}' }, type: 'UnknownOperationException' },
    { name: 'GET', request: { method: 'GET', target: target('ListKeys'), body: '' }, type: 'UnknownOperationException' },
    { name: 'PUT', request: { method: 'PUT', target: target('ListKeys'), body: '{}' }, type: 'UnknownOperationException' },
    { name: 'DELETE', request: { method: 'DELETE', target: target('ListKeys'), body: '' }, type: 'UnknownOperationException' },
  ]
}

function brokenSignatures(): Case[] {
  const valid = { target: target('ListKeys'), body: '{}' }
  const edit = (name: string, type: string, change: (headers: Record<string, string>) => void): Case => ({
    name,
    request: { ...valid, afterSigning: change },
    type,
  })
  const setAuthorization = (value: string) => (headers: Record<string, string>) => {
    headers['authorization'] = value
  }
  const rewriteAuthorization = (from: RegExp, to: string) => (headers: Record<string, string>) => {
    headers['authorization'] = (headers['authorization'] as string).replace(from, to)
  }
  const scope = 'local/20200101/us-east-1/kms/aws4_request'
  const signature = 'a'.repeat(64)
  const cases: Case[] = [
    { name: 'wrong secret', request: { ...valid, credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' } }, type: 'InvalidSignatureException' },
    { name: 'secret of the other pair', request: { ...valid, credentials: { accessKeyId: 'local', secretAccessKey: 'other-secret' } }, type: 'InvalidSignatureException' },
    { name: 'unknown access key', request: { ...valid, credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'local' } }, type: 'UnrecognizedClientException' },
    { name: 'access key of another case', request: { ...valid, credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'local' } }, type: 'UnrecognizedClientException' },
    { name: 'unexpected session token', request: { ...valid, credentials: { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'token' } }, type: 'UnrecognizedClientException' },
    { name: 'no signature at all', request: { ...valid, unsigned: true }, type: 'MissingAuthenticationTokenException' },
    { name: 'signed 10 minutes ago', request: { ...valid, signingDate: new Date(Date.now() - 10 * 60_000) }, type: 'InvalidSignatureException' },
    { name: 'signed 10 minutes ahead', request: { ...valid, signingDate: new Date(Date.now() + 10 * 60_000) }, type: 'InvalidSignatureException' },
    { name: 'signed in 2001', request: { ...valid, signingDate: new Date('2001-01-01T00:00:00Z') }, type: 'InvalidSignatureException' },
    { name: 'scope Region "Mars"', request: { ...valid, region: 'Mars' }, type: 'InvalidSignatureException' },
    { name: 'body changed after signing', request: { ...valid, bodyAfterSigning: '{"Limit":1}' }, type: 'InvalidSignatureException' },
    edit('target changed after signing', 'InvalidSignatureException', (headers) => {
      headers['x-amz-target'] = target('CreateKey')
    }),
    edit('x-amz-date changed after signing', 'InvalidSignatureException', (headers) => {
      headers['x-amz-date'] = (headers['x-amz-date'] as string).replace(/\d{2}Z$/, (s) => `${String((Number(s.slice(0, 2)) + 1) % 60).padStart(2, '0')}Z`)
    }),
    edit('x-amz-date removed', 'IncompleteSignatureException', (headers) => {
      delete headers['x-amz-date']
    }),
    edit('x-amz-date garbage', 'IncompleteSignatureException', (headers) => {
      headers['x-amz-date'] = 'yesterday'
    }),
    edit('content sha256 header lies', 'InvalidSignatureException', (headers) => {
      headers['x-amz-content-sha256'] = 'f'.repeat(64)
    }),
    // The first digit becomes another one: always "f" would leave one signature in 16 unchanged.
    edit('one signature digit changed', 'InvalidSignatureException', (headers) => {
      headers['authorization'] = (headers['authorization'] as string).replace(/Signature=([0-9a-f])/, (_, digit: string) => `Signature=${digit === '0' ? '1' : '0'}`)
    }),
    edit('signature flipped', 'InvalidSignatureException', (headers) => {
      headers['authorization'] = (headers['authorization'] as string).replace(/Signature=([0-9a-f]{64})/, (_, sig: string) => `Signature=${[...sig].reverse().join('')}`)
    }),
    edit('signature not hex', 'IncompleteSignatureException', rewriteAuthorization(/Signature=[0-9a-f]{64}/, `Signature=${'z'.repeat(64)}`)),
    edit('signature too short', 'IncompleteSignatureException', rewriteAuthorization(/Signature=[0-9a-f]{64}/, 'Signature=abcd')),
    edit('no Signature', 'IncompleteSignatureException', rewriteAuthorization(/, Signature=[0-9a-f]{64}/, '')),
    edit('no SignedHeaders', 'IncompleteSignatureException', rewriteAuthorization(/, SignedHeaders=[^,]+/, '')),
    edit('SignedHeaders without host', 'InvalidSignatureException', rewriteAuthorization(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date;x-amz-target')),
    edit('SignedHeaders names a missing header', 'InvalidSignatureException', rewriteAuthorization(/SignedHeaders=/, 'SignedHeaders=host;x-missing;')),
    edit('SignedHeaders in upper case', 'IncompleteSignatureException', rewriteAuthorization(/SignedHeaders=([^,]+)/, 'SignedHeaders=HOST;X-AMZ-DATE')),
    edit('service s3 in scope', 'InvalidSignatureException', rewriteAuthorization(/\/kms\//, '/s3/')),
    edit('bad terminator', 'InvalidSignatureException', rewriteAuthorization(/aws4_request/, 'aws5_request')),
    edit('scope date differs from x-amz-date', 'InvalidSignatureException', rewriteAuthorization(/\/\d{8}\//, '/20200101/')),
    edit('scope date not a date', 'IncompleteSignatureException', rewriteAuthorization(/\/\d{8}\//, '/today/')),
    edit('credential with too few parts', 'IncompleteSignatureException', rewriteAuthorization(/Credential=[^,]+/, 'Credential=local/us-east-1')),
    edit('algorithm SHA1', 'IncompleteSignatureException', rewriteAuthorization(/^AWS4-HMAC-SHA256/, 'AWS4-HMAC-SHA1')),
    edit('Authorization: Basic', 'IncompleteSignatureException', setAuthorization('Basic bG9jYWw6bG9jYWw=')),
    edit('Authorization: Bearer', 'IncompleteSignatureException', setAuthorization('Bearer token')),
    edit('Authorization empty', 'IncompleteSignatureException', setAuthorization('')),
    edit('Authorization just the algorithm', 'IncompleteSignatureException', setAuthorization('AWS4-HMAC-SHA256')),
    edit('Authorization with an unknown key', 'UnrecognizedClientException', setAuthorization(`AWS4-HMAC-SHA256 Credential=${scope.replace('local', 'nobody')}, SignedHeaders=host;x-amz-date, Signature=${signature}`)),
    edit('Authorization of 8 KiB', 'IncompleteSignatureException', setAuthorization(`AWS4-HMAC-SHA256 ${'x'.repeat(8000)}`)),
    edit('Authorization with a made-up signature', 'InvalidSignatureException', rewriteAuthorization(/Signature=[0-9a-f]{64}/, `Signature=${signature}`)),
  ]
  return cases
}

function oversized(): Case[] {
  const big = Buffer.alloc(1024 * 1024 + 1, 0x20)
  return [
    { name: 'body of 1 MiB + 1 byte', request: { target: target('Encrypt'), body: big }, type: 'RequestEntityTooLargeException', status: 413 },
    { name: 'JSON of 3 MiB', request: { target: target('CreateKey'), body: json({ Description: 'd'.repeat(3 * 1024 * 1024) }) }, type: 'RequestEntityTooLargeException', status: 413 },
    { name: 'unsigned body of 2 MiB', request: { target: target('Encrypt'), body: Buffer.alloc(2 * 1024 * 1024, 0x41), unsigned: true }, type: 'RequestEntityTooLargeException', status: 413 },
  ]
}

const ALL_CASES: Case[] = [
  ...malformedJson(), ...wrongTypes(), ...constraintViolations(), ...notFound(), ...unknownTargets(), ...brokenSignatures(), ...oversized(),
]

describe('malformed requests', () => {
  it(`has at least 200 cases (${ALL_CASES.length})`, () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(200)
  })

  it('answers every one with a 4xx and a KMS-shaped JSON body naming the problem, then still serves valid requests', async () => {
    const problems: string[] = []
    for (const testCase of ALL_CASES) {
      const reply = await rawKmsRequest(local.kms(), testCase.request)
      const body = reply.json
      const shaped = body !== undefined && typeof body['__type'] === 'string' && typeof body['message'] === 'string' && (body['message'] as string).length > 0
      if (reply.status !== (testCase.status ?? 400) || !shaped || body?.['__type'] !== testCase.type) {
        problems.push(`${testCase.name}: ${reply.status} ${reply.text.slice(0, 200)} (expected ${testCase.status ?? 400} ${testCase.type})`)
      }
      expect(String(reply.headers['content-type'])).toBe('application/x-amz-json-1.1')
    }
    expect(problems).toEqual([])

    const client = local.client('us-east-1')
    const { KeyMetadata } = await client.send(new CreateKeyCommand({}))
    await expect(client.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).resolves.toBeDefined()
    const calls = local.kms().calls()
    expect(calls.filter((call) => call.outcome !== 'ok')).toHaveLength(ALL_CASES.length)
  })

  it('answers malformed HTTP in the KMS shape too', async () => {
    const url = new URL(local.kms().endpoint)
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: url.hostname, port: Number(url.port), method: 'POST', path: '/', headers: { 'x-huge': 'h'.repeat(64 * 1024) } }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      })
      request.on('error', reject)
      request.end('{}')
    })
    expect(reply.status).toBe(431)
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'RequestEntityTooLargeException' })
  })

  it('survives clients that hang up mid-request, and keeps serving', async () => {
    const url = new URL(local.kms().endpoint)
    const abandon = (head: string, body: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(head + body, () => {
            socket.destroy()
            resolve()
          })
        })
        socket.on('error', () => resolve())
      })
    const head = (length: number): string =>
      `POST / HTTP/1.1\r\nHost: ${url.host}\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: ${length}\r\n\r\n`
    for (let round = 0; round < 20; round += 1) {
      await abandon(head(1000), '{"Lim')                    // body cut short
      await abandon(head(5 * 1024 * 1024), 'x'.repeat(1000)) // oversized, then gone
      await abandon('POST / HTTP/1.1\r\nHost: x\r\n', '')   // headers cut short
    }
    await expect(local.client('us-east-1').send(new DescribeKeyCommand({ KeyId: 'alias/none' }))).rejects.toThrow(/is not found/)
  })
})
