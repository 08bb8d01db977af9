/**
 * `fp-lite-orm demo [path]`: the library's main job on an embedded default.
 *
 * It creates a small shop database (customers, products, orders) through its migrations
 * (the checked-in .sql files in demo-migrations/, written from the schema objects below by
 * the library's own diff), fills it with sample rows the first time, and runs
 * representative queries, printing each under a heading with the code that built it.
 * Everything goes through the public API, exactly as an application would use it.
 *
 * Running it again on the same file applies no migration (they are recorded in
 * `_lite_migr`), inserts nothing (each table is seeded only while it is empty) and prints
 * the same query results: the expected failures shown (a bad insert, a duplicate email,
 * a missing parent row) are refused before anything is written.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { AnyTable, Db, DbError, InsertValues, Session } from '../index.js'
import {
  all,
  asc,
  avg,
  boolean,
  columns,
  connect,
  contains,
  count,
  countAll,
  createTable,
  decode,
  desc,
  eq,
  exists,
  filter,
  first,
  groupBy,
  gte,
  having,
  inArray,
  index,
  insert,
  integer,
  isDbError,
  json,
  limit,
  max,
  migrate,
  min,
  ne,
  one,
  orderBy,
  placeholder,
  real,
  select,
  session,
  sql,
  startsWith,
  sum,
  table,
  text,
  timestamp,
  toSQL,
  value,
  values
} from '../index.js'
import { unexpectedError } from '../errors.js'

// -------------------------------------------------------------------------------------
// schema
// -------------------------------------------------------------------------------------

/** What a json column holds: checked on insert and when read. */
const OrderDetails = t.intersection([t.type({ gift: t.boolean }), t.partial({ note: t.string })], 'OrderDetails')

export const customers = table(
  'customers',
  {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().notNull().unique(),
    city: text(),
    vip: boolean().notNull().default(false),
    joinedAt: timestamp('joined_at').notNull().defaultNow()
  },
  { indexes: [index('customers_city_idx', ['city'])] }
)

export const products = table('products', {
  id: integer().primaryKey(),
  sku: text().notNull().unique(),
  name: text().notNull(),
  price: real().notNull(),
  inStock: boolean('in_stock').notNull().default(true),
  tags: json(t.array(t.string)).notNull().default([])
})

export const orders = table(
  'orders',
  {
    id: integer().primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'restrict' }),
    quantity: integer().notNull(),
    unitPrice: real('unit_price').notNull(),
    status: text().notNull().default('paid'),
    details: json(OrderDetails),
    placedAt: timestamp('placed_at').notNull()
  },
  { indexes: [index('orders_customer_idx', ['customerId']), index('orders_placed_at_idx', ['placedAt'])] }
)

/** The demo's tables, in the order its migration creates them. */
export const demoTables: ReadonlyArray<AnyTable> = [customers, products, orders]

/**
 * The demo's schema migrations: .sql files next to this module, generated from
 * `demoTables` with the library's diff (spec/demo.test.ts checks that they never drift).
 */
export const DEMO_MIGRATIONS = fileURLToPath(new URL('./demo-migrations/', import.meta.url))

// -------------------------------------------------------------------------------------
// sample data (fixed ids and dates, so every run prints the same results)
// -------------------------------------------------------------------------------------

const day = (iso: string): Date => new Date(`${iso}T10:00:00.000Z`)

const sampleCustomers: ReadonlyArray<InsertValues<typeof customers>> = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', city: 'London', vip: true, joinedAt: day('2023-01-15') },
  { id: 2, name: 'Alan Turing', email: 'alan@example.com', city: 'Manchester', joinedAt: day('2023-03-02') },
  { id: 3, name: 'Grace Hopper', email: 'grace@example.com', city: 'New York', vip: true, joinedAt: day('2023-06-20') },
  { id: 4, name: 'Edsger Dijkstra', email: 'edsger@example.com', city: null, joinedAt: day('2024-01-05') },
  { id: 5, name: 'Barbara Liskov', email: 'barbara@example.com', city: 'Boston', joinedAt: day('2024-02-11') }
]

