import { ItemVerificationError } from '../../lib/errors'
import { endOfTurnCrypto, inFlight } from '../../lib/client/end-of-turn'
import type { ItemCrypto } from '../../lib/client/encrypted-table'
import type { Item, TableEncryptionConfig } from '../../lib/types'
import { ItemEncryptor } from '../../lib/item'
import { buildTables } from '../../lib/client/tables'
import { rawAesKeyring } from '../../lib/materials/keyrings'

/** An ItemCrypto that records when each call starts and answers with the item's id, or fails for "bad" ids. */
function recordingCrypto(log: string[]): ItemCrypto {
  const answer = async (kind: string, item: Item): Promise<Item> => {
    const id = item.id.S as string
    log.push(`${kind} ${id}`)
    await Promise.resolve()
    if (id.startsWith('bad')) throw new ItemVerificationError('ERR_SIGNATURE_INVALID', `item ${id} does not verify`)
    if (id.startsWith('throw')) throw new TypeError(`item ${id} is not an item`)
    return { id: { S: `${kind}(${id})` } }
  }
  return { encryptItem: (item) => answer('encrypt', item), decryptItem: (item) => answer('decrypt', item) }
}

const item = (id: string): Item => ({ id: { S: id } })
const UNSIGNED = { signed: false }

/** Requests started together, each reaching its item crypto after a step of its own (as in the SDK's pipeline). */
function requests<T>(count: number, crypto: (index: number) => Promise<T>): Array<Promise<T>> {
  return Array.from({ length: count }, (_, index) =>
    inFlight(async () => {
      await Promise.resolve()
      return crypto(index)
    }),
  )
}

/** Counts turns of the event loop: a setImmediate that schedules itself runs once per turn. */
function countTurns(): { current: () => number; stop: () => void } {
  let turn = 0
  let ticking = true
  const tick = (): void => {
    turn++
    if (ticking) setImmediate(tick)
  }
  setImmediate(tick)
  return { current: () => turn, stop: () => (ticking = false) }
}

/**
 * Stops the clock the turn budget reads, so that tests of the unit limits count items per turn exactly even on a loaded
 * machine, where a preempted turn could otherwise run out of its 4 ms.
 */
function freezeClock(): () => void {
  const now = performance.now()
  const clock = jest.spyOn(performance, 'now').mockReturnValue(now)
  return () => clock.mockRestore()
}

/** How many items started in each turn, in turn order. */
function itemsPerTurn(startedIn: number[]): number[] {
  return [...new Set(startedIn)].map((turn) => startedIn.filter((t) => t === turn).length)
}

