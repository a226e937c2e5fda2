import {
  CreateKeyCommand, DecryptCommand, DisableKeyCommand, DisabledException, DryRunOperationException, EncryptCommand,
  GenerateDataKeyCommand, GenerateDataKeyWithoutPlaintextCommand, GenerateRandomCommand, IncorrectKeyException,
  InvalidCiphertextException, InvalidKeyUsageException, KMSInvalidStateException, NotFoundException, ReEncryptCommand,
  ScheduleKeyDeletionCommand, UnsupportedOperationException,
} from '@aws-sdk/client-kms'
import { expectKmsError, useLocalKms } from './support'

const local = useLocalKms()
const REGION = 'us-east-2'
const context = { table: 'Orders', 'partition-key': 'order#1' }

async function newKey(): Promise<{ keyId: string; arn: string }> {
  const { KeyMetadata } = await local.client(REGION).send(new CreateKeyCommand({}))
  return { keyId: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! }
}

describe('Encrypt and Decrypt', () => {
  it('round-trips a plaintext; Decrypt works with and without KeyId and returns the key ARN', async () => {
    const key = await newKey()
    const plaintext = Buffer.from('the order total is 42')
    const encrypted = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: plaintext, EncryptionContext: context }))
    expect(encrypted.KeyId).toBe(key.arn)
    expect(encrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT')
    expect(Buffer.from(encrypted.CiphertextBlob!).includes(plaintext)).toBe(false)

    for (const KeyId of [undefined, key.keyId, key.arn]) {
      const decrypted = await local.client(REGION).send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context, ...(KeyId ? { KeyId } : {}) }),
      )
      expect(Buffer.from(decrypted.Plaintext!)).toEqual(plaintext)
      expect(decrypted.KeyId).toBe(key.arn)
      expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT')
    }
  })

  it('makes a different ciphertext each time', async () => {
    const key = await newKey()
    const one = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('same') }))
    const two = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('same') }))
    expect(Buffer.from(one.CiphertextBlob!)).not.toEqual(Buffer.from(two.CiphertextBlob!))
  })

  it('binds the encryption context: a different, missing or extra entry is InvalidCiphertextException', async () => {
    const key = await newKey()
    const { CiphertextBlob } = await local.client(REGION).send(
      new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x'), EncryptionContext: context }),
    )
    const wrongContexts: Record<string, string>[] = [
      {},
      { ...context, table: 'Other' },
      { table: 'Orders' },
      { ...context, extra: '' },
      { table: 'Orders', 'partition-key': 'order#1 ' },
    ]
    for (const EncryptionContext of wrongContexts) {
      const error = await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob, EncryptionContext })), {
        type: InvalidCiphertextException,
        name: 'InvalidCiphertextException',
      })
      expect(error.message).toBe('UnknownError') // KMS sends no message for this error
    }
    // The order of the entries does not matter.
    const reordered = { 'partition-key': 'order#1', table: 'Orders' }
    const ok = await local.client(REGION).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: reordered }))
    expect(Buffer.from(ok.Plaintext!).toString()).toBe('x')
  })

  it('refuses a ciphertext with any single byte changed', async () => {
    const key = await newKey()
    const { CiphertextBlob } = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('tamper me') }))
    const blob = Buffer.from(CiphertextBlob!)
    for (let index = 0; index < blob.length; index += 1) {
      const tampered = Buffer.from(blob)
      tampered[index] = (tampered[index] as number) ^ 0x01
      let error: unknown
      try {
        await local.client(REGION).send(new DecryptCommand({ CiphertextBlob: tampered, KeyId: key.arn }))
      } catch (caught) {
        error = caught
      }
      // A changed byte of the key id the blob carries, or of its length (then the id can take in a printable salt
      // byte), names another key; any other change fails authentication.
      const inKeyId = index >= 1 && index < 2 + key.keyId.length
      expect((error as Error)?.name).toMatch(inKeyId ? /^(InvalidCiphertextException|IncorrectKeyException)$/ : /^InvalidCiphertextException$/)
    }
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, blob.length - 1) })), {
      type: InvalidCiphertextException,
      name: 'InvalidCiphertextException',
    })
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob') })), {
      type: InvalidCiphertextException,
      name: 'InvalidCiphertextException',
    })
  })

  it('says IncorrectKeyException when Decrypt names an unrelated key', async () => {
    const [one, two] = [await newKey(), await newKey()]
    const { CiphertextBlob } = await local.client(REGION).send(new EncryptCommand({ KeyId: one.keyId, Plaintext: Buffer.from('x') }))
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob, KeyId: two.arn })), {
      type: IncorrectKeyException,
      name: 'IncorrectKeyException',
      message: /does not identify a CMK that can perform this operation/,
    })
  })

  it('says NotFoundException when the ciphertext key does not exist in the called Region', async () => {
    const key = await newKey()
    const { CiphertextBlob } = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x') }))
    await expectKmsError(local.client('us-west-1').send(new DecryptCommand({ CiphertextBlob })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`arn:aws:kms:us-west-1:111122223333:key/${key.keyId}' does not exist`),
    })
  })

  it('refuses Plaintext above 4096 bytes and an empty one', async () => {
    const key = await newKey()
    await expectKmsError(local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.alloc(4097) })), {
      name: 'ValidationException',
      message: /at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096/,
    })
    await expectKmsError(local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.alloc(0) })), {
      name: 'ValidationException',
    })
  })

  it('refuses asymmetric encryption algorithms and SIGN_VERIFY keys', async () => {
    const key = await newKey()
    await expectKmsError(
      local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
      { type: UnsupportedOperationException, name: 'UnsupportedOperationException' },
    )
    const signing = await local.client(REGION).send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
    await expectKmsError(local.client(REGION).send(new EncryptCommand({ KeyId: signing.KeyMetadata!.KeyId, Plaintext: Buffer.from('x') })), {
      type: InvalidKeyUsageException,
      name: 'InvalidKeyUsageException',
      message: /key usage is SIGN_VERIFY which is not valid for Encrypt/,
    })
  })
})

