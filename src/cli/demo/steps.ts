/**
 * The demo's steps: each a title, the code it shows, and what it runs and prints. The
 * queries are built once, as an application would build them.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { DbError, Session } from '../../index.js'
import {
  all,
  asc,
  avg,
  columns,
  connect,
  contains,
  count,
  countAll,
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
  insert,
  isDbError,
  limit,
  max,
  min,
  ne,
  one,
  orderBy,
  placeholder,
  select,
  session,
  sql,
  startsWith,
  sum,
  toSQL,
  value,
  values
} from '../../index.js'
import { unexpectedError } from '../../errors.js'
import { customers, products, orders } from './schema.js'
import type { Out } from './print.js'
import { jsonLine, showOption, showLeft, printTable } from './print.js'

// -------------------------------------------------------------------------------------
// steps
// -------------------------------------------------------------------------------------

export interface Step {
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

export const steps: ReadonlyArray<Step> = [
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
