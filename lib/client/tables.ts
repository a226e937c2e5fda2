import { ConfigError } from '../errors'
import { ItemEncryptor } from '../item'
import { suiteFromName } from '../structured/suite'
import type { EncryptionConfig } from '../types'
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
  for (const [name, tableConfig] of Object.entries(config.tables)) {
    const encryptor = new ItemEncryptor({ ...tableConfig, tableName: name })
    const signed = suiteFromName(tableConfig.algorithmSuiteId).signed
    byName.set(name, new EncryptedTable(name, new TablePolicy(name, tableConfig), endOfTurnCrypto(encryptor, { signed })))
  }
  return {
    names: new Set(byName.keys()),
    get: (nameOrArn) => (nameOrArn === undefined ? undefined : byName.get(tableNameOf(nameOrArn))),
  }
}
