import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ClientOperationError, ConfigError } from '../errors'
import type { EncryptionConfig } from '../types'
import { planRequest } from './commands'
import { inFlight } from './end-of-turn'
import type { WireTaken } from './wire-page'
import type { Directive, RequestPlan, Tables } from './handlers/types'
import { buildTables } from './tables'
import { bufferView } from '../structured/bytes'

export type MiddlewareStack = DynamoDBClient['middlewareStack']

interface Registration {
  config: EncryptionConfig
  tables: Tables
}

interface ActivePlan {
  plan: RequestPlan
  completed: boolean
  /** Set by the body step when the plan took items out of the HTTP body. */
  wire?: WireTaken
}

const registrations = new WeakMap<object, Registration>()

/*
 * Per-request state travels on the handler arguments, which every SDK middleware passes on with a spread (symbol keys
 * included), not on the handler context: with `cacheMiddleware: true` the SDK shares one context among all requests
 * of a command class, which would mix up the plans of concurrent requests.
 */
/** The request's plan, set by the request step for the response steps of the same request (each retry included). */
const ACTIVE_PLAN = Symbol('dbeActivePlan')
/** Internal instructions for one command (updateEncryptedItem), set on the command object the SDK hands in as arguments. */
const DIRECTIVE = Symbol('dbeDirective')

type StateArguments = HandlerArguments & { [ACTIVE_PLAN]?: ActivePlan; [DIRECTIVE]?: Directive }

/**
 * A failure of the response step (decrypting, verifying) on its way out through the SDK's retry middleware. It carries
 * no `cause` and no HTTP status, so the SDK never retries it: a retry would send a write that DynamoDB already applied
 * again (a key store that failed with a network error in the cause chain looked transient). The request step, outside
 * the retry loop, throws the original error.
 */
class ResponseStepFailure extends Error {
  constructor(readonly failure: unknown) {
    super('the encrypted client could not complete the response')
    this.name = 'ResponseStepFailure'
  }
}

/*
 * Placement. `@aws-sdk/lib-dynamodb` marshals in a middleware named `DocumentMarshall` (before
 * `serializerMiddleware`) and unmarshals in `DocumentUnmarshall` (before `deserializerMiddleware`), both added
 * to each command's stack, which comes after the client's stack. Our two steps must sit between those and the
 * (de)serializer, where requests and responses are AttributeValue maps, for the low-level client and the
 * DocumentClient alike. So we attach them *after* those names, and register no-op middlewares under the same
 * names and positions for commands that have none; a DocumentClient command overrides the no-op with its own.
 * A third step, for GetItem, Query, Scan and BatchGetItem, sits right after (inside) the deserializer, where the response is still HTTP.
 * A test checks the resulting order, and the request step refuses to finish if the response step never ran.
 */
const MARSHALL = 'DocumentMarshall'
const UNMARSHALL = 'DocumentUnmarshall'
const ENCRYPT_STEP = 'dbeEncryptRequest'
const DECRYPT_STEP = 'dbeDecryptResponse'
const PAGE_STEP = 'dbeReadPage'
const DESERIALIZER = 'deserializerMiddleware'

export function attachEncryption(stack: MiddlewareStack, config: EncryptionConfig): Registration {
  const existing = registrations.get(stack)
  if (existing !== undefined) {
    if (existing.config === config) return existing
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      'this DynamoDBClient already has an encryption config; give each config its own DynamoDBClient instance.',
    )
  }
  const registration: Registration = { config, tables: buildTables(config) }
  const stackAny = stack as unknown as RelativeStack
  stackAny.addRelativeTo(passThrough, { name: MARSHALL, relation: 'before', toMiddleware: 'serializerMiddleware', override: true })
  stackAny.addRelativeTo(passThrough, { name: UNMARSHALL, relation: 'before', toMiddleware: DESERIALIZER, override: true })
  stackAny.addRelativeTo(encryptRequest(registration.tables), { name: ENCRYPT_STEP, relation: 'after', toMiddleware: MARSHALL })
  stackAny.addRelativeTo(decryptResponse, { name: DECRYPT_STEP, relation: 'after', toMiddleware: UNMARSHALL })
  // Inside the deserializer: it sees the HTTP response before the SDK reads it.
  stackAny.addRelativeTo(readPage, { name: PAGE_STEP, relation: 'after', toMiddleware: DESERIALIZER })
  registrations.set(stack, registration)
  return registration
}

export function registrationOf(stack: MiddlewareStack): Registration | undefined {
  return registrations.get(stack)
}

/**
 * Attaches internal instructions to one command (used by `updateEncryptedItem`); user input cannot forge them. The SDK
 * hands the command object in as the handler arguments; a DocumentClient command hands in its low-level command.
 */
