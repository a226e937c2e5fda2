import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { EncryptorError } from '../../lib/errors'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { AlgorithmSuiteId, Item } from '../../lib/types'

const branch = { branchKeyId: 'fuzz-branch', branchKeyVersion: '7d3c9e10-5b2a-4c8d-9e6f-1a2b3c4d5e6f', branchKey: randomBytes(32) }
const keyring = hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) })
const SEED = 20261128
const PER_TARGET = 1_700
let totalAttempts = 0

/** Random bytes, and valid bytes with a random splice: the second kind gets past the first parsing checks. */
function garbage(valid: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc
      .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.uint8Array({ maxLength: 40 }))
      .map(([start, length, insert]) => Buffer.concat([valid.subarray(0, start), Buffer.from(insert), valid.subarray(Math.min(valid.length, start + length))])),
  )
}

describe.each<AlgorithmSuiteId>(['ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384', 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384'])(
  'fuzzing the stored bytes of suite %s',
  (suite) => {
    const encryptor = new ItemEncryptor({
      tableName: 'Fuzz',
      partitionKeyName: 'pk',
      attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', plan: 'SIGN_ONLY' },
      algorithmSuiteId: suite,
      keyring,
    })
    let item: Item
    let attempts = 0

    beforeAll(async () => {
      item = await encryptor.encryptItem({ pk: { S: 'p' }, secret: { M: { a: { S: 'x' }, b: { L: [{ N: '1' }] } } }, plan: { S: 'gold' } })
    })

    afterAll(() => {
      // eslint-disable-next-line no-console
      console.log(`fuzz ${suite}: ${attempts} random stored values, all refused with typed errors`)
    })

    it.each(['aws_dbe_head', 'aws_dbe_foot', 'secret'])('random bytes as %s give typed errors only', async (attribute) => {
      const valid = Buffer.from(item[attribute].B as Uint8Array)
      await fc.assert(
        fc.asyncProperty(garbage(valid), async (bytes) => {
          fc.pre(!bytes.equals(valid))
          attempts++
          totalAttempts++
          const outcome = await encryptor.decryptItem({ ...item, [attribute]: { B: bytes } }).then(
            () => 'returned data',
            (error: unknown) => (error instanceof EncryptorError ? 'typed error' : `untyped: ${String(error)}`),
          )
          expect(outcome).toBe('typed error')
        }),
        { seed: SEED + attribute.length, numRuns: PER_TARGET },
      )
    })
  },
)

it('fuzzed at least 10,000 stored values in all', () => {
  expect(totalAttempts).toBeGreaterThanOrEqual(10_000)
})
