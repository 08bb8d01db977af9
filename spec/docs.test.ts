/**
 * The documentation is checked like code: scripts/check-docs.ts type-checks and runs
 * every TypeScript block of README.md and docs/*.md and every `@example` of the public
 * API. It runs as a child process (it spawns tsc and tsx itself); this test asserts that
 * it passes, and shows its report when it does not.
 */
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const run = (args: ReadonlyArray<string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('close', (code) => resolve({ code, output }))
  })

test('README.md, docs/*.md and every @example type-check and run (scripts/check-docs.ts)', async (t) => {
  // About 35 s on a quiet machine; a loaded one (or CI's first run) takes several times that.
  t.timeout(480_000)
  const r = await run(['scripts/check-docs.ts'])
  if (r.code !== 0) t.log(r.output)
  t.is(r.code, 0, 'scripts/check-docs.ts failed: run `npx tsx scripts/check-docs.ts` to see why')
  t.regex(r.output, /docs check: OK/)
})
