/**
 * `fp-lite-orm migrate ...` run as a real child process (`node bin/fp-lite-orm.js`) in a
 * temp project folder: a package.json of type module, and node_modules/fp-lite-orm
 * linked to this package, so the schema module imports from 'fp-lite-orm' as an
 * application's would. Every command runs as a child at least once (help and an unknown
 * command: spec/demo.test.ts). Set-up steps, and further cases of a code path a child
 * already ran (argument errors, config errors, a second command on a project), run
 * in-process through runMigrate, to keep the child processes (over half a second of CPU
 * each) few.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import Database from 'better-sqlite3'
import { connect, migrate } from '../src/index.js'
import { release } from '../src/conn/registry.js'
import { runMigrate } from '../src/cli/migrate.js'
import { tempDir, unwrap } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(root, 'bin', 'fp-lite-orm.js')

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `fp-lite-orm migrate ...args` with the project folder as the working directory. */
const cli = (cwd: string, ...args: ReadonlyArray<string>): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'migrate', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

/**
 * `migrate ...args` in this process, through runMigrate (what the command runs), for
 * checks that need no process of their own. The schema module is imported once per
 * path here (ES modules are cached), so a project's schema must not change after this.
 */
const inProcess = async (cwd: string, ...args: ReadonlyArray<string>): Promise<Result> => {
  let stdout = ''
  let stderr = ''
  const code = await runMigrate(
    args,
    cwd,
    (l) => (stdout += `${l}\n`),
    (l) => (stderr += `${l}\n`)
  )
  return { code, stdout, stderr }
}

/** A fresh project folder; with `config`, also the config file and an empty migrations folder. */
const project = (config = true): string => {
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n')
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'fp-lite-orm'), 'dir')
  if (config) {
    fs.writeFileSync(
      path.join(dir, 'fp-lite-orm.config.json'),
      JSON.stringify({ db: 'app.db', migrations: './migrations', schema: './src/schema.ts' })
    )
    fs.mkdirSync(path.join(dir, 'migrations'))
  }
  fs.mkdirSync(path.join(dir, 'src'))
  return dir
}

const writeSchema = (dir: string, source: string, file = 'src/schema.ts'): void =>
  fs.writeFileSync(path.join(dir, file), `import { table, integer, real, text, index, uniqueIndex } from 'fp-lite-orm'\n${source}`)

const migrationFiles = (dir: string): string[] => fs.readdirSync(path.join(dir, 'migrations')).sort()

/** The one migration `create` just wrote (checked against the YYYYMMDDHHMMSS_name pattern), renamed to `to` so names sort as intended. */
const renameCreated = (t: { regex: (s: string, r: RegExp) => void }, dir: string, name: string, to: string): string => {
  const made = migrationFiles(dir).filter((f) => f.endsWith(`_${name}.sql`) && /^\d{14}_/.test(f))
  if (made.length !== 1) throw new Error(`expected one new migration named ${name}, found ${made.join(', ')}`)
  t.regex(made[0]!, new RegExp(`^\\d{14}_${name}\\.sql$`))
  fs.renameSync(path.join(dir, 'migrations', made[0]!), path.join(dir, 'migrations', to))
  return fs.readFileSync(path.join(dir, 'migrations', to), 'utf8')
}

/** Runs SQL on the project's database through a connection of its own. */
const sqlOn = <A = Record<string, unknown>>(dir: string, sql: string, read = false): A[] => {
  const db = new Database(path.join(dir, 'app.db'))
  try {
    if (read) return db.prepare(sql).all() as A[]
    db.exec(sql)
    return []
  } finally {
    db.close()
  }
}

/** Applies the project's migrations in-process (set-up, not the thing under test). */
const upgradeInProcess = (dir: string): string[] => {
  const db = connect(path.join(dir, 'app.db'))
  try {
    return unwrap(migrate(db, { dir: path.join(dir, 'migrations') })).applied
  } finally {
    release(db)
  }
}

