import { formatKmsCalls, formatStoredItem, shortBinary } from '../../lib/cli/demo/format'
import { createOutput } from '../../lib/cli/demo/output'

describe('demo output formatting', () => {
  it('shortens binary values to their first 16 bytes in hex, with the length', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i)
    expect(shortBinary(bytes)).toBe('000102030405060708090a0b0c0d0e0f… (40 bytes)')
    expect(shortBinary(Uint8Array.from([0xab, 0xcd]))).toBe('abcd (2 bytes)')
  })

  it('shows stored attributes with their DynamoDB type, library attributes last', () => {
    const lines = formatStoredItem({
      aws_dbe_head: { B: Uint8Array.from([1, 2]) },
      email: { B: new Uint8Array(20) },
      customerId: { S: 'customer-1' },
      count: { N: '3' },
      tags: { M: { a: { L: [{ S: 'x' }, { BOOL: true }] } } },
    })
    expect(lines).toEqual([
      'count         N   3',
      'customerId    S   "customer-1"',
      'email         B   00000000000000000000000000000000… (20 bytes)',
      'tags          M   {"a": ["x", true]}',
      'aws_dbe_head  B   0102 (2 bytes)',
    ])
  })

  it('aligns a note after each value when notes are given', () => {
    const lines = formatStoredItem(
      { aws_dbe_foot: { B: Uint8Array.from([9]) }, email: { B: Uint8Array.from([1, 2, 3]) }, plan: { S: 'gold' } },
      { email: 'encrypted, signed', plan: 'plaintext, signed' },
    )
    expect(lines).toEqual([
      'email         B   010203 (3 bytes)  encrypted, signed',
      'plan          S   "gold"            plaintext, signed',
      'aws_dbe_foot  B   09 (1 byte)',
    ])
  })

  it('groups KMS calls by Region, operation, key and outcome', () => {
    const arn = 'arn:aws:kms:us-west-2:111122223333:key/mrk-1'
    const call = { client: 'c', region: 'us-west-2', operation: 'Decrypt', keyId: arn, outcome: 'ok' as const }
    expect(formatKmsCalls([call, call, { ...call, outcome: 'error' }])).toEqual([
      `us-west-2       Decrypt ×2            ${arn}`,
      `us-west-2       Decrypt ×1            ${arn}  (failed)`,
    ])
    expect(formatKmsCalls([])).toEqual([])
  })

  it('prints no colour codes when the output is not a terminal, or NO_COLOR is set', () => {
    const written: string[] = []
    const sink = { write: (chunk: string) => written.push(chunk), isTTY: false }
    const plain = createOutput(sink, {})
    plain.line(plain.style.ok('OK'))
    const noColour = createOutput({ ...sink, isTTY: true }, { NO_COLOR: '1' })
    noColour.line(noColour.style.bad('FAILED'))
    const tty = createOutput({ ...sink, isTTY: true }, {})
    tty.line(tty.style.ok('OK'))
    expect(written).toEqual(['OK\n', 'FAILED\n', '\u001b[32mOK\u001b[39m\n'])
  })
})
