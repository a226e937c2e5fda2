import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createLocalGlobalTable } from '../../local'
import type { Cleanup } from './cleanup'
import { DemoFailure } from './failure'
import type { LocalDemoPlan } from './plan'
import { demoTableInput } from './record'
import type { ServiceAccess } from './services'

const MAX_NAME_SUFFIX = 100

/**
 * Creates the demo's global table on DynamoDB Local (a table per Region, replicated both ways) under a name no
 * table has yet: a DynamoDB Local that outlives the run (docker-compose, --data) still holds earlier runs' tables,
 * and the demo never writes to a table it did not create. Resolves to the name used.
 */
export async function createDemoGlobalTable(
  access: ServiceAccess,
  ddb: (region: string) => DynamoDBClient,
  plan: LocalDemoPlan,
  cleanup: Cleanup,
): Promise<string> {
  const { endpoint, credentials } = access
  if (endpoint === undefined || credentials === undefined) throw new Error('the local demo needs a DynamoDB Local endpoint')
  const tableName = await freeTableName(ddb, plan, endpoint)
  const table = await createLocalGlobalTable({ endpoint, credentials: { ...credentials }, regions: [...plan.regions], table: demoTableInput(tableName) })
  cleanup.add('global-table replication', () => table.close())
  return tableName
}

async function freeTableName(ddb: (region: string) => DynamoDBClient, plan: LocalDemoPlan, endpoint: string): Promise<string> {
  const existsSomewhere = async (name: string) => (await Promise.all(plan.regions.map((region) => tableExists(ddb(region), name)))).some(Boolean)
  if (!(await existsSomewhere(plan.tableName))) return plan.tableName
  if (plan.tableNameGiven) {
    throw new DemoFailure(
      `Table ${plan.tableName} already exists in DynamoDB Local at ${endpoint}.`,
      'The demo only writes to tables it creates: pass another --table NAME, or leave --table out to get a free name.',
    )
  }
  for (let suffix = 2; suffix <= MAX_NAME_SUFFIX; suffix++) {
    const candidate = `${plan.tableName}-${suffix}`
    if (!(await existsSomewhere(candidate))) return candidate
  }
  throw new DemoFailure(
    `Tables ${plan.tableName} to ${plan.tableName}-${MAX_NAME_SUFFIX} all exist in DynamoDB Local at ${endpoint}.`,
    'Restart DynamoDB Local (docker-compose restart dynamodb-local) or use a new --data folder.',
  )
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }))
    return true
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return false
    throw error
  }
}
