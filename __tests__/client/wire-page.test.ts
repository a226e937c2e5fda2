import { isEncryptorError } from '../../lib/errors'
import { readWireItem, takeItem, takeItems, takeResponses, type WireItem } from '../../lib/client/wire-page'

const bytes = (text: string) => new Uint8Array(Buffer.from(text))
const base64 = (data: number[]) => Buffer.from(data).toString('base64')

describe('takeItems', () => {
  it('takes Items out and leaves every other field of the page for the SDK', () => {
    const page = {
      Count: 2,
      Items: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }],
      LastEvaluatedKey: { pk: { S: 'b' }, sk: { N: '2' } },
      ScannedCount: 3,
      ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 },
    }
    const split = takeItems(bytes(JSON.stringify(page)))
    expect(split?.items).toEqual(page.Items)
    const { Items: _items, ...rest } = page
    expect(JSON.parse(Buffer.from(split?.rest ?? []).toString('utf8'))).toEqual(rest)
  })

  it('reads a body given as a view into a larger buffer', () => {
    const framed = Buffer.from(`xxxx${JSON.stringify({ Items: [{ pk: { S: 'a' } }] })}yyyy`)
    const view = new Uint8Array(framed.buffer, framed.byteOffset + 4, framed.length - 8)
    expect(takeItems(view)?.items).toEqual([{ pk: { S: 'a' } }])
  })

  it.each([
    ['not JSON', 'not json {'],
    ['a JSON array', '[1, 2]'],
    ['a page without Items', JSON.stringify({ Count: 0 })],
    ['Items that is not an array', JSON.stringify({ Items: { pk: { S: 'a' } } })],
    ['an item that is not an object', JSON.stringify({ Items: [{ pk: { S: 'a' } }, 'b'] })],
  ])('leaves %s to the SDK', (_label, body) => {
    expect(takeItems(bytes(body))).toBeUndefined()
  })
})

describe('takeItem', () => {
  it('takes GetItem’s Item out and leaves every other field for the SDK', () => {
    const response = { Item: { pk: { S: 'a' }, blob: { B: base64([1, 2]) } }, ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 } }
    const split = takeItem(bytes(JSON.stringify(response)))
    expect(split?.item).toEqual(response.Item)
    expect(JSON.parse(Buffer.from(split?.rest ?? []).toString('utf8'))).toEqual({ ConsumedCapacity: response.ConsumedCapacity })
  })

  it('keeps an attribute named "__proto__" as an attribute of the item', () => {
    const split = takeItem(bytes('{"Item":{"__proto__":{"S":"p"},"pk":{"S":"a"}}}'))
    expect(Object.keys(split?.item ?? {})).toEqual(['__proto__', 'pk'])
    expect(Object.getPrototypeOf(split?.item)).toBe(Object.prototype)
  })

  it.each([
    ['not JSON', 'not json {'],
    ['a JSON array', '[1, 2]'],
    ['a response without Item (no such item)', JSON.stringify({ ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 } })],
    ['an Item that is not an object', JSON.stringify({ Item: [{ pk: { S: 'a' } }] })],
    ['an Item that is null', JSON.stringify({ Item: null })],
  ])('leaves %s to the SDK', (_label, body) => {
    expect(takeItem(bytes(body))).toBeUndefined()
  })
})