export function withDirective<C extends object>(command: C, directive: Directive): C {
  const handedIn = (command as { clientCommand?: object }).clientCommand ?? command
  ;(handedIn as { [DIRECTIVE]?: Directive })[DIRECTIVE] = directive
  return command
}

/*
 * The stack's own types are generic over every command's input and output; our steps see them as plain
 * objects, so they are typed here by the few fields they use.
 */
interface HandlerExecutionContext {
  commandName?: string
}
interface HandlerArguments {
  input: object
}
interface HandlerResult {
  output: object
  response: unknown
}
type Handler = (args: unknown) => Promise<unknown>
interface RelativeStack {
  addRelativeTo(middleware: (next: Handler, context: HandlerExecutionContext) => Handler, options: object): void
}

const passThrough = (next: Handler): Handler => next

function encryptRequest(tables: Tables) {
  return (next: Handler, context: HandlerExecutionContext): Handler =>
    (rawArgs) =>
      inFlight(async () => {
        const args = rawArgs as StateArguments
        const plan = await planRequest(context.commandName, args.input, tables, args[DIRECTIVE])
        if (plan === undefined) return next(args)
        const active: ActivePlan = { plan, completed: false }
        let result: unknown
        try {
          result = await next({ ...args, input: plan.input, [ACTIVE_PLAN]: active })
        } catch (error) {
          throw error instanceof ResponseStepFailure ? error.failure : error
        }
        if (!active.completed) {
          // The response step was not in the chain: never hand back what we did not verify.
          throw new ClientOperationError(
            'ERR_UNSUPPORTED_OPERATION',
            `${context.commandName}: the response bypassed the decryption step of the encrypted client; was the middleware stack changed?`,
          )
        }
        return result
      })
}

function decryptResponse(next: Handler): Handler {
  return async (rawArgs) => {
    const active = (rawArgs as StateArguments)[ACTIVE_PLAN]
    if (active === undefined) return next(rawArgs)
    const { plan } = active
    let result: HandlerResult
    try {
      result = (await next(rawArgs)) as HandlerResult
    } catch (error) {
      if (plan.completeError === undefined) throw error
      // DynamoDB's own error, unchanged, keeps the SDK's retry rules; anything of ours is final.
      const completed = await plan.completeError(error).catch((failure: unknown) => new ResponseStepFailure(failure))
      throw completed === error || completed instanceof ResponseStepFailure ? completed : new ResponseStepFailure(completed)
    }
    const { wire } = active
    active.wire = undefined
    let output: object
    try {
      output = plan.completeOutput === undefined ? result.output : await plan.completeOutput(result.output, wire)
    } catch (failure) {
      throw new ResponseStepFailure(failure)
    }
    active.completed = true
    return { ...result, output }
  }
}

interface RawResponse {
  statusCode: number
  headers: Record<string, string | undefined>
  body: unknown
}

function isRawResponse(value: unknown): value is RawResponse {
  const response = value as Partial<RawResponse> | undefined
  return typeof response === 'object' && response !== null && typeof response.statusCode === 'number' && typeof response.headers === 'object' && response.headers !== null
}

/** A compressed (or otherwise encoded) body is left to the SDK, which knows how to read it. */
function isEncoded(headers: Record<string, string | undefined>): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === 'content-encoding' && headers[name] !== 'identity')
}

/** The body as bytes: Node's HTTP handler gives a stream; anything else we do not recognise stays the SDK's to read. */
async function bodyBytes(body: unknown, commandName: string | undefined): Promise<Uint8Array | undefined> {
  if (body instanceof Uint8Array) return body
  if (typeof body !== 'object' || body === null || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined
  const chunks: Buffer[] = []
  for await (const chunk of body as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk))
    else if (chunk instanceof Uint8Array) chunks.push(bufferView(chunk))
    else throw new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `${commandName}: the HTTP response body gave a chunk that is neither bytes nor text.`)
  }
  return Buffer.concat(chunks)
}

/**
 * GetItem, Query, Scan and BatchGetItem of configured tables: the plan takes its items out of a successful response body
 * (wire-page.ts) and the SDK gets the rest. Errors, encoded bodies and anything not shaped so go to the SDK untouched.
 */
function readPage(next: Handler, context: HandlerExecutionContext): Handler {
  return async (args) => {
    const result = (await next(args)) as { response?: unknown }
    const active = (args as StateArguments)[ACTIVE_PLAN]
    const take = active?.plan.takeFromBody
    if (active === undefined || take === undefined) return result
    active.wire = undefined
    const response = result.response
    if (!isRawResponse(response) || response.statusCode !== 200 || isEncoded(response.headers)) return result
    const body = await bodyBytes(response.body, context.commandName)
    if (body === undefined) return result
    const split = take(body)
    response.body = split === undefined ? body : split.rest
    if (split !== undefined) active.wire = split.taken
    return result
  }
}
