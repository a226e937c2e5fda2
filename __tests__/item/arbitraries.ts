import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import fc from 'fast-check'
import type { CryptoAction, Item } from '../../lib/types'

/** Text of every kind DynamoDB accepts: ASCII, any Unicode scalar (non-BMP included), and the empty string. */
export const text = (minLength = 0, maxLength = 12): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }), fc.constantFrom(...['é', 'café', '𝄞', '\u{10FFFF}', '\uFF61'].filter((s) => s.length >= minLength)))

/** DynamoDB numbers, including the extremes: 38 significant digits, 1e-130 and just under 1e126, zeros and signs. */
export const dynamoNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e100, max: 1e100 }).filter((n) => n === 0 || Math.abs(n) >= 1e-130).map((n) => String(n)),
  fc
    .tuple(fc.constantFrom('', '-', '+'), fc.integer({ min: 1, max: 9 }), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 37 }), fc.integer({ min: -130, max: 125 }))
    .map(([sign, lead, rest, exponent]) => `${sign}${lead}.${rest}E${exponent}`),
  fc.constantFrom('0', '-0', '0.000', '1E-130', '-1E-130', '9.9999999999999999999999999999999999999E+125', '99999999999999999999999999999999999999', '00.0011', '2000.000'),
)

/** Numbers compare as exact decimals; this is how a set of them must be unique. */
function decimalKey(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text) as RegExpExecArray
  let digits = `${match[2]}${match[3] ?? ''}`.replace(/^0+/, '')
  let exponent = Number(match[4] ?? '0') - (match[3] ?? '').length
  if (digits === '') return '0'
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1)
    exponent++
  }
  return `${match[1] === '-' ? '-' : ''}${digits}e${exponent}`
}

const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b))

const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  text().map((S) => ({ S })),
  dynamoNumber.map((N) => ({ N })),
  bytes.map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true }),
  fc.uniqueArray(text(), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
  fc.uniqueArray(dynamoNumber, { minLength: 1, maxLength: 5, selector: decimalKey }).map((NS) => ({ NS })),
  fc.uniqueArray(bytes, { minLength: 1, maxLength: 4, selector: (b) => b.toString('hex') }).map((BS) => ({ BS })),
)

const mapKey = text(1, 8)

/** Any AttributeValue, nested up to `depth` levels of L/M. */
export function attributeValue(depth: number): fc.Arbitrary<AttributeValue> {
  if (depth <= 1) return scalar
  const inner = attributeValue(depth - 1)
  return fc.oneof(
    { weight: 3, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }).map((L) => ({ L })) },
    { weight: 1, arbitrary: fc.dictionary(mapKey, inner, { maxKeys: 3 }).map((M) => ({ M })) },
  )
}

/** A chain of L and M of exactly `levels` levels around a leaf: depth is guaranteed, not left to chance. */
export const deepValue: fc.Arbitrary<AttributeValue> = fc
  .tuple(fc.integer({ min: 5, max: 12 }), scalar, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), mapKey)
  .map(([levels, leaf, kinds, key]) => {
    let value = leaf
    for (let i = 1; i < levels; i++) value = kinds[i] ? { L: [value] } : { M: { [key]: value } }
    return value
  })

export const RESERVED_NAMES = /^aws_dbe_|^aws:rep:/

export interface GeneratedCase {
  item: Item
  actions: Record<string, CryptoAction>
  allowedUnsignedAttributes: string[]
  sortKeyName?: string
}

/**
 * An item plus the config that covers it: key attributes signed (in the encryption context for version 2), other
 * attributes with random actions, some unsigned by name, some by the `u_` prefix.
 */
export function itemCase(version: 1 | 2): fc.Arbitrary<GeneratedCase> {
  const keyValue: fc.Arbitrary<AttributeValue> = fc.oneof(text(1, 10).map((S) => ({ S })), dynamoNumber.map((N) => ({ N })), fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => ({ B: Buffer.from(b) })))
  const actionChoices: CryptoAction[] = version === 2 ? ['ENCRYPT_AND_SIGN', 'SIGN_ONLY', 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', 'DO_NOTHING'] : ['ENCRYPT_AND_SIGN', 'SIGN_ONLY', 'DO_NOTHING']
  const keyAction: CryptoAction = version === 2 ? 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' : 'SIGN_ONLY'
  const name = text(1, 10).filter((n) => !RESERVED_NAMES.test(n) && !n.startsWith('u_') && n !== 'pk' && n !== 'sk')
  return fc
    .record({
      pk: keyValue,
      sk: fc.option(keyValue, { nil: undefined }),
      attributes: fc.uniqueArray(fc.tuple(name, fc.oneof({ weight: 4, arbitrary: attributeValue(6) }, { weight: 1, arbitrary: deepValue }), fc.constantFrom(...actionChoices)), {
        maxLength: 7,
        selector: ([n]) => n,
      }),
      prefixed: fc.option(fc.tuple(text(0, 6), attributeValue(3)), { nil: undefined }),
    })
    .map(({ pk, sk, attributes, prefixed }) => {
      const item: Item = { pk }
      const actions: Record<string, CryptoAction> = { pk: keyAction }
      const allowedUnsignedAttributes: string[] = []
      if (sk !== undefined) {
        item.sk = sk
        actions.sk = keyAction
      }
      for (const [attributeName, value, action] of attributes) {
        Object.defineProperty(item, attributeName, { value, enumerable: true, writable: true, configurable: true })
        actions[attributeName] = action
        if (action === 'DO_NOTHING') allowedUnsignedAttributes.push(attributeName)
      }
      if (prefixed !== undefined) item[`u_${prefixed[0]}`] = prefixed[1]
      return { item, actions, allowedUnsignedAttributes, sortKeyName: sk === undefined ? undefined : 'sk' }
    })
}
