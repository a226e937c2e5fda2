import { generateKeyPair, KeyObject, sign, verify, webcrypto } from 'node:crypto'
import { ItemVerificationError, KeyringError } from '../errors'
import { SIGNATURE_LENGTH } from './footer'

const CURVE = 'P-384'
const COORDINATE_LENGTH = 48
const COMPRESSED_POINT_LENGTH = 1 + COORDINATE_LENGTH
/** Standard base64 with padding of a 49-byte compressed point. */
const COMPRESSED_KEY_BASE64 = /^[A-Za-z0-9+/]{66}==$/
const ECDSA_P384 = { name: 'ECDSA', namedCurve: CURVE }
/** Order n of the P-384 group. */
const P384_ORDER = BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973')
/** Each attempt yields 103 bytes with probability about 1/2 before and most of the rest after the s flip. */
const MAX_SIGNING_ATTEMPTS = 64

export interface SigningKeyPair {
  privateKey: KeyObject
  /** Value of the `aws-crypto-public-key` encryption-context entry: base64 of the SEC1 compressed point. */
  publicKeyCompressedBase64: string
}

/** The public half as the key generation job encodes it when asked for JWK. */
interface JwkPublicKey {
  kty?: string
  crv?: string
  x?: string
  y?: string
}

type GenerateWithJwkPublicKey = (
  type: 'ec',
  options: { namedCurve: string; publicKeyEncoding: { format: 'jwk' } },
  callback: (error: Error | null, publicKey: JwkPublicKey, privateKey: KeyObject) => void,
) => void

/**
 * The job encodes the public key itself, as JWK (its affine coordinates), and leaves the private key a KeyObject:
 * nothing exports the new key afterwards. (Exporting a key while the job that generated it can be garbage-collected
 * deadlocks in Node 20: the export holds the key's lock while it allocates, and the collected job takes the same lock.
 * The bench's synchronous floor hit it.) @types/node has no overload for this mix; Node documents publicKeyEncoding as
 * keyObject.export()'s options.
 */
const generateWithJwkPublicKey = generateKeyPair as unknown as GenerateWithJwkPublicKey

/** A fresh ECDSA P-384 key pair, generated on the libuv thread pool. */
export function generateSigningKeyPair(): Promise<SigningKeyPair> {
  return new Promise((resolve, reject) => {
    generateWithJwkPublicKey('ec', { namedCurve: CURVE, publicKeyEncoding: { format: 'jwk' } }, (error, publicKey, privateKey) => {
      if (error) reject(error)
      else {
        try {
          resolve({ privateKey, publicKeyCompressedBase64: compressJwkPublicKey(publicKey) })
        } catch (problem) {
          reject(problem)
        }
      }
    })
  })
}

/** SEC1 compressed form (02/03 || x) of a P-384 public key given as JWK, as standard base64 (68 characters). */
export function compressJwkPublicKey(jwk: JwkPublicKey): string {
  if (jwk.crv !== CURVE || jwk.x === undefined || jwk.y === undefined) throw new KeyringError('ERR_KEYRING', 'The signing public key is not a P-384 key.')
  const x = Buffer.from(jwk.x, 'base64url')
  const y = Buffer.from(jwk.y, 'base64url')
  if (x.length !== COORDINATE_LENGTH || y.length !== COORDINATE_LENGTH) throw new KeyringError('ERR_KEYRING', 'The signing public key has coordinates of the wrong length.')
  return Buffer.concat([Buffer.from([(y[y.length - 1] & 1) === 1 ? 0x03 : 0x02]), x]).toString('base64')
}

function badPublicKey(problem: string): ItemVerificationError {
  return new ItemVerificationError('ERR_SIGNATURE_INVALID', `The item's aws-crypto-public-key ${problem}; the item cannot be verified.`)
}

