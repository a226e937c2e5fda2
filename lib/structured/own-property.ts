/**
 * Sets `name` as an own property, so that a name like `__proto__` or `toString` is data, not the object's prototype or
 * a setter inherited from it. Other names are assigned plainly: defining every property would leave the object in slow
 * (dictionary) mode for everyone who reads it afterwards.
 */
export function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  if (name in Object.prototype) Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true })
  else record[name] = value
}
