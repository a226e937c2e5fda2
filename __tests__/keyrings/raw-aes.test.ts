import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { rawAesKeyring } from '../../lib/materials/keyrings'
import { isEncryptorError } from '../../lib/errors'
import type { EncryptionContext, WrappedIntermediateKey } from '../../lib/materials/keyring'

// Independent of the library: the MPL's EncryptionContextToAAD (u16 count, pairs ordered by the UTF-8 bytes of the
// keys, each as u16 length + UTF-8 bytes).
function mplSerializedEncryptionContext(ec: EncryptionContext, order: 'utf8' | 'locale' = 'utf8'): Buffer {
  const keys = Object.keys(ec)
  if (order === 'utf8') keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
  else keys.sort((a, b) => a.localeCompare(b))
  const parts: Buffer[] = [u16(keys.length)]
  for (const key of keys) {
    const k = Buffer.from(key, 'utf8')
    const v = Buffer.from(ec[key] as string, 'utf8')
    parts.push(u16(k.length), k, u16(v.length), v)
  }
  return Buffer.concat(parts)
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/**
 * Keys ordered differently by UTF-8 bytes than by localeCompare: bytes give 'B' (42) < 'Z9' < '_' (5f) < 'a' (61), localeCompare
 * puts '_' first and 'a' before 'B'. U+FF46 comes before U+1F600 in UTF-8 but after it in UTF-16 code units.
 */
const TRICKY_EC: EncryptionContext = {
  a: 'lower',
  B: 'upper',
  _: 'underscore',
  'aws-crypto-table-name': 'Orders',
  'aws-crypto-attr.pk': 'AAFvcmRlciMx',
  '\uff46': 'fullwidth f (EF BD 86 in UTF-8, sorts before the emoji; after it in UTF-16)',
  '\u{1F600}': 'emoji (F0 9F 98 80)',
  Z9: 'é ü 中',
}

const NAMESPACE = 'my-namespace'
const KEY_NAME = 'my-aes-key'

function newWrappingKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

async function expectKeyringError(promise: Promise<unknown>, code: string, ...messageParts: string[]): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isEncryptorError(error, code as never)).toBe(true)
  for (const part of messageParts) expect((error as Error).message).toContain(part)
  return error as Error
}

function asCandidate(w: WrappedIntermediateKey) {
  return { providerId: w.providerId, providerInfo: w.providerInfo, wrappedKey: w.wrappedKey }
}

describe('rawAesKeyring: byte compatibility with the MPL raw AES keyring', () => {
  test('the test EC really orders differently by UTF-8 bytes than by localeCompare', () => {
    expect(mplSerializedEncryptionContext(TRICKY_EC, 'utf8').equals(mplSerializedEncryptionContext(TRICKY_EC, 'locale'))).toBe(false)
  })

  test('EDK layout: provider id = namespace, provider info = keyName ‖ u32 128 ‖ u32 12 ‖ iv, wrapped = 48 bytes', async () => {
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: newWrappingKey() })
    const wrapped = await keyring.wrapIntermediateKeys(TRICKY_EC)
    expect(wrapped).toHaveLength(1)
    const [edk] = wrapped as [WrappedIntermediateKey]
    expect(edk.providerId).toBe(NAMESPACE)
    const info = Buffer.from(edk.providerInfo)
    const name = Buffer.from(KEY_NAME, 'utf8')
    expect(info.length).toBe(name.length + 4 + 4 + 12)
    expect(info.subarray(0, name.length).equals(name)).toBe(true)
    expect(info.subarray(name.length, name.length + 8).equals(Buffer.concat([u32(128), u32(12)]))).toBe(true)
    expect(edk.wrappedKey.byteLength).toBe(48)
    expect(edk.intermediateKey.byteLength).toBe(32)
  })

  test('node:crypto AES-GCM with AAD = MPL-serialized EC (UTF-8 key order) recovers the intermediate key', async () => {
    const wrappingKey = newWrappingKey()
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    // Several runs: the IV is random, and some IVs contain bytes >= 0x80 that a lossy UTF-8 provider info would mangle.
    for (let run = 0; run < 8; run++) {
      const [edk] = (await keyring.wrapIntermediateKeys(TRICKY_EC)) as [WrappedIntermediateKey]
      const info = Buffer.from(edk.providerInfo)
      const iv = info.subarray(info.length - 12)
      const wrapped = Buffer.from(edk.wrappedKey)
      const decipher = createDecipheriv('aes-256-gcm', wrappingKey, iv)
      decipher.setAAD(mplSerializedEncryptionContext(TRICKY_EC, 'utf8'))
      decipher.setAuthTag(wrapped.subarray(32))
      const key = Buffer.concat([decipher.update(wrapped.subarray(0, 32)), decipher.final()])
      expect(key.equals(edk.intermediateKey)).toBe(true)

      // The localeCompare order (the ESDK default) must not authenticate: the keyring really sorts by bytes.
      const wrongOrder = createDecipheriv('aes-256-gcm', wrappingKey, iv)
      wrongOrder.setAAD(mplSerializedEncryptionContext(TRICKY_EC, 'locale'))
      wrongOrder.setAuthTag(wrapped.subarray(32))
      wrongOrder.update(wrapped.subarray(0, 32))
      expect(() => wrongOrder.final()).toThrow()
    }
  })

  test('unwraps an EDK written by an independent MPL-format writer (node:crypto), with bytes >= 0x80 in the IV', async () => {
    const wrappingKey = newWrappingKey()
    const intermediateKey = randomBytes(32)
    const iv = Buffer.from('80ff00c3a9fe01020304f0e1', 'hex')
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv)
    cipher.setAAD(mplSerializedEncryptionContext(TRICKY_EC))
    const ct = Buffer.concat([cipher.update(intermediateKey), cipher.final()])
    const candidate = {
      providerId: NAMESPACE,
      providerInfo: Buffer.concat([Buffer.from(KEY_NAME), u32(128), u32(12), iv]),
      wrappedKey: Buffer.concat([ct, cipher.getAuthTag()]),
    }
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    const result = await keyring.unwrapIntermediateKey(TRICKY_EC, [candidate])
    expect(result.index).toBe(0)
    expect(result.intermediateKey.equals(intermediateKey)).toBe(true)
  })
})