/** Decodes the `aws-crypto-public-key` value into a verification key; anything malformed is a typed error. */
export async function decodeCompressedPublicKey(publicKeyCompressedBase64: string): Promise<KeyObject> {
  if (typeof publicKeyCompressedBase64 !== 'string' || !COMPRESSED_KEY_BASE64.test(publicKeyCompressedBase64)) {
    throw badPublicKey('is not 68 characters of base64')
  }
  const compressed = Buffer.from(publicKeyCompressedBase64, 'base64')
  if (compressed.length !== COMPRESSED_POINT_LENGTH || compressed.toString('base64') !== publicKeyCompressedBase64 || (compressed[0] !== 0x02 && compressed[0] !== 0x03)) {
    throw badPublicKey('is not a canonical SEC1 compressed P-384 point')
  }
  // WebCrypto's raw import decompresses the point and checks it is on P-384 without OpenSSL's generic key decoder:
  // about half the cost of createPublicKey on a DER SPKI (65 against 125 µs here), once per item read.
  try {
    return KeyObject.from(await webcrypto.subtle.importKey('raw', compressed, ECDSA_P384, false, ['verify']))
  } catch (cause) {
    throw new ItemVerificationError('ERR_SIGNATURE_INVALID', "The item's aws-crypto-public-key is not a point on P-384; the item cannot be verified.", { cause })
  }
}

function signOnce(privateKey: KeyObject, canonicalHash: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign('sha384', canonicalHash, { key: privateKey, dsaEncoding: 'der' }, (error, signature) => {
      if (error) reject(error)
      else resolve(signature)
    })
  })
}

/**
 * ECDSA P-384 / SHA-384 over the canonical hash, DER-encoded in exactly 103 bytes as every DB-ESDK
 * reader expects: if a signature has another length, use the equally valid (r, n − s); if that
 * does not fit either, sign again.
 */
export async function signCanonicalHash(privateKey: KeyObject, canonicalHash: Uint8Array): Promise<Buffer> {
  for (let attempt = 0; attempt < MAX_SIGNING_ATTEMPTS; attempt++) {
    const signature = await signOnce(privateKey, canonicalHash)
    if (signature.length === SIGNATURE_LENGTH) return signature
    const { r, s } = decodeDerSignature(signature)
    const flipped = encodeDerSignature(r, P384_ORDER - s)
    if (flipped.length === SIGNATURE_LENGTH) return flipped
  }
  throw new ItemVerificationError('ERR_SIGNATURE_INVALID', `Could not produce a ${SIGNATURE_LENGTH}-byte ECDSA signature in ${MAX_SIGNING_ATTEMPTS} attempts.`)
}

/** Verifies a DER ECDSA P-384 signature over the canonical hash, off the event loop. */
export async function verifyCanonicalHash(publicKeyCompressedBase64: string, canonicalHash: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const publicKey = await decodeCompressedPublicKey(publicKeyCompressedBase64)
  return new Promise((resolve) => {
    try {
      verify('sha384', canonicalHash, { key: publicKey, dsaEncoding: 'der' }, signature, (error, valid) => {
        resolve(error ? false : valid)
      })
    } catch {
      // Malformed DER is simply an invalid signature.
      resolve(false)
    }
  })
}

// --- minimal DER for ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (lengths < 128 for P-384)

function derError(problem: string): ItemVerificationError {
  return new ItemVerificationError('ERR_SIGNATURE_INVALID', `ECDSA signature: ${problem}.`)
}

function readInteger(der: Buffer, offset: number): { value: bigint; end: number } {
  if (der[offset] !== 0x02) throw derError('expected an INTEGER')
  const length = der[offset + 1]
  const start = offset + 2
  if (length === undefined || length >= 0x80 || start + length > der.length) throw derError('bad INTEGER length')
  return { value: BigInt(`0x${der.subarray(start, start + length).toString('hex') || '0'}`), end: start + length }
}

export function decodeDerSignature(der: Buffer): { r: bigint; s: bigint } {
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw derError('expected a short-form SEQUENCE')
  const r = readInteger(der, 2)
  const s = readInteger(der, r.end)
  if (s.end !== der.length) throw derError('trailing bytes')
  return { r: r.value, s: s.value }
}

function encodeInteger(value: bigint): Buffer {
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  let bytes = Buffer.from(hex, 'hex')
  // DER INTEGERs are signed: a set high bit needs a leading zero byte.
  if ((bytes[0] & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes])
}

export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([encodeInteger(r), encodeInteger(s)])
  return Buffer.concat([Buffer.from([0x30, body.length]), body])
}
