export { toDbeKeyring, isDbeKeyring } from './adapt'
export { rawAesKeyring, type RawAesKeyringOptions } from './raw-aes'
