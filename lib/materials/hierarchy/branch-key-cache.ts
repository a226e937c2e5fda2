import { performance } from 'node:perf_hooks'
import type { BranchKeyMaterials } from '../branch-key-store'

interface Entry {
  materials: BranchKeyMaterials
  expiresAt: number
}

/**
 * Branch keys by cache key, each kept for `ttlSeconds` (monotonic clock), at most `capacity` of them (the oldest
 * entry goes first). Concurrent misses for one key share a single store call. A TTL of 0 disables caching.
 */
export class BranchKeyCache {
  private readonly entries = new Map<string, Entry>()
  private readonly inFlight = new Map<string, Promise<BranchKeyMaterials>>()

  constructor(
    private readonly ttlSeconds: number,
    private readonly capacity: number,
  ) {}

  async get(cacheKey: string, load: () => Promise<BranchKeyMaterials>): Promise<BranchKeyMaterials> {
    const now = performance.now()
    const hit = this.entries.get(cacheKey)
    if (hit !== undefined) {
      if (hit.expiresAt > now) return hit.materials
      this.entries.delete(cacheKey)
    }
    const pending = this.inFlight.get(cacheKey)
    if (pending !== undefined) return pending
    const loading = load().finally(() => this.inFlight.delete(cacheKey))
    this.inFlight.set(cacheKey, loading)
    const materials = await loading
    this.put(cacheKey, materials)
    return materials
  }

  private put(cacheKey: string, materials: BranchKeyMaterials): void {
    if (this.ttlSeconds === 0 || this.capacity === 0) return
    this.entries.delete(cacheKey)
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
    this.entries.set(cacheKey, { materials, expiresAt: performance.now() + this.ttlSeconds * 1000 })
  }
}
