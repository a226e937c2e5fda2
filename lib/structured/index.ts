export * from './encryption-context'
export * from './normalize-number'
export * from './serialize'
export * from './canonical'
