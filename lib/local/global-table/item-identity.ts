import type { AttributeValue } from '@aws-sdk/client-dynamodb'

/** An item or key as DynamoDB and DynamoDB Streams return it (the two SDKs declare the same shape separately). */
export type Item = Record<string, AttributeValue>

/**
 * A canonical text for an item or key: equal for equal contents, whatever the attribute order or the order of
 * set members. Used as a map key and to recognise an image the replicator wrote itself.
 */
export function canonicalItem(item: Item): string {
  return canonicalMap(item)
}

function canonicalMap(map: Record<string, AttributeValue>): string {
  const entries = Object.keys(map)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonicalValue(map[name] as AttributeValue)}`)
  return `{${entries.join(',')}}`
}

function canonicalValue(value: AttributeValue): string {
  if (value.S !== undefined) return `S${JSON.stringify(value.S)}`
  if (value.N !== undefined) return `N${JSON.stringify(value.N)}`
  if (value.B !== undefined) return `B${Buffer.from(value.B).toString('base64')}`
  if (value.BOOL !== undefined) return value.BOOL ? 'T' : 'F'
  if (value.NULL !== undefined) return 'Z'
  if (value.SS !== undefined) return `SS${JSON.stringify([...value.SS].sort())}`
  if (value.NS !== undefined) return `NS${JSON.stringify([...value.NS].sort())}`
  if (value.BS !== undefined) return `BS${JSON.stringify(value.BS.map((bytes) => Buffer.from(bytes).toString('base64')).sort())}`
  if (value.L !== undefined) return `L[${value.L.map(canonicalValue).join(',')}]`
  if (value.M !== undefined) return `M${canonicalMap(value.M)}`
  throw new TypeError(`Unsupported attribute value with members ${Object.keys(value).join(', ')}`)
}

/** The key attributes of `item`, in the order of the table's key schema. */
export function keyOf(item: Item, keyNames: readonly string[]): Item {
  const key: Item = {}
  for (const name of keyNames) {
    const value = item[name]
    if (value === undefined) throw new TypeError(`Item has no key attribute ${name}`)
    key[name] = value
  }
  return key
}
