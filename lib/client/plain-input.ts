import { ClientOperationError } from '../errors'

/*
 * The client decides what to encrypt, check or refuse from the request input, but DynamoDB receives that input as the
 * SDK serializes it to JSON. A value that JSON turns into something else would be judged as one thing and sent as
 * another: `new String('Orders')` is no table name to a Map lookup or a `typeof` check, yet arrives as "Orders", and
 * so would an object with `toJSON`. Requests that may touch a configured table are therefore made of primitives,
 * arrays, byte arrays and plain objects only, or refused.
 */

/** DynamoDB nests attribute values 32 levels deep; a request wraps them in a few levels more. */
const MAX_DEPTH = 256

/** Refuses `input` if any value in it is not a primitive, array, byte array or plain object. */
export function refuseDisguisedValues(command: string, input: object): void {
  const path = disguisedValuePath(input, 0)
  if (path === undefined) return
  const [where, what] = path
  throw new ClientOperationError(
    'ERR_UNSUPPORTED_OPERATION',
    `${command.replace(/Command$/, '')}: ${where === '' ? 'the input' : where.replace(/^\./, '')} is ${what}. The encrypted client checks a request as DynamoDB will ` +
      'receive it, and this value would change when serialized: pass primitive strings, numbers and booleans, arrays, Uint8Arrays and plain objects.',
  )
}

/** `[path, description]` of the first value that is not plain, or `undefined`. */
function disguisedValuePath(value: unknown, depth: number): [string, string] | undefined {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined
  if (depth > MAX_DEPTH) return ['', `nested more than ${MAX_DEPTH} levels deep`]
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = disguisedValuePath(value[index], depth + 1)
      if (found !== undefined) return [`[${index}]${found[0]}`, found[1]]
    }
    return undefined
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  // A plain object's prototype is a realm's Object.prototype (or null): it has no prototype of its own.
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return ['', `an object of class ${describeClass(value)}`]
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return ['', 'an object with a toJSON method']
  for (const key of Object.keys(value)) {
    const found = disguisedValuePath((value as Record<string, unknown>)[key], depth + 1)
    if (found !== undefined) return [`${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}${found[0]}`, found[1]]
  }
  return undefined
}

function describeClass(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? name : '(anonymous)'
}