const sampleProducts: ReadonlyArray<InsertValues<typeof products>> = [
  { id: 1, sku: 'MUG-001', name: 'Coffee mug', price: 8.5, tags: ['kitchen'] },
  { id: 2, sku: 'MUG-002', name: 'Tea MUG, large', price: 9.75, tags: ['kitchen'] },
  { id: 3, sku: 'BK-SICP', name: 'SICP, 2nd edition', price: 45, tags: ['books'] },
  { id: 4, sku: 'BK-TAOCP', name: 'The Art of Computer Programming', price: 189.99, tags: ['books', 'boxset'] },
  { id: 5, sku: 'KB-100', name: 'Mechanical keyboard', price: 119, inStock: false, tags: ['desk'] },
  { id: 6, sku: 'LMP-50', name: 'Desk lamp, 50% brighter', price: 34.5 }
]

const sampleOrders: ReadonlyArray<InsertValues<typeof orders>> = [
  { id: 1, customerId: 1, productId: 3, quantity: 1, unitPrice: 45, status: 'delivered', placedAt: day('2024-01-03') },
  {
    id: 2,
    customerId: 1,
    productId: 1,
    quantity: 4,
    unitPrice: 8.5,
    status: 'delivered',
    details: { gift: true, note: 'For the team' },
    placedAt: day('2024-01-09')
  },
  { id: 3, customerId: 2, productId: 5, quantity: 1, unitPrice: 119, status: 'shipped', placedAt: day('2024-01-17') },
  {
    id: 4,
    customerId: 3,
    productId: 4,
    quantity: 1,
    unitPrice: 189.99,
    status: 'delivered',
    details: { gift: false },
    placedAt: day('2024-01-22')
  },
  { id: 5, customerId: 3, productId: 2, quantity: 2, unitPrice: 9.75, placedAt: day('2024-02-01') },
  { id: 6, customerId: 2, productId: 6, quantity: 1, unitPrice: 34.5, status: 'cancelled', placedAt: day('2024-02-05') },
  {
    id: 7,
    customerId: 4,
    productId: 3,
    quantity: 2,
    unitPrice: 45,
    status: 'shipped',
    details: { gift: true },
    placedAt: day('2024-02-14')
  },
  { id: 8, customerId: 1, productId: 6, quantity: 1, unitPrice: 34.5, placedAt: day('2024-02-20') },
  { id: 9, customerId: 3, productId: 1, quantity: 6, unitPrice: 8.5, status: 'shipped', placedAt: day('2024-03-01') },
  {
    id: 10,
    customerId: 5,
    productId: 4,
    quantity: 1,
    unitPrice: 179.99,
    status: 'delivered',
    details: { gift: true, note: 'Happy birthday' },
    placedAt: day('2024-03-08')
  },
  { id: 11, customerId: 4, productId: 2, quantity: 3, unitPrice: 9.75, placedAt: day('2024-03-12') },
  { id: 12, customerId: 1, productId: 4, quantity: 1, unitPrice: 189.99, status: 'shipped', placedAt: day('2024-03-19') }
]

// -------------------------------------------------------------------------------------
// printing
// -------------------------------------------------------------------------------------

type Out = (line: string) => void

/** A value as a cell or a JSON-ish word: Dates as ISO, reals to at most 2 decimals. */
const cell = (v: unknown): string => {
  if (v === null || v === undefined) return 'null'
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100)
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** One value as a JSON line (Dates become ISO text through their toJSON). */
const jsonLine = (v: unknown): string => JSON.stringify(v)

const showOption = <A>(o: O.Option<A>, show: (a: A) => string = jsonLine): string => (O.isSome(o) ? `some(${show(o.value)})` : 'none')

const showLeft = (e: DbError): string => `Left ${e._tag}: ${e.message}`

