import { mapBounded, mapBoundedReleasing } from '../../lib/client/bounded'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('bounded concurrent map', () => {
  it('keeps order and never has more than the limit in flight', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      for (let i = 0; i < n; i++) await tick()
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60])
    expect(most).toBe(3)
  })

  it('rethrows the first failure after the calls already started have settled, and starts no more', async () => {
    const started: number[] = []
    const settled: number[] = []
    const run = mapBounded([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n)
      await tick()
      settled.push(n)
      if (n === 1) throw new Error('item 1 failed')
      return n
    })
    await expect(run).rejects.toThrow('item 1 failed')
    expect(settled).toEqual(started)
    expect(started.length).toBeLessThan(6)
  })

  it('the releasing form empties each slot as its call starts and hands the call its item', async () => {
    const page: Array<{ id: number } | undefined> = [0, 1, 2, 3].map((id) => ({ id }))
    const seenSlots: Array<Array<{ id: number } | undefined>> = []
    const out = await mapBoundedReleasing(page, 2, async (item, index) => {
      seenSlots.push([...page])
      await tick()
      return `${index}:${item.id}`
    })
    expect(out).toEqual(['0:0', '1:1', '2:2', '3:3'])
    expect(page).toEqual([undefined, undefined, undefined, undefined])
    // When the call for item 2 started, items 0..2 had been taken out of the page.
    expect(seenSlots[2].slice(0, 3)).toEqual([undefined, undefined, undefined])
  })
})
