import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { KeyringError } from '../../errors'
import type { EncryptionContext } from '../keyring'
import { printablePrefix } from '../keyrings/diagnostics'
import {
  ACTIVE_TYPE,
  ACTIVE_VERSION,
  BRANCH_KEY_ID,
  CREATE_TIME,
  ENCRYPTED_KEY,
  HIERARCHY_VERSION,
  isBranchKeyVersion,
  KMS_ARN,
  SUPPORTED_HIERARCHY_VERSION,
  TABLE_NAME,
  TYPE,
  VERSION_TYPE_PREFIX,
} from './record-format'

/** A stored branch key item, checked against the record format. */
export interface BranchKeyRecord {
  branchKeyId: string
  /** The branch key version (a UUID), from `type` or, on the ACTIVE item, from `version`. */
  version: string
  kmsArn: string
  /** The KMS ciphertext of the branch key (`enc`). */
  encryptedKey: Uint8Array
  /**
   * The KMS encryption context the item is bound to: every attribute but `enc`, as strings, plus `tablename` = the
   * logical key store name. Decrypting under it authenticates every attribute of the item.
   */
  encryptionContext: EncryptionContext
}

export interface RecordLocation {
  tableName: string
  logicalKeyStoreName: string
  branchKeyId: string
  /** `branch:ACTIVE` or `branch:version:<version>` */
  type: string
}

export function readBranchKeyRecord(item: Record<string, AttributeValue>, at: RecordLocation): BranchKeyRecord {
  const invalid = (reason: string) =>
    new KeyringError(
      'ERR_KEYRING',
      `Branch key store table ${at.tableName}: the item ${BRANCH_KEY_ID}=${printablePrefix(at.branchKeyId)}, ${TYPE}=${printablePrefix(at.type)} ` +
        `is not a valid branch key record: ${reason}.`,
    )
  const encryptionContext: EncryptionContext = {}
  let encryptedKey: Uint8Array | undefined
  for (const [name, value] of Object.entries(item)) {
    if (name === ENCRYPTED_KEY) {
      if (value.B === undefined || value.B.byteLength === 0) throw invalid(`${ENCRYPTED_KEY} must be a non-empty binary (B) attribute`)
      encryptedKey = value.B
    } else if (name === HIERARCHY_VERSION) {
      if (value.N === undefined) throw invalid(`${HIERARCHY_VERSION} must be a number (N) attribute`)
      encryptionContext[name] = value.N
    } else if (name === TABLE_NAME) {
      // The logical key store name goes into the encryption context under this key; a stored one would override it.
      throw invalid(`it has an attribute named ${TABLE_NAME}, which the record format reserves`)
    } else {
      if (value.S === undefined) throw invalid(`attribute ${printablePrefix(name)} must be a string (S)`)
      encryptionContext[name] = value.S
    }
  }
  for (const required of [BRANCH_KEY_ID, TYPE, CREATE_TIME, KMS_ARN, HIERARCHY_VERSION]) {
    if (encryptionContext[required] === undefined || encryptionContext[required] === '') throw invalid(`${required} is missing or empty`)
  }
  if (encryptedKey === undefined) throw invalid(`${ENCRYPTED_KEY} is missing`)
  if (encryptionContext[BRANCH_KEY_ID] !== at.branchKeyId || encryptionContext[TYPE] !== at.type) {
    throw invalid(`it names ${BRANCH_KEY_ID}=${printablePrefix(encryptionContext[BRANCH_KEY_ID] ?? '')}, ${TYPE}=${printablePrefix(encryptionContext[TYPE] ?? '')}`)
  }
  if (encryptionContext[HIERARCHY_VERSION] !== SUPPORTED_HIERARCHY_VERSION) {
    throw invalid(
      `${HIERARCHY_VERSION} is ${printablePrefix(encryptionContext[HIERARCHY_VERSION] ?? '')}; this library reads hierarchy version ${SUPPORTED_HIERARCHY_VERSION} only`,
    )
  }
  const versionType = at.type === ACTIVE_TYPE ? encryptionContext[ACTIVE_VERSION] : at.type
  if (at.type === ACTIVE_TYPE && versionType === undefined) throw invalid(`the ACTIVE item has no ${ACTIVE_VERSION} attribute`)
  if (at.type !== ACTIVE_TYPE && encryptionContext[ACTIVE_VERSION] !== undefined) throw invalid(`a version item must not have a ${ACTIVE_VERSION} attribute`)
  const version = versionType?.startsWith(VERSION_TYPE_PREFIX) ? versionType.slice(VERSION_TYPE_PREFIX.length) : undefined
  if (version === undefined || !isBranchKeyVersion(version)) {
    throw invalid(`the branch key version ${printablePrefix(versionType ?? '')} is not ${VERSION_TYPE_PREFIX}<lowercase UUID>`)
  }
  encryptionContext[TABLE_NAME] = at.logicalKeyStoreName
  return {
    branchKeyId: at.branchKeyId,
    version,
    kmsArn: encryptionContext[KMS_ARN] as string,
    encryptedKey,
    encryptionContext,
  }
}

/** The DynamoDB item for a KMS encryption context and ciphertext: the inverse of `readBranchKeyRecord`. */
export function branchKeyItem(encryptionContext: EncryptionContext, encryptedKey: Uint8Array): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(encryptionContext)) {
    if (name === TABLE_NAME) continue
    item[name] = name === HIERARCHY_VERSION ? { N: value } : { S: value }
  }
  item[ENCRYPTED_KEY] = { B: encryptedKey }
  return item
}
