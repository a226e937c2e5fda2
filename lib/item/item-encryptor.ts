import type { Item } from '../types'
import { resolveConfig, type ItemEncryptorConfig, type ResolvedConfig } from './config'
import { decryptItem } from './decrypt'
import { encryptItem } from './encrypt'

/**
 * Signs and encrypts (and verifies and decrypts) single DynamoDB items of one table in the DB-ESDK format.
 * The config is validated once, here; a bad config throws a `ConfigError` naming the attribute.
 */
export class ItemEncryptor {
  readonly #config: ResolvedConfig

  constructor(config: ItemEncryptorConfig) {
    this.#config = resolveConfig(config)
  }

  /** The logical table name bound into every item (the physical table name unless configured). */
  get logicalTableName(): string {
    return this.#config.logicalTableName
  }

  /**
   * The item with ENCRYPT_AND_SIGN attributes replaced by their ciphertext and `aws_dbe_head`/`aws_dbe_foot` added;
   * every other value is kept exactly as given.
   */
  encryptItem(item: Item): Promise<Item> {
    return encryptItem(this.#config, item)
  }

  /**
   * The plaintext item, only after the header commitment, the recipient tag and (suite 0x6701) the signature verified.
   * Signed values come back normalized (numbers, set order), unsigned ones as stored, `aws_dbe_*` removed.
   */
  decryptItem(item: Item): Promise<Item> {
    return decryptItem(this.#config, item)
  }
}

export type { ItemEncryptorConfig }
