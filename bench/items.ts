import { randomBytes } from 'node:crypto'
import type { AlgorithmSuiteId, CryptoAction, Item, Keyring, TableEncryptionConfig } from '../lib'
import { hierarchicalKeyring, staticBranchKeyStore } from '../lib'

/** Item sizes of the issue: 1 KB, 10 KB, 100 KB, 1 MB. */
export const ITEM_SIZES = [1024, 10 * 1024, 100 * 1024, 1024 * 1024] as const

export const SUITES = {
  '0x6701': 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384',
  '0x6700': 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384',
} as const satisfies Record<string, AlgorithmSuiteId>
export type SuiteLabel = keyof typeof SUITES
export const SUITE_LABELS = Object.keys(SUITES) as SuiteLabel[]

export const PARTITION_KEY = 'pk'
export const SORT_KEY = 'sk'

/**
 * Ten attributes, half of them ENCRYPT_AND_SIGN: the keys and three more SIGN_ONLY, five encrypted. The bulk of the
 * item is spread over eight of them (strings, binaries, a map and a list), as in a typical record.
 */
export const ATTRIBUTE_ACTIONS: Record<string, CryptoAction> = {
  [PARTITION_KEY]: 'SIGN_ONLY',
  [SORT_KEY]: 'SIGN_ONLY',
  email: 'ENCRYPT_AND_SIGN',
  document: 'ENCRYPT_AND_SIGN',
  balance: 'ENCRYPT_AND_SIGN',
  address: 'ENCRYPT_AND_SIGN',
  notes: 'ENCRYPT_AND_SIGN',
  status: 'SIGN_ONLY',
  payload: 'SIGN_ONLY',
  tags: 'SIGN_ONLY',
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`
}

const text = (length: number): string => randomBytes(Math.ceil((Math.max(length, 1) * 3) / 4)).toString('base64').slice(0, Math.max(length, 1))

/**
 * One item of about `size` bytes (DynamoDB's measure: attribute names plus values). Fixed overhead ≈ 180 bytes; the
 * rest goes in equal parts to the eight bulk attributes.
 */
export function makeItem(size: number, partitionKey = 'tenant-1', sortKey = 0): Item {
  // Two calibration passes bring the generated item within a few bytes of `size`.
  let share = Math.max(8, Math.floor((size - 180) / 8))
  for (let pass = 0; pass < 2; pass++) share = Math.max(8, share + Math.round((size - itemSize(itemOfShare(share, partitionKey, sortKey))) / 8))
  return itemOfShare(share, partitionKey, sortKey)
}

function itemOfShare(share: number, partitionKey: string, sortKey: number): Item {
  const mapShare = Math.max(4, Math.floor(share / 4) - 8)
  const listShare = Math.max(4, Math.floor(share / 4) - 2)
  return {
    [PARTITION_KEY]: { S: partitionKey },
    [SORT_KEY]: { N: String(sortKey) },
    email: { S: text(share) },
    document: { B: randomBytes(share) },
    balance: { N: '12345.6789' },
    address: { M: { street: { S: text(mapShare) }, city: { S: text(mapShare) }, zip: { S: text(mapShare) }, country: { S: text(mapShare) } } },
    notes: { L: [{ S: text(listShare) }, { S: text(listShare) }, { S: text(listShare) }, { S: text(listShare) }] },
    status: { S: text(share) },
    payload: { B: randomBytes(share) },
    tags: { SS: [text(share / 2 - 2), `${text(share / 2 - 2)}x`] },
  }
}

/** DynamoDB's item size: UTF-8 names plus values (numbers counted as their text, a fair approximation). */
export function itemSize(item: Item): number {
  let total = 0
  const valueSize = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1
    const v = value as Record<string, unknown>
    if (typeof v.S === 'string') return Buffer.byteLength(v.S)
    if (typeof v.N === 'string') return v.N.length
    if (v.B instanceof Uint8Array) return v.B.byteLength
    if (Array.isArray(v.SS)) return v.SS.reduce((sum: number, s: string) => sum + Buffer.byteLength(s), 0)
    if (Array.isArray(v.L)) return 3 + v.L.reduce((sum: number, e: unknown) => sum + 1 + valueSize(e), 0)
    if (v.M !== undefined) return 3 + Object.entries(v.M as Record<string, unknown>).reduce((sum, [k, e]) => sum + 1 + Buffer.byteLength(k) + valueSize(e), 0)
    return 1
  }
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueSize(value)
  return total
}

/** The branch key every throughput measurement uses: a static store, so the warm hierarchical keyring never calls KMS. */
export const STATIC_BRANCH_KEY = {
  branchKeyId: 'bench-branch-key',
  branchKeyVersion: '5a3f1e2d-8c4b-4a69-9e7d-2b1c0f3e4d5a',
  branchKey: Buffer.alloc(32, 7),
}

export function staticHierarchicalKeyring(): Keyring {
  return hierarchicalKeyring({ branchKeyId: STATIC_BRANCH_KEY.branchKeyId, keyStore: staticBranchKeyStore(STATIC_BRANCH_KEY) })
}

export function tableConfig(suite: SuiteLabel, keyring: Keyring): TableEncryptionConfig {
  return {
    partitionKeyName: PARTITION_KEY,
    sortKeyName: SORT_KEY,
    attributeActionsOnEncrypt: ATTRIBUTE_ACTIONS,
    algorithmSuiteId: SUITES[suite],
    keyring,
  }
}

type Native = string | number | Uint8Array | Set<string> | Native[] | { [key: string]: Native }

function nativeValue(value: unknown): Native {
  const v = value as Record<string, unknown>
  if (typeof v.S === 'string') return v.S
  if (typeof v.N === 'string') return Number(v.N)
  if (v.B instanceof Uint8Array) return v.B
  if (Array.isArray(v.SS)) return new Set(v.SS as string[])
  if (Array.isArray(v.L)) return v.L.map(nativeValue)
  if (typeof v.M === 'object' && v.M !== null) return nativeObject(v.M as Item)
  throw new Error(`bench items hold no ${Object.keys(v).join(',')} values`)
}

function nativeObject(item: Item): { [key: string]: Native } {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, nativeValue(value)]))
}

/** The DocumentClient form of a bench item (the types `makeItem` produces). */
export function nativeItem(item: Item): Record<string, Native> {
  return nativeObject(item)
}
