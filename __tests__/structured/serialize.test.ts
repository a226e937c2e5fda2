import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { runInNewContext } from 'node:vm'
import { ItemInputError, ItemVerificationError } from '../../lib/errors'
import {
  TYPE_BINARY,
  TYPE_BINARY_SET,
  TYPE_BOOLEAN,
  TYPE_LIST,
  TYPE_MAP,
  TYPE_NULL,
  TYPE_NUMBER,
  TYPE_NUMBER_SET,
  TYPE_STRING,
  TYPE_STRING_SET,
  deserializeValue,
  serializeValue,
  toTypeIdBytes,
} from '../../lib/structured'

const hex = (value: AttributeValue): string => serializeValue(value, 'attr').bytes.toString('hex')
const utf8Hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex')
const u32 = (n: number): string => n.toString(16).padStart(8, '0')
const bin = (...bytes: number[]): Uint8Array => new Uint8Array(bytes)

function roundTrip(value: AttributeValue): AttributeValue {
  const { typeId, bytes } = serializeValue(value, 'attr')
  return deserializeValue(typeId, bytes, 'attr')
}

function errorOf(action: () => unknown): Error & { code?: string } {
  try {
    action()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected an error')
}

describe('type ids (§1 table)', () => {
  it.each([
    [{ NULL: true }, TYPE_NULL, '0000'],
    [{ S: 'x' }, TYPE_STRING, '0001'],
    [{ N: '1' }, TYPE_NUMBER, '0002'],
    [{ B: bin(1) }, TYPE_BINARY, 'ffff'],
    [{ BOOL: true }, TYPE_BOOLEAN, '0004'],
    [{ SS: ['a'] }, TYPE_STRING_SET, '0101'],
    [{ NS: ['1'] }, TYPE_NUMBER_SET, '0102'],
    [{ BS: [bin(1)] }, TYPE_BINARY_SET, '01ff'],
    [{ M: {} }, TYPE_MAP, '0200'],
    [{ L: [] }, TYPE_LIST, '0300'],
  ] as Array<[AttributeValue, number, string]>)('%j has type id %s', (value, typeId, wire) => {
    expect(serializeValue(value, 'attr').typeId).toBe(typeId)
    expect(toTypeIdBytes(typeId).toString('hex')).toBe(wire)
  })
})

describe('value bytes (hand-built from the §1 layout)', () => {
  it('encodes scalars', () => {
    expect(hex({ NULL: true })).toBe('')
    expect(hex({ S: '' })).toBe('')
    expect(hex({ S: 'Junk' })).toBe('4a756e6b')
    expect(hex({ S: 'é𐀂' })).toBe('c3a9f0908082')
    expect(hex({ N: '0800.000e0' })).toBe(utf8Hex('800'))
    expect(hex({ B: bin(0, 255) })).toBe('00ff')
    expect(hex({ BOOL: true })).toBe('01')
    expect(hex({ BOOL: false })).toBe('00')
  })

  it('encodes sets as u32 count then u32-length members, SS in UTF-16 code-unit order (U+FF61 after U+10002)', () => {
    expect(hex({ SS: ['\uFF61', '\u{10002}', 'b', 'a'] })).toBe(
      u32(4) + u32(1) + '61' + u32(1) + '62' + u32(4) + 'f0908082' + u32(3) + 'efbda1',
    )
  })

  it('normalizes NS members before sorting them as ASCII', () => {
    expect(hex({ NS: ['10', '9.0', '-1e0', '1e2'] })).toBe(
      u32(4) + u32(2) + utf8Hex('-1') + u32(2) + utf8Hex('10') + u32(3) + utf8Hex('100') + u32(1) + utf8Hex('9'),
    )
  })

  it('sorts BS by bytes with a proper prefix first, and allows an empty member', () => {
    expect(hex({ BS: [bin(2), bin(1, 0), bin(), bin(1)] })).toBe(u32(4) + u32(0) + u32(1) + '01' + u32(2) + '0100' + u32(1) + '02')
  })

  it('encodes an empty set as 00000000', () => {
    expect(hex({ SS: [] })).toBe('00000000')
  })

  it('encodes lists in order with a type id and u32 length per element', () => {
    expect(hex({ L: [{ S: 'b' }, { NULL: true }, { N: '1' }] })).toBe(u32(3) + '0001' + u32(1) + '62' + '0000' + u32(0) + '0002' + u32(1) + '31')
  })

  it('encodes maps sorted by UTF-16 code units, each entry 0001 || u32 keyLen || key || typeId || u32 len || value', () => {
    const expected =
      u32(3) +
      '0001' + u32(1) + '61' + '0004' + u32(1) + '01' +
      '0001' + u32(4) + 'f0908082' + '0001' + u32(1) + '78' +
      '0001' + u32(3) + 'efbda1' + '0000' + u32(0)
    expect(hex({ M: { '\uFF61': { NULL: true }, '\u{10002}': { S: 'x' }, a: { BOOL: true } } })).toBe(expected)
  })
})

describe('round trips', () => {
  const nested: AttributeValue = {
    M: {
      s: { S: 'text with 𝄞 and é' },
      empty: { S: '' },
      n: { N: '-12.5' },
      b: { B: bin(0, 1, 2, 255) },
      emptyB: { B: bin() },
      t: { BOOL: true },
      f: { BOOL: false },
      z: { NULL: true },
      ss: { SS: ['a', 'b', '\u{10002}', '\uFF61'] },
      ns: { NS: ['-1', '0.5', '10'] },
      bs: { BS: [bin(), bin(1)] },
      l: { L: [{ L: [{ M: { deep: { S: 'yes' } } }] }, { S: 'after' }, { L: [] }, { M: {} }] },
    },
  }

  it.each([
    { NULL: true },
    { S: '' },
    { S: '𝄞 non-BMP and U+FFFF \uFFFF' },
    { N: '3.14' },
    { B: bin() },
    { B: bin(1, 2, 3) },
    { BOOL: false },
    { SS: [''] },
    { NS: ['1'] },
    { BS: [bin()] },
    { L: [] },
    { M: {} },
    nested,
  ] as AttributeValue[])('%j', (value) => {
    expect(roundTrip(value)).toEqual(value)
  })

  it('keeps a leading U+FEFF in strings, map keys and set members (a character, not a byte order mark to drop)', () => {
    const value: AttributeValue = { M: { '\uFEFFa': { S: '\uFEFFabc' }, a: { L: [{ S: '\uFEFF' }] }, s: { SS: ['a', '\uFEFFa'] } } }
    const back = roundTrip(value)
    expect(back).toEqual({ M: { '\uFEFFa': { S: '\uFEFFabc' }, a: { L: [{ S: '\uFEFF' }] }, s: { SS: ['a', '\uFEFFa'] } } })
    expect(Object.keys(back.M!)).toHaveLength(3)
    expect(deserializeValue(TYPE_STRING, Buffer.from('efbbbf616263', 'hex'), 's')).toEqual({ S: '\uFEFFabc' })
  })

  it('keeps a "__proto__" map key as plain data', () => {
    const value: AttributeValue = { M: JSON.parse('{"__proto__": {"S": "data"}}') as Record<string, AttributeValue> }
    const back = roundTrip(value) as AttributeValue.MMember
    expect(Object.keys(back.M)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(back.M)).toBe(Object.prototype)
    expect(back.M.__proto__).toEqual({ S: 'data' })
  })

  it('keeps map keys named like Object.prototype members as own data, past a setter planted on Object.prototype', () => {
    const seen: unknown[] = []
    Object.defineProperty(Object.prototype, 'planted', { set: (value: unknown) => seen.push(value), configurable: true })
    try {
      const value: AttributeValue = { M: { toString: { S: 't' }, constructor: { N: '1' }, hasOwnProperty: { BOOL: true }, planted: { S: 'p' } } }
      const back = roundTrip(value) as AttributeValue.MMember
      expect(Object.keys(back.M)).toEqual(['constructor', 'hasOwnProperty', 'planted', 'toString'])
      expect(Object.getOwnPropertyDescriptor(back.M, 'planted')?.value).toEqual({ S: 'p' })
      expect(Object.getOwnPropertyDescriptor(back.M, 'toString')?.value).toEqual({ S: 't' })
      expect(seen).toEqual([])
    } finally {
      delete (Object.prototype as Record<string, unknown>).planted
    }
  })

  it('refuses a stored map that holds the key "__proto__" twice', () => {
    const entry = toTypeIdBytes(TYPE_STRING).toString('hex') + u32(9) + utf8Hex('__proto__') + toTypeIdBytes(TYPE_NULL).toString('hex') + u32(0)
    const bytes = Buffer.from(u32(2) + entry + entry, 'hex')
    const error = errorOf(() => deserializeValue(TYPE_MAP, bytes, 'attr'))
    expect(error).toBeInstanceOf(ItemVerificationError)
    expect(error.message).toContain('the key of map entry #1 appears twice')
  })

  it('names map entries by position, never by their keys (the value may have been encrypted)', () => {
    const secretKey = 'diagnosis-HIV-positive'
    const entry = (key: string, valueHex: string): string => toTypeIdBytes(TYPE_STRING).toString('hex') + u32(Buffer.byteLength(key)) + utf8Hex(key) + valueHex
    const nullValue = toTypeIdBytes(TYPE_NULL).toString('hex') + u32(0)
    const badNumber = toTypeIdBytes(TYPE_NUMBER).toString('hex') + u32(2) + utf8Hex('1x')
    const duplicate = errorOf(() => deserializeValue(TYPE_MAP, Buffer.from(u32(2) + entry(secretKey, nullValue).repeat(2), 'hex'), 'medical'))
    const nested = errorOf(() => deserializeValue(TYPE_MAP, Buffer.from(u32(2) + entry('ok', nullValue) + entry(secretKey, badNumber), 'hex'), 'medical'))
    expect(nested.message).toContain('"medical{map entry #1}"')
    for (const error of [duplicate, nested]) {
      expect(error.message).toContain('medical')
      expect(error.message).not.toContain('diagnosis')
    }
  })

  it('comes back normalized and sorted (lossless, not byte-identical input)', () => {
    expect(roundTrip({ N: '1e3' })).toEqual({ N: '1000' })
    expect(roundTrip({ NS: ['1e1', '2'] })).toEqual({ NS: ['10', '2'] })
    expect(roundTrip({ SS: ['b', 'a'] })).toEqual({ SS: ['a', 'b'] })
  })

  it('returns binaries as copies, not views of the input buffer', () => {
    const { typeId, bytes } = serializeValue({ B: bin(7, 8) }, 'attr')
    const back = deserializeValue(typeId, bytes, 'attr') as AttributeValue.BMember
    bytes[0] = 0
    expect(back.B).toEqual(bin(7, 8))
  })
})

describe('nesting depth (the attribute value is level 1, every value at most 32, as DB-ESDK counts)', () => {
  const nestLists = (levels: number): AttributeValue => {
    let value: AttributeValue = { L: [] }
    for (let i = 1; i < levels; i++) value = { L: [value] }
    return value
  }
  const nestMaps = (levels: number): AttributeValue => {
    let value: AttributeValue = { M: { leaf: { S: 'x' } } }
    for (let i = 1; i < levels; i++) value = { M: { k: value } }
    return value
  }

  it('accepts a scalar inside 31 lists or maps, and an empty list as the 32nd level', () => {
    expect(roundTrip(nestLists(32))).toEqual(nestLists(32))
    expect(roundTrip(nestMaps(31))).toEqual(nestMaps(31))
  })

  it('refuses any value at level 33 when serializing, a scalar too, naming the attribute path', () => {
    // 32 maps around a string: the string is level 33, which DB-ESDK refuses to write or read.
    const error = errorOf(() => serializeValue(nestMaps(32), 'Deep'))
    expect(error).toBeInstanceOf(ItemInputError)
    expect(error.code).toBe('ERR_INVALID_ATTRIBUTE_VALUE')
    expect(error.message).toContain('Deep.k.k')
    expect(error.message).toContain('.leaf')
    expect(error.message).toContain('32')
    expect(() => serializeValue(nestLists(33), 'Deep')).toThrow(ItemInputError)
  })

  it('refuses 33 levels when deserializing', () => {
    // Hand-built: 33 nested lists, the innermost empty.
    let bytes = Buffer.from(u32(0), 'hex')
    for (let i = 1; i < 33; i++) bytes = Buffer.concat([Buffer.from(u32(1) + '0300' + u32(bytes.length), 'hex'), bytes])
    const error = errorOf(() => deserializeValue(TYPE_LIST, bytes, 'Deep'))
    expect(error).toBeInstanceOf(ItemVerificationError)
    expect(error.message).toContain('Deep')
    const inner = bytes.subarray(10)
    expect(deserializeValue(TYPE_LIST, inner, 'Deep')).toEqual(nestLists(32))
    // 32 lists around a NULL: the NULL is level 33.
    let withScalar = Buffer.from(u32(1) + '0000' + u32(0), 'hex')
    for (let i = 1; i < 32; i++) withScalar = Buffer.concat([Buffer.from(u32(1) + '0300' + u32(withScalar.length), 'hex'), withScalar])
    expect(errorOf(() => deserializeValue(TYPE_LIST, withScalar, 'Deep')).message).toContain('nested deeper than 32 levels')
  })
})

describe('invalid input is refused with ERR_INVALID_ATTRIBUTE_VALUE naming the attribute', () => {
  it.each([
    ['no type key', {}, 'none'],
    ['two type keys', { S: 'a', N: '1' }, 'S, N'],
    ['unknown type key', { X: 'a' }, 'unknown type key'],
    ['$unknown member', { $unknown: ['X', 1] }, 'unknown type key'],
    ['NULL: false', { NULL: false }, 'NULL: true'],
    ['BOOL as string', { BOOL: 'true' }, 'boolean'],
    ['S as number', { S: 1 }, 'string'],
    ['N as number', { N: 1 }, 'string'],
    ['B as string', { B: 'abc' }, 'Uint8Array'],
    ['B as an object that only claims to be a Uint8Array', { B: { [Symbol.toStringTag]: 'Uint8Array', length: 1, 0: 7 } }, 'Uint8Array'],
    ['B as a Uint16Array', { B: new Uint16Array([1]) }, 'Uint8Array'],
    ['SS not an array', { SS: 'a' }, 'array'],
    ['SS duplicate', { SS: ['a', 'b', 'a'] }, '"a" twice'],
    ['NS duplicate after normalization', { NS: ['1', '1.0'] }, '"1" twice'],
    ['NS duplicate via exponent', { NS: ['100', '1e2'] }, 'twice'],
    ['BS duplicate', { BS: [bin(1), bin(1)] }, 'twice'],
    ['bad number', { N: '1..2' }, '"1..2"'],
    ['bad NS member', { NS: ['1', 'x'] }, '"x"'],
    ['lone surrogate', { S: 'a\uD800b' }, 'surrogate'],
    ['empty map key', { M: { '': { S: 'x' } } }, 'map key of 0'],
    ['not an object', 'text', 'AttributeValue'],
    ['null', null, 'AttributeValue'],
    ['hole in a list', { L: [, { S: 'a' }] }, 'MyAttr[0]'],
    ['hole in SS', { SS: ['a', , 'b'] }, 'string'],
    ['undefined map value', { M: { k: undefined } }, 'MyAttr.k'],
  ] as Array<[string, unknown, string]>)('%s', (_label, value, detail) => {
    const error = errorOf(() => serializeValue(value as AttributeValue, 'MyAttr'))
    expect(error).toBeInstanceOf(ItemInputError)
    expect(error.code).toBe('ERR_INVALID_ATTRIBUTE_VALUE')
    expect(error.message).toContain('MyAttr')
    expect(error.message).toContain(detail)
  })

  it('names the nested path of a bad value', () => {
    const error = errorOf(() => serializeValue({ M: { list: { L: [{ S: 'ok' }, { N: 'bad' }] } } }, 'Top'))
    expect(error.message).toContain('Top.list[1]')
  })

  it('accepts a Buffer as binary', () => {
    expect(serializeValue({ B: Buffer.from([1, 2]) }, 'attr').bytes.toString('hex')).toBe('0102')
  })

  it('accepts a Uint8Array made in another realm, with the same bytes as one made here', () => {
    const foreign = runInNewContext('new Uint8Array([1, 2, 255])') as Uint8Array
    expect(foreign instanceof Uint8Array).toBe(false)
    expect(hex({ B: foreign })).toBe(hex({ B: bin(1, 2, 255) }))
    expect(hex({ BS: [foreign, bin(0)] })).toBe(hex({ BS: [bin(1, 2, 255), bin(0)] }))
  })

  it('ignores type keys whose value is undefined', () => {
    expect(serializeValue({ S: 'a', N: undefined } as unknown as AttributeValue, 'attr').typeId).toBe(TYPE_STRING)
  })
})

describe('deserialization is strict', () => {
  const cases: Array<[string, number, string, string]> = [
    ['trailing bytes after a list', TYPE_LIST, u32(0) + '00', 'trailing'],
    ['list count larger than the bytes', TYPE_LIST, u32(1000), 'count'],
    ['set count larger than the bytes', TYPE_STRING_SET, u32(0xffffffff), 'count'],
    ['map count larger than the bytes', TYPE_MAP, u32(2) + '0001' + u32(1) + '61' + '0000' + u32(0), 'count'],
    ['set member longer than the bytes', TYPE_BINARY_SET, u32(1) + u32(5) + '01', 'past the end'],
    ['list element longer than the bytes', TYPE_LIST, u32(1) + '0001' + u32(2) + '61', 'past the end'],
    ['truncated count', TYPE_LIST, '0000', 'past the end'],
    ['NULL with content', TYPE_NULL, '00', 'NULL'],
    ['BOOL of 2', TYPE_BOOLEAN, '02', 'BOOL'],
    ['BOOL of two bytes', TYPE_BOOLEAN, '0100', 'BOOL'],
    ['invalid UTF-8', TYPE_STRING, 'c3', 'UTF-8'],
    ['overlong UTF-8', TYPE_STRING, 'c0af', 'UTF-8'],
    ['UTF-8 surrogate', TYPE_STRING, 'eda080', 'UTF-8'],
    ['non-numeric N', TYPE_NUMBER, utf8Hex('1x'), 'number'],
    ['empty N', TYPE_NUMBER, '', 'number'],
    ['duplicate SS member', TYPE_STRING_SET, u32(2) + u32(1) + '61' + u32(1) + '61', 'twice'],
    ['duplicate BS member', TYPE_BINARY_SET, u32(2) + u32(0) + u32(0), 'twice'],
    ['duplicate map key', TYPE_MAP, u32(2) + ('0001' + u32(1) + '61' + '0000' + u32(0)).repeat(2), 'twice'],
    ['map key not a string', TYPE_MAP, u32(1) + '0002' + u32(1) + '31' + '0000' + u32(0), 'not a string'],
    ['reserved type id FF00', 0xff00, '', 'reserved'],
    ['unknown type id 0003', 0x0003, '', 'reserved'],
    ['unknown nested type id', TYPE_LIST, u32(1) + '0005' + u32(0), 'reserved'],
  ]

  it.each(cases)('%s', (_label, typeId, bytesHex, detail) => {
    const error = errorOf(() => deserializeValue(typeId, Buffer.from(bytesHex, 'hex'), 'Stored'))
    expect(error).toBeInstanceOf(ItemVerificationError)
    expect(error.code).toBe('ERR_DECRYPTION_FAILED')
    expect(error.message).toContain('Stored')
    expect(error.message).toContain(detail)
  })

  it('reads a number stored without normalization as written (it is signed that way)', () => {
    expect(deserializeValue(TYPE_NUMBER, Buffer.from('1e3'), 'n')).toEqual({ N: '1e3' })
  })

  it('reads sets stored unsorted (older writers) in stored order', () => {
    const bytes = Buffer.from(u32(2) + u32(1) + '62' + u32(1) + '61', 'hex')
    expect(deserializeValue(TYPE_STRING_SET, bytes, 'ss')).toEqual({ SS: ['b', 'a'] })
  })
})
