/**
 * Maps with at most `limit` calls in flight, keeping order. The first failure stops new calls and is
 * rethrown once the calls already started have settled, so no rejection is left unhandled.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return mapBoundedFrom(items, limit, fn, false)
}

/**
 * `mapBounded` that takes the array over and empties each slot as its call starts, so an input can be collected as
 * soon as its call is done (a page of stored items need not stay alive until the last one is decrypted).
 */
export async function mapBoundedReleasing<T, R>(items: Array<T | undefined>, limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return mapBoundedFrom(items as readonly T[], limit, fn, true)
}

async function mapBoundedFrom<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, release: boolean): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++
      const item = items[index]
      if (release) (items as Array<T | undefined>)[index] = undefined
      try {
        results[index] = await fn(item, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== undefined) throw failure.error
  return results
}
