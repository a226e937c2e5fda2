import {
  AlreadyExistsException, CancelKeyDeletionCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand,
  DisabledException, EnableKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSInvalidStateException, NotFoundException,
  ReplicateKeyCommand, ScheduleKeyDeletionCommand, UnsupportedOperationException, UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms'
import { startLocalKms } from '../../lib/local'
import { expectKmsError, kmsClient, useLocalKms } from './support'

const local = useLocalKms()
const EAST = 'us-east-1'
const WEST = 'us-west-2'

async function newMrk(region = EAST): Promise<{ keyId: string; arn: string }> {
  const { KeyMetadata } = await local.client(region).send(new CreateKeyCommand({ MultiRegion: true }))
  return { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! }
}

async function replicate(keyId: string, from: string, to: string): Promise<string> {
  const { ReplicaKeyMetadata } = await local.client(from).send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: to }))
  return ReplicaKeyMetadata!.Arn!
}

describe('ReplicateKey', () => {
  it('creates a related key with the same id in the other Region; both describe the whole set', async () => {
    const primary = await newMrk()
    const response = await local.client(EAST).send(
      new ReplicateKeyCommand({ KeyId: primary.arn, ReplicaRegion: WEST, Description: 'west copy', Tags: [{ TagKey: 'r', TagValue: 'w' }] }),
    )
    const westArn = `arn:aws:kms:${WEST}:111122223333:key/${primary.keyId}`
    expect(response.ReplicaKeyMetadata).toMatchObject({
      KeyId: primary.keyId,
      Arn: westArn,
      Description: 'west copy',
      KeyState: 'Enabled',
      MultiRegion: true,
      MultiRegionConfiguration: {
        MultiRegionKeyType: 'REPLICA',
        PrimaryKey: { Arn: primary.arn, Region: EAST },
        ReplicaKeys: [{ Arn: westArn, Region: WEST }],
      },
    })
    expect(response.ReplicaTags).toEqual([{ TagKey: 'r', TagValue: 'w' }])
    expect(typeof response.ReplicaPolicy).toBe('string')

    const third = await replicate(primary.keyId, EAST, 'eu-west-1')
    const east = (await local.client(EAST).send(new DescribeKeyCommand({ KeyId: primary.keyId }))).KeyMetadata
    expect(east?.MultiRegionConfiguration).toEqual({
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: primary.arn, Region: EAST },
      ReplicaKeys: [
        { Arn: westArn, Region: WEST },
        { Arn: third, Region: 'eu-west-1' },
      ],
    })
    const west = (await local.client(WEST).send(new DescribeKeyCommand({ KeyId: primary.keyId }))).KeyMetadata
    expect(west?.MultiRegionConfiguration?.MultiRegionKeyType).toBe('REPLICA')
    expect(west?.MultiRegionConfiguration?.ReplicaKeys).toHaveLength(2)
  })

  it('allows at most one related key per Region: AlreadyExistsException, and never the primary Region', async () => {
    const primary = await newMrk()
    await replicate(primary.keyId, EAST, WEST)
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: WEST })), {
      type: AlreadyExistsException,
      name: 'AlreadyExistsException',
    })
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: EAST })), {
      name: 'ValidationException',
      message: /is the Region of the primary key/,
    })
  })

  it('replicates only a multi-Region primary, called in its own Region', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    await expectKmsError(local.client(WEST).send(new ReplicateKeyCommand({ KeyId: westArn, ReplicaRegion: 'eu-west-1' })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
      message: new RegExp(`^${westArn} is not a multi-region primary key.$`),
    })
    const single = (await local.client(EAST).send(new CreateKeyCommand({}))).KeyMetadata!
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: single.KeyId, ReplicaRegion: WEST })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
      message: /is not a multi-region key/,
    })
    // The primary's ARN sent to another Region is not found there, as in AWS.
    await expectKmsError(local.client(WEST).send(new ReplicateKeyCommand({ KeyId: primary.arn, ReplicaRegion: 'eu-west-1' })), {
      type: NotFoundException,
      name: 'NotFoundException',
    })
  })

  it('stays in the partition and checks the Region name', async () => {
    const primary = await newMrk()
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: 'cn-north-1' })), {
      name: 'ValidationException',
      message: /partition/,
    })
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: 'Mars' })), {
      name: 'ValidationException',
      message: /at 'replicaRegion' failed to satisfy constraint/,
    })
  })

  it('refuses to replicate a disabled primary', async () => {
    const primary = await newMrk()
    await local.client(EAST).send(new DisableKeyCommand({ KeyId: primary.keyId }))
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.keyId, ReplicaRegion: WEST })), {
      type: DisabledException,
      name: 'DisabledException',
    })
  })
})

