/**
 * The command line's conventions, each through the real command (`node bin/fp-lite-orm.js`
 * as a child process) in a temp project folder whose node_modules/fp-lite-orm links to
 * this package: --help / -h on the command and every subcommand, --version, strict
 * options (unknown ones exit 2; `--name=value` works), `migrate create --empty` and
 * `--ts`, the `--rename` suggested for a dropped column when one of the same type is
 * added, plans that drop data refused unless --allow-data-loss, `migrate push`,
 * `status --json`, one progress line per migration during `upgrade`, and read-only
 * commands that never create the database file. The database is checked through
 * better-sqlite3 directly.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import Database from 'better-sqlite3'
import { tempDir } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(root, 'bin', 'fp-lite-orm.js')

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `fp-lite-orm ...args` as a child process in `cwd`. */
const cli = (cwd: string, ...args: ReadonlyArray<string>): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

/** A project folder: the config, an empty migrations folder, and `schema` as src/schema.ts. */
const project = (schema: string): string => {
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n')
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'fp-lite-orm'), 'dir')
  fs.writeFileSync(
    path.join(dir, 'fp-lite-orm.config.json'),
    JSON.stringify({ db: 'app.db', migrations: './migrations', schema: './src/schema.ts' })
  )
  fs.mkdirSync(path.join(dir, 'migrations'))
  fs.mkdirSync(path.join(dir, 'src'))
  writeSchema(dir, schema)
  return dir
}

const writeSchema = (dir: string, source: string): void =>
  fs.writeFileSync(path.join(dir, 'src', 'schema.ts'), `import { table, integer, text } from 'fp-lite-orm'\n${source}`)

const migrationFiles = (dir: string): string[] => fs.readdirSync(path.join(dir, 'migrations')).sort()

/** SQL on the project's database through a connection of its own. */
const sqlOn = <A = Record<string, unknown>>(dir: string, sql: string): A[] => {
  const db = new Database(path.join(dir, 'app.db'))
  try {
    const s = db.prepare(sql)
    if (s.reader) return s.all() as A[]
    s.run()
    return []
  } finally {
    db.close()
  }
}

/** Runs the thunks two at a time (each is a process: the machine has few cores), results in order. */
const inBatches = async <const T extends ReadonlyArray<() => Promise<Result>>>(thunks: T): Promise<{ [K in keyof T]: Result }> => {
  const out: Result[] = []
  for (let i = 0; i < thunks.length; i += 2) out.push(...(await Promise.all(thunks.slice(i, i + 2).map((f) => f()))))
  return out as { [K in keyof T]: Result }
}

const USERS = `export const users = table('users', { id: integer().primaryKey(), name: text().notNull() })\n`
const USERS_RENAMED = `export const users = table('users', { id: integer().primaryKey(), fullName: text('full_name').notNull().default('') })\n`

const SUBCOMMANDS = ['init', 'create', 'upgrade', 'down', 'status', 'check', 'sql', 'push'] as const

test.serial(
  '--help and -h on the command and on every subcommand (exit 0, its usage, nothing created); --version prints the package version',
  async (t) => {
    t.timeout(240_000)
    const dir = project(USERS)
    const cases: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
      [['--help'], /^fp-lite-orm: a functional query DSL[\s\S]*fp-lite-orm migrate \.\.\./],
      [['-h'], /^fp-lite-orm: a functional query DSL/],
      [['demo', '--help'], /^Usage: fp-lite-orm demo \[path\]/],
      [['demo', '-h'], /^Usage: fp-lite-orm demo \[path\]/],
      [['migrate', '--help'], /^Usage: fp-lite-orm migrate <command>[\s\S]* push /],
      [['migrate', '-h'], /^Usage: fp-lite-orm migrate <command>/],
      ...SUBCOMMANDS.flatMap((c): Array<[ReadonlyArray<string>, RegExp]> => [
        [['migrate', c, '--help'], new RegExp(`^Usage: fp-lite-orm migrate ${c}\\b`)],
        [['migrate', c, '-h'], new RegExp(`^Usage: fp-lite-orm migrate ${c}\\b`)]
      ])
    ]
    const results = await inBatches(
      cases.map(
        ([args]) =>
          () =>
            cli(dir, ...args)
      )
    )
    cases.forEach(([args, usage], i) => {
      const r = results[i]!
      t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      t.regex(r.stdout, usage, args.join(' '))
      t.is(r.stderr, '', args.join(' '))
    })
    t.false(fs.existsSync(path.join(dir, 'app.db')), 'no database file')
    t.false(fs.existsSync(path.join(dir, 'demo.db')), 'the demo did not run')
    t.deepEqual(migrationFiles(dir), [], 'no migration written')

    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
    const version = await cli(dir, '--version')
    t.is(version.code, 0)
    t.is(version.stdout, `${pkg.version}\n`)
  }
)

