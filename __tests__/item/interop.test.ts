/**
 * Hold-out reader: items written by ItemEncryptor must verify and decrypt under a minimal DB-ESDK reader written here
 * straight from dbesdk-format.md (§1–§7), sharing no code with lib/structured, lib/materials or lib/item.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, hkdfSync, randomBytes, timingSafeEqual, verify } from 'node:crypto'
import { ItemEncryptor } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { AlgorithmSuiteId, CryptoAction, Item } from '../../lib/types'
import { itemFromDynamoJson, readJson, staticBranchKeyFromKeys, vectorsDir } from './vector-support'

// ---- the independent reader ------------------------------------------------------------------------------------

const u16 = (n: number) => Buffer.from([n >> 8, n & 255])
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }
const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b }
const TYPE: Record<string, number> = { NULL: 0x0000, S: 0x0001, N: 0x0002, BOOL: 0x0004, B: 0xffff, SS: 0x0101, NS: 0x0102, BS: 0x01ff, M: 0x0200, L: 0x0300 }
const byUtf16 = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const lenPrefixed = (parts: Buffer[]) => Buffer.concat([u32(parts.length), ...parts.flatMap((p) => [u32(p.length), p])])

/** §1, for inputs whose numbers are already normalized. */
function serialize(value: AttributeValue): { typeId: number; bytes: Buffer } {
  const [type, v] = Object.entries(value)[0] as [string, never]
  const typeId = TYPE[type]
  switch (type) {
    case 'NULL': return { typeId, bytes: Buffer.alloc(0) }
    case 'S': case 'N': return { typeId, bytes: Buffer.from(v as string, 'utf8') }
    case 'B': return { typeId, bytes: Buffer.from(v as Uint8Array) }
    case 'BOOL': return { typeId, bytes: Buffer.from([v ? 1 : 0]) }
    case 'SS': case 'NS': return { typeId, bytes: lenPrefixed([...(v as string[])].sort(byUtf16).map((s) => Buffer.from(s, 'utf8'))) }
    case 'BS': return { typeId, bytes: lenPrefixed((v as Uint8Array[]).map((b) => Buffer.from(b)).sort(Buffer.compare)) }
    case 'L': return { typeId, bytes: Buffer.concat([u32((v as AttributeValue[]).length), ...(v as AttributeValue[]).map((e) => { const s = serialize(e); return Buffer.concat([u16(s.typeId), u32(s.bytes.length), s.bytes]) })]) }
    default: {
      const m = v as Record<string, AttributeValue>
      const keys = Object.keys(m).sort(byUtf16)
      return { typeId, bytes: Buffer.concat([u32(keys.length), ...keys.map((k) => { const s = serialize(m[k]); const kb = Buffer.from(k, 'utf8'); return Buffer.concat([u16(1), u32(kb.length), kb, u16(s.typeId), u32(s.bytes.length), s.bytes]) })]) }
    }
  }
}

/** §3 / §6: u16 count, pairs sorted by key UTF-8 bytes. */
function serializeContext(ec: Record<string, string>): Buffer {
  const pairs = Object.entries(ec).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]).sort((a, b) => Buffer.compare(a[0], b[0]))
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(k.length), k, u16(v.length), v])])
}

const path = (table: string, name: string) => Buffer.concat([Buffer.from(table), u64(1), Buffer.from('$'), u64(name.length), Buffer.from(name)])
const hkdf = (ikm: Buffer, info: Buffer) => Buffer.from(hkdfSync('sha512', ikm, Buffer.alloc(0), info, 32))
function gcmOpen(key: Buffer, iv: Buffer, aad: Buffer, ct: Buffer, tag: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv)
  d.setAAD(aad)
  d.setAuthTag(tag)
  return Buffer.concat([d.update(ct), d.final()])
}

interface ReaderConfig { table: string; pk: string; sk?: string; allowedUnsigned: string[]; branchKeyId: string; branchKey: Buffer }

