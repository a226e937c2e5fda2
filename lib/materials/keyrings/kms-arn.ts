/** AWS KMS key ARNs (`arn:<partition>:kms:<region>:<account>:key/<key-id>`) and the multi-Region key rules on them. */

export interface KmsKeyArn {
  partition: string
  region: string
  accountId: string
  /** `mrk-…` for a multi-Region key, a UUID for a single-Region key. */
  keyId: string
}

const KEY_ARN = /^arn:([^:]+):kms:([^:]+):([^:]+):key\/([^:/]+)$/
// Loose on purpose: new partitions bring new shapes (us-gov-west-1, cn-north-1, eusc-de-east-1).
const REGION = /^[a-z0-9]+(-[a-z0-9]+)+$/

/** The parts of a KMS key ARN, or undefined for anything else (alias ARN, alias name, bare key id). */
export function parseKmsKeyArn(text: string): KmsKeyArn | undefined {
  const match = KEY_ARN.exec(text)
  if (match === null) return undefined
  const [, partition, region, accountId, keyId] = match as unknown as [string, string, string, string, string]
  return { partition, region, accountId, keyId }
}

export function formatKmsKeyArn(arn: KmsKeyArn): string {
  return `arn:${arn.partition}:kms:${arn.region}:${arn.accountId}:key/${arn.keyId}`
}

export function isMultiRegionKey(arn: KmsKeyArn): boolean {
  return arn.keyId.startsWith('mrk-')
}

/** A plausible AWS Region name: lowercase words joined by dashes. */
export function isRegionName(text: unknown): text is string {
  return typeof text === 'string' && REGION.test(text)
}

/**
 * The spec's MRK match for decrypt: the same ARN, or two multi-Region keys that are replicas of each other (same
 * partition, account and key id; the Region may differ).
 */
export function mrkMatch(a: KmsKeyArn, b: KmsKeyArn): boolean {
  if (formatKmsKeyArn(a) === formatKmsKeyArn(b)) return true
  return isMultiRegionKey(a) && isMultiRegionKey(b) && a.partition === b.partition && a.accountId === b.accountId && a.keyId === b.keyId
}
