import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as O from 'fp-ts/lib/Option.js'
import * as io from 'io-ts'
import type { DbError } from '../src/index.js'
import {
  all,
  boolean,
  count,
  createTable,
  decode,
  eq,
  filter,
  first,
  insert,
  integer,
  isDbError,
  returning,
  json,
  select,
  session,
  sql,
  table,
  text,
  timestamp
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const items = table('items', {
  id: integer().primaryKey(),
  label: text().notNull(),
  done: boolean().notNull().default(false),
  meta: json(io.type({ n: io.number })),
  at: timestamp()
})

const parents = table('parents', { id: integer().primaryKey(), name: text().notNull() })
const children = table('children', {
  id: integer().primaryKey(),
  parentId: integer('parent_id')
    .notNull()
    .references(() => parents.id),
  score: integer().notNull()
})

test('stream reads 50,000 rows one at a time', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(items)))
  const rows = Array.from({ length: 50_000 }, (_, i) => ({ label: `item ${i}`, done: i % 2 === 0, meta: { n: i } }))
  unwrap(s.run(insert(items, rows)))
  const iterable = unwrap(s.stream(pipe(select(items), all)))
  let n = 0
  let sum = 0
  let lastId = 0
  for (const row of iterable) {
    n++
    sum += row.meta?.n ?? 0
    t.true(row.id > lastId) // decoded row by row, in order
    lastId = row.id
    if (n === 1) t.deepEqual(row, { id: 1, label: 'item 0', done: true, meta: { n: 0 }, at: null })
  }
  t.is(n, 50_000)
  t.is(sum, (49_999 * 50_000) / 2)
  // Breaking out early releases the statement: the connection is usable right after.
  for (const row of iterable) {
    t.is(row.id, 1)
    break
  }
  t.is(unwrap(s.run(pipe(select(items), count))), 50_000)
  s.close()
})

test('stream is lazy: nothing runs until iteration, and a bad query is a Left at once', (t) => {
  const s = session(tempDb())
  const missing = table('missing', { id: integer() })
  const e = unwrapLeft(s.stream(pipe(select(missing), all)))
  t.is(e._tag, 'SqliteError')
  t.regex(e.message, /no such table: missing/)
  unwrap(s.run(createTable(items)))
  const it = unwrap(s.stream(pipe(select(items), all)))
  unwrap(s.run(insert(items, { label: 'added after stream() was called' })))
  t.deepEqual(
    [...it].map((r) => r.label),
    ['added after stream() was called']
  )
})

test('a failure after streaming has begun is thrown as a DbError value', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(items)))
  unwrap(s.run(insert(items, [{ label: 'a' }, { label: 'b' }, { label: 'c' }])))
  // Corrupt the stored form of the third row behind the library's back.
  const raw = new Database(db.file)
  raw.prepare(`UPDATE items SET meta = '{"n":"not a number"}' WHERE id = 3`).run()
  raw.close()
  const seen: string[] = []
  const thrown = t.throws(
    () => {
      for (const row of unwrap(s.stream(pipe(select(items), all)))) seen.push(row.label)
    },
    { any: true }
  )
  t.deepEqual(seen, ['a', 'b'])
  t.true(isDbError(thrown))
  const err = thrown as DbError
  t.is(err._tag, 'DecodeError')
  t.true(err._tag === 'DecodeError' && err.issues[0]?.path === '[2].meta.n')
})

test('a stored value of the wrong shape is a Left DecodeError giving the path of the bad field', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(items)))
  unwrap(s.run(insert(items, [{ label: 'ok' }, { label: 'bad' }])))
  const raw = new Database(db.file)
  raw.prepare(`UPDATE items SET at = 'yesterday-ish' WHERE id = 2`).run()
  raw.close()
  const e = unwrapLeft(s.run(pipe(select(items), all)))
  t.is(e._tag, 'DecodeError')
  if (e._tag === 'DecodeError') {
    t.deepEqual(e.issues, [{ path: '[1].at', expected: 'ISO-8601 text (a timestamp)', actual: 'yesterday-ish' }])
    t.regex(e.message, /at \[1\]\.at: expected ISO-8601 text/)
    t.truthy(e.sql)
  }
  // first() on the good row still works.
  t.true(E.isRight(s.run(pipe(select(items), filter(eq(items.id, 1)), first))))
})

test('decode(codec) failures name the path inside the row', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(items)))
  unwrap(s.run(insert(items, [{ label: 'a' }, { label: 'b', meta: { n: 1 } }])))
  const Strict = io.type({ id: io.number, label: io.string, meta: io.type({ n: io.number }) })
  const e = unwrapLeft(s.run(pipe(select(items), decode(Strict), all)))
  t.is(e._tag, 'DecodeError')
  t.true(e._tag === 'DecodeError' && e.issues.some((i) => i.path === '[0].meta'))
  const one = s.run(pipe(select(items), filter(eq(items.id, 2)), decode(Strict), first))
  t.deepEqual(one, E.right(O.some({ id: 2, label: 'b', done: false, meta: { n: 1 }, at: null })))
})

