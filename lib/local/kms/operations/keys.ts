import { randomBytes, randomUUID } from 'node:crypto'
import { KmsError } from '../kms-error'
import { generateKeyMaterial } from '../key-material'
import {
  KEY_SPECS, KEY_USAGES, SUPPORTED_KEY_SPECS, UNSUPPORTED_KEY_SPECS, UNSUPPORTED_KEY_USAGES, defaultUsage, type KeySpec,
} from '../key-specs'
import { DAY_MS, type KeyRecord, type KeyStore, type Tag } from '../key-store'
import type { RequestFields } from '../request-fields'
import type { Operation } from './context'
import { GRANT_TOKEN_RULES, epochSeconds, findKey, readKeyId, requireNotPending } from './key-checks'
import { keyMetadata } from './key-metadata'

const POLICY_RULES = { min: 1, max: 32768 } as const
const DESCRIPTION_RULES = { min: 0, max: 8192 } as const
const MAX_TAGS = 50

/** The key policy KMS gives a key created without one: the account may use it through IAM. */
export function defaultKeyPolicy(store: KeyStore, region: string): string {
  const partition = store.arnOf({ region, keyId: 'x' }).split(':')[1]
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${store.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  })
}

/** Tag rules of KMS: unique keys, no `aws:` prefix, at most 50 per key. */
export function readTags(fields: RequestFields, name: string, existing: readonly Tag[] = []): Tag[] {
  const tags = fields.tags(name) ?? []
  const seen = new Set<string>()
  for (const tag of tags) {
    if (tag.TagKey.toLowerCase().startsWith('aws:')) throw new KmsError('TagException', `Tag keys beginning with "aws:" are reserved: ${tag.TagKey}`)
    if (seen.has(tag.TagKey)) throw new KmsError('TagException', `Duplicate tag key: ${tag.TagKey}`)
    seen.add(tag.TagKey)
  }
  const merged = [...existing.filter((tag) => !seen.has(tag.TagKey)), ...tags]
  if (merged.length > MAX_TAGS) throw new KmsError('TagException', `A key can have at most ${MAX_TAGS} tags.`)
  return merged
}

export function readPolicy(fields: RequestFields): string | undefined {
  fields.boolean('BypassPolicyLockoutSafetyCheck')
  const policy = fields.string('Policy', POLICY_RULES)
  if (policy !== undefined) {
    try {
      JSON.parse(policy)
    } catch {
      throw new KmsError('ValidationException', 'The key policy is not valid JSON.')
    }
  }
  return policy
}

const createKey: Operation = {
  mutates: true,
  run(fields, context) {
    const policy = readPolicy(fields)
    const description = fields.string('Description', DESCRIPTION_RULES) ?? ''
    const keySpec = readKeySpec(fields)
    const keyUsage = fields.enumeration('KeyUsage', KEY_USAGES, UNSUPPORTED_KEY_USAGES) ?? defaultUsage(keySpec)
    if (!KEY_SPECS[keySpec].usages.includes(keyUsage)) {
      throw new KmsError('ValidationException', `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}.`)
    }
    fields.enumeration('Origin', ['AWS_KMS'], ['EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'])
    for (const unsupported of ['CustomKeyStoreId', 'XksKeyId']) {
      if (fields.has(unsupported)) throw new KmsError('UnsupportedOperationException', `${unsupported}: custom key stores are not supported by the local KMS.`)
    }
    const tags = readTags(fields, 'Tags')
    const multiRegion = fields.boolean('MultiRegion') ?? false

    const keyId = multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID()
    const record: KeyRecord = {
      keyId,
      region: context.region,
      material: { keySpec, keyUsage, secret: generateKeyMaterial(keySpec) },
      creationDate: context.now,
      description,
      tags,
      policy: policy ?? defaultKeyPolicy(context.store, context.region),
      state: 'Enabled',
      ...(multiRegion ? { multiRegionRole: 'PRIMARY' as const } : {}),
    }
    context.store.add(record)
    context.noteKey(record)
    return { KeyMetadata: keyMetadata(context.store, record, context.now) }
  },
}

function readKeySpec(fields: RequestFields): KeySpec {
  const keySpec = fields.enumeration('KeySpec', SUPPORTED_KEY_SPECS, UNSUPPORTED_KEY_SPECS)
  const legacy = fields.enumeration('CustomerMasterKeySpec', SUPPORTED_KEY_SPECS, UNSUPPORTED_KEY_SPECS)
  if (keySpec !== undefined && legacy !== undefined && keySpec !== legacy) {
    throw new KmsError('ValidationException', 'KeySpec and CustomerMasterKeySpec differ; send only KeySpec.')
  }
  return keySpec ?? legacy ?? 'SYMMETRIC_DEFAULT'
}

const describeKey: Operation = {
  mutates: false,
  run(fields, context) {
    const keyId = readKeyId(fields)
    fields.stringList('GrantTokens', GRANT_TOKEN_RULES)
    const record = findKey(keyId, context)
    return { KeyMetadata: keyMetadata(context.store, record, context.now) }
  },
}

