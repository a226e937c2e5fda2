import { keyFingerprint } from '../../lib/client/item-key'

describe('keyFingerprint', () => {
  it('is equal exactly when DynamoDB sees one key: numbers in normal form, types kept apart', () => {
    const of = (id: object): string => keyFingerprint({ id } as never, ['id'])
    expect(of({ N: '1.0' })).toBe(of({ N: '1' }))
    expect(of({ N: '1e2' })).toBe(of({ N: '100' }))
    expect(of({ N: '-0' })).toBe(of({ N: '0' }))
    expect(of({ N: '1' })).not.toBe(of({ N: '2' }))
    expect(of({ N: '1' })).not.toBe(of({ S: '1' }))
    expect(of({ B: Buffer.from('1') })).not.toBe(of({ S: '1' }))
    // Text that is no number is compared as it is (DynamoDB refuses it anyway).
    expect(of({ N: 'x' })).toBe(of({ N: 'x' }))
  })
})
