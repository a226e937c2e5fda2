import { AwsKmsMrkAwareSymmetricDiscoveryKeyringNode } from '@aws-crypto/client-node'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { ConfigError } from '../../errors'
import type { DbeKeyring } from '../keyring'
import { adaptKeyringNode } from './adapt'
import { printablePrefix } from './diagnostics'
import { isMultiRegionKey, isRegionName } from './kms-arn'
import { kmsClientFor } from './kms-client'
import { kmsEdkArn } from './kms-mrk'

/** Which KMS keys a discovery keyring may ask KMS to use: only keys of these accounts in this partition. */
export interface DiscoveryFilter {
  partition: string
  accountIds: string[]
}

export interface AwsKmsMrkDiscoveryKeyringOptions {
  /** The Region whose KMS is called; multi-Region EDKs from other Regions are decrypted with their replica here. */
  region: string
  /** Strongly recommended: without it, the keyring asks KMS to decrypt with any key named in an item. */
  discoveryFilter?: DiscoveryFilter
  /** Config for the KMS client (endpoint, credentials, …); its `region`, if set, must equal `region`. */
  kmsClientConfig?: KMSClientConfig
  grantTokens?: string[]
}

/**
 * A decrypt-only KMS keyring that does not know its keys in advance: it decrypts any KMS EDK of its Region, and any
 * multi-Region EDK through that key's replica in its Region, as far as the caller's KMS permissions and the discovery
 * filter allow.
 */
export function awsKmsMrkDiscoveryKeyring(options: AwsKmsMrkDiscoveryKeyringOptions): DbeKeyring {
  const { region, discoveryFilter, kmsClientConfig, grantTokens } = options ?? ({} as AwsKmsMrkDiscoveryKeyringOptions)
  if (!isRegionName(region)) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `awsKmsMrkDiscoveryKeyring: region must be an AWS Region name like us-west-2, got ${typeof region === 'string' ? `'${printablePrefix(region)}'` : typeof region}.`,
    )
  }
  if (kmsClientConfig?.region !== undefined && kmsClientConfig.region !== region) {
    throw new ConfigError('ERR_CONFIG_INVALID', `awsKmsMrkDiscoveryKeyring: kmsClientConfig.region must be ${region} (the keyring's region) or unset.`)
  }
  const filter = discoveryFilter === undefined ? undefined : checkedFilter(discoveryFilter)
  const keyring = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({
    client: kmsClientFor(region, kmsClientConfig),
    grantTokens,
    discoveryFilter: filter === undefined ? undefined : { partition: filter.partition, accountIDs: filter.accountIds },
  })
  const description = `awsKmsMrkDiscoveryKeyring(${region})`
  const adapter = adaptKeyringNode(keyring, {
    description,
    skipReason: (candidate) => {
      const arn = kmsEdkArn(candidate)
      if (typeof arn === 'string') return arn
      if (!isMultiRegionKey(arn) && arn.region !== region) {
        return `a single-Region key of ${arn.region}; a discovery keyring in ${region} only uses keys of its Region or multi-Region keys`
      }
      if (filter !== undefined && arn.partition !== filter.partition) return `partition ${arn.partition} is not the discovery filter's (${filter.partition})`
      if (filter !== undefined && !filter.accountIds.includes(arn.accountId)) {
        return `account ${arn.accountId} is not in the discovery filter (${filter.accountIds.join(', ')})`
      }
      return undefined
    },
  })
  return {
    kind: 'dbe-keyring',
    async wrapIntermediateKeys() {
      throw new ConfigError(
        'ERR_CONFIG_INVALID',
        `${description} cannot encrypt: a discovery keyring has no key of its own. For tables this client writes, ` +
          'configure awsKmsMrkKeyring({ keyArn, region }) instead.',
      )
    },
    unwrapIntermediateKey: (encryptionContext, candidates) => adapter.unwrapIntermediateKey(encryptionContext, candidates),
  }
}

function checkedFilter(filter: DiscoveryFilter): DiscoveryFilter {
  const { partition, accountIds } = filter ?? ({} as DiscoveryFilter)
  if (typeof partition !== 'string' || partition === '') {
    throw new ConfigError('ERR_CONFIG_INVALID', "awsKmsMrkDiscoveryKeyring: discoveryFilter.partition must be a partition name like 'aws'.")
  }
  if (!Array.isArray(accountIds) || accountIds.length === 0 || !accountIds.every((id) => typeof id === 'string' && /^\d{12}$/.test(id))) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      'awsKmsMrkDiscoveryKeyring: discoveryFilter.accountIds must list at least one 12-digit AWS account id; a filter that matches nothing could never decrypt.',
    )
  }
  return Object.freeze({ partition, accountIds: Object.freeze([...accountIds]) as string[] })
}
