/**
 * The `fp-lite-orm` command, run as real child processes: the demo (twice on one file,
 * as `npm run demo` would), the help, and the exit codes. And the demo's checked-in
 * migration, which must never drift from the demo's schema objects.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { connect, createTable, migrate, planMigration, session } from '../src/index.js'
import { DEMO_MIGRATIONS, demoTables, runDemo } from '../src/cli/demo/index.js'
import { listMigrations } from '../src/migrate/files.js'
import { tempDb, tempDbPath, unwrap } from './helpers/db.js'

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
  t.regex(first.stdout, /Tables: migrate\(db, \{ dir: 'demo-migrations' \}\) applied 0001_shop /)
  t.regex(first.stdout, /customers\s+inserted 5 rows/)
  t.regex(first.stdout, /orders\s+inserted 12 rows/)

  const second = await demo(file)
  t.is(second.code, 0, second.stderr)
  t.regex(second.stdout, /Tables: migrate\(db, \{ dir: 'demo-migrations' \}\) found nothing pending/)
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
  t.regex(r.stdout, /fp-lite-orm migrate \.\.\. {3}Schema migrations: init, create NAME, upgrade, down, status,/)
})

test('an unknown command exits 2 with a message', async (t) => {
  const r = await run(['bin/fp-lite-orm.js', 'frobnicate'])
  t.is(r.code, 2)
  t.regex(r.stderr, /unknown command "frobnicate"/)
  t.is(r.stdout, '')
})

test('migrate with no subcommand prints its help and exits 0; an unknown subcommand exits 2', async (t) => {
  const [help, unknown] = await Promise.all([run(['bin/fp-lite-orm.js', 'migrate']), run(['bin/fp-lite-orm.js', 'migrate', 'frobnicate'])])
  t.is(help.code, 0, help.stderr)
  t.regex(help.stdout, /^Usage: fp-lite-orm migrate <command>/)
  t.regex(help.stdout, /check {16}Exit 1 when the database differs from the schema/)
  t.is(help.stderr, '')
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /^fp-lite-orm migrate: unknown command "frobnicate"\nUsage: fp-lite-orm migrate <command>/)
  t.is(unknown.stdout, '')
})

test('the demo’s checked-in migration is exactly its schema: nothing left to plan after it runs', (t) => {
  const files = unwrap(listMigrations(DEMO_MIGRATIONS))
  t.deepEqual(
    files.map((f) => [f.name, f.kind]),
    [['0001_shop', 'sql']]
  )
  const db = tempDb()
  t.deepEqual(unwrap(migrate(db, { dir: DEMO_MIGRATIONS })).applied, ['0001_shop'])
  t.deepEqual(unwrap(planMigration(db, demoTables)), { operations: [], up: [], down: [], warnings: [] })
  t.deepEqual(unwrap(migrate(db, { dir: DEMO_MIGRATIONS })).applied, [], 'idempotent')
  // And the statements are the ones the diff writes for an empty database today.
  const fresh = unwrap(planMigration(connect(tempDbPath()), demoTables))
  const strip = (s: string) => s.replace(/^(--[^\n]*\n|\s*\n)*/, '')
  t.deepEqual(files[0]!.up.map(strip), [...fresh.up])
  t.deepEqual(files[0]!.down, [...fresh.down])
})

test('a file an older demo made (tables, no recorded migration) is refused with a hint, not silently changed', (t) => {
  const file = tempDbPath('old-demo.db')
  const s = session(connect(file))
  for (const x of demoTables) unwrap(s.run(createTable(x)))
  s.close()
  const lines: string[] = []
  const r = runDemo(file, (l) => lines.push(l))
  t.true(E.isLeft(r))
  if (E.isLeft(r)) {
    t.is(r.left._tag, 'MigrationError')
    t.regex(r.left.message, /table "customers" already exists/)
    t.regex(r.left.message, /an older demo created them\): remove it, or run the demo on another path/)
  }
})
