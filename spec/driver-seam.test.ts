/**
 * The driver seam (src/driver): nothing outside src/driver names better-sqlite3, and the
 * local driver keeps its contract: open, prepare, run / all / get / iterate, array rows,
 * bigints, exec, close, and the mapping of what it throws to a DbError by SQLite result
 * code (not by message text). Each case is provoked on a real database file and checked
 * against better-sqlite3 used directly.
 */
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError } from '../src/index.js'
import { all, connect, createTable, insert, integer, migrate, raw, select, session, sql, table, text, transaction } from '../src/index.js'
import { acquire } from '../src/conn/registry.js'
import type { LocalConnection } from '../src/driver/index.js'
import { firstColumn, firstValue, localDriver, mapError, pragmaValue } from '../src/driver/index.js'
import { tempDbPath, tempDir, unwrap } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// the rule: only src/driver names the engine
// -------------------------------------------------------------------------------------

const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? filesUnder(p) : /\.(ts|mts|cts|js|mjs|cjs)$/.test(d.name) ? [p] : []
  })

/** Code without its comments (strings kept), so that a doc comment naming the engine does not count. */
const withoutComments = (code: string): string => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1')

/** Module specifiers a file loads: import/export ... from, import(), require(). */
const specifiers = (code: string): string[] =>
  [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm)].map((m) => m[2]!)

