import { TablePolicy } from '../../lib/client/table-policy'
import { isEncryptorError } from '../../lib/errors'
import type { TableEncryptionConfig } from '../../lib/types'

const config = {
  partitionKeyName: 'pk',
  sortKeyName: 'sk',
  attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', sk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', plan: 'SIGN_ONLY', lastSeen: 'DO_NOTHING' },
  allowedUnsignedAttributes: ['lastSeen'],
  allowedUnsignedAttributePrefix: 'u_',
  keyring: {} as TableEncryptionConfig['keyring'],
} satisfies TableEncryptionConfig
const policy = new TablePolicy('Orders', config)

function refusalOf(fn: () => void): string {
  try {
    fn()
  } catch (error) {
    expect(isEncryptorError(error, 'ERR_UNSUPPORTED_OPERATION')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

describe('TablePolicy', () => {
  it('classifies attributes', () => {
    expect(policy.classify('secret')).toBe('ENCRYPTED')
    expect(policy.classify('plan')).toBe('SIGNED')
    expect(policy.classify('lastSeen')).toBe('UNSIGNED')
    expect(policy.classify('u_counter')).toBe('UNSIGNED')
    expect(policy.classify('aws:rep:updateregion')).toBe('UNSIGNED')
    expect(policy.classify('aws_dbe_head')).toBe('RESERVED')
    expect(policy.classify('other')).toBe('UNCONFIGURED')
    expect(policy.classify('constructor')).toBe('UNCONFIGURED')
  })

  it('refuses conditions on encrypted attributes, naming table and attribute', () => {
    const message = refusalOf(() => policy.refuseEncryptedReferences('#s = :v', { '#s': 'secret' }, 'PutItem', 'ConditionExpression'))
    expect(message).toMatch(/PutItem on encrypted table "Orders": ConditionExpression references "secret"/)
    expect(() => policy.refuseEncryptedReferences('plan = :v AND attribute_exists(lastSeen)', undefined, 'PutItem', 'ConditionExpression')).not.toThrow()
  })

  it('allows updates of unsigned attributes that read signed ones', () => {
    expect(() => policy.refuseUnsafeUpdate('SET lastSeen = plan, u_n = u_n + :one REMOVE u_old', undefined, 'UpdateItem')).not.toThrow()
  })

  it.each([
    ['SET plan = :p', /SET "plan": the attribute is signed/],
    ['SET secret = :s', /SET "secret": the attribute is ENCRYPT_AND_SIGN/],
    ['REMOVE #x', /REMOVE "secret"/],
    ['ADD other :n', /"other": the attribute has no crypto action/],
    ['SET aws_dbe_head = :h', /reserved/],
    ['SET lastSeen = secret', /reads "secret", which is ENCRYPT_AND_SIGN: it would copy ciphertext/],
    ['SET lastSeen = list_append(#x, :l)', /reads "secret"/],
  ])('refuses %s', (expression, pattern) => {
    const message = refusalOf(() => policy.refuseUnsafeUpdate(expression, { '#x': 'secret' }, 'UpdateItem'))
    expect(message).toMatch(pattern)
  })

  it('points to updateEncryptedItem when refusing a signed update', () => {
    expect(refusalOf(() => policy.refuseUnsafeUpdate('SET plan = :p', undefined, 'UpdateItem'))).toMatch(/updateEncryptedItem/)
  })

  it.each(['Expected', 'ScanFilter', 'QueryFilter', 'KeyConditions', 'AttributesToGet', 'AttributeUpdates', 'ConditionalOperator'])(
    'refuses the legacy parameter %s',
    (parameter) => {
      expect(refusalOf(() => policy.refuseLegacyParameters({ [parameter]: {} }, 'Scan'))).toMatch(new RegExp(`Scan\\.${parameter} is a legacy parameter`))
    },
  )
})
