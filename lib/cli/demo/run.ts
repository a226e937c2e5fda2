import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { checkDemoMrk, createDemoMrk } from './key-setup'
import { checkAwsGlobalTable } from './aws-table'
import type { Cleanup } from './cleanup'
import { DemoFailure, explain } from './failure'
import { formatKmsCalls, formatMs } from './format'
import { demoPermissions, formatPermissions } from './iam'
import { KmsCallLog } from './kms-call-log'
import { createDemoGlobalTable } from './local-table'
import type { DemoOutput } from './output'
import type { AwsDemoPlan, DemoPlan, LocalDemoPlan } from './plan'
import { DEMO_KEY_SCHEMA, toAttributeValues, type DemoRecord, type TableKeySchema } from './record'
import { regionClients } from './regions'
import { runDirection, type DirectionResult } from './scenario'
import { dynamodbAdminClients, kmsAdminClients, openServices, type DemoServices } from './services'

/** How long the demo waits for things that take time; AWS is slower than the local stack by orders of magnitude. */
const WAITS = {
  local: { key: { pollMs: 50, timeoutMs: 30_000 }, replication: { pollMs: 25, timeoutMs: 15_000 } },
  aws: {
    key: { pollMs: 2_000, timeoutMs: 5 * 60_000 },
    table: { pollMs: 5_000, tableTimeoutMs: 5 * 60_000, replicaTimeoutMs: 30 * 60_000 },
    replication: { pollMs: 250, timeoutMs: 60_000 },
  },
} as const

/** Runs the whole demo; resolves when every check passed, throws a DemoFailure otherwise. */
export async function runDemo(plan: DemoPlan, out: DemoOutput, cleanup: Cleanup): Promise<void> {
  const started = Date.now()
  const { bold, dim, ok } = out.style
  const [first, second] = plan.regions
  out.line(bold(`dynamodb-item-encryptor demo: one multi-Region key, one global table, ${first} and ${second}`))
  out.line()

  if (plan.mode === 'aws') {
    out.line(bold('IAM permissions this run needs'))
    for (const line of formatPermissions(demoPermissions(plan))) out.line(`  ${line}`)
    out.line(dim(plan.create ? '  --create: what is missing (key replicas, the table, table replicas) is created; nothing is deleted but the demo\'s own items.' : '  Nothing is created, and nothing deleted but the demo\'s own items (--create creates a missing key replica, table or table replica).'))
    out.line(dim('  Billed on AWS: each KMS key (the primary and each replica) monthly until deleted, which takes 7 days or more'))
    out.line(dim('  (ScheduleKeyDeletion); the table and its replicas for storage and every write in each Region. The demo removes its'))
    out.line(dim('  items only; what --create made stays until you delete it.'))
    out.line()
  }

  out.line(bold('Setup'))
  const progress = (line: string) => out.line(`  ${line}`)
  const services = await openServices(plan, cleanup)
  progress(`DynamoDB      ${services.dynamodb.endpoint ?? 'regional endpoints'}  (${services.dynamodb.origin})`)
  progress(`KMS           ${services.kms.endpoint ?? 'regional endpoints'}  (${services.kms.origin})`)

  const setup = plan.mode === 'aws' ? await setUpAws(plan, services, cleanup, progress) : await setUpLocal(plan, services, cleanup, progress)
  progress(`Table config  the same in both Regions, with one key ARN: ${setup.primaryArn} (the primary)`)
  progress(`              each Region's client gets awsKmsMrkKeyring({ keyArn, region: <its Region> })`)
  out.line()

  const log = new KmsCallLog()
  const clients = plan.regions.map((region) =>
    regionClients({ region, tableName: setup.tableName, schema: setup.schema, keyArn: setup.primaryArn, dynamodb: services.dynamodb, kms: services.kms, log }, cleanup),
  )
  const written: { key: DemoRecord; region: string }[] = []
  const context = {
    tableName: setup.tableName,
    schema: setup.schema,
    primaryArn: setup.primaryArn,
    log,
    replication: plan.mode === 'aws' ? WAITS.aws.replication : WAITS.local.replication,
    ...(services.kmsServerCalls === undefined ? {} : { serverCalls: services.kmsServerCalls }),
    onWrite: (key: DemoRecord, region: string) => written.push({ key, region }),
    out,
  }
  const results: DirectionResult[] = []
  // On AWS the table is the user's: the demo's own items go, at the end or on Ctrl-C (a closer registered after the
  // clients it uses, so that it runs before they are destroyed).
  const deleteWritten = plan.mode === 'aws' ? demoItemsDeleter(plan, dynamodbAdminClients(services.dynamodb, cleanup), written, out) : async () => undefined
  if (plan.mode === 'aws') cleanup.add(`the demo's items in ${plan.tableName}`, deleteWritten)
  try {
    results.push(await runDirection(context, clients[0], clients[1], `Direction 1 of 2: write in ${first}, read in ${second}`))
    results.push(await runDirection(context, clients[1], clients[0], `Direction 2 of 2: write in ${second}, read in ${first}`))
  } finally {
    await deleteWritten()
  }

  out.line(bold('KMS calls, per client and Region'))
  for (const client of clients) {
    const calls = log.all().filter((call) => call.client === client.kmsClient)
    out.line(`  ${client.kmsClient}`)
    for (const line of formatKmsCalls(calls)) out.line(`    ${line}`)
  }
  out.line()
  out.line(
    `${ok('OK')}  both directions decrypted with the reading Region's own replica key; no client called KMS outside its Region. ` +
      dim(`(${formatMs(Date.now() - started)})`),
  )
}

