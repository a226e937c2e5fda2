// 'dynamodb-item-encryptor/local': the local stack for development and tests.
export * from './kms'
export { startDynamoDBLocal, type DynamoDBLocalHandle, type DynamoDBLocalOptions } from './dynamodb-local'
export { createLocalGlobalTable, type LocalGlobalTableHandle, type LocalGlobalTableOptions, type RegionReplicationStats } from './global-table'