test.serial('options are strict: an unknown one exits 2 naming it, nothing done; --name=value and repeated options work', async (t) => {
  t.timeout(240_000)
  const dir = project(USERS)
  const [status, create, demo, top, extra] = await inBatches([
    () => cli(dir, 'migrate', 'status', '--verbose'),
    () => cli(dir, 'migrate', 'create', 'x', '--renam', 'users.a=b'),
    () => cli(dir, 'demo', '--fast'),
    () => cli(dir, '--frobnicate'),
    () => cli(dir, 'migrate', 'status', 'extra')
  ])
  for (const [r, message] of [
    [status, /status: Unknown option '--verbose'/],
    [create, /create: Unknown option '--renam'/],
    [demo, /demo: Unknown option '--fast'/],
    [top, /unknown option "--frobnicate"/],
    [extra, /status takes no argument, got "extra"/]
  ] as const) {
    t.is(r.code, 2, r.stderr)
    t.regex(r.stderr, message)
    t.is(r.stdout, '')
  }
  t.deepEqual(migrationFiles(dir), [])
  t.false(fs.existsSync(path.join(dir, 'app.db')))
  // --config=FILE (the = form) and the config it names.
  fs.renameSync(path.join(dir, 'fp-lite-orm.config.json'), path.join(dir, 'other.json'))
  const named = await cli(dir, 'migrate', 'status', '--config=other.json', '--json')
  t.is(named.code, 0, named.stderr)
  t.deepEqual((JSON.parse(named.stdout) as { pending: unknown }).pending, [])
})

