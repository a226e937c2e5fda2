import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { randomBytes } from 'node:crypto'
import { EncryptorError } from '../../lib/errors'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { AlgorithmSuiteId, CryptoAction, Item } from '../../lib/types'

const branch = { branchKeyId: 'tamper-branch', branchKeyVersion: '1f0c8a52-8c3e-4e55-9d7a-0b6c1e2d3f40', branchKey: randomBytes(32) }
const keyring = hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) })

const SUITES: Record<string, AlgorithmSuiteId> = {
  '0x6701': 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384',
  '0x6700': 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384',
}

const V1_ACTIONS: Record<string, CryptoAction> = {
  pk: 'SIGN_ONLY',
  sk: 'SIGN_ONLY',
  secret: 'ENCRYPT_AND_SIGN',
  card: 'ENCRYPT_AND_SIGN',
  profile: 'ENCRYPT_AND_SIGN',
  plan: 'SIGN_ONLY',
  amount: 'SIGN_ONLY',
  blob: 'SIGN_ONLY',
  active: 'SIGN_ONLY',
  lastSeen: 'DO_NOTHING',
}
const V2_ACTIONS: Record<string, CryptoAction> = {
  ...V1_ACTIONS,
  pk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT',
  sk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT',
  plan: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT',
  blob: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT',
}
const CASES = Object.entries(SUITES).flatMap(([label, suite]) => [
  [`${label}, config v1`, suite, V1_ACTIONS] as const,
  [`${label}, config v2`, suite, V2_ACTIONS] as const,
])

function fixture(n: number): Item {
  return {
    pk: { S: `customer-${n}` },
    sk: { N: String(40 + n) },
    secret: { S: `secret value ${n} ✓` },
    card: { S: `4111-0000-0000-00${n}` },
    profile: { M: { name: { S: 'Zoë' }, tags: { SS: ['a', 'b'] }, scores: { L: [{ N: '1' }, { N: '2.5' }] } } },
    plan: { S: `gold-${n}` },
    amount: { N: `12.3${n}` },
    blob: { B: Buffer.from([1, 2, 3, n]) },
    active: { BOOL: n % 2 === 1 },
    lastSeen: { S: '2026-11-28' },
  }
}

/** The bytes a DynamoDB value is stored as, for the types whose bits we flip; `rebuild` puts changed bytes back. */
function storedBytes(value: AttributeValue): { bytes: Buffer; rebuild: (bytes: Buffer) => AttributeValue } | undefined {
  if (value.B !== undefined) return { bytes: Buffer.from(value.B), rebuild: (B) => ({ B }) }
  // DynamoDB stores S as UTF-8 and N as ASCII text; a flipped bit may leave invalid UTF-8, which decodes to U+FFFD.
  if (value.S !== undefined) return { bytes: Buffer.from(value.S, 'utf8'), rebuild: (bytes) => ({ S: bytes.toString('utf8') }) }
  if (value.N !== undefined) return { bytes: Buffer.from(value.N, 'ascii'), rebuild: (bytes) => ({ N: bytes.toString('latin1') }) }
  return undefined
}

function flipped(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes)
  copy[bit >> 3] ^= 1 << (bit & 7)
  return copy
}

