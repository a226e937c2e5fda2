/** The key specs the local KMS can create, and what each one allows. */

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'ECC_NIST_P384'
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY'
export type SigningAlgorithm = 'ECDSA_SHA_256' | 'ECDSA_SHA_384'

interface SymmetricSpec {
  kind: 'symmetric'
  usages: readonly KeyUsage[]
  encryptionAlgorithms: readonly ['SYMMETRIC_DEFAULT']
}

interface EccSigningSpec {
  kind: 'ecc'
  usages: readonly KeyUsage[]
  namedCurve: 'P-256' | 'P-384'
  signingAlgorithm: SigningAlgorithm
  hash: 'sha256' | 'sha384'
}

export type KeySpecDetails = SymmetricSpec | EccSigningSpec

export const KEY_SPECS: Readonly<Record<KeySpec, KeySpecDetails>> = {
  SYMMETRIC_DEFAULT: { kind: 'symmetric', usages: ['ENCRYPT_DECRYPT'], encryptionAlgorithms: ['SYMMETRIC_DEFAULT'] },
  ECC_NIST_P256: {
    kind: 'ecc',
    usages: ['SIGN_VERIFY'],
    namedCurve: 'P-256',
    signingAlgorithm: 'ECDSA_SHA_256',
    hash: 'sha256',
  },
  ECC_NIST_P384: {
    kind: 'ecc',
    usages: ['SIGN_VERIFY'],
    namedCurve: 'P-384',
    signingAlgorithm: 'ECDSA_SHA_384',
    hash: 'sha384',
  },
}

export const SUPPORTED_KEY_SPECS = Object.keys(KEY_SPECS) as KeySpec[]

/** Key specs real KMS accepts that this emulator does not implement: answered with UnsupportedOperationException. */
export const UNSUPPORTED_KEY_SPECS: readonly string[] = [
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519',
  'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87',
]

export const KEY_USAGES: readonly KeyUsage[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY']
/** Key usages real KMS accepts that no key spec here supports. */
export const UNSUPPORTED_KEY_USAGES: readonly string[] = ['GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']

export function isKeySpec(value: string): value is KeySpec {
  return Object.hasOwn(KEY_SPECS, value)
}

export function defaultUsage(spec: KeySpec): KeyUsage {
  return KEY_SPECS[spec].usages[0] as KeyUsage
}
