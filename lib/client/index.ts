export { EncryptedDocumentClient, EncryptedDynamoDBClient, type EncryptedDynamoDBClientConfig } from './encrypted-clients'
export { updateEncryptedItem, type DocumentItem, type UpdateEncryptedItemParams } from './update-encrypted-item'
