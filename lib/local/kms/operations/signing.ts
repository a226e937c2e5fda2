import { createPublicKey, sign as signMessage, verify as verifyMessage } from 'node:crypto'
import { KmsError } from '../kms-error'
import { privateKeyOf, publicKeyDerOf } from '../key-material'
import { KEY_SPECS } from '../key-specs'
import type { KeyRecord } from '../key-store'
import type { RequestFields } from '../request-fields'
import type { Operation, OperationContext } from './context'
import { GRANT_TOKEN_RULES, findKey, readCommonCryptoFields, readKeyId, requireUsable, requireUsage, stopIfDryRun } from './key-checks'

const MESSAGE_RULES = { min: 1, max: 4096 } as const
const SIGNATURE_RULES = { min: 1, max: 6144 } as const
/** Every signing algorithm of the KMS API; a key accepts only its own (here ECDSA with the curve's hash). */
const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'SM2DSA', 'ML_DSA_SHAKE_256', 'ED25519_SHA_512', 'ED25519_PH_SHA_512',
] as const

function signingSpec(record: KeyRecord, operation: string, context: OperationContext): { hash: 'sha256' | 'sha384'; algorithm: string } {
  const spec = KEY_SPECS[record.material.keySpec]
  if (spec.kind !== 'ecc') {
    throw new KmsError('InvalidKeyUsageException', `${context.store.arnOf(record)} key usage is ${record.material.keyUsage} which is not valid for ${operation}.`)
  }
  return { hash: spec.hash, algorithm: spec.signingAlgorithm }
}

/** Reads KeyId, Message, MessageType, SigningAlgorithm and the common fields of Sign and Verify. */
function readSigningFields(fields: RequestFields) {
  const keyId = readKeyId(fields)
  const message = fields.requiredBlob('Message', MESSAGE_RULES)
  const messageType = fields.enumeration('MessageType', ['RAW', 'DIGEST'] as const, ['EXTERNAL_MU']) ?? 'RAW'
  fields.requirePresent('SigningAlgorithm')
  const algorithm = fields.enumeration('SigningAlgorithm', SIGNING_ALGORITHMS) as string
  const { dryRun } = readCommonCryptoFields(fields)
  return { keyId, message, messageType, algorithm, dryRun }
}

/** Finds the key and checks that it can sign or verify with the requested algorithm. */
function signingKey(request: ReturnType<typeof readSigningFields>, operation: string, context: OperationContext) {
  const record = findKey(request.keyId, context)
  requireUsable(record, context)
  requireUsage(record, 'SIGN_VERIFY', operation, context)
  const spec = signingSpec(record, operation, context)
  if (request.algorithm !== spec.algorithm) {
    throw new KmsError('InvalidKeyUsageException', `Algorithm ${request.algorithm} is incompatible with key spec ${record.material.keySpec}.`)
  }
  if (request.messageType === 'DIGEST') {
    // node:crypto signs messages, not precomputed digests, and this tool does not implement ECDSA itself.
    throw new KmsError('UnsupportedOperationException', 'MessageType DIGEST is not supported by the local KMS; send the message with MessageType RAW.')
  }
  stopIfDryRun(request.dryRun)
  return { record, spec }
}

const getPublicKey: Operation = {
  mutates: false,
  run(fields, context) {
    const keyId = readKeyId(fields)
    fields.stringList('GrantTokens', GRANT_TOKEN_RULES)
    const record = findKey(keyId, context)
    const spec = KEY_SPECS[record.material.keySpec]
    if (spec.kind !== 'ecc') {
      throw new KmsError('UnsupportedOperationException', `${context.store.arnOf(record)} is a symmetric key; it has no public key.`)
    }
    requireUsable(record, context)
    return {
      KeyId: context.store.arnOf(record),
      PublicKey: publicKeyDerOf(record.material.secret).toString('base64'),
      CustomerMasterKeySpec: record.material.keySpec,
      KeySpec: record.material.keySpec,
      KeyUsage: record.material.keyUsage,
      SigningAlgorithms: [spec.signingAlgorithm],
    }
  },
}

const sign: Operation = {
  mutates: false,
  run(fields, context) {
    const request = readSigningFields(fields)
    const { record, spec } = signingKey(request, 'Sign', context)
    // DER-encoded ECDSA signature, as KMS returns it.
    const signature = signMessage(spec.hash, request.message, { key: privateKeyOf(record.material.secret), dsaEncoding: 'der' })
    return { KeyId: context.store.arnOf(record), Signature: signature.toString('base64'), SigningAlgorithm: request.algorithm }
  },
}

const verify: Operation = {
  mutates: false,
  run(fields, context) {
    const request = readSigningFields(fields)
    const signature = fields.requiredBlob('Signature', SIGNATURE_RULES)
    const { record, spec } = signingKey(request, 'Verify', context)
    const publicKey = createPublicKey(privateKeyOf(record.material.secret))
    let valid: boolean
    try {
      valid = verifyMessage(spec.hash, request.message, { key: publicKey, dsaEncoding: 'der' }, signature)
    } catch {
      valid = false // a signature that is not even DER
    }
    if (!valid) throw new KmsError('KMSInvalidSignatureException')
    return { KeyId: context.store.arnOf(record), SignatureValid: true, SigningAlgorithm: request.algorithm }
  },
}

export const SIGNING_OPERATIONS: Readonly<Record<string, Operation>> = {
  GetPublicKey: getPublicKey,
  Sign: sign,
  Verify: verify,
}
