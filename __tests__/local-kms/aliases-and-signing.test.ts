import { createPublicKey, verify as verifySignature } from 'node:crypto'
import {
  AlreadyExistsException, CreateAliasCommand, CreateKeyCommand, DecryptCommand, DeleteAliasCommand, DescribeKeyCommand,
  DisableKeyCommand, DisabledException, EncryptCommand, GetPublicKeyCommand, InvalidAliasNameException, InvalidKeyUsageException,
  KMSInvalidSignatureException, ListAliasesCommand, NotFoundException, ReplicateKeyCommand, SignCommand, UnsupportedOperationException,
  UpdateAliasCommand, VerifyCommand,
} from '@aws-sdk/client-kms'
import { expectKmsError, useLocalKms } from './support'

const local = useLocalKms()
const REGION = 'eu-west-3'

describe('aliases', () => {
  it('CreateAlias / ListAliases / UpdateAlias / DeleteAlias, per Region', async () => {
    const client = local.client(REGION)
    const one = (await client.send(new CreateKeyCommand({}))).KeyMetadata!
    const two = (await client.send(new CreateKeyCommand({}))).KeyMetadata!
    await client.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: one.KeyId }))
    await client.send(new CreateAliasCommand({ AliasName: 'alias/payments', TargetKeyId: two.Arn }))

    const listed = await client.send(new ListAliasesCommand({}))
    expect(listed.Aliases?.map(({ AliasName, AliasArn, TargetKeyId }) => ({ AliasName, AliasArn, TargetKeyId }))).toEqual([
      { AliasName: 'alias/orders', AliasArn: `arn:aws:kms:${REGION}:111122223333:alias/orders`, TargetKeyId: one.KeyId },
      { AliasName: 'alias/payments', AliasArn: `arn:aws:kms:${REGION}:111122223333:alias/payments`, TargetKeyId: two.KeyId },
    ])
    expect(listed.Aliases?.[0]?.CreationDate).toBeInstanceOf(Date)
    const forOne = await client.send(new ListAliasesCommand({ KeyId: one.Arn }))
    expect(forOne.Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/orders'])
    const paged = await client.send(new ListAliasesCommand({ Limit: 1 }))
    expect(paged.Aliases).toHaveLength(1)
    expect(paged.Truncated).toBe(true)
    const rest = await client.send(new ListAliasesCommand({ Limit: 1, Marker: paged.NextMarker }))
    expect(rest.Aliases?.[0]?.AliasName).toBe('alias/payments')
    expect(rest.Truncated).toBe(false)

    // Aliases are per Region.
    expect((await local.client('eu-south-1').send(new ListAliasesCommand({}))).Aliases).toEqual([])

    await client.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: two.KeyId }))
    expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }))).KeyMetadata?.KeyId).toBe(two.KeyId)
    await client.send(new DeleteAliasCommand({ AliasName: 'alias/orders' }))
    await expectKmsError(client.send(new DescribeKeyCommand({ KeyId: 'alias/orders' })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`^Alias arn:aws:kms:${REGION}:111122223333:alias/orders is not found.$`),
    })
    await expectKmsError(client.send(new DeleteAliasCommand({ AliasName: 'alias/orders' })), { type: NotFoundException, name: 'NotFoundException' })
  })

  it('names a key by alias name or alias ARN wherever a KeyId is taken', async () => {
    const client = local.client(REGION)
    const key = (await client.send(new CreateKeyCommand({}))).KeyMetadata!
    await client.send(new CreateAliasCommand({ AliasName: 'alias/app/data', TargetKeyId: key.KeyId }))
    const aliasArn = `arn:aws:kms:${REGION}:111122223333:alias/app/data`
    for (const KeyId of ['alias/app/data', aliasArn]) {
      const encrypted = await client.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('via alias') }))
      expect(encrypted.KeyId).toBe(key.Arn)
      const decrypted = await client.send(new DecryptCommand({ KeyId, CiphertextBlob: encrypted.CiphertextBlob }))
      expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('via alias')
    }
    await client.send(new DisableKeyCommand({ KeyId: 'alias/app/data' }))
    expect((await client.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata?.KeyState).toBe('Disabled')
    await expectKmsError(local.client('eu-central-2').send(new DescribeKeyCommand({ KeyId: aliasArn })), {
      type: NotFoundException,
      name: 'NotFoundException',
      message: new RegExp(`Invalid arn ${REGION}`),
    })
  })

  it('checks alias names and refuses duplicates', async () => {
    const client = local.client(REGION)
    const key = (await client.send(new CreateKeyCommand({}))).KeyMetadata!
    await expectKmsError(client.send(new CreateAliasCommand({ AliasName: 'orders', TargetKeyId: key.KeyId })), {
      name: 'ValidationException',
      message: /^Alias must start with the prefix "alias\/"/,
    })
    await expectKmsError(client.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: key.KeyId })), {
      name: 'ValidationException',
      message: /at 'aliasName' failed to satisfy constraint/,
    })
    await expectKmsError(client.send(new CreateAliasCommand({ AliasName: 'alias/aws/dynamodb', TargetKeyId: key.KeyId })), {
      type: InvalidAliasNameException,
      name: 'InvalidAliasNameException',
    })
    await client.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: key.KeyId }))
    await expectKmsError(client.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: key.KeyId })), {
      type: AlreadyExistsException,
      name: 'AlreadyExistsException',
      message: new RegExp(`An alias with the name arn:aws:kms:${REGION}:111122223333:alias/dup already exists`),
    })
    await expectKmsError(client.send(new CreateAliasCommand({ AliasName: 'alias/nowhere', TargetKeyId: '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa' })), {
      type: NotFoundException,
      name: 'NotFoundException',
    })
  })
})

