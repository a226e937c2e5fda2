import type { EncryptionContext } from '../materials/keyring'
import { TYPE_BOOLEAN, TYPE_NULL, TYPE_NUMBER, TYPE_STRING, toTypeIdBytes, type TypeId } from '../structured/serialize'
import type { ResolvedConfig } from './config'

/**
 * The encryption context DB-ESDK's item encryptor builds (version 1 or 2) from the config and the item's key and
 * SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT values. Every entry is "required": sent to the keyring and bound into the
 * canonical hash, but never stored in the header, so the reader rebuilds it from its own config and the item.
 */

export const TABLE_NAME_KEY = 'aws-crypto-table-name'
export const PARTITION_NAME_KEY = 'aws-crypto-partition-name'
export const SORT_NAME_KEY = 'aws-crypto-sort-name'
export const ATTRIBUTE_KEY_PREFIX = 'aws-crypto-attr.'
export const LEGEND_KEY = 'aws-crypto-legend'

/** A serialized attribute value. */
export interface Terminal {
  typeId: TypeId
  bytes: Buffer
}

export interface ContextInput {
  config: ResolvedConfig
  /** Header version: 1 puts the key values in the base context, 2 adds every `c` attribute instead. */
  version: 1 | 2
  /** The serialized value of an attribute of the item, or `undefined` when the item lacks it. */
  terminalOf: (name: string) => Terminal | undefined
  /** Version 2: the attributes whose action is SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT, present in the item. */
  contextAttributes: readonly string[]
  /** Called for a key attribute the item lacks (version 1); must throw. */
  missingKey: (name: string) => never
}

function typeTagged(terminal: Terminal): string {
  return Buffer.concat([toTypeIdBytes(terminal.typeId), terminal.bytes]).toString('base64')
}

/** Version 2 value of an attribute: readable for scalars, base64(typeId || value) otherwise. */
function v2Value(terminal: Terminal): { value: string; legend: string } {
  switch (terminal.typeId) {
    case TYPE_STRING:
      return { value: terminal.bytes.toString('utf8'), legend: 'S' }
    case TYPE_NUMBER:
      return { value: terminal.bytes.toString('utf8'), legend: 'N' }
    case TYPE_NULL:
      return { value: 'null', legend: 'L' }
    case TYPE_BOOLEAN:
      return { value: terminal.bytes.length === 1 && terminal.bytes[0] === 1 ? 'true' : 'false', legend: 'L' }
    default:
      return { value: typeTagged(terminal), legend: 'B' }
  }
}

export function buildEncryptionContext(input: ContextInput): EncryptionContext {
  const { config, version, terminalOf, missingKey } = input
  const context: EncryptionContext = {
    [TABLE_NAME_KEY]: config.logicalTableName,
    [PARTITION_NAME_KEY]: config.partitionKeyName,
  }
  if (config.sortKeyName !== undefined) context[SORT_NAME_KEY] = config.sortKeyName

  if (version === 1) {
    for (const key of config.sortKeyName === undefined ? [config.partitionKeyName] : [config.partitionKeyName, config.sortKeyName]) {
      const terminal = terminalOf(key) ?? missingKey(key)
      context[ATTRIBUTE_KEY_PREFIX + key] = typeTagged(terminal)
    }
    return context
  }

  const legend: Array<{ key: Buffer; char: string }> = []
  for (const name of input.contextAttributes) {
    const terminal = terminalOf(name) ?? missingKey(name)
    const key = ATTRIBUTE_KEY_PREFIX + name
    const { value, legend: char } = v2Value(terminal)
    context[key] = value
    legend.push({ key: Buffer.from(key, 'utf8'), char })
  }
  // One character per added entry, in the order of their context keys' UTF-8 bytes.
  legend.sort((a, b) => Buffer.compare(a.key, b.key))
  context[LEGEND_KEY] = legend.map(({ char }) => char).join('')
  return context
}
