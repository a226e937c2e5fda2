/** What the keyrings put in error messages. EDK fields come from stored items, so they are untrusted: print only short ASCII. */
import { bufferView } from '../../structured/bytes'

const MAX_SHOWN = 160

/** The printable ASCII prefix of untrusted text, shortened; an ARN or key name survives, binary does not. */
export function printablePrefix(text: string): string {
  const match = /^[\x20-\x7e]*/.exec(text)
  const prefix = match === null ? '' : match[0]
  return prefix.length > MAX_SHOWN ? `${prefix.slice(0, MAX_SHOWN)}…` : prefix
}

/**
 * Names an EDK for a reader: `aws-kms arn:aws:kms:…` or `my-namespace my-key-name` (the printable start of a raw
 * keyring's binary provider info is its key name).
 */
export function describeEncryptedDataKey(edk: { providerId: string; providerInfo: Uint8Array }): string {
  const providerId = printablePrefix(edk.providerId) || '(non-printable provider id)'
  const info = printablePrefix(bufferView(edk.providerInfo).toString('latin1'))
  return info ? `${providerId} ${info}` : providerId
}

/**
 * One line for an error from the ESDK or the AWS SDK. ESDK keyrings put whole stack traces of the KMS errors into
 * their messages; keep the messages, drop the frames.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return printablePrefix(String(error))
  const lines = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '))
  const name = error.name && error.name !== 'Error' && !lines[0]?.startsWith(error.name) ? `${error.name}: ` : ''
  const text = `${name}${lines.join(' ')}`
  return text.length > 400 ? `${text.slice(0, 400)}…` : text
}
