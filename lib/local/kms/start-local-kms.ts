import type { AddressInfo } from 'node:net'
import { EncryptorError } from '../../errors'
import { ACCOUNT_ID_PATTERN } from './arn'
import { CallLog, type LocalKmsCall } from './call-log'
import { createKmsHttpServer } from './http-server'
import { KeyStore } from './key-store'
import { loadStore, lockDataFile, removeStaleTemporaryFiles, saveStore } from './persistence'
import { KmsService } from './service'
import type { LocalKmsCredentials } from './sigv4'

export interface LocalKmsOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number
  /** Interface to listen on; default 127.0.0.1. */
  host?: string
  /** JSON file holding keys and aliases across restarts; without it everything lives in memory. */
  dataFile?: string
  /** The one AWS account the server acts as; default 111122223333. */
  accountId?: string
  /** Credential pairs requests must be signed with; default one pair local / local. */
  credentials?: LocalKmsCredentials[]
  /** How long a new replica stays `Creating` before it can be used; default 0. */
  replicaCreationDelayMs?: number
}

export interface LocalKms {
  /** `http://host:port`, for the `endpoint` of an SDK client. */
  endpoint: string
  accountId: string
  /** The first configured pair, ready for an SDK client's `credentials`. */
  credentials: LocalKmsCredentials
  /** Every request handled so far (the most recent 100,000). */
  calls(): LocalKmsCall[]
  /** Stops listening and closes open connections. */
  close(): Promise<void>
}

export const DEFAULT_ACCOUNT_ID = '111122223333'
export const DEFAULT_CREDENTIALS: LocalKmsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' }

/**
 * Starts a local AWS KMS that understands multi-Region keys: one server for every Region (the Region of a request is
 * the one it is signed for), speaking the KMS JSON protocol so `@aws-sdk/client-kms` works with only `endpoint` set.
 * For development and tests only: key material is kept unencrypted in memory and in `dataFile`.
 */
export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const settings = checkOptions(options)
  const releaseDataFile = settings.dataFile === undefined ? () => undefined : lockDataFile(settings.dataFile)
  try {
    return await serve(settings, releaseDataFile)
  } catch (error) {
    releaseDataFile()
    throw error
  }
}

async function serve(settings: Settings, releaseDataFile: () => void): Promise<LocalKms> {
  const dataFile = settings.dataFile
  let store = new KeyStore(settings.accountId ?? DEFAULT_ACCOUNT_ID)
  if (dataFile !== undefined) {
    removeStaleTemporaryFiles(dataFile)
    const loaded = loadStore(dataFile)
    if (loaded !== undefined) {
      if (settings.accountId !== undefined && settings.accountId !== loaded.accountId) {
        throw new EncryptorError(
          'ERR_LOCAL_STACK',
          `Local KMS: the data file ${dataFile} belongs to account ${loaded.accountId}, not ${settings.accountId}; start without accountId or use another file.`,
        )
      }
      store = loaded
    } else {
      saveStore(dataFile, store) // fail now, not on the first change, if the file cannot be written
    }
  }

  const log = new CallLog()
  const service = new KmsService(store, {
    credentials: settings.credentials,
    replicaCreationDelayMs: settings.replicaCreationDelayMs,
    persist: dataFile === undefined ? () => undefined : (changed) => saveStore(dataFile, changed),
    clock: Date.now,
  })
  const server = createKmsHttpServer(service, (call) => log.add(call))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new EncryptorError('ERR_LOCAL_STACK', `Local KMS: cannot listen on ${settings.host}:${settings.port}: ${error.message}`, { cause: error })),
    )
    server.listen(settings.port, settings.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address

  let closing: Promise<void> | undefined
  return {
    endpoint: `http://${hostInUrl}:${address.port}`,
    accountId: store.accountId,
    credentials: { ...(settings.credentials[0] as LocalKmsCredentials) },
    calls: () => log.list(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          releaseDataFile()
          resolve()
        })
        server.closeAllConnections()
      })
      return closing
    },
  }
}

interface Settings {
  port: number
  host: string
  dataFile?: string
  accountId?: string
  credentials: LocalKmsCredentials[]
  replicaCreationDelayMs: number
}

function checkOptions(options: LocalKmsOptions): Settings {
  const fail = (message: string): never => {
    throw new EncryptorError('ERR_LOCAL_STACK', `startLocalKms: ${message}`)
  }
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be an integer from 0 to 65535, not ${String(options.port)}.`)
  if (options.accountId !== undefined && !ACCOUNT_ID_PATTERN.test(options.accountId)) fail(`accountId must be 12 digits, not "${options.accountId}".`)
  const delay = options.replicaCreationDelayMs ?? 0
  if (!Number.isFinite(delay) || delay < 0) fail(`replicaCreationDelayMs must be a number >= 0, not ${String(options.replicaCreationDelayMs)}.`)
  const credentials = options.credentials ?? [DEFAULT_CREDENTIALS]
  if (credentials.length === 0) fail('credentials must hold at least one pair.')
  for (const pair of credentials) {
    // The access key id ends up inside the SigV4 Credential= field, which '/' ',' and spaces would break.
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(pair.accessKeyId)) fail(`accessKeyId "${pair.accessKeyId}" must be 1 to 128 letters, digits, '_', '.' or '-'.`)
    if (pair.secretAccessKey.length === 0) fail(`the secretAccessKey of ${pair.accessKeyId} is empty.`)
  }
  if (new Set(credentials.map((pair) => pair.accessKeyId)).size !== credentials.length) fail('each accessKeyId may appear only once in credentials.')
  if (options.dataFile !== undefined && options.dataFile.trim() === '') fail('dataFile is empty; omit it to keep keys in memory.')
  return {
    port,
    host: options.host ?? '127.0.0.1',
    ...(options.dataFile === undefined ? {} : { dataFile: options.dataFile }),
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    credentials: credentials.map((pair) => ({ ...pair })),
    replicaCreationDelayMs: delay,
  }
}