const SCHEMA_V1 = `
export const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text(),
  age: integer()
}, { indexes: [index('users_email_idx', ['email'])] })

export const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id').notNull(),
  title: text().notNull()
})

export const tags = table('tags', { id: integer().primaryKey(), label: text().notNull() })
`

// add column, change nullability, add a foreign key with cascade, add and drop an index, drop a table
const SCHEMA_V2 = `
export const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text().notNull(),
  age: integer(),
  nickname: text()
}, { indexes: [index('users_name_idx', ['name'])] })

export const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  title: text().notNull()
})
`

// -------------------------------------------------------------------------------------
// the round trip
// -------------------------------------------------------------------------------------

test('create from empty, upgrade, check clean; then a changed schema: create, upgrade, check clean, status, data kept', async (t) => {
  const dir = project()
  writeSchema(dir, SCHEMA_V1)

  const created = await cli(dir, 'create', 'init')
  t.is(created.code, 0, created.stderr)
  t.regex(
    created.stdout,
    /^Wrote migrations[/\\]\d{14}_init\.sql:\n {2}create table posts\n {2}create table tags\n {2}create table users\n$/
  )
  const first = renameCreated(t, dir, 'init', '0001_init.sql')
  t.regex(first, /^-- Migration \d{14}_init, generated by fp-lite-orm/)
  t.regex(first, /CREATE TABLE "users" \(/)
  t.regex(first, /CREATE INDEX "users_email_idx" ON "users" \("email"\);/)
  t.regex(first, /\n-- down\nDROP TABLE "users";\nDROP TABLE "tags";\nDROP TABLE "posts";\n$/)

  const up1 = await cli(dir, 'upgrade')
  t.is(up1.code, 0, up1.stderr)
  t.regex(
    up1.stdout,
    /^Applying 1 migration\(s\) in one transaction:\n {2}\[1\/1\] 0001_init {3}\d+ ms\nApplied 1 migration\(s\):\n {2}0001_init\n$/
  )
  const clean1 = await cli(dir, 'check')
  t.is(clean1.code, 0, clean1.stderr)
  t.is(clean1.stdout, 'In sync: the database matches the schema and no migration is pending.\n')

  // some data, then the schema changes
  sqlOn(
    dir,
    `INSERT INTO users (id, name, email, age) VALUES (1, 'Ada', 'ada@x.io', 36), (2, 'Alan', 'alan@x.io', 41);
     INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
     INSERT INTO tags (id, label) VALUES (1, 'x');`
  )
  writeSchema(dir, SCHEMA_V2)
  const changed = await cli(dir, 'create', 'change', '--allow-data-loss')
  t.is(changed.code, 0, changed.stderr)
  t.regex(changed.stdout, /rebuild table users: changes column email \(becomes NOT NULL\); adds column nickname/)
  t.regex(changed.stdout, /rebuild table posts: changes foreign keys/)
  t.regex(changed.stdout, /drop table tags/)
  t.regex(changed.stdout, /WARNING: drops table tags, which holds 1 row/)
  const second = renameCreated(t, dir, 'change', '0002_change.sql')
  t.regex(second, /-- WARNING: drops table tags, which holds 1 row: they are lost/)
  t.regex(second, /-- WARNING: users\.email becomes NOT NULL/)
  t.regex(second, /REFERENCES "users" \("id"\) ON DELETE CASCADE/)
  t.regex(second, /CREATE INDEX "users_name_idx" ON "users" \("name"\);/)
  t.false(/\n\s*DROP INDEX "users_email_idx"/.test(second.split('-- down')[0]!), 'the old index goes with the rebuilt table')

  const up2 = await cli(dir, 'upgrade')
  t.is(up2.code, 0, up2.stderr)
  t.regex(up2.stdout, /\n {2}\[1\/1\] 0002_change {3}\d+ ms\nApplied 1 migration\(s\):\n {2}0002_change\n$/)
  const [clean2, status] = await Promise.all([cli(dir, 'check'), cli(dir, 'status')])
  t.is(clean2.code, 0, clean2.stderr)
  t.is(status.code, 0, status.stderr)
  t.regex(status.stdout, /^Applied \(2\):\n {2}0001_init {3}\d{4}-\d\d-\d\dT[\d:.]+Z\n {2}0002_change {3}\S+\nPending \(0\):\n$/)

  // the data in kept columns is there; the new foreign key cascades
  t.deepEqual(sqlOn(dir, 'SELECT * FROM users ORDER BY id', true), [
    { id: 1, name: 'Ada', email: 'ada@x.io', age: 36, nickname: null },
    { id: 2, name: 'Alan', email: 'alan@x.io', age: 41, nickname: null }
  ])
  t.deepEqual(sqlOn(dir, 'SELECT * FROM posts ORDER BY id', true), [
    { id: 1, user_id: 1, title: 'a' },
    { id: 2, user_id: 1, title: 'b' },
    { id: 3, user_id: 2, title: 'c' }
  ])
  t.deepEqual(sqlOn(dir, `SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'users_%' ORDER BY name`, true), [
    { name: 'users_name_idx' }
  ])
  t.deepEqual(sqlOn(dir, `SELECT name FROM sqlite_schema WHERE name = 'tags'`, true), [])
  sqlOn(dir, 'PRAGMA foreign_keys = ON; DELETE FROM users WHERE id = 1')
  t.deepEqual(sqlOn(dir, 'SELECT id FROM posts', true), [{ id: 3 }])
})

test('init writes the config and the migrations folder, and leaves an existing config alone', async (t) => {
  const dir = project(false)
  const init = await cli(dir, 'init')
  t.is(init.code, 0, init.stderr)
  t.regex(
    init.stdout,
    /^Wrote fp-lite-orm\.config\.json: \{"db":"app\.db","migrations":"\.\/migrations","schema":"\.\/src\/schema\.ts"\}\nMigrations folder: migrations\n/
  )
  t.true(fs.statSync(path.join(dir, 'migrations')).isDirectory())
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'fp-lite-orm.config.json'), 'utf8')), {
    db: 'app.db',
    migrations: './migrations',
    schema: './src/schema.ts'
  })
  fs.writeFileSync(
    path.join(dir, 'fp-lite-orm.config.json'),
    JSON.stringify({ db: 'other.db', migrations: './db/migrations', schema: './src/schema.ts' })
  )
  const again = await inProcess(dir, 'init')
  t.is(again.code, 0)
  t.regex(again.stdout, /already exists: left as it is/)
  t.true(fs.statSync(path.join(dir, 'db', 'migrations')).isDirectory(), 'the folder the config names')
  t.is((JSON.parse(fs.readFileSync(path.join(dir, 'fp-lite-orm.config.json'), 'utf8')) as { db?: unknown }).db, 'other.db')
})

