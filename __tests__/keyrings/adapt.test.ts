import { randomBytes } from 'node:crypto'
import {
  EncryptedDataKey,
  KeyringNode,
  MultiKeyringNode,
  NodeDecryptionMaterial,
  NodeEncryptionMaterial,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node'
import { ItemEncryptor } from '../../lib'
import type { UnwrapCandidate } from '../../lib/materials/keyrings/adapt'
import { rawAesKeyring, toDbeKeyring } from '../../lib/materials/keyrings'
import { isEncryptorError } from '../../lib/errors'
import type { DbeKeyring, EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'
import { PACKAGE_VERSION } from '../../lib/version'

const EC: EncryptionContext = { 'aws-crypto-table-name': 'Orders', 'aws-crypto-partition-name': 'pk', B: '1', a: '2', _: '3' }

function esdkRawAes(keyName: string, key: Uint8Array): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyNamespace: 'ns',
    keyName,
    unencryptedMasterKey: new Uint8Array(key), // the ESDK zeroes what it is given
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    utf8Sorting: true,
  })
}

const candidate = (w: WrappedIntermediateKey) => ({ providerId: w.providerId, providerInfo: w.providerInfo, wrappedKey: w.wrappedKey })

describe('toDbeKeyring', () => {
  test('passes keyrings of this library through and adapts a KeyringNode once per instance', () => {
    const ours = rawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) })
    expect(toDbeKeyring(ours)).toBe(ours)
    const esdk = esdkRawAes('k', randomBytes(32))
    const adapted = toDbeKeyring(esdk)
    expect(adapted.kind).toBe('dbe-keyring')
    expect(toDbeKeyring(esdk)).toBe(adapted)
  })

  test('refuses anything else with a ConfigError that says what a keyring is', () => {
    for (const value of [{}, null, 'keyring', { onEncrypt() {}, onDecrypt() {} }]) {
      let thrown: unknown
      try {
        toDbeKeyring(value as never)
      } catch (error) {
        thrown = error
      }
      expect(isEncryptorError(thrown, 'ERR_CONFIG_INVALID')).toBe(true)
      expect((thrown as Error).message).toContain('KeyringNode from @aws-crypto/client-node')
    }
  })

  test('refuses ESDK keyrings that order the encryption context with localeCompare (utf8Sorting not true), also inside a multi-keyring', () => {
    const localeSorted = new RawAesKeyringNode({
      keyNamespace: 'ns',
      keyName: 'k',
      unencryptedMasterKey: new Uint8Array(randomBytes(32)),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    })
    const inMulti = new MultiKeyringNode({ generator: esdkRawAes('a', randomBytes(32)), children: [localeSorted] })
    for (const keyring of [localeSorted, inMulti]) {
      let thrown: unknown
      try {
        toDbeKeyring(keyring)
      } catch (error) {
        thrown = error
      }
      expect(isEncryptorError(thrown, 'ERR_CONFIG_INVALID')).toBe(true)
      expect((thrown as Error).message).toContain('RawAesKeyringNode orders the encryption context with localeCompare')
      expect((thrown as Error).message).toContain('utf8Sorting: true')
    }
  })

  test('a client-node raw AES keyring wraps with RAW provider-info bytes, which our rawAesKeyring reads, and back', async () => {
    const key = randomBytes(32)
    const esdk = toDbeKeyring(esdkRawAes('shared', key))
    const ours = rawAesKeyring({ keyNamespace: 'ns', keyName: 'shared', wrappingKey: key })
    // Repeat so that IVs with bytes >= 0x80 (lossy as a UTF-8 string) occur with near certainty.
    let sawHighIvByte = false
    for (let i = 0; i < 16; i++) {
      const [edk] = (await esdk.wrapIntermediateKeys(EC)) as [WrappedIntermediateKey]
      expect(edk.providerInfo.byteLength).toBe('shared'.length + 20)
      sawHighIvByte ||= Buffer.from(edk.providerInfo).subarray(-12).some((b) => b >= 0x80)
      const read = await ours.unwrapIntermediateKey(EC, [candidate(edk)])
      expect(read.intermediateKey.equals(edk.intermediateKey)).toBe(true)

      const [back] = (await ours.wrapIntermediateKeys(EC)) as [WrappedIntermediateKey]
      const again = await esdk.unwrapIntermediateKey(EC, [candidate(back)])
      expect(again.intermediateKey.equals(back.intermediateKey)).toBe(true)
    }
    expect(sawHighIvByte).toBe(true)
  })

  test('a client-node multi-keyring: one EDK per key, each with an intermediate key of its own, nested multi-keyrings too', async () => {
    const keys = { a: randomBytes(32), b: randomBytes(32), c: randomBytes(32) }
    const multi = new MultiKeyringNode({
      generator: esdkRawAes('a', keys.a),
      children: [new MultiKeyringNode({ children: [esdkRawAes('b', keys.b)] }), esdkRawAes('c', keys.c)],
    })
    const wrapped = await toDbeKeyring(multi).wrapIntermediateKeys(EC)
    expect(wrapped.map((w) => Buffer.from(w.providerInfo).subarray(0, 1).toString())).toEqual(['a', 'b', 'c'])
    const intermediateKeys = wrapped.map((w) => w.intermediateKey.toString('hex'))
    expect(new Set(intermediateKeys).size).toBe(3)

    // Each EDK opens only under its own key, to its own intermediate key; the reader reports which EDK opened.
    for (const [index, name] of (['a', 'b', 'c'] as const).entries()) {
      const out = await toDbeKeyring(esdkRawAes(name, keys[name])).unwrapIntermediateKey(EC, wrapped.map(candidate))
      expect(out.index).toBe(index)
      expect(out.intermediateKey.toString('hex')).toBe(intermediateKeys[index])
    }
    // So does the multi-keyring itself (first EDK first).
    await expect(toDbeKeyring(multi).unwrapIntermediateKey(EC, wrapped.map(candidate))).resolves.toMatchObject({ index: 0 })
  })

  test('HMAC-only suite: the holder of one key of a multi-keyring cannot forge an item that a holder of another key accepts', async () => {
    const keyA = randomBytes(32)
    const keyB = randomBytes(32)
    const config = {
      tableName: 'T',
      partitionKeyName: 'pk',
      attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', role: 'SIGN_ONLY' },
      algorithmSuiteId: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384',
    } as const
    const writer = new ItemEncryptor({ ...config, keyring: new MultiKeyringNode({ generator: esdkRawAes('A', keyA), children: [esdkRawAes('B', keyB)] }) })
    const stored = await writer.encryptItem({ pk: { S: 'user-1' }, secret: { S: 'real' }, role: { S: 'user' } })
    const readerA = new ItemEncryptor({ ...config, keyring: rawAesKeyring({ keyNamespace: 'ns', keyName: 'A', wrappingKey: keyA }) })
    await expect(readerA.decryptItem(stored)).resolves.toMatchObject({ role: { S: 'user' } })

    // B reads the item and keeps the intermediate key its EDK opened to, and A's EDK as it is stored.
    const keyringB = rawAesKeyring({ keyNamespace: 'ns', keyName: 'B', wrappingKey: keyB })
    let seen: { candidates: readonly UnwrapCandidate[]; intermediateKey: Buffer } | undefined
    const spyB: DbeKeyring = {
      kind: 'dbe-keyring',
      wrapIntermediateKeys: () => Promise.reject(new Error('not used')),
      async unwrapIntermediateKey(context, candidates) {
        const opened = await keyringB.unwrapIntermediateKey(context, candidates)
        seen = { candidates, intermediateKey: Buffer.from(opened.intermediateKey) }
        return opened
      },
    }
    await new ItemEncryptor({ ...config, keyring: spyB }).decryptItem(stored)
    const edkOfA = seen?.candidates.find((c) => Buffer.from(c.providerInfo).subarray(0, 1).toString() === 'A')
    if (seen === undefined || edkOfA === undefined) throw new Error('B did not see the item or A\'s EDK')
    const knownToB = seen.intermediateKey

    // B writes a new item whose only EDK is A's wrapped part, with the intermediate key B knows.
    const forger: DbeKeyring = {
      kind: 'dbe-keyring',
      wrapIntermediateKeys: async () => [{ ...edkOfA, intermediateKey: Buffer.from(knownToB) }],
      unwrapIntermediateKey: () => Promise.reject(new Error('not used')),
    }
    const forged = await new ItemEncryptor({ ...config, keyring: forger }).encryptItem({ pk: { S: 'user-1' }, secret: { S: 'forged' }, role: { S: 'admin' } })
    const error = await readerA.decryptItem(forged).then(
      (item) => new Error(`A accepted the forged item: ${JSON.stringify(item)}`),
      (e: unknown) => e,
    )
    expect(isEncryptorError(error, 'ERR_DECRYPTION_FAILED')).toBe(true)
    expect((error as Error).message).toContain('does not authenticate')
  })

  test('an ESDK keyring that wraps one key under several keys in one call is refused, naming the keys and what to build instead', async () => {
    const multi = new MultiKeyringNode({ generator: esdkRawAes('a', randomBytes(32)), children: [esdkRawAes('b', randomBytes(32))] })
    // A keyring of its own class that forwards to the multi-keyring, so the library cannot take it apart.
    class Opaque extends KeyringNode {
      _onEncrypt = (material: NodeEncryptionMaterial) => multi.onEncrypt(material)
      _onDecrypt = (material: NodeDecryptionMaterial, edks: EncryptedDataKey[]) => multi.onDecrypt(material, edks)
    }
    const error = await toDbeKeyring(new Opaque()).wrapIntermediateKeys(EC).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect((error as Error).message).toContain('Opaque wrapped one intermediate key under 2 keys (ns a, ns b)')
    expect((error as Error).message).toContain('MultiKeyringNode')
  })

  test('an ESDK keyring that silently fails (hasValidKey false) becomes ERR_NO_DECRYPTABLE_KEY naming what was tried', async () => {
    const writer = toDbeKeyring(esdkRawAes('writer-key', randomBytes(32)))
    const edks = await writer.wrapIntermediateKeys(EC)
    const stranger = toDbeKeyring(esdkRawAes('writer-key', randomBytes(32)))
    const error = await stranger.unwrapIntermediateKey(EC, edks.map(candidate)).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_NO_DECRYPTABLE_KEY')).toBe(true)
    expect((error as Error).message).toContain('RawAesKeyringNode')
    expect((error as Error).message).toContain('EDK #0 (ns writer-key)')
  })

  test('an ESDK keyring that throws on encrypt becomes ERR_KEYRING with the reason', async () => {
    const multiWithoutGenerator = new MultiKeyringNode({ children: [esdkRawAes('b', randomBytes(32))] })
    const error = await toDbeKeyring(multiWithoutGenerator).wrapIntermediateKeys(EC).catch((e: unknown) => e)
    expect(isEncryptorError(error, 'ERR_KEYRING')).toBe(true)
    expect((error as Error).message).toContain('MultiKeyringNode has no generator, so it cannot encrypt')
    const failing = new (class Failing extends KeyringNode {
      _onEncrypt = (): Promise<NodeEncryptionMaterial> => Promise.reject(new Error('KMS is unreachable'))
      _onDecrypt = (material: NodeDecryptionMaterial): Promise<NodeDecryptionMaterial> => Promise.resolve(material)
    })()
    const thrown = await toDbeKeyring(failing).wrapIntermediateKeys(EC).catch((e: unknown) => e)
    expect(isEncryptorError(thrown, 'ERR_KEYRING')).toBe(true)
    expect((thrown as Error).message).toContain('Failing could not wrap a new intermediate key: KMS is unreachable')
    expect((thrown as Error & { cause?: unknown }).cause).toBeInstanceOf(Error)
  })

  test('lib/version.ts matches package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(PACKAGE_VERSION).toBe((require('../../package.json') as { version: string }).version)
  })
})