/** Rows as a small aligned table; numbers right-aligned. */
const printTable = (out: Out, rows: ReadonlyArray<object>): void => {
  const first = rows[0]
  if (first === undefined) {
    out('(no rows)')
    return
  }
  const keys = Object.keys(first)
  const cells = rows.map((r) => keys.map((k) => cell((r as Record<string, unknown>)[k])))
  const numeric = keys.map((k) => rows.every((r) => typeof (r as Record<string, unknown>)[k] === 'number'))
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i]!.length)))
  const line = (cs: ReadonlyArray<string>) =>
    cs
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  out(line(keys))
  out(line(widths.map((w) => '-'.repeat(w))))
  for (const c of cells) out(line(c))
  out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`)
}

// -------------------------------------------------------------------------------------
// steps
// -------------------------------------------------------------------------------------

interface Step {
  readonly title: string
  /** The code that builds the query, shown under the heading. */
  readonly code: ReadonlyArray<string>
  readonly run: (s: Session, out: Out, file: string) => E.Either<DbError, void>
}

/** The expected failure of a step that shows an error; any other outcome stops the demo. */
const expectLeft = (r: E.Either<DbError, unknown>, tag: DbError['_tag'], what: string): E.Either<DbError, DbError> => {
  if (E.isRight(r)) return E.left(unexpectedError(r.right, `The demo expected ${what} to fail with ${tag}, but it succeeded`))
  return r.left._tag === tag ? E.right(r.left) : E.left(r.left)
}

const vipCustomers = pipe(select(customers), filter(eq(customers.vip, true)), orderBy(asc(customers.name)), all)

const priciest = pipe(
  select(products),
  columns({ sku: products.sku, name: products.name, price: products.price, inStock: products.inStock, tags: products.tags }),
  orderBy(desc(products.price)),
  limit(3),
  all
)

const revenue = sum(sql<number>`${orders.quantity} * ${orders.unitPrice}`)
const perCustomer = pipe(
  select(orders),
  filter(ne(orders.status, 'cancelled')),
  columns({
    customer: orders.customerId,
    orders: countAll(),
    items: sum(orders.quantity),
    revenue,
    avgQty: avg(orders.quantity),
    cheapest: min(orders.unitPrice),
    dearest: max(orders.unitPrice),
    firstOrder: min(orders.placedAt),
    lastOrder: max(orders.placedAt)
  }),
  groupBy(orders.customerId),
  having(gte(countAll(), 2)),
  orderBy(desc(revenue)),
  all
)

const ordersOf = pipe(select(orders), filter(eq(orders.customerId, placeholder('customer'))), count)

const inFlight = pipe(
  select(orders),
  columns({ id: orders.id, status: orders.status, placedAt: orders.placedAt }),
  filter(inArray(orders.status, ['paid', 'shipped'])),
  orderBy(asc(orders.placedAt)),
  all
)

/** A codec of our own for a projection: rows are checked by io-ts as they are read. */
const Contact = t.type({ name: t.string, email: t.string, city: t.string }, 'Contact')

const steps: ReadonlyArray<Step> = [
  {
    title: 'filter + orderBy: VIP customers by name',
    code: ['pipe(select(customers), filter(eq(customers.vip, true)), orderBy(asc(customers.name)), all)'],
    run: (s, out) =>
      pipe(
        s.run(vipCustomers),
        E.map((rows) => printTable(out, rows))
      )
  },
  {
    title: 'columns + orderBy + limit: the three dearest products (tags is a json column)',
    code: [
      'pipe(select(products), columns({ sku: products.sku, name: products.name, price: products.price, ... }),',
      '     orderBy(desc(products.price)), limit(3), all)'
    ],
    run: (s, out) =>
      pipe(
        s.run(priciest),
        E.map((rows) => printTable(out, rows))
      )
  },
  {
    title: 'count and exists',
    code: [
      "pipe(select(orders), filter(eq(orders.status, 'delivered')), count)",
      "pipe(select(customers), filter(eq(customers.city, 'London')), exists)",
      "pipe(select(customers), filter(eq(customers.city, 'Paris')), exists)",
      'pipe(select(customers), filter(eq(customers.city, null)), count)      // IS NULL'
    ],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('delivered', () => s.run(pipe(select(orders), filter(eq(orders.status, 'delivered')), count))),
        E.bind('london', () => s.run(pipe(select(customers), filter(eq(customers.city, 'London')), exists))),
        E.bind('paris', () => s.run(pipe(select(customers), filter(eq(customers.city, 'Paris')), exists))),
        E.bind('noCity', () => s.run(pipe(select(customers), filter(eq(customers.city, null)), count))),
        E.map(({ delivered, london, paris, noCity }) => {
          out(`delivered orders:            ${delivered}`)
          out(`any customer in London?      ${london}`)
          out(`any customer in Paris?       ${paris}`)
          out(`customers with no city:      ${noCity}`)
        })
      )
  },
  {
    title: 'first and one: an Option, and a Left when there is no row',
    code: [
      "pipe(select(customers), filter(eq(customers.email, 'grace@example.com')), first)",
      "pipe(select(customers), filter(eq(customers.email, 'nobody@example.com')), first)",
      "pipe(select(products), filter(eq(products.sku, 'MUG-001')), one)",
      "pipe(select(products), filter(eq(products.sku, 'NOPE')), one)"
    ],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('grace', () => s.run(pipe(select(customers), filter(eq(customers.email, 'grace@example.com')), first))),
        E.bind('nobody', () => s.run(pipe(select(customers), filter(eq(customers.email, 'nobody@example.com')), first))),
        E.bind('mug', () => s.run(pipe(select(products), filter(eq(products.sku, 'MUG-001')), one))),
        E.bind('missing', () =>
          expectLeft(s.run(pipe(select(products), filter(eq(products.sku, 'NOPE')), one)), 'NotFound', 'one on no row')
        ),
        E.map(({ grace, nobody, mug, missing }) => {
          out(`first (grace):  ${showOption(grace)}`)
          out(`first (nobody): ${showOption(nobody)}`)
          out(`one (MUG-001):  Right ${jsonLine(mug)}`)
          out(`one (NOPE):     ${showLeft(missing)}`)
        })
      )
  },
  {
    title: 'value and values: one expression of the first row, or of every row',
    code: [
      'pipe(select(products), value(max(products.price)))',
      'pipe(select(products), filter(eq(products.inStock, false)), value(products.name))',
      'pipe(select(products), filter(eq(products.inStock, true)), orderBy(asc(products.sku)), values(products.sku))'
    ],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('top', () => s.run(pipe(select(products), value(max(products.price))))),
        E.bind('soldOut', () => s.run(pipe(select(products), filter(eq(products.inStock, false)), value(products.name)))),
        E.bind('skus', () =>
          s.run(pipe(select(products), filter(eq(products.inStock, true)), orderBy(asc(products.sku)), values(products.sku)))
        ),
        E.map(({ top, soldOut, skus }) => {
          out(`highest price:   ${showOption(top)}`)
          out(`sold out:        ${showOption(soldOut)}`)
          out(`skus in stock:   ${jsonLine(skus)}`)
        })
      )
  },
  {
    title: 'columns + aggregates + groupBy + having: customers with two orders or more',
    code: [
      'const revenue = sum(sql<number>`${orders.quantity} * ${orders.unitPrice}`)',
      "pipe(select(orders), filter(ne(orders.status, 'cancelled')),",
      '     columns({ customer: orders.customerId, orders: countAll(), items: sum(orders.quantity), revenue,',
      '               avgQty: avg(orders.quantity), cheapest: min(orders.unitPrice), dearest: max(orders.unitPrice),',
      '               firstOrder: min(orders.placedAt), lastOrder: max(orders.placedAt) }),',
      '     groupBy(orders.customerId), having(gte(countAll(), 2)), orderBy(desc(revenue)), all)'
    ],
    run: (s, out) =>
      pipe(
        s.run(perCustomer),
        E.map((rows) => printTable(out, rows))
      )
  },
  {
    title: 'contains / startsWith: LIKE with the wildcards escaped (ASCII-case-insensitive)',
    code: [
      "pipe(select(products), filter(contains(products.name, 'mug')), orderBy(asc(products.id)), values(products.name))",
      "pipe(select(products), filter(contains(products.name, '50%')), values(products.name))   // % matches itself",
      "pipe(select(customers), filter(startsWith(customers.name, 'A')), orderBy(asc(customers.name)), values(customers.name))"
    ],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('mugs', () =>
          s.run(pipe(select(products), filter(contains(products.name, 'mug')), orderBy(asc(products.id)), values(products.name)))
        ),
        E.bind('fifty', () => s.run(pipe(select(products), filter(contains(products.name, '50%')), values(products.name)))),
        E.bind('a', () =>
          s.run(pipe(select(customers), filter(startsWith(customers.name, 'A')), orderBy(asc(customers.name)), values(customers.name)))
        ),
        E.map(({ mugs, fifty, a }) => {
          out(`contains 'mug':   ${jsonLine(mugs)}`)
          out(`contains '50%':   ${jsonLine(fifty)}`)
          out(`startsWith 'A':   ${jsonLine(a)}`)
        })
      )
  },
  {
    title: 'inArray: orders still in flight',
    code: [
      'pipe(select(orders), columns({ id: orders.id, status: orders.status, placedAt: orders.placedAt }),',
      "     filter(inArray(orders.status, ['paid', 'shipped'])), orderBy(asc(orders.placedAt)), all)"
    ],
    run: (s, out) =>
      pipe(
        s.run(inFlight),
        E.map((rows) => printTable(out, rows))
      )
  },
  {
    title: 'placeholder: one query value, compiled and prepared once, run with different values',
    code: [
      "const ordersOf = pipe(select(orders), filter(eq(orders.customerId, placeholder('customer'))), count)",
      's.run(ordersOf, { customer: 1 }), s.run(ordersOf, { customer: 2 }), ...'
    ],
    run: (s, out) =>
      pipe(
        [1, 2, 3, 4, 5, 6],
        E.traverseArray((customer) =>
          pipe(
            s.run(ordersOf, { customer }),
            E.map((n) => `customer ${customer}: ${n} order${n === 1 ? '' : 's'}`)
          )
        ),
        E.map((lines) => lines.forEach((l) => out(l)))
      )
  },
  {
    title: 'toSQL: the SQL and parameters of a query value, without running it',
    code: ['toSQL(ordersOf)', "toSQL(pipe(select(products), filter(contains(products.name, '50%')), first))"],
    run: (_s, out) =>
      pipe(
        E.Do,
        E.bind('a', () => toSQL(ordersOf)),
        E.bind('b', () => toSQL(pipe(select(products), filter(contains(products.name, '50%')), first))),
        E.map(({ a, b }) => {
          out(`sql:    ${a.sql}`)
          out(`params: ${jsonLine(a.params)}   (a placeholder shows as null until it is bound)`)
          out(`sql:    ${b.sql}`)
          out(`params: ${jsonLine(b.params)}`)
        })
      )
  },
  {
    title: 'decode(codec): rows checked by an io-ts codec of your own',
    code: [
      "const Contact = t.type({ name: t.string, email: t.string, city: t.string }, 'Contact')",
      'const contacts = pipe(select(customers), columns({ name: customers.name, email: customers.email, city: customers.city }),',
      '                      orderBy(asc(customers.id)))',
      'pipe(contacts, filter(eq(customers.vip, true)), decode(Contact), all)',
      'pipe(contacts, decode(Contact), all)       // one customer has no city'
    ],
    run: (s, out) => {
      const contacts = pipe(
        select(customers),
        columns({ name: customers.name, email: customers.email, city: customers.city }),
        orderBy(asc(customers.id))
      )
      return pipe(
        E.Do,
        E.bind('vips', () => s.run(pipe(contacts, filter(eq(customers.vip, true)), decode(Contact), all))),
        E.bind('everyone', () =>
          expectLeft(s.run(pipe(contacts, decode(Contact), all)), 'DecodeError', 'decoding a null city as a string')
        ),
        E.map(({ vips, everyone }) => {
          for (const c of vips) out(jsonLine(c))
          out(showLeft(everyone))
        })
      )
    }
  },
  {
    title: 'stream: rows one at a time, in constant memory (here: the first five, then break)',
    code: [
      'pipe(s.stream(pipe(select(orders), orderBy(asc(orders.placedAt)), all)), E.map((rows) => {',
      '  for (const o of rows) { print(o); if (++n === 5) break }   // breaking out ends the read',
      '}))'
    ],
    run: (s, out) =>
      pipe(
        s.stream(pipe(select(orders), orderBy(asc(orders.placedAt)), all)),
        E.chain((rows) => {
          // A failure after iteration has begun is thrown as a DbError value.
          try {
            let n = 0
            for (const o of rows) {
              out(
                `${o.placedAt.toISOString()}  #${String(o.id).padEnd(2)}  customer ${o.customerId}  ` +
                  `${o.quantity} x product ${o.productId}  ${o.status.padEnd(9)}  details: ${jsonLine(o.details)}`
              )
              if (++n === 5) break
            }
            return E.right(undefined)
          } catch (e) {
            return E.left(isDbError(e) ? e : unexpectedError(e, 'Reading the stream threw'))
          }
        })
      )
  },
  {
    title: 'connect(path, { log }): every statement reported with its SQL and parameters',
    code: [
      'const traced = session(connect(file, { log: (e) => out(`log: ${e.sql}  params ${JSON.stringify(e.params)}`) }))',
      'traced.run(pipe(select(products), filter(gte(products.price, 100)), count))'
    ],
    run: (_s, out, file) => {
      // The same file on the same thread: this session shares the demo's connection. The
      // event's durationMs is left out of the output, which is the same on every run.
      const traced = session(connect(file, { log: (e) => out(`log: ${e.sql}  params ${JSON.stringify(e.params)}`) }))
      return pipe(
        traced.run(pipe(select(products), filter(gte(products.price, 100)), count)),
        E.map((n) => out(`result: ${n} products at 100 or more`))
      )
    }
  },
  {
    title: 'a bad insert: checked before any SQL runs, so nothing is written',
    code: ["insert(orders, { customerId: 1, productId: 1, quantity: 1.5, unitPrice: 8.5, placedAt: new Date('next tuesday') })"],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('bad', () =>
          expectLeft(
            s.run(insert(orders, { customerId: 1, productId: 1, quantity: 1.5, unitPrice: 8.5, placedAt: new Date('next tuesday') })),
            'ValidationError',
            'an insert with a fractional quantity and an invalid Date'
          )
        ),
        E.bind('n', () => s.run(pipe(select(orders), count))),
        E.map(({ bad, n }) => {
          out(showLeft(bad))
          out(`orders in the table: ${n}`)
        })
      )
  },
  {
    title: 'constraint violations: a duplicate email, and an order for a customer who does not exist',
    code: [
      "insert(customers, { name: 'Ada again', email: 'ada@example.com' })",
      "insert(orders, { customerId: 99, productId: 1, quantity: 1, unitPrice: 8.5, placedAt: new Date('2024-04-01') })"
    ],
    run: (s, out) =>
      pipe(
        E.Do,
        E.bind('unique', () =>
          expectLeft(s.run(insert(customers, { name: 'Ada again', email: 'ada@example.com' })), 'ConstraintError', 'a duplicate email')
        ),
        E.bind('foreignKey', () =>
          expectLeft(
            s.run(insert(orders, { customerId: 99, productId: 1, quantity: 1, unitPrice: 8.5, placedAt: new Date('2024-04-01') })),
            'ConstraintError',
            'an order for customer 99'
          )
        ),
        E.map(({ unique, foreignKey }) => {
          for (const e of [unique, foreignKey]) {
            out(showLeft(e))
            if (e._tag === 'ConstraintError') out(`  kind: ${e.kind}, table: ${e.table ?? '?'}, columns: ${jsonLine(e.columns)}`)
          }
        })
      )
  }
]

