import { KmsError } from './kms-error'

export type JsonObject = Record<string, unknown>

interface LengthRules {
  min?: number
  max?: number
  pattern?: RegExp
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Typed reads of the fields of one request body, with the errors AWS JSON services give:
 * a value of the wrong JSON type is a SerializationException, a value outside its constraints a ValidationException
 * ("1 validation error detected: Value ... at 'keyId' failed to satisfy constraint: ...").
 * Unknown fields are ignored, as AWS does. JSON null counts as absent.
 */
export class RequestFields {
  constructor(private readonly body: JsonObject) {}

  has(name: string): boolean {
    return this.raw(name) !== undefined
  }

  /** For required fields of non-string types: absent is a ValidationException "Member must not be null". */
  requirePresent(name: string): void {
    if (!this.has(name)) throwMissing(name)
  }

  string(name: string, rules: LengthRules = {}): string | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw wrongType(name, 'a string', value)
    checkLength(name, value.length, rules, display(value))
    if (rules.pattern !== undefined && !rules.pattern.test(value)) {
      throw invalid(name, display(value), `Member must satisfy regular expression pattern: ${rules.pattern.source}`)
    }
    return value
  }

  requiredString(name: string, rules: LengthRules = {}): string {
    return this.string(name, rules) ?? throwMissing(name)
  }

  /** A blob field: base64 on the wire. Its value never appears in messages (it may be a plaintext). */
  blob(name: string, rules: LengthRules = {}): Buffer | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw wrongType(name, 'a base64 string', value)
    if (!BASE64.test(value)) throw new KmsError('SerializationException', `'${name}' is not valid base64.`)
    const bytes = Buffer.from(value, 'base64')
    checkLength(name, bytes.length, rules, undefined)
    return bytes
  }

  requiredBlob(name: string, rules: LengthRules = {}): Buffer {
    return this.blob(name, rules) ?? throwMissing(name)
  }

  integer(name: string, rules: { min?: number; max?: number } = {}): number | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrongType(name, 'an integer', value)
    if (rules.max !== undefined && value > rules.max) {
      throw invalid(name, String(value), `Member must have value less than or equal to ${rules.max}`)
    }
    if (rules.min !== undefined && value < rules.min) {
      throw invalid(name, String(value), `Member must have value greater than or equal to ${rules.min}`)
    }
    return value
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value !== 'boolean') throw wrongType(name, 'a boolean', value)
    return value
  }

  enumeration<T extends string>(name: string, allowed: readonly T[], alsoKnown: readonly string[] = []): T | undefined {
    const value = this.string(name)
    if (value === undefined) return undefined
    if ((allowed as readonly string[]).includes(value)) return value as T
    if (alsoKnown.includes(value)) {
      throw new KmsError('UnsupportedOperationException', `${name} ${value} is not supported by the local KMS; use one of: ${allowed.join(', ')}.`)
    }
    throw invalid(name, display(value), `Member must satisfy enum value set: [${[...allowed, ...alsoKnown].join(', ')}]`)
  }

  /** A string-to-string map such as EncryptionContext. */
  stringMap(name: string): Record<string, string> | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongType(name, 'a map of strings', value)
    const map: Record<string, string> = Object.create(null) as Record<string, string>
    for (const [key, entry] of Object.entries(value as JsonObject)) {
      if (typeof entry !== 'string') throw wrongType(`${name}.${key}`, 'a string', entry)
      map[key] = entry
    }
    return map
  }

  stringList(name: string, rules: { maxItems: number; min?: number; max?: number }): string[] | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (!Array.isArray(value)) throw wrongType(name, 'a list of strings', value)
    if (value.length > rules.maxItems) {
      throw invalid(name, `[${value.length} items]`, `Member must have length less than or equal to ${rules.maxItems}`)
    }
    return value.map((item, index) => {
      if (typeof item !== 'string') throw wrongType(`${name}.${index + 1}`, 'a string', item)
      checkLength(`${name}.${index + 1}`, item.length, rules, display(item))
      return item
    })
  }

  /** A list of `{ TagKey, TagValue }`, as CreateKey, ReplicateKey and TagResource take. */
  tags(name: string): { TagKey: string; TagValue: string }[] | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    if (!Array.isArray(value)) throw wrongType(name, 'a list of tags', value)
    return value.map((item, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw wrongType(`${name}.${index + 1}`, 'a tag', item)
      const tag = new RequestFields(item as JsonObject)
      return {
        TagKey: tag.requiredString('TagKey', { min: 1, max: 128 }),
        TagValue: tag.requiredString('TagValue', { min: 0, max: 256 }),
      }
    })
  }

  private raw(name: string): unknown {
    if (!Object.hasOwn(this.body, name)) return undefined
    const value = this.body[name]
    return value === null ? undefined : value
  }
}

function checkLength(name: string, length: number, rules: LengthRules, shown: string | undefined): void {
  if (rules.max !== undefined && length > rules.max) {
    throw invalid(name, shown, `Member must have length less than or equal to ${rules.max}`)
  }
  if (rules.min !== undefined && length < rules.min) {
    throw invalid(name, shown, `Member must have length greater than or equal to ${rules.min}`)
  }
}

function invalid(name: string, shown: string | undefined, constraint: string): KmsError {
  const value = shown === undefined ? 'Value' : `Value '${shown}'`
  return new KmsError('ValidationException', `1 validation error detected: ${value} at '${memberName(name)}' failed to satisfy constraint: ${constraint}`)
}

function throwMissing(name: string): never {
  throw new KmsError('ValidationException', `1 validation error detected: Value null at '${memberName(name)}' failed to satisfy constraint: Member must not be null`)
}

function wrongType(name: string, expected: string, value: unknown): KmsError {
  const actual = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
  return new KmsError('SerializationException', `'${name}' must be ${expected}, but the request has ${actual}.`)
}

// AWS names members in lower camel case in validation messages ("keyId", "numberOfBytes").
function memberName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

function display(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value
}
