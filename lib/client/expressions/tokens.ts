import { ClientOperationError } from '../../errors'

/**
 * Tokens of DynamoDB's expression language (condition, filter, key condition, update, projection).
 * There are no string or number literals in it: every value is a `:placeholder`, so a tokenizer
 * sees every attribute name an expression mentions.
 */
export type Token =
  | { kind: 'word'; text: string; at: number } // an attribute name, keyword or function name
  | { kind: 'name-placeholder'; text: string; at: number } // #name
  | { kind: 'value-placeholder'; text: string; at: number } // :value
  | { kind: 'index'; index: number; at: number } // [3]
  | { kind: 'punct'; text: string; at: number }

const PATTERNS: ReadonlyArray<[RegExp, (m: RegExpExecArray, at: number) => Token]> = [
  [/\[\s*(\d+)\s*\]/y, (m, at) => ({ kind: 'index', index: Number(m[1]), at })],
  [/#[A-Za-z0-9_]+/y, (m, at) => ({ kind: 'name-placeholder', text: m[0], at })],
  [/:[A-Za-z0-9_]+/y, (m, at) => ({ kind: 'value-placeholder', text: m[0], at })],
  [/[A-Za-z0-9_]+/y, (m, at) => ({ kind: 'word', text: m[0], at })],
  [/<>|<=|>=|[=<>.,()+\-]/y, (m, at) => ({ kind: 'punct', text: m[0], at })],
]

export function tokenize(expression: string, field: string): Token[] {
  const tokens: Token[] = []
  let at = 0
  while (at < expression.length) {
    const whitespace = /\s+/y
    whitespace.lastIndex = at
    if (whitespace.exec(expression)) {
      at = whitespace.lastIndex
      continue
    }
    const token = nextToken(expression, at)
    if (token === undefined) {
      throw new ClientOperationError(
        'ERR_UNSUPPORTED_OPERATION',
        `${field}: cannot parse the expression at position ${at} (${JSON.stringify(expression.slice(at, at + 12))}); ` +
          'the encrypted client must understand every expression it forwards. Use #name placeholders for unusual attribute names.',
      )
    }
    tokens.push(token.token)
    at = token.end
  }
  return tokens
}

function nextToken(expression: string, at: number): { token: Token; end: number } | undefined {
  for (const [pattern, build] of PATTERNS) {
    pattern.lastIndex = at
    const match = pattern.exec(expression)
    if (match) return { token: build(match, at), end: pattern.lastIndex }
  }
  return undefined
}
