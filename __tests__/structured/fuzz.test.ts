/**
 * Parsers face bytes from the database: whatever they get, they must either succeed or throw one of our
 * typed errors, quickly, without huge allocations. Seeded, so a failure reproduces.
 */
import { randomBytes } from 'node:crypto'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import fc from 'fast-check'
import { EncryptorError } from '../../lib/errors'
import {
  SUITE_6701,
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
  decryptField,
  deriveFieldKey,
  deserializeValue,
  encodeHeaderBody,
  parseEncryptionContext,
  parseFooter,
  parseHeader,
  serializeValue,
} from '../../lib/structured'

const ALL_TYPE_IDS = [TYPE_NULL, TYPE_STRING, TYPE_NUMBER, TYPE_BOOLEAN, TYPE_BINARY, TYPE_STRING_SET, TYPE_NUMBER_SET, TYPE_BINARY_SET, TYPE_MAP, TYPE_LIST, 0x0003, 0xff00, 0x01fe]

/** xorshift32: tiny, deterministic, good enough to spray bytes. */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

function randomBuffer(next: () => number, maxLength: number): Buffer {
  const length = next() % (maxLength + 1)
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = next() & 0xff
  // Bias towards small length/count fields so parsing gets past the first field.
  if (length >= 4 && (next() & 3) === 0) out.writeUInt32BE(next() % 8, 0)
  return out
}

/** Runs `parse` and accepts only success or an EncryptorError. Returns whether it threw. */
function expectTypedOutcome(parse: () => unknown, input: Buffer, label: string): boolean {
  try {
    parse()
    return false
  } catch (error) {
    if (!(error instanceof EncryptorError)) {
      throw new Error(`${label} threw a non-typed error for input ${input.toString('hex').slice(0, 200)}: ${String(error)}`)
    }
    return true
  }
}

const RANDOM_INPUTS = 10_000

describe('parser fuzz with random bytes', () => {
  it(`parseHeader: ${RANDOM_INPUTS} inputs`, () => {
    const next = rng(0x5eed_0001)
    let refused = 0
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = randomBuffer(next, 400)
      // Also start many inputs with a plausible version/flavor so deeper fields get exercised.
      if (input.length > 2 && i % 2 === 0) {
        input[0] = 1 + (i % 4 === 0 ? 1 : 0)
        input[1] = i % 3 === 0 ? 0 : 1
      }
      if (expectTypedOutcome(() => parseHeader(input), input, 'parseHeader')) refused++
    }
    expect(refused).toBeGreaterThan(RANDOM_INPUTS * 0.99)
  })

  it(`parseFooter: ${RANDOM_INPUTS} inputs`, () => {
    const next = rng(0x5eed_0002)
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = randomBuffer(next, 400)
      const edkCount = 1 + (next() % 4)
      const signed = (next() & 1) === 1
      const parsed = (() => {
        try {
          return parseFooter(input, edkCount, signed)
        } catch (error) {
          expect(error).toBeInstanceOf(EncryptorError)
          return undefined
        }
      })()
      if (parsed !== undefined) {
        expect(parsed.tags).toHaveLength(edkCount)
        expect(parsed.signature?.length ?? 0).toBe(signed ? 103 : 0)
      }
    }
  })

  it(`parseEncryptionContext: ${RANDOM_INPUTS} inputs`, () => {
    const next = rng(0x5eed_0003)
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = randomBuffer(next, 200)
      if (input.length >= 2 && i % 2 === 0) input.writeUInt16BE(next() % 4, 0)
      try {
        parseEncryptionContext(input, 0)
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_HEADER_INVALID' })
      }
    }
  })

  it.each(ALL_TYPE_IDS.map((id) => [`0x${id.toString(16).padStart(4, '0')}`, id]))(`deserializeValue type %s: ${RANDOM_INPUTS} inputs`, (_hex, typeId) => {
    const next = rng(0x5eed_0100 + typeId)
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = randomBuffer(next, 120)
      expectTypedOutcome(() => deserializeValue(typeId, input, 'fuzz'), input, `deserializeValue(${typeId})`)
    }
  })

  it(`decryptField: ${RANDOM_INPUTS} inputs all fail authentication with ERR_DECRYPTION_FAILED`, () => {
    const next = rng(0x5eed_0004)
    const key = deriveFieldKey(randomBytes(32), 0)
    const aad = Buffer.from('aad')
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const input = randomBuffer(next, 80)
      expect(() => decryptField(key, aad, input, 'fuzz')).toThrow(expect.objectContaining({ code: 'ERR_DECRYPTION_FAILED' }))
    }
  })
})

