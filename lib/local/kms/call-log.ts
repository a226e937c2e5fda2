/** One request the local KMS handled, as `calls()` reports it. */
export interface LocalKmsCall {
  /** The Region of the request's SigV4 credential scope ('' when the request carried none). */
  region: string
  /** The operation of `X-Amz-Target` ('' when absent). */
  operation: string
  /** The ARN of the key the call acted on, or the KeyId the request gave when no key was found. */
  keyId?: string
  /** 'ok', or the name of the error returned. */
  outcome: 'ok' | string
}

/**
 * The calls handled so far. Bounded so a long-running local server does not grow without limit:
 * past `capacity` entries the oldest are dropped.
 */
export class CallLog {
  private readonly entries: LocalKmsCall[] = []

  constructor(private readonly capacity = 100_000) {}

  add(call: LocalKmsCall): void {
    this.entries.push(call)
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
  }

  list(): LocalKmsCall[] {
    return this.entries.map((call) => ({ ...call }))
  }
}
