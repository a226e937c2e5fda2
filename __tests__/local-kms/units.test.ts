import { canonicalEncryptionContext, ciphertextKeyId, openCiphertext, sealCiphertext } from '../../lib/local/kms/ciphertext'
import { KmsError } from '../../lib/local/kms/kms-error'
import { KeyStore, DAY_MS, type KeyRecord } from '../../lib/local/kms/key-store'
import { verifySignature } from '../../lib/local/kms/sigv4'
import { fromDocument, toDocument } from '../../lib/local/kms/store-document'

describe('SigV4 verification', () => {
  // The worked example of the AWS General Reference (IAM ListUsers, 2015-08-30), an answer computed by AWS, not by us.
  const example = {
    method: 'GET',
    url: '/?Action=ListUsers&Version=2010-05-08',
    rawHeaders: [
      'Host', 'iam.amazonaws.com',
      'Content-Type', 'application/x-www-form-urlencoded; charset=utf-8',
      'X-Amz-Date', '20150830T123600Z',
      'Authorization',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    ],
    body: Buffer.alloc(0),
  }
  const credentials = [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }]
  const signedAt = Date.UTC(2015, 7, 30, 12, 36, 0)

  it('accepts the AWS documentation example', () => {
    expect(verifySignature(example, credentials, signedAt, 'iam')).toEqual({ region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE' })
  })

  it('rejects it with another secret, another query, or 6 minutes later', () => {
    const reject = (run: () => unknown, type: string): void => {
      let caught: unknown
      try {
        run()
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(KmsError)
      expect((caught as KmsError).type).toBe(type)
    }
    reject(() => verifySignature(example, [{ ...credentials[0]!, secretAccessKey: 'x' }], signedAt, 'iam'), 'InvalidSignatureException')
    reject(() => verifySignature({ ...example, url: '/?Action=ListUsers&Version=2010-05-09' }, credentials, signedAt, 'iam'), 'InvalidSignatureException')
    reject(() => verifySignature({ ...example, method: 'POST' }, credentials, signedAt, 'iam'), 'InvalidSignatureException')
    reject(() => verifySignature(example, credentials, signedAt + 6 * 60_000, 'iam'), 'InvalidSignatureException')
    reject(() => verifySignature(example, credentials, signedAt, 'kms'), 'InvalidSignatureException')
  })
})

describe('ciphertext blobs', () => {
  const material = Buffer.alloc(32, 7)

  it('encodes the encryption context canonically: count, then sorted length-prefixed UTF-8 pairs', () => {
    // Written out by hand: 2 entries; "a"="b" sorts before "é"="" (0x61 < 0xc3).
    const expected = Buffer.from([
      0, 0, 0, 2,
      0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x62,
      0, 0, 0, 2, 0xc3, 0xa9, 0, 0, 0, 0,
    ])
    expect(canonicalEncryptionContext({ é: '', a: 'b' })).toEqual(expected)
    expect(canonicalEncryptionContext({})).toEqual(Buffer.from([0, 0, 0, 0]))
    // Entries cannot be shifted between key and value.
    expect(canonicalEncryptionContext({ ab: 'c' })).not.toEqual(canonicalEncryptionContext({ a: 'bc' }))
  })

  it('carries the key id (not a Region) and opens only with the same material and context', () => {
    const keyId = 'mrk-0123456789abcdef0123456789abcdef'
    const blob = sealCiphertext(keyId, material, Buffer.from('data key'), { k: 'v' })
    expect(ciphertextKeyId(blob)).toBe(keyId)
    expect(blob.includes(Buffer.from('us-'))).toBe(false)
    expect(blob.length).toBe(1 + 1 + keyId.length + 32 + 12 + 16 + 'data key'.length)
    expect(openCiphertext(blob, material, { k: 'v' }).toString()).toBe('data key')
    expect(() => openCiphertext(blob, Buffer.alloc(32, 8), { k: 'v' })).toThrow(KmsError)
    expect(() => openCiphertext(blob, material, { k: 'w' })).toThrow(KmsError)
    expect(() => ciphertextKeyId(Buffer.from([2, 1, 0x41]))).toThrow(KmsError)
  })
})

describe('key store', () => {
  function record(region: string, keyId: string, extra: Partial<KeyRecord> = {}): KeyRecord {
    return {
      keyId, region, material: { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', secret: Buffer.alloc(32, 1) },
      creationDate: 0, description: '', tags: [], policy: '{}', state: 'Enabled', ...extra,
    }
  }

  it('deletes keys whose waiting period ended, with their aliases, and then starts the primary waiting period', () => {
    const store = new KeyStore('111122223333')
    const mrk = 'mrk-0123456789abcdef0123456789abcdef'
    store.add(record('us-east-1', mrk, { multiRegionRole: 'PRIMARY', state: 'PendingReplicaDeletion', pendingWindowInDays: 7 }))
    store.add(record('us-west-2', mrk, { multiRegionRole: 'REPLICA', state: 'PendingDeletion', deletionDate: 1_000, pendingWindowInDays: 7 }))
    store.setAlias('us-west-2', { aliasName: 'alias/w', targetKeyId: mrk, creationDate: 0, lastUpdatedDate: 0 })
    expect(store.hasExpired(999)).toBe(false)
    expect(store.purgeExpired(999)).toBe(false)

    expect(store.purgeExpired(1_000)).toBe(true)
    expect(store.get('us-west-2', mrk)).toBeUndefined()
    expect(store.alias('us-west-2', 'alias/w')).toBeUndefined()
    const primary = store.get('us-east-1', mrk)
    expect(primary?.state).toBe('PendingDeletion')
    expect(primary?.deletionDate).toBe(1_000 + 7 * DAY_MS)

    expect(store.purgeExpired(1_000 + 7 * DAY_MS)).toBe(true)
    expect(store.allKeys()).toEqual([])
  })

  it('round-trips through its document', () => {
    const store = new KeyStore('111122223333')
    store.add(record('eu-west-1', '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa', { tags: [{ TagKey: 'a', TagValue: 'b' }], creatingUntil: 5 }))
    const again = fromDocument(JSON.parse(JSON.stringify(toDocument(store))))
    expect(toDocument(again)).toEqual(toDocument(store))
    expect(again.get('eu-west-1', '0b0a7b3e-1111-4c2e-9d7a-35b7d0e1c0aa')?.material.secret).toEqual(Buffer.alloc(32, 1))
  })
})
