import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { ItemEncryptor } from '../../lib/item'
import { awsKmsMrkKeyring, rawAesKeyring } from '../../lib/materials/keyrings'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { AlgorithmSuiteId, Item, Keyring } from '../../lib/types'
import { startKmsFixture, type KmsFixture } from '../keyrings/local-kms-fixture'
import { itemCase } from './arbitraries'
import { comparableItem } from './vector-support'

const SUITES: AlgorithmSuiteId[] = ['ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384', 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384']

let kms: KmsFixture
beforeAll(async () => {
  kms = await startKmsFixture()
})
afterAll(async () => {
  await kms?.close()
})

/** Per keyring kind: the keyring that writes and the one that reads (for the MRK, the replica in another Region). */
const KEYRINGS: Record<string, () => { writer: Keyring; reader: Keyring }> = {
  'raw AES': () => {
    const keyring = rawAesKeyring({ keyNamespace: 'round-trip', keyName: 'aes-256', wrappingKey: randomBytes(32) })
    return { writer: keyring, reader: keyring }
  },
  'static hierarchical': () => {
    const branch = { branchKeyId: 'round-trip-branch', branchKeyVersion: 'a5b6e4b0-3d33-4c4f-8f8e-7b9c2a1d0e3f', branchKey: randomBytes(32) }
    const keyring = hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) })
    return { writer: keyring, reader: keyring }
  },
  'KMS MRK (local KMS; write us-east-1, read the us-west-2 replica)': () => ({
    writer: awsKmsMrkKeyring({ keyArn: kms.mrkEast, kmsClientConfig: kms.clientConfig }),
    reader: awsKmsMrkKeyring({ keyArn: kms.mrkEast, region: 'us-west-2', kmsClientConfig: kms.clientConfig }),
  }),
}
const TOTAL_ITEMS = 2_000
const CELLS = SUITES.length * 2 * Object.keys(KEYRINGS).length
const SEED = 0x5eed_2026

let itemsChecked = 0
afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`round trip: ${itemsChecked} random items over ${CELLS} suite × version × keyring cells`)
})

describe.each(SUITES)('round trip, suite %s', (suite) => {
  describe.each([1, 2] as const)('config version %i', (version) => {
    it.each(Object.keys(KEYRINGS))('keyring %s: every random item decrypts to itself, normalized', async (keyringName) => {
      const { writer, reader } = KEYRINGS[keyringName]()
      kms.mark()
      await fc.assert(
        fc.asyncProperty(itemCase(version), async ({ item, actions, allowedUnsignedAttributes, sortKeyName }) => {
          const config = {
            tableName: 'RoundTrip',
            partitionKeyName: 'pk',
            sortKeyName,
            attributeActionsOnEncrypt: actions,
            allowedUnsignedAttributes,
            allowedUnsignedAttributePrefix: 'u_',
            algorithmSuiteId: suite,
          }
          const encrypted = await new ItemEncryptor({ ...config, keyring: writer }).encryptItem(item)
          for (const [name, action] of Object.entries(actions)) {
            if (action === 'ENCRYPT_AND_SIGN') expect(Object.keys(encrypted[name])).toEqual(['B'])
            // Everything not encrypted is written exactly as given (no normalization on write).
            else expect(encrypted[name]).toBe(item[name])
          }
          expect(Buffer.from(encrypted.aws_dbe_head.B as Uint8Array)[0]).toBe(version)
          const decrypted: Item = await new ItemEncryptor({ ...config, keyring: reader }).decryptItem(encrypted)
          expect(comparableItem(decrypted)).toEqual(comparableItem(item))
          itemsChecked++
        }),
        { seed: SEED + version * 7 + suite.length, numRuns: Math.ceil(TOTAL_ITEMS / CELLS), endOnFailure: true },
      )
      if (keyringName.startsWith('KMS MRK')) {
        // Written with the primary, read with the replica: no cross-Region call.
        const calls = kms.callsSinceMark().map(({ region, operation }) => `${operation} ${region}`)
        expect(new Set(calls)).toEqual(new Set(['GenerateDataKey us-east-1', 'Decrypt us-west-2']))
      }
    })
  })
})

it('checked at least 2,000 items', () => {
  expect(itemsChecked).toBeGreaterThanOrEqual(TOTAL_ITEMS)
})
