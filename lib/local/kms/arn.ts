/** Identifiers and ARNs of KMS keys and aliases, as AWS formats them. */

/** Region names as AWS spells them: `us-east-1`, `us-gov-west-1`, `ap-southeast-2`, `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+){1,2}-\d{1,2}$/
export const ACCOUNT_ID_PATTERN = /^\d{12}$/
/** A single-Region key id: a lowercase UUID v4. */
export const SINGLE_REGION_KEY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** A multi-Region key id: `mrk-` and 32 lowercase hex digits, shared by the primary key and all its replicas. */
export const MULTI_REGION_KEY_ID_PATTERN = /^mrk-[0-9a-f]{32}$/
/** Alias names after the `alias/` prefix (the KMS API pattern). */
export const ALIAS_NAME_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/

export function isKeyId(value: string): boolean {
  return SINGLE_REGION_KEY_ID_PATTERN.test(value) || MULTI_REGION_KEY_ID_PATTERN.test(value)
}

export function isMultiRegionKeyId(keyId: string): boolean {
  return MULTI_REGION_KEY_ID_PATTERN.test(keyId)
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-iso-')) return 'aws-iso'
  if (region.startsWith('us-isob-')) return 'aws-iso-b'
  return 'aws'
}

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:key/${keyId}`
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:${aliasName}`
}

/** What a `KeyId` parameter names, before it is looked up. */
export type KeyReference =
  | { kind: 'key'; keyId: string; arn?: { partition: string; region: string; accountId: string } }
  | { kind: 'alias'; aliasName: string; arn?: { partition: string; region: string; accountId: string } }
  | { kind: 'malformed'; text: string }

/**
 * Classifies a KeyId parameter: a key id, a key ARN, an alias name (`alias/...`) or an alias ARN.
 * Anything else is `malformed`, which KMS reports as NotFoundException "Invalid keyId".
 */
export function parseKeyReference(text: string): KeyReference {
  if (text.startsWith('alias/')) return { kind: 'alias', aliasName: text }
  if (!text.startsWith('arn:')) return isKeyId(text) ? { kind: 'key', keyId: text } : { kind: 'malformed', text }
  const parts = text.split(':')
  if (parts.length !== 6) return { kind: 'malformed', text }
  const [, partition, service, region, accountId, resource] = parts as [string, string, string, string, string, string]
  if (service !== 'kms' || !REGION_PATTERN.test(region) || !ACCOUNT_ID_PATTERN.test(accountId)) {
    return { kind: 'malformed', text }
  }
  const arn = { partition, region, accountId }
  if (resource.startsWith('key/')) {
    const keyId = resource.slice('key/'.length)
    return isKeyId(keyId) ? { kind: 'key', keyId, arn } : { kind: 'malformed', text }
  }
  if (resource.startsWith('alias/')) return { kind: 'alias', aliasName: resource, arn }
  return { kind: 'malformed', text }
}
