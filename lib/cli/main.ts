#!/usr/bin/env node
import { demoCommand } from './demo'
import { kmsCommand } from './kms-command'

/** Where a command writes: process.stdout/stderr in the CLI, buffers in tests. */
export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean }
  stderr: { write(chunk: string): unknown; isTTY?: boolean }
  env?: NodeJS.ProcessEnv
}

export interface CliCommand {
  summary: string
  /** Resolves to the process exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>
}

/** The commands of `dynamodb-item-encryptor <command>`; each one is a single entry. */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  kms: { summary: 'run a local AWS KMS with multi-Region keys (for development and tests)', run: kmsCommand },
  demo: { summary: 'run the multi-Region scenario end to end: encrypt, put, replicate, get, decrypt (local stack, or --aws)', run: demoCommand },
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  return `Usage: dynamodb-item-encryptor <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun dynamodb-item-encryptor <command> --help for the options of a command.\n`
}

/** Exit codes: what the command returns; 2 for a missing or unknown command. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage())
    return 0
  }
  if (name === undefined) {
    io.stderr.write(usage())
    return 2
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) {
    io.stderr.write(`Unknown command "${name}".\n\n${usage()}`)
    return 2
  }
  return command.run(rest, io)
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = 1
    },
  )
}
