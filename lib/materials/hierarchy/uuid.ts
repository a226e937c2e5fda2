import { ConfigError } from '../../errors'
import { bufferView } from '../../structured/bytes'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const UUID_BYTES = 16

export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID_PATTERN.test(text)
}

/** The 16 raw bytes of a UUID string; hierarchy EDKs store the branch key version this way. */
export function uuidToBytes(uuid: string, field: string): Buffer {
  if (!isUuid(uuid)) {
    throw new ConfigError('ERR_CONFIG_INVALID', `${field}: expected a UUID such as e9ce18a3-edb5-4272-9f86-1cacb7997ff6, got "${String(uuid).slice(0, 64)}".`)
  }
  return Buffer.from(uuid.replace(/-/g, ''), 'hex')
}

/** Lower-case canonical UUID text of 16 bytes (the key store writes versions in lower case). */
export function bytesToUuid(bytes: Uint8Array): string {
  const hex = bufferView(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
