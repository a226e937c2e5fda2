import {
  CancelKeyDeletionCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, GetKeyPolicyCommand,
  InvalidMarkerException, KMSInvalidStateException, ListKeysCommand, ListResourceTagsCommand, NotFoundException,
  ScheduleKeyDeletionCommand, TagException, TagResourceCommand, UnsupportedOperationException, UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms'
import { expectKmsError, useLocalKms } from './support'

const local = useLocalKms()
const REGION = 'eu-west-1'

describe('CreateKey', () => {
  it('creates a symmetric single-Region key with the metadata KMS returns', async () => {
    const before = Date.now()
    const { KeyMetadata } = await local.client(REGION).send(
      new CreateKeyCommand({ Description: 'orders table key', Tags: [{ TagKey: 'team', TagValue: 'payments' }] }),
    )
    expect(KeyMetadata?.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(KeyMetadata).toMatchObject({
      AWSAccountId: '111122223333',
      Arn: `arn:aws:kms:${REGION}:111122223333:key/${KeyMetadata?.KeyId}`,
      Enabled: true,
      Description: 'orders table key',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    })
    expect(KeyMetadata?.MultiRegionConfiguration).toBeUndefined()
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date)
    expect(KeyMetadata!.CreationDate!.getTime()).toBeGreaterThanOrEqual(before - 1000)
    const tags = await local.client(REGION).send(new ListResourceTagsCommand({ KeyId: KeyMetadata!.KeyId }))
    expect(tags.Tags).toEqual([{ TagKey: 'team', TagValue: 'payments' }])
  })

  it('creates a multi-Region primary with an mrk- id', async () => {
    const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({ MultiRegion: true }))
    expect(KeyMetadata?.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/)
    expect(KeyMetadata?.MultiRegion).toBe(true)
    expect(KeyMetadata?.MultiRegionConfiguration).toEqual({
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: KeyMetadata?.Arn, Region: REGION },
      ReplicaKeys: [],
    })
  })

  it.each(['ECC_NIST_P256', 'ECC_NIST_P384'] as const)('creates %s SIGN_VERIFY keys', async (KeySpec) => {
    const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({ KeySpec, KeyUsage: 'SIGN_VERIFY' }))
    expect(KeyMetadata).toMatchObject({
      KeySpec,
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: [KeySpec === 'ECC_NIST_P256' ? 'ECDSA_SHA_256' : 'ECDSA_SHA_384'],
    })
    expect(KeyMetadata?.EncryptionAlgorithms).toBeUndefined()
  })

  it('defaults the usage of an ECC key to SIGN_VERIFY and refuses ENCRYPT_DECRYPT for it', async () => {
    const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256' }))
    expect(KeyMetadata?.KeyUsage).toBe('SIGN_VERIFY')
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' })), {
      name: 'ValidationException',
      message: /ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256/,
    })
  })

  it('refuses key specs and origins it does not implement with UnsupportedOperationException', async () => {
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
      message: /KeySpec RSA_2048/,
    })
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ Origin: 'EXTERNAL' })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
    })
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
    })
  })

  it('checks tags: reserved aws: prefix and duplicate keys are TagException', async () => {
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:x', TagValue: '1' }] })), {
      type: TagException,
      name: 'TagException',
    })
    await expectKmsError(
      local.client(REGION).send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] })),
      { type: TagException, name: 'TagException', message: /Duplicate tag key: a/ },
    )
  })

  it('refuses a Description longer than 8192 characters', async () => {
    await expectKmsError(local.client(REGION).send(new CreateKeyCommand({ Description: 'x'.repeat(8193) })), {
      name: 'ValidationException',
      message: /at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192/,
    })
  })

  it('stores the given key policy and a default one otherwise', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] })
    const given = await local.client(REGION).send(new CreateKeyCommand({ Policy: policy }))
    expect((await local.client(REGION).send(new GetKeyPolicyCommand({ KeyId: given.KeyMetadata!.KeyId }))).Policy).toBe(policy)
    const plain = await local.client(REGION).send(new CreateKeyCommand({}))
    const fallback = JSON.parse((await local.client(REGION).send(new GetKeyPolicyCommand({ KeyId: plain.KeyMetadata!.Arn }))).Policy!)
    expect(fallback.Statement[0].Principal.AWS).toBe('arn:aws:iam::111122223333:root')
  })
})

describe('DescribeKey', () => {
  it('finds a key by id and by ARN in its Region', async () => {
    const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({}))
    const byId = await local.client(REGION).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))
    const byArn = await local.client(REGION).send(new DescribeKeyCommand({ KeyId: KeyMetadata!.Arn }))
    expect(byId.KeyMetadata).toEqual(KeyMetadata)
    expect(byArn.KeyMetadata).toEqual(KeyMetadata)
  })

  it('says NotFoundException for an unknown id, a malformed id and the ARN of another Region', async () => {
    const unknown = '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa'
    await expectKmsError(local.client(REGION).send(new DescribeKeyCommand({ KeyId: unknown })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`^Key 'arn:aws:kms:${REGION}:111122223333:key/${unknown}' does not exist$`),
    })
    await expectKmsError(local.client(REGION).send(new DescribeKeyCommand({ KeyId: 'mrk-fake-key-id' })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: /^Invalid keyId 'mrk-fake-key-id'$/,
    })
    const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({}))
    await expectKmsError(local.client('eu-central-1').send(new DescribeKeyCommand({ KeyId: KeyMetadata!.Arn })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`^Invalid arn ${REGION}$`),
    })
    await expectKmsError(local.client('eu-central-1').send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: /arn:aws:kms:eu-central-1:111122223333:key\/.* does not exist/,
    })
  })
})

