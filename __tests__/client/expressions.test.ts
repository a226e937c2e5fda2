import { isEncryptorError } from '../../lib/errors'
import {
  analyzeUpdateExpression,
  namePlaceholders,
  projectionPaths,
  referencedAttributes,
} from '../../lib/client/expressions/paths'

const names = { '#s': 'status', '#n': 'nested', '#d': 'dotted.name', '#x': 'x' }
const sorted = (set: Set<string>): string[] => [...set].sort()

describe('referencedAttributes (conditions, filters, key conditions)', () => {
  it.each([
    ['a = :v', ['a']],
    ['#s = :v AND b <> :w', ['b', 'status']],
    ['a.b[0].c > :v OR NOT (d BETWEEN :lo AND :hi)', ['a', 'd']],
    ['attribute_exists(#n.inner) AND size(lst[3]) >= :n', ['lst', 'nested']],
    ['begins_with(#d, :p) and contains(tags, :t)', ['dotted.name', 'tags']],
    ['attribute_type(a, :t) AND e IN (:a, :b, :c)', ['a', 'e']],
    ['pk = :pk and sk between :a and :b', ['pk', 'sk']],
    ['x.#x.#s = :v', ['x']],
    ['size(a)>:v', ['a']],
  ])('%s', (expression, expected) => {
    expect(sorted(referencedAttributes(expression, names, 'ConditionExpression'))).toEqual(expected)
  })

  it('a nested field named like an encrypted attribute does not count as that attribute', () => {
    expect(sorted(referencedAttributes('other.secret = :v', undefined, 'f'))).toEqual(['other'])
  })

  it('refuses an undefined placeholder, naming it', () => {
    expect(() => referencedAttributes('#missing = :v', names, 'PutItem.ConditionExpression')).toThrow(/#missing is not defined in ExpressionAttributeNames/)
    try {
      referencedAttributes('#missing = :v', undefined, 'PutItem.ConditionExpression')
    } catch (error) {
      expect(isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')).toBe(true)
    }
  })

  it('refuses a placeholder used inside a path when undefined', () => {
    expect(() => referencedAttributes('a.#nope = :v', names, 'f')).toThrow(/#nope/)
  })

  it('refuses unknown functions and characters it cannot parse', () => {
    expect(() => referencedAttributes('evil(a) = :v', undefined, 'f')).toThrow(/unknown function evil/)
    expect(() => referencedAttributes("a = 'literal'", undefined, 'f')).toThrow(/cannot parse/)
  })
})

describe('analyzeUpdateExpression', () => {
  it('separates targets from operands across clauses', () => {
    const analysis = analyzeUpdateExpression(
      'SET a = b + :one, #n.c = if_not_exists(d, :z), l = list_append(l, :more) REMOVE e, f[2] ADD counter :inc DELETE tags :t',
      names,
      'UpdateExpression',
    )
    expect(analysis.targets.map((t) => [t.clause, t.attribute])).toEqual([
      ['SET', 'a'],
      ['SET', 'nested'],
      ['SET', 'l'],
      ['REMOVE', 'e'],
      ['REMOVE', 'f'],
      ['ADD', 'counter'],
      ['DELETE', 'tags'],
    ])
    expect(analysis.operands.map((p) => p.attribute)).toEqual(['b', 'd', 'l'])
  })

  it('accepts lowercase clause keywords and clauses in any order', () => {
    const analysis = analyzeUpdateExpression('remove x  set y = :v', undefined, 'u')
    expect(analysis.targets.map((t) => `${t.clause}:${t.attribute}`)).toEqual(['REMOVE:x', 'SET:y'])
  })

  it('refuses malformed updates', () => {
    expect(() => analyzeUpdateExpression('a = :v', undefined, 'u')).toThrow(/must start with SET/)
    expect(() => analyzeUpdateExpression('SET a :v', undefined, 'u')).toThrow(/expected "="/)
    expect(() => analyzeUpdateExpression('REMOVE a = :v', undefined, 'u')).toThrow(/REMOVE takes only/)
  })
})

describe('projectionPaths and namePlaceholders', () => {
  it('parses document paths', () => {
    expect(projectionPaths('a, #n.b[1].c, #d', names, 'p')).toEqual([
      { attribute: 'a', steps: [] },
      { attribute: 'nested', steps: [{ field: 'b' }, { index: 1 }, { field: 'c' }] },
      { attribute: 'dotted.name', steps: [] },
    ])
  })

  it('lists placeholders', () => {
    expect(sorted(namePlaceholders('#a = :v AND #b.#c > :w'))).toEqual(['#a', '#b', '#c'])
  })
})
