/**
 * `_lite_migr` is a schema object read and written with query values (src/migrate/
 * bookkeeping.ts). Its stored format is the one earlier versions wrote with hand-made SQL,
 * which is copied here from the runner before the change (not derived from the schema
 * object): a database migrated before the change upgrades after it, and a database
 * migrated after it is read by anything that read the old table.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { connect, migrate, migrateDown, migrationStatus } from '../src/index.js'
import { listMigrations } from '../src/migrate/files.js'
import { tempDbPath, tempDir, unwrap } from './helpers/db.js'

/** What the runner created before `_lite_migr` became a schema object (runner.ts, verbatim). */
const OLD_DDL = 'CREATE TABLE IF NOT EXISTS "_lite_migr" (name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)'
const OLD_INSERT = 'INSERT INTO "_lite_migr" (name, checksum, applied_at) VALUES (?, ?, ?)'
const OLD_READ = 'SELECT name, checksum, applied_at AS appliedAt FROM "_lite_migr" ORDER BY applied_at, name'

const folder = (files: Readonly<Record<string, string>>): string => {
  const dir = tempDir()
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
  return dir
}

const MIGRATIONS = {
  '0001_authors.sql': '-- up\nCREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n-- down\nDROP TABLE authors;\n',
  '0002_books.sql': '-- up\nCREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n-- down\nDROP TABLE books;\n'
}

/** The shape of a table as SQLite reports it: columns (name, type, notnull, default, pk) and its indexes. */
const shapeOf = (file: string): unknown => {
  const raw = new Database(file, { readonly: true })
  try {
    return {
      columns: raw.prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('_lite_migr') ORDER BY cid`).all(),
      indexes: raw.prepare(`SELECT "unique", origin, partial FROM pragma_index_list('_lite_migr')`).all(),
      withoutRowid: (raw.prepare(`SELECT wr FROM pragma_table_list WHERE name = '_lite_migr'`).get() as { wr: number }).wr
    }
  } finally {
    raw.close()
  }
}

test('a database migrated before the change (old table, old rows) upgrades: its records are kept, the rest applies, down forgets', async (t) => {
  const dir = folder(MIGRATIONS)
  const first = unwrap(listMigrations(dir))[0]!
  const file = tempDbPath()
  // The old runner's work, by hand: 0001 applied and recorded.
  const raw = new Database(file)
  raw.exec(OLD_DDL)
  raw.exec('CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)')
  raw.prepare(OLD_INSERT).run(first.name, first.checksum, '2024-01-02T03:04:05.678Z')
  raw.close()

  const db = connect(file)
  const before = unwrap(migrationStatus(db, { dir }))
  t.deepEqual(before.applied, [{ name: '0001_authors', checksum: first.checksum, appliedAt: '2024-01-02T03:04:05.678Z' }])
  t.deepEqual(before.pending, ['0002_books'])
  t.deepEqual(before.edited, [])

  t.deepEqual(migrate(db, dir), E.right({ applied: ['0002_books'], outOfOrder: [] }))

  const check = new Database(file, { readonly: true })
  const rows = check.prepare(OLD_READ).all() as Array<{ name: string; checksum: string; appliedAt: string }>
  check.close()
  t.deepEqual(
    rows.map((r) => r.name),
    ['0001_authors', '0002_books']
  )
  t.is(rows[0]!.appliedAt, '2024-01-02T03:04:05.678Z')
  // What the new code wrote reads as the old code read it: an ISO-8601 text and the file's checksum.
  t.regex(rows[1]!.appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.is(rows[1]!.checksum, unwrap(listMigrations(dir))[1]!.checksum)

  t.deepEqual(await migrateDown(db, { dir }), E.right({ reverted: '0002_books' }))
  const after = new Database(file, { readonly: true })
  t.deepEqual(
    (after.prepare(OLD_READ).all() as Array<{ name: string }>).map((r) => r.name),
    ['0001_authors']
  )
  after.close()
})

test('the table the schema object creates has the old table shape (columns, types, constraints, key)', (t) => {
  const dir = folder(MIGRATIONS)
  const fresh = tempDbPath()
  unwrap(migrate(connect(fresh), dir))
  const old = tempDbPath()
  const raw = new Database(old)
  raw.exec(OLD_DDL)
  raw.close()
  t.deepEqual(shapeOf(fresh), shapeOf(old))
})

test('records written by the new runner order as the old query ordered them (applied_at, then name)', (t) => {
  const dir = folder(MIGRATIONS)
  const file = tempDbPath()
  const raw = new Database(file)
  raw.exec(OLD_DDL)
  // Same timestamp: the name breaks the tie, in the old query and the new one alike.
  const [a, b] = unwrap(listMigrations(dir))
  raw.prepare(OLD_INSERT).run(b!.name, b!.checksum, '2024-05-05T00:00:00.000Z')
  raw.prepare(OLD_INSERT).run(a!.name, a!.checksum, '2024-05-05T00:00:00.000Z')
  const expected = (raw.prepare(OLD_READ).all() as Array<{ name: string }>).map((r) => r.name)
  raw.close()
  t.deepEqual(
    unwrap(migrationStatus(connect(file), { dir })).applied.map((r) => r.name),
    expected
  )
})
