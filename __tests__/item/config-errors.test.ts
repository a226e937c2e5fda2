import { randomBytes } from 'node:crypto'
import type { ErrorCode } from '../../lib/errors'
import { ConfigError, ItemInputError, ItemVerificationError } from '../../lib/errors'
import { ItemEncryptor, type ItemEncryptorConfig } from '../../lib/item'
import { hierarchicalKeyring, staticBranchKeyStore } from '../../lib/materials/hierarchy'
import type { AttributeValue, Item } from '../../lib/types'

const branch = { branchKeyId: 'config-branch', branchKeyVersion: '2b1f6c0e-1d4a-4f7e-8a39-5c6d7e8f9a0b', branchKey: randomBytes(32) }
const keyring = hierarchicalKeyring({ branchKeyId: branch.branchKeyId, keyStore: staticBranchKeyStore(branch) })

const base: ItemEncryptorConfig = {
  tableName: 'Orders',
  partitionKeyName: 'pk',
  sortKeyName: 'sk',
  attributeActionsOnEncrypt: { pk: 'SIGN_ONLY', sk: 'SIGN_ONLY', secret: 'ENCRYPT_AND_SIGN', note: 'DO_NOTHING' },
  allowedUnsignedAttributes: ['note'],
  keyring,
}

function construct(config: Partial<ItemEncryptorConfig> & Record<string, unknown>): () => ItemEncryptor {
  return () => new ItemEncryptor({ ...base, ...config } as ItemEncryptorConfig)
}

function configError(code: ErrorCode, ...named: string[]): Error {
  return expect.objectContaining({ constructor: ConfigError, code, message: expect.stringMatching(new RegExp(named.map((n) => `(?=[\\s\\S]*${n})`).join(''))) })
}