describe('key states block cryptographic operations', () => {
  it('DisabledException for a disabled key, KMSInvalidStateException for one pending deletion', async () => {
    const key = await newKey()
    const { CiphertextBlob } = await local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x') }))
    await local.client(REGION).send(new DisableKeyCommand({ KeyId: key.keyId }))
    const disabled = { type: DisabledException, name: 'DisabledException', message: new RegExp(`^${key.arn} is disabled.$`) }
    await expectKmsError(local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x') })), disabled)
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob })), disabled)
    await expectKmsError(local.client(REGION).send(new GenerateDataKeyCommand({ KeyId: key.keyId, NumberOfBytes: 32 })), disabled)

    await local.client(REGION).send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }))
    const pending = { type: KMSInvalidStateException, name: 'KMSInvalidStateException', message: /is pending deletion/ }
    await expectKmsError(local.client(REGION).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('x') })), pending)
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob })), pending)
  })
})

describe('GenerateDataKey and GenerateDataKeyWithoutPlaintext', () => {
  it.each([
    [{ NumberOfBytes: 32 }, 32],
    [{ NumberOfBytes: 1 }, 1],
    [{ NumberOfBytes: 1024 }, 1024],
    [{ KeySpec: 'AES_256' as const }, 32],
    [{ KeySpec: 'AES_128' as const }, 16],
  ])('%j gives a %i-byte key whose ciphertext decrypts to it', async (size, length) => {
    const key = await newKey()
    const generated = await local.client(REGION).send(new GenerateDataKeyCommand({ KeyId: key.arn, EncryptionContext: context, ...size }))
    expect(generated.Plaintext).toHaveLength(length)
    expect(generated.KeyId).toBe(key.arn)
    const decrypted = await local.client(REGION).send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }))
    expect(Buffer.from(decrypted.Plaintext!)).toEqual(Buffer.from(generated.Plaintext!))
  })

  it('WithoutPlaintext returns only the ciphertext, which decrypts to a key of the asked length', async () => {
    const key = await newKey()
    const generated = await local.client(REGION).send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.keyId, NumberOfBytes: 32, EncryptionContext: context }))
    expect(generated).not.toHaveProperty('Plaintext')
    expect(generated.KeyId).toBe(key.arn)
    const decrypted = await local.client(REGION).send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }))
    expect(decrypted.Plaintext).toHaveLength(32)
  })

  it('needs exactly one of NumberOfBytes and KeySpec, and at most 1024 bytes', async () => {
    const key = await newKey()
    for (const input of [{}, { NumberOfBytes: 16, KeySpec: 'AES_128' as const }]) {
      await expectKmsError(local.client(REGION).send(new GenerateDataKeyCommand({ KeyId: key.keyId, ...input })), {
        name: 'ValidationException',
        message: /Please specify either number of bytes or key spec/,
      })
    }
    await expectKmsError(local.client(REGION).send(new GenerateDataKeyCommand({ KeyId: key.keyId, NumberOfBytes: 1025 })), {
      name: 'ValidationException',
      message: /^1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024$/,
    })
  })

  it('DryRun checks everything and then says DryRunOperationException', async () => {
    const key = await newKey()
    await expectKmsError(local.client(REGION).send(new GenerateDataKeyCommand({ KeyId: key.keyId, NumberOfBytes: 32, DryRun: true })), {
      type: DryRunOperationException,
      name: 'DryRunOperationException',
      message: /The request would have succeeded, but the DryRun option is set/,
    })
  })
})

