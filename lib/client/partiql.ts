import { tableNameOf } from './table-name'

/**
 * Which of the given table names a PartiQL statement may touch. Deliberately over-inclusive (fail closed):
 * every identifier outside string literals counts, quoted (`"Orders"`, `"Orders"."byEmail"`) or bare
 * (`Orders`), compared case-sensitively as DynamoDB does. A column that happens to share a configured
 * table's name makes the statement refused, which is safe.
 */
export function tablesNamedIn(statement: string, candidates: ReadonlySet<string>): string[] {
  const found = new Set<string>()
  const consider = (identifier: string): void => {
    if (candidates.has(identifier)) found.add(identifier)
  }
  let at = 0
  while (at < statement.length) {
    const char = statement[at]
    if (char === "'" || char === '"') {
      const [text, end] = readQuoted(statement, at, char)
      if (char === '"') {
        consider(text)
        consider(tableNameOf(text))
      }
      at = end
    } else if (/[A-Za-z0-9_.\-]/.test(char)) {
      const match = /[A-Za-z0-9_.\-]+/y
      match.lastIndex = at
      const word = match.exec(statement)![0]
      consider(word)
      word.split(/[.\-]/).forEach(consider)
      word.split('.').forEach(consider)
      at = match.lastIndex
    } else {
      at += 1
    }
  }
  return [...found]
}

/** A quoted run with the quote doubled inside (`'it''s'`, `"a""b"`); an unterminated one runs to the end. */
function readQuoted(text: string, start: number, quote: string): [string, number] {
  let value = ''
  let at = start + 1
  while (at < text.length) {
    if (text[at] === quote) {
      if (text[at + 1] === quote) {
        value += quote
        at += 2
        continue
      }
      return [value, at + 1]
    }
    value += text[at]
    at += 1
  }
  return [value, at]
}