// -------------------------------------------------------------------------------------
// set-up
// -------------------------------------------------------------------------------------

/** Inserts the sample rows into a table that is still empty; returns what it did. */
const seed = <T extends AnyTable>(s: Session, name: string, t: T, rows: ReadonlyArray<InsertValues<T>>): E.Either<DbError, string> =>
  pipe(
    s.run(pipe(select(t), count)),
    E.chain((n) =>
      n > 0
        ? E.right(`${name.padEnd(10)} kept the ${n} rows already there`)
        : pipe(
            s.run(insert(t, rows)),
            E.map((r) => `${name.padEnd(10)} inserted ${r.changes} rows`)
          )
    )
  )

const setUp = (db: Db, s: Session, out: Out): E.Either<DbError, void> =>
  pipe(
    migrate(db, { dir: DEMO_MIGRATIONS }),
    // A file an earlier demo made (with createTable, before it had migrations) holds the
    // tables but no record of the migration: say so rather than only "already exists".
    E.mapLeft((e): DbError =>
      e._tag === 'MigrationError' && /already exists/.test(e.message)
        ? {
            ...e,
            message: `${e.message}\nThis file holds demo tables that no recorded migration made (an older demo created them): remove it, or run the demo on another path.`
          }
        : e
    ),
    E.map(({ applied }) =>
      out(
        applied.length > 0
          ? `Tables: migrate(db, { dir: 'demo-migrations' }) applied ${applied.join(', ')} (customers, products, orders, with their indexes).`
          : "Tables: migrate(db, { dir: 'demo-migrations' }) found nothing pending (recorded in _lite_migr by an earlier run)."
      )
    ),
    E.chain(() => toSQL(createTable(orders))),
    E.map((ddl) => {
      out('The orders table, as createTable(orders) compiles it (the migration holds the same definition):')
      for (const l of ddl.sql.split('\n')) out(`  ${l}`)
      out('Sample data (each table is filled only while it is empty):')
    }),
    E.chain(() => seed(s, 'customers', customers, sampleCustomers)),
    E.map((l) => out(`  ${l}`)),
    E.chain(() => seed(s, 'products', products, sampleProducts)),
    E.map((l) => out(`  ${l}`)),
    E.chain(() => seed(s, 'orders', orders, sampleOrders)),
    E.map((l) => out(`  ${l}`))
  )

