import { execFileSync } from 'node:child_process'

/**
 * "One core" means one CPU: while a one-core sample runs, every thread of this process (event loop, libuv thread pool,
 * V8's helpers, idle workers) is pinned to a single CPU with `taskset -a`, so work the library hands to the thread pool
 * cannot borrow a second core. Without taskset (not Linux, or not installed) samples run unpinned and say so.
 */
export interface OneCpu {
  pinned: boolean
  description: string
  run<T>(sample: () => Promise<T>): Promise<T>
}

function affinityOf(pid: number): string | undefined {
  try {
    const out = execFileSync('taskset', ['-cp', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return /:\s*([0-9,\-]+)\s*$/.exec(out.trim())?.[1]
  } catch {
    return undefined
  }
}

function setAffinity(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' })
}

export function oneCpu(): OneCpu {
  const pid = process.pid
  const all = process.platform === 'linux' ? affinityOf(pid) : undefined
  if (all === undefined) {
    return { pinned: false, description: 'unpinned (taskset unavailable): one item at a time', run: (sample) => sample() }
  }
  const first = all.split(/[,\-]/)[0]
  return {
    pinned: true,
    description: `all threads pinned to CPU ${first} (taskset -a), one item at a time`,
    async run(sample) {
      setAffinity(pid, first)
      try {
        return await sample()
      } finally {
        setAffinity(pid, all)
      }
    },
  }
}
