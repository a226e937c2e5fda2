import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { KmsError } from './kms-error'

/**
 * Ciphertext blobs of the local KMS (its own format; real KMS blobs are opaque too):
 *
 *   version (1) = 0x01 | keyIdLength (1) | keyId (ASCII) | salt (32) | iv (12) | tag (16) | AES-256-GCM ciphertext
 *
 * The blob names the key by its key id only, never by Region: related multi-Region keys share id and material,
 * so a blob made in one Region decrypts with the related key in any other. Each blob gets its own AES key,
 * HKDF-SHA256(key material, salt), so the random 96-bit IVs never have to be unique across the key's lifetime.
 * The AAD is the header (version to iv) followed by the canonical encryption context, which binds both to the
 * ciphertext: a changed byte anywhere or a different context fails authentication.
 */
const FORMAT_VERSION = 0x01
const SALT_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const MAX_KEY_ID_BYTES = 255
const HKDF_INFO = Buffer.from('dynamodb-item-encryptor local KMS ciphertext v1', 'utf8')

export type EncryptionContext = Readonly<Record<string, string>>

interface ParsedBlob {
  keyId: string
  header: Buffer
  salt: Buffer
  iv: Buffer
  tag: Buffer
  body: Buffer
}

export function sealCiphertext(keyId: string, material: Buffer, plaintext: Buffer, context: EncryptionContext): Buffer {
  const keyIdBytes = Buffer.from(keyId, 'ascii')
  if (keyIdBytes.length > MAX_KEY_ID_BYTES) throw new Error(`key id too long for a ciphertext blob: ${keyId}`)
  const salt = randomBytes(SALT_BYTES)
  const iv = randomBytes(IV_BYTES)
  const header = Buffer.concat([Buffer.from([FORMAT_VERSION, keyIdBytes.length]), keyIdBytes, salt, iv])
  const blobKey = deriveBlobKey(material, salt)
  try {
    const cipher = createCipheriv('aes-256-gcm', blobKey, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(context)]))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
    return Buffer.concat([header, cipher.getAuthTag(), body])
  } finally {
    blobKey.fill(0)
  }
}

/** The key id a blob was made under; a blob that cannot be parsed is an InvalidCiphertextException, as in KMS. */
export function ciphertextKeyId(blob: Buffer): string {
  return parseBlob(blob).keyId
}

export function openCiphertext(blob: Buffer, material: Buffer, context: EncryptionContext): Buffer {
  const parsed = parseBlob(blob)
  const blobKey = deriveBlobKey(material, parsed.salt)
  try {
    const decipher = createDecipheriv('aes-256-gcm', blobKey, parsed.iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.concat([parsed.header, canonicalEncryptionContext(context)]))
    decipher.setAuthTag(parsed.tag)
    return Buffer.concat([decipher.update(parsed.body), decipher.final()])
  } catch {
    // KMS says nothing about why: a wrong context and a tampered blob look the same.
    throw new KmsError('InvalidCiphertextException')
  } finally {
    blobKey.fill(0)
  }
}

/**
 * An unambiguous byte encoding of an encryption context, independent of the order of its entries:
 * count, then each (key, value) as length-prefixed UTF-8, sorted by the key's UTF-8 bytes.
 */
export function canonicalEncryptionContext(context: EncryptionContext): Buffer {
  const entries = Object.entries(context)
    .map(([key, value]) => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const)
    .sort(([a], [b]) => Buffer.compare(a, b))
  const parts: Buffer[] = [uint32(entries.length)]
  for (const [key, value] of entries) parts.push(uint32(key.length), key, uint32(value.length), value)
  return Buffer.concat(parts)
}

function parseBlob(blob: Buffer): ParsedBlob {
  const invalid = (): KmsError => new KmsError('InvalidCiphertextException')
  if (blob.length < 2 || blob[0] !== FORMAT_VERSION) throw invalid()
  const keyIdLength = blob[1] as number
  const headerLength = 2 + keyIdLength + SALT_BYTES + IV_BYTES
  if (keyIdLength === 0 || blob.length < headerLength + TAG_BYTES) throw invalid()
  const keyId = blob.subarray(2, 2 + keyIdLength).toString('latin1')
  if (!/^[\x21-\x7e]+$/.test(keyId)) throw invalid()
  const saltStart = 2 + keyIdLength
  return {
    keyId,
    header: blob.subarray(0, headerLength),
    salt: blob.subarray(saltStart, saltStart + SALT_BYTES),
    iv: blob.subarray(saltStart + SALT_BYTES, headerLength),
    tag: blob.subarray(headerLength, headerLength + TAG_BYTES),
    body: blob.subarray(headerLength + TAG_BYTES),
  }
}

function deriveBlobKey(material: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', material, salt, HKDF_INFO, 32))
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}
