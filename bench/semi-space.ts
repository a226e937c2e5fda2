import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import { runJsonChild } from './child'
import { describeGcPauses } from './gc-pauses'
import type { EventLoopFigures } from './latency'

/**
 * The event-loop measurement again, in a child process whose V8 young generation is capped at 4 MB per semi-space
 * (`node --max-semi-space-size=4`; V8 grows it to 16 MB by default). Each decrypted item leaves ~20 native crypto
 * objects, which make a scavenge's cost grow with the items decrypted since the last one; a smaller young generation
 * collects more often and stops the loop for less each time. A setting for the application, not something a library
 * may change; measured so the README can say what it is worth. The target is judged on the default.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=4'

/** What the child needs to read the parent's Query table with the parent's branch key. */
export interface SemiSpaceChildInput {
  ddbConfig: DynamoDBClientConfig
  kmsClientConfig: KMSClientConfig
  keyArn: string
  branchKeyId: string
  runs: number
}

export interface SemiSpaceFigures {
  nodeFlags: string[]
  eventLoop: EventLoopFigures
}

export async function measureWithSmallerSemiSpace(input: SemiSpaceChildInput, log: (line: string) => void): Promise<SemiSpaceFigures> {
  const nodeFlags = ['--expose-gc', SEMI_SPACE_FLAG]
  const eventLoop = await runJsonChild<EventLoopFigures>('semi-space-child.js', [JSON.stringify(input)], { nodeFlags, timeoutMs: 300_000 })
  log(
    `  node ${SEMI_SPACE_FLAG} (child process): event loop max delay ${eventLoop.maxDelayMs.toFixed(1)} ms, p99 ${eventLoop.p99DelayMs.toFixed(1)} ms (worst of ${eventLoop.runs}), ${describeGcPauses(eventLoop.gc)}; ` +
      `plain DocumentClient, same Query: max delay ${eventLoop.plainClient.maxDelayMs.toFixed(1)} ms, ${describeGcPauses(eventLoop.plainClient.gc)}`,
  )
  return { nodeFlags: [SEMI_SPACE_FLAG], eventLoop }
}
