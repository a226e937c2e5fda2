import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import type { BranchKeyMaterials, BranchKeyStore } from '../../lib/materials/branch-key-store'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import { getDecryptionMaterials, getEncryptionMaterials } from '../../lib/materials/materials'
import { rawAesKeyring } from '../../lib/materials/keyrings'
import type { DbeKeyring } from '../../lib/materials/keyring'
import { SUITE_6700, SUITE_6701 } from '../../lib/structured/suite'

const BRANCH_KEY_ID = 'tenant-a'
const VERSION = 'e9ce18a3-edb5-4272-9f86-1cacb7997ff6'
const branchKey = randomBytes(32)
const context = { 'aws-crypto-table-name': 'Orders', 'aws-crypto-partition-name': 'pk' }

function countingStore(inner: BranchKeyStore): BranchKeyStore & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    getActiveBranchKey: (id) => {
      calls.push(`active ${id}`)
      return inner.getActiveBranchKey(id)
    },
    getBranchKeyVersion: (id, version) => {
      calls.push(`version ${id} ${version}`)
      return inner.getBranchKeyVersion(id, version)
    },
  }
}

describe('staticBranchKeyStore', () => {
  const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION.toUpperCase(), branchKey })

  it('returns a copy of the key, with the version in canonical lower case', async () => {
    const active = await store.getActiveBranchKey(BRANCH_KEY_ID)
    expect(active).toEqual({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey: Buffer.from(branchKey) })
    active.branchKey.fill(0)
    expect(Buffer.from((await store.getBranchKeyVersion(BRANCH_KEY_ID, VERSION)).branchKey).equals(branchKey)).toBe(true)
  })

  it('copies the key in: later changes to the caller array do not reach the store', async () => {
    const mine = Buffer.from(branchKey)
    const own = staticBranchKeyStore({ branchKeyId: 'x', branchKeyVersion: VERSION, branchKey: mine })
    mine.fill(0)
    expect(Buffer.from((await own.getActiveBranchKey('x')).branchKey).equals(branchKey)).toBe(true)
  })

  it.each([
    [{ branchKeyId: '', branchKeyVersion: VERSION, branchKey }, /branchKeyId/],
    [{ branchKeyId: 'a', branchKeyVersion: 'not-a-uuid', branchKey }, /branchKeyVersion.*not-a-uuid/],
    [{ branchKeyId: 'a', branchKeyVersion: VERSION, branchKey: randomBytes(16) }, /32 bytes, got 16 bytes/],
  ])('refuses a bad definition (%#)', (options, message) => {
    expect(() => staticBranchKeyStore(options)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }))
  })

  it('names the unknown branch key id or version', async () => {
    await expect(store.getActiveBranchKey('other')).rejects.toMatchObject({ code: 'ERR_BRANCH_KEY_NOT_FOUND', message: expect.stringContaining('"other"') })
    const otherVersion = '00000000-0000-4000-8000-000000000000'
    await expect(store.getBranchKeyVersion(BRANCH_KEY_ID, otherVersion)).rejects.toMatchObject({
      code: 'ERR_BRANCH_KEY_NOT_FOUND',
      message: expect.stringContaining(otherVersion),
    })
  })
})

