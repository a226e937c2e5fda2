import { HEADER_ATTRIBUTE as HEADER } from '../item'

interface ConditionalRequest {
  ConditionExpression?: string
  ExpressionAttributeNames?: Record<string, string>
}

/**
 * UpdateItem creates the item when the key is absent, and such an item would hold only the key and unsigned
 * attributes, with no header or footer: unreadable through the encrypted client. Requiring a stored header
 * makes an update change encrypted items only.
 */
export function requireStoredHeader<R extends ConditionalRequest>(request: R): R {
  const names = request.ExpressionAttributeNames ?? {}
  let placeholder = '#dbe_stored_head'
  for (let n = 1; Object.prototype.hasOwnProperty.call(names, placeholder) && names[placeholder] !== HEADER; n++) {
    placeholder = `#dbe_stored_head${n}`
  }
  const guard = `attribute_exists(${placeholder})`
  const userCondition = request.ConditionExpression
  return {
    ...request,
    ConditionExpression: userCondition === undefined || userCondition.trim() === '' ? guard : `(${userCondition}) AND ${guard}`,
    ExpressionAttributeNames: { ...names, [placeholder]: HEADER },
  }
}

export function absentItemMessage(where: string, tableName: string, key: string): string {
  return (
    `${where} on encrypted table "${tableName}": no item with key ${key} is stored, and an update would create one ` +
    'without a signature, which no reader could verify. Create the item with PutItem (or updateEncryptedItem), then update it.'
  )
}
