import { ClientOperationError } from '../errors'
import { GLOBAL_TABLE_ATTRIBUTES, RESERVED_PREFIX } from '../item'
import type { TableEncryptionConfig } from '../types'
import { analyzeUpdateExpression, referencedAttributes, type AttributeNames } from './expressions/paths'

/** What the client may do with one attribute of a configured table. */
export type AttributeClass =
  | 'ENCRYPTED' // ENCRYPT_AND_SIGN: stored as ciphertext
  | 'SIGNED' // SIGN_ONLY, SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT: plaintext, covered by the signature
  | 'UNSIGNED' // DO_NOTHING, allowed-unsigned, or written by DynamoDB global tables 2017.11.29 (aws:rep:*)
  | 'RESERVED' // aws_dbe_*: header, footer, beacons; written only by the encryptor
  | 'UNCONFIGURED' // no action and not allowed unsigned: an item holding it cannot be read back


/** Legacy request parameters; they cannot be checked like expressions, so DB-ESDK refuses them and so do we. */
const LEGACY_PARAMETERS = [
  'Expected',
  'ScanFilter',
  'QueryFilter',
  'KeyConditions',
  'AttributesToGet',
  'AttributeUpdates',
  'ConditionalOperator',
] as const

export class TablePolicy {
  constructor(
    readonly tableName: string,
    private readonly config: TableEncryptionConfig,
  ) {}

  classify(attribute: string): AttributeClass {
    if (attribute.startsWith(RESERVED_PREFIX)) return 'RESERVED'
    const action = Object.prototype.hasOwnProperty.call(this.config.attributeActionsOnEncrypt, attribute)
      ? this.config.attributeActionsOnEncrypt[attribute]
      : undefined
    if (action === 'ENCRYPT_AND_SIGN') return 'ENCRYPTED'
    if (action === 'SIGN_ONLY' || action === 'SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT') return 'SIGNED'
    if (action === 'DO_NOTHING' || this.isAllowedUnsigned(attribute)) return 'UNSIGNED'
    return 'UNCONFIGURED'
  }

  private isAllowedUnsigned(attribute: string): boolean {
    const prefix = this.config.allowedUnsignedAttributePrefix
    return (
      GLOBAL_TABLE_ATTRIBUTES.has(attribute) ||
      (this.config.allowedUnsignedAttributes ?? []).includes(attribute) ||
      (prefix !== undefined && prefix !== '' && attribute.startsWith(prefix))
    )
  }

  /** Names of every attribute that must be present, as stored, for an item to verify. */
  get keyAttributes(): string[] {
    const { partitionKeyName, sortKeyName } = this.config
    return sortKeyName === undefined ? [partitionKeyName] : [partitionKeyName, sortKeyName]
  }

  get configuredActions(): Readonly<Record<string, string>> {
    return this.config.attributeActionsOnEncrypt
  }

  /** Unsigned attributes the config names (DO_NOTHING actions and allowedUnsignedAttributes). */
  get namedUnsignedAttributes(): string[] {
    const doNothing = Object.entries(this.config.attributeActionsOnEncrypt)
      .filter(([, action]) => action === 'DO_NOTHING')
      .map(([name]) => name)
    return [...new Set([...doNothing, ...(this.config.allowedUnsignedAttributes ?? [])])]
  }

  refuseLegacyParameters(input: object, command: string, where = command): void {
    for (const parameter of LEGACY_PARAMETERS) {
      if ((input as Record<string, unknown>)[parameter] !== undefined) {
        throw this.refusal(
          command,
          `${where}.${parameter} is a legacy parameter the encrypted client cannot check; use the expression form ` +
            '(ConditionExpression, FilterExpression, KeyConditionExpression, ProjectionExpression, UpdateExpression) instead.',
        )
      }
    }
  }

  /** Conditions, filters and key conditions on ciphertext would compare encrypted bytes: refuse them. */
  refuseEncryptedReferences(expression: string | undefined, names: AttributeNames, command: string, field: string): void {
    for (const attribute of referencedAttributes(expression, names, `${command}.${field}`)) {
      if (this.classify(attribute) === 'ENCRYPTED') {
        throw this.refusal(
          command,
          `${field} references "${attribute}", which is ENCRYPT_AND_SIGN: DynamoDB would compare ciphertext. ` +
            'Filter on the decrypted results instead, or make the attribute SIGN_ONLY if it is not secret.',
        )
      }
    }
  }

  /**
   * An update may change only unsigned attributes (a partial update cannot be re-signed) and may not copy an
   * encrypted attribute's ciphertext into another one.
   */
  refuseUnsafeUpdate(expression: string | undefined, names: AttributeNames, command: string): void {
    if (expression === undefined) return
    const { targets, operands } = analyzeUpdateExpression(expression, names, `${command}.UpdateExpression`)
    for (const target of targets) {
      const kind = this.classify(target.attribute)
      if (kind === 'UNSIGNED') continue
      const why =
        kind === 'UNCONFIGURED'
          ? 'has no crypto action, so the item could no longer be read; configure it as DO_NOTHING and allowed unsigned'
          : kind === 'RESERVED'
            ? 'is reserved for the encryption header, footer and beacons'
            : `is ${kind === 'ENCRYPTED' ? 'ENCRYPT_AND_SIGN' : 'signed'} and its signature cannot be updated in place`
      throw this.refusal(
        command,
        `UpdateExpression ${target.clause} "${target.attribute}": the attribute ${why}. ` +
          'Use updateEncryptedItem(client, { TableName, Key, update }) to change signed attributes.',
      )
    }
    for (const operand of operands) {
      if (this.classify(operand.attribute) === 'ENCRYPTED') {
        throw this.refusal(
          command,
          `UpdateExpression reads "${operand.attribute}", which is ENCRYPT_AND_SIGN: it would copy ciphertext. ` +
            'Use updateEncryptedItem(client, { TableName, Key, update }) instead.',
        )
      }
    }
  }

  refusal(command: string, message: string): ClientOperationError {
    return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `${command} on encrypted table "${this.tableName}": ${message}`)
  }
}