test('nothing in src outside src/driver imports better-sqlite3, or mentions it in code', (t) => {
  const src = path.resolve('src')
  const offenders: string[] = []
  for (const file of filesUnder(src)) {
    const rel = path.relative(src, file).split(path.sep).join('/')
    if (rel.startsWith('driver/')) continue
    const code = withoutComments(fs.readFileSync(file, 'utf8'))
    if (specifiers(code).some((s) => s === 'better-sqlite3' || s.startsWith('better-sqlite3/'))) offenders.push(`${rel}: imports it`)
    // A type reference or a dynamic name in code (a help text's mention of the dependency is not code that uses it).
    if (/\bDatabase\.Database\b|['"`]better-sqlite3['"`]/.test(code)) offenders.push(`${rel}: names it in code`)
  }
  t.deepEqual(offenders, [])
})

test('inside src/driver, only better-sqlite3.ts imports it', (t) => {
  const dir = path.resolve('src/driver')
  const importing = filesUnder(dir)
    .filter((f) => specifiers(withoutComments(fs.readFileSync(f, 'utf8'))).includes('better-sqlite3'))
    .map((f) => path.relative(dir, f))
  t.deepEqual(importing, ['better-sqlite3.ts'])
})

test('the rule itself catches an import, a dynamic import and a require, and ignores comments', (t) => {
  t.deepEqual(specifiers(`import Database from 'better-sqlite3'`), ['better-sqlite3'])
  t.deepEqual(specifiers(`import type { Statement } from "better-sqlite3"`), ['better-sqlite3'])
  t.deepEqual(specifiers(`const m = await import('better-sqlite3')`), ['better-sqlite3'])
  t.deepEqual(specifiers(`const m = require('better-sqlite3')`), ['better-sqlite3'])
  t.deepEqual(specifiers(withoutComments(`// import x from 'better-sqlite3'\n/** from 'better-sqlite3' */`)), [])
})

// -------------------------------------------------------------------------------------
// the contract
// -------------------------------------------------------------------------------------

const opened = (options: { readonly?: boolean; busyTimeoutMs?: number } = {}, file = tempDbPath()): LocalConnection =>
  localDriver.open(file, { readonly: options.readonly ?? false, busyTimeoutMs: options.busyTimeoutMs ?? 1000 })

/** What `f` throws, mapped by the driver. */
const thrown = (f: () => unknown, sql?: string, context?: { table?: string; path?: string }): DbError => {
  try {
    f()
  } catch (e) {
    return mapError(e, sql, context)
  }
  throw new Error('expected a throw')
}

test('open, prepare, run, get, all, iterate, exec, close', (t) => {
  const file = tempDbPath()
  const c = opened({}, file)
  t.true(c.open)
  c.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE u (x)')
  const ins = c.prepare('INSERT INTO t (name) VALUES (?)')
  t.false(ins.reader)
  const r1 = ins.run('a')
  const r2 = ins.run('b')
  t.deepEqual([r1.changes, Number(r1.lastInsertRowid), r2.changes, Number(r2.lastInsertRowid)], [1, 1, 1, 2])
  const sel = c.prepare('SELECT id, name FROM t WHERE id >= ? ORDER BY id')
  t.true(sel.reader)
  t.deepEqual(sel.all(1), [
    { id: 1, name: 'a' },
    { id: 2, name: 'b' }
  ])
  t.deepEqual(sel.get(2), { id: 2, name: 'b' })
  t.is(sel.get(3), undefined)
  t.deepEqual([...sel.iterate(1)], sel.all(1))
  sel.raw(true)
  t.deepEqual(sel.all(1), [
    [1, 'a'],
    [2, 'b']
  ])
  sel.safeIntegers(true)
  t.deepEqual(sel.get(1), [1n, 'a'])
  c.close()
  t.false(c.open)
  // Independent: the same file read with better-sqlite3 directly.
  const check = new Database(file, { readonly: true })
  t.deepEqual(check.prepare('SELECT name FROM t ORDER BY id').pluck().all(), ['a', 'b'])
  check.close()
})

test('inTransaction follows BEGIN, COMMIT and ROLLBACK', (t) => {
  const c = opened()
  c.exec('CREATE TABLE t (x)')
  t.false(c.inTransaction)
  c.exec('BEGIN IMMEDIATE')
  t.true(c.inTransaction)
  c.prepare('INSERT INTO t VALUES (1)').run()
  c.exec('ROLLBACK')
  t.false(c.inTransaction)
  t.is(firstValue(c, 'SELECT count(*) FROM t'), 0)
  c.close()
})

test('firstValue, firstColumn and pragmaValue read through the contract', (t) => {
  const c = opened({ busyTimeoutMs: 777 })
  c.exec('CREATE TABLE t (x); INSERT INTO t VALUES (3), (1), (2)')
  t.is(firstValue(c, 'SELECT max(x) FROM t WHERE x < ?', 3), 2)
  t.is(firstValue(c, 'SELECT x FROM t WHERE x > ?', 9), undefined)
  t.deepEqual(firstColumn(c, 'SELECT x FROM t ORDER BY x'), [1, 2, 3])
  t.is(pragmaValue(c, 'busy_timeout'), 777)
  c.close()
})

test("the statements a session caches are the driver's own, with nothing in between", (t) => {
  const db = connect(tempDbPath())
  const s = session(db)
  const items = table('items', { id: integer().primaryKey(), name: text() })
  unwrap(s.run(createTable(items)))
  unwrap(s.run(pipe(select(items), all)))
  const h = unwrap(acquire(db))
  const sql = 'SELECT "items"."id", "items"."name" FROM "items"'
  const stmt = h.statements.get(sql).stmt
  t.is(Object.getPrototypeOf(stmt), Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')))
  t.is(h.db.constructor, Database)
  s.close()
})

// -------------------------------------------------------------------------------------
// errors by result code
// -------------------------------------------------------------------------------------

const schema = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER CONSTRAINT adult CHECK (age >= 18));
  CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));
  INSERT INTO users (email, age) VALUES ('a@x', 20);