describe('item crypto at the end of the event-loop turn', () => {
  it('starts the calls of one turn together after the turn, each with its own result', async () => {
    const log: string[] = []
    const crypto = endOfTurnCrypto(recordingCrypto(log), UNSIGNED)
    const calls = requests(3, (i) => (i === 1 ? crypto.decryptItem(item('b')) : crypto.encryptItem(item(i === 0 ? 'a' : 'c'))))
    await Promise.resolve()
    await Promise.resolve()
    log.push('turn ends')
    await expect(Promise.all(calls)).resolves.toEqual([{ id: { S: 'encrypt(a)' } }, { id: { S: 'decrypt(b)' } }, { id: { S: 'encrypt(c)' } }])
    expect(log).toEqual(['turn ends', 'encrypt a', 'decrypt b', 'encrypt c'])
  })

  it('a failing item fails only its own call, with its own error', async () => {
    const crypto = endOfTurnCrypto(recordingCrypto([]), UNSIGNED)
    const ids = ['ok-1', 'bad-2', 'throw-3', 'ok-4']
    const results = await Promise.allSettled(requests(ids.length, (i) => crypto.decryptItem(item(ids[i]))))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', message: 'item bad-2 does not verify' })
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError)
  })

  it('a synchronous throw from the crypto rejects that call only', async () => {
    const crypto = endOfTurnCrypto({
      encryptItem: (i) => {
        if (i.id.S === 'sync') throw new RangeError('thrown before any promise')
        return Promise.resolve(i)
      },
      decryptItem: (i) => Promise.resolve(i),
    }, UNSIGNED)
    const results = await Promise.allSettled(requests(2, (i) => crypto.encryptItem(item(i === 0 ? 'sync' : 'fine'))))
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError)
    expect(results[1]).toEqual({ status: 'fulfilled', value: item('fine') })
  })

  it('a burst starts at most 32 unsigned items per turn, the rest in the next turns, in order', async () => {
    const log: string[] = []
    const thawClock = freezeClock()
    const turns = countTurns()
    const startedIn: number[] = []
    const inner = recordingCrypto(log)
    const crypto = endOfTurnCrypto({
      encryptItem: (i) => {
        startedIn.push(turns.current())
        return inner.encryptItem(i)
      },
      decryptItem: (i) => inner.decryptItem(i),
    }, UNSIGNED)
    try {
      const ids = Array.from({ length: 100 }, (_, n) => `i${n}`)
      const out = await Promise.all(requests(ids.length, (i) => crypto.encryptItem(item(ids[i]))))
      expect(out.map((o) => o.id.S)).toEqual(ids.map((id) => `encrypt(${id})`))
      expect(log).toEqual(ids.map((id) => `encrypt ${id}`))
    } finally {
      turns.stop()
      thawClock()
    }
    expect(itemsPerTurn(startedIn)).toEqual([32, 32, 32, 4])
  })

  it('a signed item weighs 8 unsigned ones: a burst of 10 signed items starts 4, 4 and 2 per turn', async () => {
    const thawClock = freezeClock()
    const turns = countTurns()
    const startedIn: number[] = []
    const crypto = endOfTurnCrypto(
      {
        encryptItem: (i) => {
          startedIn.push(turns.current())
          return Promise.resolve(i)
        },
        decryptItem: (i) => Promise.resolve(i),
      },
      { signed: true },
    )
    try {
      await Promise.all(requests(10, (i) => crypto.encryptItem(item(`s${i}`))))
    } finally {
      turns.stop()
      thawClock()
    }
    expect(itemsPerTurn(startedIn)).toEqual([4, 4, 2])
  })

  it('tables share the turns: a signed item that would overfill a turn waits for the next, and order is kept', async () => {
    const thawClock = freezeClock()
    const turns = countTurns()
    const started: Array<[string, number]> = []
    const record = (i: Item) => {
      started.push([i.id.S as string, turns.current()])
      return Promise.resolve(i)
    }
    const unsigned = endOfTurnCrypto({ encryptItem: record, decryptItem: record }, UNSIGNED)
    const signed = endOfTurnCrypto({ encryptItem: record, decryptItem: record }, { signed: true })
    const ids = [...Array.from({ length: 30 }, (_, n) => `u${n}`), 'signed', 'last']
    try {
      await Promise.all(requests(ids.length, (i) => (ids[i] === 'signed' ? signed : unsigned).decryptItem(item(ids[i]))))
    } finally {
      turns.stop()
      thawClock()
    }
    expect(started.map(([id]) => id)).toEqual(ids)
    const turnOf = new Map(started)
    expect(turnOf.get('u29')).toBe(turnOf.get('u0'))
    expect(turnOf.get('signed')).toBe((turnOf.get('u0') as number) + 1)
    expect(turnOf.get('last')).toBe(turnOf.get('signed'))
  })

  it('a turn stops starting items after its time budget (4 ms); the rest start in later turns', async () => {
    const turns = countTurns()
    const startedIn: number[] = []
    const slow = endOfTurnCrypto({
      encryptItem: async (i) => {
        startedIn.push(turns.current())
        const until = performance.now() + 3
        while (performance.now() < until) {
          // a signed item's synchronous share of work, stretched
        }
        return i
      },
      decryptItem: (i) => Promise.resolve(i),
    }, UNSIGNED)
    try {
      await Promise.all(requests(10, (i) => slow.encryptItem(item(`s${i}`))))
    } finally {
      turns.stop()
    }
    const perTurn = itemsPerTurn(startedIn)
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(10)
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(2)
  })

  it('a lone request does not wait for the end of the turn', async () => {
    const log: string[] = []
    const crypto = endOfTurnCrypto(recordingCrypto(log), UNSIGNED)
    await new Promise((resolve) => setImmediate(resolve))
    const call = inFlight(() => crypto.encryptItem(item('alone')))
    log.push('same turn')
    await expect(call).resolves.toEqual({ id: { S: 'encrypt(alone)' } })
    expect(log).toEqual(['encrypt alone', 'same turn'])
    // And a synchronous throw still arrives as a rejection (in a later turn, so it too starts at once).
    await new Promise((resolve) => setImmediate(resolve))
    const throwing = endOfTurnCrypto({ encryptItem: () => { throw new RangeError('sync') }, decryptItem: (i) => Promise.resolve(i) }, UNSIGNED)
    await expect(inFlight(() => throwing.encryptItem(item('x')))).rejects.toBeInstanceOf(RangeError)
  })

  it('a lone request with a page of items starts the first at once and the rest after the turn', async () => {
    const log: string[] = []
    const crypto = endOfTurnCrypto(recordingCrypto(log), UNSIGNED)
    await new Promise((resolve) => setImmediate(resolve))
    const page = inFlight(async () => {
      const items = ['p0', 'p1', 'p2'].map((id) => crypto.decryptItem(item(id)))
      log.push('page parsed')
      return Promise.all(items)
    })
    await expect(page).resolves.toEqual([{ id: { S: 'decrypt(p0)' } }, { id: { S: 'decrypt(p1)' } }, { id: { S: 'decrypt(p2)' } }])
    expect(log).toEqual(['decrypt p0', 'page parsed', 'decrypt p1', 'decrypt p2'])
  })

  it('counts requests in flight only while they run, failures included', async () => {
    const log: string[] = []
    const crypto = endOfTurnCrypto(recordingCrypto(log), UNSIGNED)
    await Promise.allSettled(requests(5, (i) => (i === 2 ? Promise.reject(new Error('request failed')) : crypto.encryptItem(item(`r${i}`)))))
    // All five have finished: the next lone request runs at once again.
    const call = inFlight(() => crypto.encryptItem(item('after')))
    log.push('same turn')
    await call
    expect(log.slice(-2)).toEqual(['encrypt after', 'same turn'])
  })

  it('does not wait for fake timers: encryption proceeds while a test holds the clock', async () => {
    jest.useFakeTimers()
    try {
      const crypto = endOfTurnCrypto(recordingCrypto([]), UNSIGNED)
      await expect(Promise.all(requests(2, (i) => crypto.encryptItem(item(`x${i}`))))).resolves.toEqual([{ id: { S: 'encrypt(x0)' } }, { id: { S: 'encrypt(x1)' } }])
    } finally {
      jest.useRealTimers()
    }
  }, 5000)

  it('does not wait for a node:timers setImmediate replaced after it loaded (as @sinonjs/fake-timers does on Node\'s own global)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const timers = require('node:timers') as { setImmediate: typeof setImmediate }
    const real = timers.setImmediate
    let held = 0
    timers.setImmediate = ((): NodeJS.Immediate => {
      held++ // a frozen clock: the callback never runs
      return {} as NodeJS.Immediate
    }) as unknown as typeof setImmediate
    let timer: NodeJS.Timeout | undefined
    try {
      const crypto = endOfTurnCrypto(recordingCrypto([]), UNSIGNED)
      // Bounded here, so that a failure restores setImmediate (jest itself needs it) instead of hanging the run.
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still waiting after 2 s (${held} setImmediate calls held)`)), 2000)
      })
      await expect(Promise.race([Promise.all(requests(2, (i) => crypto.encryptItem(item(`y${i}`)))), stuck])).resolves.toEqual([
        { id: { S: 'encrypt(y0)' } },
        { id: { S: 'encrypt(y1)' } },
      ])
      expect(held).toBe(0)
    } finally {
      clearTimeout(timer)
      timers.setImmediate = real
    }
  }, 5000)

  it.each([
    ['the signed suite (the default)', undefined, [4, 4, 2]],
    ['the unsigned suite', 'ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_SYMSIG_HMAC_SHA384' as const, [10]],
  ])('a configured table weighs its items by its suite: %s', async (_label, algorithmSuiteId, expected) => {
    const config: TableEncryptionConfig = {
      partitionKeyName: 'id',
      attributeActionsOnEncrypt: { id: 'SIGN_ONLY' },
      keyring: rawAesKeyring({ keyNamespace: 'end-of-turn', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) }),
      ...(algorithmSuiteId === undefined ? {} : { algorithmSuiteId }),
    }
    const table = buildTables({ tables: { orders: config } }).get('orders')
    const thawClock = freezeClock()
    const turns = countTurns()
    const startedIn: number[] = []
    const encrypt = jest.spyOn(ItemEncryptor.prototype, 'encryptItem').mockImplementation((i: Item) => {
      startedIn.push(turns.current())
      return Promise.resolve(i)
    })
    try {
      await Promise.all(requests(10, (i) => (table as NonNullable<typeof table>).encrypt(item(`t${i}`), 'PutItem')))
    } finally {
      encrypt.mockRestore()
      turns.stop()
      thawClock()
    }
    expect(itemsPerTurn(startedIn)).toEqual(expected)
  })
})