describe('GetPublicKey, Sign and Verify', () => {
  it.each([
    ['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256'],
    ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384'],
  ] as const)('%s: signs with %s; the signature verifies in KMS and offline with the public key', async (KeySpec, SigningAlgorithm, hash) => {
    const client = local.client(REGION)
    const key = (await client.send(new CreateKeyCommand({ KeySpec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!
    const publicKey = await client.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))
    expect(publicKey).toMatchObject({ KeyId: key.Arn, KeySpec, KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: [SigningAlgorithm] })
    const spki = createPublicKey({ key: Buffer.from(publicKey.PublicKey!), format: 'der', type: 'spki' })
    expect(spki.asymmetricKeyDetails?.namedCurve).toBe(KeySpec === 'ECC_NIST_P256' ? 'prime256v1' : 'secp384r1')

    const message = Buffer.from('release 1.2.3')
    const signed = await client.send(new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm }))
    expect(signed).toMatchObject({ KeyId: key.Arn, SigningAlgorithm })
    expect(verifySignature(hash, message, { key: spki, dsaEncoding: 'der' }, Buffer.from(signed.Signature!))).toBe(true)

    const verified = await client.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm }))
    expect(verified).toMatchObject({ KeyId: key.Arn, SignatureValid: true, SigningAlgorithm })
    await expectKmsError(
      client.send(new VerifyCommand({ KeyId: key.KeyId, Message: Buffer.from('release 1.2.4'), Signature: signed.Signature, SigningAlgorithm })),
      { type: KMSInvalidSignatureException, name: 'KMSInvalidSignatureException' },
    )
    await expectKmsError(
      client.send(new VerifyCommand({ KeyId: key.KeyId, Message: message, Signature: Buffer.from('not DER'), SigningAlgorithm })),
      { type: KMSInvalidSignatureException, name: 'KMSInvalidSignatureException' },
    )
  })

  it('an asymmetric multi-Region key has the same public key in every Region and verifies across Regions', async () => {
    const east = local.client('us-east-1')
    const west = local.client('us-west-2')
    const primary = (await east.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', MultiRegion: true }))).KeyMetadata!
    const replica = (await east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'us-west-2' }))).ReplicaKeyMetadata!
    expect(replica.KeySpec).toBe('ECC_NIST_P256')
    const eastKey = await east.send(new GetPublicKeyCommand({ KeyId: primary.Arn }))
    const westKey = await west.send(new GetPublicKeyCommand({ KeyId: replica.Arn }))
    expect(Buffer.from(westKey.PublicKey!)).toEqual(Buffer.from(eastKey.PublicKey!))
    const signed = await east.send(new SignCommand({ KeyId: primary.Arn, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' }))
    const verified = await west.send(new VerifyCommand({ KeyId: replica.Arn, Message: Buffer.from('m'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))
    expect(verified.SignatureValid).toBe(true)
  })

  it('refuses wrong algorithms, symmetric keys, DIGEST messages and disabled keys', async () => {
    const client = local.client(REGION)
    const key = (await client.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!
    await expectKmsError(client.send(new SignCommand({ KeyId: key.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_384' })), {
      type: InvalidKeyUsageException,
      name: 'InvalidKeyUsageException',
      message: /ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256/,
    })
    await expectKmsError(
      client.send(new SignCommand({ KeyId: key.KeyId, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
      { type: UnsupportedOperationException, name: 'UnsupportedOperationException', message: /DIGEST/ },
    )
    await expectKmsError(client.send(new SignCommand({ KeyId: key.KeyId, Message: Buffer.alloc(4097), SigningAlgorithm: 'ECDSA_SHA_256' })), {
      name: 'ValidationException',
    })
    const symmetric = (await client.send(new CreateKeyCommand({}))).KeyMetadata!
    await expectKmsError(client.send(new SignCommand({ KeyId: symmetric.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' })), {
      type: InvalidKeyUsageException,
      name: 'InvalidKeyUsageException',
      message: /key usage is ENCRYPT_DECRYPT which is not valid for Sign/,
    })
    await expectKmsError(client.send(new GetPublicKeyCommand({ KeyId: symmetric.KeyId })), {
      type: UnsupportedOperationException,
      name: 'UnsupportedOperationException',
    })
    await client.send(new DisableKeyCommand({ KeyId: key.KeyId }))
    await expectKmsError(client.send(new SignCommand({ KeyId: key.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' })), {
      type: DisabledException,
      name: 'DisabledException',
    })
  })
})
