import { TextDecoder } from 'node:util'
import type { LocalKmsCall } from './call-log'
import { KmsError, isKmsError } from './kms-error'
import type { KeyRecord, KeyStore } from './key-store'
import { OPERATIONS, type OperationContext } from './operations'
import { RequestFields, type JsonObject } from './request-fields'
import { unverifiedRegion, verifySignature, type IncomingSignedRequest, type LocalKmsCredentials } from './sigv4'

export interface KmsServiceOptions {
  credentials: readonly LocalKmsCredentials[]
  replicaCreationDelayMs: number
  /** Makes a change durable; called after each change and before it is acknowledged. */
  persist(store: KeyStore): void
  clock(): number
}

export interface KmsReply {
  status: number
  body: JsonObject
  call: LocalKmsCall
}

const TARGET_PREFIX = 'TrentService.'
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The KMS JSON 1.1 protocol over one key store, without HTTP: authenticate, route by `X-Amz-Target`, parse,
 * run the operation, and map every failure to a KMS-shaped error. Never throws.
 */
export class KmsService {
  constructor(
    private readonly store: KeyStore,
    private readonly options: KmsServiceOptions,
  ) {}

  handle(request: IncomingSignedRequest): KmsReply {
    const target = header(request.rawHeaders, 'x-amz-target') ?? ''
    const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length, TARGET_PREFIX.length + 128) : ''
    const call: LocalKmsCall = { region: unverifiedRegion(request.rawHeaders) ?? '', operation: operationName, outcome: 'ok' }
    let noted: KeyRecord | undefined
    let requestedKeyId: string | undefined
    try {
      if (request.method !== 'POST') throw new KmsError('UnknownOperationException', 'The KMS API accepts only POST requests.')
      const now = this.options.clock()
      const { region } = verifySignature(request, this.options.credentials, now)
      call.region = region
      const operation = OPERATIONS.get(operationName)
      if (operation === undefined) {
        throw new KmsError('UnknownOperationException', target === '' ? 'Missing X-Amz-Target header.' : `Operation ${target.slice(0, 128)} is not supported by the local KMS.`)
      }
      const body = parseBody(request.body)
      if (typeof body['KeyId'] === 'string') requestedKeyId = body['KeyId'].slice(0, 2048)
      const context: OperationContext = {
        store: this.store,
        region,
        now,
        replicaCreationDelayMs: this.options.replicaCreationDelayMs,
        noteKey: (record) => {
          noted ??= record
        },
      }
      const fields = new RequestFields(body)
      if (this.store.hasExpired(now)) this.commit(() => this.store.purgeExpired(now))
      const result = operation.mutates ? this.commit(() => operation.run(fields, context)) : operation.run(fields, context)
      return { status: 200, body: result, call: this.finish(call, noted, requestedKeyId) }
    } catch (error) {
      const kmsError = isKmsError(error)
        ? error
        : new KmsError('KMSInternalException', `The local KMS failed: ${(error as Error)?.message ?? String(error)}`, 500)
      call.outcome = kmsError.type
      return { status: kmsError.status, body: kmsError.toBody(), call: this.finish(call, noted, requestedKeyId) }
    }
  }

  /** Runs a change and persists it; if either fails, the store is exactly as before. */
  private commit<T>(change: () => T): T {
    const before = this.store.clone()
    try {
      const result = change()
      this.options.persist(this.store)
      return result
    } catch (error) {
      this.store.replaceWith(before)
      throw error
    }
  }

  private finish(call: LocalKmsCall, noted: KeyRecord | undefined, requestedKeyId: string | undefined): LocalKmsCall {
    const keyId = noted === undefined ? requestedKeyId : this.store.arnOf(noted)
    return keyId === undefined ? call : { ...call, keyId }
  }
}

function parseBody(bytes: Buffer): JsonObject {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new KmsError('SerializationException', 'The request body is not valid UTF-8.')
  }
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new KmsError('SerializationException', `The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KmsError('SerializationException', 'The request body must be a JSON object.')
  }
  return value as JsonObject
}

function header(rawHeaders: readonly string[], name: string): string | undefined {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if ((rawHeaders[index] as string).toLowerCase() === name) return rawHeaders[index + 1]
  }
  return undefined
}
