import { DEMO_HTTP_TIMEOUTS } from './services'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { bufferView } from '../../structured/bytes'

/** One KMS request as the application's client sent it, whatever the endpoint (local or AWS). */
export interface KmsCall {
  /** Which of the demo's clients sent it, e.g. "us-west-2 client". */
  client: string
  /** The Region the request was signed for: the Region of the KMS endpoint it went to. */
  region: string
  operation: string
  keyId?: string
  outcome: 'ok' | 'error'
}

/** Every KMS call of the demo's clients, in order; `mark`/`since` cut out the calls of one step. */
export class KmsCallLog {
  private readonly entries: KmsCall[] = []

  record(call: KmsCall): void {
    this.entries.push(call)
  }

  mark(): number {
    return this.entries.length
  }

  since(mark: number): KmsCall[] {
    return this.entries.slice(mark)
  }

  all(): KmsCall[] {
    return [...this.entries]
  }
}

type HandleArgs = Parameters<NodeHttpHandler['handle']>
type HandleResult = Awaited<ReturnType<NodeHttpHandler['handle']>>

/**
 * The SDK's own Node HTTP handler, plus one log entry per request. Recording on the client side
 * (not in the local KMS) is what lets `--aws` show and check the calls too: the proof that the
 * reader never called another Region's KMS is taken from what the reader actually sent.
 */
export class RecordingKmsHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly log: KmsCallLog,
    private readonly client: string,
  ) {
    super(DEMO_HTTP_TIMEOUTS)
  }

  override async handle(request: HandleArgs[0], options?: HandleArgs[1]): Promise<HandleResult> {
    const call = describeKmsRequest(this.client, request)
    try {
      const result = await super.handle(request, options)
      const status = result.response.statusCode
      this.log.record({ ...call, outcome: status >= 200 && status < 300 ? 'ok' : 'error' })
      return result
    } catch (error) {
      this.log.record({ ...call, outcome: 'error' })
      throw error
    }
  }
}

interface KmsRequestView {
  hostname: string
  headers: Record<string, string>
  body?: unknown
}

export function describeKmsRequest(client: string, request: KmsRequestView): Omit<KmsCall, 'outcome'> {
  const header = (name: string): string | undefined =>
    Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1]
  const target = header('x-amz-target') ?? ''
  const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : target || 'unknown'
  const keyId = keyIdOf(request.body)
  return { client, region: signedRegion(header('authorization')) ?? regionOfHost(request.hostname) ?? 'unknown', operation, ...(keyId ? { keyId } : {}) }
}

/** SigV4 scope `Credential=AKID/DATE/REGION/kms/aws4_request`: the Region the request is valid for. */
function signedRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/kms\/aws4_request/.exec(authorization ?? '')?.[1]
}

function regionOfHost(hostname: string): string | undefined {
  return /^kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(hostname)?.[1]
}

function keyIdOf(body: unknown): string | undefined {
  let text: string
  if (typeof body === 'string') text = body
  else if (body instanceof Uint8Array) text = bufferView(body).toString('utf8')
  else return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    const keyId = typeof parsed === 'object' && parsed !== null ? (parsed as { KeyId?: unknown }).KeyId : undefined
    return typeof keyId === 'string' ? keyId : undefined
  } catch {
    return undefined
  }
}
