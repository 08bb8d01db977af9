/**
 * SQL functions: aggregates and scalar helpers in columns, filter, having and orderBy,
 * with exact values, how their results decode, and what they give over no rows.
 */
import test from 'ava'
import { pipe } from 'fp-ts/lib/function.js'
import * as O from 'fp-ts/lib/Option.js'
import type { Session } from '../src/index.js'
import {
  all,
  asc,
  avg,
  coalesce,
  columns,
  countAll,
  countOf,
  createTable,
  date,
  desc,
  eq,
  filter,
  groupBy,
  gt,
  having,
  insert,
  integer,
  lower,
  max,
  min,
  one,
  orderBy,
  real,
  select,
  session,
  strftime,
  sum,
  table,
  text,
  timestamp,
  toSQL,
  upper,
  value,
  values
} from '../src/index.js'
import { tempDb, unwrap } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

const orders = table('orders', {
  id: integer().primaryKey(),
  customer: text().notNull(),
  qty: integer().notNull(),
  price: real().notNull(),
  note: text(),
  discount: integer(),
  placedAt: timestamp('placed_at').notNull()
})

const at = (iso: string): Date => new Date(iso)

const s: Session = (() => {
  const ses = session(tempDb())
  unwrap(ses.run(createTable(orders)))
  unwrap(
    ses.run(
      insert(orders, [
        { id: 1, customer: 'ann', qty: 2, price: 1.5, note: 'Rush', discount: null, placedAt: at('2024-01-05T10:00:00.000Z') },
        { id: 2, customer: 'bob', qty: 1, price: 10, note: null, discount: 5, placedAt: at('2024-01-05T23:30:00.000Z') },
        { id: 3, customer: 'ann', qty: 5, price: 2.25, note: 'gift', discount: 0, placedAt: at('2024-02-10T08:15:00.000Z') },
        { id: 4, customer: 'cleo', qty: 3, price: 4, note: null, discount: null, placedAt: at('2024-03-01T00:00:00.000Z') },
        { id: 5, customer: 'Bob', qty: 2, price: 0.5, note: 'RUSH', discount: 10, placedAt: at('2023-12-31T12:00:00.000Z') }
      ])
    )
  )
  return ses
})()

const none = eq(orders.id, 99)

// -------------------------------------------------------------------------------------
// aggregates
// -------------------------------------------------------------------------------------

test('countAll', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(orders), columns({ n: countAll() }), one))), { n: 5 })
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(gt(orders.qty, 1)), columns({ n: countAll() }), one))), { n: 4 })
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), columns({ n: countAll() }), one))), { n: 0 })
  t.is(unwrap(toSQL(pipe(select(orders), columns({ n: countAll() }), all))).sql, 'SELECT count(*) AS "n" FROM "orders"')
})

test('countOf counts non-null values, and distinct ones', (t) => {
  const q = pipe(
    select(orders),
    columns({
      notes: countOf(orders.note),
      discounts: countOf(orders.discount),
      customers: countOf(orders.customer, { distinct: true }),
      folded: countOf(lower(orders.customer), { distinct: true }),
      qtys: countOf(orders.qty, { distinct: true })
    }),
    one
  )
  t.deepEqual(unwrap(s.run(q)), { notes: 3, discounts: 3, customers: 4, folded: 3, qtys: 4 })
  t.is(
    unwrap(toSQL(q)).sql,
    'SELECT count("orders"."note") AS "notes", count("orders"."discount") AS "discounts", count(DISTINCT "orders"."customer") AS "customers", ' +
      'count(DISTINCT lower("orders"."customer")) AS "folded", count(DISTINCT "orders"."qty") AS "qtys" FROM "orders" LIMIT 2'
  )
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), columns({ n: countOf(orders.note) }), one))), { n: 0 })
})

test('sum and avg', (t) => {
  const q = pipe(
    select(orders),
    columns({
      qty: sum(orders.qty),
      price: sum(orders.price),
      discount: sum(orders.discount),
      avgQty: avg(orders.qty),
      avgPrice: avg(orders.price),
      avgDiscount: avg(orders.discount)
    }),
    one
  )
  t.deepEqual(unwrap(s.run(q)), { qty: 13, price: 18.25, discount: 15, avgQty: 2.6, avgPrice: 3.65, avgDiscount: 5 })
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(eq(orders.customer, 'ann')), value(sum(orders.qty))))), O.some(7))
})

test('min and max', (t) => {
  const q = pipe(
    select(orders),
    columns({
      minPrice: min(orders.price),
      maxPrice: max(orders.price),
      minQty: min(orders.qty),
      maxQty: max(orders.qty),
      // BINARY collation: upper case first
      minCustomer: min(orders.customer),
      maxCustomer: max(orders.customer),
      maxDiscount: max(orders.discount)
    }),
    one
  )
  t.deepEqual(unwrap(s.run(q)), {
    minPrice: 0.5,
    maxPrice: 10,
    minQty: 1,
    maxQty: 5,
    minCustomer: 'Bob',
    maxCustomer: 'cleo',
    maxDiscount: 10
  })
})

