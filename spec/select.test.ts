/**
 * Selects: filters, raw conditions, ordering, paging, distinct, projections, grouping,
 * decoding, every terminal, placeholders, the SQL they compile to, query values as
 * plain data, immutability, awkward column names and missing tables.
 */
import * as fs from 'node:fs'
import test from 'ava'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import * as iot from 'io-ts'
import type { Expr, LogEvent, OrderTerm, Session } from '../src/index.js'
import {
  all,
  and,
  asc,
  boolean,
  columns,
  connect,
  contains,
  count,
  countAll,
  createTable,
  decode,
  desc,
  distinct,
  endsWith,
  eq,
  exists,
  filter,
  first,
  groupBy,
  gt,
  gte,
  having,
  inArray,
  insert,
  integer,
  limit,
  lt,
  ne,
  max,
  notInArray,
  offset,
  one,
  orderBy,
  placeholder,
  select,
  session,
  sql,
  startsWith,
  table,
  text,
  timestamp,
  toSQL,
  upper,
  value,
  values,
  where
} from '../src/index.js'
import { tempDb, tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text().notNull().unique(),
  age: integer(),
  active: boolean().notNull().default(true),
  city: text(),
  createdAt: timestamp('created_at').notNull()
})

const day = (n: number): Date => new Date(Date.UTC(2024, 0, n))

const USERS = [
  { id: 1, name: 'Ann', email: 'ann@x.io', age: 30, active: true, city: 'Paris', createdAt: day(1) },
  { id: 2, name: 'Bob', email: 'bob@x.io', age: 17, active: false, city: 'Rome', createdAt: day(2) },
  { id: 3, name: 'Cleo', email: 'cleo@x.io', age: null, active: true, city: 'Paris', createdAt: day(3) },
  { id: 4, name: 'Dan', email: 'dan%1@x.io', age: 45, active: true, city: null, createdAt: day(4) },
  { id: 5, name: 'Eve', email: 'eve@x.io', age: 30, active: false, city: 'Rome', createdAt: day(5) },
  { id: 6, name: 'Finn', email: 'finn_o@x.io', age: 22, active: true, city: 'Oslo', createdAt: day(6) }
]

const USERS_COLUMNS =
  '"users"."id", "users"."name", "users"."email", "users"."age", "users"."active", "users"."city", "users"."created_at" AS "createdAt"'

const setup = (log?: (e: LogEvent) => void): Session => {
  const ses = session(tempDb(log === undefined ? undefined : { log }))
  unwrap(ses.run(createTable(users)))
  unwrap(ses.run(insert(users, USERS)))
  return ses
}

// Read-only tests share one database file; tests that need their own make one.
const s = setup()

const byId = (id: number) => USERS.find((u) => u.id === id)!
const rowsOf = (...ids: number[]) => ids.map(byId)

// -------------------------------------------------------------------------------------
// filter and where
// -------------------------------------------------------------------------------------

test('several filters are AND-ed', (t) => {
  const q = pipe(select(users), filter(gte(users.age, 18)), filter(eq(users.active, true)), orderBy(users.id), all)
  t.deepEqual(unwrap(s.run(q)), rowsOf(1, 4, 6))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: `SELECT ${USERS_COLUMNS} FROM "users" WHERE ("users"."age" >= ?) AND ("users"."active" = ?) ORDER BY "users"."id" ASC`,
    params: [18, 1]
  })
  const three = pipe(
    select(users),
    filter(gte(users.age, 18)),
    filter(eq(users.active, true)),
    filter(lt(users.age, 40)),
    orderBy(users.id),
    all
  )
  t.deepEqual(unwrap(s.run(three)), rowsOf(1, 6))
})

test('where(sql`...`) adds a raw condition, AND-ed with filters', (t) => {
  const even = pipe(select(users), where(sql`${users.age} % 2 = 0`), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(even)), [1, 5, 6])
  t.deepEqual(unwrap(toSQL(even)), {
    sql: 'SELECT "users"."id" AS "value" FROM "users" WHERE "users"."age" % 2 = 0 ORDER BY "users"."id" ASC',
    params: []
  })
  const both = pipe(select(users), where(sql`${users.age} > ${20}`), filter(eq(users.active, true)), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(both)), [1, 4, 6])
  t.deepEqual(unwrap(toSQL(both)), {
    sql: 'SELECT "users"."id" AS "value" FROM "users" WHERE ("users"."age" > ?) AND ("users"."active" = ?) ORDER BY "users"."id" ASC',
    params: [20, 1]
  })
  // a plain value in a template is a parameter, never SQL text
  const evil = "x' OR 1=1 --"
  t.deepEqual(unwrap(s.run(pipe(select(users), where(sql`${users.name} = ${evil}`), values(users.id)))), [])
})

// -------------------------------------------------------------------------------------
// orderBy, limit, offset, distinct
// -------------------------------------------------------------------------------------

