// keyrings
export {
  awsKmsMrkDiscoveryKeyring,
  awsKmsMrkKeyring,
  rawAesKeyring,
  toDbeKeyring,
  type AwsKmsMrkDiscoveryKeyringOptions,
  type AwsKmsMrkKeyringOptions,
  type DiscoveryFilter,
  type RawAesKeyringOptions,
} from './materials/keyrings'
export {
  createBranchKey,
  createBranchKeyStoreTable,
  dynamoDbBranchKeyStore,
  versionBranchKey,
  type CreateBranchKeyOptions,
  type DynamoDbBranchKeyStore,
  type DynamoDbBranchKeyStoreOptions,
  type KeyStoreKmsConfiguration,
} from './materials/key-store'

// item encryptor, hierarchical keyring, errors, public types
export { ItemEncryptor, type ItemEncryptorConfig } from './item'
export {
  hierarchicalKeyring,
  staticBranchKeyStore,
  type BranchKeyIdSupplier,
  type HierarchicalKeyringOptions,
  type StaticBranchKeyStoreOptions,
} from './materials/hierarchy'
export type { BranchKeyMaterials, BranchKeyStore } from './materials/branch-key-store'
export type { DbeKeyring, EncryptedDataKeyBytes, EncryptionContext, WrappedIntermediateKey } from './materials/keyring'
export {
  ClientOperationError,
  ConfigError,
  EncryptorError,
  ItemInputError,
  ItemVerificationError,
  KeyringError,
  isEncryptorError,
  type ErrorCode,
} from './errors'
export type { AlgorithmSuiteId, AttributeValue, CryptoAction, EncryptionConfig, Item, Keyring, TableEncryptionConfig } from './types'

// encrypted DynamoDB clients
export {
  EncryptedDocumentClient,
  EncryptedDynamoDBClient,
  updateEncryptedItem,
  type DocumentItem,
  type EncryptedDynamoDBClientConfig,
  type UpdateEncryptedItemParams,
} from './client'
