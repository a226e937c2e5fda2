import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { runJsonChild } from './child'
import { describeEventLoop, type EventLoopFigures } from './latency'

/*
 * The event-loop measurement again, each time in a fresh child process that only reads the Query table: without the
 * heap the bench's earlier phases leave in its own process, and with node flags of its own. Run with the default flags,
 * and with V8's young generation capped at 4 MB per semi-space (`node --max-semi-space-size=4`; V8 grows it to 16 MB by
 * default). Each decrypted item leaves ~20 native crypto objects, which make a scavenge's cost grow with the items
 * decrypted since the last one; a smaller young generation collects more often and stops the loop for less each time.
 * That flag is a setting for the application, not something a library may change; measured so the README can say what
 * it is worth, against the default measured the same way.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=4'

/** What the child needs to read the parent's Query table with the parent's branch key. */
export interface QueryChildInput {
  ddbConfig: DynamoDBClientConfig
  kmsClientConfig: KMSClientConfig
  keyArn: string
  branchKeyId: string
  runs: number
}

export interface FreshProcessFigures {
  /** Node flags beyond `--expose-gc` (which lets each run start from a collected heap, as in the parent). */
  nodeFlags: string[]
  eventLoop: EventLoopFigures
}

export async function measureInFreshProcess(input: QueryChildInput, nodeFlags: string[], log: (line: string) => void): Promise<FreshProcessFigures> {
  const eventLoop = await runJsonChild<EventLoopFigures>('query-child.js', [JSON.stringify(input)], { nodeFlags: ['--expose-gc', ...nodeFlags], timeoutMs: 300_000 })
  log(describeEventLoop(`fresh process, node ${nodeFlags.length === 0 ? 'default flags' : nodeFlags.join(' ')}`, eventLoop))
  return { nodeFlags, eventLoop }
}