describe('rawAesKeyring: round trips and failures', () => {
  test('a second keyring with the same key material unwraps; each wrap makes a fresh intermediate key', async () => {
    const wrappingKey = newWrappingKey()
    const writer = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    const reader = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    const [first] = (await writer.wrapIntermediateKeys(TRICKY_EC)) as [WrappedIntermediateKey]
    const [second] = (await writer.wrapIntermediateKeys(TRICKY_EC)) as [WrappedIntermediateKey]
    expect(first.intermediateKey.equals(second.intermediateKey)).toBe(false)
    const out = await reader.unwrapIntermediateKey(TRICKY_EC, [asCandidate(first)])
    expect(out.intermediateKey.equals(first.intermediateKey)).toBe(true)
  })

  test('returns the index of the EDK it could open among EDKs of other keyrings', async () => {
    const mine = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: newWrappingKey() })
    const otherName = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: 'other-key', wrappingKey: newWrappingKey() })
    const otherNamespace = rawAesKeyring({ keyNamespace: 'other-ns', keyName: KEY_NAME, wrappingKey: newWrappingKey() })
    const edks = [
      ...(await otherName.wrapIntermediateKeys(TRICKY_EC)),
      ...(await otherNamespace.wrapIntermediateKeys(TRICKY_EC)),
      ...(await mine.wrapIntermediateKeys(TRICKY_EC)),
    ]
    const out = await mine.unwrapIntermediateKey(TRICKY_EC, edks.map(asCandidate))
    expect(out.index).toBe(2)
    expect(out.intermediateKey.equals((edks[2] as WrappedIntermediateKey).intermediateKey)).toBe(true)
  })

  test('a key name that is a prefix of the stored one is not a match', async () => {
    const wrappingKey = newWrappingKey()
    const writer = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: 'key-10', wrappingKey })
    const reader = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: 'key-1', wrappingKey })
    const edks = await writer.wrapIntermediateKeys(TRICKY_EC)
    await expectKeyringError(reader.unwrapIntermediateKey(TRICKY_EC, edks.map(asCandidate)), 'ERR_NO_DECRYPTABLE_KEY', 'another key name')
  })

  test('wrong encryption context, wrong key, tampered IV, tag or ciphertext: ERR_NO_DECRYPTABLE_KEY naming the EDK', async () => {
    const wrappingKey = newWrappingKey()
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    const [edk] = (await keyring.wrapIntermediateKeys(TRICKY_EC)) as [WrappedIntermediateKey]
    const candidate = asCandidate(edk)

    await expectKeyringError(
      keyring.unwrapIntermediateKey({ ...TRICKY_EC, B: 'changed' }, [candidate]),
      'ERR_NO_DECRYPTABLE_KEY',
      `rawAesKeyring(${NAMESPACE}/${KEY_NAME})`,
      `EDK #0 (${NAMESPACE} ${KEY_NAME})`,
    )
    const otherKey = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: newWrappingKey() })
    await expectKeyringError(otherKey.unwrapIntermediateKey(TRICKY_EC, [candidate]), 'ERR_NO_DECRYPTABLE_KEY')

    const infoLength = candidate.providerInfo.byteLength
    const positions: Array<['providerInfo' | 'wrappedKey', number]> = [
      ['providerInfo', infoLength - 12], // first IV byte
      ['providerInfo', infoLength - 1], // last IV byte
      ['providerInfo', infoLength - 13], // IV length field
      ['wrappedKey', 0],
      ['wrappedKey', 31],
      ['wrappedKey', 32], // tag
      ['wrappedKey', 47],
    ]
    for (const [field, at] of positions) {
      const tampered = { ...candidate, [field]: Buffer.from(candidate[field]) }
      ;(tampered[field] as Buffer)[at] ^= 0x01
      await expectKeyringError(keyring.unwrapIntermediateKey(TRICKY_EC, [tampered]), 'ERR_NO_DECRYPTABLE_KEY')
    }
    await expectKeyringError(keyring.unwrapIntermediateKey(TRICKY_EC, [{ ...candidate, wrappedKey: candidate.wrappedKey.subarray(0, 47) }]), 'ERR_NO_DECRYPTABLE_KEY')
    await expectKeyringError(keyring.unwrapIntermediateKey(TRICKY_EC, []), 'ERR_NO_DECRYPTABLE_KEY', 'no encrypted data keys')
  })

  test('garbage EDKs produce typed errors, not crashes', async () => {
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: newWrappingKey() })
    const garbage = [
      { providerId: NAMESPACE, providerInfo: new Uint8Array(0), wrappedKey: new Uint8Array(0) },
      { providerId: '', providerInfo: Buffer.from(KEY_NAME), wrappedKey: randomBytes(48) },
      { providerId: '\u0000\u001b[31m', providerInfo: randomBytes(300), wrappedKey: randomBytes(5) },
    ]
    for (let i = 0; i < 200; i++) {
      garbage.push({ providerId: NAMESPACE, providerInfo: Buffer.concat([Buffer.from(KEY_NAME), randomBytes(i % 40)]), wrappedKey: randomBytes(i % 60) })
    }
    const error = await expectKeyringError(keyring.unwrapIntermediateKey(TRICKY_EC, garbage), 'ERR_NO_DECRYPTABLE_KEY')
    // Untrusted provider ids are not echoed with control characters.
    expect(error.message).not.toContain('\u001b')
  })

  test('the wrapping key is copied: the caller may wipe theirs, and the builder does not wipe it', async () => {
    const wrappingKey = newWrappingKey()
    const saved = Buffer.from(wrappingKey)
    const writer = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey })
    expect(Buffer.from(wrappingKey).equals(saved)).toBe(true)
    wrappingKey.fill(0)
    const edks = await writer.wrapIntermediateKeys(TRICKY_EC)
    const reader = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: saved })
    await expect(reader.unwrapIntermediateKey(TRICKY_EC, edks.map(asCandidate))).resolves.toMatchObject({ index: 0 })
  })

  test('a wrapping key inside a larger buffer (non-zero byteOffset) is accepted', async () => {
    const backing = randomBytes(64)
    const keyring = rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: backing.subarray(16, 48) })
    await expect(keyring.wrapIntermediateKeys(TRICKY_EC)).resolves.toHaveLength(1)
  })
})

