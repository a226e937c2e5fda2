// 'dynamodb-item-encryptor/local': the local stack for development and tests.
export * from './kms'
export { startDynamoDBLocal, type DynamoDBLocalHandle, type DynamoDBLocalOptions } from './dynamodb-local'
