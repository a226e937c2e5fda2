import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Item } from '../types'

/** Sets an attribute as an own property, so that a name like `__proto__` is data, not the object's prototype. */
export function setAttribute(item: Item, name: string, value: AttributeValue): void {
  Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true })
}
