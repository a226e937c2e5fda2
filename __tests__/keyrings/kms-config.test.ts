// KMS keyring configuration and EDK selection that need no KMS: every client here points at a closed loopback port,
// so a test that expected a skip but got a KMS call would fail on the connection error instead.
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { awsKmsMrkDiscoveryKeyring, awsKmsMrkKeyring } from '../../lib/materials/keyrings'
import { kmsClientFor } from '../../lib/materials/keyrings/kms-client'
import { isEncryptorError } from '../../lib/errors'
import type { DbeKeyring } from '../../lib/materials/keyring'
import { PACKAGE_VERSION } from '../../lib/version'

const NOWHERE: KMSClientConfig = {
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
}
const MRK_EAST = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'
const MRK_WEST = 'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'
const SRK_EAST = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const EC = { 'aws-crypto-table-name': 'Orders' }

function configError(build: () => unknown): Error {
  try {
    build()
  } catch (error) {
    expect(isEncryptorError(error, 'ERR_CONFIG_INVALID')).toBe(true)
    return error as Error
  }
  throw new Error('expected a ConfigError')
}

function kmsEdk(arn: string) {
  return { providerId: 'aws-kms', providerInfo: Buffer.from(arn), wrappedKey: Buffer.alloc(64, 7) }
}

