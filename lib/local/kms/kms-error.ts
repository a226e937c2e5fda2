/**
 * The exception names the local KMS answers with. They are the names real AWS KMS (and its front end) uses, so
 * `@aws-sdk/client-kms` raises the same exception classes it raises against AWS.
 */
export type KmsErrorName =
  // KMS service exceptions (typed classes in @aws-sdk/client-kms)
  | 'AlreadyExistsException'
  | 'DisabledException'
  | 'DryRunOperationException'
  | 'IncorrectKeyException'
  | 'InvalidAliasNameException'
  | 'InvalidArnException'
  | 'InvalidCiphertextException'
  | 'InvalidGrantTokenException'
  | 'InvalidKeyUsageException'
  | 'InvalidMarkerException'
  | 'KMSInternalException'
  | 'KMSInvalidSignatureException'
  | 'KMSInvalidStateException'
  | 'LimitExceededException'
  | 'NotFoundException'
  | 'TagException'
  | 'UnsupportedOperationException'
  // front-end exceptions shared by all AWS JSON services (generic KMSServiceException in the SDK)
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'RequestEntityTooLargeException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'UnrecognizedClientException'
  | 'ValidationException'

/** An error the local KMS reports to the caller as `{ "__type": name, "message": message }`. */
export class KmsError extends Error {
  readonly type: KmsErrorName
  readonly status: number

  constructor(type: KmsErrorName, message?: string, status = 400) {
    super(message ?? '')
    this.name = 'KmsError'
    this.type = type
    this.status = status
  }

  /** The wire body. Some real KMS errors (InvalidCiphertextException) carry no message at all. */
  toBody(): { __type: KmsErrorName; message?: string } {
    return this.message === '' ? { __type: this.type } : { __type: this.type, message: this.message }
  }
}

export function isKmsError(error: unknown): error is KmsError {
  return error instanceof KmsError
}
