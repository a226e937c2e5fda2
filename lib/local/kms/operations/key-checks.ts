import { KmsError } from '../kms-error'
import { KEY_SPECS, type KeyUsage } from '../key-specs'
import type { KeyRecord } from '../key-store'
import type { RequestFields } from '../request-fields'
import type { OperationContext } from './context'

export const KEY_ID_RULES = { min: 1, max: 2048 } as const
export const GRANT_TOKEN_RULES = { maxItems: 10, min: 1, max: 8192 } as const
export const REGION_FIELD_RULES = { min: 1, max: 32, pattern: /^([a-z]+-){2,3}\d+$/ } as const

/** Reads a required KeyId-like field (key id, key ARN, alias name or alias ARN). */
export function readKeyId(fields: RequestFields, name = 'KeyId'): string {
  return fields.requiredString(name, KEY_ID_RULES)
}

/**
 * Finds the key a KeyId names in the Region of the request. Operations call it after reading every field:
 * as in AWS, a malformed request is a validation error even when its key does not exist.
 */
export function findKey(keyId: string, context: OperationContext): KeyRecord {
  const record = context.store.resolve(context.region, keyId)
  context.noteKey(record)
  return record
}

/** Cryptographic operations need an Enabled key, as in KMS. */
export function requireUsable(record: KeyRecord, context: OperationContext): void {
  const arn = context.store.arnOf(record)
  switch (context.store.stateOf(record, context.now)) {
    case 'Enabled':
      return
    case 'Disabled':
      throw new KmsError('DisabledException', `${arn} is disabled.`)
    case 'PendingDeletion':
      throw new KmsError('KMSInvalidStateException', `${arn} is pending deletion.`)
    case 'PendingReplicaDeletion':
      throw new KmsError('KMSInvalidStateException', `${arn} is pending replica deletion.`)
    case 'Creating':
      throw new KmsError('KMSInvalidStateException', `${arn} is pending creation.`)
  }
}

/** Management operations that only need the key not to be on its way out or still being created. */
export function requireNotPending(record: KeyRecord, context: OperationContext): void {
  const state = context.store.stateOf(record, context.now)
  if (state === 'Enabled' || state === 'Disabled') return
  requireUsable(record, context)
}

export function requireUsage(record: KeyRecord, usage: KeyUsage, operation: string, context: OperationContext): void {
  if (record.material.keyUsage !== usage) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${context.store.arnOf(record)} key usage is ${record.material.keyUsage} which is not valid for ${operation}.`,
    )
  }
}

export function isSymmetric(record: KeyRecord): boolean {
  return KEY_SPECS[record.material.keySpec].kind === 'symmetric'
}

/** Fields every cryptographic operation takes: GrantTokens (accepted, not enforced) and DryRun. */
export function readCommonCryptoFields(fields: RequestFields): { dryRun: boolean } {
  fields.stringList('GrantTokens', GRANT_TOKEN_RULES)
  if (fields.has('Recipient')) {
    throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by the local KMS.')
  }
  return { dryRun: fields.boolean('DryRun') ?? false }
}

/** Called after every check passed: a DryRun request stops here, as in KMS. */
export function stopIfDryRun(dryRun: boolean): void {
  if (dryRun) throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.')
}

export function epochSeconds(milliseconds: number): number {
  return milliseconds / 1000
}
