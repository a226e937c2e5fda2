import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node'
import { ConfigError } from '../../errors'
import type { DbeKeyring } from '../keyring'
import { adaptKeyringNode } from './adapt'
import { printablePrefix } from './diagnostics'

export interface RawAesKeyringOptions {
  /** Stored as the EDK provider id; readers must use the same namespace. */
  keyNamespace: string
  /** Stored at the start of the EDK provider info; readers must use the same name. */
  keyName: string
  /** 32 bytes (AES-256). Copied: later changes to the caller's array do not affect the keyring. */
  wrappingKey: Uint8Array
}

const WRAPPING_KEY_LENGTH = 32

/**
 * A keyring that wraps each intermediate key with a local AES-256-GCM key, byte-compatible with the raw AES keyring
 * of the AWS Material Providers Library (DB-ESDK in Java, .NET, Rust, Go, Python).
 */
export function rawAesKeyring(options: RawAesKeyringOptions): DbeKeyring {
  const { keyNamespace, keyName, wrappingKey } = options ?? ({} as RawAesKeyringOptions)
  requireName('keyNamespace', keyNamespace)
  requireName('keyName', keyName)
  if (keyNamespace.startsWith('aws-kms')) {
    // The namespace is the EDK provider id. The keyring spec forbids 'aws-kms'; the other aws-kms* ids
    // (aws-kms-hierarchy, aws-kms-rsa, aws-kms-ecdh) belong to AWS keyrings just as much.
    throw new ConfigError('ERR_CONFIG_INVALID', `rawAesKeyring: keyNamespace '${printablePrefix(keyNamespace)}' is reserved for AWS KMS keyrings; choose another namespace.`)
  }
  if (!(wrappingKey instanceof Uint8Array) || wrappingKey.byteLength !== WRAPPING_KEY_LENGTH) {
    const got = wrappingKey instanceof Uint8Array ? `${wrappingKey.byteLength} bytes` : typeof wrappingKey
    throw new ConfigError('ERR_CONFIG_INVALID', `rawAesKeyring: wrappingKey must be a Uint8Array of ${WRAPPING_KEY_LENGTH} bytes (AES-256), got ${got}.`)
  }
  const keyring = new RawAesKeyringNode({
    keyNamespace,
    keyName,
    // The ESDK zeroes the array it is given (after moving the key into a KeyObject) and wants an unshared buffer.
    unencryptedMasterKey: new Uint8Array(wrappingKey),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    // The MPL orders the encryption context (the wrapping AAD) by UTF-8 bytes; the ESDK default, localeCompare, differs.
    utf8Sorting: true,
  })
  const expectedInfoLength = Buffer.byteLength(keyName, 'utf8') + 4 + 4 + 12
  const keyNameBytes = Buffer.from(keyName, 'utf8')
  return adaptKeyringNode(keyring, {
    description: `rawAesKeyring(${printablePrefix(keyNamespace)}/${printablePrefix(keyName)})`,
    skipReason: ({ providerId, providerInfo }) => {
      if (providerId !== keyNamespace) return 'another key namespace'
      // The ESDK only checks that the lossy UTF-8 provider info starts with the key name; compare the bytes exactly.
      if (providerInfo.byteLength !== expectedInfoLength || !keyNameBytes.equals(providerInfo.subarray(0, keyNameBytes.byteLength))) {
        return 'another key name'
      }
      return undefined
    },
  })
}

function requireName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError('ERR_CONFIG_INVALID', `rawAesKeyring: ${field} must be a non-empty string.`)
  }
}