test.serial(
  'read-only commands (status, check, sql) never create the database file; upgrade prints one progress line per migration; status --json matches the database',
  async (t) => {
    t.timeout(240_000)
    const dir = project(USERS)
    fs.writeFileSync(path.join(dir, 'migrations', '0001_users.sql'), 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n')
    fs.writeFileSync(path.join(dir, 'migrations', '0002_seed.sql'), "INSERT INTO users (name) VALUES ('Ada');\n")
    const [status, json, check, sql] = await inBatches([
      () => cli(dir, 'migrate', 'status'),
      () => cli(dir, 'migrate', 'status', '--json'),
      () => cli(dir, 'migrate', 'check'),
      () => cli(dir, 'migrate', 'sql')
    ])
    t.false(fs.existsSync(path.join(dir, 'app.db')), 'no database file after status, check and sql')
    t.is(status.code, 0, status.stderr)
    t.regex(status.stdout, /does not exist yet[\s\S]*Applied \(0\):\nPending \(2\):\n {2}0001_users\n {2}0002_seed\n$/)
    t.is(json.code, 0, json.stderr)
    t.deepEqual(JSON.parse(json.stdout), {
      database: path.join(dir, 'app.db'),
      exists: false,
      applied: [],
      pending: ['0001_users', '0002_seed']
    })
    t.is(check.code, 1)
    t.regex(check.stderr, /the database app\.db does not exist\n {2}pending migration 0001_users\n {2}pending migration 0002_seed\n/)
    t.is(sql.code, 0, sql.stderr)
    t.regex(sql.stdout, /^-- 0001_users\nCREATE TABLE users/)

    const up = await cli(dir, 'migrate', 'upgrade')
    t.is(up.code, 0, up.stderr)
    const lines = up.stdout.split('\n').filter((l) => /^ {2}\[\d+\/\d+\] /.test(l))
    t.deepEqual(
      lines.map((l) => l.replace(/ {3}\d+ ms$/, '')),
      migrationFiles(dir).map((f, i, all) => `  [${i + 1}/${all.length}] ${f.replace(/\.sql$/, '')}`),
      'one line per migration, in order, with its time'
    )
    const after = await cli(dir, 'migrate', 'status', '--json')
    const recorded = sqlOn<{ name: string; applied_at: string }>(dir, 'SELECT name, applied_at FROM _lite_migr ORDER BY name')
    t.deepEqual(JSON.parse(after.stdout), {
      database: path.join(dir, 'app.db'),
      exists: true,
      applied: recorded.map((r) => ({ name: r.name, appliedAt: r.applied_at, edited: false, missing: false })),
      pending: []
    })
  }
)

test.serial(
  'create --empty and --ts: an empty .sql or .ts migration to fill in; create --ts from the schema writes a module that upgrade applies',
  async (t) => {
    t.timeout(240_000)
    const dir = project(USERS)
    const [emptySql, emptyTs] = [
      await cli(dir, 'migrate', 'create', 'by hand', '--empty'),
      await cli(dir, 'migrate', 'create', 'by_code', '--empty', '--ts')
    ]
    t.is(emptySql.code, 0, emptySql.stderr)
    t.is(emptyTs.code, 0, emptyTs.stderr)
    const [sqlFile, tsFile] = migrationFiles(dir)
    t.regex(sqlFile!, /^\d{14}_by_hand\.sql$/)
    t.regex(tsFile!, /^\d{14}_by_code\.ts$/)
    t.regex(fs.readFileSync(path.join(dir, 'migrations', tsFile!), 'utf8'), /export function up\(op: MigrationOps\): void \{\n {2}\/\/ /)
    t.false(fs.existsSync(path.join(dir, 'app.db')), 'an empty migration needs no database')
    // Both apply (doing nothing) and are recorded.
    const up = await cli(dir, 'migrate', 'upgrade')
    t.is(up.code, 0, up.stderr)
    t.deepEqual(
      sqlOn<{ name: string }>(dir, 'SELECT name FROM _lite_migr ORDER BY name').map((r) => r.name),
      [sqlFile, tsFile].map((f) => f!.replace(/\.(sql|ts)$/, ''))
    )

    // From the schema, as a module: its statements are the ones the .sql form would hold.
    const made = await cli(dir, 'migrate', 'create', 'users', '--ts')
    t.is(made.code, 0, made.stderr)
    const tsMigration = migrationFiles(dir).find((f) => f.endsWith('_users.ts'))!
    const body = fs.readFileSync(path.join(dir, 'migrations', tsMigration), 'utf8')
    t.regex(body, /op\.execute\("CREATE TABLE \\"users\\" \(/)
    t.regex(body, /export function down\(op: MigrationOps\): void \{\n {2}op\.execute\("DROP TABLE \\"users\\""\)/)
    const applied = await cli(dir, 'migrate', 'upgrade')
    t.is(applied.code, 0, applied.stderr)
    const check = await cli(dir, 'migrate', 'check')
    t.is(check.code, 0, check.stderr)
    t.deepEqual(sqlOn(dir, "SELECT name FROM sqlite_schema WHERE name = 'users'"), [{ name: 'users' }])
  }
)

test.serial(
  'a plan that drops data is refused (exit 1, nothing written) with the --rename that keeps it suggested; --rename keeps the data, --allow-data-loss drops it',
  async (t) => {
    t.timeout(240_000)
    const dir = project(USERS)
    fs.writeFileSync(path.join(dir, 'migrations', '0001_users.sql'), 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n')
    t.is((await cli(dir, 'migrate', 'upgrade')).code, 0)
    sqlOn(dir, "INSERT INTO users (name) VALUES ('Ada'), ('Alan')")
    writeSchema(dir, USERS_RENAMED)
    const before = sqlOn(dir, 'SELECT * FROM users ORDER BY id')

    const refused = await cli(dir, 'migrate', 'create', 'rename')
    t.is(refused.code, 1)
    t.regex(refused.stderr, /the plan drops data: column users\.name \(2 rows\)\. No migration written\./)
    t.regex(refused.stderr, /If users\.name was renamed to full_name, keep its data with: --rename users\.name=full_name\n/)
    t.regex(refused.stderr, /--allow-data-loss/)
    t.deepEqual(migrationFiles(dir), ['0001_users.sql'])
    t.deepEqual(sqlOn(dir, 'SELECT * FROM users ORDER BY id'), before)

    // The suggestion, followed: the data moves to the new name.
    const renamed = await cli(dir, 'migrate', 'create', 'rename', '--rename', 'users.name=full_name')
    t.is(renamed.code, 0, renamed.stderr)
    t.is((await cli(dir, 'migrate', 'upgrade')).code, 0)
    t.deepEqual(
      sqlOn(dir, 'SELECT id, full_name FROM users ORDER BY id'),
      before.map((r) => ({ id: r.id, full_name: r.name }))
    )

    // A column dropped for good: refused, then allowed.
    writeSchema(dir, `export const users = table('users', { id: integer().primaryKey() })\n`)
    const dropped = await cli(dir, 'migrate', 'create', 'drop')
    t.is(dropped.code, 1)
    t.false(dropped.stderr.includes('--rename users.'), 'no rename suggested: nothing of that type was added')
    const allowed = await cli(dir, 'migrate', 'create', 'drop', '--allow-data-loss')
    t.is(allowed.code, 0, allowed.stderr)
    t.regex(allowed.stdout, /Data loss allowed \(--allow-data-loss\): column users\.full_name \(2 rows\)/)
    t.is(migrationFiles(dir).filter((f) => f.endsWith('_drop.sql')).length, 1)
  }
)

test.serial(
  'migrate push applies the diff directly (no file, nothing recorded), under the same rules: data loss refused unless allowed',
  async (t) => {
    t.timeout(240_000)
    const dir = project(USERS)
    const first = await cli(dir, 'migrate', 'push')
    t.is(first.code, 0, first.stderr)
    t.regex(first.stdout, /Pushed \(no migration file written or recorded\):\n {2}create table users/)
    t.deepEqual(migrationFiles(dir), [])
    t.deepEqual(sqlOn(dir, 'SELECT name FROM _lite_migr'), [], 'nothing recorded')
    sqlOn(dir, "INSERT INTO users (name) VALUES ('Ada')")
    t.is((await cli(dir, 'migrate', 'check')).code, 0, 'the database matches the schema')

    writeSchema(dir, USERS_RENAMED)
    const refused = await cli(dir, 'migrate', 'push')
    t.is(refused.code, 1)
    t.regex(refused.stderr, /Nothing was changed\.[\s\S]*--rename users\.name=full_name/)
    t.deepEqual(sqlOn(dir, 'SELECT id, name FROM users'), [{ id: 1, name: 'Ada' }])
    const kept = await cli(dir, 'migrate', 'push', '--rename=users.name=full_name')
    t.is(kept.code, 0, kept.stderr)
    t.deepEqual(sqlOn(dir, 'SELECT id, full_name FROM users'), [{ id: 1, full_name: 'Ada' }])

    writeSchema(dir, `export const users = table('users', { id: integer().primaryKey() })\n`)
    t.is((await cli(dir, 'migrate', 'push')).code, 1)
    const lost = await cli(dir, 'migrate', 'push', '--allow-data-loss')
    t.is(lost.code, 0, lost.stderr)
    t.deepEqual(sqlOn(dir, 'SELECT * FROM users'), [{ id: 1 }])
    t.deepEqual(migrationFiles(dir), [])
  }
)
