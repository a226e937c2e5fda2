import { ClientOperationError } from '../../errors'
import { tokenize, type Token } from './tokens'

/** `a.b[2].c` → attribute `a`, then the steps inside it. */
export interface DocumentPath {
  attribute: string
  steps: PathStep[]
}
export type PathStep = { field: string } | { index: number }

export type AttributeNames = Record<string, string> | undefined

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE'])
const FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'size',
  'if_not_exists',
  'list_append',
])

export function isKeyword(token: Token | undefined, keyword?: string): boolean {
  if (token?.kind !== 'word') return false
  const upper = token.text.toUpperCase()
  return keyword === undefined ? KEYWORDS.has(upper) : upper === keyword
}

function invalid(field: string, message: string): ClientOperationError {
  return new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `${field}: ${message}`)
}

/** The attribute name a `word` or `#placeholder` token stands for. */
function resolveName(token: Token, names: AttributeNames, field: string): string {
  if (token.kind === 'word') return token.text
  if (token.kind === 'name-placeholder') {
    const name = names?.[token.text]
    if (name === undefined) {
      throw invalid(field, `${token.text} is not defined in ExpressionAttributeNames; add it or fix the expression.`)
    }
    return name
  }
  throw invalid(field, `expected an attribute name at position ${token.at}.`)
}

function startsPath(tokens: readonly Token[], i: number, field: string): boolean {
  const token = tokens[i]
  if (token.kind === 'name-placeholder') return true
  if (token.kind !== 'word' || isKeyword(token)) return false
  if (tokens[i + 1]?.kind === 'punct' && (tokens[i + 1] as { text: string }).text === '(') {
    if (!FUNCTIONS.has(token.text)) throw invalid(field, `unknown function ${token.text}().`)
    return false
  }
  return true
}

/** Reads the path starting at `tokens[start]`; returns it and the index after it. */
function readPath(tokens: readonly Token[], start: number, names: AttributeNames, field: string): [DocumentPath, number] {
  const path: DocumentPath = { attribute: resolveName(tokens[start], names, field), steps: [] }
  let i = start + 1
  for (;;) {
    const token = tokens[i]
    if (token?.kind === 'index') {
      path.steps.push({ index: token.index })
      i += 1
    } else if (token?.kind === 'punct' && token.text === '.' && tokens[i + 1] !== undefined) {
      path.steps.push({ field: resolveName(tokens[i + 1], names, field) })
      i += 2
    } else {
      return [path, i]
    }
  }
}

/** Every document path an expression (or a slice of its tokens) reads, in order. */
function pathsIn(tokens: readonly Token[], names: AttributeNames, field: string): DocumentPath[] {
  const paths: DocumentPath[] = []
  let i = 0
  while (i < tokens.length) {
    if (startsPath(tokens, i, field)) {
      const [path, next] = readPath(tokens, i, names, field)
      paths.push(path)
      i = next
    } else {
      i += 1
    }
  }
  return paths
}

/** Top-level attributes referenced by a condition, filter or key-condition expression. */
export function referencedAttributes(expression: string | undefined, names: AttributeNames, field: string): Set<string> {
  if (expression === undefined) return new Set()
  return new Set(pathsIn(tokenize(expression, field), names, field).map((path) => path.attribute))
}

/** `#placeholders` an expression uses, so unused ExpressionAttributeNames can be told apart. */
export function namePlaceholders(expression: string | undefined): Set<string> {
  if (expression === undefined) return new Set()
  return new Set(
    tokenize(expression, 'expression')
      .filter((token) => token.kind === 'name-placeholder')
      .map((token) => (token as { text: string }).text),
  )
}

/** Splits at separators outside parentheses; `separators[n]` is the token before `parts[n + 1]`. */
function splitTopLevel(
  tokens: readonly Token[],
  isSeparator: (token: Token) => boolean,
): { parts: Token[][]; separators: Token[] } {
  const parts: Token[][] = [[]]
  const separators: Token[] = []
  let depth = 0
  for (const token of tokens) {
    if (token.kind === 'punct' && token.text === '(') depth += 1
    if (token.kind === 'punct' && token.text === ')') depth -= 1
    if (depth === 0 && isSeparator(token)) {
      separators.push(token)
      parts.push([])
    } else {
      parts[parts.length - 1].push(token)
    }
  }
  return { parts, separators }
}

const isComma = (token: Token): boolean => token.kind === 'punct' && token.text === ','

/** A ProjectionExpression: a comma-separated list of document paths. */
export function projectionPaths(expression: string, names: AttributeNames, field: string): DocumentPath[] {
  return splitTopLevel(tokenize(expression, field), isComma).parts.map((part) => {
    if (part.length === 0 || !startsPath(part, 0, field)) throw invalid(field, 'expected a document path.')
    const [path, end] = readPath(part, 0, names, field)
    if (end !== part.length) throw invalid(field, `unexpected token at position ${part[end].at}.`)
    return path
  })
}

export type UpdateClause = 'SET' | 'REMOVE' | 'ADD' | 'DELETE'

export interface UpdateAnalysis {
  /** Paths the update writes or removes, with the clause that does it. */
  targets: Array<DocumentPath & { clause: UpdateClause }>
  /** Paths whose current value the update reads (`SET a = b + :one` reads `b`). */
  operands: DocumentPath[]
}

export function analyzeUpdateExpression(expression: string, names: AttributeNames, field: string): UpdateAnalysis {
  const tokens = tokenize(expression, field)
  const analysis: UpdateAnalysis = { targets: [], operands: [] }
  const { parts: clauses, separators: keywords } = splitTopLevel(tokens, isClauseKeyword)
  if (clauses[0].length > 0 || keywords.length === 0) {
    throw invalid(field, 'an update expression must start with SET, REMOVE, ADD or DELETE.')
  }
  clauses.slice(1).forEach((clauseTokens, n) => {
    const clause = (keywords[n] as { text: string }).text.toUpperCase() as UpdateClause
    for (const action of splitTopLevel(clauseTokens, isComma).parts) {
      if (action.length === 0 || !startsPath(action, 0, field)) throw invalid(field, `expected a document path in ${clause}.`)
      const [target, next] = readPath(action, 0, names, field)
      analysis.targets.push({ ...target, clause })
      const rest = action.slice(next)
      if (clause === 'SET' && !(rest[0]?.kind === 'punct' && rest[0].text === '=')) {
        throw invalid(field, 'expected "=" after the path in SET.')
      }
      if (clause === 'REMOVE' && rest.length > 0) throw invalid(field, 'REMOVE takes only document paths.')
      analysis.operands.push(...pathsIn(rest, names, field))
    }
  })
  return analysis
}

function isClauseKeyword(token: Token): boolean {
  return ['SET', 'REMOVE', 'ADD', 'DELETE'].some((keyword) => isKeyword(token, keyword))
}