test('orderBy asc and desc with several terms', (t) => {
  const ids = (...terms: Array<OrderTerm | Expr<unknown>>) => unwrap(s.run(pipe(select(users), orderBy(...terms), values(users.id))))
  t.deepEqual(ids(desc(users.age), asc(users.name)), [4, 1, 5, 6, 2, 3])
  t.deepEqual(ids(desc(users.age), desc(users.name)), [4, 5, 1, 6, 2, 3])
  t.deepEqual(ids(asc(users.city), desc(users.id)), [4, 6, 3, 1, 5, 2])
  // a bare expression is ascending
  t.deepEqual(ids(users.city, users.id), [4, 6, 1, 3, 2, 5])
  t.deepEqual(ids(desc(users.createdAt)), [6, 5, 4, 3, 2, 1])
  // orderBy adds to earlier orderBy
  t.deepEqual(
    unwrap(s.run(pipe(select(users), orderBy(desc(users.active)), orderBy(desc(users.id)), values(users.id)))),
    [6, 4, 3, 1, 5, 2]
  )
})

test('orderBy places NULLs first or last', (t) => {
  const ids = (...terms: Array<OrderTerm | Expr<unknown>>) => unwrap(s.run(pipe(select(users), orderBy(...terms), values(users.id))))
  // SQLite's defaults: NULLs first ascending, last descending
  t.deepEqual(ids(asc(users.age), asc(users.id)), [3, 2, 6, 1, 5, 4])
  t.deepEqual(ids(desc(users.age), asc(users.id)), [4, 1, 5, 6, 2, 3])
  t.deepEqual(ids(asc(users.age, { nulls: 'last' }), asc(users.id)), [2, 6, 1, 5, 4, 3])
  t.deepEqual(ids(desc(users.age, { nulls: 'first' }), asc(users.id)), [3, 4, 1, 5, 6, 2])
  t.deepEqual(ids(asc(users.city, { nulls: 'last' }), desc(users.id)), [6, 3, 1, 5, 2, 4])
  t.is(
    unwrap(toSQL(pipe(select(users), orderBy(asc(users.age, { nulls: 'last' }), desc(users.city, { nulls: 'first' })), values(users.id))))
      .sql,
    'SELECT "users"."id" AS "value" FROM "users" ORDER BY "users"."age" ASC NULLS LAST, "users"."city" DESC NULLS FIRST'
  )
})

test('limit and offset', (t) => {
  const base = pipe(select(users), orderBy(users.id))
  t.deepEqual(unwrap(s.run(pipe(base, limit(2), all))), rowsOf(1, 2))
  t.deepEqual(unwrap(s.run(pipe(base, limit(2), offset(2), all))), rowsOf(3, 4))
  t.deepEqual(unwrap(s.run(pipe(base, offset(2), limit(2), all))), rowsOf(3, 4))
  t.deepEqual(unwrap(s.run(pipe(base, limit(0), all))), [])
  t.deepEqual(unwrap(s.run(pipe(base, limit(100), offset(5), all))), rowsOf(6))
  t.deepEqual(unwrap(s.run(pipe(base, offset(6), all))), [])
  t.deepEqual(unwrap(toSQL(pipe(base, limit(2), offset(3), values(users.id)))), {
    sql: 'SELECT "users"."id" AS "value" FROM "users" ORDER BY "users"."id" ASC LIMIT ? OFFSET ?',
    params: [2, 3]
  })
})

test('offset without limit', (t) => {
  const q = pipe(select(users), orderBy(users.id), offset(4), all)
  t.deepEqual(unwrap(s.run(q)), rowsOf(5, 6))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: `SELECT ${USERS_COLUMNS} FROM "users" ORDER BY "users"."id" ASC LIMIT -1 OFFSET ?`,
    params: [4]
  })
  // first keeps the offset
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(users.id), offset(4), first))), O.some(byId(5)))
})

test('limit(-1), limit(1.5), offset(-2) are Left ValidationError when run', (t) => {
  for (const q of [
    pipe(select(users), limit(-1), all),
    pipe(select(users), limit(1.5), all),
    pipe(select(users), offset(-2), all),
    pipe(select(users), limit(Number.NaN), all),
    pipe(select(users), limit(Number.POSITIVE_INFINITY), all),
    pipe(select(users), limit(2), offset(0.5), all)
  ]) {
    const err = unwrapLeft(s.run(q))
    t.is(err._tag, 'ValidationError')
    t.regex(err.message, /limit|offset/)
  }
  t.regex(unwrapLeft(s.run(pipe(select(users), offset(-2), all))).message, /offset/)
  t.regex(unwrapLeft(s.run(pipe(select(users), limit(1.5), count))).message, /limit/)
})

