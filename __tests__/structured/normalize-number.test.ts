import { ItemInputError } from '../../lib/errors'
import { normalizeNumber } from '../../lib/structured'

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

  it('is idempotent on its own output', () => {
    for (const input of ['0800.000e0', '1E-130', '-123.456e-2', '1E125', '0.00042']) {
      const once = normalizeNumber(input)
      expect(normalizeNumber(once)).toBe(once)
    }
  })
})
