import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { resolveConfig, sortByCanonicalOrder } from '../../lib/item/config'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import { sortCanonical } from '../../lib/structured/canonical'
import type { CryptoAction } from '../../lib/types'
import { isWellFormedText } from '../../lib/structured/encryption-context'
import { text } from './arbitraries'

const branch = { branchKeyId: 'order-branch', branchKeyVersion: '2f7a1c3e-9b4d-4e8a-8c6f-0d1e2f3a4b5c', branchKey: randomBytes(32) }
const keyring = hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) })
const wellFormed = text(1, 8).filter((name) => isWellFormedText(name) && !name.startsWith('aws_dbe_'))

describe('sortByCanonicalOrder (configured names by rank, others by comparison)', () => {
  it('gives the order of sortCanonical for any mix of configured and unconfigured names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(wellFormed, { minLength: 1, maxLength: 12 }), fc.uniqueArray(wellFormed, { maxLength: 12 }), (configured, others) => {
        const actions: Record<string, CryptoAction> = Object.fromEntries(configured.map((name) => [name, 'SIGN_ONLY' as CryptoAction]))
        const config = resolveConfig({ tableName: 'Orders', partitionKeyName: configured[0], attributeActionsOnEncrypt: actions, algorithmSuiteId: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384', keyring })
        const names = [...new Set([...others, ...configured])].reverse()
        expect(sortByCanonicalOrder(config, [...names])).toEqual(sortCanonical(names))
      }),
      { seed: 20261129, numRuns: 300 },
    )
  })
})
