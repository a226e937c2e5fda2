import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { canonicalItem } from '../../lib/local/global-table/item-identity'
import { ReplicationState } from '../../lib/local/global-table/replication-state'
import type { ChangeRecord } from '../../lib/local/global-table/stream-reader'
import { compareVersions } from '../../lib/local/global-table/write-version'

// The bookkeeping of replication, driven with hand-made stream records: orders of events DynamoDB Local
// produces only by chance (a local write landing between a replicated write and its echo) are played exactly.

type Item = Record<string, AttributeValue>
const A = 'us-east-1'
const B = 'us-west-2'
const C = 'eu-west-1'
const key: Item = { pk: { S: 'k' } }
const image = (value: string): Item => ({ ...key, value: { S: value } })
let sequence = 0
const put = (value: string): ChangeRecord => ({ key, newImage: image(value), sequenceNumber: String(++sequence) })
const remove = (): ChangeRecord => ({ key, newImage: undefined, sequenceNumber: String(++sequence) })

/** Applies every due write as a change and returns them as region → value written (undefined: delete). */
function applyDue(state: ReplicationState, now: number, delayMs = 0): Map<string, string | undefined> {
  const written = new Map<string, string | undefined>()
  for (const { region, keyText: text, write } of state.dueWrites(now, delayMs)) {
    state.applied(region, text, write.version, write.image === undefined ? undefined : canonicalItem(write.image), true)
    written.set(region, write.image?.value?.S)
  }
  return written
}

test('a local write goes to every other Region once, and its echoes are recognised, not replicated', () => {
  const state = new ReplicationState([A, B, C])
  state.observe(A, put('x'), 1_000)
  expect(applyDue(state, 1_000)).toEqual(new Map([[B, 'x'], [C, 'x']]))
  expect(state.isSettled()).toBe(false) // echoes outstanding
  expect(applyDue(state, 1_010)).toEqual(new Map()) // nothing is written twice while waiting
  state.observe(B, put('x'), 1_050)
  state.observe(C, put('x'), 1_050)
  expect(applyDue(state, 1_100)).toEqual(new Map())
  expect(state.isSettled()).toBe(true)
  expect(state.stats[A]).toEqual({ localWrites: 1, replicatedWrites: 0, echoesSuppressed: 0, conflictsLost: 0, failedApplies: 0 })
  expect(state.stats[B]).toEqual({ localWrites: 0, replicatedWrites: 1, echoesSuppressed: 1, conflictsLost: 0, failedApplies: 0 })
})

test('a local write that a replicated write overwrote is restored, because it is the later one', () => {
  const state = new ReplicationState([A, B])
  state.observe(A, put('x'), 1_000)
  applyDue(state, 1_000) // x written into B
  // B's stream: a user's write y that happened just before our write of x, then the echo of x.
  state.observe(B, put('y'), 1_020)
  state.observe(B, put('x'), 1_020)
  // y is the winner; B now holds x, A holds x: both get y.
  expect(applyDue(state, 1_030)).toEqual(new Map([[A, 'y'], [B, 'y']]))
  state.observe(A, put('y'), 1_080)
  state.observe(B, put('y'), 1_080)
  expect(applyDue(state, 1_100)).toEqual(new Map())
  expect(state.isSettled()).toBe(true)
  expect(state.stats[B]?.echoesSuppressed).toBe(2)
})

test('a write that changes nothing expects no echo', () => {
  const state = new ReplicationState([A, B])
  state.observe(A, put('x'), 1_000)
  const [due] = state.dueWrites(1_000, 0)
  state.applied(due!.region, due!.keyText, due!.write.version, canonicalItem(image('x')), false)
  expect(state.dueWrites(1_010, 0)).toEqual([])
  expect(state.isSettled()).toBe(true)
})

test('deletes replicate as deletes and their echoes are recognised', () => {
  const state = new ReplicationState([A, B])
  state.observe(A, put('x'), 1_000)
  applyDue(state, 1_000)
  state.observe(B, put('x'), 1_010)
  state.observe(B, remove(), 2_000)
  expect(applyDue(state, 2_000)).toEqual(new Map([[A, undefined]]))
  state.observe(A, remove(), 2_050)
  expect(applyDue(state, 2_100)).toEqual(new Map())
  expect(state.isSettled()).toBe(true)
  expect(state.stats[A]?.echoesSuppressed).toBe(1)
})

test('with replication lag, a write superseded before it left its Region is never replicated and counts as a lost conflict', () => {
  const state = new ReplicationState([A, B, C])
  state.observe(A, put('first'), 1_000)
  expect(applyDue(state, 1_500, 1_000)).toEqual(new Map()) // not due before the lag has passed
  state.observe(B, put('second'), 1_600)
  expect(applyDue(state, 2_100, 1_000)).toEqual(new Map()) // 'first' lost; 'second' is not due yet either
  expect(applyDue(state, 2_600, 1_000)).toEqual(new Map([[A, 'second'], [C, 'second']]))
  expect(state.stats[A]?.conflictsLost).toBe(1)
  expect(state.stats[B]?.conflictsLost).toBe(0)
})

test('versions order by time, then Region name, then sequence number', () => {
  expect(compareVersions({ timeMs: 1, region: 'z', sequenceNumber: '9' }, { timeMs: 2, region: 'a', sequenceNumber: '1' })).toBe(-1)
  expect(compareVersions({ timeMs: 2, region: 'eu-west-1', sequenceNumber: '9' }, { timeMs: 2, region: 'us-east-1', sequenceNumber: '1' })).toBe(-1)
  expect(compareVersions({ timeMs: 2, region: 'a', sequenceNumber: '100000000000000000000' }, { timeMs: 2, region: 'a', sequenceNumber: '99999999999999999999' })).toBe(1)
  expect(compareVersions({ timeMs: 2, region: 'a', sequenceNumber: '7' }, { timeMs: 2, region: 'a', sequenceNumber: '7' })).toBe(0)
})

test('two writes at the same time resolve the same way in every Region (higher Region name wins)', () => {
  const state = new ReplicationState([A, B])
  state.observe(A, put('from-east'), 1_000)
  state.observe(B, put('from-west'), 1_000)
  expect(applyDue(state, 1_000)).toEqual(new Map([[A, 'from-west']]))
})

test('canonical items ignore attribute and set member order but not list order', () => {
  const one: Item = { a: { SS: ['x', 'y'] }, b: { M: { p: { N: '1' }, q: { B: new Uint8Array([1, 2]) } } } }
  const same: Item = { b: { M: { q: { B: new Uint8Array([1, 2]) }, p: { N: '1' } } }, a: { SS: ['y', 'x'] } }
  expect(canonicalItem(one)).toBe(canonicalItem(same))
  expect(canonicalItem({ l: { L: [{ S: 'x' }, { S: 'y' }] } })).not.toBe(canonicalItem({ l: { L: [{ S: 'y' }, { S: 'x' }] } }))
  expect(canonicalItem({ v: { S: '1' } })).not.toBe(canonicalItem({ v: { N: '1' } }))
})