describe('hierarchicalKeyring', () => {
  it('writes the aws-kms-hierarchy EDK that §7.2 describes (checked with an independent unwrap)', async () => {
    const keyring = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey }) })
    const [wrapped] = await keyring.wrapIntermediateKeys(context)
    expect(wrapped.providerId).toBe('aws-kms-hierarchy')
    expect(Buffer.from(wrapped.providerInfo).toString('utf8')).toBe(BRANCH_KEY_ID)
    expect(wrapped.wrappedKey).toHaveLength(92)
    const w = Buffer.from(wrapped.wrappedKey)
    const [salt, iv, version, ct, tag] = [w.subarray(0, 16), w.subarray(16, 28), w.subarray(28, 44), w.subarray(44, 76), w.subarray(76)]
    expect(version.toString('hex')).toBe(VERSION.replace(/-/g, ''))
    // SP 800-108 counter mode, HMAC-SHA256, label "aws-kms-hierarchy", context = salt, L = 256.
    const derived = createHmac('sha256', branchKey)
      .update(Buffer.concat([Buffer.from('00000001', 'hex'), Buffer.from('aws-kms-hierarchy'), Buffer.from([0]), salt, Buffer.from('00000100', 'hex')]))
      .digest()
    // AAD = provider id || branch key id || version || EC (u16 count, pairs sorted by key bytes).
    const ec = Buffer.concat([
      Buffer.from('0002', 'hex'),
      Buffer.from('0019', 'hex'), Buffer.from('aws-crypto-partition-name'), Buffer.from('0002', 'hex'), Buffer.from('pk'),
      Buffer.from('0015', 'hex'), Buffer.from('aws-crypto-table-name'), Buffer.from('0006', 'hex'), Buffer.from('Orders'),
    ])
    const cipher = createCipheriv('aes-256-gcm', derived, iv)
    cipher.setAAD(Buffer.concat([Buffer.from('aws-kms-hierarchy'), Buffer.from(BRANCH_KEY_ID), version, ec]))
    const expected = Buffer.concat([cipher.update(wrapped.intermediateKey), cipher.final()])
    expect(ct.toString('hex')).toBe(expected.toString('hex'))
    expect(tag.toString('hex')).toBe(cipher.getAuthTag().toString('hex'))
  })

  it('caches branch keys per version for the TTL and refetches without a cache', async () => {
    const inner = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    const cached = countingStore(inner)
    const keyring = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: cached })
    const wraps = await Promise.all([keyring.wrapIntermediateKeys(context), keyring.wrapIntermediateKeys(context)])
    await keyring.wrapIntermediateKeys(context)
    for (let i = 0; i < 3; i++) await keyring.unwrapIntermediateKey(context, [{ ...wraps[0][0] }])
    expect(cached.calls).toEqual([`active ${BRANCH_KEY_ID}`, `version ${BRANCH_KEY_ID} ${VERSION}`])

    const uncached = countingStore(inner)
    const noCache = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: uncached, cacheTtlSeconds: 0 })
    await noCache.wrapIntermediateKeys(context)
    await noCache.wrapIntermediateKeys(context)
    expect(uncached.calls).toHaveLength(2)
  })

  it('opens only EDKs of its branch key id, and says so', async () => {
    const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    const [wrapped] = await hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store }).wrapIntermediateKeys(context)
    const other = hierarchicalKeyring({ branchKeyId: 'tenant-b', keyStore: store })
    await expect(other.unwrapIntermediateKey(context, [wrapped])).rejects.toMatchObject({
      code: 'ERR_NO_DECRYPTABLE_KEY',
      message: expect.stringContaining('"tenant-b"'),
    })
  })

  it('a key store failure on read keeps its code and cause, instead of reading as a bad item', async () => {
    const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    const [wrapped] = await hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store }).wrapIntermediateKeys(context)
    const throttled = new Error('KMS Decrypt failed: ThrottlingException: Rate exceeded')
    const failing: BranchKeyStore = { getActiveBranchKey: () => Promise.reject(throttled), getBranchKeyVersion: () => Promise.reject(throttled) }
    const error = await hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: failing, cacheTtlSeconds: 0 })
      .unwrapIntermediateKey(context, [wrapped])
      .then(
        () => ({ code: 'resolved', message: '', cause: undefined }),
        (e: unknown) => e as Error & { code?: string; cause?: unknown },
      )
    expect(error.code).toBe('ERR_KEYRING')
    expect(error.message).toContain('could not get the branch key')
    expect(error.message).toContain('Rate exceeded')
    expect(error.message).not.toContain('altered')
    expect(error.cause).toBe(throttled)
    // A version the store does not have keeps the store's own code.
    const elsewhere = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: '00000000-0000-4000-8000-000000000000', branchKey })
    await expect(hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: elsewhere }).unwrapIntermediateKey(context, [wrapped])).rejects.toMatchObject({
      code: 'ERR_BRANCH_KEY_NOT_FOUND',
    })
  })

  it('shows a supplied branch key id (taken from the unverified item) only as short printable text', async () => {
    const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    const [wrapped] = await hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store }).wrapIntermediateKeys(context)
    const injected = `tenant-42\n2026-01-01T00:00:00Z INFO admin login ok\n${'A'.repeat(5000)}`
    const supplied = hierarchicalKeyring({ keyStore: store, branchKeyIdSupplier: () => injected })
    const error = await supplied.unwrapIntermediateKey(context, [wrapped]).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    )
    expect(error.message).toContain('hierarchicalKeyring(tenant-42)')
    expect(error.message).not.toContain('\n')
    expect(error.message.length).toBeLessThan(1000)
  })

  it('gives branchKeyIdSupplier a copy of the context: what the supplier changes does not reach the wrapping', async () => {
    const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    const seen: Array<Record<string, string>> = []
    const meddling = hierarchicalKeyring({
      keyStore: store,
      branchKeyIdSupplier: (ec) => {
        seen.push({ ...ec })
        ec['aws-crypto-table-name'] = 'Elsewhere'
        delete ec['aws-crypto-partition-name']
        return BRANCH_KEY_ID
      },
    })
    const given = { ...context }
    const [wrapped] = await meddling.wrapIntermediateKeys(given)
    expect(given).toEqual(context)
    expect(seen).toEqual([context])
    // The EDK is bound to the original context: the plain keyring opens it with that context, not the supplier's edit.
    const plain = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store })
    expect((await plain.unwrapIntermediateKey(context, [wrapped])).intermediateKey.equals(wrapped.intermediateKey)).toBe(true)
    await expect(plain.unwrapIntermediateKey({ ...context, 'aws-crypto-table-name': 'Elsewhere' }, [wrapped])).rejects.toMatchObject({ code: 'ERR_NO_DECRYPTABLE_KEY' })
  })

  it('writes the version the store gives now, even when the store changes an object it handed out before', async () => {
    const NEXT = '0b9f3c2a-6d1e-4f7a-8b2c-3d4e5f6a7b8c'
    const nextKey = randomBytes(32)
    const shared: BranchKeyMaterials = { branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey: Buffer.from(branchKey) }
    const mutating: BranchKeyStore = {
      getActiveBranchKey: async () => shared,
      getBranchKeyVersion: async (_id, version) => ({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: version, branchKey: version === NEXT ? nextKey : branchKey }),
    }
    const keyring = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: mutating, cacheTtlSeconds: 0 })
    const [before] = await keyring.wrapIntermediateKeys(context)
    shared.branchKeyVersion = NEXT
    shared.branchKey = nextKey
    const [after] = await keyring.wrapIntermediateKeys(context)
    const versionOf = (wrappedKey: Uint8Array) => Buffer.from(wrappedKey).subarray(28, 44).toString('hex')
    expect(versionOf(before.wrappedKey)).toBe(VERSION.replace(/-/g, ''))
    expect(versionOf(after.wrappedKey)).toBe(NEXT.replace(/-/g, ''))
    for (const wrapped of [before, after]) {
      expect((await keyring.unwrapIntermediateKey(context, [wrapped])).intermediateKey.equals(wrapped.intermediateKey)).toBe(true)
    }
  })

  it('refuses a store that answers for another branch key id', async () => {
    const lying: BranchKeyStore = {
      getActiveBranchKey: async (): Promise<BranchKeyMaterials> => ({ branchKeyId: 'someone-else', branchKeyVersion: VERSION, branchKey }),
      getBranchKeyVersion: async (): Promise<BranchKeyMaterials> => ({ branchKeyId: 'someone-else', branchKeyVersion: VERSION, branchKey }),
    }
    await expect(hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: lying }).wrapIntermediateKeys(context)).rejects.toMatchObject({ code: 'ERR_KEYRING' })
  })

  it.each([
    [{ branchKeyId: '' }, /branchKeyId/],
    [{ keyStore: {} }, /keyStore/],
    [{ cacheTtlSeconds: -1 }, /cacheTtlSeconds/],
  ])('refuses a bad option (%#)', (override, message) => {
    const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
    expect(() => hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store, ...(override as object) })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }),
    )
  })
})

