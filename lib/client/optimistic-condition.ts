import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { HEADER_ATTRIBUTE as HEADER } from '../item'
import type { Item } from '../types'
import type { TablePolicy } from './table-policy'


export interface WriteCondition {
  ConditionExpression: string
  ExpressionAttributeNames: Record<string, string>
  ExpressionAttributeValues?: Record<string, AttributeValue>
}

/**
 * A condition that holds only while the stored item is the one that was read. Every encrypted write has a
 * fresh header (new message id), so an equal `aws_dbe_head` means no signed attribute changed; unsigned
 * attributes can change without touching the header, so they are compared one by one (those the config
 * names must also still be absent if they were). Not covered: a new attribute matched only by
 * `allowedUnsignedAttributePrefix`, which other writers may add in between and which the write then drops.
 */
export function unchangedSince(stored: Item | undefined, policy: TablePolicy): WriteCondition {
  if (stored === undefined) {
    return { ConditionExpression: 'attribute_not_exists(#dbe_key)', ExpressionAttributeNames: { '#dbe_key': policy.keyAttributes[0] } }
  }
  const names: Record<string, string> = { '#dbe_head': HEADER }
  const values: Record<string, AttributeValue> = { ':dbe_head': stored[HEADER] }
  const clauses = ['#dbe_head = :dbe_head']
  const unsigned = Object.keys(stored).filter((name) => policy.classify(name) === 'UNSIGNED')
  unsigned.forEach((name, n) => {
    names[`#dbe_u${n}`] = name
    values[`:dbe_u${n}`] = stored[name]
    clauses.push(`#dbe_u${n} = :dbe_u${n}`)
  })
  policy.namedUnsignedAttributes
    .filter((name) => stored[name] === undefined)
    .forEach((name, n) => {
      names[`#dbe_a${n}`] = name
      clauses.push(`attribute_not_exists(#dbe_a${n})`)
    })
  return { ConditionExpression: clauses.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values }
}