describe('config rules (checked at construction, each with its own code, naming the attribute)', () => {
  it('the base config is valid', () => {
    expect(construct({})).not.toThrow()
  })

  it('key attributes must be SIGN_ONLY or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', () => {
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, pk: 'ENCRYPT_AND_SIGN' } })).toThrow(configError('ERR_KEY_ACTION_INVALID', '"pk"', 'ENCRYPT_AND_SIGN'))
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, sk: 'DO_NOTHING' }, allowedUnsignedAttributes: ['note', 'sk'] })).toThrow(
      configError('ERR_KEY_ACTION_INVALID', '"sk"'),
    )
    const { pk: _pk, ...withoutPk } = base.attributeActionsOnEncrypt
    expect(construct({ attributeActionsOnEncrypt: withoutPk })).toThrow(configError('ERR_KEY_ACTION_INVALID', '"pk"', '\\(none\\)'))
  })

  it('with any SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attribute, the keys must be too', () => {
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, sk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT' } })).toThrow(
      configError('ERR_KEY_ACTION_INVALID', '"pk"', 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT'),
    )
  })

  it('attribute names starting with aws_dbe_ are reserved', () => {
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, aws_dbe_x: 'SIGN_ONLY' } })).toThrow(configError('ERR_RESERVED_ATTRIBUTE', '"aws_dbe_x"', 'aws_dbe_'))
    // DB-ESDK's UnreservedPrefix refuses both prefixes in attributeActionsOnEncrypt.
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, 'aws-crypto-foo': 'ENCRYPT_AND_SIGN' } })).toThrow(
      configError('ERR_RESERVED_ATTRIBUTE', '"aws-crypto-foo"', 'aws-crypto-'),
    )
    expect(construct({ partitionKeyName: 'aws_dbe_pk', attributeActionsOnEncrypt: { aws_dbe_pk: 'SIGN_ONLY' }, sortKeyName: undefined })).toThrow(
      configError('ERR_RESERVED_ATTRIBUTE', '"aws_dbe_pk"'),
    )
  })

  it('global-table replication attributes cannot be signed', () => {
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, 'aws:rep:updatetime': 'SIGN_ONLY' } })).toThrow(
      configError('ERR_RESERVED_ATTRIBUTE', '"aws:rep:updatetime"'),
    )
  })

  it('an attribute cannot be both signed and allowed unsigned (by name or by prefix)', () => {
    expect(construct({ allowedUnsignedAttributes: ['note', 'secret'] })).toThrow(configError('ERR_UNSIGNED_CONFLICT', '"secret"', 'ENCRYPT_AND_SIGN'))
    expect(construct({ allowedUnsignedAttributePrefix: 'se' })).toThrow(configError('ERR_UNSIGNED_CONFLICT', '"secret"'))
  })

  it('DO_NOTHING attributes must be allowed unsigned', () => {
    expect(construct({ allowedUnsignedAttributes: [] })).toThrow(configError('ERR_DO_NOTHING_NOT_ALLOWED_UNSIGNED', '"note"', 'allowedUnsignedAttributes'))
    expect(construct({ allowedUnsignedAttributes: [], allowedUnsignedAttributePrefix: 'no' })).not.toThrow()
  })

  it('an unknown algorithm suite is refused', () => {
    expect(construct({ algorithmSuiteId: 'ALG_AES_128_GCM' as never })).toThrow(configError('ERR_UNKNOWN_ALGORITHM_SUITE', 'ALG_AES_128_GCM'))
  })

  it('an empty or missing logical table name is refused', () => {
    expect(construct({ logicalTableName: '' })).toThrow(configError('ERR_CONFIG_INVALID', 'logicalTableName'))
    expect(construct({ tableName: undefined })).toThrow(configError('ERR_CONFIG_INVALID', 'logicalTableName'))
    expect(construct({ tableName: undefined, logicalTableName: 'Orders' })).not.toThrow()
  })

  it('other malformed settings are refused with ERR_CONFIG_INVALID naming the field', () => {
    expect(construct({ attributeActionsOnEncrypt: { ...base.attributeActionsOnEncrypt, secret: 'ENCRYPT' as never } })).toThrow(configError('ERR_CONFIG_INVALID', '"secret"', 'ENCRYPT'))
    expect(construct({ partitionKeyName: '' })).toThrow(configError('ERR_CONFIG_INVALID', 'partitionKeyName'))
    expect(construct({ sortKeyName: 'pk' })).toThrow(configError('ERR_CONFIG_INVALID', 'sortKeyName'))
    expect(construct({ keyring: {} as never })).toThrow(configError('ERR_CONFIG_INVALID', 'keyring'))
    expect(construct({ logicalTableName: 'aws-crypto-x' })).toThrow(configError('ERR_CONFIG_INVALID', 'aws-crypto-x'))
  })
})