describe('mutation fuzz of a valid header', () => {
  const body = encodeHeaderBody({
    version: 2,
    suite: SUITE_6701,
    messageId: Buffer.alloc(32, 1),
    legend: 'eesc',
    storedEncryptionContext: { 'aws-crypto-public-key': 'A'.repeat(66) + '==', other: 'value' },
    encryptedDataKeys: [
      { providerId: 'aws-kms-hierarchy', providerInfo: Buffer.alloc(36, 0x61), ciphertext: Buffer.alloc(140, 2) },
      { providerId: 'raw', providerInfo: Buffer.alloc(3, 0xff), ciphertext: Buffer.alloc(10, 3) },
    ],
  })
  const valid = Buffer.concat([body, Buffer.alloc(32, 9)])

  it('parses the unmutated header', () => {
    expect(parseHeader(valid).fields.legend).toBe('eesc')
  })

  it('survives 10,000 flips, truncations, extensions, insertions and deletions with typed errors only', () => {
    const next = rng(0x5eed_0005)
    let accepted = 0
    for (let i = 0; i < 10_000; i++) {
      let input = Buffer.from(valid)
      const mutations = 1 + (next() % 3)
      for (let m = 0; m < mutations; m++) {
        const at = next() % (input.length + 1)
        switch (next() % 5) {
          case 0:
            if (input.length > 0) input[at % input.length] ^= 1 << (next() % 8)
            break
          case 1:
            input = input.subarray(0, at)
            break
          case 2:
            input = Buffer.concat([input, randomBuffer(next, 8)])
            break
          case 3:
            input = Buffer.concat([input.subarray(0, at), Buffer.from([next() & 0xff]), input.subarray(at)])
            break
          default:
            input = Buffer.concat([input.subarray(0, at), input.subarray(at + 1)])
        }
      }
      if (!expectTypedOutcome(() => parseHeader(input), input, 'parseHeader')) {
        accepted++
        // Whatever parses must re-encode to exactly the bytes it came from.
        const parsed = parseHeader(input)
        expect(Buffer.concat([encodeHeaderBody(parsed.fields), parsed.commitment]).equals(input)).toBe(true)
      }
    }
    // Flips inside message id, EDK bytes and commitment stay parseable; structural damage does not.
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(10_000)
  })
})

describe('serialized values: property round trip and mutation', () => {
  const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
    fc.constant({ NULL: true } as AttributeValue),
    fc.boolean().map((b) => ({ BOOL: b }) as AttributeValue),
    fc.string({ unit: 'grapheme' }).map((s) => ({ S: s }) as AttributeValue),
    fc.integer().map((n) => ({ N: String(n) }) as AttributeValue),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => d === 0 || (Math.abs(d) > 1e-120 && Math.abs(d) < 1e120)).map((d) => ({ N: String(d) }) as AttributeValue),
    fc.uint8Array({ maxLength: 16 }).map((b) => ({ B: b }) as AttributeValue),
    fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 6 }), { maxLength: 5 }).map((ss) => ({ SS: ss }) as AttributeValue),
    fc.uniqueArray(fc.integer(), { maxLength: 5 }).map((ns) => ({ NS: ns.map(String) }) as AttributeValue),
    fc.uniqueArray(fc.uint8Array({ maxLength: 4 }), { maxLength: 4, comparator: (a, b) => Buffer.from(a).equals(Buffer.from(b)) }).map((bs) => ({ BS: bs }) as AttributeValue),
  )
  const value = fc.letrec<{ value: AttributeValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }).map((l) => ({ L: l }) as AttributeValue),
      fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), tie('value'), { maxKeys: 4 }).map((m) => ({ M: m }) as AttributeValue),
    ),
  })).value

  it('deserialize(serialize(v)) re-serializes to the same bytes (300 seeded values)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const first = serializeValue(v, 'prop')
        const back = deserializeValue(first.typeId, first.bytes, 'prop')
        const second = serializeValue(back, 'prop')
        expect(second.typeId).toBe(first.typeId)
        expect(second.bytes.equals(first.bytes)).toBe(true)
      }),
      { seed: 20260701, numRuns: 300 },
    )
  })

  it('mutated serializations (2,000) parse or fail with typed errors only', () => {
    const next = rng(0x5eed_0006)
    const samples = fc.sample(value, { seed: 42, numRuns: 200 }).map((v) => serializeValue(v, 'm'))
    for (let i = 0; i < 2_000; i++) {
      const { typeId, bytes } = samples[i % samples.length]
      const input = Buffer.from(bytes)
      if (input.length > 0) input[next() % input.length] ^= 1 << (next() % 8)
      const cut = next() % 4 === 0 ? input.subarray(0, next() % (input.length + 1)) : input
      expectTypedOutcome(() => deserializeValue(typeId, cut, 'm'), cut, 'deserializeValue')
    }
  })
})
