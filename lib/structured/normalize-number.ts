import { ItemInputError } from '../errors'

/** DynamoDB numbers: at most 38 significant digits, magnitude in [1e-130, 1e126). */
const MAX_SIGNIFICANT_DIGITS = 38
/** Decimal exponent of the leading digit, as in d.ddd × 10^e. */
const MAX_LEADING_EXPONENT = 125
const MIN_LEADING_EXPONENT = -130

// sign, integer digits, optional fraction, optional exponent; at least one digit is checked below.
const NUMBER_SYNTAX = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/

/**
 * Numbers already in normal form with at most 38 digits, the common case: an integer without leading zeros, or one
 * with a fraction that does not end in 0, and no exponent. With a non-zero leading digit their magnitude is within
 * DynamoDB's range, so they are returned as they are without the full parse.
 */
const NORMAL_FORM = /^-?(?:0|[1-9][0-9]*(?:\.[0-9]*[1-9])?)$/
const MAX_NORMAL_FORM_LENGTH = MAX_SIGNIFICANT_DIGITS + 2

function isShortNormalForm(text: string): boolean {
  if (text.length > MAX_NORMAL_FORM_LENGTH || !NORMAL_FORM.test(text)) return false
  if (text === '-0') return false
  const digits = text.length - (text.startsWith('-') ? 1 : 0) - (text.includes('.') ? 1 : 0)
  return digits <= MAX_SIGNIFICANT_DIGITS
}

/** Whether `text` follows the DynamoDB number grammar (range not checked). */
export function isNumberSyntax(text: string): boolean {
  if (isShortNormalForm(text)) return true
  const match = NUMBER_SYNTAX.exec(text)
  return match !== null && (match[2].length > 0 || (match[3] ?? '').length > 0)
}

function invalid(text: string, reason: string): ItemInputError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
  return new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `The number "${shown}" ${reason}.`)
}

/**
 * Normalizes a DynamoDB number string the way DynamoDB and DB-ESDK do: a plain decimal without
 * exponent, no leading zeros (except one before the point), no trailing fraction zeros, `-0` → `0`.
 * The normalized form is what gets signed and encrypted, so every writer must agree on it.
 */
export function normalizeNumber(text: string): string {
  if (typeof text !== 'string') throw invalid(String(text), 'is not a string')
  if (isShortNormalForm(text)) return text
  const match = NUMBER_SYNTAX.exec(text)
  if (match === null) throw invalid(text, 'is not a valid number (expected digits, an optional point and an optional exponent)')
  const [, sign, integerPart, fractionPart = '', exponentText] = match
  if (integerPart.length + fractionPart.length === 0) throw invalid(text, 'has no digits')

  const allDigits = integerPart + fractionPart
  const firstNonZero = allDigits.search(/[1-9]/)
  if (firstNonZero === -1) return '0'
  let lastNonZero = allDigits.length - 1
  while (allDigits[lastNonZero] === '0') lastNonZero--
  const significant = allDigits.slice(firstNonZero, lastNonZero + 1)
  if (significant.length > MAX_SIGNIFICANT_DIGITS) {
    throw invalid(text, `has ${significant.length} significant digits; DynamoDB keeps at most ${MAX_SIGNIFICANT_DIGITS}`)
  }

  // The exponent only matters within a bounded window; clamp it so absurd exponents cannot blow up the output.
  const exponent = exponentText === undefined ? 0 : clampExponent(exponentText)
  // Position of the decimal point relative to the first significant digit.
  const pointPosition = integerPart.length - firstNonZero + exponent
  const leadingExponent = pointPosition - 1
  if (leadingExponent > MAX_LEADING_EXPONENT) throw invalid(text, 'is too large; DynamoDB numbers must be below 1e126 in magnitude')
  if (leadingExponent < MIN_LEADING_EXPONENT) throw invalid(text, 'is too small; DynamoDB numbers must be at least 1e-130 in magnitude')

  let plain: string
  if (pointPosition <= 0) plain = `0.${'0'.repeat(-pointPosition)}${significant}`
  else if (pointPosition >= significant.length) plain = significant + '0'.repeat(pointPosition - significant.length)
  else plain = `${significant.slice(0, pointPosition)}.${significant.slice(pointPosition)}`
  return sign === '-' ? `-${plain}` : plain
}

function clampExponent(exponentText: string): number {
  const negative = exponentText.startsWith('-')
  const digits = exponentText.replace(/^[+-]/, '').replace(/^0+/, '')
  // Anything beyond 9 digits is out of range whatever the mantissa (the input itself is bounded by item size).
  const magnitude = digits.length > 9 ? 1e9 : Number(digits === '' ? '0' : digits)
  return negative ? -magnitude : magnitude
}
