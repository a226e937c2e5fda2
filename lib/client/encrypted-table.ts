import { ClientOperationError, EncryptorError, ItemInputError, ItemVerificationError } from '../errors'
import type { Item } from '../types'
import { describeKey } from './item-key'
import { FOOTER_ATTRIBUTE as FOOTER, GLOBAL_TABLE_ATTRIBUTES, HEADER_ATTRIBUTE as HEADER } from '../item'
import type { TablePolicy } from './table-policy'

/** The part of `ItemEncryptor` the client needs. */
export interface ItemCrypto {
  encryptItem(item: Item): Promise<Item>
  decryptItem(item: Item): Promise<Item>
}

type EncryptorErrorClass = new (code: EncryptorError['code'], message: string, options?: { cause?: unknown }) => EncryptorError

/** Keeps the class and code of an encryptor error (callers branch on them) and adds where it happened. */
function withContext(error: unknown, prefix: string, fallback: () => EncryptorError): EncryptorError {
  if (error instanceof EncryptorError) {
    const ErrorClass = error.constructor as EncryptorErrorClass
    return new ErrorClass(error.code, `${prefix}: ${error.message}`, { cause: error })
  }
  return fallback()
}

/** One configured table: its policy and its (cached) item encryptor. */
export class EncryptedTable {
  constructor(
    readonly name: string,
    readonly policy: TablePolicy,
    private readonly crypto: ItemCrypto,
  ) {}

  async encrypt(item: Item, command: string): Promise<Item> {
    // The encryptor refuses these too; checked here as well because the header and footer must never come from the caller.
    const reserved = Object.keys(item).find((name) => this.policy.classify(name) === 'RESERVED')
    if (reserved !== undefined) {
      throw new ItemInputError(
        'ERR_RESERVED_ATTRIBUTE',
        `${command} on table "${this.name}", item ${this.describe(item)}: "${reserved}" is reserved for the encryption header, footer and beacons; remove it from the item.`,
      )
    }
    // Global tables 2017.11.29 write aws:rep:* themselves; a client that echoes them back would confuse replication.
    const writable = Object.fromEntries(Object.entries(item).filter(([name]) => !GLOBAL_TABLE_ATTRIBUTES.has(name)))
    try {
      return await this.crypto.encryptItem(writable)
    } catch (error) {
      throw withContext(
        error,
        `${command} on table "${this.name}", item ${this.describe(item)}`,
        () => new ItemInputError('ERR_INVALID_ATTRIBUTE_VALUE', `${command} on table "${this.name}": the item could not be encrypted`, { cause: error }),
      )
    }
  }

  /** Verifies and decrypts a stored item; the error names the table, the item key and, for index reads, the index. */
  async decrypt(stored: Item, command: string, indexName?: string): Promise<Item> {
    const where = `${command} on table "${this.name}"${indexName === undefined ? '' : ` index "${indexName}"`}, item ${this.describe(stored)}`
    const absentFromIndex = indexName === undefined ? [] : this.absentSignedAttributes(stored)
    if (indexName !== undefined && (stored[HEADER] === undefined || stored[FOOTER] === undefined)) {
      throw this.incompleteIndex(where, indexName, [HEADER, FOOTER].filter((name) => stored[name] === undefined))
    }
    try {
      return await this.crypto.decryptItem(stored)
    } catch (error) {
      // An index projecting too little looks like a deleted attribute (fewer signed attributes than the header lists);
      // say which is more likely, keep the cause. Any other failure (a changed value, a wrong tag) is reported as such.
      if (indexName !== undefined && error instanceof ItemVerificationError && error.code === 'ERR_LEGEND_MISMATCH' && absentFromIndex.length > 0) {
        throw this.incompleteIndex(where, indexName, absentFromIndex, error)
      }
      throw withContext(
        error,
        where,
        () => new ItemVerificationError('ERR_DECRYPTION_FAILED', `${where}: the item could not be verified and decrypted`, { cause: error }),
      )
    }
  }

  private absentSignedAttributes(stored: Item): string[] {
    return Object.keys(this.policy.configuredActions).filter((name) => {
      const kind = this.policy.classify(name)
      return (kind === 'SIGNED' || kind === 'ENCRYPTED') && stored[name] === undefined
    })
  }

  private incompleteIndex(where: string, indexName: string, absent: string[], cause?: unknown): ClientOperationError {
    return new ClientOperationError(
      'ERR_PROJECTION_INCOMPLETE',
      `${where}: the index did not return ${absent.join(', ')}, which the item's signature ${cause === undefined ? 'needs' : 'may cover'}, ` +
        `so the item cannot be verified${cause === undefined ? '' : ' (if the item has none of them, it was altered)'}. ` +
        `Project ALL attributes into index "${indexName}", or INCLUDE ${HEADER}, ${FOOTER} and every signed attribute; or read the table itself.`,
      { cause },
    )
  }

  describe(item: Item): string {
    return describeKey(item, this.policy.keyAttributes)
  }
}