describe.each(CASES)('tampering with items of suite %s', (suiteLabel, suite, ACTIONS) => {
  const encryptor = new ItemEncryptor({
    tableName: 'Tamper',
    partitionKeyName: 'pk',
    sortKeyName: 'sk',
    attributeActionsOnEncrypt: ACTIONS,
    allowedUnsignedAttributes: ['lastSeen'],
    algorithmSuiteId: suite,
    keyring,
  })
  let items: Item[]
  const outcomes = { mutations: 0, returnedData: [] as string[], untypedErrors: [] as string[] }

  /** Every mutation must be refused with an EncryptorError: never data, never another kind of error. */
  async function mustFail(label: string, item: Item): Promise<void> {
    outcomes.mutations++
    try {
      await encryptor.decryptItem(item)
      outcomes.returnedData.push(label)
    } catch (error) {
      if (!(error instanceof EncryptorError)) outcomes.untypedErrors.push(`${label}: ${String(error)}`)
    }
  }

  beforeAll(async () => {
    items = await Promise.all([1, 2].map((n) => encryptor.encryptItem(fixture(n))))
  })

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`tampering ${suiteLabel}: ${outcomes.mutations} mutations, ${outcomes.returnedData.length} returned data, ${outcomes.untypedErrors.length} untyped errors`)
  })

  it('controls: the untouched items decrypt, and changing an unsigned attribute is allowed', async () => {
    expect(Buffer.from(items[0].aws_dbe_head.B as Uint8Array)[0]).toBe(ACTIONS === V2_ACTIONS ? 2 : 1)
    expect((await encryptor.decryptItem(items[0])).secret).toEqual({ S: 'secret value 1 ✓' })
    const changed = await encryptor.decryptItem({ ...items[0], lastSeen: { S: 'later' } })
    expect(changed.lastSeen).toEqual({ S: 'later' })
  })

  it('flipping any bit of any signed attribute value fails', async () => {
    const item = items[0]
    for (const name of Object.keys(ACTIONS).filter((n) => ACTIONS[n] !== 'DO_NOTHING')) {
      const stored = storedBytes(item[name])
      if (stored === undefined) {
        // BOOL has no bits to flip in DynamoDB's model; flip its value instead.
        await mustFail(`${name} negated`, { ...item, [name]: { BOOL: !item[name].BOOL } })
        continue
      }
      for (let bit = 0; bit < stored.bytes.length * 8; bit++) {
        await mustFail(`${name} bit ${bit}`, { ...item, [name]: stored.rebuild(flipped(stored.bytes, bit)) })
      }
    }
  })

  it('flipping any bit of the header or the footer fails', async () => {
    const item = items[0]
    for (const attribute of ['aws_dbe_head', 'aws_dbe_foot']) {
      const bytes = Buffer.from(item[attribute].B as Uint8Array)
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        await mustFail(`${attribute} bit ${bit}`, { ...item, [attribute]: { B: flipped(bytes, bit) } })
      }
    }
  })

  it('truncating or extending the header or the footer fails', async () => {
    const item = items[0]
    for (const attribute of ['aws_dbe_head', 'aws_dbe_foot']) {
      const bytes = Buffer.from(item[attribute].B as Uint8Array)
      for (let length = 0; length < bytes.length; length++) {
        await mustFail(`${attribute} truncated to ${length}`, { ...item, [attribute]: { B: bytes.subarray(0, length) } })
      }
      await mustFail(`${attribute} plus one byte`, { ...item, [attribute]: { B: Buffer.concat([bytes, Buffer.from([0])]) } })
      await mustFail(`${attribute} as S`, { ...item, [attribute]: { S: bytes.toString('base64') } })
    }
  })

  it('structural changes fail: delete, add, rename, move between attributes and items, swap header/footer', async () => {
    const [a, b] = items
    const without = (item: Item, name: string): Item => Object.fromEntries(Object.entries(item).filter(([n]) => n !== name))
    for (const name of Object.keys(ACTIONS).filter((n) => ACTIONS[n] !== 'DO_NOTHING')) {
      await mustFail(`delete ${name}`, without(a, name))
    }
    await mustFail('delete header', without(a, 'aws_dbe_head'))
    await mustFail('delete footer', without(a, 'aws_dbe_foot'))
    await mustFail('add an unexpected attribute', { ...a, extra: { S: 'x' } })
    await mustFail('add a copy of an encrypted value under a new name', { ...a, secret2: a.secret })
    await mustFail('rename an encrypted attribute', { ...without(a, 'secret'), secret2: a.secret })
    await mustFail('swap two encrypted values', { ...a, secret: a.card, card: a.secret })
    await mustFail('encrypted value moved to a signed plaintext attribute', { ...a, plan: a.secret })
    for (const name of ['secret', 'card', 'profile', 'plan', 'amount', 'blob', 'active', 'pk', 'sk']) {
      expect(b[name]).not.toEqual(a[name])
      await mustFail(`${name} taken from another item`, { ...a, [name]: b[name] })
    }
    await mustFail('header from another item', { ...a, aws_dbe_head: b.aws_dbe_head })
    await mustFail('footer from another item', { ...a, aws_dbe_foot: b.aws_dbe_foot })
    await mustFail('header and footer from another item', { ...a, aws_dbe_head: b.aws_dbe_head, aws_dbe_foot: b.aws_dbe_foot })
    await mustFail('header and footer swapped', { ...a, aws_dbe_head: a.aws_dbe_foot, aws_dbe_foot: a.aws_dbe_head })
    await mustFail('SIGN_ONLY value changed type', { ...a, amount: { S: '12.31' } })
    await mustFail('SIGN_ONLY value changed case', { ...a, plan: { S: 'Gold-1' } })
  })

  it('a changed key value fails with a message that names tampering beside a key mix-up', async () => {
    outcomes.mutations++
    const error = await encryptor.decryptItem({ ...items[0], pk: { S: 'customer-9' } }).then(
      () => undefined,
      (e: unknown) => e,
    )
    if (!(error instanceof EncryptorError)) throw new Error(`expected an EncryptorError, got ${String(error)}`)
    // The key value is in the encryption context the branch key wrap authenticates: it fails there first.
    expect(error.code).toBe('ERR_NO_DECRYPTABLE_KEY')
    expect(error.message).toContain('was altered')
  })

  it('another table reading the item fails (logical table name is bound in)', async () => {
    const other = new ItemEncryptor({ tableName: 'Other', partitionKeyName: 'pk', sortKeyName: 'sk', attributeActionsOnEncrypt: ACTIONS, allowedUnsignedAttributes: ['lastSeen'], keyring })
    await expect(other.decryptItem(items[0])).rejects.toBeInstanceOf(EncryptorError)
  })

  it('counted at least 1,000 mutations and none returned data or threw an untyped error', () => {
    expect(outcomes.returnedData).toEqual([])
    expect(outcomes.untypedErrors).toEqual([])
    expect(outcomes.mutations).toBeGreaterThanOrEqual(1_000)
  })
})
