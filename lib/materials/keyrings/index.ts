export { toDbeKeyring, isDbeKeyring } from './adapt'
export { rawAesKeyring, type RawAesKeyringOptions } from './raw-aes'
export { awsKmsMrkKeyring, type AwsKmsMrkKeyringOptions } from './kms-mrk'
export { awsKmsMrkDiscoveryKeyring, type AwsKmsMrkDiscoveryKeyringOptions, type DiscoveryFilter } from './kms-discovery'