test('a query on a missing table is built without touching the db and fails when run, naming the table', (t) => {
  const ghosts = table('ghosts', { id: integer().primaryKey() })
  const q = pipe(select(ghosts), all) // building it needs no database at all
  const e = unwrapLeft(session(tempDb()).run(q))
  t.is(e._tag, 'SqliteError')
  t.regex(e.message, /no such table: ghosts/)
  t.true(e._tag === 'SqliteError' && e.code === 'SQLITE_ERROR' && e.sql?.includes('"ghosts"') === true)
})

test('constraint violations map to ConstraintError by kind, with table and column', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(parents)))
  unwrap(s.run(createTable(children)))
  unwrap(s.run(insert(parents, { id: 1, name: 'p' })))

  const pk = unwrapLeft(s.run(insert(parents, { id: 1, name: 'again' })))
  t.like(pk, { _tag: 'ConstraintError', kind: 'primaryKey', table: 'parents', columns: ['id'] })

  const fk = unwrapLeft(s.run(insert(children, { parentId: 99, score: 1 })))
  t.like(fk, { _tag: 'ConstraintError', kind: 'foreignKey', table: 'children' })
  t.regex(fk.message, /FOREIGN KEY constraint failed on table children: the row refers to a parent row that does not exist/)

  // NOT NULL and CHECK can only be reached by SQL that bypasses the insert checks.
  const nn = unwrapLeft(s.run(insert(parents, { name: sql<string>`NULL` as never })))
  t.like(nn, { _tag: 'ConstraintError', kind: 'notNull', table: 'parents', columns: ['name'] })

  unwrap(s.run(createTable(items)))
  const check = unwrapLeft(s.run(insert(items, { label: 'x', done: sql<boolean>`2` as never })))
  t.like(check, { _tag: 'ConstraintError', kind: 'check', table: 'items' })
  t.is(unwrap(s.run(pipe(select(items), count))), 0)
})

test('a write lock held by another connection past the busy timeout is a Left BusyError', (t) => {
  const db = tempDb({ busyTimeoutMs: 50 })
  const s = session(db)
  unwrap(s.run(createTable(parents)))
  const other = new Database(db.file)
  other.exec('BEGIN IMMEDIATE')
  try {
    const started = Date.now()
    const e = unwrapLeft(s.run(insert(parents, { name: 'blocked' })))
    t.is(e._tag, 'BusyError')
    t.regex(e.message, /locked/)
    t.true(Date.now() - started >= 40, 'it waited for the busy timeout first')
    // Readers are not blocked by a writer in WAL mode.
    t.is(unwrap(s.run(pipe(select(parents), count))), 0)
  } finally {
    other.exec('ROLLBACK')
    other.close()
  }
  t.true(E.isRight(s.run(insert(parents, { name: 'after' }))))
})

test('run refuses a value that is not a query, with a Left', (t) => {
  const s = session(tempDb())
  const e = unwrapLeft(s.run(pipe(select(parents)) as never))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /terminal/)
  t.is(unwrapLeft(s.run(null as never))._tag, 'ValidationError')
})

test('a write while a stream is open on the same thread is a clear Left', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(parents)))
  unwrap(s.run(insert(parents, [{ name: 'a' }, { name: 'b' }])))
  for (const _ of unwrap(s.stream(pipe(select(parents), all)))) {
    const e = unwrapLeft(s.run(insert(parents, { name: 'during' })))
    t.is(e._tag, 'ValidationError')
    t.regex(e.message, /still reading a stream.*Finish \(or break out of\) the loop/)
    break
  }
  t.is(unwrap(s.run(pipe(select(parents), count))), 2)
})

test('a query value derived from one already run compiles on its own (the compiled form is not carried over by a spread)', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(items)))
  const add = insert(items, { label: 'first' })
  t.deepEqual(s.run(add), E.right({ changes: 1, lastInsertRowid: 1 }))
  // returning() spreads the insert it is given: the RETURNING form must not reuse the plain one's SQL.
  const added = s.run(pipe(add, returning({ id: items.id, label: items.label })))
  t.deepEqual(added, E.right([{ id: 2, label: 'first' }]))
  // The compiled form is kept on the value, where a spread does not copy it (src/memo.ts).
  const own = Object.getOwnPropertySymbols(add)
  const enumerable = own.filter((k) => Object.getOwnPropertyDescriptor(add, k)?.enumerable === true)
  t.true(own.length > enumerable.length, 'the run left its compiled form on the value')
  t.deepEqual(Object.getOwnPropertySymbols({ ...add }), enumerable, 'a spread copies only the enumerable parts')
  s.close()
})

test('a frozen query value runs, and runs again (its compiled form is kept aside: defining it on the value would throw)', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(items)))
  unwrap(s.run(insert(items, { label: 'a' })))
  const q = Object.freeze(pipe(select(items), filter(eq(items.label, 'a')), count))
  t.deepEqual(s.run(q), E.right(1))
  t.deepEqual(s.run(q), E.right(1))
  s.close()
})
