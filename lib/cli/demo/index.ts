import { isEncryptorError } from '../../errors'
import { DEMO_USAGE } from './args'
import { Cleanup } from './cleanup'
import { DemoFailure, explain } from './failure'
import { createOutput } from './output'
import { planDemo, refuseEndpointOverrides } from './plan'
import { runDemo } from './run'

export { planDemo, type DemoPlan, type DemoInvocation, type LocalDemoPlan, type AwsDemoPlan, type ServicePlan } from './plan'
export { parseDemoArgs, DEMO_USAGE, type DemoArgs } from './args'
export { demoPermissions, type RegionPermissions } from './iam'

interface Sink {
  write(chunk: string): unknown
  isTTY?: boolean
}

export interface DemoIo {
  stdout: Sink
  stderr: Sink
  env?: NodeJS.ProcessEnv
}

/** Exit codes: 0 every check passed, 1 the demo failed (stderr says what and what to check), 2 bad flags. */
export async function demoCommand(argv: readonly string[], io: DemoIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const env = io.env ?? process.env
  const out = createOutput(io.stdout, env)
  const err = createOutput(io.stderr, env)

  let invocation
  try {
    invocation = planDemo(argv)
    if (invocation.kind === 'run') refuseEndpointOverrides(invocation.plan, env)
  } catch (error) {
    if (!isEncryptorError(error, 'ERR_CONFIG_INVALID')) throw error
    err.line(err.style.bad(error.message))
    return 2
  }
  if (invocation.kind === 'help') {
    out.line(DEMO_USAGE.trimEnd())
    return 0
  }

  // The SDK warns once per process on Node 20; the demo's output should show the scenario, not that.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const cleanup = new Cleanup()
  let stopping = false
  const interrupted = onInterrupt(async (signal) => {
    stopping = true
    err.line(`\n${signal}: stopping the services the demo started…`)
    await reportCleanup(cleanup, err)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
  try {
    await runDemo(invocation.plan, out, cleanup)
    return (await reportCleanup(cleanup, err)) ? 0 : 1
  } catch (error) {
    if (stopping) return 1 // the interrupt handler reports and exits; this failure is only its consequence
    const failure = error instanceof DemoFailure ? error : explain('The demo', error)
    err.line()
    err.line(err.style.bad(`FAILED  ${failure.what}`))
    err.line(`What to check: ${failure.check}`)
    await reportCleanup(cleanup, err)
    return 1
  } finally {
    interrupted.dispose()
  }
}

/** Clean-up problems are reported, and make the run fail: a process left behind is a bug. */
async function reportCleanup(cleanup: Cleanup, err: ReturnType<typeof createOutput>): Promise<boolean> {
  const problems = await cleanup.run()
  for (const problem of problems) err.line(err.style.bad(`clean-up: ${problem}`))
  return problems.length === 0
}

function onInterrupt(handler: (signal: NodeJS.Signals) => Promise<void>): { dispose(): void } {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']
  const listener = (signal: NodeJS.Signals) => void handler(signal)
  for (const signal of signals) process.once(signal, listener)
  return { dispose: () => signals.forEach((signal) => process.removeListener(signal, listener)) }
}
