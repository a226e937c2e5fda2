import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type ScalarAttributeType,
  type TableDescription,
} from '@aws-sdk/client-dynamodb'
import { DemoFailure } from './failure'
import { formatMs } from './format'
import type { AwsDemoPlan } from './plan'
import { demoTableInput, type TableKeySchema } from './record'

export type DynamoDBAdminClients = (region: string) => DynamoDBClient

export interface TableWaitPolicy {
  pollMs: number
  tableTimeoutMs: number
  replicaTimeoutMs: number
}

type Progress = (line: string) => void

/**
 * Checks that `plan.tableName` is a global table (version 2019.11.21) with a replica in each Region of the plan.
 * With `--create` it creates what is missing, and only that: the table in the first Region (on-demand, key
 * `customerId` (S), stream NEW_AND_OLD_IMAGES), then one replica per other Region with UpdateTable ReplicaUpdates.
 * Resolves to the table's key schema, which the demo's table configuration follows.
 */
export async function checkAwsGlobalTable(
  ddb: DynamoDBAdminClients,
  plan: AwsDemoPlan,
  wait: TableWaitPolicy,
  progress: Progress,
): Promise<TableKeySchema> {
  const [home] = plan.regions
  let table = await describe(ddb, home, plan.tableName)
  const createdHere = table === undefined
  if (table === undefined) {
    if (!plan.create) {
      throw new DemoFailure(
        `Table ${plan.tableName} does not exist in ${home}.`,
        `Create it as a global table with replicas in ${plan.regions.join(' and ')}, or re-run with --create.`,
      )
    }
    const started = Date.now()
    await ddb(home).send(new CreateTableCommand(demoTableInput(plan.tableName)))
    table = await waitFor(ddb, home, plan.tableName, wait.pollMs, wait.tableTimeoutMs, (t) => t.TableStatus === 'ACTIVE', 'to become ACTIVE', progress)
    progress(`Table         ${plan.tableName} in ${home}  (created, ACTIVE after ${formatMs(Date.now() - started)})`)
  } else {
    progress(`Table         ${plan.tableName} in ${home}  (exists)`)
  }
  const schema = keySchemaOf(table, plan.tableName)

  for (const region of plan.regions.filter((r) => r !== home)) {
    const replica = table.Replicas?.find((r) => r.RegionName === region)
    if (replica === undefined) {
      // --create adds replicas only to the table it created: making an existing table global copies all of it to
      // another Region and bills every later write there too, which is the owner's decision, not the demo's.
      if (!plan.create || !createdHere) {
        throw new DemoFailure(
          `Table ${plan.tableName} has no replica in ${region}: it is not a global table spanning ${plan.regions.join(' and ')}.`,
          `Add one yourself if you want this table global (it copies the table to ${region} and bills every write there): ` +
            `aws dynamodb update-table --region ${home} --table-name ${plan.tableName} --replica-updates '[{"Create":{"RegionName":"${region}"}}]'` +
            `${plan.create ? '; or pick a --table name that does not exist yet, which --create makes global.' : ', or re-run with --create and a --table name that does not exist yet.'}`,
        )
      }
      const started = Date.now()
      // One replica per request, as AWS recommends; the next waits until this one is ACTIVE.
      await ddb(home).send(new UpdateTableCommand({ TableName: plan.tableName, ReplicaUpdates: [{ Create: { RegionName: region } }] }))
      table = await waitFor(ddb, home, plan.tableName, wait.pollMs, wait.replicaTimeoutMs, (t) => replicaActive(t, region), `to have an ACTIVE replica in ${region}`, progress)
      progress(`Replica       ${plan.tableName} in ${region}  (created, ACTIVE after ${formatMs(Date.now() - started)})`)
    } else if (replica.ReplicaStatus !== 'ACTIVE') {
      table = await waitFor(ddb, home, plan.tableName, wait.pollMs, wait.replicaTimeoutMs, (t) => replicaActive(t, region), `to have an ACTIVE replica in ${region}`, progress)
      progress(`Replica       ${plan.tableName} in ${region}  (ACTIVE)`)
    } else {
      progress(`Replica       ${plan.tableName} in ${region}  (exists, ACTIVE)`)
    }
  }
  return schema
}

function replicaActive(table: TableDescription, region: string): boolean {
  return table.TableStatus === 'ACTIVE' && table.Replicas?.some((r) => r.RegionName === region && r.ReplicaStatus === 'ACTIVE') === true
}

export function keySchemaOf(table: TableDescription, tableName: string): TableKeySchema {
  const typeOf = (name: string): ScalarAttributeType => {
    const type = table.AttributeDefinitions?.find((d) => d.AttributeName === name)?.AttributeType
    if (type === undefined) throw new DemoFailure(`DescribeTable ${tableName} did not give the type of key attribute ${name}.`, 'Check the table in the console.')
    return type
  }
  const hash = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName
  const range = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName
  if (hash === undefined) throw new DemoFailure(`DescribeTable ${tableName} returned no partition key.`, 'Check the table in the console.')
  return {
    partitionKey: { name: hash, type: typeOf(hash) },
    ...(range === undefined ? {} : { sortKey: { name: range, type: typeOf(range) } }),
  }
}

async function waitFor(
  ddb: DynamoDBAdminClients,
  region: string,
  tableName: string,
  pollMs: number,
  timeoutMs: number,
  done: (table: TableDescription) => boolean,
  what: string,
  progress: Progress,
): Promise<TableDescription> {
  const started = Date.now()
  let lastReport = started
  for (;;) {
    const table = await describe(ddb, region, tableName)
    if (table !== undefined && done(table)) return table
    if (Date.now() - started >= timeoutMs) {
      throw new DemoFailure(
        `Table ${tableName} in ${region} did not get ${what} within ${formatMs(timeoutMs)}.`,
        'AWS may still be working on it: check the table in the console and re-run the demo when it is ACTIVE.',
      )
    }
    if (Date.now() - lastReport >= 60_000) {
      progress(`              still waiting for ${tableName} ${what} (${formatMs(Date.now() - started)})`)
      lastReport = Date.now()
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

async function describe(ddb: DynamoDBAdminClients, region: string, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await ddb(region).send(new DescribeTableCommand({ TableName: tableName }))).Table
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined
    throw error
  }
}