test('distinct', (t) => {
  const q = pipe(select(users), columns({ city: users.city }), distinct, orderBy(users.city), all)
  t.deepEqual(unwrap(s.run(q)), [{ city: null }, { city: 'Oslo' }, { city: 'Paris' }, { city: 'Rome' }])
  t.is(unwrap(toSQL(q)).sql, 'SELECT DISTINCT "users"."city" AS "city" FROM "users" ORDER BY "users"."city" ASC')
  t.deepEqual(unwrap(s.run(pipe(select(users), distinct, orderBy(users.age), values(users.age)))), [null, 17, 22, 30, 45])
  t.deepEqual(
    unwrap(s.run(pipe(select(users), columns({ city: users.city, active: users.active }), distinct, filter(eq(users.city, 'Rome')), all))),
    [{ city: 'Rome', active: false }]
  )
})

// -------------------------------------------------------------------------------------
// projections, grouping
// -------------------------------------------------------------------------------------

test('columns({...}) projects a flat row of columns, expressions and functions', (t) => {
  const q = pipe(
    select(users),
    columns({
      id: users.id,
      shout: upper(users.name),
      since: users.createdAt,
      on: users.active,
      next: sql<number>`${users.age} + ${1}`,
      adult: gte(users.age, 18)
    }),
    filter(inArray(users.id, [2, 3])),
    orderBy(users.id),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    { id: 2, shout: 'BOB', since: day(2), on: false, next: 18, adult: false },
    { id: 3, shout: 'CLEO', since: day(3), on: true, next: null, adult: null }
  ])
  t.deepEqual(unwrap(toSQL(q)), {
    sql:
      'SELECT "users"."id" AS "id", upper("users"."name") AS "shout", "users"."created_at" AS "since", "users"."active" AS "on", ' +
      '"users"."age" + ? AS "next", "users"."age" >= ? AS "adult" FROM "users" WHERE "users"."id" IN (?, ?) ORDER BY "users"."id" ASC',
    params: [1, 18, 2, 3]
  })
  // a typed sql template decodes by its declared kind
  const stamped = pipe(select(users), columns({ at: sql.as('timestamp')`max(${users.createdAt})` }), one)
  t.deepEqual(unwrap(s.run(stamped)), { at: day(6) })
})

test('groupBy and having', (t) => {
  const q = pipe(
    select(users),
    columns({ city: users.city, n: countAll(), oldest: max(users.age) }),
    groupBy(users.city),
    having(gt(countAll(), 1)),
    orderBy(users.city),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    { city: 'Paris', n: 2, oldest: 30 },
    { city: 'Rome', n: 2, oldest: 30 }
  ])
  t.deepEqual(unwrap(toSQL(q)), {
    sql:
      'SELECT "users"."city" AS "city", count(*) AS "n", max("users"."age") AS "oldest" FROM "users" ' +
      'GROUP BY "users"."city" HAVING count(*) > ? ORDER BY "users"."city" ASC',
    params: [1]
  })
  // several having conditions are AND-ed; filter applies before grouping
  const q2 = pipe(
    select(users),
    columns({ city: users.city, n: countAll() }),
    filter(eq(users.active, true)),
    groupBy(users.city),
    having(gte(countAll(), 1)),
    having(gt(max(users.age), 25)),
    orderBy(users.city),
    all
  )
  t.deepEqual(unwrap(s.run(q2)), [
    { city: null, n: 1 },
    { city: 'Paris', n: 2 }
  ])
  // group by two terms
  const q3 = pipe(
    select(users),
    columns({ city: users.city, active: users.active, n: countAll() }),
    groupBy(users.city, users.active),
    orderBy(users.city, users.active),
    all
  )
  t.deepEqual(unwrap(s.run(q3)), [
    { city: null, active: true, n: 1 },
    { city: 'Oslo', active: true, n: 1 },
    { city: 'Paris', active: true, n: 2 },
    { city: 'Rome', active: false, n: 2 }
  ])
})

// -------------------------------------------------------------------------------------
// decode
// -------------------------------------------------------------------------------------

test('decode(codec) checks and types the rows', (t) => {
  const Person = iot.strict({ id: iot.number, name: iot.string, createdAt: iot.unknown })
  const rows = unwrap(s.run(pipe(select(users), filter(lt(users.id, 3)), orderBy(users.id), decode(Person), all)))
  t.deepEqual(rows, [
    { id: 1, name: 'Ann', createdAt: day(1) },
    { id: 2, name: 'Bob', createdAt: day(2) }
  ])
  const Short = iot.type({ name: iot.string, n: iot.number })
  t.deepEqual(
    unwrap(s.run(pipe(select(users), columns({ name: users.name, n: users.id }), filter(eq(users.id, 4)), decode(Short), first))),
    O.some({ name: 'Dan', n: 4 })
  )
})

