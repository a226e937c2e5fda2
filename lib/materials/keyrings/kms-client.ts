import { KMS, type KMSClientConfig } from '@aws-sdk/client-kms'
import { USER_AGENT } from '../../version'

type UserAgent = Exclude<NonNullable<KMSClientConfig['customUserAgent']>, string>

// Keyrings built with the same config object share one client (and its connection pool) per Region.
const clientsByConfig = new WeakMap<KMSClientConfig, Map<string, KMS>>()
const clientsWithDefaultConfig = new Map<string, KMS>()

/**
 * The aggregated `KMS` client (the ESDK keyrings call `client.generateDataKey(...)`, which a bare `KMSClient` lacks) for
 * one Region, cached per (config object, Region).
 */
export function kmsClientFor(region: string, config?: KMSClientConfig): KMS {
  let clients = config === undefined ? clientsWithDefaultConfig : clientsByConfig.get(config)
  if (clients === undefined) {
    clients = new Map()
    clientsByConfig.set(config as KMSClientConfig, clients)
  }
  let client = clients.get(region)
  if (client === undefined) {
    client = new KMS({ ...config, region, customUserAgent: withOurUserAgent(config?.customUserAgent) })
    clients.set(region, client)
  }
  return client
}

function withOurUserAgent(custom: KMSClientConfig['customUserAgent']): UserAgent {
  if (custom === undefined) return [USER_AGENT]
  return [...(typeof custom === 'string' ? [[custom] as [string]] : custom), USER_AGENT]
}
