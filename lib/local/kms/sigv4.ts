import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { REGION_PATTERN } from './arn'
import { KmsError } from './kms-error'

/** A credential pair the local KMS accepts. */
export interface LocalKmsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface IncomingSignedRequest {
  method: string
  /** The request target exactly as received (path and query, still percent-encoded). */
  url: string
  /** Node's `rawHeaders`: name, value, name, value, ... */
  rawHeaders: readonly string[]
  body: Buffer
}

/** AWS accepts requests signed up to 5 minutes before or after its clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

const ALGORITHM = 'AWS4-HMAC-SHA256'
const SERVICE = 'kms'

interface AuthorizationHeader {
  accessKeyId: string
  date: string
  region: string
  service: string
  terminator: string
  signedHeaders: string[]
  signature: string
}

/** The Region of a request's credential scope, read without verifying anything (for logging refused requests). */
export function unverifiedRegion(rawHeaders: readonly string[]): string | undefined {
  const authorization = headerValues(rawHeaders).get('authorization')?.[0]
  const region = authorization === undefined ? undefined : /Credential=[^/,\s]*\/\d{8}\/([^/,\s]+)\//.exec(authorization)?.[1]
  return region !== undefined && REGION_PATTERN.test(region) ? region : undefined
}

/**
 * Verifies the AWS Signature Version 4 of a request against the configured credentials by recomputing it
 * (canonical request, string to sign, derived signing key) and comparing in constant time.
 * Returns the Region of the credential scope. Throws the KmsError AWS would answer with.
 */
export function verifySignature(
  request: IncomingSignedRequest,
  credentials: readonly LocalKmsCredentials[],
  now: number,
  service = SERVICE,
): { region: string; accessKeyId: string } {
  const headers = headerValues(request.rawHeaders)
  const authorizationValues = headers.get('authorization')
  if (authorizationValues === undefined) {
    throw new KmsError('MissingAuthenticationTokenException', 'Missing Authentication Token')
  }
  const authorization = parseAuthorization(authorizationValues.join(','))

  const credential = credentials.find((candidate) => candidate.accessKeyId === authorization.accessKeyId)
  if (credential === undefined) {
    throw new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid.')
  }
  checkSessionToken(credential, headers.get('x-amz-security-token'))
  checkScope(authorization, service)

  const amzDate = headers.get('x-amz-date')?.[0]
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw new KmsError('IncompleteSignatureException', 'Authorization requires a valid X-Amz-Date header (yyyyMMddTHHmmssZ).')
  }
  if (!authorization.signedHeaders.includes('x-amz-date') || !authorization.signedHeaders.includes('host')) {
    throw new KmsError('InvalidSignatureException', "The 'Host' and 'X-Amz-Date' headers must be signed.")
  }
  if (amzDate.slice(0, 8) !== authorization.date) {
    throw new KmsError('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${authorization.date}' != '${amzDate.slice(0, 8)}'`)
  }
  checkClock(amzDate, now)

  const payloadHash = sha256Hex(request.body)
  const declaredPayloadHash = headers.get('x-amz-content-sha256')?.[0]
  if (declaredPayloadHash !== undefined && declaredPayloadHash !== payloadHash) {
    throw new KmsError('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.")
  }

  const canonicalRequest = [
    request.method,
    canonicalPath(request.url),
    canonicalQuery(request.url),
    ...authorization.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(name, headers)}`),
    '',
    authorization.signedHeaders.join(';'),
    payloadHash,
  ].join('\n')
  const scope = `${authorization.date}/${authorization.region}/${authorization.service}/${authorization.terminator}`
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(Buffer.from(canonicalRequest, 'utf8'))].join('\n')
  const signingKey = [authorization.date, authorization.region, service, 'aws4_request'].reduce<Buffer>(
    (key, part) => hmac(key, part),
    Buffer.from(`AWS4${credential.secretAccessKey}`, 'utf8'),
  )
  const expected = hmac(signingKey, stringToSign)
  const received = Buffer.from(authorization.signature, 'hex')
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new KmsError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  }
  return { region: authorization.region, accessKeyId: credential.accessKeyId }
}

