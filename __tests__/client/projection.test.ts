import { compileProjection } from '../../lib/client/projection'

const item = {
  pk: { S: 'p' },
  name: { S: 'n' },
  profile: { M: { email: { S: 'e' }, phone: { S: 't' }, address: { M: { city: { S: 'c' }, zip: { S: 'z' } } } } },
  list: { L: [{ S: 'l0' }, { S: 'l1' }, { M: { x: { N: '1' }, y: { N: '2' } } }, { S: 'l3' }] },
}

describe('compileProjection', () => {
  it('keeps whole top-level attributes', () => {
    expect(compileProjection('pk, name', undefined, 'p')(item)).toEqual({ pk: { S: 'p' }, name: { S: 'n' } })
  })

  it('keeps nested map fields in their structure', () => {
    expect(compileProjection('profile.email, #p.address.city', { '#p': 'profile' }, 'p')(item)).toEqual({
      profile: { M: { email: { S: 'e' }, address: { M: { city: { S: 'c' } } } } },
    })
  })

  it('keeps list elements in index order, skipping missing ones', () => {
    expect(compileProjection('list[3], list[0], list[9]', undefined, 'p')(item)).toEqual({ list: { L: [{ S: 'l0' }, { S: 'l3' }] } })
    expect(compileProjection('list[2].y', undefined, 'p')(item)).toEqual({ list: { L: [{ M: { y: { N: '2' } } }] } })
  })

  it('omits paths that do not exist or do not match the type', () => {
    expect(compileProjection('missing, name.inner, profile[0], list.x', undefined, 'p')(item)).toEqual({})
  })

  it('treats names like toString, constructor and __proto__ as attribute names: own properties only, set as data', () => {
    const stored = JSON.parse('{"pk":{"S":"p"},"__proto__":{"S":"role-admin"},"m":{"M":{"__proto__":{"S":"inner"}}}}') as Record<string, never>
    const names = { '#p': '__proto__' }
    const projected = compileProjection('pk, toString, m.constructor, #p, m.#p', names, 'p')(stored)
    expect(Object.keys(projected)).toEqual(['pk', 'm', '__proto__'])
    expect(Object.getPrototypeOf(projected)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(projected, '__proto__')?.value).toEqual({ S: 'role-admin' })
    const inner = (projected.m as { M: Record<string, unknown> }).M
    expect(Object.keys(inner)).toEqual(['__proto__'])
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toEqual({ S: 'inner' })
    expect(compileProjection('toString, m.constructor', undefined, 'p')({ pk: { S: 'p' }, m: { M: {} } })).toEqual({})
  })

  it('refuses overlapping and conflicting paths as DynamoDB does', () => {
    expect(() => compileProjection('profile, profile.email', undefined, 'p')).toThrow(/overlap/)
    expect(() => compileProjection('profile.email, profile', undefined, 'p')).toThrow(/overlap/)
    expect(() => compileProjection('a.b, a[0]', undefined, 'p')).toThrow(/overlap or conflict/)
    expect(() => compileProjection('a, a', undefined, 'p')).toThrow(/overlap/)
  })
})
