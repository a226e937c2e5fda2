import { ItemEncryptor } from '../lib'
import { BENCH_TABLE } from './cells'
import { itemSize, makeItem, staticHierarchicalKeyring, tableConfig, type SuiteLabel } from './items'

/**
 * Run in a fresh process per item size (`node --expose-gc memory-child.js <suite> <bytes> <rounds>`): the peak of
 * `arrayBuffers + heapUsed` above the baseline while items of that size are encrypted and decrypted, sampled every
 * millisecond and around every step. Prints one JSON line.
 */
function usage(): number {
  const m = process.memoryUsage()
  return m.arrayBuffers + m.heapUsed
}

async function main(): Promise<void> {
  const [suite, bytesText, roundsText] = process.argv.slice(2)
  const size = Number(bytesText)
  const rounds = Number(roundsText)
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  const encryptor = new ItemEncryptor({ ...tableConfig(suite as SuiteLabel, staticHierarchicalKeyring()), tableName: BENCH_TABLE })
  // Warm with a small item (code compiled, branch key cached), then build the measured item: it is input, not overhead.
  const small = makeItem(1024)
  await encryptor.decryptItem(await encryptor.encryptItem(small))
  const item = makeItem(size)
  gc()
  gc()
  const baseline = usage()
  let roundBase = baseline
  let peakAbove = 0
  const sample = (): void => {
    const above = usage() - roundBase
    if (above > peakAbove) peakAbove = above
  }
  const timer = setInterval(sample, 1)
  for (let round = 0; round < rounds; round++) {
    // Each round starts from a collected heap: the figure is one item's footprint, not garbage that earlier rounds
    // left for the GC (which grows with the number of rounds, not with the item).
    gc()
    roundBase = Math.min(usage(), baseline)
    sample()
    const encrypted = await encryptor.encryptItem(item)
    sample()
    const decrypted = await encryptor.decryptItem(encrypted)
    sample()
    if (decrypted.pk === undefined) throw new Error('decrypt lost the key')
  }
  clearInterval(timer)
  process.stdout.write(
    JSON.stringify({
      itemBytes: itemSize(item),
      peakAboveBaselineBytes: peakAbove,
    }) + '\n',
  )
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