test('min and max of a timestamp column decode to Date', (t) => {
  const r = unwrap(s.run(pipe(select(orders), columns({ first: min(orders.placedAt), last: max(orders.placedAt) }), one)))
  t.true(r.first instanceof Date)
  t.true(r.last instanceof Date)
  t.deepEqual(r, { first: at('2023-12-31T12:00:00.000Z'), last: at('2024-03-01T00:00:00.000Z') })
  t.deepEqual(unwrap(s.run(pipe(select(orders), value(max(orders.placedAt))))), O.some(at('2024-03-01T00:00:00.000Z')))
  t.deepEqual(
    unwrap(
      s.run(
        pipe(
          select(orders),
          columns({ c: orders.customer, last: max(orders.placedAt) }),
          groupBy(orders.customer),
          orderBy(orders.customer),
          all
        )
      )
    ),
    [
      { c: 'Bob', last: at('2023-12-31T12:00:00.000Z') },
      { c: 'ann', last: at('2024-02-10T08:15:00.000Z') },
      { c: 'bob', last: at('2024-01-05T23:30:00.000Z') },
      { c: 'cleo', last: at('2024-03-01T00:00:00.000Z') }
    ]
  )
})

test('sum, avg, min and max over no rows give null', (t) => {
  const q = pipe(
    select(orders),
    filter(none),
    columns({
      sum: sum(orders.qty),
      sumPrice: sum(orders.price),
      avg: avg(orders.price),
      min: min(orders.qty),
      max: max(orders.qty),
      maxAt: max(orders.placedAt),
      minAt: min(orders.placedAt),
      n: countAll()
    }),
    one
  )
  t.deepEqual(unwrap(s.run(q)), { sum: null, sumPrice: null, avg: null, min: null, max: null, maxAt: null, minAt: null, n: 0 })
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), value(max(orders.price))))), O.some(null))
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), value(sum(orders.qty))))), O.some(null))
  // only nulls: null too
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(eq(orders.id, 4)), value(sum(orders.discount))))), O.some(null))
  // coalesce turns it into a default
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), value(coalesce(sum(orders.qty), 0))))), O.some(0))
})

// -------------------------------------------------------------------------------------
// dates
// -------------------------------------------------------------------------------------

test('date gives the YYYY-MM-DD of a timestamp', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(date(orders.placedAt))))), [
    '2024-01-05',
    '2024-01-05',
    '2024-02-10',
    '2024-03-01',
    '2023-12-31'
  ])
  // in a filter
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), filter(eq(date(orders.placedAt), '2024-01-05')), orderBy(orders.id), values(orders.id)))),
    [1, 2]
  )
  // grouped by, in columns
  t.deepEqual(
    unwrap(
      s.run(
        pipe(
          select(orders),
          columns({ day: date(orders.placedAt), n: countAll(), qty: sum(orders.qty) }),
          groupBy(date(orders.placedAt)),
          orderBy(desc(date(orders.placedAt))),
          all
        )
      )
    ),
    [
      { day: '2024-03-01', n: 1, qty: 3 },
      { day: '2024-02-10', n: 1, qty: 5 },
      { day: '2024-01-05', n: 2, qty: 3 },
      { day: '2023-12-31', n: 1, qty: 2 }
    ]
  )
})

test('strftime formats a timestamp; its format is a bound parameter', (t) => {
  const q = pipe(select(orders), orderBy(orders.id), values(strftime('%Y-%m', orders.placedAt)))
  t.deepEqual(unwrap(s.run(q)), ['2024-01', '2024-01', '2024-02', '2024-03', '2023-12'])
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT strftime(?, "orders"."placed_at") AS "value" FROM "orders" ORDER BY "orders"."id" ASC',
    params: ['%Y-%m']
  })
  // in a filter
  const in2024 = pipe(select(orders), filter(eq(strftime('%Y', orders.placedAt), '2024')), orderBy(orders.id), values(orders.id))
  t.deepEqual(unwrap(s.run(in2024)), [1, 2, 3, 4])
  t.deepEqual(unwrap(toSQL(in2024)).params, ['%Y', '2024'])
  // in orderBy: by hour of the day
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(strftime('%H', orders.placedAt), orders.id), values(orders.id)))), [4, 3, 1, 5, 2])
  // a format with a quote stays a value, never SQL text
  const quoted = pipe(select(orders), filter(eq(orders.id, 1)), value(strftime("%Y'%m", orders.placedAt)))
  t.deepEqual(unwrap(s.run(quoted)), O.some("2024'01"))
  t.deepEqual(unwrap(toSQL(quoted)).params, ["%Y'%m", 1])
})

// -------------------------------------------------------------------------------------
// scalar helpers
// -------------------------------------------------------------------------------------