describe('rawAesKeyring: configuration errors', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['16-byte key', () => rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: new Uint8Array(16) }), 'wrappingKey must be a Uint8Array of 32 bytes (AES-256), got 16 bytes'],
    ['string key', () => rawAesKeyring({ keyNamespace: NAMESPACE, keyName: KEY_NAME, wrappingKey: 'x'.repeat(32) as never }), 'got string'],
    ['empty key name', () => rawAesKeyring({ keyNamespace: NAMESPACE, keyName: '', wrappingKey: newWrappingKey() }), 'keyName must be a non-empty string'],
    ['missing namespace', () => rawAesKeyring({ keyName: KEY_NAME, wrappingKey: newWrappingKey() } as never), 'keyNamespace must be a non-empty string'],
    ['aws-kms namespace', () => rawAesKeyring({ keyNamespace: 'aws-kms', keyName: KEY_NAME, wrappingKey: newWrappingKey() }), "'aws-kms' is reserved"],
    ['aws-kms-hierarchy namespace', () => rawAesKeyring({ keyNamespace: 'aws-kms-hierarchy', keyName: KEY_NAME, wrappingKey: newWrappingKey() }), 'reserved'],
  ]
  test.each(cases)('%s', (_name, build, message) => {
    let thrown: unknown
    try {
      build()
    } catch (error) {
      thrown = error
    }
    expect(isEncryptorError(thrown, 'ERR_CONFIG_INVALID')).toBe(true)
    expect((thrown as Error).message).toContain('rawAesKeyring')
    expect((thrown as Error).message).toContain(message)
  })
})
