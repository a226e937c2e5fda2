/** Attributes DB-ESDK keeps for itself: header, footer, beacons, version tag. Never signed, never returned. */
export const RESERVED_PREFIX = 'aws_dbe_'
export const HEADER_ATTRIBUTE = 'aws_dbe_head'
export const FOOTER_ATTRIBUTE = 'aws_dbe_foot'

/**
 * Written by DynamoDB global tables version 2017.11.29 on every replica, after the writer signed the item:
 * always outside the signature scope, passed through as stored.
 */
export const GLOBAL_TABLE_ATTRIBUTES: ReadonlySet<string> = new Set(['aws:rep:updateregion', 'aws:rep:updatetime', 'aws:rep:deleting'])

export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX)
}

/** Encryption-context values may not start with this (DB-ESDK refuses such a context on encrypt). */
export const RESERVED_CONTEXT_VALUE_PREFIX = 'aws-crypto-'
