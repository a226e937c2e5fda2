import { randomBytes } from 'node:crypto'
import { ItemVerificationError, KeyringError } from '../../lib/errors'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { Item } from '../../lib/types'

/*
 * Reads of signed items start the ECDSA verification before the keyring runs and decrypt while it runs.
 * These tests pin down what must not change because of that: nothing decrypted is returned unless the
 * signature holds, errors keep their order (keyring, commitment, tag, then signature), and a verification
 * abandoned because an earlier check failed never surfaces as an unhandled rejection.
 */

const SIGNED = 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384'
const SIGNATURE_LENGTH = 103

function encryptorFor(branchKey: Buffer): ItemEncryptor {
  const branch = { branchKeyId: 'overlap-branch', branchKeyVersion: '6a1e3c1d-5b0f-4f6e-9a43-1c2d3e4f5a6b', branchKey }
  return new ItemEncryptor({
    tableName: 'Overlap',
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', sk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', note: 'SIGN_ONLY' },
    algorithmSuiteId: SIGNED,
    keyring: hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) }),
  })
}

const branchKey = randomBytes(32)
const encryptor = encryptorFor(branchKey)
const plaintext = (n: number): Item => ({ pk: { S: `p-${n}` }, sk: { N: String(n) }, secret: { S: `secret ${n}` }, note: { S: 'n' } })

function footerOf(item: Item): Buffer {
  return Buffer.from(item.aws_dbe_foot.B as Uint8Array)
}

/** The item with its footer's signature replaced by another (well-formed) signature. */
function withSignatureOf(item: Item, donor: Item): Item {
  const footer = footerOf(item)
  const signature = footerOf(donor).subarray(-SIGNATURE_LENGTH)
  return { ...item, aws_dbe_foot: { B: Buffer.concat([footer.subarray(0, footer.length - SIGNATURE_LENGTH), signature]) } }
}

async function unhandledRejectionsDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = []
  const listener = (reason: unknown) => seen.push(reason)
  process.on('unhandledRejection', listener)
  try {
    await run()
    // Let any abandoned verification finish on the thread pool and its rejection (if unhandled) be reported.
    for (let i = 0; i < 20 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  } finally {
    process.off('unhandledRejection', listener)
  }
  return seen
}

describe('signed reads verify the signature while the data key is unwrapped', () => {
  let items: Item[]
  beforeAll(async () => {
    items = await Promise.all([1, 2].map((n) => encryptor.encryptItem(plaintext(n))))
  })

  it('returns the item when every check passes', async () => {
    await expect(encryptor.decryptItem(items[0])).resolves.toMatchObject({ secret: { S: 'secret 1' } })
  })

  it('a valid tag with another item’s signature is refused as a bad signature, with no data', async () => {
    const forged = withSignatureOf(items[0], items[1])
    const error = await encryptor.decryptItem(forged).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ItemVerificationError)
    expect(error).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', message: expect.stringContaining('ECDSA signature does not verify') })
  })

  it('a keyring failure is reported before a bad signature, and the abandoned verification is not an unhandled rejection', async () => {
    const otherReader = encryptorFor(randomBytes(32))
    const forged = withSignatureOf(items[0], items[1])
    const unhandled = await unhandledRejectionsDuring(async () => {
      await expect(otherReader.decryptItem(forged)).rejects.toBeInstanceOf(KeyringError)
    })
    expect(unhandled).toEqual([])
  })

  it('a public key that cannot be decoded fails the read by name, not as an unhandled rejection', async () => {
    // Replace one base64 character of the stored public key in the header: the commitment (or keyring) fails first,
    // while the early verification rejects because the key is not base64.
    const header = Buffer.from(items[0].aws_dbe_head.B as Uint8Array)
    const keyText = Buffer.from(header).toString('latin1')
    const at = keyText.indexOf('aws-crypto-public-key')
    expect(at).toBeGreaterThan(0)
    const valueAt = at + 'aws-crypto-public-key'.length + 2 + 10 // past the name, the 2-byte value length, into the value
    header[valueAt] = '!'.charCodeAt(0)
    const broken = { ...items[0], aws_dbe_head: { B: header } }
    const unhandled = await unhandledRejectionsDuring(async () => {
      await expect(encryptor.decryptItem(broken)).rejects.toMatchObject({ name: expect.stringMatching(/Error$/), code: expect.stringMatching(/^ERR_/) })
    })
    expect(unhandled).toEqual([])
  })
})
