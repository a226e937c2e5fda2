import { randomBytes } from 'node:crypto'
import { MultiKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node'
import { rawAesKeyring, toDbeKeyring } from '../../lib/materials/keyrings'
import { isEncryptorError } from '../../lib/errors'
import type { EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'
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

  test('a client-node multi-keyring: one EDK per key, sharing one intermediate key, each copy owned separately', async () => {
    const keyA = randomBytes(32)
    const keyB = randomBytes(32)
    const multi = new MultiKeyringNode({ generator: esdkRawAes('a', keyA), children: [esdkRawAes('b', keyB)] })
    const wrapped = await toDbeKeyring(multi).wrapIntermediateKeys(EC)
    expect(wrapped.map((w) => Buffer.from(w.providerInfo).subarray(0, 1).toString())).toEqual(['a', 'b'])
    const [first, second] = wrapped as [WrappedIntermediateKey, WrappedIntermediateKey]
    expect(first.intermediateKey.equals(second.intermediateKey)).toBe(true)
    const saved = Buffer.from(second.intermediateKey)
    first.intermediateKey.fill(0) // the caller zeroes each key it is given; the others must not change
    expect(second.intermediateKey.equals(saved)).toBe(true)

    // A reader holding only key b opens the second EDK and reports its index.
    const readerB = toDbeKeyring(esdkRawAes('b', keyB))
    const out = await readerB.unwrapIntermediateKey(EC, wrapped.map(candidate))
    expect(out.index).toBe(1)
    expect(out.intermediateKey.equals(saved)).toBe(true)
    // So does the multi-keyring itself (first EDK first).
    await expect(toDbeKeyring(multi).unwrapIntermediateKey(EC, wrapped.map(candidate))).resolves.toMatchObject({ index: 0 })
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
    expect((error as Error).message).toContain('MultiKeyringNode could not wrap a new intermediate key')
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(Error)
  })

  test('lib/version.ts matches package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(PACKAGE_VERSION).toBe((require('../../package.json') as { version: string }).version)
  })
})
