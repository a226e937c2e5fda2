import {
  CreateKeyCommand,
  DescribeKeyCommand,
  ReplicateKeyCommand,
  type KMSClient,
  type KeyMetadata,
} from '@aws-sdk/client-kms'
import { DemoFailure } from './failure'
import { formatMs } from './format'
import { mrkArnInRegion } from './iam'

/** KMS clients for setting up the key; they are not the application's clients, so their calls are not in the demo's log. */
export type KmsAdminClients = (region: string) => KMSClient

export interface KeyWaitPolicy {
  pollMs: number
  timeoutMs: number
}

type Progress = (line: string) => void

/** Creates an MRK primary in the first Region and a replica in each other one (the local demo). */
export async function createDemoMrk(kms: KmsAdminClients, regions: readonly string[], wait: KeyWaitPolicy, progress: Progress): Promise<string> {
  const { KeyMetadata: created } = await kms(regions[0]).send(
    new CreateKeyCommand({ MultiRegion: true, Description: 'dynamodb-item-encryptor demo', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }),
  )
  const primaryArn = created?.Arn
  if (primaryArn === undefined) throw new DemoFailure('CreateKey returned no key ARN.', 'Check that --kms-endpoint points at a KMS.')
  progress(`MRK primary   ${primaryArn}  (created)`)
  for (const region of regions.slice(1)) await ensureReplica(kms, primaryArn, region, { create: true, wait, progress })
  return primaryArn
}

/**
 * Checks that `keyArn` is a usable MRK with an enabled key in every Region (`demo --aws`), replicating it
 * where it is missing only when `create` is set. Resolves to the primary key's ARN.
 */
export async function checkDemoMrk(
  kms: KmsAdminClients,
  keyArn: string,
  regions: readonly string[],
  options: { create: boolean; wait: KeyWaitPolicy; progress: Progress },
): Promise<string> {
  const given = await describe(kms, keyArn)
  if (given === undefined) {
    throw new DemoFailure(`The key ${keyArn} does not exist.`, 'Check --key-arn (account, Region and key id) and the credentials\' account.')
  }
  if (given.MultiRegion !== true) {
    throw new DemoFailure(`${keyArn} is not a multi-Region key.`, 'Create one with "aws kms create-key --multi-region" and pass its ARN.')
  }
  const primaryArn = given.MultiRegionConfiguration?.PrimaryKey?.Arn ?? keyArn
  options.progress(`MRK primary   ${primaryArn}`)
  for (const region of regions) await ensureReplica(kms, primaryArn, region, options)
  return primaryArn
}

async function ensureReplica(
  kms: KmsAdminClients,
  primaryArn: string,
  region: string,
  options: { create: boolean; wait: KeyWaitPolicy; progress: Progress },
): Promise<void> {
  const arn = mrkArnInRegion(primaryArn, region)
  const primaryRegion = primaryArn.split(':')[3]
  const existing = await describe(kms, arn)
  if (existing === undefined) {
    if (!options.create) {
      throw new DemoFailure(
        `The multi-Region key has no replica in ${region} (${arn} does not exist).`,
        `Replicate it: aws kms replicate-key --region ${primaryRegion} --key-id ${primaryArn} --replica-region ${region}, or re-run with --create.`,
      )
    }
    await kms(primaryRegion).send(new ReplicateKeyCommand({ KeyId: primaryArn, ReplicaRegion: region, Description: 'dynamodb-item-encryptor demo' }))
  }
  const started = Date.now()
  const state = await waitUntilEnabled(kms, arn, options.wait)
  if (state !== 'Enabled') {
    throw new DemoFailure(
      `The key ${arn} is ${state ?? 'not available'}, not Enabled.`,
      state === 'Creating'
        ? `KMS is still creating the replica; re-run in a minute.`
        : `Enable it (aws kms enable-key --region ${region} --key-id ${arn}) or cancel its deletion.`,
    )
  }
  const role = region === primaryRegion ? 'MRK primary ' : 'MRK replica '
  const how = existing === undefined ? `replicated from ${primaryRegion}, Enabled after ${formatMs(Date.now() - started)}` : 'exists, Enabled'
  if (region !== primaryRegion || existing === undefined) options.progress(`${role}  ${arn}  (${how})`)
}

/** Real replicas start in `Creating` for a while; crypto calls fail until they are `Enabled`. */
async function waitUntilEnabled(kms: KmsAdminClients, arn: string, wait: KeyWaitPolicy): Promise<string | undefined> {
  const deadline = Date.now() + wait.timeoutMs
  for (;;) {
    const state = (await describe(kms, arn))?.KeyState
    if (state !== 'Creating' && state !== undefined) return state
    if (Date.now() >= deadline) return state
    await new Promise((done) => setTimeout(done, wait.pollMs))
  }
}

async function describe(kms: KmsAdminClients, arn: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms(arn.split(':')[3]).send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata
  } catch (error) {
    if ((error as { name?: unknown }).name === 'NotFoundException') return undefined
    throw error
  }
}