test('a failing codec gives Left DecodeError naming the path of the bad field', (t) => {
  const OnlyA = iot.type({ id: iot.number, name: iot.keyof({ Ann: null, Cleo: null }) })
  const err = unwrapLeft(s.run(pipe(select(users), filter(inArray(users.id, [1, 2, 3])), orderBy(users.id), decode(OnlyA), all)))
  t.is(err._tag, 'DecodeError')
  if (err._tag !== 'DecodeError') return
  t.deepEqual(
    err.issues.map((i) => i.path),
    ['[1].name']
  )
  t.is(err.issues[0]?.actual, 'Bob')
  t.regex(err.message, /\[1\]\.name/)
  // the same for rows that need no decoding by kind
  const flat = unwrapLeft(
    s.run(
      pipe(
        select(users),
        columns({ id: users.id, name: users.name }),
        filter(inArray(users.id, [3, 5, 1])),
        orderBy(users.id),
        decode(OnlyA),
        all
      )
    )
  )
  t.like(flat, { _tag: 'DecodeError', issues: [{ path: '[2].name', actual: 'Eve' }] })
  // first and one decode a single row: the path has no index
  const e1 = unwrapLeft(s.run(pipe(select(users), filter(eq(users.id, 2)), decode(OnlyA), first)))
  t.like(e1, { _tag: 'DecodeError', issues: [{ path: 'name', actual: 'Bob' }] })
  const e2 = unwrapLeft(s.run(pipe(select(users), filter(eq(users.id, 5)), decode(OnlyA), one)))
  t.like(e2, { _tag: 'DecodeError', issues: [{ path: 'name', actual: 'Eve' }] })
})

// -------------------------------------------------------------------------------------
// terminals
// -------------------------------------------------------------------------------------

test('all', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(users.id), all))), USERS)
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.name, 'nobody')), all))), [])
})

test('first returns an Option', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(desc(users.id)), first))), O.some(byId(6)))
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.name, 'nobody')), first))), O.none)
  t.is(
    unwrap(toSQL(pipe(select(users), filter(eq(users.id, 1)), first))).sql,
    `SELECT ${USERS_COLUMNS} FROM "users" WHERE "users"."id" = ? LIMIT 1`
  )
})

test('one: the row, Left NotFound on none, Left TooManyRows on two', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.email, 'cleo@x.io')), one))), byId(3))
  const none = unwrapLeft(s.run(pipe(select(users), filter(eq(users.id, 99)), one)))
  t.is(none._tag, 'NotFound')
  const two = unwrapLeft(s.run(pipe(select(users), filter(eq(users.city, 'Rome')), one)))
  t.is(two._tag, 'TooManyRows')
  const many = unwrapLeft(s.run(pipe(select(users), one)))
  t.is(many._tag, 'TooManyRows')
  t.is(unwrap(toSQL(pipe(select(users), one))).sql, `SELECT ${USERS_COLUMNS} FROM "users" LIMIT 2`)
})

test('count', (t) => {
  t.is(unwrap(s.run(pipe(select(users), count))), 6)
  t.is(unwrap(s.run(pipe(select(users), filter(eq(users.active, true)), count))), 4)
  t.is(unwrap(s.run(pipe(select(users), filter(eq(users.id, 99)), count))), 0)
  // orderBy does not matter to a count
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(gte(users.age, 18)), orderBy(users.name), count))), {
    sql: 'SELECT count(*) AS "count" FROM "users" WHERE "users"."age" >= ?',
    params: [18]
  })
})

test('count with distinct or limit counts the rows the select returns (it wraps)', (t) => {
  const cities = pipe(select(users), columns({ city: users.city }), distinct, count)
  t.is(unwrap(s.run(cities)), 4)
  t.deepEqual(unwrap(toSQL(cities)), {
    sql: 'SELECT count(*) AS "count" FROM (SELECT DISTINCT "users"."city" AS "city" FROM "users")',
    params: []
  })
  const limited = pipe(select(users), filter(gt(users.id, 1)), limit(3), count)
  t.is(unwrap(s.run(limited)), 3)
  t.deepEqual(unwrap(toSQL(limited)), {
    sql: `SELECT count(*) AS "count" FROM (SELECT ${USERS_COLUMNS} FROM "users" WHERE "users"."id" > ? LIMIT ?)`,
    params: [1, 3]
  })
  t.is(unwrap(s.run(pipe(select(users), limit(10), count))), 6)
  t.is(unwrap(s.run(pipe(select(users), offset(4), count))), 2)
  t.is(unwrap(s.run(pipe(select(users), limit(2), offset(5), count))), 1)
  t.is(unwrap(s.run(pipe(select(users), columns({ city: users.city }), groupBy(users.city), count))), 4)
})

test('exists', (t) => {
  t.is(unwrap(s.run(pipe(select(users), filter(eq(users.name, 'Eve')), exists))), true)
  t.is(unwrap(s.run(pipe(select(users), filter(eq(users.name, 'nobody')), exists))), false)
  t.is(unwrap(s.run(pipe(select(users), limit(0), exists))), false)
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(eq(users.id, 1)), exists))), {
    sql: 'SELECT EXISTS (SELECT 1 FROM "users" WHERE "users"."id" = ?) AS "exists"',
    params: [1]
  })
})