test('down steps back one migration (exit 0), then says there is nothing to undo', async (t) => {
  const dir = project()
  fs.writeFileSync(path.join(dir, 'migrations', '0001_a.sql'), `CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\n`)
  fs.writeFileSync(
    path.join(dir, 'migrations', '0002_b.sql'),
    `CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\n-- down\nDELETE FROM a;\nDROP TABLE b;\n`
  )
  t.deepEqual(upgradeInProcess(dir), ['0001_a', '0002_b'])
  const down = await cli(dir, 'down')
  t.is(down.code, 0, down.stderr)
  t.is(down.stdout, 'Undid 0002_b.\n')
  t.deepEqual(sqlOn(dir, `SELECT name FROM sqlite_schema WHERE name IN ('a', 'b')`, true), [{ name: 'a' }])
  t.deepEqual(sqlOn(dir, `SELECT name FROM _lite_migr`, true), [{ name: '0001_a' }])
  t.is((await inProcess(dir, 'down')).stdout, 'Undid 0001_a.\n')
  t.is((await inProcess(dir, 'down')).stdout, 'Nothing to undo: no migration is applied.\n')
})

test('a .ts config and --config; sql prints what upgrade would run (modules too); upgrade applies a .ts module and reports one merged out of order', async (t) => {
  const dir = project(false)
  fs.mkdirSync(path.join(dir, 'db'))
  fs.writeFileSync(
    path.join(dir, 'fp-lite-orm.config.ts'),
    `export default { db: 'app.db', migrations: './db', schema: './src/schema.ts' }\n`
  )
  writeSchema(
    dir,
    `export const users = table('users', { id: integer().primaryKey(), name: text().notNull(), nickname: text() })\nexport const notes = table('notes', { id: integer().primaryKey(), body: text() })\n`
  )
  fs.writeFileSync(
    path.join(dir, 'db', '0001_users.sql'),
    `CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);\nINSERT INTO users (name) VALUES ('Ada');\n`
  )
  fs.writeFileSync(path.join(dir, 'db', '0003_notes.sql'), `CREATE TABLE "notes" ("id" INTEGER PRIMARY KEY, "body" TEXT);\n`)
  const db = connect(path.join(dir, 'app.db'))
  unwrap(migrate(db, { dir: path.join(dir, 'db') }))
  release(db)
  // merged later, sorting before 0003: a module that uses the schema objects
  fs.writeFileSync(
    path.join(dir, 'db', '0002_nickname.ts'),
    `import type { MigrationOps } from 'fp-lite-orm'\nimport { users } from '../src/schema.ts'\n` +
      `export function up(op: MigrationOps): void {\n  op.addColumn(users, 'nickname')\n  op.execute("UPDATE users SET nickname = 'ada'")\n}\n` +
      `export function down(op: MigrationOps): void {\n  op.execute('ALTER TABLE users DROP COLUMN nickname')\n}\n`
  )
  fs.writeFileSync(path.join(dir, 'db', '0004_seed.sql'), `INSERT INTO notes (body) VALUES ('semi;colon');\n-- down\nDELETE FROM notes;\n`)
  // the same config under another name, through --config
  fs.copyFileSync(path.join(dir, 'fp-lite-orm.config.ts'), path.join(dir, 'other.config.ts'))

  const dry = await cli(dir, 'sql', '--config', 'other.config.ts')
  t.is(dry.code, 0, dry.stderr)
  t.is(
    dry.stdout,
    `-- 0002_nickname\n-- (a module: runs up(op) from ${path.join('db', '0002_nickname.ts')})\n-- 0004_seed\nINSERT INTO notes (body) VALUES ('semi;colon');\n`
  )
  t.deepEqual(
    sqlOn(dir, `SELECT name FROM _lite_migr ORDER BY name`, true),
    [{ name: '0001_users' }, { name: '0003_notes' }],
    'sql changes nothing'
  )

  const up = await cli(dir, 'upgrade')
  t.is(up.code, 0, up.stderr)
  t.regex(
    up.stdout,
    /\[1\/2\] 0002_nickname {3}\d+ ms\n {2}\[2\/2\] 0004_seed {3}\d+ ms\nApplied 2 migration\(s\):\n {2}0002_nickname {3}\(out of order: it sorts before one applied earlier\)\n {2}0004_seed\n$/
  )
  t.deepEqual(sqlOn(dir, 'SELECT * FROM users', true), [{ id: 1, name: 'Ada', nickname: 'ada' }])
  t.deepEqual(sqlOn(dir, 'SELECT body FROM notes', true), [{ body: 'semi;colon' }])
  const check = await inProcess(dir, 'check')
  t.is(check.code, 0, check.stderr)
  t.is((await inProcess(dir, 'sql')).stdout, '-- Nothing pending: upgrade would run no SQL.\n')
})

