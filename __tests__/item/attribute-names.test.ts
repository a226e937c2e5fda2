import { randomBytes } from 'node:crypto'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { CryptoAction, Item } from '../../lib/types'

const branch = { branchKeyId: 'names-branch', branchKeyVersion: '0b5f7d1e-2c3a-4b6d-8e9f-a1b2c3d4e5f6', branchKey: randomBytes(32) }
const RISKY = ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf']

function encryptor(): ItemEncryptor {
  return new ItemEncryptor({
    tableName: 'Names',
    partitionKeyName: 'pk',
    // JSON.parse: in an object literal, `__proto__:` would set the prototype instead of naming an attribute.
    attributeActionsOnEncrypt: JSON.parse(
      '{"pk": "SIGN_ONLY", "__proto__": "ENCRYPT_AND_SIGN", "toString": "ENCRYPT_AND_SIGN", "constructor": "SIGN_ONLY", "hasOwnProperty": "ENCRYPT_AND_SIGN", "valueOf": "SIGN_ONLY", "plain": "ENCRYPT_AND_SIGN"}',
    ) as Record<string, CryptoAction>,
    keyring: hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) }),
  })
}

function itemWithRiskyNames(): Item {
  const item: Item = JSON.parse('{"pk": {"S": "k"}, "plain": {"S": "p"}, "__proto__": {"S": "proto"}}') as Item
  for (const name of RISKY.slice(1)) item[name] = { S: `value of ${name}` }
  return item
}

describe('attribute names that Object.prototype also has', () => {
  it('are own data properties of the encrypted and of the decrypted item, in the order given', async () => {
    const subject = encryptor()
    const encrypted = await subject.encryptItem(itemWithRiskyNames())
    for (const name of RISKY) {
      expect(Object.prototype.hasOwnProperty.call(encrypted, name)).toBe(true)
      expect(Object.getOwnPropertyDescriptor(encrypted, name)?.enumerable).toBe(true)
    }
    expect(Object.getPrototypeOf(encrypted)).toBe(Object.prototype)
    const decrypted = await subject.decryptItem(encrypted)
    expect(Object.getPrototypeOf(decrypted)).toBe(Object.prototype)
    expect(Object.keys(decrypted)).toEqual(['pk', 'plain', '__proto__', ...RISKY.slice(1)])
    expect(Object.getOwnPropertyDescriptor(decrypted, '__proto__')?.value).toEqual({ S: 'proto' })
    for (const name of RISKY.slice(1)) expect(Object.getOwnPropertyDescriptor(decrypted, name)?.value).toEqual({ S: `value of ${name}` })
  })

  it('a setter planted on Object.prototype never sees a decrypted value', async () => {
    const subject = encryptor()
    const encrypted = await subject.encryptItem({ pk: { S: 'k' }, plain: { S: 'secret' } })
    const seen: unknown[] = []
    Object.defineProperty(Object.prototype, 'plain', { set: (value: unknown) => seen.push(value), configurable: true })
    try {
      const decrypted = await subject.decryptItem(encrypted)
      expect(Object.getOwnPropertyDescriptor(decrypted, 'plain')?.value).toEqual({ S: 'secret' })
    } finally {
      delete (Object.prototype as Record<string, unknown>).plain
    }
    expect(seen).toEqual([])
  })
})