test("value(col) is an Option of the first row's value", (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 2)), value(users.name)))), O.some('Bob'))
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(desc(users.age)), value(users.age)))), O.some(45))
  // a NULL value of an existing row is Some(null); no row is None
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 3)), value(users.age)))), O.some(null))
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 99)), value(users.name)))), O.none)
  // decoded by kind
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 4)), value(users.createdAt)))), O.some(day(4)))
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 5)), value(users.active)))), O.some(false))
  t.deepEqual(unwrap(s.run(pipe(select(users), value(countAll())))), O.some(6))
  t.is(
    unwrap(toSQL(pipe(select(users), filter(eq(users.id, 2)), value(users.name)))).sql,
    'SELECT "users"."name" AS "value" FROM "users" WHERE "users"."id" = ? LIMIT 1'
  )
})

test('values(col) lists one value of every row', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(users.id), values(users.name)))), ['Ann', 'Bob', 'Cleo', 'Dan', 'Eve', 'Finn'])
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(users.id), values(users.active)))), [true, false, true, true, false, true])
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(lt(users.id, 3)), orderBy(users.id), values(users.createdAt)))), [day(1), day(2)])
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(users.id), values(users.age)))), [30, 17, null, 45, 30, 22])
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.id, 99)), values(users.name)))), [])
})

test('first and value share a statement text and still read their own shapes', (t) => {
  // both compile to SELECT "users"."name" AS "value" ... LIMIT 1: the prepared statement is shared
  const asRow = pipe(select(users), columns({ value: users.name }), filter(eq(users.id, 1)), first)
  const asValue = pipe(select(users), filter(eq(users.id, 1)), value(users.name))
  t.is(unwrap(toSQL(asRow)).sql, unwrap(toSQL(asValue)).sql)
  t.deepEqual(unwrap(s.run(asRow)), O.some({ value: 'Ann' }))
  t.deepEqual(unwrap(s.run(asValue)), O.some('Ann'))
  t.deepEqual(unwrap(s.run(asRow)), O.some({ value: 'Ann' }))
  t.deepEqual(unwrap(s.run(asValue)), O.some('Ann'))
})

test('columns({}) is Left ValidationError when run', (t) => {
  const err = unwrapLeft(s.run(pipe(select(users), columns({}), all)))
  t.is(err._tag, 'ValidationError')
  t.regex(err.message, /columns/)
})

// -------------------------------------------------------------------------------------
// placeholders
// -------------------------------------------------------------------------------------