// -------------------------------------------------------------------------------------
// usage, configuration, bad input
// -------------------------------------------------------------------------------------

test('migrate with no command prints its help (exit 0); an unknown command or bad arguments exit 2 (as child processes: spec/demo.test.ts)', async (t) => {
  const dir = project()
  const [help, unknown] = [await inProcess(dir), await inProcess(dir, 'frobnicate')]
  t.is(help.code, 0, help.stderr)
  t.regex(help.stdout, /^Usage: fp-lite-orm migrate <command>/)
  for (const c of ['init', 'create NAME', 'upgrade', 'down', 'status', 'check', 'sql', '--rename TABLE.OLD=NEW'])
    t.true(help.stdout.includes(c), c)
  t.is(help.stderr, '')
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /unknown command "frobnicate"/)
  t.is(unknown.stdout, '')

  const usage: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
    [['create'], /create takes one NAME/],
    [['create', 'a', 'b'], /create takes one NAME/],
    [['create', '!!!'], /must contain letters or digits/],
    [['create', 'x', '--rename', 'nodot'], /--rename takes TABLE\.OLD=NEW, got "nodot"/],
    [['status', '--config'], /status: Option '--config <value>' argument missing/],
    [['status', '--verbose'], /status: Unknown option '--verbose'/]
  ]
  for (const [args, message] of usage) {
    const r = await inProcess(dir, ...args)
    t.is(r.code, 2, args.join(' '))
    t.regex(r.stderr, message)
  }
  t.is((await inProcess(dir, 'help')).code, 0)
  t.deepEqual(migrationFiles(dir), [])
})

