import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  webcrypto,
  KeyObject,
} from 'node:crypto'
import type { Item } from '../lib'
import { canonicalPath, deriveFieldKeys, deriveItemKeys, serializeEncryptionContextAsAad, serializeValue, sortCanonical } from '../lib/structured'
import { ATTRIBUTE_ACTIONS, STATIC_BRANCH_KEY, type SuiteLabel } from './items'

/**
 * The floor: exactly the node:crypto calls the DB-ESDK format needs for one item with the hierarchical keyring (warm),
 * back to back, synchronous, with every buffer prepared in advance. Nothing a library could skip is here, and nothing
 * the format needs is missing:
 *
 * encrypt: randomBytes (message id, data key, hierarchy salt/IV/intermediate key in one call) · [0x6701: ECDSA P-384
 *   key generation, public key as JWK] · hierarchy wrap: HMAC-SHA256 KDF + AES-256-GCM of the intermediate key ·
 *   intermediate key wrapping: 2 × HKDF-SHA512 (KEK, MAC key) + AES-256-GCM of the data key · HKDF-SHA512 commit key +
 *   HMAC-SHA512 commitment over the header body · HKDF-SHA512 field root key · one AES-256-CTR key stream for all
 *   encrypted fields (their counters are consecutive, 48 bytes apart) · per encrypted field AES-256-GCM · SHA-384
 *   over the canonical record · HMAC-SHA384 recipient tag · [0x6701: ECDSA sign].
 * Where node:crypto offers two ways to the same bytes the floor takes the cheaper one, as a library could: the public
 *   key leaves OpenSSL as JWK, encoded by the key generation itself (the DER SPKI encoding costs about 90 µs more), and
 *   each HKDF is HMAC-SHA512 calls (extract, one expand block), half the time of hkdfSync, with one extract for the
 *   two keys of the same input (KEK and MAC key; commit key and field root key).
 * decrypt: hierarchy unwrap (HMAC-SHA256 + AES-256-GCM) · HKDF KEK + AES-256-GCM + HKDF MAC key · HKDF commit key +
 *   HMAC-SHA512 + constant-time compare · SHA-384 + HMAC-SHA384 + compare · [0x6701: point decompression and public key
 *   import (WebCrypto raw), ECDSA verify] · HKDF field root key · one CTR key stream · per field AES-256-GCM decrypt.
 */
export interface Floor {
  encrypt(): void
  /** Asynchronous for the signed suite only: its public-key import is WebCrypto's (as the library's). */
  decrypt(): void | Promise<void>
  cycle(): void | Promise<void>
}

const ZERO_IV = Buffer.alloc(12)
/** RFC 5869 without a salt: HashLen zero bytes as the HMAC key of the extract step. */
const NO_SALT = Buffer.alloc(64)
const FIRST_BLOCK = Buffer.of(1)
const ENC_INFO = Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_ENC')
const MAC_INFO = Buffer.from('AWS_MPL_INTERMEDIATE_KEYWRAP_MAC')
const COMMIT_LABEL = Buffer.from('AWS_DBE_COMMIT_KEY')
const DERIVE_LABEL = Buffer.from('AWS_DBE_DERIVE_KEY')
const PROVIDER_ID = Buffer.from('aws-kms-hierarchy')
/** Each field's key stream: 32-byte key and 12-byte IV, then 4 unused bytes up to the next field's counter. */
const FIELD_STRIDE = 48
const ECDSA_P384 = { name: 'ECDSA', namedCurve: 'P-384' }

interface FieldPlan {
  path: Buffer
  plaintext: Buffer
}

interface Sealed {
  wrappedIk: Buffer
  ikTag: Buffer
  encryptedPdk: Buffer
  pdkTag: Buffer
  commitment: Buffer
  tag: Buffer
  compressedPublicKey?: Buffer
  signature?: Buffer
  fields: Array<{ ciphertext: Buffer; tag: Buffer }>
}

/**
 * Key generation that encodes the public key as JWK inside the job, as the library's does. Not generateKeyPairSync
 * followed by publicKey.export({ format: 'jwk' }): in Node 20 that deadlocks now and then (the export holds the key's
 * lock while allocating; a collection then destroys the finished job, which takes the same lock). @types/node has no
 * overload for this mix of encodings.
 */
const generateWithJwkPublicKey = generateKeyPairSync as unknown as (
  type: 'ec',
  options: { namedCurve: string; publicKeyEncoding: { format: 'jwk' } },
) => { publicKey: { x: string; y: string }; privateKey: KeyObject }

/** HKDF-Extract: one per input key; the two keys derived from each input share it. */
function extract(ikm: Buffer): Buffer {
  return createHmac('sha512', NO_SALT).update(ikm).digest()
}

