export { ItemEncryptor, type ItemEncryptorConfig } from './item-encryptor'
export { FOOTER_ATTRIBUTE, GLOBAL_TABLE_ATTRIBUTES, HEADER_ATTRIBUTE, RESERVED_PREFIX } from './reserved'