test('placeholder in filters', (t) => {
  const q = pipe(select(users), filter(eq(users.id, placeholder('id'))), first)
  t.deepEqual(unwrap(s.run(q, { id: 3 })), O.some(byId(3)))
  t.deepEqual(unwrap(toSQL(q)), { sql: `SELECT ${USERS_COLUMNS} FROM "users" WHERE "users"."id" IS ? LIMIT 1`, params: [null] })
  // encoded by the column's kind, as a literal would be
  const on = pipe(select(users), filter(eq(users.active, placeholder('on'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(on, { on: false })), [2, 5])
  t.deepEqual(unwrap(s.run(on, { on: true })), [1, 3, 4, 6])
  const after = pipe(select(users), filter(gt(users.createdAt, placeholder('t'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(after, { t: day(4) })), [5, 6])
  const range = pipe(
    select(users),
    filter(and(gte(users.age, placeholder('lo')), lt(users.age, placeholder('hi')))),
    orderBy(users.id),
    values(users.id)
  )
  t.deepEqual(unwrap(s.run(range, { lo: 18, hi: 31 })), [1, 5, 6])
})

test('placeholder in LIKE helpers: the bound value is escaped', (t) => {
  const events: LogEvent[] = []
  const ls = setup((e) => events.push(e))
  const q = pipe(select(users), filter(contains(users.email, placeholder('q'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(ls.run(q, { q: '_' })), [6])
  t.deepEqual(unwrap(ls.run(q, { q: '%' })), [4])
  t.deepEqual(unwrap(ls.run(q, { q: 'ob' })), [2])
  t.deepEqual(unwrap(ls.run(q, { q: 'N_O' })), [6])
  const bound = events.filter((e) => e.sql.includes('LIKE')).map((e) => e.params)
  t.deepEqual(bound, [['%\\_%'], ['%\\%%'], ['%ob%'], ['%N\\_O%']])
  const sw = pipe(select(users), filter(startsWith(users.email, placeholder('p'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(ls.run(sw, { p: 'dan%' })), [4])
  t.deepEqual(unwrap(ls.run(sw, { p: '%' })), [])
  const ew = pipe(select(users), filter(endsWith(users.name, placeholder('p'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(ls.run(ew, { p: 'N' })), [1, 4, 6])
  // a non-string is refused
  t.is(unwrapLeft(ls.run(q, { q: 5 } as never))._tag, 'ValidationError')
  t.is(unwrapLeft(ls.run(q, { q: null } as never))._tag, 'ValidationError')
})

test('placeholder in limit and offset', (t) => {
  const q = pipe(select(users), orderBy(users.id), limit(placeholder('n')), offset(placeholder('k')), values(users.id))
  t.deepEqual(unwrap(s.run(q, { n: 2, k: 1 })), [2, 3])
  t.deepEqual(unwrap(s.run(q, { n: 3, k: 4 })), [5, 6])
  t.deepEqual(unwrap(s.run(q, { n: 0, k: 0 })), [])
  t.deepEqual(unwrap(toSQL(q)).params, [null, null])
  const onlyOffset = pipe(select(users), orderBy(users.id), offset(placeholder('k')), values(users.id))
  t.deepEqual(unwrap(s.run(onlyOffset, { k: 5 })), [6])
  for (const bad of [-1, 1.5, '2', null]) {
    const err = unwrapLeft(s.run(q, { n: bad, k: 0 }))
    t.is(err._tag, 'ValidationError')
  }
  t.is(unwrapLeft(s.run(q, { n: 1, k: -2 }))._tag, 'ValidationError')
})

test('placeholder in inArray, bound to an array', (t) => {
  const q = pipe(select(users), filter(inArray(users.id, placeholder('ids'))), orderBy(users.id), values(users.name))
  t.deepEqual(unwrap(s.run(q, { ids: [1, 3, 99] })), ['Ann', 'Cleo'])
  t.deepEqual(unwrap(s.run(q, { ids: [6] })), ['Finn'])
  t.deepEqual(unwrap(s.run(q, { ids: [] })), [])
  const names = pipe(select(users), filter(inArray(users.name, placeholder('names'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(names, { names: ['Eve', 'Bob'] })), [2, 5])
  const on = pipe(select(users), filter(inArray(users.active, placeholder('on'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(on, { on: [false] })), [2, 5])
  const at = pipe(select(users), filter(inArray(users.createdAt, placeholder('at'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(at, { at: [day(2), day(6)] })), [2, 6])
  // not an array, or an array of the wrong type
  t.is(unwrapLeft(s.run(q, { ids: 1 }))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(q, { ids: ['a'] }))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(on, { on: [1] }))._tag, 'ValidationError')
})

test('placeholder in notInArray: an empty array matches every row', (t) => {
  const q = pipe(select(users), filter(notInArray(users.age, placeholder('ages'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(q, { ages: [30, 17] })), [4, 6])
  // like notInArray(col, []): every row, the NULL age included
  t.deepEqual(unwrap(s.run(q, { ages: [] })), [1, 2, 3, 4, 5, 6])
  t.deepEqual(
    unwrap(s.run(pipe(select(users), filter(notInArray(users.age, [])), orderBy(users.id), values(users.id)))),
    [1, 2, 3, 4, 5, 6]
  )
})

test('placeholder in a sql template', (t) => {
  const q = pipe(select(users), where(sql`${users.age} > ${placeholder('min')}`), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(q, { min: 25 })), [1, 4, 5])
  t.deepEqual(unwrap(s.run(q, { min: 40 })), [4])
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "users"."id" AS "value" FROM "users" WHERE "users"."age" > ? ORDER BY "users"."id" ASC',
    params: [null]
  })
  t.is(unwrapLeft(s.run(q, { min: { x: 1 } }))._tag, 'ValidationError')
})

test('a missing param is Left ValidationError', (t) => {
  const q = pipe(select(users), filter(eq(users.id, placeholder('id'))), all)
  for (const params of [undefined, {}, { other: 1 }, { id: undefined }]) {
    const err = unwrapLeft(s.run(q, params as never))
    t.is(err._tag, 'ValidationError')
    t.regex(err.message, /"id"/)
  }
  const lim = pipe(select(users), limit(placeholder('n')), all)
  t.is(unwrapLeft(s.run(lim))._tag, 'ValidationError')
})

test('a wrong-typed param is Left ValidationError', (t) => {
  const q = pipe(select(users), filter(eq(users.id, placeholder('id'))), all)
  const err = unwrapLeft(s.run(q, { id: 'x' } as never))
  t.is(err._tag, 'ValidationError')
  t.regex(err.message, /users\.id/)
  t.is(unwrapLeft(s.run(pipe(select(users), filter(eq(users.name, placeholder('n'))), all), { n: 5 } as never))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(pipe(select(users), filter(eq(users.active, placeholder('a'))), all), { a: 1 } as never))._tag, 'ValidationError')
  t.is(
    unwrapLeft(s.run(pipe(select(users), filter(gt(users.createdAt, placeholder('d'))), all), { d: '2024-01-01' } as never))._tag,
    'ValidationError'
  )
})

// DESIGN: "A bound value is encoded and checked exactly as a literal in the same position
// would be", and eq(col, null) / ne(col, null) are IS NULL / IS NOT NULL: so a placeholder
// in eq/ne compiles to `IS ?` / `IS NOT ?`, which match NULL when bound to null.
test('a placeholder bound to null in eq/ne matches like the literal null (IS NULL / IS NOT NULL)', (t) => {
  const isQ = pipe(select(users), filter(eq(users.city, placeholder('c'))), orderBy(users.id), values(users.id))
  const neQ = pipe(select(users), filter(ne(users.city, placeholder('c'))), orderBy(users.id), values(users.id))
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(users.city, null)), orderBy(users.id), values(users.id)))), [4])
  t.deepEqual(unwrap(s.run(isQ, { c: 'Oslo' })), [6])
  t.deepEqual(unwrap(s.run(isQ, { c: null })), [4])
  t.deepEqual(unwrap(s.run(neQ, { c: null })), [1, 2, 3, 5, 6])
})

test('the same query value runs with different params', (t) => {
  const q = pipe(select(users), filter(eq(users.city, placeholder('city'))), orderBy(users.id), values(users.name))
  t.deepEqual(unwrap(s.run(q, { city: 'Paris' })), ['Ann', 'Cleo'])
  t.deepEqual(unwrap(s.run(q, { city: 'Rome' })), ['Bob', 'Eve'])
  t.deepEqual(unwrap(s.run(q, { city: 'Oslo' })), ['Finn'])
  t.deepEqual(unwrap(s.run(q, { city: 'Paris' })), ['Ann', 'Cleo'])
})

// -------------------------------------------------------------------------------------
// toSQL
// -------------------------------------------------------------------------------------

test('toSQL gives the exact SQL and params', (t) => {
  t.deepEqual(unwrap(toSQL(pipe(select(users), all))), { sql: `SELECT ${USERS_COLUMNS} FROM "users"`, params: [] })
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(gte(users.age, 18)), orderBy(desc(users.age)), limit(10), all))), {
    sql: `SELECT ${USERS_COLUMNS} FROM "users" WHERE "users"."age" >= ? ORDER BY "users"."age" DESC LIMIT ?`,
    params: [18, 10]
  })
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(startsWith(users.name, 'A')), count))), {
    sql: `SELECT count(*) AS "count" FROM "users" WHERE "users"."name" LIKE ?`,
    params: ['A%']
  })
  // ESCAPE only when the text has something to escape.
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(startsWith(users.name, '50%_')), count))), {
    sql: `SELECT count(*) AS "count" FROM "users" WHERE "users"."name" LIKE ? ESCAPE '\\'`,
    params: ['50\\%\\_%']
  })
  t.deepEqual(
    unwrap(
      toSQL(
        pipe(
          select(users),
          filter(and(eq(users.active, true), inArray(users.city, ['Paris', 'Rome']), gt(users.createdAt, day(2)))),
          orderBy(asc(users.name)),
          values(users.email)
        )
      )
    ),
    {
      sql:
        'SELECT "users"."email" AS "value" FROM "users" WHERE ("users"."active" = ?) AND ("users"."city" IN (?, ?)) AND ("users"."created_at" > ?) ' +
        'ORDER BY "users"."name" ASC',
      params: [1, 'Paris', 'Rome', '2024-01-02T00:00:00.000Z']
    }
  )
  t.deepEqual(unwrap(toSQL(pipe(select(users), filter(inArray(users.id, placeholder('ids'))), values(users.id)))), {
    sql: 'SELECT "users"."id" AS "value" FROM "users" WHERE "users"."id" IN (SELECT value FROM json_each(?))',
    params: [null]
  })
})

