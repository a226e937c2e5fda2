import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs a compiled bench script (`<name>.js` beside this one) in a fresh node process; its last stdout line is JSON. */
export async function runJsonChild<T>(script: string, args: string[], options: { nodeFlags?: string[]; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<T> {
  const { stdout } = await run(process.execPath, [...(options.nodeFlags ?? []), join(__dirname, script), ...args], { env: options.env ?? process.env, timeout: options.timeoutMs })
  return JSON.parse(stdout.trim().split('\n').pop() as string) as T
}
