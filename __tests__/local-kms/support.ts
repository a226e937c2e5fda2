import { createHash, createHmac } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { KMSClient, KMSServiceException } from '@aws-sdk/client-kms'
import { SignatureV4 } from '@smithy/signature-v4'
import { startLocalKms, type LocalKms, type LocalKmsCredentials, type LocalKmsOptions } from '../../lib/local'

/** Starts one local KMS for the file's tests and hands out SDK clients per Region. */
export function useLocalKms(options: LocalKmsOptions = {}): { kms(): LocalKms; client(region: string): KMSClient } {
  let kms: LocalKms | undefined
  const clients: KMSClient[] = []
  beforeAll(async () => {
    kms = await startLocalKms(options)
  })
  afterAll(async () => {
    for (const client of clients) client.destroy()
    await kms?.close()
  })
  const current = (): LocalKms => {
    if (kms === undefined) throw new Error('the local KMS is not started yet')
    return kms
  }
  return {
    kms: current,
    client(region: string): KMSClient {
      const client = kmsClient(current(), region)
      clients.push(client)
      return client
    },
  }
}

export function kmsClient(kms: LocalKms, region: string, credentials: LocalKmsCredentials = kms.credentials): KMSClient {
  // maxAttempts 1: a 4xx is never retried anyway, and a 5xx should fail the test at once.
  return new KMSClient({ region, endpoint: kms.endpoint, credentials, maxAttempts: 1 })
}

type ErrorClass = abstract new (...args: never[]) => KMSServiceException

/**
 * Expects the SDK to raise a KMS error: by its exception class when the SDK models it, always by name,
 * with HTTP 400 (or the given status), and optionally a message pattern.
 */
export async function expectKmsError(
  promise: Promise<unknown>,
  expected: { type?: ErrorClass; name: string; message?: RegExp; status?: number },
): Promise<KMSServiceException> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(KMSServiceException)
  const error = caught as KMSServiceException
  if (expected.type !== undefined) expect(error).toBeInstanceOf(expected.type)
  expect(error.name).toBe(expected.name)
  expect(error.$metadata.httpStatusCode).toBe(expected.status ?? 400)
  if (expected.message !== undefined) expect(error.message).toMatch(expected.message)
  return error
}

class NodeSha256 {
  private readonly hash

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret))
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data))
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

export interface RawReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: Record<string, unknown> | undefined
}

export interface RawRequest {
  region?: string
  /** Full X-Amz-Target value; undefined omits the header. */
  target?: string
  body?: string | Buffer
  credentials?: LocalKmsCredentials
  signingDate?: Date
  /** Skip signing entirely. */
  unsigned?: boolean
  method?: string
  path?: string
  /** Applied after signing, to break a valid request. */
  afterSigning?: (headers: Record<string, string>) => void
  /** Replaces the body after signing. */
  bodyAfterSigning?: string | Buffer
}

/** Sends one request with node:http, signed by the SDK's own SigV4 signer (not by the code under test). */
export async function rawKmsRequest(kms: LocalKms, options: RawRequest): Promise<RawReply> {
  const url = new URL(kms.endpoint)
  const body = options.body ?? '{}'
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-amz-json-1.1',
  }
  if (options.target !== undefined) headers['x-amz-target'] = options.target
  let signedHeaders = headers
  if (options.unsigned !== true) {
    const signer = new SignatureV4({
      service: 'kms',
      region: options.region ?? 'us-east-1',
      credentials: options.credentials ?? kms.credentials,
      sha256: NodeSha256,
    })
    const signed = await signer.sign(
      {
        method: options.method ?? 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: options.path ?? '/',
        query: {},
        headers: { ...headers },
        body,
      },
      options.signingDate === undefined ? {} : { signingDate: options.signingDate },
    )
    signedHeaders = signed.headers as Record<string, string>
  }
  options.afterSigning?.(signedHeaders)
  const finalBody = options.bodyAfterSigning ?? body
  return new Promise<RawReply>((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: Number(url.port),
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers: { ...signedHeaders, 'content-length': String(Buffer.byteLength(finalBody)) },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: Record<string, unknown> | undefined
          try {
            json = JSON.parse(text) as Record<string, unknown>
          } catch {
            json = undefined
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json })
        })
        response.on('error', reject)
      },
    )
    request.setTimeout(20_000, () => request.destroy(new Error('request timed out')))
    request.on('error', reject)
    request.end(finalBody)
  })
}