describe('ListKeys', () => {
  it('lists only the keys of the Region, page by page', async () => {
    const region = 'ap-southeast-2'
    const created: string[] = []
    for (let index = 0; index < 5; index += 1) {
      created.push((await local.client(region).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!)
    }
    const seen: { KeyId?: string; KeyArn?: string }[] = []
    let marker: string | undefined
    for (let page = 0; page < 10; page += 1) {
      const response = await local.client(region).send(new ListKeysCommand({ Limit: 2, ...(marker === undefined ? {} : { Marker: marker }) }))
      expect(response.Keys!.length).toBeLessThanOrEqual(2)
      seen.push(...response.Keys!)
      marker = response.NextMarker
      expect(response.Truncated).toBe(marker !== undefined)
      if (marker === undefined) break
    }
    expect(seen.map((key) => key.KeyId)).toEqual(created)
    expect(seen[0]?.KeyArn).toBe(`arn:aws:kms:${region}:111122223333:key/${created[0]}`)
    const elsewhere = await local.client('sa-east-1').send(new ListKeysCommand({}))
    expect(elsewhere.Keys).toEqual([])
  })

  it('refuses a marker it did not issue and a Limit above 1000', async () => {
    await expectKmsError(local.client(REGION).send(new ListKeysCommand({ Marker: 'bm90LWEta2V5' })), {
      type: InvalidMarkerException,
      name: 'InvalidMarkerException',
    })
    await expectKmsError(local.client(REGION).send(new ListKeysCommand({ Limit: 1001 })), {
      name: 'ValidationException',
      message: /at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000/,
    })
  })
})

describe('EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion', () => {
  it('moves a key through Disabled, PendingDeletion and back to Disabled, as KMS does', async () => {
    const client = local.client(REGION)
    const { KeyMetadata } = await client.send(new CreateKeyCommand({}))
    const keyId = KeyMetadata!.KeyId!
    const state = async (): Promise<string | undefined> => (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState

    await client.send(new DisableKeyCommand({ KeyId: keyId }))
    await expect(state()).resolves.toBe('Disabled')
    expect((await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Enabled).toBe(false)
    await client.send(new EnableKeyCommand({ KeyId: keyId }))
    await expect(state()).resolves.toBe('Enabled')

    const before = Date.now()
    const scheduled = await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }))
    expect(scheduled).toMatchObject({ KeyId: KeyMetadata!.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 })
    const days = (scheduled.DeletionDate!.getTime() - before) / 86_400_000
    expect(days).toBeGreaterThan(6.99)
    expect(days).toBeLessThan(7.01)
    const described = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
    expect(described).toMatchObject({ KeyState: 'PendingDeletion', PendingDeletionWindowInDays: 7, Enabled: false })
    expect(described?.DeletionDate?.getTime()).toBe(scheduled.DeletionDate?.getTime())

    await expectKmsError(client.send(new EnableKeyCommand({ KeyId: keyId })), {
      type: KMSInvalidStateException,
      name: 'KMSInvalidStateException',
      message: /is pending deletion/,
    })
    await expectKmsError(client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId })), {
      type: KMSInvalidStateException,
      name: 'KMSInvalidStateException',
    })

    const canceled = await client.send(new CancelKeyDeletionCommand({ KeyId: keyId }))
    expect(canceled.KeyId).toBe(KeyMetadata!.Arn)
    const after = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
    expect(after?.KeyState).toBe('Disabled')
    expect(after?.DeletionDate).toBeUndefined()
    await expectKmsError(client.send(new CancelKeyDeletionCommand({ KeyId: keyId })), {
      type: KMSInvalidStateException,
      name: 'KMSInvalidStateException',
      message: /is not pending deletion/,
    })
  })

  it('defaults the waiting period to 30 days and refuses one outside 7..30', async () => {
    const client = local.client(REGION)
    const { KeyMetadata } = await client.send(new CreateKeyCommand({}))
    await expectKmsError(client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 6 })), {
      name: 'ValidationException',
      message: /at 'pendingWindowInDays' .* greater than or equal to 7/,
    })
    await expectKmsError(client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 31 })), {
      name: 'ValidationException',
    })
    const scheduled = await client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId }))
    expect(scheduled.PendingWindowInDays).toBe(30)
  })
})

describe('UpdateKeyDescription and tags', () => {
  it('updates the description and tags of one key', async () => {
    const client = local.client(REGION)
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Tags: [{ TagKey: 'a', TagValue: '1' }] }))
    const keyId = KeyMetadata!.KeyId!
    await client.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'new words' }))
    expect((await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Description).toBe('new words')
    await client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'a', TagValue: '2' }, { TagKey: 'b', TagValue: '3' }] }))
    expect((await client.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([
      { TagKey: 'a', TagValue: '2' },
      { TagKey: 'b', TagValue: '3' },
    ])
    await client.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['a'] }))
    expect((await client.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'b', TagValue: '3' }])
  })
})
