/**
 * The benchmark's smoke mode (`tsx bench/run.ts --smoke`) runs as a child process: a
 * small generated database, every adapter's answers checked against raw's, a fraction of
 * a second per query. It must exit 0 and print a line for every query on every adapter.
 * No test here asserts a time: timings are noise on shared machines.
 */
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { ADAPTER_NAMES, QUERY_NAMES } from '../bench/names.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const runSmoke = (): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'run.ts'), '--smoke'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

test('the smoke benchmark checks every answer and reports every query on every adapter', async (t) => {
  t.timeout(90_000)
  const { code, stdout, stderr } = await runSmoke()
  t.is(code, 0, `bench/run.ts --smoke failed:\n${stderr}`)
  t.regex(stderr, /answer checks: \d+ answers equal to raw's/)
  const lines = stdout.split('\n')
  for (const q of QUERY_NAMES) {
    for (const a of ADAPTER_NAMES) {
      const line = lines.find((l) => {
        const [query, adapter, ops] = l.trim().split(/\s+/)
        return query === q && adapter === a && ops !== undefined && /^[\d,.]+$/.test(ops)
      })
      t.truthy(line, `no result line for ${q} / ${a}`)
    }
  }
  t.regex(stdout, /^stream\s+fp-lite-orm s\.stream\s+[\d,]+ rows\/s/m)
  t.regex(stdout, /^pool\s+customer-by-id\s+pool\/1\s+[\d,]+ ops\/s/m)
})
