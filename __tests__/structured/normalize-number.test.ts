import fc from 'fast-check'
import { ItemInputError } from '../../lib/errors'
import { normalizeNumber } from '../../lib/structured'
import { isNumberSyntax } from '../../lib/structured/normalize-number'

/** The outcome of normalizing `text`: its normal form, or the kind of refusal. */
function outcome(text: string): string {
  try {
    return `ok ${normalizeNumber(text)}`
  } catch (error) {
    if (!(error instanceof ItemInputError)) throw error
    const reason = ['no digits', 'not a valid number', 'significant digits', 'too large', 'too small'].find((r) => error.message.includes(r))
    return `refused ${reason ?? error.message}`
  }
}

describe('normalizeNumber', () => {
  it.each([
    // examples from dbesdk-format.md §1
    ['0800.000e0', '800'],
    ['00.0011', '0.0011'],
    ['0000', '0'],
    ['2000.000', '2000'],
    ['1e3', '1000'],
    ['1.5E-3', '0.0015'],
    ['+12.50', '12.5'],
    ['1E-130', `0.${'0'.repeat(129)}1`],
    // more edges
    ['-0', '0'],
    ['-0.000e7', '0'],
    ['0e999999999999999', '0'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-.5e1', '-5'],
    ['1.e2', '100'],
    ['123.4560', '123.456'],
    ['-123.456e-2', '-1.23456'],
    ['1e+2', '100'],
    ['1E125', `1${'0'.repeat(125)}`],
    ['9.9999999999999999999999999999999999999E125', `99999999999999999999999999999999999999${'0'.repeat(88)}`],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['0.00000000000000000000000000000000000000000012345678901234567890123456789012345678', '0.00000000000000000000000000000000000000000012345678901234567890123456789012345678'],
    [`123${'0'.repeat(60)}`, `123${'0'.repeat(60)}`],
  ])('%s → %s', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected)
  })

  it.each([
    ['', 'no digits'],
    ['.', 'no digits'],
    ['-', 'no digits'],
    ['e5', 'no digits'],
    ['1e', 'not a valid number'],
    ['1e+', 'not a valid number'],
    ['--1', 'not a valid number'],
    ['+-1', 'not a valid number'],
    ['1e+-3', 'not a valid number'],
    ['1.2.3', 'not a valid number'],
    [' 1', 'not a valid number'],
    ['1 ', 'not a valid number'],
    ['NaN', 'not a valid number'],
    ['Infinity', 'not a valid number'],
    ['0x10', 'not a valid number'],
    ['１', 'not a valid number'],
    ['123456789012345678901234567890123456789', 'significant digits'],
    ['1.23456789012345678901234567890123456789', 'significant digits'],
    ['1e126', 'too large'],
    ['-1E126', 'too large'],
    ['1e999999999999999999', 'too large'],
    ['1e-131', 'too small'],
    ['0.1e-130', 'too small'],
    ['1e-999999999999999999', 'too small'],
  ])('refuses %j (%s) with ERR_INVALID_ATTRIBUTE_VALUE naming the value', (input, reason) => {
    let error: unknown
    try {
      normalizeNumber(input)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ItemInputError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ATTRIBUTE_VALUE' })
    expect((error as Error).message).toContain(reason)
    expect((error as Error).message).toContain(`"${input.slice(0, 20)}`)
  })

  it.each([
    ['-12345678901234567890123456789012345678', 'ok -12345678901234567890123456789012345678'],
    ['1234567890123456789012345678901234567.8', 'ok 1234567890123456789012345678901234567.8'],
    ['-1234567890123456789012345678901234567.8', 'ok -1234567890123456789012345678901234567.8'],
    ['1234567890123456789012345678901234567.89', 'refused significant digits'],
    ['-123456789012345678901234567890123456789', 'refused significant digits'],
    ['0', 'ok 0'],
    ['-0', 'ok 0'],
    ['-7', 'ok -7'],
    ['10', 'ok 10'],
    ['10.50', 'ok 10.5'],
    ['010', 'ok 10'],
  ])('numbers at the edge of the normal form: %s → %s', (input, expected) => {
    expect(outcome(input)).toBe(expected)
  })

  it('gives the same result for a number written with and without an exponent (500 seeded numbers)', () => {
    const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`))
    const numberText = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.oneof(digits(3), digits(45)), fc.option(fc.oneof(digits(3), digits(45)), { nil: undefined }))
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`)
    fc.assert(
      fc.property(numberText, (text) => {
        // "e0" changes no value but takes the text off the normal-form shortcut.
        expect(outcome(text)).toBe(outcome(`${text}e0`).replace(`${text}e0`, text))
        expect(isNumberSyntax(text)).toBe(isNumberSyntax(`${text}e0`))
      }),
      { seed: 20261129, numRuns: 500 },
    )
  })

  it('is idempotent on its own output', () => {
    for (const input of ['0800.000e0', '1E-130', '-123.456e-2', '1E125', '0.00042']) {
      const once = normalizeNumber(input)
      expect(normalizeNumber(once)).toBe(once)
    }
  })
})
