import { ItemInputError, ItemVerificationError, KeyringError } from '../errors'
import type { EncryptedDataKeyBytes } from '../materials/keyring'
import { decodeStrictUtf8, encodeStrictUtf8, parseEncryptionContext, serializeEncryptionContext } from './encryption-context'
import type { EncryptionContextMap } from './encryption-context'
import { suiteFromFlavor } from './suite'
import type { AlgorithmSuite } from './suite'
import { bufferView } from './bytes'

export const MESSAGE_ID_LENGTH = 32
export const COMMITMENT_LENGTH = 32
export const MAX_EDK_COUNT = 255
const MAX_U16 = 0xffff

/** Legend bytes: ENCRYPT_AND_SIGN, SIGN_ONLY, SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT. */
export const LEGEND_ENCRYPT = 'e'
export const LEGEND_SIGN = 's'
export const LEGEND_CONTEXT = 'c'
const LEGEND_SYNTAX = /^[esc]*$/

/** The fields of an `aws_dbe_head` value, except the commitment. */
export interface HeaderFields {
  version: 1 | 2
  suite: AlgorithmSuite
  messageId: Buffer
  /** One character per signed attribute in canonical order: 'e', 's' or 'c'. */
  legend: string
  /** The materials' encryption context minus the required keys (the reader rebuilds those). */
  storedEncryptionContext: EncryptionContextMap
  encryptedDataKeys: EncryptedDataKeyBytes[]
}

function u8(value: number): Buffer {
  return Buffer.from([value])
}

function u16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2)
  out.writeUInt16BE(value, 0)
  return out
}

function shortField(bytes: Uint8Array, what: string): Buffer[] {
  if (bytes.length > MAX_U16) throw new KeyringError('ERR_KEYRING', `The encrypted data key ${what} is ${bytes.length} bytes; the header allows at most 65535.`)
  return [u16(bytes.length), bufferView(bytes)]
}

/** Every header byte before the commitment, which is what the commitment MACs. */
export function encodeHeaderBody(fields: HeaderFields): Buffer {
  if (fields.version !== 1 && fields.version !== 2) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `Header version ${String(fields.version)} is not 1 or 2.`)
  }
  if (fields.messageId.length !== MESSAGE_ID_LENGTH) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The message id must be ${MESSAGE_ID_LENGTH} bytes, not ${fields.messageId.length}.`)
  }
  if (!LEGEND_SYNTAX.test(fields.legend) || fields.legend.length > MAX_U16) {
    throw new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', 'The legend must be at most 65535 characters of e, s and c.')
  }
  const edks = fields.encryptedDataKeys
  if (edks.length < 1 || edks.length > MAX_EDK_COUNT) {
    throw new KeyringError('ERR_KEYRING', `An item needs 1 to ${MAX_EDK_COUNT} encrypted data keys, the keyring produced ${edks.length}.`)
  }
  const parts: Buffer[] = [
    u8(fields.version),
    u8(fields.suite.flavor),
    fields.messageId,
    u16(fields.legend.length),
    Buffer.from(fields.legend, 'ascii'),
    serializeEncryptionContext(fields.storedEncryptionContext),
    u8(edks.length),
  ]
  for (const edk of edks) {
    parts.push(...shortField(encodeStrictUtf8(edk.providerId, 'encrypted data key provider id'), 'provider id'))
    parts.push(...shortField(edk.providerInfo, 'provider info'))
    parts.push(...shortField(edk.ciphertext, 'ciphertext'))
  }
  return Buffer.concat(parts)
}

function invalid(problem: string): ItemVerificationError {
  return new ItemVerificationError('ERR_HEADER_INVALID', `Encrypted item header (aws_dbe_head): ${problem}.`)
}

/**
 * Strict parser of an `aws_dbe_head` value: known version and flavor, legend of e/s/c, EDK count
 * 1..255, every length within bounds, exactly 32 commitment bytes at the end and nothing after. Everything returned
 * is a view of one private copy of `bytes` (`header`), so a caller that changes its bytes meanwhile changes nothing here.
 */
export function parseHeader(bytes: Uint8Array): { fields: HeaderFields; header: Buffer; body: Buffer; commitment: Buffer } {
  const buf = Buffer.from(bytes)
  if (buf.length < 2 + MESSAGE_ID_LENGTH + 2 + 2 + 1 + COMMITMENT_LENGTH) throw invalid(`${buf.length} bytes is too short`)
  const bodyEnd = buf.length - COMMITMENT_LENGTH
  let cursor = 0
  const need = (n: number, what: string): void => {
    if (cursor + n > bodyEnd) throw invalid(`the ${what} runs into the commitment`)
  }

  const version = buf[cursor++]
  if (version !== 1 && version !== 2) throw invalid(`version ${version} is not supported (expected 1 or 2)`)
  const flavor = buf[cursor++]
  if (flavor !== 0 && flavor !== 1) throw invalid(`unknown algorithm suite flavor 0x${flavor.toString(16).padStart(2, '0')}`)
  const suite = suiteFromFlavor(flavor)
  const messageId = buf.subarray(cursor, cursor + MESSAGE_ID_LENGTH)
  cursor += MESSAGE_ID_LENGTH

  need(2, 'legend length')
  const legendLength = buf.readUInt16BE(cursor)
  cursor += 2
  need(legendLength, 'legend')
  const legend = buf.toString('latin1', cursor, cursor + legendLength)
  if (!LEGEND_SYNTAX.test(legend)) throw invalid('the legend holds a byte other than e, s or c')
  cursor += legendLength

  let parsedContext: { context: EncryptionContextMap; end: number }
  try {
    parsedContext = parseEncryptionContext(buf.subarray(0, bodyEnd), cursor)
  } catch (error) {
    throw invalid(error instanceof Error ? error.message.replace(/^Encrypted item header: /, '').replace(/\.$/, '') : 'bad encryption context')
  }
  cursor = parsedContext.end

  need(1, 'encrypted data key count')
  const edkCount = buf[cursor++]
  if (edkCount < 1) throw invalid('it has no encrypted data keys')
  const encryptedDataKeys: EncryptedDataKeyBytes[] = []
  const readField = (what: string): Buffer => {
    need(2, `${what} length`)
    const length = buf.readUInt16BE(cursor)
    cursor += 2
    need(length, what)
    const field = buf.subarray(cursor, cursor + length)
    cursor += length
    return field
  }
  for (let i = 0; i < edkCount; i++) {
    const providerIdBytes = readField(`provider id of encrypted data key ${i}`)
    const providerId = decodeStrictUtf8(providerIdBytes)
    if (providerId === undefined) throw invalid(`the provider id of encrypted data key ${i} is not valid UTF-8`)
    const providerInfo = readField(`provider info of encrypted data key ${i}`)
    const ciphertext = readField(`ciphertext of encrypted data key ${i}`)
    encryptedDataKeys.push({ providerId, providerInfo, ciphertext })
  }
  if (cursor !== bodyEnd) throw invalid(`${bodyEnd - cursor} unexpected bytes before the commitment`)

  return {
    fields: { version, suite, messageId, legend, storedEncryptionContext: parsedContext.context, encryptedDataKeys },
    header: buf,
    body: buf.subarray(0, bodyEnd),
    commitment: buf.subarray(bodyEnd),
  }
}