// -------------------------------------------------------------------------------------
// query values are plain data
// -------------------------------------------------------------------------------------

test('structuredClone and a JSON round trip of a query run identically', (t) => {
  const q1 = pipe(
    select(users),
    filter(and(gte(users.age, 18), contains(users.name, 'n'))),
    where(sql`${users.id} <> ${2}`),
    orderBy(desc(users.age), asc(users.id)),
    limit(placeholder('n')),
    all
  )
  const q2 = pipe(select(users), filter(eq(users.active, placeholder('on'))), orderBy(users.id), values(users.createdAt))
  const q3 = pipe(select(users), filter(inArray(users.city, ['Paris', 'Rome'])), first)
  const q4 = pipe(select(users), columns({ city: users.city, n: countAll() }), groupBy(users.city), orderBy(users.city), all)
  const q5 = pipe(select(users), filter(eq(users.city, 'Rome')), count)

  const check = <A>(q: import('../src/index.js').Query<A>, params?: Record<string, unknown>) => {
    const original = unwrap(s.run(q, params))
    const cloned = structuredClone(q)
    const parsed = JSON.parse(JSON.stringify(q)) as typeof q
    t.deepEqual(unwrap(s.run(cloned, params)), original)
    t.deepEqual(unwrap(s.run(parsed, params)), original)
    t.deepEqual(toSQL(cloned), toSQL(q))
    t.deepEqual(toSQL(parsed), toSQL(q))
    return original
  }
  t.deepEqual(check(q1, { n: 5 }), rowsOf(4, 1, 6))
  t.deepEqual(check(q2, { on: false }), [day(2), day(5)])
  t.deepEqual(check(q3), O.some(byId(1)))
  t.deepEqual(check(q4), [
    { city: null, n: 1 },
    { city: 'Oslo', n: 1 },
    { city: 'Paris', n: 2 },
    { city: 'Rome', n: 2 }
  ])
  t.is(check(q5), 2)
})

