export { startLocalKms, DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS } from './start-local-kms'
export type { LocalKms, LocalKmsOptions } from './start-local-kms'
export type { LocalKmsCall } from './call-log'
export type { LocalKmsCredentials } from './sigv4'
