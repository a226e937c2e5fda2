import { GenerateDataKeyWithoutPlaintextCommand, ReEncryptCommand } from '@aws-sdk/client-kms'
import { KeyringError } from '../../errors'
import type { EncryptionContext } from '../keyring'
import { describeError } from '../keyrings/diagnostics'
import type { KeyStoreContext } from './context'
import { BRANCH_KEY_LENGTH } from './record-format'

/** A new branch (or beacon) key that never leaves KMS in plaintext: GenerateDataKeyWithoutPlaintext under `keyArn`. */
export async function generateWrappedKey(context: KeyStoreContext, keyArn: string, encryptionContext: EncryptionContext, what: string): Promise<Uint8Array> {
  const response = await kmsCall(context, `GenerateDataKeyWithoutPlaintext (${what})`, () =>
    context.kmsClient.send(
      new GenerateDataKeyWithoutPlaintextCommand({
        KeyId: keyArn,
        NumberOfBytes: BRANCH_KEY_LENGTH,
        EncryptionContext: encryptionContext,
        GrantTokens: context.grantTokens,
      }),
    ),
  )
  return requireCiphertext(context, response.CiphertextBlob, what)
}

/**
 * Moves a wrapped key from one encryption context to another inside KMS (ReEncrypt). With the same context on both
 * sides it proves the stored ciphertext and attributes are authentic without exposing the key.
 */
export async function reEncryptWrappedKey(
  context: KeyStoreContext,
  keyArn: string,
  ciphertext: Uint8Array,
  from: EncryptionContext,
  to: EncryptionContext,
  what: string,
): Promise<Uint8Array> {
  const response = await kmsCall(context, `ReEncrypt (${what})`, () =>
    context.kmsClient.send(
      new ReEncryptCommand({
        SourceKeyId: keyArn,
        SourceEncryptionContext: from,
        CiphertextBlob: ciphertext,
        DestinationKeyId: keyArn,
        DestinationEncryptionContext: to,
        GrantTokens: context.grantTokens,
      }),
    ),
  )
  return requireCiphertext(context, response.CiphertextBlob, what)
}

async function kmsCall<T>(context: KeyStoreContext, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw new KeyringError('ERR_KEYRING', `Branch key store ${context.tableName}: KMS ${operation} failed: ${describeError(error)}`, { cause: error })
  }
}

function requireCiphertext(context: KeyStoreContext, ciphertext: Uint8Array | undefined, what: string): Uint8Array {
  if (ciphertext === undefined || ciphertext.byteLength === 0) {
    throw new KeyringError('ERR_KEYRING', `Branch key store ${context.tableName}: KMS returned no ciphertext for the ${what}.`)
  }
  return ciphertext
}
