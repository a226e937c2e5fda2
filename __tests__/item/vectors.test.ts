import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import { isEncryptorError } from '../../lib/errors'
import { comparableItem, decryptRecords, staticBranchKeyFromKeys, tableConfig, vectorsDir } from './vector-support'

const dir = vectorsDir()
const describeVectors = dir === undefined ? describe.skip : describe

if (dir === undefined) {
  // eslint-disable-next-line no-console
  console.warn('Official DB-ESDK vectors not found (set DBESDK_VECTORS_DIR or provide ../shared/vectors/dbesdk); skipping.')
}

describeVectors('official DB-ESDK decrypt vectors', () => {
  const records = dir === undefined ? [] : decryptRecords(dir)
  const keyring = () => hierarchicalKeyring({ branchKeyId: staticBranchKeyFromKeys(dir as string).branchKeyId, keyStore: staticBranchKeyStore(staticBranchKeyFromKeys(dir as string)) })
  const counts = { positive: 0, negative: 0 }

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`DB-ESDK vectors: ${counts.positive} positive decrypted to the expected plaintext, ${counts.negative} negative rejected`)
  })

  it('has the 44 offline records (40 positive, 4 negative)', () => {
    expect(records.filter((r) => r.positive)).toHaveLength(40)
    expect(records.filter((r) => !r.positive)).toHaveLength(4)
  })

  for (const record of records) {
    if (record.positive) {
      it(`${record.id} decrypts to the expected plaintext`, async () => {
        const encryptor = new ItemEncryptor(tableConfig(record.config, keyring()))
        const decrypted = await encryptor.decryptItem(record.encrypted)
        expect(comparableItem(decrypted)).toEqual(comparableItem(record.plaintext!))
        counts.positive++
      })
    } else {
      it(`${record.id} is rejected with a typed error`, async () => {
        const encryptor = new ItemEncryptor(tableConfig(record.config, keyring()))
        const outcome = await encryptor.decryptItem(record.encrypted).then(
          (item) => ({ item }),
          (error: unknown) => ({ error }),
        )
        expect('item' in outcome).toBe(false)
        const error = (outcome as { error: unknown }).error
        expect(isEncryptorError(error)).toBe(true)
        // Test 4 reads with Stuff and Junk allowed unsigned: the item has fewer signed attributes than its legend.
        expect(isEncryptorError(error, 'ERR_LEGEND_MISMATCH')).toBe(true)
        counts.negative++
      })
    }
  }
})
