import { ALIAS_NAME_PATTERN, aliasArn, parseKeyReference } from '../arn'
import { KmsError } from '../kms-error'
import type { RequestFields } from '../request-fields'
import type { Operation, OperationContext } from './context'
import { epochSeconds, findKey, readKeyId, requireNotPending } from './key-checks'
import { paginate, readPage } from './keys'

const ALIAS_RULES = { min: 1, max: 256 } as const

function readAliasName(fields: RequestFields, forCreation: boolean): string {
  const name = fields.requiredString('AliasName', ALIAS_RULES)
  if (!name.startsWith('alias/')) {
    throw new KmsError('ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html')
  }
  if (!ALIAS_NAME_PATTERN.test(name)) {
    throw new KmsError('ValidationException', `1 validation error detected: Value '${name.slice(0, 64)}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$`)
  }
  if (forCreation && name.startsWith('alias/aws/')) {
    throw new KmsError('InvalidAliasNameException', `Alias names beginning with "alias/aws/" are reserved for AWS managed keys: ${name}`)
  }
  return name
}

const createAlias: Operation = {
  mutates: true,
  run(fields, context) {
    const aliasName = readAliasName(fields, true)
    const target = findKey(readKeyId(fields, 'TargetKeyId'), context)
    requireNotPending(target, context)
    if (context.store.alias(context.region, aliasName) !== undefined) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${aliasArn(context.region, context.store.accountId, aliasName)} already exists`)
    }
    context.store.setAlias(context.region, { aliasName, targetKeyId: target.keyId, creationDate: context.now, lastUpdatedDate: context.now })
    return {}
  },
}

const updateAlias: Operation = {
  mutates: true,
  run(fields, context) {
    const aliasName = readAliasName(fields, true)
    const target = findKey(readKeyId(fields, 'TargetKeyId'), context)
    const alias = context.store.alias(context.region, aliasName)
    if (alias === undefined) throw notFound(aliasName, context)
    requireNotPending(target, context)
    const current = context.store.get(context.region, alias.targetKeyId)
    if (current !== undefined && (current.material.keyUsage !== target.material.keyUsage || current.material.keySpec !== target.material.keySpec)) {
      throw new KmsError('ValidationException', `${aliasName} points to a ${current.material.keySpec} ${current.material.keyUsage} key; an alias can only move to a key of the same spec and usage.`)
    }
    alias.targetKeyId = target.keyId
    alias.lastUpdatedDate = context.now
    return {}
  },
}

const deleteAlias: Operation = {
  mutates: true,
  run(fields, context) {
    const aliasName = readAliasName(fields, false)
    if (context.store.alias(context.region, aliasName) === undefined) throw notFound(aliasName, context)
    context.store.deleteAlias(context.region, aliasName)
    return {}
  },
}

const listAliases: Operation = {
  mutates: false,
  run(fields, context) {
    const keyIdFilter = fields.string('KeyId', { min: 1, max: 2048 })
    if (keyIdFilter !== undefined && parseKeyReference(keyIdFilter).kind === 'alias') {
      throw new KmsError('ValidationException', 'ListAliases KeyId must be a key id or key ARN, not an alias.')
    }
    const page = readPage(fields, 100)
    const target = keyIdFilter === undefined ? undefined : findKey(keyIdFilter, context)
    const aliases = context.store
      .aliasesIn(context.region)
      .filter((alias) => target === undefined || alias.targetKeyId === target.keyId)
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1))
    const { items, nextMarker } = paginate(aliases, page, (alias) => alias.aliasName)
    return {
      Aliases: items.map((alias) => ({
        AliasName: alias.aliasName,
        AliasArn: aliasArn(context.region, context.store.accountId, alias.aliasName),
        TargetKeyId: alias.targetKeyId,
        CreationDate: epochSeconds(alias.creationDate),
        LastUpdatedDate: epochSeconds(alias.lastUpdatedDate),
      })),
      Truncated: nextMarker !== undefined,
      ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
    }
  },
}

function notFound(aliasName: string, context: OperationContext): KmsError {
  return new KmsError('NotFoundException', `Alias ${aliasArn(context.region, context.store.accountId, aliasName)} is not found.`)
}

export const ALIAS_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
}
