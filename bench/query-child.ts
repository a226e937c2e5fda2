import './env'
import { hierarchicalKeyring } from '../lib'
import { benchBranchKeyStore } from './kms-calls'
import { measureQueryEventLoop } from './latency'
import type { QueryChildInput } from './fresh-process-query'

/**
 * Run as a child process with the node flags the parent chose: `node query-child.js <QueryChildInput as
 * JSON>` measures the Query the parent measured (same table, same branch key, read through this process's own key
 * store client) and prints the figures as one JSON line.
 */
async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as QueryChildInput
  const keyStore = benchBranchKeyStore(input.ddbConfig, input.kmsClientConfig, input.keyArn)
  const keyring = hierarchicalKeyring({ branchKeyId: input.branchKeyId, keyStore })
  const figures = await measureQueryEventLoop(input.ddbConfig, keyring, { runs: input.runs, writeItems: false, label: 'child' }, () => undefined)
  console.log(JSON.stringify(figures))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