test('coalesce in columns, filter and orderBy', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(coalesce(orders.discount, 0))))), [0, 5, 0, 0, 10])
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.id), values(coalesce(orders.note, 'none'))))), [
    'Rush',
    'none',
    'gift',
    'none',
    'RUSH'
  ])
  // an expression as the fallback
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), orderBy(orders.id), columns({ id: orders.id, label: coalesce(orders.note, orders.customer) }), all))),
    [
      { id: 1, label: 'Rush' },
      { id: 2, label: 'bob' },
      { id: 3, label: 'gift' },
      { id: 4, label: 'cleo' },
      { id: 5, label: 'RUSH' }
    ]
  )
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), filter(eq(coalesce(orders.discount, 0), 0)), orderBy(orders.id), values(orders.id)))),
    [1, 3, 4]
  )
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), orderBy(desc(coalesce(orders.discount, 99)), orders.id), values(orders.id)))),
    [1, 4, 5, 2, 3]
  )
  const q = pipe(select(orders), values(coalesce(orders.discount, 7)))
  t.deepEqual(unwrap(toSQL(q)), { sql: 'SELECT coalesce("orders"."discount", ?) AS "value" FROM "orders"', params: [7] })
})

test('coalesce of a timestamp decodes like its first argument', (t) => {
  const fallback = at('2000-01-01T00:00:00.000Z')
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(none), value(coalesce(max(orders.placedAt), fallback))))), O.some(fallback))
  t.deepEqual(unwrap(s.run(pipe(select(orders), value(coalesce(max(orders.placedAt), fallback))))), O.some(at('2024-03-01T00:00:00.000Z')))
})

test('lower and upper in columns, filter and orderBy', (t) => {
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), orderBy(orders.id), columns({ lo: lower(orders.note), up: upper(orders.customer) }), all))),
    [
      { lo: 'rush', up: 'ANN' },
      { lo: null, up: 'BOB' },
      { lo: 'gift', up: 'ANN' },
      { lo: null, up: 'CLEO' },
      { lo: 'rush', up: 'BOB' }
    ]
  )
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(eq(lower(orders.note), 'rush')), orderBy(orders.id), values(orders.id)))), [1, 5])
  t.deepEqual(unwrap(s.run(pipe(select(orders), filter(eq(upper(orders.customer), 'BOB')), orderBy(orders.id), values(orders.id)))), [2, 5])
  // BINARY order puts 'Bob' first; lower() folds it in with 'bob'
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(orders.customer, orders.id), values(orders.id)))), [5, 1, 3, 2, 4])
  t.deepEqual(unwrap(s.run(pipe(select(orders), orderBy(lower(orders.customer), orders.id), values(orders.id)))), [1, 3, 2, 5, 4])
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), orderBy(desc(upper(orders.customer)), desc(orders.id)), values(orders.id)))),
    [4, 5, 2, 3, 1]
  )
})

// -------------------------------------------------------------------------------------
// aggregates in having and orderBy
// -------------------------------------------------------------------------------------

test('aggregates in having and orderBy', (t) => {
  const perCustomer = pipe(
    select(orders),
    columns({ who: lower(orders.customer), qty: sum(orders.qty), spent: sum(orders.price), n: countAll() }),
    groupBy(lower(orders.customer)),
    orderBy(desc(sum(orders.qty)), asc(lower(orders.customer)))
  )
  t.deepEqual(unwrap(s.run(pipe(perCustomer, all))), [
    { who: 'ann', qty: 7, spent: 3.75, n: 2 },
    { who: 'bob', qty: 3, spent: 10.5, n: 2 },
    { who: 'cleo', qty: 3, spent: 4, n: 1 }
  ])
  t.deepEqual(unwrap(s.run(pipe(perCustomer, having(gt(sum(orders.qty), 3)), all))), [{ who: 'ann', qty: 7, spent: 3.75, n: 2 }])
  t.deepEqual(unwrap(s.run(pipe(perCustomer, having(gt(avg(orders.price), 4.5)), values(lower(orders.customer))))), ['bob'])
  t.deepEqual(unwrap(s.run(pipe(perCustomer, having(eq(countAll(), 1)), values(lower(orders.customer))))), ['cleo'])
  // a Date compared with max(timestamp) is encoded as ISO text
  const late = pipe(
    select(orders),
    groupBy(orders.customer),
    having(gt(max(orders.placedAt), at('2024-02-01T00:00:00.000Z'))),
    orderBy(orders.customer),
    values(orders.customer)
  )
  t.deepEqual(unwrap(s.run(late)), ['ann', 'cleo'])
  t.deepEqual(unwrap(toSQL(late)), {
    sql:
      'SELECT "orders"."customer" AS "value" FROM "orders" GROUP BY "orders"."customer" HAVING max("orders"."placed_at") > ? ' +
      'ORDER BY "orders"."customer" ASC',
    params: ['2024-02-01T00:00:00.000Z']
  })
  t.deepEqual(
    unwrap(s.run(pipe(select(orders), groupBy(orders.customer), orderBy(desc(countAll()), asc(min(orders.id))), values(orders.customer)))),
    ['ann', 'bob', 'cleo', 'Bob']
  )
})
