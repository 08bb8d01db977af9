/**
 * Rights that carried wrong data: each case here was found by tests this project did not
 * write (peer ORMs' suites ported to this API, a new user's walkthrough). Every expected
 * result is computed independently: hand-written SQL run through better-sqlite3 directly,
 * or plain TypeScript over the inserted data.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as O from 'fp-ts/lib/Option.js'
import * as t from 'io-ts'
import {
  all,
  asc,
  boolean,
  columns,
  connect,
  countAll,
  createTable,
  deleteFrom,
  desc,
  eq,
  excluded,
  filter,
  first,
  gt,
  hasMany,
  inArray,
  join,
  insert,
  integer,
  json,
  limit,
  max,
  ne,
  notInArray,
  offset,
  onConflictDoNothing,
  onConflictDoUpdate,
  orderBy,
  over,
  placeholder,
  preload,
  returning,
  scalar,
  select,
  session,
  set,
  sql,
  sum,
  table,
  text,
  timestamp,
  toSQL,
  union,
  unionAll,
  update,
  value,
  values,
  withQuery
} from '../src/index.js'
import type { Query } from '../src/index.js'
import { tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'
import { users } from './fixtures/tables.js'

const posts = table('posts', { id: integer().primaryKey(), authorId: integer('author_id').notNull(), title: text().notNull() })

const fresh = () => {
  const file = tempDbPath()
  const s = session(connect(file))
  return { s, file, raw: () => new Database(file) }
}

// 1 ---------------------------------------------------------------------------------

test('upsert: SET and WHERE values bind in the order of their ? (SET first)', (t) => {
  const { s, raw } = fresh()
  unwrap(s.run(createTable(users)))
  unwrap(s.run(insert(users, { id: 1, name: 'a' })))
  const q = pipe(
    insert(users, { id: 1, name: 'b' }),
    onConflictDoUpdate({ target: users.id, set: { name: 'b' }, where: ne(users.name, 'zzz') })
  )
  unwrap(s.run(q))
  const db = raw()
  t.deepEqual(db.prepare('SELECT name FROM users WHERE id = 1').pluck().get(), 'b')
  db.close()
  // The same with placeholders in both places.
  const qp = pipe(
    insert(users, { id: 1, name: placeholder('n') }),
    onConflictDoUpdate({ target: users.id, set: { name: placeholder('n2') }, where: ne(users.name, placeholder('guard')) })
  )
  unwrap(s.run(qp, { n: 'x', n2: 'c', guard: 'zzz' }))
  t.deepEqual(s.run(pipe(select(users), filter(eq(users.id, 1)), value(users.name))), E.right(O.some('c')))
})

// 2 ---------------------------------------------------------------------------------

test('window functions: values in the function and in PARTITION BY bind in text order', (t) => {
  const { s, file } = fresh()
  const w = table('w', { id: integer().primaryKey(), g: text().notNull(), v: integer().notNull() })
  unwrap(s.run(createTable(w)))
  const data = [
    { id: 1, g: 'a', v: 1 },
    { id: 2, g: 'a', v: 2 },
    { id: 3, g: 'b', v: 5 }
  ]
  unwrap(s.run(insert(w, data)))
  const q = pipe(
    select(w),
    columns({ id: w.id, total: over(sum(sql<number>`${w.v} * ${10}`), { partitionBy: [sql`${w.g} || ${'-'}`], orderBy: [w.id] }) }),
    orderBy(w.id),
    all
  )
  // Independent: hand-written SQL with the values in their obvious positions.
  const db = new Database(file)
  const expected = db.prepare("SELECT id, sum(v * 10) OVER (PARTITION BY g || '-' ORDER BY id) AS total FROM w ORDER BY id").all()
  db.close()
  t.deepEqual(unwrap(s.run(q)), expected)
  t.deepEqual(expected, [
    { id: 1, total: 10 },
    { id: 2, total: 30 },
    { id: 3, total: 50 }
  ])
})

// 3 ---------------------------------------------------------------------------------

const Prefs = t.type({ theme: t.string })
const events = table('events', {
  id: integer().primaryKey(),
  at: timestamp().notNull(),
  done: boolean().notNull(),
  prefs: json(Prefs).notNull()
})

const seedEvents = () => {
  const f = fresh()
  unwrap(f.s.run(createTable(events)))
  unwrap(
    f.s.run(
      insert(events, [
        { id: 1, at: new Date('2024-01-01T00:00:00.000Z'), done: false, prefs: { theme: 'dark' } },
        { id: 2, at: new Date('2024-06-01T00:00:00.000Z'), done: true, prefs: { theme: 'light' } }
      ])
    )
  )
  return f
}

test('expressions decode by kind: scalar() subqueries', (t) => {
  const { s } = seedEvents()
  const latest = scalar(pipe(select(events), columns({ at: max(events.at) })))
  const r = unwrap(s.run(pipe(select(events), columns({ id: events.id, latest }), orderBy(events.id), first)))
  t.true(O.isSome(r))
  if (O.isSome(r)) t.deepEqual(r.value.latest, new Date('2024-06-01T00:00:00.000Z'))
  const prefs = scalar(pipe(select(events), filter(eq(events.id, 2)), columns({ p: events.prefs })))
  t.deepEqual(s.run(pipe(select(events), filter(eq(events.id, 1)), value(prefs))), E.right(O.some({ theme: 'light' })))
  const done = scalar(pipe(select(events), filter(eq(events.id, 2)), columns({ d: events.done })))
  t.deepEqual(s.run(pipe(select(events), filter(eq(events.id, 1)), value(done))), E.right(O.some(true)))
})

test('expressions decode by kind: window functions over boolean, timestamp and json columns', (t) => {
  const { s } = seedEvents()
  const rows = unwrap(
    s.run(
      pipe(
        select(events),
        columns({ id: events.id, anyDone: over(max(events.done)), last: over(max(events.at)), p: over(max(events.prefs)) }),
        orderBy(events.id),
        all
      )
    )
  )
  t.deepEqual(rows, [
    { id: 1, anyDone: true, last: new Date('2024-06-01T00:00:00.000Z'), p: { theme: 'light' } },
    { id: 2, anyDone: true, last: new Date('2024-06-01T00:00:00.000Z'), p: { theme: 'light' } }
  ])
})

test('expressions decode by kind: CTE columns and compound (union) columns', (t) => {
  const { s } = seedEvents()
  const cte = withQuery('ev', pipe(select(events), columns({ id: events.id, at: events.at, done: events.done, prefs: events.prefs })))
  t.deepEqual(unwrap(s.run(pipe(select(cte), orderBy(cte.id), all))), [
    { id: 1, at: new Date('2024-01-01T00:00:00.000Z'), done: false, prefs: { theme: 'dark' } },
    { id: 2, at: new Date('2024-06-01T00:00:00.000Z'), done: true, prefs: { theme: 'light' } }
  ])
  // A CTE of a whole table (no columns()) keeps its json codec too.
  const whole = withQuery('ev2', select(events))
  const bad = seedEvents()
  const db = bad.raw()
  db.prepare(`UPDATE events SET prefs = '{"theme": 3}' WHERE id = 1`).run()
  db.close()
  const decoded = bad.s.run(pipe(select(whole), all))
  t.is(E.isLeft(decoded) ? decoded.left._tag : 'Right', 'DecodeError')

  const u = pipe(
    select(events),
    columns({ at: events.at, done: events.done, prefs: events.prefs }),
    filter(eq(events.id, 1)),
    unionAll(pipe(select(events), columns({ at: events.at, done: events.done, prefs: events.prefs }), filter(eq(events.id, 2)))),
    orderBy(events.at),
    all
  )
  t.deepEqual(unwrap(s.run(u)), [
    { at: new Date('2024-01-01T00:00:00.000Z'), done: false, prefs: { theme: 'dark' } },
    { at: new Date('2024-06-01T00:00:00.000Z'), done: true, prefs: { theme: 'light' } }
  ])
})

// 4 ---------------------------------------------------------------------------------

test('withQuery over a join without columns() is refused with a ValidationError', (t) => {
  const { s } = fresh()
  unwrap(s.run(createTable(users)))
  unwrap(s.run(createTable(posts)))
  // @ts-expect-error a join's nested rows cannot be a CTE's flat columns
  const c = withQuery('c', pipe(select(posts), join(users, eq(posts.authorId, users.id))))
  const r = s.run(pipe(select(c), all))
  const e = unwrapLeft(r)
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /withQuery.*join.*columns/)
})

// 5 ---------------------------------------------------------------------------------

test('value(expr) / values(expr) on a compound read the compound result', (t) => {
  const { s, file } = fresh()
  const a = table('a', { id: integer().primaryKey(), name: text().notNull() })
  const b = table('b', { id: integer().primaryKey(), name: text().notNull() })
  unwrap(s.run(createTable(a)))
  unwrap(s.run(createTable(b)))
  unwrap(s.run(insert(a, [{ name: 'x' }, { name: 'y' }])))
  unwrap(s.run(insert(b, [{ name: 'y' }, { name: 'z' }])))
  const u = pipe(select(a), columns({ name: a.name }), union(pipe(select(b), columns({ name: b.name }))))
  t.deepEqual(s.run(pipe(u, orderBy(a.name), values(a.name))), E.right(['x', 'y', 'z']))
  t.deepEqual(s.run(pipe(u, orderBy(a.name), values(b.name))), E.right(['x', 'y', 'z']))
  t.deepEqual(s.run(pipe(u, orderBy(desc(a.name)), value(a.name))), E.right(O.some('z')))
  // A whole-table union.
  const db = new Database(file)
  const expected = db.prepare('SELECT name FROM (SELECT id, name FROM a UNION SELECT id, name FROM b) ORDER BY name, id').pluck().all()
  db.close()
  t.deepEqual(expected, ['x', 'y', 'y', 'z'])
  t.deepEqual(s.run(pipe(select(a), union(select(b)), orderBy(a.name, b.id), values(a.name))), E.right(expected))
  // An expression that is not a result column cannot be read from the union.
  const bad = unwrapLeft(s.run(pipe(u, values(a.id))))
  t.is(bad._tag, 'ValidationError')
  t.regex(bad.message, /union/)
})

// 6 ---------------------------------------------------------------------------------

test('chained onConflict clauses are all kept, in order', (t) => {
  const { s } = fresh()
  const kv = table('kv', { id: integer().primaryKey(), k: text().notNull().unique(), v: integer().notNull() })
  unwrap(s.run(createTable(kv)))
  unwrap(s.run(insert(kv, { id: 1, k: 'a', v: 1 })))
  const upsert = (row: { id: number; k: string; v: number }) =>
    pipe(
      insert(kv, row),
      onConflictDoUpdate({ target: kv.id, set: { v: sql<number>`${kv.v} + ${100}` } }),
      onConflictDoUpdate({ target: kv.k, set: { v: sql<number>`${kv.v} + ${excluded(kv.v)}` } })
    )
  unwrap(s.run(upsert({ id: 1, k: 'zz', v: 5 }))) // conflicts on id: +100
  unwrap(s.run(upsert({ id: 9, k: 'a', v: 5 }))) // conflicts on k: +5
  t.deepEqual(unwrap(s.run(pipe(select(kv), all))), [{ id: 1, k: 'a', v: 106 }])
  // A last clause without target catches the rest.
  const withNothing = pipe(insert(kv, { id: 1, k: 'a', v: 0 }), onConflictDoUpdate({ target: kv.k, set: { v: 7 } }), onConflictDoNothing())
  unwrap(s.run(withNothing))
  t.deepEqual(unwrap(s.run(pipe(select(kv), values(kv.v)))), [7])
  // Only the last clause may have no target.
  const bad = unwrapLeft(s.run(pipe(insert(kv, { id: 2, k: 'b', v: 0 }), onConflictDoNothing(), onConflictDoNothing(kv.k))))
  t.is(bad._tag, 'ValidationError')
})

// 7 ---------------------------------------------------------------------------------

test('union members listing the same keys in another order are aligned by key', (t) => {
  const { s } = fresh()
  const p = table('p', { id: integer().primaryKey(), first: text().notNull(), last: text().notNull() })
  unwrap(s.run(createTable(p)))
  unwrap(s.run(insert(p, [{ first: 'Ada', last: 'Lovelace' }])))
  const q = pipe(select(p), columns({ a: p.first, b: p.last }), unionAll(pipe(select(p), columns({ b: p.last, a: p.first }))), all)
  t.deepEqual(unwrap(s.run(q)), [
    { a: 'Ada', b: 'Lovelace' },
    { a: 'Ada', b: 'Lovelace' }
  ])
  // Different keys, or decoding kinds that disagree, are refused.
  const keys = unwrapLeft(s.run(pipe(select(p), columns({ a: p.first }), union(pipe(select(p), columns({ c: p.first }))), all)))
  t.is(keys._tag, 'ValidationError')
  const kinds = unwrapLeft(s.run(pipe(select(p), columns({ a: p.id }), union(pipe(select(p), columns({ a: p.first }))), all)))
  t.is(kinds._tag, 'ValidationError')
})

// 8 ---------------------------------------------------------------------------------

test('preload on a query of the wrong table is refused (types and run time)', (t) => {
  const { s } = fresh()
  unwrap(s.run(createTable(users)))
  unwrap(s.run(createTable(posts)))
  unwrap(s.run(insert(users, [{ id: 1, name: 'Ann' }])))
  unwrap(s.run(insert(posts, [{ id: 1, authorId: 1, title: 'p' }])))
  const userPosts = hasMany(users, posts, posts.authorId)
  // @ts-expect-error userPosts loads onto users rows, not posts rows
  const wrong = pipe(select(posts), preload('x', userPosts), all)
  const e = unwrapLeft(s.run(wrong as Query<unknown>))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /users/)
  t.deepEqual(unwrap(s.run(pipe(select(users), preload('posts', userPosts), all))), [
    { id: 1, name: 'Ann', posts: [{ id: 1, authorId: 1, title: 'p' }] }
  ])
  // @ts-expect-error the foreign key must be a column of the child table
  const badFk = hasMany(users, posts, users.id)
  t.is(unwrapLeft(s.run(pipe(select(users), preload('x', badFk), all)))._tag, 'ValidationError')
})

// 9 ---------------------------------------------------------------------------------

test('a column of a table not in the query is a ValidationError naming it and the tables in scope', (t) => {
  const { s } = fresh()
  unwrap(s.run(createTable(users)))
  unwrap(s.run(createTable(posts)))
  // Each of these is a type error too (the @ts-expect-error lines), and a Left at run time.
  // @ts-expect-error posts is not in the query
  const e = unwrapLeft(toSQL(pipe(select(users), filter(eq(posts.id, 1)), all)))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /posts\.id/)
  t.regex(e.message, /users/)
  // @ts-expect-error posts is not in the query
  t.is(unwrapLeft(s.run(pipe(select(users), orderBy(posts.title), all)))._tag, 'ValidationError')
  // @ts-expect-error posts is not in the query
  t.is(unwrapLeft(s.run(pipe(select(users), columns({ t: posts.title }), all)))._tag, 'ValidationError')
  // @ts-expect-error an update of users reads users only
  t.is(unwrapLeft(s.run(pipe(update(users), set({ name: 'x' }), filter(eq(posts.id, 1)))))._tag, 'ValidationError')
  // @ts-expect-error a delete from users reads users only
  t.is(unwrapLeft(s.run(pipe(deleteFrom(users), filter(eq(posts.id, 1)))))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(pipe(insert(users, { name: 'a' }), returning({ x: posts.id }))))._tag, 'ValidationError')
  // Correlated subqueries see the enclosing query's tables.
  const n = scalar(pipe(select(posts), filter(eq(posts.authorId, users.id)), columns({ n: countAll() })))
  t.true(E.isRight(s.run(pipe(select(users), columns({ id: users.id, n }), all))))
  // ... but a subquery's tables are not in scope outside it.
  t.is(
    unwrapLeft(
      // @ts-expect-error posts is in the subquery only
      s.run(pipe(select(users), filter(inArray(users.id, pipe(select(posts), columns({ a: posts.authorId })))), orderBy(posts.id), all))
    )._tag,
    'ValidationError'
  )
})

// 11 --------------------------------------------------------------------------------

test("inArray takes lists past SQLite's variable limit; messages quote at most ~1000 characters of SQL", (t) => {
  const { s } = fresh()
  const n = table('n', { id: integer().primaryKey() })
  unwrap(s.run(createTable(n)))
  unwrap(
    s.run(
      insert(
        n,
        Array.from({ length: 50 }, (_, i) => ({ id: i + 1 }))
      )
    )
  )
  const big = Array.from({ length: 40_000 }, (_, i) => i * 2)
  const expected = Array.from({ length: 50 }, (_, i) => i + 1).filter((x) => x % 2 === 0)
  t.deepEqual(s.run(pipe(select(n), filter(inArray(n.id, big)), orderBy(n.id), values(n.id))), E.right(expected))
  t.deepEqual(
    s.run(pipe(select(n), filter(notInArray(n.id, big)), orderBy(n.id), values(n.id))),
    E.right(Array.from({ length: 50 }, (_, i) => i + 1).filter((x) => x % 2 === 1))
  )
  // An error on a statement with a huge text keeps the text on .sql, not in the message.
  const longName = 'x'.repeat(200)
  const bad = unwrapLeft(
    s.run(
      pipe(select(n), columns(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${longName}${i}`, sql`nosuchfn(${n.id})`]))), all)
    )
  )
  t.true(bad.message.length < 2000, `message is ${bad.message.length} characters`)
  t.true('sql' in bad && typeof bad.sql === 'string' && bad.sql.length > 5000)
})

// 12 --------------------------------------------------------------------------------

test('64-bit integers: bigint mode reads and writes the whole range; a plain integer past 2^53 is a DecodeError', (t) => {
  const { s, raw } = fresh()
  const big = table('big', { id: integer().primaryKey(), n: integer({ mode: 'bigint' }).notNull(), plain: integer() })
  unwrap(s.run(createTable(big)))
  const values64 = [9007199254740993n, -9223372036854775808n, 9223372036854775807n, 0n]
  unwrap(
    s.run(
      insert(
        big,
        values64.map((n, i) => ({ id: i + 1, n }))
      )
    )
  )
  const db = raw()
  const stored = db.prepare('SELECT n FROM big ORDER BY id').safeIntegers(true).pluck().all()
  t.deepEqual(stored, values64)
  db.prepare('UPDATE big SET plain = 9007199254740993 WHERE id = 1').run()
  db.close()
  t.deepEqual(
    s.run(pipe(select(big), columns({ id: big.id, n: big.n }), orderBy(big.id), all)),
    E.right(values64.map((n, i) => ({ id: i + 1, n })))
  )
  t.deepEqual(s.run(pipe(select(big), filter(eq(big.n, 9007199254740993n)), values(big.id))), E.right([1]))
  const e = unwrapLeft(s.run(pipe(select(big), all)))
  t.is(e._tag, 'DecodeError')
  t.regex(e.message, /plain/)
  t.regex(e.message, /bigint/)
})

// 14 --------------------------------------------------------------------------------

test('update and deleteFrom take orderBy and limit', (t) => {
  const { s, raw } = fresh()
  unwrap(s.run(createTable(users)))
  unwrap(
    s.run(
      insert(
        users,
        [1, 2, 3, 4, 5].map((id) => ({ id, name: `u${id}` }))
      )
    )
  )
  t.deepEqual(
    s.run(pipe(update(users), set({ name: 'top' }), filter(gt(users.id, 1)), orderBy(desc(users.id)), limit(2))),
    E.right({ changes: 2, lastInsertRowid: 5 })
  )
  t.deepEqual(unwrap(s.run(pipe(deleteFrom(users), filter(gt(users.id, 0)), orderBy(asc(users.id)), limit(1), offset(1)))).changes, 1)
  const db = raw()
  t.deepEqual(db.prepare('SELECT id, name FROM users ORDER BY id').all(), [
    { id: 1, name: 'u1' },
    { id: 3, name: 'u3' },
    { id: 4, name: 'top' },
    { id: 5, name: 'top' }
  ])
  db.close()
})
