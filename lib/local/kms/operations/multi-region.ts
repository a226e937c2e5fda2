import { keyArn, partitionOf, REGION_PATTERN } from '../arn'
import { KmsError } from '../kms-error'
import type { KeyRecord } from '../key-store'
import type { Operation, OperationContext } from './context'
import { REGION_FIELD_RULES, findKey, readKeyId } from './key-checks'
import { keyMetadata } from './key-metadata'
import { defaultKeyPolicy, readPolicy, readTags } from './keys'

/** Only the primary of a multi-Region key can be replicated or hand over its role. */
function requirePrimary(record: KeyRecord, context: OperationContext): void {
  const arn = context.store.arnOf(record)
  if (record.multiRegionRole === undefined) throw new KmsError('UnsupportedOperationException', `${arn} is not a multi-region key.`)
  if (record.multiRegionRole !== 'PRIMARY') throw new KmsError('UnsupportedOperationException', `${arn} is not a multi-region primary key.`)
}

function requireEnabled(record: KeyRecord, context: OperationContext): void {
  const state = context.store.stateOf(record, context.now)
  if (state === 'Enabled') return
  const arn = context.store.arnOf(record)
  if (state === 'Disabled') throw new KmsError('DisabledException', `${arn} is disabled.`)
  throw new KmsError('KMSInvalidStateException', `${arn} is in state ${state}; this operation needs an Enabled key.`)
}

function readRegion(value: string, field: string, context: OperationContext): string {
  // The API pattern lets through names no Region has (us-east-100); a key stored there could never be used, and the
  // data file, which holds Region names as AWS spells them, could not be read back.
  if (!REGION_PATTERN.test(value)) {
    throw new KmsError('UnsupportedOperationException', `${field} ${value} is not an AWS Region name (like us-west-2).`)
  }
  if (partitionOf(value) !== partitionOf(context.region)) {
    throw new KmsError('ValidationException', `${field} ${value} is not in the partition of ${context.region}; multi-Region keys stay in one partition.`)
  }
  return value
}

/**
 * ReplicateKey, called in the primary's Region: a new key with the same id and material in another Region.
 * It starts `Creating` (Enabled: false) for `replicaCreationDelayMs`, as AWS replicas do for a few seconds.
 */
const replicateKey: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const replicaRegion = readRegion(fields.requiredString('ReplicaRegion', REGION_FIELD_RULES), 'ReplicaRegion', context)
    const policy = readPolicy(fields)
    const description = fields.string('Description', { min: 0, max: 8192 }) ?? ''
    const tags = readTags(fields, 'Tags')
    const primary = findKey(keyId, context)
    requirePrimary(primary, context)
    const state = context.store.stateOf(primary, context.now)
    if (state === 'Disabled') throw new KmsError('DisabledException', `${context.store.arnOf(primary)} is disabled.`)
    if (state !== 'Enabled') {
      throw new KmsError('KMSInvalidStateException', `${context.store.arnOf(primary)} is in state ${state} and cannot be replicated.`)
    }
    if (replicaRegion === primary.region) {
      throw new KmsError('ValidationException', `ReplicaRegion ${replicaRegion} is the Region of the primary key; choose another Region.`)
    }
    const existing = context.store.get(replicaRegion, primary.keyId)
    if (existing !== undefined) {
      throw new KmsError('AlreadyExistsException', `Replica key ${keyArn(replicaRegion, context.store.accountId, primary.keyId)} already exists.`)
    }
    const replica: KeyRecord = {
      keyId: primary.keyId,
      region: replicaRegion,
      material: primary.material,
      creationDate: context.now,
      description,
      tags,
      policy: policy ?? defaultKeyPolicy(context.store, replicaRegion),
      state: 'Enabled',
      multiRegionRole: 'REPLICA',
      ...(context.replicaCreationDelayMs > 0 ? { creatingUntil: context.now + context.replicaCreationDelayMs } : {}),
    }
    context.store.add(replica)
    return {
      ReplicaKeyMetadata: keyMetadata(context.store, replica, context.now),
      ReplicaPolicy: replica.policy,
      ReplicaTags: replica.tags,
    }
  },
}

/** UpdatePrimaryRegion, called in the current primary's Region: the replica in PrimaryRegion becomes the primary. */
const updatePrimaryRegion: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const target = readRegion(fields.requiredString('PrimaryRegion', REGION_FIELD_RULES), 'PrimaryRegion', context)
    const primary = findKey(keyId, context)
    requirePrimary(primary, context)
    if (target === primary.region) {
      throw new KmsError('ValidationException', `${context.store.arnOf(primary)} is already the primary key; PrimaryRegion must name a replica's Region.`)
    }
    const replica = context.store.get(target, primary.keyId)
    if (replica === undefined) {
      throw new KmsError('NotFoundException', `Key '${keyArn(target, context.store.accountId, primary.keyId)}' does not exist`)
    }
    requireEnabled(primary, context)
    requireEnabled(replica, context)
    primary.multiRegionRole = 'REPLICA'
    replica.multiRegionRole = 'PRIMARY'
    return {}
  },
}

export const MULTI_REGION_OPERATIONS: Readonly<Record<string, Operation>> = {
  ReplicateKey: replicateKey,
  UpdatePrimaryRegion: updatePrimaryRegion,
}
