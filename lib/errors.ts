/**
 * Every error this library throws on purpose is an `EncryptorError` with a stable `code`.
 * Messages name the table, attribute or command involved and say what to change.
 */
export type ErrorCode =
  // configuration (thrown at construction)
  | 'ERR_CONFIG_INVALID'
  | 'ERR_KEY_ACTION_INVALID'
  | 'ERR_RESERVED_ATTRIBUTE'
  | 'ERR_UNSIGNED_CONFLICT'
  | 'ERR_DO_NOTHING_NOT_ALLOWED_UNSIGNED'
  | 'ERR_UNKNOWN_ALGORITHM_SUITE'
  // item input on encrypt
  | 'ERR_ATTRIBUTE_NOT_CONFIGURED'
  | 'ERR_KEY_ATTRIBUTE_MISSING'
  | 'ERR_INVALID_ATTRIBUTE_VALUE'
  // stored item on decrypt
  | 'ERR_NOT_ENCRYPTED'
  | 'ERR_HEADER_INVALID'
  | 'ERR_FOOTER_INVALID'
  | 'ERR_LEGEND_MISMATCH'
  | 'ERR_COMMITMENT_MISMATCH'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_DECRYPTION_FAILED'
  // keys and keyrings
  | 'ERR_KEYRING'
  | 'ERR_NO_DECRYPTABLE_KEY'
  | 'ERR_BRANCH_KEY_NOT_FOUND'
  // client integration
  | 'ERR_UNSUPPORTED_OPERATION'
  | 'ERR_PROJECTION_INCOMPLETE'
  | 'ERR_CONFLICT'
  // local stack
  | 'ERR_LOCAL_STACK'

export class EncryptorError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** The table configuration cannot be used; fix the config. */
export class ConfigError extends EncryptorError {}

/** The item given to encrypt cannot be written as configured; fix the item or the config. */
export class ItemInputError extends EncryptorError {}

/** A stored item failed verification or decryption; nothing of it is returned. */
export class ItemVerificationError extends EncryptorError {}

/** A keyring could not produce or recover a key. */
export class KeyringError extends EncryptorError {}

/** A DynamoDB request that the encrypted client refuses or could not complete safely. */
export class ClientOperationError extends EncryptorError {}

export function isEncryptorError(error: unknown, code?: ErrorCode): error is EncryptorError {
  return error instanceof EncryptorError && (code === undefined || error.code === code)
}
