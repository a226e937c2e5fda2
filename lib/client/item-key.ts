import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { normalizeNumber } from '../structured/normalize-number'
import type { Item } from '../types'

/** A key value as people read it in an error message: strings quoted, numbers bare, binary in base64. */
function show(value: AttributeValue | undefined): string {
  if (value === undefined) return '<missing>'
  if (value.S !== undefined) return JSON.stringify(value.S)
  if (value.N !== undefined) return value.N
  if (value.B !== undefined) return `base64:${Buffer.from(value.B).toString('base64')}`
  return '<not a key type>'
}

/** `{customerId="c1", recordType="profile"}`; key attributes are stored in plaintext, so naming them leaks nothing. */
export function describeKey(item: Item, keyAttributes: readonly string[]): string {
  return `{${keyAttributes.map((name) => `${name}=${show(item[name])}`).join(', ')}}`
}

/**
 * A string that is equal for two items exactly when DynamoDB sees their key attribute values as equal: numbers are
 * compared in normal form (`1.0` and `1` are one key).
 */
export function keyFingerprint(item: Item, keyAttributes: readonly string[]): string {
  return JSON.stringify(
    keyAttributes.map((name) => {
      const value = item[name]
      if (value?.S !== undefined) return ['S', value.S]
      if (value?.N !== undefined) return ['N', normalFormOf(value.N)]
      if (value?.B !== undefined) return ['B', Buffer.from(value.B).toString('base64')]
      return ['?']
    }),
  )
}

/** A number's normal form; text that is no number stays as it is (DynamoDB will refuse it). */
function normalFormOf(number: string): string {
  try {
    return normalizeNumber(number)
  } catch {
    return number
  }
}
