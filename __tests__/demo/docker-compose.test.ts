import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// js-yaml 3 ships no types; only `safeLoad` is used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { safeLoad } = require('js-yaml') as { safeLoad(text: string): unknown }

interface Service {
  image?: string
  command?: string | string[]
  ports?: string[]
  volumes?: string[]
}

const root = join(__dirname, '..', '..')
const compose = safeLoad(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services?: Record<string, Service> }

describe('docker-compose.yml', () => {
  it('is YAML with exactly the two services of the local stack', () => {
    expect(Object.keys(compose.services ?? {}).sort()).toEqual(['dynamodb-local', 'kms'])
  })

  it('runs DynamoDB Local on 8000 without -sharedDb, so each Region keeps its own database', () => {
    const ddb = compose.services!['dynamodb-local']
    expect(ddb.image).toMatch(/^amazon\/dynamodb-local(:|$)/)
    expect(ddb.ports).toEqual(['127.0.0.1:8000:8000']) // the host's loopback only: it accepts any credentials
    const command = [ddb.command ?? []].flat()
    expect(command).toEqual(expect.arrayContaining(['-jar', 'DynamoDBLocal.jar', '-inMemory']))
    expect(command.join(' ')).toMatch(/-port 8000/)
    expect(command).not.toContain('-sharedDb')
  })

  it('runs the local KMS of this repository on node:20, port 4566, on all interfaces of its container but published on the host loopback only', () => {
    const kms = compose.services!.kms
    expect(kms.image).toBe('node:20')
    expect(kms.ports).toEqual(['127.0.0.1:4566:4566'])
    const script = [kms.command ?? []].flat().join(' ')
    expect(script).toMatch(/npm ci\b/)
    expect(script).toMatch(/npm run build\b/)
    expect(script).toMatch(/node dist\/cli\/main\.js kms --host 0\.0\.0\.0 --port 4566/)
    // The repository is mounted read-only: npm ci in the container must not replace the host's node_modules.
    expect(kms.volumes).toEqual(['./:/src:ro'])
  })

  it('builds the entry point the service runs', () => {
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } }
    expect(build.compilerOptions).toMatchObject({ rootDir: 'lib', outDir: 'dist' })
    expect(() => readFileSync(join(root, 'lib', 'cli', 'main.ts'))).not.toThrow()
  })
})