test('no config file: exit 1, saying where it looked and what to run', async (t) => {
  const dir = project(false)
  const r = await inProcess(dir, 'status')
  t.is(r.code, 1)
  t.regex(r.stderr, /^fp-lite-orm migrate: MigrationError: No config file: looked for fp-lite-orm\.config\.json, fp-lite-orm\.config\.ts/)
  t.true(r.stderr.includes(dir))
  t.regex(r.stderr, /fp-lite-orm migrate init/)
  t.false(fs.existsSync(path.join(dir, 'app.db')))
  const named = await inProcess(dir, 'check', '--config', 'nope.json')
  t.is(named.code, 1)
  t.regex(named.stderr, /No config file: looked for nope\.json/)
  fs.writeFileSync(path.join(dir, 'fp-lite-orm.config.json'), '{"db": "app.db"}')
  const partial = await inProcess(dir, 'check')
  t.is(partial.code, 1)
  t.regex(partial.stderr, /must name "migrations", "schema" \(strings\)/)
  fs.writeFileSync(path.join(dir, 'fp-lite-orm.config.json'), '{ not json')
  t.regex((await inProcess(dir, 'check')).stderr, /could not be read/)
})

test('a schema module that fails to import: exit 1, the error and the file shown; nothing written', async (t) => {
  const dir = project()
  writeSchema(
    dir,
    `import { helper } from './missing-helper.js'\nexport const users = table('users', { id: integer().primaryKey(), n: text().default(helper) })\n`
  )
  fs.writeFileSync(path.join(dir, 'src', 'throws.ts'), `export const users = 1\nthrow new Error('schema exploded')\n`)
  fs.writeFileSync(path.join(dir, 'src', 'empty.ts'), `export const notATable = { name: 'x' }\n`)
  fs.writeFileSync(
    path.join(dir, 'throws.config.json'),
    JSON.stringify({ db: 'app.db', migrations: './migrations', schema: './src/throws.ts' })
  )
  fs.writeFileSync(
    path.join(dir, 'empty.config.json'),
    JSON.stringify({ db: 'app.db', migrations: './migrations', schema: './src/empty.ts' })
  )
  fs.writeFileSync(
    path.join(dir, 'gone.config.json'),
    JSON.stringify({ db: 'app.db', migrations: './migrations', schema: './src/gone.ts' })
  )

  const create = await cli(dir, 'create', 'x')
  t.is(create.code, 1)
  t.true(create.stderr.includes(`The schema module ${path.join(dir, 'src', 'schema.ts')} failed to import:`), create.stderr)
  t.regex(create.stderr, /missing-helper/)
  t.deepEqual(migrationFiles(dir), [])

  const throws = await inProcess(dir, 'check', '--config', 'throws.config.json')
  t.is(throws.code, 1)
  t.true(throws.stderr.includes(`The schema module ${path.join(dir, 'src', 'throws.ts')} failed to import: schema exploded`), throws.stderr)
  const empty = await inProcess(dir, 'check', '--config', 'empty.config.json')
  t.is(empty.code, 1)
  t.regex(empty.stderr, /empty\.ts exports no tables/)
  const gone = await inProcess(dir, 'create', 'x', '--config', 'gone.config.json')
  t.is(gone.code, 1)
  t.regex(gone.stderr, /gone\.ts does not exist: fix "schema" in the config/)
  t.deepEqual(migrationFiles(dir), [])
})