const listKeys: Operation = {
  mutates: false,
  run(fields, context) {
    const page = readPage(fields, 1000)
    const keys = context.store.keysIn(context.region)
    const { items, nextMarker } = paginate(keys, page, (record) => record.keyId)
    return {
      Keys: items.map((record) => ({ KeyId: record.keyId, KeyArn: context.store.arnOf(record) })),
      Truncated: nextMarker !== undefined,
      ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
    }
  },
}

export interface Page {
  limit: number
  marker?: string
}

export function readPage(fields: RequestFields, maxLimit: number): Page {
  const limit = fields.integer('Limit', { min: 1, max: maxLimit }) ?? 100
  const marker = fields.string('Marker', { min: 1, max: 1024, pattern: /^[\u0020-\u00FF]*$/ })
  return marker === undefined ? { limit } : { limit, marker }
}

/** Markers are opaque to callers: here, the base64url id of the first item of the next page. */
export function paginate<T>(all: readonly T[], page: Page, idOf: (item: T) => string): { items: T[]; nextMarker?: string } {
  let start = 0
  if (page.marker !== undefined) {
    const id = Buffer.from(page.marker, 'base64url').toString('utf8')
    start = all.findIndex((item) => idOf(item) === id)
    if (start < 0) throw new KmsError('InvalidMarkerException', 'The marker does not name a page of this listing; start again without Marker.')
  }
  const items = all.slice(start, start + page.limit)
  const next = all[start + page.limit]
  return next === undefined ? { items } : { items, nextMarker: Buffer.from(idOf(next), 'utf8').toString('base64url') }
}

const enableKey: Operation = {
  mutates: true,
  run(fields, context) {
    const record = findKey(readKeyId(fields), context)
    requireNotPending(record, context)
    record.state = 'Enabled'
    return {}
  },
}

const disableKey: Operation = {
  mutates: true,
  run(fields, context) {
    const record = findKey(readKeyId(fields), context)
    requireNotPending(record, context)
    record.state = 'Disabled'
    return {}
  },
}

const scheduleKeyDeletion: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const pendingWindowInDays = fields.integer('PendingWindowInDays', { min: 7, max: 30 }) ?? 30
    const record = findKey(keyId, context)
    requireNotPending(record, context)
    const hasReplicas =
      record.multiRegionRole === 'PRIMARY' && context.store.related(record.keyId).some((key) => key.multiRegionRole === 'REPLICA')
    record.pendingWindowInDays = pendingWindowInDays
    if (hasReplicas) {
      // A primary waits, without a date, until its last replica is deleted (AWS: PendingReplicaDeletion).
      record.state = 'PendingReplicaDeletion'
      delete record.deletionDate
    } else {
      record.state = 'PendingDeletion'
      record.deletionDate = context.now + pendingWindowInDays * DAY_MS
    }
    return {
      KeyId: context.store.arnOf(record),
      ...(record.deletionDate === undefined ? {} : { DeletionDate: epochSeconds(record.deletionDate) }),
      KeyState: record.state,
      PendingWindowInDays: pendingWindowInDays,
    }
  },
}

const cancelKeyDeletion: Operation = {
  mutates: true,
  run(fields, context) {
    const record = findKey(readKeyId(fields), context)
    if (record.state !== 'PendingDeletion' && record.state !== 'PendingReplicaDeletion') {
      throw new KmsError('KMSInvalidStateException', `${context.store.arnOf(record)} is not pending deletion.`)
    }
    // As in KMS, a key whose deletion is canceled comes back Disabled.
    record.state = 'Disabled'
    delete record.deletionDate
    delete record.pendingWindowInDays
    return { KeyId: context.store.arnOf(record) }
  },
}

const updateKeyDescription: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const description = fields.requiredString('Description', DESCRIPTION_RULES)
    const record = findKey(keyId, context)
    requireNotPending(record, context)
    record.description = description
    return {}
  },
}

const tagResource: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    fields.requirePresent('Tags')
    readTags(fields, 'Tags')
    const record = findKey(keyId, context)
    const tags = readTags(fields, 'Tags', record.tags)
    requireNotPending(record, context)
    record.tags = tags
    return {}
  },
}

const untagResource: Operation = {
  mutates: true,
  run(fields, context) {
    const keyId = readKeyId(fields)
    fields.requirePresent('TagKeys')
    const keys = fields.stringList('TagKeys', { maxItems: MAX_TAGS, min: 1, max: 128 }) ?? []
    const record = findKey(keyId, context)
    requireNotPending(record, context)
    record.tags = record.tags.filter((tag) => !keys.includes(tag.TagKey))
    return {}
  },
}

const listResourceTags: Operation = {
  mutates: false,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const page = readPage(fields, 50)
    const record = findKey(keyId, context)
    const { items, nextMarker } = paginate(record.tags, page, (tag) => tag.TagKey)
    return { Tags: items, Truncated: nextMarker !== undefined, ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }) }
  },
}

const getKeyPolicy: Operation = {
  mutates: false,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const policyName = fields.string('PolicyName', { min: 1, max: 128 }) ?? 'default'
    const record = findKey(keyId, context)
    if (policyName !== 'default') throw new KmsError('NotFoundException', `Policy ${policyName} does not exist; KMS keys have only the "default" policy.`)
    return { Policy: record.policy, PolicyName: 'default' }
  },
}

export const KEY_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  UpdateKeyDescription: updateKeyDescription,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  GetKeyPolicy: getKeyPolicy,
}

