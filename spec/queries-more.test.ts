/**
 * What a Drizzle or Kysely user reaches for first: CASE, DISTINCT aggregates, cross joins,
 * row values, derived tables, INSERT ... SELECT, UPDATE ... FROM and nested projections.
 * Every result is compared with hand-written SQL run through better-sqlite3 on the same file.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import * as O from 'fp-ts/lib/Option.js'
import {
  all,
  asc,
  avg,
  caseWhen,
  columns,
  connect,
  countAll,
  countDistinct,
  createTable,
  crossJoin,
  cursorOf,
  derived,
  desc,
  eq,
  filter,
  first,
  from,
  groupBy,
  gt,
  inArray,
  insert,
  integer,
  join,
  keyset,
  limit,
  lt,
  offset,
  onConflictDoUpdate,
  orderBy,
  placeholder,
  returning,
  select,
  session,
  set,
  sql,
  sum,
  table,
  text,
  timestamp,
  tuple,
  union,
  update,
  values,
  withQuery
} from '../src/index.js'
import type { Query } from '../src/index.js'
import { tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), team: text() })
const orders = table('orders', {
  id: integer().primaryKey(),
  userId: integer('user_id').notNull(),
  total: integer().notNull(),
  at: timestamp().notNull()
})

const seeded = () => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(users)))
  unwrap(s.run(createTable(orders)))
  unwrap(
    s.run(
      insert(users, [
        { name: 'Ann', team: 'red' },
        { name: 'Bob', team: 'red' },
        { name: 'Cy', team: null }
      ])
    )
  )
  unwrap(
    s.run(
      insert(orders, [
        { userId: 1, total: 10, at: new Date('2024-01-01T00:00:00Z') },
        { userId: 1, total: 10, at: new Date('2024-02-01T00:00:00Z') },
        { userId: 1, total: 30, at: new Date('2024-03-01T00:00:00Z') },
        { userId: 2, total: 5, at: new Date('2024-01-15T00:00:00Z') }
      ])
    )
  )
  const raw = (q: string, ...params: unknown[]) => {
    const db = new Database(file, { readonly: true })
    try {
      return db.prepare(q).all(...params)
    } finally {
      db.close()
    }
  }
  return { s, file, raw }
}

test('caseWhen: the first branch that holds, ELSE or null, values encoded and decoded by kind', (t) => {
  const { s, raw } = seeded()
  const size = caseWhen(
    [
      [lt(orders.total, 10), 'small'],
      [lt(orders.total, 20), 'medium']
    ],
    'large'
  )
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(size)))),
    raw("SELECT CASE WHEN total < 10 THEN 'small' WHEN total < 20 THEN 'medium' ELSE 'large' END AS v FROM orders ORDER BY id").map(
      (r) => (r as { v: string }).v
    )
  )
  // Without ELSE: null where no branch holds; a timestamp branch decodes as Date.
  const recent = caseWhen([[gt(orders.at, new Date('2024-02-15T00:00:00Z')), orders.at]])
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(recent)))), [null, null, new Date('2024-03-01T00:00:00Z'), null])
  // Booleans as values read back as booleans.
  const big = caseWhen([[gt(orders.total, 20), true]], false)
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(big)))), [false, false, true, false])
  t.is(unwrapLeft(s.run(pipe(select(orders), values(caseWhen([])))))._tag, 'ValidationError')
})

test('DISTINCT aggregates: countDistinct, sum and avg with { distinct: true }', (t) => {
  const { s, raw } = seeded()
  const r = unwrap(
    s.run(
      pipe(
        select(orders),
        columns({
          users: countDistinct(orders.userId),
          totals: sum(orders.total, { distinct: true }),
          mean: avg(orders.total, { distinct: true })
        }),
        first
      )
    )
  )
  const [expected] = raw('SELECT count(DISTINCT user_id) AS users, sum(DISTINCT total) AS totals, avg(DISTINCT total) AS mean FROM orders')
  t.deepEqual(r, O.some(expected))
})

test('crossJoin: every pair, rows nested by table', (t) => {
  const { s, raw } = seeded()
  const pairs = unwrap(
    s.run(pipe(select(users), crossJoin(orders), columns({ u: users.id, o: orders.id }), orderBy(users.id, orders.id), all))
  )
  t.deepEqual(pairs, raw('SELECT users.id AS u, orders.id AS o FROM users CROSS JOIN orders ORDER BY users.id, orders.id'))
  t.is(pairs.length, 12)
  const nested = unwrap(s.run(pipe(select(users), crossJoin(orders), filter(eq(users.id, 3)), orderBy(orders.id), first)))
  t.true(O.isSome(nested) && nested.value.users.name === 'Cy' && nested.value.orders.id === 1)
})

test('row values: tuple comparisons (keyset) and tuple IN lists, with literals and placeholders', (t) => {
  const { s, raw } = seeded()
  const after = pipe(
    select(orders),
    filter(gt(tuple(orders.total, orders.id), [10, 1])),
    orderBy(asc(orders.total), asc(orders.id)),
    values(orders.id)
  )
  t.deepEqual(
    unwrap(s.run(after)),
    raw('SELECT id FROM orders WHERE (total, id) > (10, 1) ORDER BY total, id').map((r) => (r as { id: number }).id)
  )
  const withParams = pipe(
    select(orders),
    filter(gt(tuple(orders.total, orders.id), [placeholder('total'), placeholder('id')])),
    orderBy(orders.total, orders.id),
    values(orders.id)
  )
  t.deepEqual(unwrap(s.run(withParams, { total: 10, id: 1 })), unwrap(s.run(after)))
  const pairs = pipe(
    select(orders),
    filter(
      inArray(tuple(orders.userId, orders.total), [
        [1, 10],
        [2, 5]
      ])
    ),
    orderBy(orders.id),
    values(orders.id)
  )
  t.deepEqual(
    unwrap(s.run(pairs)),
    raw('SELECT id FROM orders WHERE (user_id, total) IN ((1, 10), (2, 5)) ORDER BY id').map((r) => (r as { id: number }).id)
  )
  // A timestamp item is encoded by its kind.
  const byTime = pipe(select(orders), filter(gt(tuple(orders.at, orders.id), [new Date('2024-02-01T00:00:00Z'), 0])), values(orders.id))
  t.deepEqual(unwrap(s.run(byTime)), [2, 3])
  // A wrong arity or one placeholder for the whole tuple is a Left.
  t.is(
    unwrapLeft(s.run(pipe(select(orders), filter(gt(tuple(orders.total, orders.id), [10] as never)), values(orders.id))))._tag,
    'ValidationError'
  )
  t.is(
    unwrapLeft(
      s.run(pipe(select(orders), filter(gt(tuple(orders.total, orders.id), placeholder('p') as never)), values(orders.id)), { p: [1, 2] })
    )._tag,
    'ValidationError'
  )
})

test('derived tables: a select used as a table in FROM and joins, typed, even under the name of the table it reads', (t) => {
  const { s, raw } = seeded()
  const perUser = derived(
    pipe(select(orders), columns({ userId: orders.userId, n: countAll(), spent: sum(orders.total) }), groupBy(orders.userId)),
    'per_user'
  )
  const rows = unwrap(
    s.run(
      pipe(
        select(users),
        join(perUser, eq(perUser.userId, users.id)),
        columns({ name: users.name, n: perUser.n, spent: perUser.spent }),
        orderBy(users.id),
        all
      )
    )
  )
  t.deepEqual(
    rows,
    raw(
      'SELECT users.name AS name, p.n AS n, p.spent AS spent FROM users JOIN (SELECT user_id, count(*) AS n, sum(total) AS spent FROM orders GROUP BY user_id) AS p ON p.user_id = users.id ORDER BY users.id'
    )
  )
  // The same name as the table it reads (a CTE could not).
  const big = derived(pipe(select(orders), filter(gt(orders.total, 9)), columns({ id: orders.id, at: orders.at })), 'orders')
  t.deepEqual(unwrap(s.run(pipe(select(big), orderBy(desc(big.id)), all))), [
    { id: 3, at: new Date('2024-03-01T00:00:00Z') },
    { id: 2, at: new Date('2024-02-01T00:00:00Z') },
    { id: 1, at: new Date('2024-01-01T00:00:00Z') }
  ])
  // Values inside and outside bind in order.
  const q = pipe(select(big), filter(lt(big.id, placeholder('max'))), values(big.id))
  t.deepEqual(unwrap(s.run(q, { max: 3 })).sort(), [1, 2])
})

test('insert(table, select): INSERT ... SELECT with defaults, upsert, returning; checked like the rest', (t) => {
  const { s, raw } = seeded()
  const archive = table('archive', {
    id: integer().primaryKey(),
    name: text().notNull().unique(),
    spent: integer().notNull().default(0),
    archivedAt: timestamp('archived_at').notNull().defaultNow()
  })
  unwrap(s.run(createTable(archive)))
  const spenders = pipe(
    select(users),
    join(orders, eq(orders.userId, users.id)),
    columns({ name: users.name, spent: sql.as('integer')<number>`sum(${orders.total})` }),
    groupBy(users.id)
  )
  t.deepEqual(unwrap(s.run(insert(archive, spenders))), { changes: 2, lastInsertRowid: 2 })
  t.deepEqual(
    raw('SELECT name, spent FROM archive ORDER BY id'),
    raw(
      'SELECT users.name AS name, sum(orders.total) AS spent FROM users JOIN orders ON orders.user_id = users.id GROUP BY users.id ORDER BY users.id'
    )
  )
  t.true(raw('SELECT archived_at FROM archive').every((r) => !Number.isNaN(new Date((r as { archived_at: string }).archived_at).getTime())))
  // Defaults of left-out columns; an upsert after the select; rows returned.
  const again = pipe(
    insert(archive, pipe(select(users), columns({ name: users.name }))),
    onConflictDoUpdate({ target: archive.name, set: { spent: sql<number>`${archive.spent} + ${1}` } }),
    returning({ name: archive.name, spent: archive.spent })
  )
  t.deepEqual(
    unwrap(s.run(again)).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'Ann', spent: 51 },
      { name: 'Bob', spent: 6 },
      { name: 'Cy', spent: 0 }
    ]
  )
  // A required column missing, or a column the table does not have: Left, and type errors.
  const noName = pipe(select(users), columns({ spent: users.id }))
  // @ts-expect-error name is required
  t.is(unwrapLeft(s.run(insert(archive, noName)))._tag, 'ValidationError')
  const extra = pipe(select(users), columns({ name: users.name, team: users.team }))
  // @ts-expect-error archive has no team
  t.is(unwrapLeft(s.run(insert(archive, extra)))._tag, 'ValidationError')
  const wrongKind = pipe(select(orders), columns({ name: orders.at }))
  // @ts-expect-error a Date is not a name
  t.is(unwrapLeft(s.run(insert(archive, wrongKind)))._tag, 'ValidationError')
  t.is(raw('SELECT count(*) AS n FROM archive')[0] && (raw('SELECT count(*) AS n FROM archive')[0] as { n: number }).n, 3)
})

test('update ... from(other): set and filter read the other table', (t) => {
  const { s, raw } = seeded()
  const totals = table('totals', { id: integer().primaryKey(), userId: integer('user_id').notNull(), sum: integer().notNull() })
  unwrap(s.run(createTable(totals)))
  unwrap(
    s.run(
      insert(totals, [
        { userId: 1, sum: 0 },
        { userId: 2, sum: 0 },
        { userId: 3, sum: 0 }
      ])
    )
  )
  const perUser = derived(
    pipe(select(orders), columns({ userId: orders.userId, s: sum(orders.total) }), groupBy(orders.userId)),
    'per_user'
  )
  const r = unwrap(s.run(pipe(update(totals), set({ sum: perUser.s }), from(perUser), filter(eq(perUser.userId, totals.userId)))))
  t.is(r.changes, 2)
  t.deepEqual(raw('SELECT user_id, sum FROM totals ORDER BY user_id'), [
    { user_id: 1, sum: 50 },
    { user_id: 2, sum: 5 },
    { user_id: 3, sum: 0 }
  ])
  // Without from(), the other table is out of scope: a type error and a Left.
  // @ts-expect-error orders is not read by this update
  t.is(unwrapLeft(s.run(pipe(update(totals), set({ sum: 1 }), filter(eq(orders.userId, totals.userId)))))._tag, 'ValidationError')
})

test('nested projections: plain objects of columns become nested objects, typed', (t) => {
  const { s, raw } = seeded()
  const q = pipe(
    select(orders),
    join(users, eq(users.id, orders.userId)),
    columns({ user: { id: users.id, name: users.name, team: { name: users.team } }, total: sum(orders.total), last: { at: orders.at } }),
    groupBy(users.id),
    orderBy(users.id),
    all
  )
  const rows: Array<{ user: { id: number; name: string; team: { name: string | null } }; total: number | null; last: { at: Date } }> =
    unwrap(s.run(q))
  const expected = raw(
    'SELECT users.id AS id, users.name AS name, users.team AS team, sum(orders.total) AS total, orders.at AS at FROM orders JOIN users ON users.id = orders.user_id GROUP BY users.id ORDER BY users.id'
  ) as Array<{ id: number; name: string; team: string | null; total: number; at: string }>
  t.deepEqual(
    rows,
    expected.map((r) => ({ user: { id: r.id, name: r.name, team: { name: r.team } }, total: r.total, last: { at: new Date(r.at) } }))
  )
  // Not where a flat row is needed: a union, a CTE.
  const nested = pipe(select(users), columns({ u: { id: users.id } }))
  t.is(unwrapLeft(s.run(pipe(nested, union(nested), all)))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(pipe(select(withQuery('c', nested)), all) as Query<unknown>))._tag, 'ValidationError')
})

test('keyset pages walk the same rows as offset pages, for same and mixed directions, with duplicates in the first key', (t) => {
  const file = tempDbPath()
  const s = session(connect(file))
  const ev = table('ev', { id: integer().primaryKey(), score: integer().notNull(), at: timestamp().notNull() })
  unwrap(s.run(createTable(ev)))
  // A seeded mix with many equal scores and times.
  let seed = 7
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  unwrap(
    s.run(
      insert(
        ev,
        Array.from({ length: 137 }, () => ({ score: Math.floor(rand() * 10), at: new Date(Date.UTC(2024, 0, 1 + Math.floor(rand() * 5))) }))
      )
    )
  )
  const orderings = [
    [asc(ev.score), asc(ev.id)],
    [desc(ev.score), desc(ev.id)],
    [desc(ev.score), asc(ev.at), asc(ev.id)],
    [asc(ev.at), desc(ev.score), desc(ev.id)]
  ] as const
  for (const by of orderings) {
    const everything = unwrap(s.run(pipe(select(ev), orderBy(...by), values(ev.id))))
    const walked: number[] = []
    let after: unknown[] | undefined
    for (let guard = 0; guard < 100; guard++) {
      const page = unwrap(s.run(pipe(select(ev), keyset({ orderBy: by, size: 10, ...(after === undefined ? {} : { after }) }), all)))
      if (page.length === 0) break
      walked.push(...page.map((r) => r.id))
      after = cursorOf(page.at(-1)!, by)
    }
    t.deepEqual(walked, everything)
    // The same as offset paging.
    const byOffset: number[] = []
    for (let n = 0; n < 15; n++) byOffset.push(...unwrap(s.run(pipe(select(ev), orderBy(...by), limit(10), offset(n * 10), values(ev.id)))))
    t.deepEqual(walked, byOffset)
  }
  // A cursor of the wrong length, or holding null, is a Left.
  t.is(unwrapLeft(s.run(pipe(select(ev), keyset({ orderBy: [asc(ev.id)], size: 5, after: [1, 2] }), all)))._tag, 'ValidationError')
  t.is(
    unwrapLeft(s.run(pipe(select(ev), keyset({ orderBy: [asc(ev.score), asc(ev.id)], size: 5, after: [null, 2] }), all)))._tag,
    'ValidationError'
  )
})
