import { KEY_SPECS } from '../key-specs'
import type { KeyRecord, KeyStore } from '../key-store'
import type { JsonObject } from '../request-fields'
import { epochSeconds } from './key-checks'

/** The `KeyMetadata` structure of CreateKey, DescribeKey and ReplicateKey. */
export function keyMetadata(store: KeyStore, record: KeyRecord, now: number): JsonObject {
  const spec = KEY_SPECS[record.material.keySpec]
  const state = store.stateOf(record, now)
  return {
    AWSAccountId: store.accountId,
    KeyId: record.keyId,
    Arn: store.arnOf(record),
    CreationDate: epochSeconds(record.creationDate),
    Enabled: state === 'Enabled',
    Description: record.description,
    KeyUsage: record.material.keyUsage,
    KeyState: state,
    ...(record.deletionDate === undefined ? {} : { DeletionDate: epochSeconds(record.deletionDate) }),
    ...(record.pendingWindowInDays === undefined ? {} : { PendingDeletionWindowInDays: record.pendingWindowInDays }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: record.material.keySpec,
    KeySpec: record.material.keySpec,
    ...(spec.kind === 'symmetric' ? { EncryptionAlgorithms: [...spec.encryptionAlgorithms] } : { SigningAlgorithms: [spec.signingAlgorithm] }),
    MultiRegion: record.multiRegionRole !== undefined,
    ...(record.multiRegionRole === undefined ? {} : { MultiRegionConfiguration: multiRegionConfiguration(store, record) }),
  }
}

function multiRegionConfiguration(store: KeyStore, record: KeyRecord): JsonObject {
  const related = store.related(record.keyId)
  const describe = (key: KeyRecord): JsonObject => ({ Arn: store.arnOf(key), Region: key.region })
  const primary = related.find((key) => key.multiRegionRole === 'PRIMARY')
  return {
    MultiRegionKeyType: record.multiRegionRole,
    ...(primary === undefined ? {} : { PrimaryKey: describe(primary) }),
    ReplicaKeys: related.filter((key) => key.multiRegionRole === 'REPLICA').map(describe),
  }
}
