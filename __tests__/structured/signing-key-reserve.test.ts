import { randomBytes } from 'node:crypto'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import { parseHeader } from '../../lib/structured/header'
import { generateSigningKeyPair, type SigningKeyPair } from '../../lib/structured/signature'
import { SigningKeyReserve } from '../../lib/structured/signing-key-reserve'
import type { Item } from '../../lib/types'

const SIGNED = 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384'

/** A generator that counts its calls and fails the calls listed. */
function countingGenerator(failing: ReadonlySet<number> = new Set()): { generate: () => Promise<SigningKeyPair>; calls: () => number } {
  let calls = 0
  return {
    generate: () => {
      calls++
      return failing.has(calls) ? Promise.reject(new Error(`generation ${calls} failed`)) : generateSigningKeyPair()
    },
    calls: () => calls,
  }
}

describe('SigningKeyReserve', () => {
  it('hands out a different key pair on every take and keeps at most one generated ahead', async () => {
    const generator = countingGenerator()
    const reserve = new SigningKeyReserve(generator.generate)
    const taken: SigningKeyPair[] = []
    for (let i = 0; i < 6; i++) {
      taken.push(await reserve.take())
      reserve.replenish()
      reserve.replenish()
    }
    expect(new Set(taken.map((pair) => pair.publicKeyCompressedBase64)).size).toBe(6)
    expect(new Set(taken.map((pair) => pair.privateKey)).size).toBe(6)
    // One per take plus the one waiting; the second replenish of each round found a spare and started nothing.
    expect(generator.calls()).toBe(7)
  })

  it('without a spare, each take generates its own pair', async () => {
    const generator = countingGenerator()
    const reserve = new SigningKeyReserve(generator.generate)
    const [a, b] = await Promise.all([reserve.take(), reserve.take()])
    expect(a.publicKeyCompressedBase64).not.toBe(b.publicKeyCompressedBase64)
    expect(generator.calls()).toBe(2)
  })

  it('concurrent takes never share a pair', async () => {
    const reserve = new SigningKeyReserve()
    reserve.replenish()
    const taken = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const pair = await reserve.take()
        reserve.replenish()
        return pair
      }),
    )
    expect(new Set(taken.map((pair) => pair.publicKeyCompressedBase64)).size).toBe(12)
  })

  it('replaces a spare that failed with a pair generated on demand, and a failed spare nobody takes is no unhandled rejection', async () => {
    // Call 1: a spare that fails; call 2: its on-demand replacement; call 3: another spare that fails, never taken.
    const generator = countingGenerator(new Set([1, 3]))
    const reserve = new SigningKeyReserve(generator.generate)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      reserve.replenish()
      const pair = await reserve.take()
      expect(pair.publicKeyCompressedBase64).toMatch(/^[A-Za-z0-9+/]{66}==$/)
      expect(generator.calls()).toBe(2)
      reserve.replenish()
      expect(generator.calls()).toBe(3)
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('every item an encryptor writes carries its own public key, and each verifies', async () => {
    const branch = { branchKeyId: 'reserve-branch', branchKeyVersion: '0b7d1e52-8c3a-4d2b-9e1f-2a3b4c5d6e7f', branchKey: randomBytes(32) }
    const encryptor = new ItemEncryptor({
      tableName: 'Reserve',
      partitionKeyName: 'pk',
      attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN' },
      algorithmSuiteId: SIGNED,
      keyring: hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) }),
    })
    const items: Item[] = Array.from({ length: 8 }, (_, i) => ({ pk: { S: `p-${i}` }, secret: { S: `secret ${i}` } }))
    // Half one at a time (each takes the spare generated for it), half at once.
    const written: Item[] = []
    for (const item of items.slice(0, 4)) written.push(await encryptor.encryptItem(item))
    written.push(...(await Promise.all(items.slice(4).map((item) => encryptor.encryptItem(item)))))
    const publicKeys = written.map((item) => parseHeader((item.aws_dbe_head as { B: Uint8Array }).B).fields.storedEncryptionContext['aws-crypto-public-key'])
    for (const key of publicKeys) expect(key).toMatch(/^[A-Za-z0-9+/]{66}==$/)
    expect(new Set(publicKeys).size).toBe(8)
    for (const [i, item] of written.entries()) await expect(encryptor.decryptItem(item)).resolves.toEqual(items[i])
  })
})
