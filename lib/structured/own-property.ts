/**
 * Sets `name` as an own property, so that a name like `__proto__` or `toString` is data, not the object's prototype or
 * a setter inherited from it. Other names are assigned plainly: defining every property would leave the object in slow
 * (dictionary) mode for everyone who reads it afterwards.
 */
export function setOwn<T>(record: Record<string, T>, name: string, value: NoInfer<T>): void {
  if (name in Object.prototype) Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true })
  else record[name] = value
}

/**
 * A plain-object copy of `record`'s own string-keyed entries, added one by one with `setOwn`. A spread (`{ ...record }`)
 * gives an object that V8 makes slow to add keys to and to freeze (about 1 µs more for an encryption context, per item).
 */
export function copyRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const copy: Record<string, T> = {}
  for (const key of Object.keys(record)) setOwn(copy, key, record[key])
  return copy
}