test('upgrade with a migration failing halfway: exit 1, the statement named, nothing applied, the database unchanged', async (t) => {
  const dir = project()
  fs.writeFileSync(
    path.join(dir, 'migrations', '0001_users.sql'),
    `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('Ada');\n`
  )
  upgradeInProcess(dir)
  fs.writeFileSync(path.join(dir, 'migrations', '0002_ok.sql'), `CREATE TABLE tags (id INTEGER PRIMARY KEY);\n`)
  fs.writeFileSync(
    path.join(dir, 'migrations', '0003_bad.sql'),
    `ALTER TABLE users ADD COLUMN age INTEGER;\nUPDATE users SET age = 36;\nUPDATE users SET nope = 1;\nDROP TABLE users;\n`
  )
  const schemaBefore = sqlOn(dir, 'SELECT type, name, sql FROM sqlite_schema ORDER BY name', true)
  const r = await cli(dir, 'upgrade')
  t.is(r.code, 1)
  t.regex(r.stderr, /MigrationError: Migration 0003_bad failed at: UPDATE users SET nope = 1\n/)
  t.regex(r.stderr, /no such column: nope/)
  t.regex(r.stderr, /Nothing was applied: the database is as it was\./)
  // The progress line of the one that ran before (rolled back with the rest).
  t.regex(r.stdout, /^Applying 2 migration\(s\) in one transaction:\n {2}\[1\/2\] 0002_ok {3}\d+ ms\n$/)
  t.deepEqual(sqlOn(dir, 'SELECT type, name, sql FROM sqlite_schema ORDER BY name', true), schemaBefore)
  t.deepEqual(sqlOn(dir, 'SELECT * FROM users', true), [{ id: 1, name: 'Ada' }])
  t.deepEqual(sqlOn(dir, 'SELECT name FROM _lite_migr', true), [{ name: '0001_users' }])
})

test('an applied migration edited afterwards: upgrade refuses (exit 1), status and check say which', async (t) => {
  const dir = project()
  writeSchema(
    dir,
    `export const a = table('a', { id: integer().primaryKey() })\nexport const b = table('b', { id: integer().primaryKey() })\n`
  )
  const file = path.join(dir, 'migrations', '0001_a.sql')
  fs.writeFileSync(file, `CREATE TABLE "a" ("id" INTEGER PRIMARY KEY);\n`)
  upgradeInProcess(dir)
  fs.appendFileSync(file, `-- a harmless-looking edit\n`)
  fs.writeFileSync(path.join(dir, 'migrations', '0002_b.sql'), `CREATE TABLE "b" ("id" INTEGER PRIMARY KEY);\n`)
  const up = await cli(dir, 'upgrade')
  t.is(up.code, 1)
  t.regex(up.stderr, /Applied migration 0001_a changed after being applied \(checksum mismatch\)\. Restore the file/)
  t.deepEqual(sqlOn(dir, `SELECT name FROM sqlite_schema WHERE name = 'b'`, true), [])
  const [status, check] = [await inProcess(dir, 'status'), await inProcess(dir, 'check')]
  t.is(status.code, 0, status.stderr)
  t.regex(status.stdout, /0001_a {3}\S+ {3}EDITED since applied\nPending \(1\):\n {2}0002_b\n/)
  t.is(check.code, 1)
  t.regex(check.stderr, /pending migration 0002_b\n {2}applied migration 0001_a was edited\n {2}the schema needs: create table b/)
})

