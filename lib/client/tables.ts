import { ConfigError } from '../errors'
import { ItemEncryptor } from '../item'
import { suiteFromName } from '../structured/suite'
import { copyRecord } from '../structured/own-property'
import type { EncryptionConfig, TableEncryptionConfig } from '../types'
import { EncryptedTable } from './encrypted-table'
import { endOfTurnCrypto } from './end-of-turn'
import type { Tables } from './handlers/types'
import { tableNameOf } from './table-name'
import { TablePolicy } from './table-policy'

/** One ItemEncryptor per configured table, built up front so that a bad config fails at construction. */
export function buildTables(config: EncryptionConfig): Tables {
  if (typeof config !== 'object' || config === null || typeof config.tables !== 'object' || config.tables === null) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'encryption config: expected { tables: { [physicalTableName]: TableEncryptionConfig } }.')
  }
  const byName = new Map<string, EncryptedTable>()
  for (const [name, given] of Object.entries(config.tables)) {
    const tableConfig = snapshot(given)
    const encryptor = new ItemEncryptor({ ...tableConfig, tableName: name })
    const signed = suiteFromName(tableConfig.algorithmSuiteId).signed
    byName.set(name, new EncryptedTable(name, new TablePolicy(name, tableConfig), endOfTurnCrypto(encryptor, { signed })))
  }
  return {
    names: new Set(byName.keys()),
    get: (nameOrArn) => (nameOrArn === undefined ? undefined : byName.get(tableNameOf(nameOrArn))),
  }
}

/**
 * A frozen copy of the caller's table config, read by both the encryptor and the request policy: a caller who changes
 * the object later (an action, the unsigned list) must not make the two disagree about what is signed, or a write the
 * policy lets through could break the signatures the encryptor checks. The keyring is used as given.
 */
function snapshot(config: TableEncryptionConfig): TableEncryptionConfig {
  // Not an object: the encryptor reports it.
  if (typeof config !== 'object' || config === null) return config
  const { attributeActionsOnEncrypt: actions, allowedUnsignedAttributes: unsigned } = config
  return Object.freeze({
    ...config,
    attributeActionsOnEncrypt: typeof actions === 'object' && actions !== null ? Object.freeze(copyRecord(actions)) : actions,
    allowedUnsignedAttributes: Array.isArray(unsigned) ? Object.freeze([...unsigned]) : unsigned,
  }) as TableEncryptionConfig
}