describe('item input errors on encrypt (typed, naming the attribute)', () => {
  const encryptor = new ItemEncryptor(base)
  const v2 = new ItemEncryptor({
    ...base,
    attributeActionsOnEncrypt: { pk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', sk: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', tenant: 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT', secret: 'ENCRYPT_AND_SIGN' },
    allowedUnsignedAttributes: [],
  })
  const good: Item = { pk: { S: 'a' }, sk: { N: '1' }, secret: { S: 's' }, note: { S: 'n' } }

  function inputError(code: ErrorCode, named: string): unknown {
    return expect.objectContaining({ constructor: ItemInputError, code, message: expect.stringContaining(named) })
  }

  it('an attribute without action that is not allowed unsigned', async () => {
    await expect(encryptor.encryptItem({ ...good, stray: { S: 'x' } })).rejects.toEqual(inputError('ERR_ATTRIBUTE_NOT_CONFIGURED', '"stray"'))
  })

  it('a missing partition key, sort key or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attribute', async () => {
    const { pk: _pk, ...noPk } = good
    const { sk: _sk, ...noSk } = good
    await expect(encryptor.encryptItem(noPk)).rejects.toEqual(inputError('ERR_KEY_ATTRIBUTE_MISSING', '"pk"'))
    await expect(encryptor.encryptItem(noSk)).rejects.toEqual(inputError('ERR_KEY_ATTRIBUTE_MISSING', '"sk"'))
    await expect(v2.encryptItem({ pk: { S: 'a' }, sk: { N: '1' }, secret: { S: 's' } })).rejects.toEqual(inputError('ERR_KEY_ATTRIBUTE_MISSING', '"tenant"'))
  })

  it('reserved attribute names in the item', async () => {
    await expect(encryptor.encryptItem({ ...good, aws_dbe_head: { B: Buffer.alloc(3) } })).rejects.toEqual(inputError('ERR_RESERVED_ATTRIBUTE', '"aws_dbe_head"'))
  })

  it.each<[string, AttributeValue]>([
    ['a malformed number', { N: '12abc' }],
    ['a number beyond DynamoDB range', { N: '1e126' }],
    ['a number with 39 significant digits', { N: '123456789012345678901234567890123456789' }],
    ['duplicate string set members', { SS: ['x', 'x'] }],
    ['number set members equal after normalization', { NS: ['1', '1.0'] }],
    ['duplicate binary set members', { BS: [Buffer.from([1]), Buffer.from([1])] }],
    ['a string inside 32 nested lists (level 33; DB-ESDK allows 32 levels, the attribute value being the first)', Array.from({ length: 32 }).reduce<AttributeValue>((value) => ({ L: [value] }), { S: 'leaf' })],
    ['an empty value object', {} as AttributeValue],
  ])('%s', async (_label, value) => {
    await expect(encryptor.encryptItem({ ...good, secret: value })).rejects.toEqual(inputError('ERR_INVALID_ATTRIBUTE_VALUE', 'secret'))
  })

  it('a v2 encryption-context value starting with aws-crypto- is accepted, as DB-ESDK does (its reserved-prefix check covers only the base context: table, partition and sort key names)', async () => {
    const item = { pk: { S: 'a' }, sk: { N: '1' }, tenant: { S: 'aws-crypto-x' }, secret: { S: 's' } }
    await expect(v2.decryptItem(await v2.encryptItem(item))).resolves.toEqual(item)
  })

  it('a string inside 31 nested lists (level 32) is accepted', async () => {
    const deepest = Array.from({ length: 31 }).reduce<AttributeValue>((value) => ({ L: [value] }), { S: 'leaf' })
    const encrypted = await encryptor.encryptItem({ ...good, secret: deepest })
    expect((await encryptor.decryptItem(encrypted)).secret).toEqual(deepest)
  })
})

describe('decrypt input', () => {
  const encryptor = new ItemEncryptor(base)

  it('an item without header and footer is ERR_NOT_ENCRYPTED', async () => {
    await expect(encryptor.decryptItem({ pk: { S: 'a' }, sk: { N: '1' } })).rejects.toEqual(
      expect.objectContaining({ constructor: ItemVerificationError, code: 'ERR_NOT_ENCRYPTED', message: expect.stringContaining('Orders') }),
    )
  })

  it('global-table attributes are outside the signature and returned as stored; aws_dbe_* is stripped', async () => {
    const encrypted = await encryptor.encryptItem({ pk: { S: 'a' }, sk: { N: '1' }, secret: { S: 's' } })
    const replicated = {
      ...encrypted,
      'aws:rep:updateregion': { S: 'us-west-2' },
      'aws:rep:updatetime': { N: '1732838400.123456' },
      'aws:rep:deleting': { BOOL: false },
      aws_dbe_b_email: { S: 'beacon' },
    }
    expect(await encryptor.decryptItem(replicated)).toEqual({
      pk: { S: 'a' },
      sk: { N: '1' },
      secret: { S: 's' },
      'aws:rep:updateregion': { S: 'us-west-2' },
      'aws:rep:updatetime': { N: '1732838400.123456' },
      'aws:rep:deleting': { BOOL: false },
    })
  })
})
