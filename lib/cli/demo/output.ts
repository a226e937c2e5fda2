/** Where the demo prints; colour only on a terminal that wants it. */
export interface DemoOutput {
  line(text?: string): void
  readonly style: Styles
}

export interface Styles {
  bold(text: string): string
  dim(text: string): string
  ok(text: string): string
  bad(text: string): string
  accent(text: string): string
}

interface TextSink {
  write(chunk: string): unknown
  isTTY?: boolean
}

const plain: Styles = {
  bold: (text) => text,
  dim: (text) => text,
  ok: (text) => text,
  bad: (text) => text,
  accent: (text) => text,
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`

const ansi: Styles = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  ok: sgr(32, 39),
  bad: sgr(31, 39),
  accent: sgr(36, 39),
}

/** Colour follows the usual conventions: a TTY, and neither NO_COLOR nor TERM=dumb. */
export function wantsColour(sink: TextSink, env: NodeJS.ProcessEnv): boolean {
  return sink.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb'
}

export function createOutput(sink: TextSink, env: NodeJS.ProcessEnv = process.env): DemoOutput {
  const style = wantsColour(sink, env) ? ansi : plain
  return {
    style,
    line: (text = '') => {
      sink.write(`${text}\n`)
    },
  }
}
