import { isEncryptorError } from '../../errors'

/**
 * The demo stopped: `what` failed, `check` says what to look at. Only the CLI sees it;
 * it becomes a message on stderr and exit code 1.
 */
export class DemoFailure extends Error {
  constructor(
    readonly what: string,
    readonly check: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}\n${check}`, options)
    this.name = 'DemoFailure'
  }
}

export const JAVA_HINT =
  'DynamoDB Local needs Java 17 or later on the PATH ("java -version"). Install it with ' +
  '"apt-get install -y openjdk-17-jre-headless" (Debian/Ubuntu) or "brew install openjdk@17" (macOS), ' +
  'or start it with "docker-compose up" and pass --dynamodb-endpoint http://localhost:8000.'

/** What to check after `error` stopped `step`: the hint names the likely cause and the fix. */
export function explain(step: string, error: unknown, context: { permissionsHint?: string } = {}): DemoFailure {
  if (error instanceof DemoFailure) return error
  const name = errorName(error)
  const message = error instanceof Error ? error.message : String(error)
  const what = `${step} failed: ${name && !message.startsWith(name) ? `${name}: ` : ''}${message}`
  return new DemoFailure(what, hintFor(name, message, error, context), { cause: error })
}

function hintFor(name: string, message: string, error: unknown, context: { permissionsHint?: string }): string {
  const code = (error as { code?: unknown } | null)?.code
  if (/\bjava\b/i.test(message) || (code === 'ENOENT' && /spawn/i.test(message))) return JAVA_HINT
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return 'Nothing answered at that endpoint. If you passed --dynamodb-endpoint or --kms-endpoint, start the services ' +
      '("docker-compose up") or drop the flag to let the demo start them.'
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return 'No AWS credentials were found. Configure them ("aws configure", "aws sso login", or AWS_PROFILE / AWS_ACCESS_KEY_ID).'
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|not authorized/i.test(`${name} ${message}`)) {
    return context.permissionsHint ?? 'The credentials lack a permission this step needs; see the permissions listed above.'
  }
  if (name === 'ResourceNotFoundException') {
    return 'The table does not exist in that Region: create it as a global table there, or re-run with --create.'
  }
  if (name === 'NotFoundException') {
    return 'The KMS key does not exist in that Region: replicate the MRK there ("aws kms replicate-key"), or re-run with --create.'
  }
  if (isEncryptorError(error)) return `The library refused it with ${error.code}; the message above says what to change.`
  return 'Re-run with the same flags; if it fails again, the message above names the request that failed.'
}

/** The AWS error name (NotFoundException, …) says something; our own error classes' messages already say it all. */
function errorName(error: unknown): string {
  if (!(error instanceof Error) || isEncryptorError(error)) return ''
  return error.name === 'Error' ? '' : error.name
}
