import './env' // the parent process builds SDK clients too: same loopback-only settings as the workers
import { startDynamoDBLocal, type DynamoDBLocalHandle } from '../../lib/local/dynamodb-local'

/** Where global teardown finds the handle: Jest runs both in the parent process, sharing `globalThis`. */
export const HANDLE_KEY = Symbol.for('dynamodb-item-encryptor.tests.dynamodb-local')

/**
 * One DynamoDB Local for the whole run. Test files reach it through `DYNAMODB_ENDPOINT`, which workers inherit
 * from this parent process. A DYNAMODB_ENDPOINT set by the caller (say, docker-compose) is used as is.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DYNAMODB_ENDPOINT !== undefined && process.env.DYNAMODB_ENDPOINT !== '') return
  const startTimeoutMs = Number(process.env.DYNAMODB_LOCAL_START_TIMEOUT_MS ?? 60_000)
  const handle = await startDynamoDBLocal({ startTimeoutMs })
  ;(globalThis as Record<symbol, DynamoDBLocalHandle | undefined>)[HANDLE_KEY] = handle
  process.env.DYNAMODB_ENDPOINT = handle.endpoint
}
