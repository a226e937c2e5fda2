import { resolve } from 'node:path'
import { parseDemoArgs, usageError, type DemoArgs } from './args'

export const DEFAULT_REGIONS = ['us-east-1', 'us-west-2'] as const
export const DEFAULT_TABLE = 'Customers'

/** Where one service of the demo lives. */
export type ServicePlan =
  | { kind: 'start-local' } // started by the demo on a free port of 127.0.0.1, stopped at exit
  | { kind: 'external'; url: string } // already running (docker-compose); the demo only talks to it
  | { kind: 'aws' } // the real regional endpoint, resolved by the SDK

export interface LocalDemoPlan {
  mode: 'local'
  /** Writer Region first; the demo then runs the other way round. */
  regions: readonly [string, string]
  tableName: string
  /**
   * `--table` was given. Then an existing table of that name is an error (the demo never touches a table it did
   * not create); otherwise, when DynamoDB keeps earlier runs (external or --data), the first free `Customers-N`.
   */
  tableNameGiven: boolean
  dynamodb: ServicePlan
  kms: ServicePlan
  /** Where started services keep their state: a temporary folder removed at exit, or a kept one. */
  state: { kind: 'temporary' } | { kind: 'kept'; dir: string }
}

export interface AwsDemoPlan {
  mode: 'aws'
  regions: readonly [string, string]
  tableName: string
  keyArn: string
  /** Create the missing MRK replicas and the global table; without it nothing is created. */
  create: boolean
  dynamodb: { kind: 'aws' }
  kms: { kind: 'aws' }
}

export type DemoPlan = LocalDemoPlan | AwsDemoPlan

export type DemoInvocation = { kind: 'help' } | { kind: 'run'; plan: DemoPlan }

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const MRK_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:key\/mrk-[0-9a-f]{32}$/

/**
 * Resolves the `demo` flags into what the run will touch, without touching anything:
 * the same function decides, for tests and for the real run, that `--aws` configures no local endpoint.
 */
/** Variables with which the SDK sends requests elsewhere than the regional AWS endpoints. */
const ENDPOINT_OVERRIDES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS'] as const

/**
 * `--aws` promises the real AWS endpoints, and its KMS check is about Regions: refused while the environment points
 * the SDK elsewhere (the kms command itself suggests exporting AWS_ENDPOINT_URL_KMS), or local keys would protect
 * items written to a real table.
 */
export function refuseEndpointOverrides(plan: DemoPlan, env: NodeJS.ProcessEnv): void {
  if (plan.mode !== 'aws') return
  const set = ENDPOINT_OVERRIDES.filter((name) => env[name] !== undefined && env[name] !== '')
  if (set.length > 0) {
    throw usageError(
      `--aws uses the real AWS endpoints, but ${set.map((name) => `${name}=${env[name] ?? ''}`).join(', ')} would send the SDK's requests elsewhere; ` +
        'unset it, or run without --aws (with --dynamodb-endpoint/--kms-endpoint for local services)',
    )
  }
}

export function planDemo(argv: readonly string[], cwd: string = process.cwd()): DemoInvocation {
  const args = parseDemoArgs(argv)
  if (args.help) return { kind: 'help' }
  const regions = parseRegions(args.regions)
  const tableName = parseTableName(args.table)
  return { kind: 'run', plan: args.aws ? planAws(args, regions, tableName) : planLocal(args, regions, tableName, cwd) }
}

function planAws(args: DemoArgs, regions: readonly [string, string], tableName: string): AwsDemoPlan {
  const localOnly = (['data', 'dynamodbEndpoint', 'kmsEndpoint'] as const).filter((flag) => args[flag] !== undefined)
  if (localOnly.length > 0) {
    throw usageError(`${localOnly.map(flagName).join(', ')} cannot be combined with --aws, which uses the real AWS endpoints`)
  }
  if (args.keyArn === undefined) {
    throw usageError('--aws needs --key-arn ARN: the multi-Region key (arn:aws:kms:REGION:ACCOUNT:key/mrk-...) that protects the items')
  }
  if (args.table === undefined) throw usageError('--aws needs --table NAME: the global table to write the demo items to')
  return {
    mode: 'aws',
    regions,
    tableName,
    keyArn: parseMrkArn(args.keyArn),
    create: args.create,
    dynamodb: { kind: 'aws' },
    kms: { kind: 'aws' },
  }
}

function planLocal(args: DemoArgs, regions: readonly [string, string], tableName: string, cwd: string): LocalDemoPlan {
  if (args.keyArn !== undefined) {
    throw usageError('--key-arn is only for --aws; the local demo creates its own multi-Region key')
  }
  if (args.create) throw usageError('--create is only for --aws; the local demo always creates its key and table')
  const dynamodb = serviceFromFlag('--dynamodb-endpoint', args.dynamodbEndpoint)
  const kms = serviceFromFlag('--kms-endpoint', args.kmsEndpoint)
  if (args.data !== undefined && dynamodb.kind === 'external' && kms.kind === 'external') {
    throw usageError('--data has nothing to keep when both --dynamodb-endpoint and --kms-endpoint point at running services')
  }
  return {
    mode: 'local',
    regions,
    tableName,
    tableNameGiven: args.table !== undefined,
    dynamodb,
    kms,
    state: args.data === undefined ? { kind: 'temporary' } : { kind: 'kept', dir: resolve(cwd, args.data) },
  }
}

function parseRegions(value: string | undefined): readonly [string, string] {
  if (value === undefined) return DEFAULT_REGIONS
  const regions = value.split(',').map((region) => region.trim())
  if (regions.length !== 2) {
    throw usageError(`--regions takes exactly two Regions, the writer's then the reader's (got "${value}")`)
  }
  const bad = regions.find((region) => !REGION.test(region))
  if (bad !== undefined) throw usageError(`--regions: "${bad}" is not a Region name like us-east-1`)
  if (regions[0] === regions[1]) throw usageError(`--regions: the two Regions must differ (got ${regions[0]} twice)`)
  return [regions[0], regions[1]]
}

function parseTableName(value: string | undefined): string {
  if (value === undefined) return DEFAULT_TABLE
  if (!TABLE_NAME.test(value)) {
    throw usageError(`--table: "${value}" is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`)
  }
  return value
}

function parseMrkArn(value: string): string {
  if (MRK_ARN.test(value)) return value
  if (/:key\/[0-9a-f-]{36}$/.test(value)) {
    throw usageError(
      `--key-arn: ${value} is a single-Region key; the demo needs a multi-Region key (its id starts with mrk-), ` +
        'created with "aws kms create-key --multi-region"',
    )
  }
  throw usageError(`--key-arn: "${value}" is not a multi-Region key ARN (arn:aws:kms:REGION:ACCOUNT:key/mrk-<32 hex digits>)`)
}

function serviceFromFlag(flag: string, value: string | undefined): ServicePlan {
  if (value === undefined) return { kind: 'start-local' }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usageError(`${flag}: "${value}" is not a URL (for example http://localhost:8000)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${flag}: "${value}" must be an http:// or https:// URL`)
  }
  return { kind: 'external', url: value.replace(/\/+$/, '') }
}

function flagName(key: 'data' | 'dynamodbEndpoint' | 'kmsEndpoint'): string {
  return { data: '--data', dynamodbEndpoint: '--dynamodb-endpoint', kmsEndpoint: '--kms-endpoint' }[key]
}