test('a select is immutable: branching leaves the base unchanged', (t) => {
  const base = pipe(select(users), filter(eq(users.active, true)), orderBy(users.id))
  const before = JSON.stringify(base)
  const older = pipe(base, filter(gt(users.age, 25)))
  const younger = pipe(base, filter(lt(users.age, 25)), limit(1))
  const reordered = pipe(base, orderBy(desc(users.name)))
  t.deepEqual(unwrap(s.run(pipe(older, values(users.id)))), [1, 4])
  t.deepEqual(unwrap(s.run(pipe(younger, values(users.id)))), [6])
  t.deepEqual(unwrap(s.run(pipe(reordered, values(users.id)))), [1, 3, 4, 6])
  t.deepEqual(unwrap(s.run(pipe(base, values(users.id)))), [1, 3, 4, 6])
  t.is(JSON.stringify(base), before)
  t.is(base.where.length, 1)
  t.is(base.orderBy.length, 1)
  t.is(base.limit, undefined)
  // terminals do not change the select either
  const q = pipe(base, all)
  t.is(JSON.stringify(base), before)
  t.deepEqual(unwrap(s.run(q)), rowsOf(1, 3, 4, 6))
})

// -------------------------------------------------------------------------------------
// awkward names, missing tables
// -------------------------------------------------------------------------------------

test('columns called name, table and columns work in select, filter and insert', (t) => {
  const odd = table('odd', {
    id: integer().primaryKey(),
    name: text().notNull(),
    table: text(),
    columns: integer()
  })
  const os = session(tempDb())
  unwrap(os.run(createTable(odd)))
  t.deepEqual(
    unwrap(
      os.run(
        insert(odd, [
          { name: 'a', table: 't1', columns: 3 },
          { name: 'b', table: 't2', columns: 1 },
          { name: 'c', table: null, columns: 2 }
        ])
      )
    ),
    { changes: 3, lastInsertRowid: 3 }
  )
  t.deepEqual(unwrap(os.run(pipe(select(odd), orderBy(odd.columns), all))), [
    { id: 2, name: 'b', table: 't2', columns: 1 },
    { id: 3, name: 'c', table: null, columns: 2 },
    { id: 1, name: 'a', table: 't1', columns: 3 }
  ])
  t.deepEqual(unwrap(os.run(pipe(select(odd), filter(eq(odd.table, 't1')), value(odd.name)))), O.some('a'))
  t.deepEqual(unwrap(os.run(pipe(select(odd), filter(eq(odd.name, 'b')), columns({ table: odd.table, columns: odd.columns }), one))), {
    table: 't2',
    columns: 1
  })
  t.deepEqual(unwrap(os.run(pipe(select(odd), filter(gt(odd.columns, placeholder('n'))), orderBy(odd.id), values(odd.name)), { n: 1 })), [
    'a',
    'c'
  ])
  t.is(
    unwrap(toSQL(pipe(select(odd), filter(eq(odd.table, 'x')), all))).sql,
    'SELECT "odd"."id", "odd"."name", "odd"."table", "odd"."columns" FROM "odd" WHERE "odd"."table" = ?'
  )
})

test('a query on a missing table is Left SqliteError naming the table, only when run', (t) => {
  const ghosts = table('ghosts', { id: integer().primaryKey(), name: text() })
  const path = tempDbPath()
  const db = connect(path)
  // building a query (and showing its SQL) does not touch the database
  const q = pipe(select(ghosts), filter(eq(ghosts.name, 'x')), all)
  const c = pipe(select(ghosts), count)
  t.true(E.isRight(toSQL(q)))
  const gs = session(db)
  t.false(fs.existsSync(path))
  const err = unwrapLeft(gs.run(q))
  t.is(err._tag, 'SqliteError')
  t.regex(err.message, /ghosts/)
  t.regex(err.message, /no such table/)
  t.like(unwrapLeft(gs.run(c)), { _tag: 'SqliteError' })
  t.regex(unwrapLeft(gs.run(pipe(select(ghosts), exists))).message, /ghosts/)
  t.regex(unwrapLeft(gs.run(pipe(select(ghosts), first))).message, /ghosts/)
  // once the table exists the same query value runs
  unwrap(gs.run(createTable(ghosts)))
  t.deepEqual(unwrap(gs.run(q)), [])
  t.is(unwrap(gs.run(c)), 0)
})
