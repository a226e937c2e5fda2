import type { DynamoDBLocalHandle } from '../../lib/local/dynamodb-local'
import { HANDLE_KEY } from './global-setup'

export default async function globalTeardown(): Promise<void> {
  const slots = globalThis as Record<symbol, DynamoDBLocalHandle | undefined>
  const handle = slots[HANDLE_KEY]
  if (handle === undefined) return // the run used an endpoint it was given
  slots[HANDLE_KEY] = undefined
  await handle.close()
}
