const CLOSE_TIMEOUT_MS = 15_000

/**
 * What the demo started, closed in reverse order however it ends (success, failure, Ctrl-C).
 * Every closer runs even if an earlier one fails or hangs; the failures are returned for the report.
 */
export class Cleanup {
  private readonly closers: { name: string; close: () => Promise<void> | void }[] = []
  private running: Promise<string[]> | undefined

  add(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close })
  }

  run(): Promise<string[]> {
    this.running ??= this.closeAll()
    return this.running
  }

  private async closeAll(): Promise<string[]> {
    const problems: string[] = []
    for (const { name, close } of this.closers.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          Promise.resolve().then(close),
          new Promise((_, fail) => {
            timer = setTimeout(() => fail(new Error(`did not finish within ${CLOSE_TIMEOUT_MS / 1000} s`)), CLOSE_TIMEOUT_MS)
          }),
        ])
      } catch (error) {
        problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
      } finally {
        clearTimeout(timer)
      }
    }
    return problems
  }
}
