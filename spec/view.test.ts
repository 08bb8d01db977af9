/**
 * Views: view(name, query) objects read like tables (select, join, filter, typed rows),
 * created and dropped as query values, planned by migrations as views (never CREATE
 * TABLE), recreated when their query changes and around table rebuilds; writes to a view
 * are a type error. Results are checked against the same SQL written by hand.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Row } from '../src/index.js'
import {
  all,
  columns,
  countAll,
  createTable,
  createView,
  deleteFrom,
  dropView,
  eq,
  filter,
  groupBy,
  gt,
  insert,
  integer,
  join,
  orderBy,
  planMigration,
  select,
  session,
  sum,
  table,
  text,
  timestamp,
  toSQL,
  update,
  values,
  view
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'
import { roundTrip } from './helpers/roundtrip.js'

const rawAll = (file: string, q: string): unknown[] => {
  const d = new Database(file, { readonly: true })
  try {
    return d.prepare(q).all()
  } finally {
    d.close()
  }
}

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), joinedAt: timestamp('joined_at').notNull() })
const orders = table('orders', { id: integer().primaryKey(), userId: integer('user_id').notNull(), amount: integer().notNull() })
const totals = view(
  'user_totals',
  pipe(select(orders), columns({ userId: orders.userId, n: countAll(), total: sum(orders.amount) }), groupBy(orders.userId))
)
const recent = view('recent_users', pipe(select(users), filter(gt(users.joinedAt, new Date('2024-01-01T00:00:00Z')))))

const seed = () => {
  const db = tempDb()
  const s = session(db)
  for (const q of [createTable(users), createTable(orders), createView(totals), createView(recent)]) unwrap(s.run(q))
  unwrap(
    s.run(
      insert(users, [
        { name: 'Ann', joinedAt: new Date('2023-05-01T00:00:00Z') },
        { name: 'Bob', joinedAt: new Date('2024-02-01T00:00:00Z') }
      ])
    )
  )
  unwrap(
    s.run(
      insert(orders, [
        { userId: 1, amount: 5 },
        { userId: 1, amount: 7 },
        { userId: 2, amount: 1 }
      ])
    )
  )
  return { db, s }
}

test('a view is selected, filtered and joined like a table, typed by its query, and reads what SQL by hand reads', (t) => {
  const { db, s } = seed()
  const rows = unwrap(s.run(pipe(select(totals), orderBy(totals.userId), all)))
  const typed: Array<Row<typeof totals>> = rows
  t.deepEqual(
    typed,
    rawAll(db.file, 'SELECT user_id AS userId, count(*) AS n, sum(amount) AS total FROM orders GROUP BY user_id ORDER BY user_id')
  )
  const joined = unwrap(
    s.run(
      pipe(
        select(users),
        join(totals, eq(totals.userId, users.id)),
        filter(gt(totals.total, 5)),
        columns({ name: users.name, total: totals.total }),
        all
      )
    )
  )
  t.deepEqual(joined, [{ name: 'Ann', total: 12 }])
  // The view of a whole table keeps its columns' kinds: a timestamp still reads as a Date.
  const r = unwrap(s.run(pipe(select(recent), all)))
  t.deepEqual(r, [{ id: 2, name: 'Bob', joinedAt: new Date('2024-02-01T00:00:00Z') }])
  t.deepEqual(rawAll(db.file, `SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name`), [
    { name: 'recent_users' },
    { name: 'user_totals' }
  ])
  unwrap(s.run(dropView(totals)))
  t.deepEqual(rawAll(db.file, `SELECT name FROM sqlite_schema WHERE type = 'view'`), [{ name: 'recent_users' }])
})

test('a view as an insert, update or delete target is a type error (and SQLite refuses it at run time)', (t) => {
  const { s } = seed()
  // @ts-expect-error a view cannot be inserted into
  const ins = s.run(insert(recent, { name: 'x' }))
  t.true(E.isLeft(ins))
  // @ts-expect-error nor updated
  t.truthy(update(recent))
  // @ts-expect-error nor deleted from
  t.truthy(deleteFrom(recent))
})

test('a view: its values are literals in the DDL; a bad view name or nested columns is a Left', (t) => {
  t.deepEqual(
    pipe(
      toSQL(createView(recent)),
      E.map((q) => q.sql)
    ),
    E.right(
      'CREATE VIEW IF NOT EXISTS "recent_users" ("id", "name", "joinedAt") AS SELECT "users"."id", "users"."name", "users"."joined_at" AS "joinedAt" FROM "users" WHERE "users"."joined_at" > \'2024-01-01T00:00:00.000Z\''
    )
  )
  t.regex(unwrapLeft(toSQL(createView(view('sqlite_v', select(users))))).message, /reserved/)
  t.regex(unwrapLeft(toSQL(createView(view('nested', pipe(select(users), columns({ u: { id: users.id } })))))).message, /flat/)
})

test('migrations: a view is created as a view (never CREATE TABLE), recreated when its query changes, and dropped, up and down', (t) => {
  const v2 = view(
    'user_totals',
    pipe(select(orders), columns({ userId: orders.userId, total: sum(orders.amount) }), groupBy(orders.userId))
  )
  const r = roundTrip(t, [users, orders, totals], [users, orders, v2])
  t.deepEqual(r.operations, [
    { _tag: 'DropView', view: 'user_totals' },
    { _tag: 'CreateView', view: 'user_totals' }
  ])
  t.deepEqual(rawAll(r.db.file, `SELECT type FROM sqlite_schema WHERE name = 'user_totals'`), [{ type: 'view' }])
  const first = unwrap(planMigration(tempDb(), [users, orders, totals]))
  t.false(first.up.some((x) => /CREATE TABLE "user_totals"/.test(x)))
  t.true(first.up.some((x) => x.startsWith('CREATE VIEW "user_totals"')))
  return r.back()
})

test('migrations: a table rebuild keeps the views reading it working; a view removed from the schema is dropped', async (t) => {
  const users2 = table('users', {
    id: integer().primaryKey(),
    name: text(),
    joinedAt: timestamp('joined_at').notNull(),
    email: text().notNull().default('none')
  })
  const recent2 = view('recent_users', pipe(select(users2), filter(gt(users2.joinedAt, new Date('2024-01-01T00:00:00Z')))))
  const r = roundTrip(t, [users, orders, totals, recent], [users2, orders, recent2], (db) => {
    const s = session(db)
    unwrap(s.run(insert(users, { name: 'Bob', joinedAt: new Date('2024-02-01T00:00:00Z') })))
  })
  t.deepEqual(
    r.operations.map((o) => o._tag),
    ['RebuildTable', 'DropView', 'DropView', 'CreateView']
  )
  t.deepEqual(rawAll(r.db.file, 'SELECT id, name, email FROM recent_users'), [{ id: 1, name: 'Bob', email: 'none' }])
  t.deepEqual(rawAll(r.db.file, `SELECT name FROM sqlite_schema WHERE type = 'view'`), [{ name: 'recent_users' }])
  await r.back()
  t.deepEqual(rawAll(r.db.file, `SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name`), [
    { name: 'recent_users' },
    { name: 'user_totals' }
  ])
  // A schema that declares no view leaves live views alone (they predate views in the schema).
  t.deepEqual(unwrap(planMigration(r.db, [users, orders])).operations, [])
})

test('values(...) of a view column and a view in a subquery work', (t) => {
  const { s } = seed()
  t.deepEqual(unwrap(s.run(pipe(select(totals), filter(eq(totals.userId, 2)), values(totals.total)))), [1])
})
