import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ClientOperationError } from '../errors'
import { setOwn } from '../structured/own-property'
import type { Item } from '../types'
import { projectionPaths, type AttributeNames, type DocumentPath } from './expressions/paths'

/**
 * A ProjectionExpression applied on the client to a verified, decrypted item, with DynamoDB's semantics:
 * `a.b` keeps `{ a: { b } }`, `l[1], l[3]` keep those list elements in index order, missing paths are skipped,
 * and overlapping or conflicting paths are an error (DynamoDB would reject them; it never sees this expression).
 */
export type Projection = (item: Item) => Item

type Selection = { whole: true } | { whole: false; fields: Map<string, Selection>; indexes: Map<number, Selection> }

const emptySelection = (): Selection => ({ whole: false, fields: new Map(), indexes: new Map() })

export function compileProjection(expression: string, names: AttributeNames, field: string): Projection {
  const root = new Map<string, Selection>()
  for (const path of projectionPaths(expression, names, field)) addPath(root, path, expression, field)
  return (item) => {
    const projected: Item = {}
    for (const [attribute, selection] of root) {
      // Own properties only: a path named `toString` or `__proto__` is an attribute name, never the object's machinery.
      const stored = ownValue(item, attribute)
      const value = stored === undefined ? undefined : select(stored, selection)
      if (value !== undefined) setOwn(projected, attribute, value)
    }
    return projected
  }
}

function addPath(root: Map<string, Selection>, path: DocumentPath, expression: string, field: string): void {
  const overlap = (): ClientOperationError =>
    new ClientOperationError('ERR_UNSUPPORTED_OPERATION', `${field}: two document paths overlap or conflict in "${expression}".`)
  let children: Map<string | number, Selection> = root
  let key: string | number = path.attribute
  for (const step of path.steps) {
    let node = children.get(key)
    if (node === undefined) {
      node = emptySelection()
      children.set(key, node)
    }
    if (node.whole) throw overlap()
    const isIndex = 'index' in step
    if ((isIndex && node.fields.size > 0) || (!isIndex && node.indexes.size > 0)) throw overlap()
    children = (isIndex ? node.indexes : node.fields) as Map<string | number, Selection>
    key = isIndex ? step.index : step.field
  }
  if (children.has(key)) throw overlap()
  children.set(key, { whole: true })
}

function select(value: AttributeValue, selection: Selection): AttributeValue | undefined {
  if (selection.whole) return value
  if (selection.fields.size > 0 && value.M !== undefined) {
    const map: Record<string, AttributeValue> = {}
    for (const [name, child] of selection.fields) {
      const stored = ownValue(value.M, name)
      const selected = stored === undefined ? undefined : select(stored, child)
      if (selected !== undefined) setOwn(map, name, selected)
    }
    return Object.keys(map).length > 0 ? { M: map } : undefined
  }
  if (selection.indexes.size > 0 && value.L !== undefined) {
    const list = value.L
    const elements = [...selection.indexes]
      .sort(([a], [b]) => a - b)
      .map(([index, child]) => (index < list.length ? select(list[index], child) : undefined))
      .filter((element): element is AttributeValue => element !== undefined)
    return elements.length > 0 ? { L: elements } : undefined
  }
  return undefined
}

function ownValue(record: Record<string, AttributeValue>, name: string): AttributeValue | undefined {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined
}
