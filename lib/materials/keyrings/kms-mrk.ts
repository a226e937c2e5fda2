import { AwsKmsMrkAwareSymmetricKeyringNode } from '@aws-crypto/client-node'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { ConfigError } from '../../errors'
import type { DbeKeyring } from '../keyring'
import { adaptKeyringNode, type UnwrapCandidate } from './adapt'
import { printablePrefix } from './diagnostics'
import { formatKmsKeyArn, isMultiRegionKey, isRegionName, mrkMatch, parseKmsKeyArn, type KmsKeyArn } from './kms-arn'
import { kmsClientFor } from './kms-client'

export const KMS_PROVIDER_ID = 'aws-kms'

export interface AwsKmsMrkKeyringOptions {
  /** Full key ARN, `arn:aws:kms:<region>:<account>:key/<mrk-… or key id>` (aliases and bare ids cannot be matched on decrypt). */
  keyArn: string
  /**
   * Use the replica of `keyArn` in this Region (same key id, ARN rewritten to `region`). Lets one configuration serve
   * every Region of a global table, each with its local replica and no cross-Region call. Only multi-Region keys have replicas.
   */
  region?: string
  /** Config for the KMS client (endpoint, credentials, …); its `region`, if set, must equal the key's. */
  kmsClientConfig?: KMSClientConfig
  grantTokens?: string[]
}

/**
 * A KMS keyring that wraps each intermediate key with `GenerateDataKey` under one KMS key and, on decrypt, opens EDKs
 * of that key or of any replica of it (multi-Region key match), always calling KMS in its own Region.
 */
export function awsKmsMrkKeyring(options: AwsKmsMrkKeyringOptions): DbeKeyring {
  const { keyArn, region, kmsClientConfig, grantTokens } = options ?? ({} as AwsKmsMrkKeyringOptions)
  const arn = keyInRegion(keyArn, region)
  const effectiveArn = formatKmsKeyArn(arn)
  if (kmsClientConfig?.region !== undefined && kmsClientConfig.region !== arn.region) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `awsKmsMrkKeyring: kmsClientConfig.region must be the key's Region ${arn.region} or unset (got ${describeRegion(kmsClientConfig.region)}); ` +
        'the keyring picks the client Region from the key ARN.',
    )
  }
  const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: kmsClientFor(arn.region, kmsClientConfig), keyId: effectiveArn, grantTokens })
  return adaptKeyringNode(keyring, {
    description: `awsKmsMrkKeyring(${effectiveArn})`,
    skipReason: (candidate) => {
      const edkArn = kmsEdkArn(candidate)
      if (typeof edkArn === 'string') return edkArn
      return mrkMatch(arn, edkArn) ? undefined : 'wrapped under another KMS key'
    },
  })
}

/** The ARN of a KMS EDK, or why the candidate is not one. */
export function kmsEdkArn(candidate: UnwrapCandidate): KmsKeyArn | string {
  if (candidate.providerId !== KMS_PROVIDER_ID) return 'not an AWS KMS encrypted data key'
  const arn = parseKmsKeyArn(Buffer.from(candidate.providerInfo).toString('utf8'))
  return arn ?? 'its provider info is not a KMS key ARN'
}

function keyInRegion(keyArn: unknown, region: unknown): KmsKeyArn {
  const arn = typeof keyArn === 'string' ? parseKmsKeyArn(keyArn) : undefined
  if (arn === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `awsKmsMrkKeyring: keyArn must be a full KMS key ARN like arn:aws:kms:us-east-1:111122223333:key/mrk-…, got ` +
        `${typeof keyArn === 'string' ? `'${printablePrefix(keyArn)}'` : typeof keyArn}. Items store the key ARN, and only an ARN ` +
        'can be matched against it on decrypt, so aliases and bare key ids are refused.',
    )
  }
  if (region === undefined || region === arn.region) return arn
  if (!isRegionName(region)) {
    throw new ConfigError('ERR_CONFIG_INVALID', `awsKmsMrkKeyring: region must be an AWS Region name like us-west-2, got ${describeRegion(region)}.`)
  }
  if (!isMultiRegionKey(arn)) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `awsKmsMrkKeyring: ${formatKmsKeyArn(arn)} is a single-Region key in ${arn.region} and has no replica in ${region}. ` +
        'Use a multi-Region key (key id mrk-…) to serve several Regions, or drop the region option.',
    )
  }
  return { ...arn, region }
}

function describeRegion(region: unknown): string {
  return typeof region === 'string' ? `'${printablePrefix(region)}'` : typeof region
}
