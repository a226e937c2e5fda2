import { ClientOperationError } from '../errors'
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
  if (userCondition !== undefined) refuseUnbalancedParentheses(userCondition)
  return {
    ...request,
    ConditionExpression: userCondition === undefined || userCondition.trim() === '' ? guard : `(${userCondition}) AND ${guard}`,
    ExpressionAttributeNames: { ...names, [placeholder]: HEADER },
  }
}

/**
 * The guard is joined as `(condition) AND guard`: a condition like `a) OR (b` would turn that into `(a) OR (b) AND guard`
 * and let the update create an unsigned item. Expressions hold no string literals, so counting the characters is exact.
 */
function refuseUnbalancedParentheses(condition: string): void {
  let open = 0
  for (const char of condition) {
    if (char === '(') open++
    else if (char === ')' && --open < 0) break
  }
  if (open !== 0) {
    throw new ClientOperationError(
      'ERR_UNSUPPORTED_OPERATION',
      `ConditionExpression: its parentheses do not balance (${JSON.stringify(condition.length > 80 ? `${condition.slice(0, 80)}…` : condition)}); ` +
        'DynamoDB would reject it, and the encrypted client must add its own condition to it. Fix the parentheses.',
    )
  }
}

export function absentItemMessage(where: string, tableName: string, key: string): string {
  return (
    `${where} on encrypted table "${tableName}": no item with key ${key} is stored, and an update would create one ` +
    'without a signature, which no reader could verify. Create the item with PutItem (or updateEncryptedItem), then update it.'
  )
}

export function notEncryptedMessage(where: string, tableName: string, key: string): string {
  return (
    `${where} on encrypted table "${tableName}": the item with key ${key} is stored without ${HEADER} (not written by an encrypting ` +
    'client), and the client updates encrypted items only. Write it again through the encrypted client (PutItem), then update it.'
  )
}
