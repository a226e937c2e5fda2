import { ALIAS_OPERATIONS } from './aliases'
import type { Operation } from './context'
import { KEY_OPERATIONS } from './keys'
import { MULTI_REGION_OPERATIONS } from './multi-region'
import { SIGNING_OPERATIONS } from './signing'
import { SYMMETRIC_OPERATIONS } from './symmetric'

/** Every operation the local KMS serves, by the name in `X-Amz-Target: TrentService.<name>`. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  Object.entries({
    ...KEY_OPERATIONS,
    ...MULTI_REGION_OPERATIONS,
    ...ALIAS_OPERATIONS,
    ...SYMMETRIC_OPERATIONS,
    ...SIGNING_OPERATIONS,
  }),
)

export type { Operation, OperationContext } from './context'
