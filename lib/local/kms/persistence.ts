import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { EncryptorError } from '../../errors'
import { fromDocument, toDocument } from './store-document'
import type { KeyStore } from './key-store'

/**
 * Reads the data file. A missing file is an empty store (undefined). A file that cannot be read back exactly is
 * refused, and never overwritten: it may be the only copy of keys that protect someone's test data.
 */
export function loadStore(file: string): KeyStore | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new EncryptorError('ERR_LOCAL_STACK', `Local KMS: cannot read the data file ${file}: ${(error as Error).message}`, { cause: error })
  }
  try {
    return fromDocument(JSON.parse(text))
  } catch (error) {
    throw new EncryptorError(
      'ERR_LOCAL_STACK',
      `Local KMS: the data file ${file} is corrupt (${(error as Error).message}). It was left untouched; ` +
        'restore it from a backup, or move it away to start with an empty key store.',
      { cause: error },
    )
  }
}

/**
 * Writes the whole store atomically and durably before the change is acknowledged: a temporary file in the same
 * folder, fsync, rename over the data file, fsync of the folder. A crash at any point leaves either the old or the
 * new file, never a torn one. Mode 0600: the file holds key material.
 */
export function saveStore(file: string, store: KeyStore): void {
  const folder = dirname(file)
  mkdirSync(folder, { recursive: true })
  const temporary = join(folder, `${temporaryPrefix(file)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const bytes = Buffer.from(`${JSON.stringify(toDocument(store), null, 1)}\n`, 'utf8')
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    let written = 0
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    unlinkSync(temporary)
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temporary, file)
  } catch (error) {
    unlinkSync(temporary)
    throw error
  }
  syncFolder(folder)
}

/**
 * Deletes temporary files a killed server left next to the data file. Only those of processes that no longer run:
 * a live one may be in the middle of a write.
 */
export function removeStaleTemporaryFiles(file: string): void {
  const prefix = temporaryPrefix(file)
  let names: string[]
  try {
    names = readdirSync(dirname(file))
  } catch {
    return
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length)) : null
    if (match === null || isRunning(Number(match[1]))) continue
    try {
      unlinkSync(join(dirname(file), name))
    } catch {
      // already gone
    }
  }
}

/**
 * Claims the data file for this server until the returned release is called: a lock file beside it holding the
 * owner's process id, created exclusively. Each server keeps the whole store in memory and rewrites the file on every
 * change, so two servers on one file would silently drop each other's keys. A lock left by a process that no longer
 * runs is taken over.
 */
export function lockDataFile(file: string): () => void {
  const lock = `${file}.lock`
  mkdirSync(dirname(file), { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(lock, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EncryptorError('ERR_LOCAL_STACK', `Local KMS: cannot create the lock file ${lock}: ${(error as Error).message}`, { cause: error })
      }
      const owner = lockOwner(lock)
      if (owner !== undefined && isRunning(owner)) {
        throw new EncryptorError(
          'ERR_LOCAL_STACK',
          `Local KMS: the data file ${file} is in use by ${owner === process.pid ? 'another server in this process' : `process ${owner}`} (lock file ${lock}). ` +
            'One server per data file: two would each overwrite the keys the other creates. Stop that server or use another data file; ' +
            'if no server uses it, delete the lock file.',
        )
      }
      try {
        unlinkSync(lock) // left by a process that no longer runs
      } catch {
        // removed by someone else meanwhile; try again
      }
      continue
    }
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    return () => {
      if (lockOwner(lock) !== process.pid) return
      try {
        unlinkSync(lock)
      } catch {
        // already gone
      }
    }
  }
  throw new EncryptorError('ERR_LOCAL_STACK', `Local KMS: cannot take the lock file ${lock}; another server is starting on the same data file.`)
}

function lockOwner(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function temporaryPrefix(file: string): string {
  return `.${basename(file)}.`
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// Makes the rename itself durable. Some platforms cannot open a folder for fsync; the rename is still atomic there.
function syncFolder(folder: string): void {
  let fd: number | undefined
  try {
    fd = openSync(folder, 'r')
    fsyncSync(fd)
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