async function unwrapError(keyring: DbeKeyring, candidates: Parameters<DbeKeyring['unwrapIntermediateKey']>[1]): Promise<Error> {
  const error = await keyring.unwrapIntermediateKey(EC, candidates).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isEncryptorError(error, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
  return error as Error
}

describe('awsKmsMrkKeyring configuration', () => {
  test.each([
    ['alias name', 'alias/orders'],
    ['alias ARN', 'arn:aws:kms:us-east-1:111122223333:alias/orders'],
    ['bare MRK id', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['not KMS', 'arn:aws:s3:::bucket'],
    ['empty', ''],
  ])('refuses a keyArn that is not a full key ARN (%s)', (_name, keyArn) => {
    const error = configError(() => awsKmsMrkKeyring({ keyArn, kmsClientConfig: NOWHERE }))
    expect(error.message).toContain('keyArn must be a full KMS key ARN')
  })

  test('refuses another Region for a single-Region key, saying only multi-Region keys have replicas', () => {
    const error = configError(() => awsKmsMrkKeyring({ keyArn: SRK_EAST, region: 'us-west-2', kmsClientConfig: NOWHERE }))
    expect(error.message).toContain(`${SRK_EAST} is a single-Region key in us-east-1 and has no replica in us-west-2`)
    expect(() => awsKmsMrkKeyring({ keyArn: SRK_EAST, region: 'us-east-1', kmsClientConfig: NOWHERE })).not.toThrow()
  })

  test('refuses a malformed region and a kmsClientConfig.region that contradicts the key', () => {
    expect(configError(() => awsKmsMrkKeyring({ keyArn: MRK_EAST, region: 'US West', kmsClientConfig: NOWHERE })).message).toContain(
      'region must be an AWS Region name',
    )
    expect(configError(() => awsKmsMrkKeyring({ keyArn: MRK_EAST, kmsClientConfig: { ...NOWHERE, region: 'eu-west-1' } })).message).toContain(
      "kmsClientConfig.region must be the key's Region us-east-1",
    )
  })

  test('with region, the keyring uses the replica ARN in that Region', async () => {
    const west = awsKmsMrkKeyring({ keyArn: MRK_EAST, region: 'us-west-2', kmsClientConfig: NOWHERE })
    const error = await unwrapError(west, [])
    expect(error.message).toContain(`awsKmsMrkKeyring(${MRK_WEST})`)
  })

  test('skips, without calling KMS, EDKs of other providers, other keys, and non-ARN provider info', async () => {
    const keyring = awsKmsMrkKeyring({ keyArn: MRK_EAST, kmsClientConfig: NOWHERE })
    const error = await unwrapError(keyring, [
      { providerId: 'raw-ns', providerInfo: Buffer.from('key'), wrappedKey: Buffer.alloc(48) },
      kmsEdk('arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab'),
      kmsEdk(SRK_EAST),
      kmsEdk('alias/orders'),
    ])
    expect(error.message).toContain('EDK #0 (raw-ns key): not an AWS KMS encrypted data key')
    expect(error.message).toContain('EDK #1 (aws-kms arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab): wrapped under another KMS key')
    expect(error.message).toContain(`EDK #2 (aws-kms ${SRK_EAST}): wrapped under another KMS key`)
    expect(error.message).toContain('EDK #3 (aws-kms alias/orders): its provider info is not a KMS key ARN')
    expect(error.message).not.toMatch(/ECONNREFUSED|connect/i)
  })

  test('tries a replica EDK of its MRK (and would call KMS: here the connection fails, reported per EDK)', async () => {
    const west = awsKmsMrkKeyring({ keyArn: MRK_WEST, kmsClientConfig: NOWHERE })
    const error = await unwrapError(west, [kmsEdk(MRK_EAST)])
    expect(error.message).toContain(`EDK #0 (aws-kms ${MRK_EAST}): `)
    expect(error.message).not.toContain('wrapped under another KMS key')
  })
})

describe('awsKmsMrkDiscoveryKeyring configuration', () => {
  test('cannot encrypt, and says what to use instead', async () => {
    const keyring = awsKmsMrkDiscoveryKeyring({ region: 'us-west-2', kmsClientConfig: NOWHERE })
    const error = await keyring.wrapIntermediateKeys(EC).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('awsKmsMrkDiscoveryKeyring(us-west-2) cannot encrypt')
    expect((error as Error).message).toContain('awsKmsMrkKeyring')
  })

  test.each([
    ['empty account list', { partition: 'aws', accountIds: [] }, 'accountIds must list at least one'],
    ['malformed account', { partition: 'aws', accountIds: ['1111'] }, '12-digit'],
    ['missing partition', { partition: '', accountIds: ['111122223333'] }, 'discoveryFilter.partition'],
  ])('refuses a discovery filter that matches nothing (%s)', (_name, discoveryFilter, message) => {
    expect(configError(() => awsKmsMrkDiscoveryKeyring({ region: 'us-west-2', discoveryFilter, kmsClientConfig: NOWHERE })).message).toContain(message)
  })

  test('refuses a missing region or a contradicting kmsClientConfig.region', () => {
    expect(configError(() => awsKmsMrkDiscoveryKeyring({ kmsClientConfig: NOWHERE } as never)).message).toContain('region must be an AWS Region name')
    expect(configError(() => awsKmsMrkDiscoveryKeyring({ region: 'us-west-2', kmsClientConfig: { ...NOWHERE, region: 'us-east-1' } })).message).toContain(
      'kmsClientConfig.region must be us-west-2',
    )
  })

  test('skips, without calling KMS, accounts and partitions outside the filter and single-Region keys of other Regions', async () => {
    const keyring = awsKmsMrkDiscoveryKeyring({
      region: 'us-west-2',
      discoveryFilter: { partition: 'aws', accountIds: ['111122223333'] },
      kmsClientConfig: NOWHERE,
    })
    const error = await unwrapError(keyring, [
      kmsEdk('arn:aws:kms:us-east-1:999999999999:key/mrk-1234abcd12ab34cd56ef1234567890ab'),
      kmsEdk('arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'),
      kmsEdk(SRK_EAST),
    ])
    expect(error.message).toContain('EDK #0')
    expect(error.message).toContain('account 999999999999 is not in the discovery filter (111122223333)')
    expect(error.message).toContain('partition aws-cn is not the discovery filter')
    expect(error.message).toContain('a single-Region key of us-east-1; a discovery keyring in us-west-2')
    expect(error.message).not.toMatch(/ECONNREFUSED|connect/i)
  })
})

describe('KMS clients', () => {
  test('one client per (config object, Region), carrying our user agent after the caller’s', async () => {
    const config: KMSClientConfig = { ...NOWHERE, customUserAgent: 'my-app/2.0' }
    const east = kmsClientFor('us-east-1', config)
    expect(kmsClientFor('us-east-1', config)).toBe(east)
    expect(kmsClientFor('us-west-2', config)).not.toBe(east)
    expect(kmsClientFor('us-east-1', { ...config })).not.toBe(east)
    expect(await east.config.region()).toBe('us-east-1')
    expect(east.config.customUserAgent).toEqual([['my-app/2.0'], ['dynamodb-item-encryptor', PACKAGE_VERSION]])
    expect(kmsClientFor('us-east-1').config.customUserAgent).toEqual([['dynamodb-item-encryptor', PACKAGE_VERSION]])
  })
})
