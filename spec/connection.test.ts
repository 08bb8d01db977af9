import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { LogEvent, SelectQuery } from '../src/index.js'
import { all, connect, count, createTable, eq, filter, first, insert, integer, placeholder, select, session, table } from '../src/index.js'
import * as registry from '../src/conn/registry.js'
import { pragmaValue } from '../src/driver/index.js'
import { openHandleCount } from '../src/conn/registry.js'
import { tempDb, tempDbPath, tempDir, unwrap, unwrapLeft } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

test('connect returns a plain descriptor and opens nothing', (t) => {
  const file = tempDbPath()
  const db = connect(file)
  t.is(db._tag, 'Db')
  t.is(db.file, file)
  t.false(fs.existsSync(file))
  t.deepEqual(structuredClone(db), db)
})

test('every path form works: relative, ./relative, dir/relative, absolute, :memory:', (t) => {
  const dir = tempDir()
  fs.mkdirSync(path.join(dir, 'sub'))
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    for (const p of ['x.db', './y.db', 'sub/z.db', path.join(dir, 'abs.db'), ':memory:']) {
      const s = session(connect(p))
      unwrap(s.run(createTable(notes)))
      unwrap(s.run(insert(notes, { body: p })))
      t.deepEqual(unwrap(s.run(pipe(select(notes), all))), [{ id: 1, body: p }], p)
      s.close()
    }
    t.true(fs.existsSync(path.join(dir, 'x.db')))
    t.true(fs.existsSync(path.join(dir, 'y.db')))
    t.true(fs.existsSync(path.join(dir, 'sub', 'z.db')))
    t.true(fs.existsSync(path.join(dir, 'abs.db')))
  } finally {
    process.chdir(cwd)
  }
})

test('pragmas apply per handle: foreign_keys on, busy_timeout, synchronous, and user pragmas', (t) => {
  const events: LogEvent[] = []
  const db = tempDb({ busyTimeoutMs: 1234, pragmas: { cache_size: -4000 }, log: (e) => events.push(e) })
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  // Read the settings of this thread's handle through the library's own registry.
  const h = unwrap(registry.acquire(db))
  t.is(pragmaValue(h.db, 'foreign_keys'), 1)
  t.is(pragmaValue(h.db, 'busy_timeout'), 1234)
  t.is(pragmaValue(h.db, 'synchronous'), 1) // NORMAL
  t.is(pragmaValue(h.db, 'cache_size'), -4000)
  t.is(pragmaValue(h.db, 'journal_mode'), 'wal')
  s.close()
})

test('bad pragmas are a Left ValidationError, never SQL', (t) => {
  const s = session(tempDb({ pragmas: { 'cache_size; DROP TABLE x': 1 } }))
  const e = unwrapLeft(s.run(pipe(select(notes), count)))
  t.is(e._tag, 'ValidationError')
  const s2 = session(tempDb({ pragmas: { cache_size: '1; DROP TABLE x' } }))
  t.is(unwrapLeft(s2.run(pipe(select(notes), count)))._tag, 'ValidationError')
})

test('a missing folder, a folder, and a file that is not SQLite are Left ConnectionError naming the path', (t) => {
  const dir = tempDir()
  const missing = path.join(dir, 'nope', 'x.db')
  const e1 = unwrapLeft(session(connect(missing)).run(pipe(select(notes), count)))
  t.is(e1._tag, 'ConnectionError')
  t.true(e1._tag === 'ConnectionError' && e1.path === missing)
  t.regex(e1.message, /does not exist/)

  const e2 = unwrapLeft(session(connect(dir)).run(pipe(select(notes), count)))
  t.is(e2._tag, 'ConnectionError')
  t.regex(e2.message, /is a folder/)

  const junk = path.join(dir, 'junk.db')
  fs.writeFileSync(junk, 'this is not a database, just some text that is long enough to fill a header page '.repeat(20))
  const e3 = unwrapLeft(session(connect(junk)).run(pipe(select(notes), count)))
  t.is(e3._tag, 'ConnectionError')
  t.regex(e3.message, /not a SQLite database|not a database/)
  t.true(e3.message.includes(junk))
  // The file was left as it was.
  t.true(fs.readFileSync(junk, 'utf8').startsWith('this is not a database'))
})

