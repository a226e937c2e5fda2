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
