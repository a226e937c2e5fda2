/**
 * Which of the given table names a PartiQL statement may touch. Deliberately over-inclusive (fail closed): a name
 * counts wherever it stands (quoted, bare, inside a string literal or a comment) unless a letter, digit or `_` touches
 * it, so `Orders.byEmail`, `"my-table"` and the ARN `…:table/Orders` all name it; compared case-sensitively as DynamoDB
 * does. No attempt is made to tell literals and comments from identifiers: a scanner that gets them wrong (a quote
 * inside a comment) would let a statement through unread. A value or column that happens to contain a configured
 * table's name makes the statement refused, which is safe.
 */
export function tablesNamedIn(statement: string, candidates: ReadonlySet<string>): string[] {
  return [...candidates].filter((name) => name !== '' && standsAlone(statement, name))
}

const WORD_CHARACTER = /[A-Za-z0-9_]/

function standsAlone(statement: string, name: string): boolean {
  for (let at = statement.indexOf(name); at !== -1; at = statement.indexOf(name, at + 1)) {
    const before = statement[at - 1]
    const after = statement[at + name.length]
    if ((before === undefined || !WORD_CHARACTER.test(before)) && (after === undefined || !WORD_CHARACTER.test(after))) return true
  }
  return false
}
