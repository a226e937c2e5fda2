import { ConfigError, ItemVerificationError } from '../errors'
import type { AlgorithmSuiteId } from '../types'

/** The two DB-ESDK algorithm suites; both AES-256-GCM + HKDF-SHA512 with key commitment and HMAC-SHA384 tags. */
export interface AlgorithmSuite {
  id: 0x6700 | 0x6701
  name: AlgorithmSuiteId
  /** Second byte of the suite id, stored as the header's flavor byte. */
  flavor: 0 | 1
  /** Whether items also carry an ECDSA P-384 signature. */
  signed: boolean
}

export const SUITE_6700: AlgorithmSuite = Object.freeze({
  id: 0x6700,
  name: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384',
  flavor: 0,
  signed: false,
})

export const SUITE_6701: AlgorithmSuite = Object.freeze({
  id: 0x6701,
  name: 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384_SYMSIG_HMAC_SHA384',
  flavor: 1,
  signed: true,
})

/** The configured suite; no setting means the signed suite 0x6701, as in DB-ESDK. */
export function suiteFromName(name?: AlgorithmSuiteId | string): AlgorithmSuite {
  if (name === undefined) return SUITE_6701
  if (name === SUITE_6701.name) return SUITE_6701
  if (name === SUITE_6700.name) return SUITE_6700
  throw new ConfigError(
    'ERR_UNKNOWN_ALGORITHM_SUITE',
    `Unknown algorithmSuiteId "${name}"; use "${SUITE_6701.name}" (the default) or "${SUITE_6700.name}".`,
  )
}

/** The suite named by a stored header's flavor byte. */
export function suiteFromFlavor(flavor: number): AlgorithmSuite {
  if (flavor === 0) return SUITE_6700
  if (flavor === 1) return SUITE_6701
  throw new ItemVerificationError('ERR_HEADER_INVALID', `Encrypted item header: unknown algorithm suite flavor 0x${flavor.toString(16).padStart(2, '0')}.`)
}
