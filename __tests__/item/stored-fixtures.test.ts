import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { TableEncryptionConfig } from '../../lib/types'
import { comparableItem, itemFromDynamoJson } from './vector-support'

/** Items written by an earlier build of this library (fixtures/generate-items.ts): they must stay readable. */
const fixtures = JSON.parse(readFileSync(join(__dirname, '../../fixtures/items.json'), 'utf8')) as {
  key: { branchKeyId: string; branchKeyVersion: string; branchKey: string }
  tests: Record<string, { config: Omit<TableEncryptionConfig, 'keyring'>; encrypted: Parameters<typeof itemFromDynamoJson>[0]; plaintext: Parameters<typeof itemFromDynamoJson>[0] }>
}
const keyring = hierarchicalKeyring({
  branchKeyId: fixtures.key.branchKeyId,
  keyStore: staticBranchKeyStore({ ...fixtures.key, branchKey: Buffer.from(fixtures.key.branchKey, 'base64') }),
})

describe('stored fixture items', () => {
  it('cover both suites and config versions', () => {
    expect(Object.keys(fixtures.tests).sort()).toEqual(['6700-v1', '6700-v2', '6701-v1', '6701-v2'])
  })

  it.each(Object.keys(fixtures.tests))('%s decrypts to its plaintext', async (id) => {
    const { config, encrypted, plaintext } = fixtures.tests[id]
    const stored = itemFromDynamoJson(encrypted)
    expect(stored.card.B).toBeDefined()
    const decrypted = await new ItemEncryptor({ ...config, keyring }).decryptItem(stored)
    expect(comparableItem(decrypted)).toEqual(comparableItem(itemFromDynamoJson(plaintext)))
  })
})
