import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Item } from '../types'

/**
 * Sets an attribute as an own property, so that a name like `__proto__` or `toString` is data, not the object's
 * prototype or a setter inherited from it. Other names are assigned plainly: defining every property would leave the
 * item in slow (dictionary) mode for everyone who reads it afterwards.
 */
export function setAttribute(item: Item, name: string, value: AttributeValue): void {
  if (name in Object.prototype) Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true })
  else item[name] = value
}
