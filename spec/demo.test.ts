/**
 * The `fp-lite-orm` command, run as real child processes: the demo (twice on one file,
 * as `npm run demo` would), the help, and the exit codes.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { tempDbPath } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (args: ReadonlyArray<string>): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

/** What `npm run demo -- <file>` runs. */
const demo = (file: string): Promise<Result> => run(['--import', 'tsx', 'src/cli/main.ts', 'demo', file])

/** The query results: everything from the first heading on (the set-up lines before it say whether rows were inserted). */
const results = (stdout: string): string => {
  const at = stdout.indexOf('── 1. ')
  return at < 0 ? '' : stdout.slice(at)
}

test('the demo runs twice on the same file and prints the same query results', async (t) => {
  const file = tempDbPath('demo.db')

  const first = await demo(file)
  t.is(first.code, 0, first.stderr)
  t.true(fs.existsSync(file))
  t.regex(first.stdout, /customers\s+inserted 5 rows/)
  t.regex(first.stdout, /orders\s+inserted 12 rows/)

  const second = await demo(file)
  t.is(second.code, 0, second.stderr)
  t.regex(second.stdout, /customers\s+kept the 5 rows already there/)
  t.regex(second.stdout, /orders\s+kept the 12 rows already there/)

  t.not(results(first.stdout), '')
  t.is(results(second.stdout), results(first.stdout))

  const out = first.stdout
  t.true(out.includes('── 1. filter + orderBy: VIP customers by name'))
  t.regex(out, /delivered orders:\s+4\n/)
  t.regex(out, /customer 1: 4 orders\n/)
  t.regex(out, /first \(nobody\): none\n/)
  t.true(out.includes('Left NotFound:'))
  t.true(out.includes('Left DecodeError: A row did not decode: at [3].city'))
  t.true(out.includes('Left ValidationError: insert into orders, row 0: column quantity'))
  t.true(out.includes('orders in the table: 12'))
  t.true(out.includes('Left ConstraintError: UNIQUE constraint failed on customers.email'))
  t.true(out.includes('Left ConstraintError: FOREIGN KEY constraint failed'))
  t.true(out.includes('2023-01-15T10:00:00.000Z'), 'Dates print as ISO text')
  t.is(first.stderr.trim(), '')
})

test('the demo exits 1 with the error when the database cannot be opened', async (t) => {
  const file = path.join(path.dirname(tempDbPath()), 'no', 'such', 'folder', 'demo.db')
  const r = await demo(file)
  t.is(r.code, 1)
  t.regex(r.stderr, /fp-lite-orm demo failed: ConnectionError/)
})

test('bin/fp-lite-orm.js --help exits 0 and lists the commands', async (t) => {
  const r = await run(['bin/fp-lite-orm.js', '--help'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /fp-lite-orm demo \[path\]/)
  t.regex(r.stdout, /migrate/)
  t.regex(r.stdout, /later version/)
})

test('an unknown command exits 2 with a message', async (t) => {
  const r = await run(['bin/fp-lite-orm.js', 'frobnicate'])
  t.is(r.code, 2)
  t.regex(r.stderr, /unknown command "frobnicate"/)
  t.is(r.stdout, '')
})

test('migrate is not available yet: exit 2, saying so', async (t) => {
  const r = await run(['bin/fp-lite-orm.js', 'migrate', 'status'])
  t.is(r.code, 2)
  t.regex(r.stderr, /later/)
})
