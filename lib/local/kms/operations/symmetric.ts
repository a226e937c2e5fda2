import { randomBytes } from 'node:crypto'
import { ciphertextKeyId, openCiphertext, sealCiphertext, type EncryptionContext } from '../ciphertext'
import { KmsError } from '../kms-error'
import type { KeyRecord } from '../key-store'
import type { RequestFields } from '../request-fields'
import type { Operation, OperationContext } from './context'
import {
  KEY_ID_RULES, findKey, isSymmetric, readCommonCryptoFields, readKeyId, requireUsable, requireUsage, stopIfDryRun,
} from './key-checks'

const PLAINTEXT_RULES = { min: 1, max: 4096 } as const
const CIPHERTEXT_RULES = { min: 1, max: 6144 } as const
const ALGORITHM = 'SYMMETRIC_DEFAULT'
/** Algorithms of asymmetric encryption keys, which this emulator does not create. */
const ASYMMETRIC_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE']

function readAlgorithm(fields: RequestFields, name: string): void {
  fields.enumeration(name, [ALGORITHM], ASYMMETRIC_ALGORITHMS)
}

function readContext(fields: RequestFields, name: string): EncryptionContext {
  return fields.stringMap(name) ?? {}
}

/** A key that can encrypt: symmetric, ENCRYPT_DECRYPT, Enabled. */
function requireEncryptionKey(record: KeyRecord, operation: string, context: OperationContext): void {
  requireUsable(record, context)
  requireUsage(record, 'ENCRYPT_DECRYPT', operation, context)
  if (!isSymmetric(record)) {
    throw new KmsError('InvalidKeyUsageException', `${context.store.arnOf(record)} is not a symmetric encryption key.`)
  }
}

/**
 * The key that opens a blob in the Region of the request. With a KeyId it must be the key the blob names
 * (the same multi-Region key id counts: related keys share material); without one, the blob's own key id is used.
 */
function decryptionKey(blob: Buffer, requested: string | undefined, context: OperationContext): KeyRecord {
  const blobKeyId = ciphertextKeyId(blob)
  const record = requested === undefined ? context.store.resolve(context.region, blobKeyId) : context.store.resolve(context.region, requested)
  context.noteKey(record)
  if (record.keyId !== blobKeyId) {
    throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.')
  }
  return record
}

const encrypt: Operation = {
  mutates: false,
  run(fields, context) {
    const keyId = readKeyId(fields)
    const plaintext = fields.requiredBlob('Plaintext', PLAINTEXT_RULES)
    try {
      const encryptionContext = readContext(fields, 'EncryptionContext')
      readAlgorithm(fields, 'EncryptionAlgorithm')
      const { dryRun } = readCommonCryptoFields(fields)
      const record = findKey(keyId, context)
      requireEncryptionKey(record, 'Encrypt', context)
      stopIfDryRun(dryRun)
      return {
        CiphertextBlob: sealCiphertext(record.keyId, record.material.secret, plaintext, encryptionContext).toString('base64'),
        KeyId: context.store.arnOf(record),
        EncryptionAlgorithm: ALGORITHM,
      }
    } finally {
      plaintext.fill(0)
    }
  },
}

const decrypt: Operation = {
  mutates: false,
  run(fields, context) {
    const blob = fields.requiredBlob('CiphertextBlob', CIPHERTEXT_RULES)
    const keyId = fields.string('KeyId', KEY_ID_RULES)
    const encryptionContext = readContext(fields, 'EncryptionContext')
    readAlgorithm(fields, 'EncryptionAlgorithm')
    const { dryRun } = readCommonCryptoFields(fields)
    const record = decryptionKey(blob, keyId, context)
    requireEncryptionKey(record, 'Decrypt', context)
    const plaintext = openCiphertext(blob, record.material.secret, encryptionContext)
    try {
      stopIfDryRun(dryRun)
      // The ARN of the key in the Region that was called: the MRK keyrings check it against their configured ARN.
      return { KeyId: context.store.arnOf(record), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: ALGORITHM }
    } finally {
      plaintext.fill(0)
    }
  },
}

