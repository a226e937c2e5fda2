export { hierarchicalKeyring, HIERARCHY_PROVIDER_ID, type BranchKeyIdSupplier, type HierarchicalKeyringOptions } from './hierarchical-keyring'
export { staticBranchKeyStore, type StaticBranchKeyStoreOptions } from './static-branch-key-store'
