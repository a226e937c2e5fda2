import { generateSigningKeyPair, type SigningKeyPair } from './signature'

/**
 * Signed suites need a fresh ECDSA P-384 key pair per item, and generating one costs as much as signing. An item takes
 * the pair generated for it while the item before it was being signed (`take`), and once its own signing is under way
 * starts the pair of the next item (`replenish`): an item arriving after a pause finds its pair ready, a writer with a
 * core to spare generates it in parallel with the signing before, and on a single core the generation does not cut
 * into the item's own work. Each pair still signs exactly one item; at most one pair waits unused (it has signed
 * nothing). A spare that failed is replaced by a pair generated on demand: no item inherits another item's failure.
 */
export class SigningKeyReserve {
  private spare: Promise<SigningKeyPair> | undefined

  constructor(private readonly generate: () => Promise<SigningKeyPair> = generateSigningKeyPair) {}

  take(): Promise<SigningKeyPair> {
    const spare = this.spare
    this.spare = undefined
    return spare === undefined ? this.generate() : spare.catch(() => this.generate())
  }

  /** Starts the next item's pair unless one is already waiting. */
  replenish(): void {
    if (this.spare !== undefined) return
    const next = this.generate()
    // Nobody may ever await the last spare; its failure must not surface as an unhandled rejection.
    next.catch(() => undefined)
    this.spare = next
  }
}
