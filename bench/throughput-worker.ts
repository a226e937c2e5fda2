import { parentPort } from 'node:worker_threads'
import { prepareCell, runFor, type Cell, type Operation, type Runner } from './cells'
import type { SuiteLabel } from './items'

/** A worker thread of the all-cores measurement: prepares cells on request and runs what it is told. */
export interface WorkerRequest {
  id: number
  suite: SuiteLabel
  size: number
  runner: Runner
  op: Operation
  ms: number
  minCount: number
  warmUpMs: number
}

const cells = new Map<string, Cell>()
const port = parentPort
if (port === null) throw new Error('throughput-worker must run in a worker thread')

port.on('message', (request: WorkerRequest) => {
  void (async () => {
    const key = `${request.suite}/${request.size}`
    let cell = cells.get(key)
    if (cell === undefined) {
      cells.clear()
      cell = await prepareCell(request.suite, request.size, request.warmUpMs)
      cells.set(key, cell)
    }
    if (request.ms === 0) return port.postMessage({ id: request.id, count: 0, ms: 0 })
    const sample = await runFor(cell, request.runner, request.op, request.ms, request.minCount)
    port.postMessage({ id: request.id, ...sample })
  })().catch((error: unknown) => port.postMessage({ id: request.id, error: String(error instanceof Error ? error.stack : error) }))
})
