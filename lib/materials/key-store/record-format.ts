/** Attribute names and values of the AWS branch key store (MPL `branch-key-store.md`, record format v1). */

export const BRANCH_KEY_ID = 'branch-key-id'
export const TYPE = 'type'
/** On the ACTIVE item only: `branch:version:<version>`. */
export const ACTIVE_VERSION = 'version'
export const ENCRYPTED_KEY = 'enc'
export const KMS_ARN = 'kms-arn'
export const CREATE_TIME = 'create-time'
export const HIERARCHY_VERSION = 'hierarchy-version'
/** Not stored: added to the KMS encryption context on every call, with the logical key store name. */
export const TABLE_NAME = 'tablename'
export const CUSTOM_CONTEXT_PREFIX = 'aws-crypto-ec:'

export const ACTIVE_TYPE = 'branch:ACTIVE'
export const BEACON_TYPE = 'beacon:ACTIVE'
export const VERSION_TYPE_PREFIX = 'branch:version:'

/** The only hierarchy version this library writes and reads. v2 (digest-bound keys) is refused with a clear error. */
export const SUPPORTED_HIERARCHY_VERSION = '1'

export const BRANCH_KEY_LENGTH = 32

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function isBranchKeyVersion(text: string): boolean {
  return UUID.test(text)
}

/** `2026-03-01T12:34:56.789000Z`: ISO 8601 in UTC to microseconds, as the spec asks (JavaScript clocks stop at ms). */
export function createTimestamp(now: Date = new Date()): string {
  return now.toISOString().replace(/Z$/, '000Z')
}