describe('shared key material', () => {
  it('decrypts in any Region what a related key encrypted in another, and answers with the called Region ARN', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    const context = { purpose: 'cross-region' }
    const { CiphertextBlob } = await local.client(EAST).send(
      new EncryptCommand({ KeyId: primary.arn, Plaintext: Buffer.from('from the east'), EncryptionContext: context }),
    )
    for (const KeyId of [westArn, primary.keyId, undefined]) {
      const decrypted = await local.client(WEST).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, ...(KeyId ? { KeyId } : {}) }))
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('from the east')
      expect(decrypted.KeyId).toBe(westArn)
    }
    const generated = await local.client(WEST).send(new GenerateDataKeyCommand({ KeyId: westArn, NumberOfBytes: 32, EncryptionContext: context }))
    expect(generated.KeyId).toBe(westArn)
    const back = await local.client(EAST).send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, KeyId: primary.arn, EncryptionContext: context }))
    expect(Buffer.from(back.Plaintext!)).toEqual(Buffer.from(generated.Plaintext!))
    expect(back.KeyId).toBe(primary.arn)
  })

  it('a Region without a related key cannot decrypt (NotFoundException), and a bare mrk id is not found there', async () => {
    const primary = await newMrk()
    const { CiphertextBlob } = await local.client(EAST).send(new EncryptCommand({ KeyId: primary.keyId, Plaintext: Buffer.from('x') }))
    await expectKmsError(local.client('ap-northeast-1').send(new DecryptCommand({ CiphertextBlob })), { type: NotFoundException, name: 'NotFoundException' })
    await expectKmsError(local.client('ap-northeast-1').send(new DescribeKeyCommand({ KeyId: primary.keyId })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`^Key 'arn:aws:kms:ap-northeast-1:111122223333:key/${primary.keyId}' does not exist$`),
    })
  })

  it('a different multi-Region key is not related, even with a replica in the same Region', async () => {
    const [one, two] = [await newMrk(), await newMrk()]
    await replicate(one.keyId, EAST, WEST)
    const twoWest = await replicate(two.keyId, EAST, WEST)
    const { CiphertextBlob } = await local.client(EAST).send(new EncryptCommand({ KeyId: one.keyId, Plaintext: Buffer.from('x') }))
    await expectKmsError(local.client(WEST).send(new DecryptCommand({ CiphertextBlob, KeyId: twoWest })), { name: 'IncorrectKeyException' })
  })
})

describe('independent key state of related keys', () => {
  it('disabling the replica leaves the primary usable', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    await local.client(WEST).send(new DisableKeyCommand({ KeyId: westArn }))
    const { CiphertextBlob } = await local.client(EAST).send(new EncryptCommand({ KeyId: primary.arn, Plaintext: Buffer.from('x') }))
    await expectKmsError(local.client(WEST).send(new DecryptCommand({ CiphertextBlob, KeyId: westArn })), {
      type: DisabledException,
      name: 'DisabledException',
      message: new RegExp(`^${westArn} is disabled.$`),
    })
    expect((await local.client(EAST).send(new DescribeKeyCommand({ KeyId: primary.arn }))).KeyMetadata?.KeyState).toBe('Enabled')
    await local.client(WEST).send(new EnableKeyCommand({ KeyId: westArn }))
    await expect(local.client(WEST).send(new DecryptCommand({ CiphertextBlob, KeyId: westArn }))).resolves.toBeDefined()
  })

  it('a primary with replicas waits in PendingReplicaDeletion; its replicas keep working', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    const scheduled = await local.client(EAST).send(new ScheduleKeyDeletionCommand({ KeyId: primary.arn, PendingWindowInDays: 7 }))
    expect(scheduled.KeyState).toBe('PendingReplicaDeletion')
    expect(scheduled.DeletionDate).toBeUndefined()
    await expectKmsError(local.client(EAST).send(new EncryptCommand({ KeyId: primary.arn, Plaintext: Buffer.from('x') })), {
      type: KMSInvalidStateException,
      name: 'KMSInvalidStateException',
    })
    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.arn, ReplicaRegion: 'eu-west-1' })), {
      type: KMSInvalidStateException,
      name: 'KMSInvalidStateException',
    })
    await expect(local.client(WEST).send(new EncryptCommand({ KeyId: westArn, Plaintext: Buffer.from('x') }))).resolves.toBeDefined()
    // A replica can be scheduled for deletion on its own.
    const replicaScheduled = await local.client(WEST).send(new ScheduleKeyDeletionCommand({ KeyId: westArn, PendingWindowInDays: 7 }))
    expect(replicaScheduled.KeyState).toBe('PendingDeletion')
    await local.client(EAST).send(new CancelKeyDeletionCommand({ KeyId: primary.arn }))
    expect((await local.client(EAST).send(new DescribeKeyCommand({ KeyId: primary.arn }))).KeyMetadata?.KeyState).toBe('Disabled')
  })
})