`

const withSchema = (): LocalConnection => {
  const c = opened()
  c.exec('PRAGMA foreign_keys = ON')
  c.exec(schema)
  return c
}

test('UNIQUE: a ConstraintError by SQLITE_CONSTRAINT_UNIQUE, with the table and column', (t) => {
  const c = withSchema()
  const sql = `INSERT INTO users (email, age) VALUES ('a@x', 30)`
  const e = thrown(() => c.prepare(sql).run(), sql)
  t.like(e, { _tag: 'ConstraintError', kind: 'unique', code: 'SQLITE_CONSTRAINT_UNIQUE', table: 'users', columns: ['email'], sql })
  t.regex(e.message, /^UNIQUE constraint failed on users\.email: /)
  c.close()
})

test('PRIMARY KEY, FOREIGN KEY, NOT NULL and CHECK: each by its code', (t) => {
  const c = withSchema()
  t.like(
    thrown(() => c.prepare(`INSERT INTO users (id, email, age) VALUES (1, 'b@x', 30)`).run()),
    { _tag: 'ConstraintError', kind: 'primaryKey', code: 'SQLITE_CONSTRAINT_PRIMARYKEY', columns: ['id'] }
  )
  t.like(
    thrown(() => c.prepare(`INSERT INTO posts (user_id) VALUES (99)`).run(), undefined, { table: 'posts' }),
    { _tag: 'ConstraintError', kind: 'foreignKey', code: 'SQLITE_CONSTRAINT_FOREIGNKEY', table: 'posts' }
  )
  t.like(
    thrown(() => c.prepare(`INSERT INTO users (email, age) VALUES (NULL, 30)`).run()),
    { _tag: 'ConstraintError', kind: 'notNull', code: 'SQLITE_CONSTRAINT_NOTNULL', table: 'users', columns: ['email'] }
  )
  const check = thrown(() => c.prepare(`INSERT INTO users (email, age) VALUES ('c@x', 3)`).run())
  t.like(check, { _tag: 'ConstraintError', kind: 'check', code: 'SQLITE_CONSTRAINT_CHECK' })
  t.regex(check.message, /\(adult\)/)
  c.close()
})

test('BUSY: a BusyError when another connection holds the write lock', (t) => {
  const file = tempDbPath()
  const holder = opened({}, file)
  holder.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x)')
  holder.exec('BEGIN IMMEDIATE')
  const waiter = opened({ busyTimeoutMs: 0 }, file)
  const e = thrown(() => waiter.exec('BEGIN IMMEDIATE'), 'BEGIN IMMEDIATE')
  t.like(e, { _tag: 'BusyError', code: 'SQLITE_BUSY' })
  t.is(localDriver.codeOf(new Error('x')), undefined)
  holder.exec('ROLLBACK')
  holder.close()
  waiter.close()
})

test('the mapping reads the code, not the message', (t) => {
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code })
  // A constraint code with a message that says nothing about it: still the constraint.
  t.like(mapError(coded('SQLITE_CONSTRAINT_NOTNULL', 'something odd')), { _tag: 'ConstraintError', kind: 'notNull' })
  // A message that reads like a constraint under another code: not one.
  t.like(mapError(coded('SQLITE_ERROR', 'UNIQUE constraint failed: users.email')), { _tag: 'SqliteError', code: 'SQLITE_ERROR' })
  t.like(mapError(coded('SQLITE_BUSY_SNAPSHOT', 'x')), { _tag: 'BusyError', code: 'SQLITE_BUSY_SNAPSHOT' })
  t.like(mapError(coded('SQLITE_LOCKED', 'x')), { _tag: 'BusyError', code: 'SQLITE_LOCKED' })
  t.is(localDriver.codeOf(coded('SQLITE_IOERR_WRITE', 'x')), 'SQLITE_IOERR_WRITE')
})

test('other failures: syntax, bad binds, a stream in the way, a file that is not a database, a DbError, anything else', (t) => {
  const c = withSchema()
  const bad = 'SELEC 1'
  const syntax = thrown(() => c.prepare(bad), bad)
  t.like(syntax, { _tag: 'SqliteError', code: 'SQLITE_ERROR', sql: bad })
  t.regex(syntax.message, /syntax error.*\(in: SELEC 1\)/)
  t.like(
    thrown(() => c.prepare('SELECT ?').get(1, 2)),
    { _tag: 'ValidationError' }
  )
  const it = c.prepare('SELECT id FROM users').iterate()
  it.next()
  const busy = thrown(() => c.exec('DELETE FROM posts'))
  t.like(busy, { _tag: 'ValidationError' })
  t.regex(busy.message, /stream/)
  it.return?.()
  c.close()

  const junk = path.join(tempDir(), 'junk.db')
  fs.writeFileSync(junk, 'not a database, just text that is long enough to have a header '.repeat(20))
  const notADb = thrown(() => opened({}, junk).prepare('SELECT * FROM sqlite_schema').all(), undefined, { path: junk })
  t.like(notADb, { _tag: 'ConnectionError', path: junk })

  const already: DbError = { _tag: 'BusyError', code: 'SQLITE_BUSY', message: 'm' }
  t.is(mapError(already), already)
  t.like(mapError('a string'), { _tag: 'UnexpectedError' })
})

test('a session reports the same errors through the seam', (t) => {
  const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique() })
  const s = session(connect(tempDbPath()))
  unwrap(s.run(createTable(users)))
  unwrap(s.run(insert(users, { email: 'a@x' })))
  const r = s.run(insert(users, { email: 'a@x' }))
  t.true(E.isLeft(r))
  if (E.isLeft(r)) t.like(r.left, { _tag: 'ConstraintError', kind: 'unique', table: 'users', columns: ['email'] })
  s.close()
})

// -------------------------------------------------------------------------------------
// one transaction mechanism (session/atomic.ts)
// -------------------------------------------------------------------------------------

const countIn = (file: string, tableName: string): number => {
  const check = new Database(file, { readonly: true })
  try {
    return (check.prepare(`SELECT count(*) AS n FROM "${tableName}"`).get() as { n: number }).n
  } finally {
    check.close()
  }
}

const bare = table('bare', { id: integer().primaryKey(), note: text() })

test('a multi-statement write inside a transaction is a savepoint of it: a failing one undoes only itself', (t) => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(bare)))
  // Rows of defaults are one INSERT each (several statements); the third row in the table is refused.
  unwrap(
    s.run(
      raw(
        sql`CREATE TRIGGER three_at_most BEFORE INSERT ON bare WHEN (SELECT count(*) FROM bare) >= 3 BEGIN SELECT RAISE(ABORT, 'full'); END`
      )
    )
  )
  const r = transaction(s, (tx) =>
    pipe(
      tx.run(insert(bare, [{}, {}])),
      E.chainW(() => {
        // The first statement inserts the third row, the second is refused: its savepoint rolls both back.
        const failed = tx.run(insert(bare, [{}, {}]))
        return E.isLeft(failed) ? E.right('went on') : E.left('expected the trigger to refuse a fourth row')
      })
    )
  )
  t.deepEqual(r, E.right('went on'))
  t.is(countIn(file, 'bare'), 2, "the first write committed, none of the failed one's rows")
  // And an outer rollback undoes what succeeded inside it.
  const undone = transaction(s, (tx) =>
    pipe(
      tx.run(insert(bare, [{}])),
      E.chainW(() => E.left('undo'))
    )
  )
  t.deepEqual(undone, E.left('undo'))
  t.is(countIn(file, 'bare'), 2)
  s.close()
})

test('the migration runner begins and commits through the same mechanism (logged, BEGIN IMMEDIATE ... COMMIT)', (t) => {
  const events: string[] = []
  const file = tempDbPath()
  const db = connect(file, { log: (e) => events.push(e.sql) })
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, '0001_a.sql'), `CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a DEFAULT VALUES;\n`)
  const r = migrate(db, { dir })
  t.true(E.isRight(r))
  const begin = events.indexOf('BEGIN IMMEDIATE')
  const commit = events.lastIndexOf('COMMIT')
  t.true(begin >= 0 && commit > begin, events.join('\n'))
  t.true(events.slice(begin, commit).some((e) => e.startsWith('CREATE TABLE a')))
  t.is(countIn(file, 'a'), 1)
  // A failing migration rolls back through it too (and the ROLLBACK is logged).
  events.length = 0
  fs.writeFileSync(path.join(dir, '0002_b.sql'), `INSERT INTO a DEFAULT VALUES;\nINSERT INTO nowhere DEFAULT VALUES;\n`)
  t.true(E.isLeft(migrate(db, { dir })))
  t.is(events.at(-1), 'ROLLBACK')
  t.is(countIn(file, 'a'), 1)
  session(db).close()
})
