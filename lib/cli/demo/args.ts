import { ConfigError } from '../../errors'

/** The `demo` command's flags exactly as given; `planDemo` turns them into a plan. */
export interface DemoArgs {
  help: boolean
  aws: boolean
  create: boolean
  data?: string
  dynamodbEndpoint?: string
  kmsEndpoint?: string
  table?: string
  keyArn?: string
  regions?: string
}

type ValueFlag = 'data' | 'dynamodbEndpoint' | 'kmsEndpoint' | 'table' | 'keyArn' | 'regions'
type SwitchFlag = 'help' | 'aws' | 'create'

const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '--data': 'data',
  '--dynamodb-endpoint': 'dynamodbEndpoint',
  '--kms-endpoint': 'kmsEndpoint',
  '--table': 'table',
  '--key-arn': 'keyArn',
  '--regions': 'regions',
}

const SWITCH_FLAGS: Readonly<Record<string, SwitchFlag>> = {
  '--help': 'help',
  '-h': 'help',
  '--aws': 'aws',
  '--create': 'create',
}

export const DEMO_USAGE = `Usage: dynamodb-item-encryptor demo [flags]

Runs the multi-Region scenario: encrypt a record with the primary multi-Region key (MRK), put it in
one Region of a global table, let the table replicate it, get it in another Region and decrypt it
there with that Region's replica key, with no cross-Region KMS call. Then the other way round.

Local (default): starts DynamoDB Local (needs Java 17+) and the local KMS on free ports.
  --data DIR                 keep state in DIR (KMS key file and DynamoDB database) instead of a
                             temporary folder removed at exit
  --dynamodb-endpoint URL    use a running DynamoDB Local (e.g. docker-compose: http://localhost:8000)
  --kms-endpoint URL         use a running local KMS (e.g. docker-compose: http://localhost:4566)
  --table NAME               table name (default: Customers)
  --regions R1,R2            writer Region first (default: us-east-1,us-west-2)

Real AWS:
  --aws                      default credential chain, real endpoints; needs --table and --key-arn
  --key-arn ARN              an MRK ARN (arn:aws:kms:REGION:ACCOUNT:key/mrk-...)
  --regions R1,R2            Regions of the global table (default: us-east-1,us-west-2)
  --create                   create what is missing: the MRK replica in each Region (ReplicateKey)
                             and the global table (CreateTable, then UpdateTable ReplicaUpdates).
                             Without it nothing is created; nothing is ever deleted except the
                             demo's own items.

  --help                     show this text
`

/** Parses `demo` flags; throws a ConfigError naming the flag for anything unknown, repeated or missing a value. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = { help: false, aws: false, create: false }
  const seen = new Set<string>()
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]
    const equals = token.startsWith('--') ? token.indexOf('=') : -1
    const name = equals === -1 ? token : token.slice(0, equals)
    const inlineValue = equals === -1 ? undefined : token.slice(equals + 1)

    const valueKey = VALUE_FLAGS[name]
    const switchKey = SWITCH_FLAGS[name]
    if (valueKey === undefined && switchKey === undefined) {
      throw usageError(
        token.startsWith('-')
          ? `unknown flag ${name}`
          : `unexpected argument "${token}" (flags take the form --name value)`,
      )
    }
    const canonical = valueKey ?? switchKey
    if (seen.has(canonical)) throw usageError(`${name} is given more than once`)
    seen.add(canonical)

    if (switchKey !== undefined) {
      if (inlineValue !== undefined) throw usageError(`${name} takes no value`)
      args[switchKey] = true
      continue
    }
    let value = inlineValue
    if (value === undefined) {
      const next = argv[index + 1]
      if (next === undefined || next.startsWith('--')) throw usageError(`${name} needs a value`)
      value = next
      index++
    }
    if (value.trim() === '') throw usageError(`${name} needs a non-empty value`)
    args[valueKey] = value
  }
  return args
}

export function usageError(problem: string): ConfigError {
  return new ConfigError('ERR_CONFIG_INVALID', `demo: ${problem}. Run "dynamodb-item-encryptor demo --help" for the flags.`)
}
