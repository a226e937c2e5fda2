import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb'
import { ConfigError } from '../errors'
import type { EncryptionConfig } from '../types'
import { attachEncryption } from './middleware'

export type EncryptedDynamoDBClientConfig = DynamoDBClientConfig & { encryption: EncryptionConfig }

/** A `DynamoDBClient` whose configured tables are encrypted on write and verified and decrypted on read. */
export class EncryptedDynamoDBClient extends DynamoDBClient {
  constructor(config: EncryptedDynamoDBClientConfig) {
    const { encryption, ...clientConfig } = config
    super(clientConfig)
    attachEncryption(this.middlewareStack, encryption)
  }
}

export class EncryptedDocumentClient {
  private constructor() {}

  /**
   * A real `DynamoDBDocumentClient` (same commands, outputs and paginators) over `client`.
   * The encryption is added to `client` itself, so its own low-level commands are protected too.
   * Calling `from` again with the same config object is fine; another config for the same client is refused.
   */
  static from(client: DynamoDBClient, config: EncryptionConfig, translateConfig?: TranslateConfig): DynamoDBDocumentClient {
    attachEncryption(client.middlewareStack, config)
    const documentClient = DynamoDBDocumentClient.from(client, translateConfig)
    if (documentClient.middlewareStack !== client.middlewareStack) {
      // lib-dynamodb substitutes its own DynamoDBClient when the given one is from an incompatible version.
      throw new ConfigError(
        'ERR_CONFIG_INVALID',
        'EncryptedDocumentClient.from: @aws-sdk/lib-dynamodb did not accept this DynamoDBClient (incompatible @aws-sdk/client-dynamodb version); ' +
          'install matching versions of both packages.',
      )
    }
    return documentClient
  }
}
