import { getDecryptionMaterials } from '../../lib/materials/materials'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import { resolveConfig } from '../../lib/item/config'
import { buildEncryptionContext } from '../../lib/item/encryption-context'
import { serializeEncryptionContext } from '../../lib/structured/encryption-context'
import { parseHeader } from '../../lib/structured/header'
import { SUITE_6700 } from '../../lib/structured/suite'
import { readJson, staticBranchKeyFromKeys, vectorsDir } from '../item/vector-support'

/**
 * Intermediate values of decrypt_java_33.json test 7 (flavor 0, static branch key, GazelleVectorTable / RecNum),
 * as listed in dbesdk-format.md §4 (derived there independently of this code).
 */
const KAT = {
  plaintextDataKey: 'aead6fb9920f724c2708b2f8cecd32e71c900128877742bc5a6e9835e815c2e8',
  intermediateKey: '00c261ae97d28af9a41c7664b10dcb6de014f50778fb84278273bb6488101f4e',
  symmetricSigningKey: '0dceab4af88e7932eb62bc0a1b02d3d6eb15a8e5e68982e50279cd6f1f455c7e',
}

/** Header-form EC, assembled by hand from §3/§6: u16 count, then (u16 len, key, u16 len, value) sorted by key bytes. */
function handSerialized(pairs: Array<[string, string]>): Buffer {
  const parts = [Buffer.from([0, pairs.length])]
  for (const [key, value] of pairs) {
    parts.push(Buffer.from([0, key.length]), Buffer.from(key, 'ascii'), Buffer.from([0, value.length]), Buffer.from(value, 'ascii'))
  }
  return Buffer.concat(parts)
}

const dir = vectorsDir()
const describeKat = dir === undefined ? describe.skip : describe

describeKat('known answers of decrypt_java_33.json test 7', () => {
  const test = (readJson(dir as string, 'decrypt_java_33.json') as { tests: Record<string, { encrypted: Record<string, { B?: string; N?: string }> }> }).tests
  const header = parseHeader(Buffer.from(test['7'].encrypted.aws_dbe_head.B as string, 'base64')).fields
  const branchKey = staticBranchKeyFromKeys(dir as string)
  const keyring = hierarchicalKeyring({ branchKeyId: branchKey.branchKeyId, keyStore: staticBranchKeyStore(branchKey) })
  const config = resolveConfig({
    logicalTableName: 'GazelleVectorTable',
    partitionKeyName: 'RecNum',
    attributeActionsOnEncrypt: { RecNum: 'SIGN_ONLY', Stuff: 'ENCRYPT_AND_SIGN', Junk: 'ENCRYPT_AND_SIGN' },
    keyring,
  })
  // RecNum is N "1": type id 00 02, value "1" → base64("\x00\x02\x31") = "AAIx" (§6 example).
  const expectedContext: Array<[string, string]> = [
    ['aws-crypto-attr.RecNum', 'AAIx'],
    ['aws-crypto-partition-name', 'RecNum'],
    ['aws-crypto-table-name', 'GazelleVectorTable'],
  ]

  it('the reader rebuilds the version 1 encryption context byte for byte', () => {
    expect(header.version).toBe(1)
    expect(header.storedEncryptionContext).toEqual({})
    const context = buildEncryptionContext({
      config,
      version: 1,
      terminalOf: (name) => (name === 'RecNum' ? { typeId: 0x0002, bytes: Buffer.from('1') } : undefined),
      contextAttributes: [],
      missingKey: (name) => {
        throw new Error(`missing ${name}`)
      },
    })
    expect(serializeEncryptionContext(context).toString('hex')).toBe(handSerialized(expectedContext).toString('hex'))
  })

  it('the hierarchical keyring unwraps the intermediate key', async () => {
    const edk = header.encryptedDataKeys[0]
    expect(edk.ciphertext).toHaveLength(140)
    const { index, intermediateKey } = await keyring.unwrapIntermediateKey(Object.fromEntries(expectedContext), [
      { providerId: edk.providerId, providerInfo: edk.providerInfo, wrappedKey: edk.ciphertext.subarray(48) },
    ])
    expect(index).toBe(0)
    expect(intermediateKey.toString('hex')).toBe(KAT.intermediateKey)
  })

  it('intermediate key unwrapping yields the plaintext data key and the symmetric signing key', async () => {
    const materials = await getDecryptionMaterials({
      keyring,
      suite: SUITE_6700,
      encryptionContext: Object.fromEntries(expectedContext),
      encryptedDataKeys: header.encryptedDataKeys,
    })
    expect(materials.plaintextDataKey.toString('hex')).toBe(KAT.plaintextDataKey)
    expect(materials.symmetricSigningKey.toString('hex')).toBe(KAT.symmetricSigningKey)
    expect(materials.encryptedDataKeyIndex).toBe(0)
    expect(materials.verificationKey).toBeUndefined()
  })

  it('a one-character change of the encryption context makes the data key unrecoverable', async () => {
    await expect(
      getDecryptionMaterials({
        keyring,
        suite: SUITE_6700,
        encryptionContext: { ...Object.fromEntries(expectedContext), 'aws-crypto-attr.RecNum': 'AAIy' },
        encryptedDataKeys: header.encryptedDataKeys,
      }),
    ).rejects.toMatchObject({ code: 'ERR_NO_DECRYPTABLE_KEY' })
  })
})

describeKat('known answers of decrypt_java_33.json test 11 (version 2)', () => {
  it('rebuilds aws-crypto-attr.RecNum = "1" and aws-crypto-legend = "N"', () => {
    const test = (readJson(dir as string, 'decrypt_java_33.json') as { tests: Record<string, { encrypted: Record<string, { B?: string }> }> }).tests
    const header = parseHeader(Buffer.from(test['11'].encrypted.aws_dbe_head.B as string, 'base64')).fields
    expect(header.version).toBe(2)
    const branchKey = staticBranchKeyFromKeys(dir as string)
    const config = resolveConfig({
      logicalTableName: 'GazelleVectorTable',
      partitionKeyName: 'RecNum',
      attributeActionsOnEncrypt: { RecNum: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', Stuff: 'ENCRYPT_AND_SIGN', Junk: 'ENCRYPT_AND_SIGN' },
      keyring: hierarchicalKeyring({ branchKeyId: branchKey.branchKeyId, keyStore: staticBranchKeyStore(branchKey) }),
    })
    const context = buildEncryptionContext({
      config,
      version: 2,
      terminalOf: (name) => (name === 'RecNum' ? { typeId: 0x0002, bytes: Buffer.from('1') } : undefined),
      contextAttributes: ['RecNum'],
      missingKey: (name) => {
        throw new Error(`missing ${name}`)
      },
    })
    expect(serializeEncryptionContext(context).toString('hex')).toBe(
      handSerialized([
        ['aws-crypto-attr.RecNum', '1'],
        ['aws-crypto-legend', 'N'],
        ['aws-crypto-partition-name', 'RecNum'],
        ['aws-crypto-table-name', 'GazelleVectorTable'],
      ]).toString('hex'),
    )
  })
})