const runSteps = (s: Session, out: Out, file: string): E.Either<DbError, void> =>
  steps.reduce<E.Either<DbError, void>>(
    (acc, step, i) =>
      pipe(
        acc,
        E.chain(() => {
          out('')
          out(`── ${i + 1}. ${step.title}`)
          for (const c of step.code) out(`  › ${c}`)
          return step.run(s, out, file)
        })
      ),
    E.right(undefined)
  )

// -------------------------------------------------------------------------------------
// entry point
// -------------------------------------------------------------------------------------

/** The default database file, relative to the working directory. */
export const DEFAULT_DEMO_PATH = './demo.db'

/**
 * Runs the demo against the database file at `file` (created when missing), writing
 * readable lines to `out`. A Left is a real failure (the file cannot be opened, a query
 * went wrong); the failures the demo shows on purpose are part of its output.
 */
export const runDemo = (file: string, out: Out): E.Either<DbError, void> => {
  const db = connect(file)
  const s = session(db)
  try {
    out(`fp-lite-orm demo: a small shop in ${db.file}`)
    return pipe(
      setUp(db, s, out),
      E.chain(() => runSteps(s, out, db.file)),
      E.map(() => {
        out('')
        out(`Done: ${steps.length} steps. The data stays in ${path.basename(db.file)}; run the demo again and the results are the same.`)
      })
    )
  } finally {
    s.close()
  }
}
