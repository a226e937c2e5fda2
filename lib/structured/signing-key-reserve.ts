import { generateSigningKeyPair, type SigningKeyPair } from './signature'

/**
 * Signed suites need a fresh ECDSA P-384 key pair per item, and generating one costs as much as signing. Each item
 * takes the pair generated when the item before it was written and starts the next one, so an item arriving after a
 * pause finds its pair ready and a writer with a core to spare generates it in parallel with the item before. Each
 * pair still signs exactly one item; at most one pair waits unused (it has signed nothing). A spare that failed is
 * replaced by a pair generated on demand: the item does not inherit another item's failure.
 */
export class SigningKeyReserve {
  private spare: Promise<SigningKeyPair> | undefined

  constructor(private readonly generate: () => Promise<SigningKeyPair> = generateSigningKeyPair) {}

  take(): Promise<SigningKeyPair> {
    const taken = this.spare === undefined ? this.generate() : this.spare.catch(() => this.generate())
    const next = this.generate()
    // Nobody may ever await the last spare; its failure must not surface as an unhandled rejection.
    next.catch(() => undefined)
    this.spare = next
    return taken
  }
}