/** HKDF-Expand, one block, first 32 bytes. */
function expand(pseudorandomKey: Buffer, info: Buffer): Buffer {
  return createHmac('sha512', pseudorandomKey).update(info).update(FIRST_BLOCK).digest().subarray(0, 32)
}

function gcmSeal(key: Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  cipher.final()
  return { ciphertext, tag: cipher.getAuthTag() }
}

function gcmOpen(key: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  const plaintext = decipher.update(ciphertext)
  decipher.final()
  return plaintext
}

function kdfInput(salt: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 1]), PROVIDER_ID, Buffer.from([0]), salt, Buffer.from([0, 0, 1, 0])])
}

/** The floor's single key stream must give each field the key and IV the library derives for it. */
function assertSameFieldKeys(fieldKeystream: (fieldRoot: Buffer) => Buffer, count: number): void {
  const fieldRoot = randomBytes(32)
  const keystream = fieldKeystream(fieldRoot)
  const library = deriveFieldKeys(fieldRoot, count)
  library.keys.forEach(({ key, iv }, index) => {
    const at = index * FIELD_STRIDE
    if (!keystream.subarray(at, at + 32).equals(key) || !keystream.subarray(at + 32, at + 44).equals(iv)) throw new Error(`floor: field ${index} key stream differs from the library's`)
  })
  library.wipe()
}

/** The floor's HKDF (two HMACs) must give the library's keys, or the floor would time something else. */
function assertSameHkdf(): void {
  const pdk = randomBytes(32)
  const messageId = randomBytes(32)
  if (!expand(extract(pdk), Buffer.concat([DERIVE_LABEL, messageId])).equals(deriveItemKeys(pdk, messageId).fieldRootKey)) throw new Error("floor: HKDF differs from the library's")
}

/**
 * Builds the floor for one item: its signed attributes' serialized values and canonical paths, the canonical record's
 * length (so SHA-384 hashes as many bytes as the library does) and the header length measured on a real encrypted item.
 */
