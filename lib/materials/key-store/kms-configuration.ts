import { ConfigError } from '../../errors'
import { printablePrefix } from '../keyrings/diagnostics'
import { formatKmsKeyArn, isMultiRegionKey, isRegionName, mrkMatch, parseKmsKeyArn, type KmsKeyArn } from '../keyrings/kms-arn'

/**
 * Which KMS keys protect the branch keys; the four options of the AWS key store (MPL `KMSConfiguration`), same names.
 * - `kmsKeyArn`: only items whose `kms-arn` is exactly this ARN; KMS is called with it.
 * - `kmsMRKeyArn`: also items written under any replica of this multi-Region key; KMS is called with this ARN, so give
 *   the replica of the Region the code runs in. Use it for a key store replicated as a global table.
 * - `discovery`: any key named by an item (decrypt only), called as named.
 * - `mrDiscovery`: any key named by an item (decrypt only); multi-Region keys are called through their replica in `region`.
 */
export type KeyStoreKmsConfiguration =
  | { kmsKeyArn: string }
  | { kmsMRKeyArn: string }
  | { discovery: Record<string, never> }
  | { mrDiscovery: { region: string } }

export interface ResolvedKmsConfiguration {
  /** For messages: `kmsMRKeyArn arn:aws:kms:…`. */
  readonly description: string
  /** The Region of the KMS (and default DynamoDB) client, when the configuration implies one. */
  readonly region: string | undefined
  /** The configured ARN, which new branch keys are created under; undefined for the discovery options. */
  readonly keyArn: string | undefined
  /** The KMS key id to decrypt an item whose `kms-arn` is `storedArn`, or why this configuration refuses that key. */
  decryptKeyId(storedArn: string): { keyId: string } | { refused: string }
}

export function resolveKmsConfiguration(config: KeyStoreKmsConfiguration): ResolvedKmsConfiguration {
  const c = (config ?? {}) as Partial<Record<'kmsKeyArn' | 'kmsMRKeyArn' | 'discovery' | 'mrDiscovery', unknown>>
  const chosen = (['kmsKeyArn', 'kmsMRKeyArn', 'discovery', 'mrDiscovery'] as const).filter((name) => c[name] !== undefined)
  if (chosen.length !== 1) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      'dynamoDbBranchKeyStore: kmsConfiguration must have exactly one of kmsKeyArn, kmsMRKeyArn, discovery: {} or mrDiscovery: { region }' +
        (chosen.length > 1 ? ` (got ${chosen.join(', ')}).` : '.'),
    )
  }
  switch (chosen[0]) {
    case 'kmsKeyArn': {
      const arn = configuredArn('kmsKeyArn', c.kmsKeyArn)
      const text = formatKmsKeyArn(arn)
      return {
        description: `kmsKeyArn ${text}`,
        region: arn.region,
        keyArn: text,
        decryptKeyId: (stored) => (stored === text ? { keyId: text } : { refused: `its kms-arn ${printablePrefix(stored)} is not the configured ${text}` }),
      }
    }
    case 'kmsMRKeyArn': {
      const arn = configuredArn('kmsMRKeyArn', c.kmsMRKeyArn)
      const text = formatKmsKeyArn(arn)
      return {
        description: `kmsMRKeyArn ${text}`,
        region: arn.region,
        keyArn: text,
        decryptKeyId: (stored) => {
          const storedArn = parseKmsKeyArn(stored)
          return storedArn !== undefined && mrkMatch(arn, storedArn)
            ? { keyId: text }
            : { refused: `its kms-arn ${printablePrefix(stored)} is neither ${text} nor a replica of it` }
        },
      }
    }
    case 'discovery':
      return {
        description: 'discovery',
        region: undefined,
        keyArn: undefined,
        decryptKeyId: (stored) => (parseKmsKeyArn(stored) !== undefined ? { keyId: stored } : { refused: `its kms-arn ${printablePrefix(stored)} is not a KMS key ARN` }),
      }
    case 'mrDiscovery': {
      const region = (c.mrDiscovery as { region?: unknown }).region
      if (!isRegionName(region)) {
        throw new ConfigError('ERR_CONFIG_INVALID', 'dynamoDbBranchKeyStore: kmsConfiguration.mrDiscovery.region must be an AWS Region name like us-west-2.')
      }
      return {
        description: `mrDiscovery ${region}`,
        region,
        keyArn: undefined,
        decryptKeyId: (stored) => {
          const storedArn = parseKmsKeyArn(stored)
          if (storedArn === undefined) return { refused: `its kms-arn ${printablePrefix(stored)} is not a KMS key ARN` }
          return { keyId: isMultiRegionKey(storedArn) ? formatKmsKeyArn({ ...storedArn, region }) : stored }
        },
      }
    }
    default:
      throw new Error('unreachable')
  }
}

function configuredArn(field: string, value: unknown): KmsKeyArn {
  const arn = typeof value === 'string' ? parseKmsKeyArn(value) : undefined
  if (arn === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `dynamoDbBranchKeyStore: kmsConfiguration.${field} must be a full KMS key ARN like arn:aws:kms:us-east-1:111122223333:key/mrk-…` +
        `, got ${typeof value === 'string' ? `'${printablePrefix(value)}'` : typeof value}; aliases and bare key ids are refused.`,
    )
  }
  return arn
}
