import * as timers from 'node:timers'
import type { Item } from '../types'
import type { ItemCrypto } from './encrypted-table'

/*
 * Item crypto at the end of the event-loop turn. With many requests in flight, running each item's encryption or
 * decryption in the middle of its request's SDK pipeline interleaves two large code paths that evict each other from
 * the CPU's caches: with 32 requests in flight the item crypto then cost about 2.5 times the CPU it costs when the
 * items of a turn run back to back (see the README's performance section). So requests queue their items and the queue
 * starts them at the end of the turn (setImmediate), one after the other. Each item is still its own call with its own
 * result or error, nothing is shared between items, and async steps (thread-pool signing, keyring calls) still overlap.
 * A turn starts items worth at most UNITS_PER_TURN and stops starting them once TURN_BUDGET_MS have passed, so a burst
 * of requests or a page of signed items cannot hold the event loop for long. An unsigned item is one unit: all its work
 * runs when it starts. A signed item is SIGNED_ITEM_UNITS: its start is only part of its work on this thread, the rest
 * (after signing or verification on the thread pool) comes back in later turns on top of their own starts, and a turn
 * may also take a young-generation collection, made slow by the twenty-odd native cipher, HMAC and key objects each
 * item leaves. Measured on the benchmark machine: starting 32 signed items (or 4 ms of them) per turn, a 1,000-item
 * signed Query held the loop for up to 20-31 ms; 4 per turn, 12-16 ms, in the same Query time. Limiting unsigned items
 * as tightly cost about 15 % of the 32-in-flight put and get throughput, so they keep the wide limit. While a single
 * request is in flight there is nothing to group its item with, so that item starts at once; further items in the same
 * turn (the rest of a Query page) wait for the end of the turn, so that the SDK's parsing of a page and the page's
 * decryption do not add up to one long block of the event loop.
 *
 * `setImmediate` is node:timers' own, taken once when this module loads: fake timers in a user's tests replace the
 * global one (and @sinonjs/fake-timers, installed on Node's own global, node:timers' export too), and encryption must
 * not wait for a test to advance its clock.
 */
const setImmediate = timers.setImmediate

const UNITS_PER_TURN = 32
const SIGNED_ITEM_UNITS = 8
/** A turn stops starting items after this long; the rest start in the next turn. */
const TURN_BUDGET_MS = 4

interface Job {
  units: number
  run: () => void
}

const queued: Job[] = []
let requestsInFlight = 0
/** Whether an item already started at once in this turn. */
let startedAtOnce = false

function endOfTurnForStartedAtOnce(): void {
  startedAtOnce = false
}

/** Counts `request` as in flight while it runs: items wait for the end of the turn only when others are in flight. */
export async function inFlight<T>(request: () => Promise<T>): Promise<T> {
  requestsInFlight++
  try {
    return await request()
  } finally {
    requestsInFlight--
  }
}

function runQueued(): void {
  const deadline = performance.now() + TURN_BUDGET_MS
  let units = 0
  // The first item always starts, whatever its weight, so that every turn makes progress.
  while (queued.length > 0 && (units === 0 || (units + queued[0].units <= UNITS_PER_TURN && performance.now() < deadline))) {
    const job = queued.shift() as Job
    units += job.units
    job.run()
  }
  if (queued.length > 0) setImmediate(runQueued)
}

/** Starts `run`; a synchronous throw becomes a rejection like any other failure. */
function start<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run()
  } catch (error) {
    return Promise.reject(error)
  }
}

function atEndOfTurn<T>(units: number, run: () => Promise<T>): Promise<T> {
  if (requestsInFlight <= 1 && queued.length === 0 && !startedAtOnce) {
    startedAtOnce = true
    setImmediate(endOfTurnForStartedAtOnce)
    return start(run)
  }
  return new Promise<T>((resolve, reject) => {
    if (queued.length === 0) setImmediate(runQueued)
    queued.push({
      units,
      run: () => {
        start(run).then(resolve, reject)
      },
    })
  })
}

/**
 * `crypto`, with every call started at the end of the current event-loop turn, together with the others. `signed`:
 * whether the table's items carry ECDSA signatures (its configured suite), which makes each weigh more in a turn.
 */
export function endOfTurnCrypto(crypto: ItemCrypto, options: { signed: boolean }): ItemCrypto {
  const units = options.signed ? SIGNED_ITEM_UNITS : 1
  return {
    encryptItem: (item: Item) => atEndOfTurn(units, () => crypto.encryptItem(item)),
    decryptItem: (item: Item) => atEndOfTurn(units, () => crypto.decryptItem(item)),
  }
}