export function buildFloor(suite: SuiteLabel, item: Item, logicalTableName: string, encryptedItem: Item): Floor {
  const signedSuite = suite === '0x6701'
  const branchKey = STATIC_BRANCH_KEY.branchKey
  const header = (encryptedItem.aws_dbe_head as { B: Uint8Array }).B
  const headerBody = randomBytes(header.byteLength - 32)

  const names = sortCanonical(Object.keys(item).filter((name) => ATTRIBUTE_ACTIONS[name] !== 'DO_NOTHING'))
  const fields: FieldPlan[] = []
  let recordLength = header.byteLength
  for (const name of names) {
    const { bytes } = serializeValue(item[name], name)
    const path = canonicalPath(logicalTableName, name)
    recordLength += path.length + 8 + 9 + 2 + bytes.length
    if (ATTRIBUTE_ACTIONS[name] === 'ENCRYPT_AND_SIGN') {
      fields.push({ path, plaintext: Buffer.from(bytes) })
      recordLength += 16
    }
  }
  const context: Record<string, string> = {
    'aws-crypto-table-name': logicalTableName,
    'aws-crypto-partition-name': 'pk',
    'aws-crypto-sort-name': 'sk',
    'aws-crypto-attr.pk': serializeValue(item.pk, 'pk').bytes.toString('base64') + 'AAA=',
    'aws-crypto-attr.sk': serializeValue(item.sk, 'sk').bytes.toString('base64') + 'AAA=',
  }
  if (signedSuite) context['aws-crypto-public-key'] = 'A'.repeat(68)
  const contextAad = serializeEncryptionContextAsAad(context)
  recordLength += 8 + contextAad.length
  const record = randomBytes(recordLength)
  // "AwsDbeField" || 0x2C || u32 counter 0: the first field's counter block; the others follow in the same stream.
  const fieldCounterBlock = Buffer.concat([Buffer.from('AwsDbeField'), Buffer.from([0x2c]), Buffer.alloc(4)])
  const keystreamZeros = Buffer.alloc(FIELD_STRIDE * fields.length)
  const fieldKeystream = (fieldRoot: Buffer): Buffer => createCipheriv('aes-256-ctr', fieldRoot, fieldCounterBlock).update(keystreamZeros)
  assertSameFieldKeys(fieldKeystream, fields.length)
  assertSameHkdf()
  const wrapAad = Buffer.concat([PROVIDER_ID, Buffer.from(STATIC_BRANCH_KEY.branchKeyId), randomBytes(16), contextAad])

  let sealedState: Sealed | undefined
  let randomState = randomBytes(124)

  const encrypt = (): void => {
    const random = randomBytes(124)
    const messageId = random.subarray(0, 32)
    const pdk = random.subarray(32, 64)
    const salt = random.subarray(64, 80)
    const iv = random.subarray(80, 92)
    const ik = random.subarray(92, 124)
    let privateKey: KeyObject | undefined
    let compressedPublicKey: Buffer | undefined
    if (signedSuite) {
      const pair = generateWithJwkPublicKey('ec', { namedCurve: 'P-384', publicKeyEncoding: { format: 'jwk' } })
      privateKey = pair.privateKey
      const yBytes = Buffer.from(pair.publicKey.y, 'base64url')
      compressedPublicKey = Buffer.concat([Buffer.from([(yBytes[yBytes.length - 1] & 1) === 1 ? 3 : 2]), Buffer.from(pair.publicKey.x, 'base64url')])
    }
    const wrappingKey = createHmac('sha256', branchKey).update(kdfInput(salt)).digest()
    const wrapped = gcmSeal(wrappingKey, iv, wrapAad, ik)
    const ikPrk = extract(ik)
    const kek = expand(ikPrk, ENC_INFO)
    const macKey = expand(ikPrk, MAC_INFO)
    const sealedPdk = gcmSeal(kek, ZERO_IV, contextAad, pdk)
    const pdkPrk = extract(pdk)
    const commitKey = expand(pdkPrk, Buffer.concat([COMMIT_LABEL, messageId]))
    const commitment = createHmac('sha512', commitKey).update(headerBody).digest().subarray(0, 32)
    const fieldRoot = expand(pdkPrk, Buffer.concat([DERIVE_LABEL, messageId]))
    const keystream = fieldKeystream(fieldRoot)
    const sealedFields = fields.map((field, index) => {
      const at = index * FIELD_STRIDE
      return gcmSeal(keystream.subarray(at, at + 32), keystream.subarray(at + 32, at + 44), field.path, field.plaintext)
    })
    const hash = createHash('sha384').update(record).digest()
    const tag = createHmac('sha384', macKey).update(hash).digest()
    const signature = privateKey === undefined ? undefined : sign('sha384', hash, { key: privateKey, dsaEncoding: 'der' })
    randomState = random
    sealedState = {
      wrappedIk: wrapped.ciphertext,
      ikTag: wrapped.tag,
      encryptedPdk: sealedPdk.ciphertext,
      pdkTag: sealedPdk.tag,
      commitment,
      tag,
      compressedPublicKey,
      signature,
      fields: sealedFields,
    }
  }

  encrypt()
  // Decrypt always opens the same sealed item (as the library's decrypt measurement does).
  const sealed = sealedState as unknown as Sealed
  const random = randomState
  const decrypt = (): void | Promise<void> => {
    const messageId = random.subarray(0, 32)
    const salt = random.subarray(64, 80)
    const iv = random.subarray(80, 92)
    const wrappingKey = createHmac('sha256', branchKey).update(kdfInput(salt)).digest()
    const ik = gcmOpen(wrappingKey, iv, wrapAad, sealed.wrappedIk, sealed.ikTag)
    const ikPrk = extract(ik)
    const kek = expand(ikPrk, ENC_INFO)
    const pdk = gcmOpen(kek, ZERO_IV, contextAad, sealed.encryptedPdk, sealed.pdkTag)
    const macKey = expand(ikPrk, MAC_INFO)
    const pdkPrk = extract(pdk)
    const commitKey = expand(pdkPrk, Buffer.concat([COMMIT_LABEL, messageId]))
    const commitment = createHmac('sha512', commitKey).update(headerBody).digest().subarray(0, 32)
    if (!timingSafeEqual(commitment, sealed.commitment)) throw new Error('floor: commitment')
    const hash = createHash('sha384').update(record).digest()
    if (!timingSafeEqual(createHmac('sha384', macKey).update(hash).digest(), sealed.tag)) throw new Error('floor: tag')
    const openFields = (): void => {
      const fieldRoot = expand(pdkPrk, Buffer.concat([DERIVE_LABEL, messageId]))
      const keystream = fieldKeystream(fieldRoot)
      fields.forEach((field, index) => {
        const at = index * FIELD_STRIDE
        const { ciphertext, tag } = sealed.fields[index]
        gcmOpen(keystream.subarray(at, at + 32), keystream.subarray(at + 32, at + 44), field.path, ciphertext, tag)
      })
    }
    if (!signedSuite) return openFields()
    // The cheapest import of a compressed point node:crypto offers (WebCrypto raw: decompression and the on-curve
    // check, without the DER decoder); it answers through a promise, the only asynchronous step of the floor.
    return webcrypto.subtle.importKey('raw', sealed.compressedPublicKey as Buffer, ECDSA_P384, false, ['verify']).then((cryptoKey) => {
      if (!verify('sha384', hash, { key: KeyObject.from(cryptoKey), dsaEncoding: 'der' }, sealed.signature as Buffer)) throw new Error('floor: signature')
      openFields()
    })
  }

  return {
    encrypt,
    decrypt,
    cycle: () => {
      encrypt()
      return decrypt()
    },
  }
}
