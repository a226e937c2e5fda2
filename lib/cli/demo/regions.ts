import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { awsKmsMrkKeyring, EncryptedDocumentClient, type EncryptionConfig } from '../../index'
import type { Cleanup } from './cleanup'
import { RecordingKmsHttpHandler, type KmsCallLog } from './kms-call-log'
import { demoTableConfig, type TableKeySchema } from './record'
import type { DemoRegion } from './scenario'
import { connection, type ServiceAccess } from './services'

export interface RegionClientsOptions {
  region: string
  tableName: string
  schema: TableKeySchema
  /** The same ARN in every Region: the primary's. */
  keyArn: string
  dynamodb: ServiceAccess
  kms: ServiceAccess
  log: KmsCallLog
}

/**
 * What an application in `region` builds: a DynamoDBClient for its Region made encrypted with the shared table
 * configuration, whose keyring is `awsKmsMrkKeyring({ keyArn, region })`. The KMS client records its calls.
 */
export function regionClients(options: RegionClientsOptions, cleanup: Cleanup): DemoRegion {
  const { region, tableName, schema, keyArn, log } = options
  const kmsClient = `${region} client`
  const kmsHandler = new RecordingKmsHttpHandler(log, kmsClient)
  const keyring = awsKmsMrkKeyring({
    keyArn,
    region,
    kmsClientConfig: { ...connection(options.kms), requestHandler: kmsHandler },
  })
  const encryption: EncryptionConfig = { tables: { [tableName]: demoTableConfig(schema, keyring) } }
  const appClient = new DynamoDBClient({ region, ...connection(options.dynamodb) })
  const plain = new DynamoDBClient({ region, ...connection(options.dynamodb) })
  cleanup.add(`${region} clients`, () => {
    appClient.destroy()
    plain.destroy()
    kmsHandler.destroy()
  })
  return { region, kmsClient, app: EncryptedDocumentClient.from(appClient, encryption), plain }
}
