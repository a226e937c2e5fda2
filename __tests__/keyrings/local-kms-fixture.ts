import { KMS, type KMSClientConfig } from '@aws-sdk/client-kms'
import { startLocalKms } from '../../lib/local'

export type LocalKms = Awaited<ReturnType<typeof startLocalKms>>
export type LocalKmsCall = ReturnType<LocalKms['calls']>[number]

export interface KmsFixture {
  kms: LocalKms
  /** One shared object, so keyrings built from it share their KMS clients. */
  clientConfig: KMSClientConfig
  /** A multi-Region key: primary in us-east-1, replica in us-west-2 (same key id). */
  mrkEast: string
  mrkWest: string
  /** A single-Region key in us-east-1. */
  srkEast: string
  /** The calls made since the last `mark()`. */
  callsSinceMark(): LocalKmsCall[]
  mark(): void
  close(): Promise<void>
}

/** Starts the local KMS (port 0) with an MRK replicated east → west and a single-Region key, all usable. */
export async function startKmsFixture(): Promise<KmsFixture> {
  const kms = await startLocalKms({ replicaCreationDelayMs: 0 })
  const clientConfig: KMSClientConfig = { endpoint: kms.endpoint, credentials: { ...kms.credentials }, maxAttempts: 1 }
  const east = new KMS({ ...clientConfig, region: 'us-east-1' })
  const west = new KMS({ ...clientConfig, region: 'us-west-2' })
  try {
    const mrk = await east.createKey({ MultiRegion: true, Description: 'keyrings test MRK' })
    const mrkEast = mrk.KeyMetadata?.Arn as string
    const replica = await east.replicateKey({ KeyId: mrkEast, ReplicaRegion: 'us-west-2' })
    const mrkWest = replica.ReplicaKeyMetadata?.Arn as string
    const srk = await east.createKey({ Description: 'keyrings test single-Region key' })
    const srkEast = srk.KeyMetadata?.Arn as string
    // Replicas start in Creating; bounded wait until the west replica is usable.
    for (let attempt = 0; ; attempt++) {
      const state = (await west.describeKey({ KeyId: mrkWest })).KeyMetadata?.KeyState
      if (state === 'Enabled') break
      if (attempt >= 100) throw new Error(`replica ${mrkWest} is still ${String(state)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    let seen = kms.calls().length
    return {
      kms,
      clientConfig,
      mrkEast,
      mrkWest,
      srkEast,
      mark: () => {
        seen = kms.calls().length
      },
      callsSinceMark: () => kms.calls().slice(seen),
      close: () => kms.close(),
    }
  } finally {
    east.destroy()
    west.destroy()
  }
}