/** Wraps each of several keyrings' intermediate keys: a stand-in for a multi-keyring of our own builders. */
function multi(...keyrings: DbeKeyring[]): DbeKeyring {
  return {
    kind: 'dbe-keyring',
    wrapIntermediateKeys: async (ec) => (await Promise.all(keyrings.map((k) => k.wrapIntermediateKeys(ec)))).flat(),
    unwrapIntermediateKey: async (ec, candidates) => {
      for (const keyring of keyrings) {
        try {
          return await keyring.unwrapIntermediateKey(ec, candidates)
        } catch {
          // next keyring
        }
      }
      throw new Error('none')
    },
  }
}

describe('DB-ESDK materials (intermediate key wrapping)', () => {
  const store = staticBranchKeyStore({ branchKeyId: BRANCH_KEY_ID, branchKeyVersion: VERSION, branchKey })
  const hierarchy = hierarchicalKeyring({ branchKeyId: BRANCH_KEY_ID, keyStore: store })
  const aes = rawAesKeyring({ keyNamespace: 'ns', keyName: 'k1', wrappingKey: randomBytes(32) })

  it('one EDK and one signing key per wrapping key; EDK = AES-GCM(KEK, 0^12, EC, PDK) || provider part', async () => {
    const materials = await getEncryptionMaterials({ keyring: multi(hierarchy, aes), suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: Object.keys(context) })
    expect(materials.encryptedDataKeys.map((edk) => edk.providerId)).toEqual(['aws-kms-hierarchy', 'ns'])
    expect(materials.encryptedDataKeys.map((edk) => edk.ciphertext.length)).toEqual([48 + 92, 48 + 48])
    expect(materials.symmetricSigningKeys).toHaveLength(2)
    // Different intermediate keys per EDK, so different signing keys.
    expect(materials.symmetricSigningKeys[0].equals(materials.symmetricSigningKeys[1])).toBe(false)
    expect(materials.encryptionContext).toEqual(context)
    expect(materials.signingKey).toBeUndefined()

    // Each EDK opens on its own and yields the same PDK and its own signing key.
    for (const [index, keyring] of [hierarchy, aes].entries()) {
      const decrypted = await getDecryptionMaterials({ keyring, suite: SUITE_6700, encryptionContext: context, encryptedDataKeys: materials.encryptedDataKeys })
      expect(decrypted.encryptedDataKeyIndex).toBe(index)
      expect(decrypted.plaintextDataKey.equals(materials.plaintextDataKey)).toBe(true)
      expect(decrypted.symmetricSigningKey.equals(materials.symmetricSigningKeys[index])).toBe(true)
    }
  })

  it('the KEK and MAC key are HKDF-SHA512 of the intermediate key (independent check)', async () => {
    const [wrapped] = await hierarchy.wrapIntermediateKeys(context)
    const intermediate = Buffer.from(wrapped.intermediateKey)
    const handedOver = Buffer.from(intermediate)
    const fixed: DbeKeyring = { kind: 'dbe-keyring', wrapIntermediateKeys: async () => [{ ...wrapped, intermediateKey: handedOver }], unwrapIntermediateKey: hierarchy.unwrapIntermediateKey.bind(hierarchy) }
    const materials = await getEncryptionMaterials({ keyring: fixed, suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: [] })
    const mac = Buffer.from(hkdfSync('sha512', intermediate, Buffer.alloc(0), Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_MAC'), 32))
    expect(materials.symmetricSigningKeys[0].equals(mac)).toBe(true)
    const kek = Buffer.from(hkdfSync('sha512', intermediate, Buffer.alloc(0), Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_ENC'), 32))
    const cipher = createCipheriv('aes-256-gcm', kek, Buffer.alloc(12))
    cipher.setAAD(Buffer.concat([
      Buffer.from('0002', 'hex'),
      Buffer.from('0019', 'hex'), Buffer.from('aws-crypto-partition-name'), Buffer.from('0002', 'hex'), Buffer.from('pk'),
      Buffer.from('0015', 'hex'), Buffer.from('aws-crypto-table-name'), Buffer.from('0006', 'hex'), Buffer.from('Orders'),
    ]))
    const expected = Buffer.concat([cipher.update(materials.plaintextDataKey), cipher.final(), cipher.getAuthTag()])
    expect(Buffer.from(materials.encryptedDataKeys[0].ciphertext.subarray(0, 48)).equals(expected)).toBe(true)
    // The intermediate key handed over by the keyring is wiped after use.
    expect(handedOver.every((byte) => byte === 0)).toBe(true)
  })

  it('signed suite: a fresh P-384 key per call, its compressed public key in the context', async () => {
    const a = await getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: context, requiredEncryptionContextKeys: [] })
    const b = await getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: context, requiredEncryptionContextKeys: [] })
    const publicKey = a.encryptionContext['aws-crypto-public-key']
    expect(publicKey).toMatch(/^A[0-9A-Za-z+/]{65}==$/)
    const point = Buffer.from(publicKey, 'base64')
    expect(point).toHaveLength(49)
    expect([2, 3]).toContain(point[0])
    expect(publicKey).not.toBe(b.encryptionContext['aws-crypto-public-key'])
    expect(a.signingKey?.asymmetricKeyDetails?.namedCurve).toBe('secp384r1')
    const decrypted = await getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: a.encryptionContext, encryptedDataKeys: a.encryptedDataKeys })
    expect(decrypted.verificationKey).toBe(publicKey)
  })

  it('wraps a data key the caller drew (fields encrypted early), refuses one of the wrong length, names a failed key pair', async () => {
    const drawn = randomBytes(32)
    const materials = await getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: [], plaintextDataKey: drawn })
    const decrypted = await getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, encryptedDataKeys: materials.encryptedDataKeys })
    expect(decrypted.plaintextDataKey.equals(drawn)).toBe(true)
    await expect(
      getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: [], plaintextDataKey: randomBytes(16) }),
    ).rejects.toMatchObject({ code: 'ERR_KEYRING', message: expect.stringContaining('must be 32 bytes, not 16') })
    const failed = Promise.reject(new Error('thread pool gone'))
    await expect(
      getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: context, requiredEncryptionContextKeys: [], signingKeyPair: failed }),
    ).rejects.toMatchObject({ code: 'ERR_KEYRING', message: expect.stringContaining('key pair could not be generated: thread pool gone') })
  })

  it('refuses a caller context holding aws-crypto-public-key, and required keys missing from it', async () => {
    await expect(
      getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: { ...context, 'aws-crypto-public-key': 'x' }, requiredEncryptionContextKeys: [] }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining('aws-crypto-public-key') })
    await expect(getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: ['nope'] })).rejects.toMatchObject({
      message: expect.stringContaining('"nope"'),
    })
  })

  it('a signed suite without a public key, or an unsigned one with it, is refused on decrypt', async () => {
    const unsigned = await getEncryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: [] })
    await expect(getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6701, encryptionContext: context, encryptedDataKeys: unsigned.encryptedDataKeys })).rejects.toMatchObject({ code: 'ERR_HEADER_INVALID' })
    await expect(
      getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: { ...context, 'aws-crypto-public-key': 'x' }, encryptedDataKeys: unsigned.encryptedDataKeys }),
    ).rejects.toMatchObject({ code: 'ERR_HEADER_INVALID' })
  })

  it('skips an EDK whose encrypted PDK is corrupt and uses the next one', async () => {
    const materials = await getEncryptionMaterials({ keyring: multi(hierarchy, hierarchy), suite: SUITE_6700, encryptionContext: context, requiredEncryptionContextKeys: [] })
    const [first, second] = materials.encryptedDataKeys
    const corrupt = { ...first, ciphertext: Buffer.from(first.ciphertext) }
    corrupt.ciphertext[0] ^= 1
    const decrypted = await getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, encryptedDataKeys: [corrupt, second] })
    expect(decrypted.encryptedDataKeyIndex).toBe(1)
    expect(decrypted.plaintextDataKey.equals(materials.plaintextDataKey)).toBe(true)
    await expect(getDecryptionMaterials({ keyring: hierarchy, suite: SUITE_6700, encryptionContext: context, encryptedDataKeys: [corrupt] })).rejects.toMatchObject({
      code: 'ERR_DECRYPTION_FAILED',
    })
  })
})
