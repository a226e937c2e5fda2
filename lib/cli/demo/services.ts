import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { DEFAULT_CREDENTIALS as LOCAL_KMS_DEFAULT_CREDENTIALS, startDynamoDBLocal, startLocalKms } from '../../local'
import type { Cleanup } from './cleanup'
import { explain } from './failure'
import type { DemoPlan } from './plan'

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

/** One service as the demo's clients reach it; no endpoint means the real AWS endpoint and the default credential chain. */
export interface ServiceAccess {
  endpoint?: string
  credentials?: Credentials
  /** How the demo got it, for the setup lines. */
  origin: string
}

export interface DemoServices {
  dynamodb: ServiceAccess
  kms: ServiceAccess
  /** Requests the local KMS received, when the demo started it. */
  kmsServerCalls?: () => readonly { region: string; operation: string }[]
}

/** DynamoDB Local keeps one database per access key id and Region; any alphanumeric id works. */
export const LOCAL_DYNAMODB_CREDENTIALS: Credentials = { accessKeyId: 'demo', secretAccessKey: 'demo' }

/** Starts (or connects to) DynamoDB and KMS as the plan says; everything started is registered in `cleanup`. */
export async function openServices(plan: DemoPlan, cleanup: Cleanup): Promise<DemoServices> {
  if (plan.mode === 'aws') {
    return { dynamodb: { origin: 'AWS, default credential chain' }, kms: { origin: 'AWS, default credential chain' } }
  }
  const stateDir = plan.state.kind === 'kept' ? plan.state.dir : undefined
  // Both start at once: DynamoDB Local's JVM dominates the start-up time.
  const [dynamodb, kms] = await Promise.allSettled([
    (async (): Promise<ServiceAccess> => {
      if (plan.dynamodb.kind === 'external') {
        return { endpoint: plan.dynamodb.url, credentials: LOCAL_DYNAMODB_CREDENTIALS, origin: 'running service' }
      }
      const handle = await startDynamoDBLocal(stateDir === undefined ? {} : { dbPath: join(stateDir, 'dynamodb') })
      cleanup.add('DynamoDB Local', () => handle.close())
      const where = stateDir === undefined ? 'in memory' : `data in ${join(stateDir, 'dynamodb')}`
      return { endpoint: handle.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS, origin: `started, ${where}` }
    })().catch((error: unknown) => {
      throw explain('Starting DynamoDB Local', error)
    }),
    (async (): Promise<ServiceAccess & { calls?: DemoServices['kmsServerCalls'] }> => {
      if (plan.kms.kind === 'external') {
        return { endpoint: plan.kms.url, credentials: LOCAL_KMS_DEFAULT_CREDENTIALS, origin: 'running service' }
      }
      const handle = await startLocalKms({ host: '127.0.0.1', ...(stateDir === undefined ? {} : { dataFile: join(stateDir, 'kms.json') }) })
      cleanup.add('local KMS', () => handle.close())
      const where = stateDir === undefined ? 'keys in memory' : `keys in ${join(stateDir, 'kms.json')}`
      return { endpoint: handle.endpoint, credentials: handle.credentials, origin: `started, ${where}`, calls: () => handle.calls() }
    })().catch((error: unknown) => {
      throw explain('Starting the local KMS', error)
    }),
  ])
  if (dynamodb.status === 'rejected') throw dynamodb.reason
  if (kms.status === 'rejected') throw kms.reason
  const { calls, ...kmsAccess } = kms.value
  return { dynamodb: dynamodb.value, kms: kmsAccess, ...(calls === undefined ? {} : { kmsServerCalls: calls }) }
}

/** One client per Region, created on first use and destroyed at clean-up. */
export function clientsPerRegion<T extends { destroy(): void }>(create: (region: string) => T, cleanup: Cleanup, name: string): (region: string) => T {
  const clients = new Map<string, T>()
  cleanup.add(name, () => clients.forEach((client) => client.destroy()))
  return (region) => {
    let client = clients.get(region)
    if (client === undefined) {
      client = create(region)
      clients.set(region, client)
    }
    return client
  }
}

export function kmsAdminClients(access: ServiceAccess, cleanup: Cleanup): (region: string) => KMSClient {
  return clientsPerRegion((region) => new KMSClient({ region, ...connection(access) }), cleanup, 'KMS setup clients')
}

export function dynamodbAdminClients(access: ServiceAccess, cleanup: Cleanup): (region: string) => DynamoDBClient {
  return clientsPerRegion((region) => new DynamoDBClient({ region, ...connection(access) }), cleanup, 'DynamoDB setup clients')
}

/**
 * Bounds on every demo request, so that an endpoint that accepts a connection and never answers (or a stalled network)
 * fails the step with a message instead of hanging the demo.
 */
export const DEMO_HTTP_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 15_000, throwOnRequestTimeout: true } as const

/** Endpoint and credentials when the service is local; nothing (the SDK's defaults) on AWS. Timeouts either way. */
export function connection(access: ServiceAccess): { endpoint?: string; credentials?: Credentials; requestHandler: typeof DEMO_HTTP_TIMEOUTS } {
  return {
    requestHandler: DEMO_HTTP_TIMEOUTS,
    ...(access.endpoint === undefined ? {} : { endpoint: access.endpoint }),
    // A copy each time: the SDK annotates the credentials object it is given.
    ...(access.credentials === undefined ? {} : { credentials: { ...access.credentials } }),
  }
}