interface Setup {
  primaryArn: string
  schema: TableKeySchema
  tableName: string
}

async function setUpLocal(plan: LocalDemoPlan, services: DemoServices, cleanup: Cleanup, progress: (line: string) => void): Promise<Setup> {
  const kms = kmsAdminClients(services.kms, cleanup)
  const ddb = dynamodbAdminClients(services.dynamodb, cleanup)
  const primaryArn = await phase('Creating the multi-Region key', () => createDemoMrk(kms, plan.regions, WAITS.local.key, progress))
  const tableName = await phase('Creating the global table', () => createDemoGlobalTable(services.dynamodb, ddb, plan, cleanup))
  progress(`Global table  ${tableName} in ${plan.regions.join(' and ')}  (created; stream NEW_AND_OLD_IMAGES, replicated both ways)`)
  return { primaryArn, schema: DEMO_KEY_SCHEMA, tableName }
}

async function setUpAws(plan: AwsDemoPlan, services: DemoServices, cleanup: Cleanup, progress: (line: string) => void): Promise<Setup> {
  const permissionsHint = 'The credentials lack a permission: compare with the IAM permissions listed at the top.'
  const kms = kmsAdminClients(services.kms, cleanup)
  const ddb = dynamodbAdminClients(services.dynamodb, cleanup)
  const primaryArn = await phase(
    'Checking the multi-Region key',
    () => checkDemoMrk(kms, plan.keyArn, plan.regions, { create: plan.create, wait: WAITS.aws.key, progress }),
    permissionsHint,
  )
  const schema = await phase('Checking the global table', () => checkAwsGlobalTable(ddb, plan, WAITS.aws.table, progress), permissionsHint)
  return { primaryArn, schema, tableName: plan.tableName }
}

/**
 * Removes the demo's own items from the user's table (from the Region that wrote each; the deletes replicate). Each is
 * deleted once, however often this runs; one that cannot be deleted is named, so the user can remove it.
 */
function demoItemsDeleter(
  plan: AwsDemoPlan,
  ddb: (region: string) => DynamoDBClient,
  written: { key: DemoRecord; region: string }[],
  out: DemoOutput,
): () => Promise<void> {
  return async () => {
    for (const { key, region } of written.splice(0)) {
      try {
        await ddb(region).send(new DeleteItemCommand({ TableName: plan.tableName, Key: toAttributeValues(key) }))
      } catch (error) {
        out.line(`  could not delete the demo item ${JSON.stringify(key)} from ${plan.tableName} in ${region}; delete it yourself: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}

async function phase<T>(name: string, action: () => Promise<T>, permissionsHint?: string): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (error instanceof DemoFailure) throw error
    throw explain(name, error, permissionsHint === undefined ? {} : { permissionsHint })
  }
}
