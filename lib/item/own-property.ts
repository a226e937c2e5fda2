import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { setOwn } from '../structured/own-property'
import type { Item } from '../types'

/** An item's attribute, set as an own property (see `setOwn`). */
export function setAttribute(item: Item, name: string, value: AttributeValue): void {
  setOwn(item, name, value)
}
