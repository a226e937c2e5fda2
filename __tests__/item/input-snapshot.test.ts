import { randomBytes } from 'node:crypto'
import { ItemEncryptor } from '../../lib/item'
import { rawAesKeyring } from '../../lib/materials/keyrings'
import * as serialize from '../../lib/structured/serialize'
import type { Item } from '../../lib/types'

const keyring = rawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) })
const encryptor = new ItemEncryptor({
  tableName: 'Snapshot',
  partitionKeyName: 'pk',
  attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', plan: 'SIGN_ONLY' },
  algorithmSuiteId: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384',
  keyring,
})

function expectNoPlaintext(stored: Item, plaintext: string): void {
  expect(JSON.stringify(stored, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value))).not.toContain(plaintext)
}

describe('encryptItem reads the item once', () => {
  it('an attribute added while the encryption is pending is not written (in plaintext or at all)', async () => {
    const item: Item = { pk: { S: 'a' } }
    const pending = encryptor.encryptItem(item)
    item.secret = { S: 'added-while-pending' }
    const stored = await pending
    expect(Object.keys(stored).sort()).toEqual(['aws_dbe_foot', 'aws_dbe_head', 'pk'])
    expectNoPlaintext(stored, 'added-while-pending')
    await expect(encryptor.decryptItem(stored)).resolves.toEqual({ pk: { S: 'a' } })
  })

  it('a Proxy whose keys change between reads, and a getter that changes its value, give an item that verifies as written', async () => {
    let reads = 0
    const target: Item = { pk: { S: 'b' } }
    const shifting = new Proxy(target, {
      ownKeys: () => (reads++ === 0 ? ['pk'] : ['pk', 'secret']),
      getOwnPropertyDescriptor: (_t, key) =>
        key === 'pk' ? { value: target.pk, enumerable: true, configurable: true } : key === 'secret' ? { value: { S: 'proxy-secret' }, enumerable: true, configurable: true } : undefined,
    })
    const fromProxy = await encryptor.encryptItem(shifting)
    expectNoPlaintext(fromProxy, 'proxy-secret')
    await expect(encryptor.decryptItem(fromProxy)).resolves.toEqual({ pk: { S: 'b' } })

    let version = 0
    const withGetter = { pk: { S: 'c' } } as Item
    Object.defineProperty(withGetter, 'plan', { enumerable: true, get: () => ({ S: `v${++version}` }) })
    const stored = await encryptor.encryptItem(withGetter)
    expect(version).toBe(1)
    await expect(encryptor.decryptItem(stored)).resolves.toEqual({ pk: { S: 'c' }, plan: { S: 'v1' } })
  })

  it('zeroes its serialized copies of the values it encrypts, and leaves the signed-only ones and the caller’s values alone', async () => {
    const serialized: Array<{ name: string; bytes: Buffer }> = []
    const original = serialize.serializeValue
    const spy = jest.spyOn(serialize, 'serializeValue').mockImplementation((value, name) => {
      const result = original(value, name)
      serialized.push({ name, bytes: result.bytes })
      return result
    })
    try {
      const secret = Buffer.from('binary-secret-value')
      const item: Item = { pk: { S: 'd' }, secret: { B: secret }, plan: { S: 'gold' } }
      await encryptor.encryptItem(item)
      const byName = new Map(serialized.map(({ name, bytes }) => [name, bytes]))
      expect(byName.get('secret')?.every((byte) => byte === 0)).toBe(true)
      expect(byName.get('plan')?.toString()).toBe('gold')
      expect(secret.toString()).toBe('binary-secret-value')
    } finally {
      spy.mockRestore()
    }
  })
})