function parseAuthorization(value: string): AuthorizationHeader {
  if (!value.startsWith(`${ALGORITHM} `)) {
    throw new KmsError('IncompleteSignatureException', `Authorization header requires the ${ALGORITHM} algorithm.`)
  }
  const fields = new Map<string, string>()
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const separator = part.indexOf('=')
    if (separator > 0) fields.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim())
  }
  const credential = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw new KmsError('IncompleteSignatureException', "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
  }
  const scope = credential.split('/')
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    throw new KmsError('IncompleteSignatureException', `Credential '${credential.slice(0, 200)}' is not of the form <access key>/<date>/<region>/<service>/aws4_request.`)
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw new KmsError('IncompleteSignatureException', 'Signature must be 64 lowercase hexadecimal characters.')
  }
  const names = signedHeaders.split(';')
  if (names.some((name) => !/^[a-z0-9-]+$/.test(name))) {
    throw new KmsError('IncompleteSignatureException', 'SignedHeaders must be lowercase header names separated by semicolons.')
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string]
  return { accessKeyId, date, region, service, terminator, signedHeaders: names, signature }
}

function checkSessionToken(credential: LocalKmsCredentials, tokens: string[] | undefined): void {
  const presented = tokens?.[0]
  if (credential.sessionToken === undefined && presented === undefined) return
  const matches =
    credential.sessionToken !== undefined &&
    presented !== undefined &&
    presented.length === credential.sessionToken.length &&
    timingSafeEqual(Buffer.from(presented), Buffer.from(credential.sessionToken))
  if (!matches) throw new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid.')
}

function checkScope(authorization: AuthorizationHeader, service: string): void {
  if (!/^\d{8}$/.test(authorization.date)) {
    throw new KmsError('IncompleteSignatureException', `Credential date '${authorization.date}' is not of the form yyyyMMdd.`)
  }
  if (!REGION_PATTERN.test(authorization.region)) {
    throw new KmsError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${authorization.region}'.`)
  }
  if (authorization.service !== service) {
    throw new KmsError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`)
  }
  if (authorization.terminator !== 'aws4_request') {
    throw new KmsError('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request'.")
  }
}

function checkClock(amzDate: string, now: number): void {
  const signedAt = Date.UTC(
    Number(amzDate.slice(0, 4)), Number(amzDate.slice(4, 6)) - 1, Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)), Number(amzDate.slice(11, 13)), Number(amzDate.slice(13, 15)),
  )
  const skew = signedAt - now
  if (Number.isNaN(skew) || Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    const serverTime = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
    throw new KmsError(
      'InvalidSignatureException',
      skew > 0
        ? `Signature not yet current: ${amzDate} is still later than ${serverTime} (${serverTime} + 5 min.)`
        : `Signature expired: ${amzDate} is now earlier than ${serverTime} (${serverTime} - 5 min.)`,
    )
  }
}

/** All values of every header, by lowercased name, in the order received. */
function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>()
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase()
    values.set(name, [...(values.get(name) ?? []), rawHeaders[index + 1] as string])
  }
  return values
}

function canonicalHeaderValue(name: string, headers: Map<string, string[]>): string {
  const values = headers.get(name)
  if (values === undefined) throw new KmsError('InvalidSignatureException', `Signed header '${name}' is missing from the request.`)
  return values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',')
}

// As the AWS SDKs do for every service but S3: normalize the path, then URI-encode each segment of it again.
function canonicalPath(url: string): string {
  const path = url.split('?')[0] ?? '/'
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`
  return uriEncode(normalized).replace(/%2F/g, '/')
}

function canonicalQuery(url: string): string {
  const separator = url.indexOf('?')
  if (separator < 0) return ''
  const pairs = url
    .slice(separator + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const [name, value] = equals < 0 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)]
      return [uriEncode(safeDecode(name)), uriEncode(safeDecode(value))] as const
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
  return pairs.map(([name, value]) => `${name}=${value}`).join('&')
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'))
  } catch {
    return text
  }
}

/** RFC 3986 encoding: everything but unreserved characters. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}