describe('UpdatePrimaryRegion', () => {
  it('swaps the roles: the replica becomes the primary and the old primary a replica', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    await expect(local.client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: primary.arn, PrimaryRegion: WEST }))).resolves.toBeDefined()
    const west = (await local.client(WEST).send(new DescribeKeyCommand({ KeyId: westArn }))).KeyMetadata
    const east = (await local.client(EAST).send(new DescribeKeyCommand({ KeyId: primary.arn }))).KeyMetadata
    expect(west?.MultiRegionConfiguration).toEqual({
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: westArn, Region: WEST },
      ReplicaKeys: [{ Arn: primary.arn, Region: EAST }],
    })
    expect(east?.MultiRegionConfiguration?.MultiRegionKeyType).toBe('REPLICA')
    expect(east?.MultiRegionConfiguration?.PrimaryKey).toEqual({ Arn: westArn, Region: WEST })

    await expectKmsError(local.client(EAST).send(new ReplicateKeyCommand({ KeyId: primary.arn, ReplicaRegion: 'eu-west-1' })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
      message: new RegExp(`^${primary.arn} is not a multi-region primary key.$`),
    })
    const third = await replicate(westArn, WEST, 'eu-west-1')
    expect(third).toBe(`arn:aws:kms:eu-west-1:111122223333:key/${primary.keyId}`)
    // Material is unchanged: the old primary still decrypts what the new primary encrypts.
    const { CiphertextBlob } = await local.client(WEST).send(new EncryptCommand({ KeyId: westArn, Plaintext: Buffer.from('y') }))
    const decrypted = await local.client(EAST).send(new DecryptCommand({ CiphertextBlob, KeyId: primary.arn }))
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('y')
  })

  it('needs a replica in the target Region, a primary, and both keys enabled', async () => {
    const primary = await newMrk()
    const westArn = await replicate(primary.keyId, EAST, WEST)
    await expectKmsError(local.client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: primary.arn, PrimaryRegion: 'eu-north-1' })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: /arn:aws:kms:eu-north-1:111122223333:key\/mrk-.* does not exist/,
    })
    await expectKmsError(local.client(WEST).send(new UpdatePrimaryRegionCommand({ KeyId: westArn, PrimaryRegion: EAST })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
    })
    await local.client(WEST).send(new DisableKeyCommand({ KeyId: westArn }))
    await expectKmsError(local.client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: primary.arn, PrimaryRegion: WEST })), {
      type: DisabledException,
      name: 'DisabledException',
    })
    const single = (await local.client(EAST).send(new CreateKeyCommand({}))).KeyMetadata!
    await expectKmsError(local.client(EAST).send(new UpdatePrimaryRegionCommand({ KeyId: single.Arn, PrimaryRegion: WEST })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
    })
  })
})

describe('a new replica is Creating for replicaCreationDelayMs', () => {
  it('reports Creating (Enabled false) and refuses cryptographic operations until the delay has passed', async () => {
    const kms = await startLocalKms({ replicaCreationDelayMs: 400 })
    const east = kmsClient(kms, EAST)
    const west = kmsClient(kms, WEST)
    try {
      const { KeyMetadata } = await east.send(new CreateKeyCommand({ MultiRegion: true }))
      const { CiphertextBlob } = await east.send(new EncryptCommand({ KeyId: KeyMetadata!.Arn, Plaintext: Buffer.from('x') }))
      const replica = await east.send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: WEST }))
      expect(replica.ReplicaKeyMetadata).toMatchObject({ KeyState: 'Creating', Enabled: false })
      await expectKmsError(west.send(new DecryptCommand({ CiphertextBlob, KeyId: replica.ReplicaKeyMetadata!.Arn })), {
        type: KMSInvalidStateException,
        name: 'KMSInvalidStateException',
        message: /pending creation/,
      })
      await expectKmsError(west.send(new DisableKeyCommand({ KeyId: replica.ReplicaKeyMetadata!.Arn })), {
        type: KMSInvalidStateException,
        name: 'KMSInvalidStateException',
      })
      let state: string | undefined
      const deadline = Date.now() + 10_000
      while (Date.now() < deadline) {
        state = (await west.send(new DescribeKeyCommand({ KeyId: replica.ReplicaKeyMetadata!.Arn }))).KeyMetadata?.KeyState
        if (state !== 'Creating') break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(state).toBe('Enabled')
      const decrypted = await west.send(new DecryptCommand({ CiphertextBlob, KeyId: replica.ReplicaKeyMetadata!.Arn }))
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('x')
    } finally {
      east.destroy()
      west.destroy()
      await kms.close()
    }
  })
})

describe('calls()', () => {
  it('records the Region each request was signed for, the operation, the key and the outcome', async () => {
    const kms = await startLocalKms()
    const east = kmsClient(kms, EAST)
    const west = kmsClient(kms, WEST)
    try {
      const { KeyMetadata } = await east.send(new CreateKeyCommand({ MultiRegion: true }))
      await east.send(new ReplicateKeyCommand({ KeyId: KeyMetadata!.KeyId, ReplicaRegion: WEST }))
      await west.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })).catch(() => undefined)
      expect(kms.calls()).toEqual([
        { region: EAST, operation: 'CreateKey', keyId: KeyMetadata!.Arn, outcome: 'ok' },
        { region: EAST, operation: 'ReplicateKey', keyId: KeyMetadata!.Arn, outcome: 'ok' },
        { region: WEST, operation: 'DescribeKey', keyId: 'alias/missing', outcome: 'NotFoundException' },
      ])
    } finally {
      east.destroy()
      west.destroy()
      await kms.close()
    }
  })
})
