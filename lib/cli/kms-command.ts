import { parseArgs } from 'node:util'
import { isEncryptorError } from '../errors'
import { startLocalKms, type LocalKms } from '../local/kms'
import { ACCOUNT_ID_PATTERN } from '../local/kms/arn'
import type { CliIo } from './main'

export const KMS_USAGE = `Usage: dynamodb-item-encryptor kms [options]

Runs a local AWS KMS that understands multi-Region keys, in the foreground, until Ctrl+C (SIGINT) or SIGTERM.
One server serves every Region: each request is handled in the Region it is signed for.

Options:
  --port <n>              TCP port (default 4566; 0 picks a free one)
  --host <address>        interface to listen on (default 127.0.0.1)
  --data <file>           keep keys and aliases in this JSON file across restarts (default: memory only).
                          The file holds key material unencrypted: for development data only.
  --account <id>          12-digit AWS account id of the keys (default 111122223333)
  --replica-delay-ms <n>  how long a new replica stays Creating (default 0)
  -h, --help              show this help
`

const DEFAULT_PORT = 4566
const MAX_PORT = 65535

/** `kms`: exit code 0 after a clean stop, 1 if the server could not start, 2 for bad options. */
export async function kmsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let values: { port?: string; host?: string; data?: string; account?: string; 'replica-delay-ms'?: string; help?: boolean }
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        account: { type: 'string' },
        'replica-delay-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${KMS_USAGE}`)
    return 2
  }
  if (values.help === true) {
    io.stdout.write(KMS_USAGE)
    return 0
  }
  const port = readInteger(values.port, '--port', DEFAULT_PORT)
  const delay = readInteger(values['replica-delay-ms'], '--replica-delay-ms', 0)
  const problem = typeof port === 'string' ? port : typeof delay === 'string' ? delay : flagProblem(port, values)
  if (problem !== undefined || typeof port === 'string' || typeof delay === 'string') {
    io.stderr.write(`${problem}\n\n${KMS_USAGE}`)
    return 2
  }

  let kms: LocalKms
  try {
    kms = await startLocalKms({
      port,
      replicaCreationDelayMs: delay,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values.data === undefined ? {} : { dataFile: values.data }),
      ...(values.account === undefined ? {} : { accountId: values.account }),
    })
  } catch (error) {
    io.stderr.write(`${isEncryptorError(error) ? error.message : `Local KMS could not start: ${(error as Error).message}`}\n`)
    return isEncryptorError(error) && /startLocalKms:/.test(error.message) ? 2 : 1
  }

  io.stdout.write(banner(kms, values.data))
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await kms.close()
  io.stdout.write(`\n${signal}: local KMS stopped after ${kms.calls().length} requests.\n`)
  return 0
}

/**
 * What startLocalKms would refuse, checked here as well so that the message names the flag the user typed rather than
 * the option (same account pattern, same port range).
 */
function flagProblem(port: number, values: { account?: string; data?: string }): string | undefined {
  if (port > MAX_PORT) return `--port must be between 0 and ${MAX_PORT}, not ${port}.`
  if (values.account !== undefined && !ACCOUNT_ID_PATTERN.test(values.account)) return `--account must be a 12-digit AWS account id, not "${values.account}".`
  if (values.data?.trim() === '') return '--data needs a file name; leave it out to keep the keys in memory only.'
  return undefined
}

function readInteger(text: string | undefined, flag: string, fallback: number): number | string {
  if (text === undefined) return fallback
  return /^\d{1,9}$/.test(text) ? Number(text) : `${flag} must be a whole number, not "${text}".`
}

function banner(kms: LocalKms, dataFile: string | undefined): string {
  const { accessKeyId, secretAccessKey } = kms.credentials
  return `Local KMS (multi-Region keys) listening on ${kms.endpoint}
  account      ${kms.accountId}
  credentials  ${accessKeyId} / ${secretAccessKey}
  data         ${dataFile === undefined ? 'memory only (lost when stopped)' : `${dataFile} (key material unencrypted: development only)`}

Point an AWS SDK or the AWS CLI at it:
  export AWS_ENDPOINT_URL_KMS=${kms.endpoint}
  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_REGION=us-east-1

  new KMSClient({ region: 'us-east-1', endpoint: '${kms.endpoint}',
    credentials: { accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' } })

Press Ctrl+C to stop.
`
}
