import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Keyring } from './materials/keyring'

export type { AttributeValue }
export type { Keyring }

/** One DynamoDB item in its wire form. */
export type Item = Record<string, AttributeValue>

export type CryptoAction =
  | 'ENCRYPT_AND_SIGN'
  | 'SIGN_ONLY'
  | 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT'
  | 'DO_NOTHING'

export type AlgorithmSuiteId =
  | 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384' // 0x6701, the default
  | 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384' // 0x6700

/** Field names as in DB-ESDK and its test-vector configs. */
export interface TableEncryptionConfig {
  /** Bound into every signature and encryption context; default: the physical table name. */
  logicalTableName?: string
  partitionKeyName: string
  sortKeyName?: string
  attributeActionsOnEncrypt: Record<string, CryptoAction>
  allowedUnsignedAttributes?: string[]
  allowedUnsignedAttributePrefix?: string
  algorithmSuiteId?: AlgorithmSuiteId
  keyring: Keyring
}

export interface EncryptionConfig {
  /** Keyed by physical table name. */
  tables: Record<string, TableEncryptionConfig>
}