describe('takeResponses', () => {
  const response = {
    Responses: {
      orders: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }],
      plain: [{ id: { B: base64([1, 2]) } }],
    },
    UnprocessedKeys: { orders: { Keys: [{ pk: { S: 'c' } }] } },
    ConsumedCapacity: [{ TableName: 'orders', CapacityUnits: 1 }],
  }
  const restOf = (split: { rest: Uint8Array } | undefined): unknown => JSON.parse(Buffer.from(split?.rest ?? []).toString('utf8'))

  it('takes the named tables out of Responses and leaves the other tables and every other field for the SDK', () => {
    const split = takeResponses(bytes(JSON.stringify(response)), (name) => name === 'orders')
    expect([...(split?.responses.keys() ?? [])]).toEqual(['orders'])
    expect(split?.responses.get('orders')).toEqual(response.Responses.orders)
    expect(restOf(split)).toEqual({ ...response, Responses: { plain: response.Responses.plain } })
  })

  it('keeps a table named "__proto__" as an entry, taken or left', () => {
    const body = '{"Responses":{"__proto__":[{"pk":{"S":"p"}}],"orders":[{"pk":{"S":"o"}}]}}'
    const left = takeResponses(bytes(body), (name) => name === 'orders')
    expect(Object.keys((restOf(left) as { Responses: object }).Responses)).toEqual(['__proto__'])
    expect(JSON.parse(Buffer.from(left?.rest ?? []).toString('utf8')).Responses.__proto__).toEqual([{ pk: { S: 'p' } }])
    const taken = takeResponses(bytes(body), (name) => name === '__proto__')
    expect(taken?.responses.get('__proto__')).toEqual([{ pk: { S: 'p' } }])
  })

  it.each([
    ['not JSON', 'not json {', () => true],
    ['a response without Responses', JSON.stringify({ UnprocessedKeys: {} }), () => true],
    ['Responses that is not an object', JSON.stringify({ Responses: [] }), () => true],
    ['a taken table whose items are not an array', JSON.stringify({ Responses: { orders: { pk: { S: 'a' } } } }), () => true],
    ['a taken table with an item that is not an object', JSON.stringify({ Responses: { orders: [{ pk: { S: 'a' } }, 7] } }), () => true],
    ['a response where no table is taken', JSON.stringify(response), () => false],
  ])('leaves %s to the SDK', (_label, body, takes) => {
    expect(takeResponses(bytes(body), takes)).toBeUndefined()
  })
})

describe('readWireItem', () => {
  it('converts binary values at every depth and leaves the other types as sent', () => {
    const unconverted = {
      text: { S: 'plain' },
      number: { N: '12.50' },
      flag: { BOOL: false },
      nothing: { NULL: true },
      texts: { SS: ['a', 'b'] },
      numbers: { NS: ['1', '2'] },
    }
    const wire = JSON.parse(
      JSON.stringify({
        ...unconverted,
        blob: { B: base64([0, 1, 255]) },
        empty: { B: '' },
        blobs: { BS: [base64([1]), base64([2, 3])] },
        nested: { M: { inner: { B: base64([9, 8]) }, list: { L: [{ B: base64([7]) }, { NULL: true }, { M: { deep: { BS: [base64([6])] } } }] } } },
      }),
    ) as WireItem
    const item = readWireItem(wire, 'Query')
    expect(item).toEqual({
      ...unconverted,
      blob: { B: new Uint8Array([0, 1, 255]) },
      empty: { B: new Uint8Array([]) },
      blobs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
      nested: { M: { inner: { B: new Uint8Array([9, 8]) }, list: { L: [{ B: new Uint8Array([7]) }, { NULL: true }, { M: { deep: { BS: [new Uint8Array([6])] } } }] } } },
    })
    expect(item.blob.B).toBeInstanceOf(Uint8Array)
  })

  it('keeps an attribute named __proto__ as an own attribute, not a prototype', () => {
    const wire = JSON.parse('{"__proto__":{"B":"AQI="},"pk":{"S":"a"}}') as WireItem
    const item = readWireItem(wire, 'Scan')
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
    expect(Object.prototype.hasOwnProperty.call(item, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toEqual({ B: new Uint8Array([1, 2]) })
  })

  it.each([
    ['a length that is not a multiple of 4', { blob: { B: 'AQI' } }, 'blob'],
    ['a character outside the alphabet', { blob: { B: 'AQ-=' } }, 'blob'],
    ['padding in the middle', { blob: { B: 'AQ==AQ==' } }, 'blob'],
    ['a bad member of a binary set', { set: { BS: ['AQ==', 'A'] } }, 'set'],
    ['a binary set member that is not a string', { set: { BS: ['AQ==', 4] } }, 'set'],
    ['a bad binary deep in a map', { outer: { M: { list: { L: [{ B: '***' }] } } } }, 'outer'],
  ])('refuses base64 with %s and names the attribute', (_label, wire, name) => {
    try {
      readWireItem(JSON.parse(JSON.stringify(wire)) as WireItem, 'Query')
      throw new Error('expected a refusal')
    } catch (error) {
      expect(isEncryptorError(error, 'ERR_DECRYPTION_FAILED')).toBe(true)
      expect((error as Error).message).toContain(`Query: DynamoDB returned attribute "${name}" with a binary value that is not base64`)
    }
  })

  it('refuses an attribute that is not an AttributeValue', () => {
    expect(() => readWireItem({ pk: 'a' }, 'Scan')).toThrow('Scan: DynamoDB returned attribute "pk" that is not an AttributeValue')
  })
})
