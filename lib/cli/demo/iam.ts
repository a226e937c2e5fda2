import type { AwsDemoPlan } from './plan'

export interface Permission {
  action: string
  resource: string
}

export interface PermissionGroup {
  /** Who needs it: the application when it writes, when it reads, the demo's own checks, or --create. */
  purpose: string
  permissions: Permission[]
}

export interface RegionPermissions {
  region: string
  groups: PermissionGroup[]
}

/** The MRK's ARN in `region`: related multi-Region keys differ only in their Region. */
export function mrkArnInRegion(keyArn: string, region: string): string {
  const parts = keyArn.split(':')
  parts[3] = region
  return parts.join(':')
}

/**
 * What `demo --aws` needs, Region by Region. The application part is the recipe for any app:
 * GenerateDataKey only where it writes, Decrypt only on the replica of the Region where it reads.
 */
export function demoPermissions(plan: AwsDemoPlan): RegionPermissions[] {
  const [, partition, , keyRegion, account] = plan.keyArn.split(':')
  const tableArn = (region: string) => `arn:${partition}:dynamodb:${region}:${account}:table/${plan.tableName}`
  const perRegion = plan.regions.map((region) => {
    const key = mrkArnInRegion(plan.keyArn, region)
    const groups: PermissionGroup[] = [
      {
        purpose: 'application, where it writes',
        permissions: [
          { action: 'kms:GenerateDataKey', resource: key },
          { action: 'dynamodb:PutItem', resource: tableArn(region) },
        ],
      },
      {
        purpose: 'application, where it reads',
        permissions: [
          { action: 'kms:Decrypt', resource: key },
          { action: 'dynamodb:GetItem', resource: tableArn(region) },
        ],
      },
      {
        purpose: 'demo checks and clean-up of its own items',
        permissions: [
          { action: 'kms:DescribeKey', resource: key },
          { action: 'dynamodb:DescribeTable', resource: tableArn(region) },
          { action: 'dynamodb:DeleteItem', resource: tableArn(region) },
        ],
      },
    ]
    if (plan.create) groups.push(createPermissions(plan, region, keyRegion, tableArn(region)))
    return { region, groups }
  })
  if (!plan.regions.includes(keyRegion)) {
    // The key given by --key-arn is described in its own Region, and ReplicateKey is called in the primary's Region;
    // neither need be one of the table's.
    const groups: PermissionGroup[] = [{ purpose: 'demo checks', permissions: [{ action: 'kms:DescribeKey', resource: plan.keyArn }] }]
    if (plan.create) {
      groups.push({ purpose: 'with --create', permissions: [{ action: 'kms:ReplicateKey', resource: `${plan.keyArn} (the primary key, if --key-arn names a replica)` }] })
    }
    perRegion.push({ region: keyRegion, groups })
  }
  return perRegion
}

function createPermissions(plan: AwsDemoPlan, region: string, keyRegion: string, tableArn: string): PermissionGroup {
  const permissions: Permission[] = []
  if (region === keyRegion) {
    permissions.push({ action: 'kms:ReplicateKey', resource: `${plan.keyArn} (the primary key, if --key-arn names a replica)` })
  }
  else permissions.push({ action: 'kms:CreateKey', resource: '* (ReplicateKey creates the replica key in this Region)' })
  if (region === plan.regions[0]) {
    permissions.push(
      { action: 'dynamodb:CreateTable', resource: tableArn },
      { action: 'dynamodb:UpdateTable', resource: tableArn },
    )
  } else {
    permissions.push(
      ...['CreateTable', 'CreateTableReplica', 'Scan', 'Query', 'UpdateItem', 'PutItem', 'GetItem', 'DeleteItem', 'BatchWriteItem'].map(
        (action) => ({ action: `dynamodb:${action}`, resource: tableArn }),
      ),
    )
  }
  permissions.push({ action: 'iam:CreateServiceLinkedRole', resource: 'AWSServiceRoleForDynamoDBReplication (first global table of the account only)' })
  return { purpose: 'with --create', permissions }
}

export function formatPermissions(regions: readonly RegionPermissions[]): string[] {
  const lines: string[] = []
  for (const { region, groups } of regions) {
    lines.push(region)
    for (const group of groups) {
      lines.push(`  ${group.purpose}:`)
      const width = Math.max(...group.permissions.map((p) => p.action.length))
      for (const permission of group.permissions) lines.push(`    ${permission.action.padEnd(width)}  ${permission.resource}`)
    }
  }
  return lines
}