test('readonly: reads work, writes are a Left, a missing file is a ConnectionError', (t) => {
  const file = tempDbPath()
  const w = session(connect(file))
  unwrap(w.run(createTable(notes)))
  unwrap(w.run(insert(notes, { body: 'a' })))
  const r = session(connect(file, { readonly: true }))
  t.is(unwrap(r.run(pipe(select(notes), count))), 1)
  const e = unwrapLeft(r.run(insert(notes, { body: 'b' })))
  t.is(e._tag, 'SqliteError')
  t.regex(e.message, /readonly/)
  t.is(unwrapLeft(session(connect(tempDbPath(), { readonly: true })).run(pipe(select(notes), count)))._tag, 'ConnectionError')
  r.close()
  w.close()
})

test('one handle per database per thread, shared by sessions; close, then the next run reopens', (t) => {
  const db = tempDb()
  const a = session(db)
  const b = session(db)
  const before = openHandleCount()
  unwrap(a.run(createTable(notes)))
  unwrap(b.run(insert(notes, { body: 'x' })))
  t.is(openHandleCount(), before + 1)
  t.is(unwrap(registry.acquire(db)), unwrap(registry.acquire(connect(db.path))), 'an equal descriptor shares the handle')
  a.close()
  t.is(openHandleCount(), before)
  t.is(unwrap(b.run(pipe(select(notes), count))), 1)
  t.is(openHandleCount(), before + 1)
  b.close()
})

test('each connect(":memory:") is its own database', (t) => {
  const a = session(connect(':memory:'))
  const b = session(connect(':memory:'))
  unwrap(a.run(createTable(notes)))
  unwrap(a.run(insert(notes, { body: 'only in a' })))
  t.is(unwrapLeft(b.run(pipe(select(notes), count)))._tag, 'SqliteError')
  a.close()
  b.close()
})

test('log receives every statement with its SQL, positional params and duration', (t) => {
  const events: LogEvent[] = []
  const s = session(tempDb({ log: (e) => events.push(e) }))
  unwrap(s.run(createTable(notes)))
  unwrap(s.run(insert(notes, { body: 'hello' })))
  const q = pipe(select(notes), filter(eq(notes.id, placeholder('id'))), first)
  unwrap(s.run(q, { id: 1 }))
  const last = events[events.length - 1]!
  t.is(last.sql, 'SELECT "notes"."id", "notes"."body" FROM "notes" WHERE "notes"."id" IS ? LIMIT 1')
  t.deepEqual(last.params, [1])
  t.true(last.durationMs >= 0)
  t.true(events.some((e) => e.sql.startsWith('INSERT') && e.params[0] === 'hello'))
  // A failing statement is logged too, with its error.
  unwrapLeft(s.run(pipe(select(table('missing', { id: integer() })), all)))
  t.true(events.length >= 3)
  s.close()
})

test('a logger that throws does not change the result', (t) => {
  const s = session(
    tempDb({
      log: () => {
        throw new Error('logger broke')
      }
    })
  )
  t.true(E.isRight(s.run(createTable(notes))))
  t.is(unwrap(s.run(pipe(select(notes), count))), 0)
})

test('the statement cache is bounded and repeated queries reuse prepared statements', (t) => {
  const db = tempDb({ statementCacheSize: 3 })
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  const h = unwrap(registry.acquire(db))
  const q = pipe(select(notes), filter(eq(notes.id, placeholder('id'))), first)
  unwrap(s.run(q, { id: 1 }))
  const stmt = h.statements.get('SELECT "notes"."id", "notes"."body" FROM "notes" WHERE "notes"."id" IS ? LIMIT 1').stmt
  unwrap(s.run(q, { id: 2 }))
  unwrap(s.run(pipe(select(notes), filter(eq(notes.id, 3)), first)))
  t.is(h.statements.get('SELECT "notes"."id", "notes"."body" FROM "notes" WHERE "notes"."id" IS ? LIMIT 1').stmt, stmt)
  // Ten different SQL texts (1..10 AND-ed filters) pass through a cache of three.
  for (let i = 1; i <= 10; i++) {
    const q = Array.from({ length: i }).reduce<SelectQuery<unknown>>((acc) => filter(eq(notes.id, 1))(acc), select(notes))
    unwrap(s.run(all(q)))
  }
  t.is(h.statements.size, 3)
  s.close()
})