test('a change that drops a column holding data: check reports it (exit 1), and the generated file says so', async (t) => {
  const dir = project()
  writeSchema(dir, `export const users = table('users', { id: integer().primaryKey(), name: text().notNull() })\n`)
  fs.writeFileSync(
    path.join(dir, 'migrations', '0001_users.sql'),
    `CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "age" INTEGER);\n`
  )
  upgradeInProcess(dir)
  sqlOn(dir, `INSERT INTO users (name, age) VALUES ('Ada', 36), ('Alan', 41), ('Grace', 85)`)
  const check = await cli(dir, 'check')
  t.is(check.code, 1)
  t.is(
    check.stderr,
    'The database and the schema differ:\n' +
      '  the schema needs: rebuild table users: drops column age\n' +
      '  warning: drops column users.age, which hold data in 3 rows: those values are lost\n'
  )
  const create = await inProcess(dir, 'create', 'drop age', '--allow-data-loss')
  t.is(create.code, 0, create.stderr)
  t.regex(create.stdout, /WARNING: drops column users\.age/)
  const body = renameCreated(t, dir, 'drop_age', '0002_drop_age.sql')
  t.regex(body, /\n-- WARNING: drops column users\.age, which hold data in 3 rows: those values are lost\n/)
  // With nothing left to change, create writes nothing.
  upgradeInProcess(dir)
  const none = await inProcess(dir, 'create', 'again')
  t.is(none.code, 0)
  t.regex(none.stdout, /No changes: the database already matches the schema\. No migration written\./)
  t.deepEqual(migrationFiles(dir), ['0001_users.sql', '0002_drop_age.sql'])
  t.deepEqual(sqlOn(dir, 'SELECT * FROM users ORDER BY id', true), [
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Alan' },
    { id: 3, name: 'Grace' }
  ])
})

test('create --rename TABLE.OLD=NEW writes a RENAME COLUMN; a bad rename or a pending migration is refused', async (t) => {
  const dir = project()
  writeSchema(dir, `export const users = table('users', { id: integer().primaryKey(), fullName: text('full_name') })\n`)
  fs.writeFileSync(
    path.join(dir, 'migrations', '0001_users.sql'),
    `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('Ada');\n`
  )
  upgradeInProcess(dir)
  const bad = await inProcess(dir, 'create', 'rename', '--rename', 'users.nick=full_name')
  t.is(bad.code, 1)
  t.regex(bad.stderr, /the database's users has no column nick/)
  const renamed = await inProcess(dir, 'create', 'rename', '--rename', 'users.name=full_name')
  t.is(renamed.code, 0, renamed.stderr)
  t.regex(renamed.stdout, /rename column users\.name to full_name/)
  t.false(renamed.stdout.includes('WARNING'))
  const body = renameCreated(t, dir, 'rename', '0002_rename.sql')
  t.regex(
    body,
    /\nALTER TABLE "users" RENAME COLUMN "name" TO "full_name";\n\n-- down\nALTER TABLE "users" RENAME COLUMN "full_name" TO "name";\n/
  )
  const pending = await inProcess(dir, 'create', 'more')
  t.is(pending.code, 1)
  t.regex(pending.stderr, /1 migration\(s\) are pending \(0002_rename\): run `migrate upgrade` first/)
  t.deepEqual(upgradeInProcess(dir), ['0002_rename'])
  t.deepEqual(sqlOn(dir, 'SELECT * FROM users', true), [{ id: 1, full_name: 'Ada' }])
})