function readDataKeyLength(fields: RequestFields): number {
  const numberOfBytes = fields.integer('NumberOfBytes', { min: 1, max: 1024 })
  const keySpec = fields.enumeration('KeySpec', ['AES_256', 'AES_128'] as const)
  if ((numberOfBytes === undefined) === (keySpec === undefined)) {
    throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.')
  }
  return numberOfBytes ?? (keySpec === 'AES_128' ? 16 : 32)
}

function generateDataKey(withPlaintext: boolean): Operation {
  const operation = withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext'
  return {
    mutates: false,
    run(fields, context) {
      const keyId = readKeyId(fields)
      const length = readDataKeyLength(fields)
      const encryptionContext = readContext(fields, 'EncryptionContext')
      const { dryRun } = readCommonCryptoFields(fields)
      const record = findKey(keyId, context)
      requireEncryptionKey(record, operation, context)
      stopIfDryRun(dryRun)
      const dataKey = randomBytes(length)
      try {
        return {
          CiphertextBlob: sealCiphertext(record.keyId, record.material.secret, dataKey, encryptionContext).toString('base64'),
          ...(withPlaintext ? { Plaintext: dataKey.toString('base64') } : {}),
          KeyId: context.store.arnOf(record),
        }
      } finally {
        dataKey.fill(0)
      }
    },
  }
}

const reEncrypt: Operation = {
  mutates: false,
  run(fields, context) {
    const blob = fields.requiredBlob('CiphertextBlob', CIPHERTEXT_RULES)
    const sourceKeyId = fields.string('SourceKeyId', KEY_ID_RULES)
    const destinationKeyId = readKeyId(fields, 'DestinationKeyId')
    const sourceContext = readContext(fields, 'SourceEncryptionContext')
    const destinationContext = readContext(fields, 'DestinationEncryptionContext')
    readAlgorithm(fields, 'SourceEncryptionAlgorithm')
    readAlgorithm(fields, 'DestinationEncryptionAlgorithm')
    const { dryRun } = readCommonCryptoFields(fields)
    const source = decryptionKey(blob, sourceKeyId, context)
    const destination = findKey(destinationKeyId, context)
    requireEncryptionKey(source, 'ReEncrypt', context)
    requireEncryptionKey(destination, 'ReEncrypt', context)
    const plaintext = openCiphertext(blob, source.material.secret, sourceContext)
    try {
      stopIfDryRun(dryRun)
      return {
        CiphertextBlob: sealCiphertext(destination.keyId, destination.material.secret, plaintext, destinationContext).toString('base64'),
        SourceKeyId: context.store.arnOf(source),
        KeyId: context.store.arnOf(destination),
        SourceEncryptionAlgorithm: ALGORITHM,
        DestinationEncryptionAlgorithm: ALGORITHM,
      }
    } finally {
      plaintext.fill(0)
    }
  },
}

const generateRandom: Operation = {
  mutates: false,
  run(fields) {
    if (fields.has('CustomKeyStoreId')) {
      throw new KmsError('UnsupportedOperationException', 'CustomKeyStoreId: custom key stores are not supported by the local KMS.')
    }
    if (fields.has('Recipient')) {
      throw new KmsError('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by the local KMS.')
    }
    const numberOfBytes = fields.integer('NumberOfBytes', { min: 1, max: 1024 })
    if (numberOfBytes === undefined) throw new KmsError('ValidationException', 'NumberOfBytes is required.')
    return { Plaintext: randomBytes(numberOfBytes).toString('base64') }
  },
}

export const SYMMETRIC_OPERATIONS: Readonly<Record<string, Operation>> = {
  Encrypt: encrypt,
  Decrypt: decrypt,
  GenerateDataKey: generateDataKey(true),
  GenerateDataKeyWithoutPlaintext: generateDataKey(false),
  ReEncrypt: reEncrypt,
  GenerateRandom: generateRandom,
}