describe('ReEncrypt', () => {
  it('moves a ciphertext to another key and context without showing the plaintext', async () => {
    const [source, destination] = [await newKey(), await newKey()]
    const { CiphertextBlob } = await local.client(REGION).send(
      new EncryptCommand({ KeyId: source.keyId, Plaintext: Buffer.from('moved'), EncryptionContext: { v: '1' } }),
    )
    const moved = await local.client(REGION).send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { v: '1' },
        DestinationKeyId: destination.arn,
        DestinationEncryptionContext: { v: '2' },
      }),
    )
    expect(moved).toMatchObject({
      SourceKeyId: source.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    })
    expect(moved).not.toHaveProperty('Plaintext')
    const decrypted = await local.client(REGION).send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, KeyId: destination.keyId, EncryptionContext: { v: '2' } }))
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('moved')
    await expectKmsError(local.client(REGION).send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { v: '1' } })), {
      type: InvalidCiphertextException,
      name: 'InvalidCiphertextException',
    })
  })

  it('checks SourceKeyId and the source context', async () => {
    const [source, other] = [await newKey(), await newKey()]
    const { CiphertextBlob } = await local.client(REGION).send(new EncryptCommand({ KeyId: source.keyId, Plaintext: Buffer.from('x'), EncryptionContext: { v: '1' } }))
    await expectKmsError(
      local.client(REGION).send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: other.keyId, DestinationKeyId: other.keyId, SourceEncryptionContext: { v: '1' } })),
      { type: IncorrectKeyException, name: 'IncorrectKeyException' },
    )
    await expectKmsError(
      local.client(REGION).send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: other.keyId, SourceEncryptionContext: { v: '2' } })),
      { type: InvalidCiphertextException, name: 'InvalidCiphertextException' },
    )
  })
})

describe('GenerateRandom', () => {
  it('returns the asked number of random bytes', async () => {
    const one = await local.client(REGION).send(new GenerateRandomCommand({ NumberOfBytes: 64 }))
    const two = await local.client(REGION).send(new GenerateRandomCommand({ NumberOfBytes: 64 }))
    expect(one.Plaintext).toHaveLength(64)
    expect(Buffer.from(one.Plaintext!)).not.toEqual(Buffer.from(two.Plaintext!))
  })

  it('requires NumberOfBytes from 1 to 1024', async () => {
    await expectKmsError(local.client(REGION).send(new GenerateRandomCommand({})), { name: 'ValidationException', message: /^NumberOfBytes is required.$/ })
    await expectKmsError(local.client(REGION).send(new GenerateRandomCommand({ NumberOfBytes: 0 })), { name: 'ValidationException' })
    await expectKmsError(local.client(REGION).send(new GenerateRandomCommand({ NumberOfBytes: 1025 })), { name: 'ValidationException' })
  })
})