function holdOutRead(item: Item, cfg: ReaderConfig): Map<string, { typeId: number; bytes: Buffer }> {
  const head = Buffer.from(item.aws_dbe_head.B as Uint8Array)
  const foot = Buffer.from(item.aws_dbe_foot.B as Uint8Array)
  // header (§3)
  let at = 0
  const take = (n: number) => head.subarray(at, (at += n))
  const short = () => take(take(2).readUInt16BE(0))
  const version = take(1)[0]
  const flavor = take(1)[0]
  const messageId = take(32)
  const legend = short().toString('latin1')
  const stored: Record<string, string> = {}
  for (let n = take(2).readUInt16BE(0); n > 0; n--) { const k = short().toString(); stored[k] = short().toString() }
  const edks = Array.from({ length: take(1)[0] }, () => ({ providerId: short().toString(), providerInfo: short().toString(), ciphertext: short() }))
  const commitment = take(32)
  expect(at).toBe(head.length)
  expect([1, 2]).toContain(version)
  // legend walk (§2)
  const canonical = (a: string, b: string) => a.length - b.length || Buffer.compare(Buffer.from(a), Buffer.from(b))
  const signed = Object.keys(item).filter((n) => !n.startsWith('aws_dbe_') && !cfg.allowedUnsigned.includes(n)).sort(canonical)
  expect(signed.length).toBe(legend.length)
  // encryption context (§6)
  const ec: Record<string, string> = { ...stored, 'aws-crypto-table-name': cfg.table, 'aws-crypto-partition-name': cfg.pk }
  if (cfg.sk !== undefined) ec['aws-crypto-sort-name'] = cfg.sk
  const tagged = (v: AttributeValue) => { const s = serialize(v); return Buffer.concat([u16(s.typeId), s.bytes]).toString('base64') }
  if (version === 1) {
    for (const key of cfg.sk === undefined ? [cfg.pk] : [cfg.pk, cfg.sk]) ec[`aws-crypto-attr.${key}`] = tagged(item[key])
  } else {
    const legendChars: Array<[string, string]> = []
    signed.forEach((name, i) => {
      if (legend[i] !== 'c') return
      const v = item[name]
      const [value, char] = v.S !== undefined ? [v.S, 'S'] : v.N !== undefined ? [v.N, 'N'] : v.NULL ? ['null', 'L'] : v.BOOL !== undefined ? [String(v.BOOL), 'L'] : [tagged(v), 'B']
      ec[`aws-crypto-attr.${name}`] = value
      legendChars.push([`aws-crypto-attr.${name}`, char])
    })
    ec['aws-crypto-legend'] = legendChars.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))).map(([, c]) => c).join('')
  }
  const ecBytes = serializeContext(ec)
  // hierarchy EDK + intermediate key wrapping (§7)
  expect(edks).toHaveLength(1)
  const [edk] = edks
  expect([edk.providerId, edk.providerInfo]).toEqual(['aws-kms-hierarchy', cfg.branchKeyId])
  const c = edk.ciphertext
  const [encPdk, salt, iv, ver, ct, tag] = [c.subarray(0, 48), c.subarray(48, 64), c.subarray(64, 76), c.subarray(76, 92), c.subarray(92, 124), c.subarray(124)]
  expect(c.length).toBe(140)
  const derived = createHmac('sha256', cfg.branchKey).update(Buffer.concat([u32(1), Buffer.from('aws-kms-hierarchy'), Buffer.from([0]), salt, u32(256)])).digest()
  const intermediate = gcmOpen(derived, iv, Buffer.concat([Buffer.from('aws-kms-hierarchy'), Buffer.from(cfg.branchKeyId), ver, ecBytes]), ct, tag)
  const pdk = gcmOpen(hkdf(intermediate, Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_ENC')), Buffer.alloc(12), ecBytes, encPdk.subarray(0, 32), encPdk.subarray(32))
  const macKey = hkdf(intermediate, Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_MAC'))
  // commitment (§3)
  const commitKey = hkdf(pdk, Buffer.concat([Buffer.from('AWS_DBE_COMMIT_KEY'), messageId]))
  expect(timingSafeEqual(createHmac('sha512', commitKey).update(head.subarray(0, head.length - 32)).digest().subarray(0, 32), commitment)).toBe(true)
  // canonical hash, tag, signature (§5)
  const hash = createHash('sha384').update(head).update(u64(ecBytes.length)).update(ecBytes)
  signed.forEach((name, i) => {
    hash.update(path(cfg.table, name))
    if (legend[i] === 'e') {
      const b = Buffer.from(item[name].B as Uint8Array)
      hash.update(Buffer.concat([u64(b.length - 2), Buffer.from('ENCRYPTED'), b]))
    } else {
      const s = serialize(item[name])
      hash.update(Buffer.concat([u64(s.bytes.length), Buffer.from('PLAINTEXT'), u16(s.typeId), s.bytes]))
    }
  })
  const canonicalHash = hash.digest()
  expect(foot.length).toBe(48 + (flavor === 1 ? 103 : 0))
  expect(timingSafeEqual(createHmac('sha384', macKey).update(canonicalHash).digest(), foot.subarray(0, 48))).toBe(true)
  if (flavor === 1) {
    const spki = Buffer.concat([Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex'), Buffer.from(ec['aws-crypto-public-key'], 'base64')])
    expect(verify('sha384', canonicalHash, { key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), dsaEncoding: 'der' }, foot.subarray(48))).toBe(true)
  } else {
    expect(ec['aws-crypto-public-key']).toBeUndefined()
  }
  // fields (§4)
  const root = hkdf(pdk, Buffer.concat([Buffer.from('AWS_DBE_DERIVE_KEY'), messageId]))
  const out = new Map<string, { typeId: number; bytes: Buffer }>()
  let offset = 0
  signed.forEach((name, i) => {
    if (legend[i] !== 'e') return
    const block = Buffer.concat([Buffer.from('AwsDbeField'), Buffer.from([0x2c]), u32(3 * offset++)])
    const ks = createCipheriv('aes-256-ctr', root, block).update(Buffer.alloc(44))
    const b = Buffer.from(item[name].B as Uint8Array)
    out.set(name, { typeId: b.readUInt16BE(0), bytes: gcmOpen(ks.subarray(0, 32), ks.subarray(32, 44), path(cfg.table, name), b.subarray(2, b.length - 16), b.subarray(b.length - 16)) })
  })
  return out
}

// ---- items written by ItemEncryptor -----------------------------------------------------------------------------

const branchKeyId = 'interop-branch'
const branchKey = randomBytes(32)
const keyring = hierarchicalKeyring({ branchKeyId, keyStore: staticBranchKeyStore({ branchKeyId, branchKeyVersion: 'c0ffee00-1234-4abc-8def-0123456789ab', branchKey }) })

const plaintext: Item = {
  pk: { S: 'customer#42' },
  sk: { N: '7' },
  email: { S: 'zoë@example.com' },
  address: { M: { city: { S: 'Zürich' }, lines: { L: [{ S: '1 Main St' }, { NULL: true }] }, tags: { SS: ['b', 'a'] }, ratings: { NS: ['3', '1.5'] } } },
  photo: { B: Buffer.from([0, 1, 2, 3, 255]) },
  plan: { S: 'gold' },
  active: { BOOL: true },
  '𝄞 score': { N: '-0.25' },
  lastSeen: { S: '2026-11-28T10:00:00Z' },
}

const SUITES: AlgorithmSuiteId[] = ['ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384', 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384']
const CASES = SUITES.flatMap((suite) => [1, 2].flatMap((version) => [true, false].map((withSortKey) => [suite, version, withSortKey] as const)))

describe.each(CASES)('hold-out reader: suite %s, config v%i, sort key %s', (suite, version, withSortKey) => {
  it('verifies and decrypts what ItemEncryptor wrote', async () => {
    const keyAction: CryptoAction = version === 2 ? 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' : 'SIGN_ONLY'
    const item: Item = { ...plaintext }
    if (!withSortKey) delete item.sk
    const actions: Record<string, CryptoAction> = {
      pk: keyAction,
      email: 'ENCRYPT_AND_SIGN',
      address: 'ENCRYPT_AND_SIGN',
      photo: version === 2 ? 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' : 'ENCRYPT_AND_SIGN',
      plan: version === 2 ? 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' : 'SIGN_ONLY',
      active: 'SIGN_ONLY',
      '𝄞 score': 'ENCRYPT_AND_SIGN',
      lastSeen: 'DO_NOTHING',
    }
    if (withSortKey) actions.sk = keyAction
    const encryptor = new ItemEncryptor({
      tableName: 'InteropTable',
      partitionKeyName: 'pk',
      sortKeyName: withSortKey ? 'sk' : undefined,
      attributeActionsOnEncrypt: actions,
      allowedUnsignedAttributes: ['lastSeen'],
      algorithmSuiteId: suite,
      keyring,
    })
    const encrypted = await encryptor.encryptItem(item)
    const decrypted = holdOutRead(encrypted, { table: 'InteropTable', pk: 'pk', sk: withSortKey ? 'sk' : undefined, allowedUnsigned: ['lastSeen'], branchKeyId, branchKey })

    const encryptedNames = Object.keys(actions).filter((name) => actions[name] === 'ENCRYPT_AND_SIGN').sort()
    expect([...decrypted.keys()].sort()).toEqual(encryptedNames)
    for (const name of encryptedNames) {
      const expected = serialize(item[name])
      expect(decrypted.get(name)?.typeId).toBe(expected.typeId)
      expect(decrypted.get(name)?.bytes.toString('hex')).toBe(expected.bytes.toString('hex'))
    }
    expect(Buffer.from(encrypted.aws_dbe_head.B as Uint8Array)[0]).toBe(version)

    // The same reader must refuse a tampered copy (so it is not a reader that accepts anything).
    expect(() => holdOutRead({ ...encrypted, plan: { S: 'platinum' } }, { table: 'InteropTable', pk: 'pk', sk: withSortKey ? 'sk' : undefined, allowedUnsigned: ['lastSeen'], branchKeyId, branchKey })).toThrow()
  })
})

// ---- the hold-out reader itself is right: it reads the official vectors ------------------------------------------


const dir = vectorsDir()
;(dir === undefined ? describe.skip : describe)('hold-out reader on official vectors', () => {
  it.each(['1', '3', '7', '10', '11', '12', '13'])('decrypt_java_33.json test %s verifies', (id) => {
    const { branchKeyId: vectorBranchKeyId, branchKey: vectorBranchKey } = staticBranchKeyFromKeys(dir as string)
    const tests = (readJson(dir as string, 'decrypt_java_33.json') as { tests: Record<string, { encrypted: Parameters<typeof itemFromDynamoJson>[0] }> }).tests
    const fields = holdOutRead(itemFromDynamoJson(tests[id].encrypted), { table: 'GazelleVectorTable', pk: 'RecNum', allowedUnsigned: [], branchKeyId: vectorBranchKeyId, branchKey: vectorBranchKey })
    for (const { typeId } of fields.values()) expect(Object.values(TYPE)).toContain(typeId)
  })
})
