/**
 * fp-lite-orm, in its two forms:
 *
 * - `fp-lite-orm`: the query value built fresh on every call, as most code will write it:
 *   `s.run(pipe(select(customers), filter(eq(customers.id, id)), first))`;
 * - `fp-lite-orm-ph`: one query value per query, built once with `placeholder('id')`, run
 *   with params: `s.run(byId, { id })` (the compile step is then memoized by the value).
 *
 * A Left fails the run (it would be a wrong answer).
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type * as O from 'fp-ts/lib/Option.js'
import type { DbError } from '../../src/index.js'
import {
  all,
  between,
  columns,
  connect,
  contains,
  countAll,
  deleteFrom,
  eq,
  filter,
  first,
  groupBy,
  gt,
  insert,
  join,
  leftJoin,
  orderBy,
  placeholder,
  preload,
  select,
  session,
  set,
  sql,
  startsWith,
  sum,
  transaction,
  update
} from '../../src/index.js'
import type { QueryName } from '../names.js'
import { customers, employees, lineProduct, manager, orderDetails, orderLines, orders, products, suppliers } from '../schema.js'
import type { Adapter, InsertOutcome, Op, UpdateOutcome, Workload } from '../workload.js'
import { MASK } from '../workload.js'

/** The Right value; a Left is a failed answer, so it stops the run. */
export const ok = <A>(e: E.Either<DbError, A>): A => {
  if (E.isLeft(e)) throw new Error(`fp-lite-orm returned a Left: ${e.left._tag}: ${e.left.message}`)
  return e.right
}

/** An Option's value or undefined, to compare with the other adapters' `get()`. */
export const opt = <A>(o: O.Option<A>): A | undefined => (o._tag === 'Some' ? o.value : undefined)

export const aggregateColumns = () =>
  columns({
    id: orders.id,
    customerId: orders.customerId,
    orderDate: orders.orderDate,
    lines: countAll(),
    quantity: sum(orderDetails.quantity),
    total: sum(sql<number>`${orderDetails.unitPrice} * ${orderDetails.quantity}`)
  })

export const fpLiteAdapter = (file: string, w: Workload): Adapter => {
  const db = connect(file)
  const s = session(db)
  const ops: Record<QueryName, Op> = {
    'all-customers': () => ok(s.run(pipe(select(customers), all))),
    'customer-by-id': (i) => opt(ok(s.run(pipe(select(customers), filter(eq(customers.id, w.customerIds[i & MASK]!)), first)))),
    'customers-by-prefix': (i) => ok(s.run(pipe(select(customers), filter(startsWith(customers.companyName, w.prefixes[i & MASK]!)), all))),
    'all-employees': () => ok(s.run(pipe(select(employees), all))),
    'employee-with-manager': (i) =>
      opt(
        ok(
          s.run(
            pipe(
              select(employees),
              leftJoin(manager, eq(employees.reportsTo, manager.id)),
              filter(eq(employees.id, w.employeeIds[i & MASK]!)),
              first
            )
          )
        )
      ),
    'all-suppliers': () => ok(s.run(pipe(select(suppliers), all))),
    'supplier-by-id': (i) => opt(ok(s.run(pipe(select(suppliers), filter(eq(suppliers.id, w.supplierIds[i & MASK]!)), first)))),
    'all-products': () => ok(s.run(pipe(select(products), all))),
    'product-with-supplier': (i) =>
      opt(
        ok(
          s.run(
            pipe(
              select(products),
              join(suppliers, eq(products.supplierId, suppliers.id)),
              filter(eq(products.id, w.productIds[i & MASK]!)),
              first
            )
          )
        )
      ),
    'products-search': (i) => ok(s.run(pipe(select(products), filter(contains(products.productName, w.searches[i & MASK]!)), all))),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return ok(
        s.run(
          pipe(
            select(orders),
            join(orderDetails, eq(orderDetails.orderId, orders.id)),
            filter(between(orders.id, from, from + 99)),
            aggregateColumns(),
            groupBy(orders.id),
            orderBy(orders.id),
            all
          )
        )
      )
    },
    'order-with-lines': (i) =>
      opt(
        ok(
          s.run(
            pipe(
              select(orders),
              filter(eq(orders.id, w.orderIds[i & MASK]!)),
              preload('lines', orderLines, preload('product', lineProduct)),
              first
            )
          )
        )
      ),
    'insert-1000': (): InsertOutcome => {
      // A multi-row insert runs in one transaction, through one prepared statement.
      const inserted = ok(s.run(insert(orderDetails, w.insertRows))).changes
      const deleted = ok(s.run(pipe(deleteFrom(orderDetails), filter(gt(orderDetails.id, w.maxDetailId))))).changes
      return { inserted, deleted }
    },
    'update-by-id': (i): UpdateOutcome => {
      const v = w.updateValues[i & MASK]!
      const id = w.updateIds[i & MASK]!
      return {
        changes: ok(transaction(db, (tx) => tx.run(pipe(update(products), set({ unitsOnOrder: v }), filter(eq(products.id, id)))))).changes
      }
    }
  }
  return { name: 'fp-lite-orm', async: false, ops, close: () => s.close() }
}

export const fpLitePlaceholderAdapter = (file: string, w: Workload): Adapter => {
  const db = connect(file)
  const s = session(db)
  const q = {
    allCustomers: pipe(select(customers), all),
    customerById: pipe(select(customers), filter(eq(customers.id, placeholder('id'))), first),
    customersByPrefix: pipe(select(customers), filter(startsWith(customers.companyName, placeholder('prefix'))), all),
    allEmployees: pipe(select(employees), all),
    employeeWithManager: pipe(
      select(employees),
      leftJoin(manager, eq(employees.reportsTo, manager.id)),
      filter(eq(employees.id, placeholder('id'))),
      first
    ),
    allSuppliers: pipe(select(suppliers), all),
    supplierById: pipe(select(suppliers), filter(eq(suppliers.id, placeholder('id'))), first),
    allProducts: pipe(select(products), all),
    productWithSupplier: pipe(
      select(products),
      join(suppliers, eq(products.supplierId, suppliers.id)),
      filter(eq(products.id, placeholder('id'))),
      first
    ),
    productsSearch: pipe(select(products), filter(contains(products.productName, placeholder('text'))), all),
    ordersAggregate: pipe(
      select(orders),
      join(orderDetails, eq(orderDetails.orderId, orders.id)),
      filter(between(orders.id, placeholder('from'), placeholder('to'))),
      aggregateColumns(),
      groupBy(orders.id),
      orderBy(orders.id),
      all
    ),
    orderWithLines: pipe(
      select(orders),
      filter(eq(orders.id, placeholder('id'))),
      preload('lines', orderLines, preload('product', lineProduct)),
      first
    ),
    insertLine: insert(orderDetails, {
      orderId: placeholder('orderId'),
      productId: placeholder('productId'),
      unitPrice: placeholder('unitPrice'),
      quantity: placeholder('quantity'),
      discount: placeholder('discount')
    }),
    deleteAbove: pipe(deleteFrom(orderDetails), filter(gt(orderDetails.id, placeholder('maxId')))),
    updateProduct: pipe(update(products), set({ unitsOnOrder: placeholder('v') }), filter(eq(products.id, placeholder('id'))))
  }
  const ops: Record<QueryName, Op> = {
    'all-customers': () => ok(s.run(q.allCustomers)),
    'customer-by-id': (i) => opt(ok(s.run(q.customerById, { id: w.customerIds[i & MASK]! }))),
    'customers-by-prefix': (i) => ok(s.run(q.customersByPrefix, { prefix: w.prefixes[i & MASK]! })),
    'all-employees': () => ok(s.run(q.allEmployees)),
    'employee-with-manager': (i) => opt(ok(s.run(q.employeeWithManager, { id: w.employeeIds[i & MASK]! }))),
    'all-suppliers': () => ok(s.run(q.allSuppliers)),
    'supplier-by-id': (i) => opt(ok(s.run(q.supplierById, { id: w.supplierIds[i & MASK]! }))),
    'all-products': () => ok(s.run(q.allProducts)),
    'product-with-supplier': (i) => opt(ok(s.run(q.productWithSupplier, { id: w.productIds[i & MASK]! }))),
    'products-search': (i) => ok(s.run(q.productsSearch, { text: w.searches[i & MASK]! })),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return ok(s.run(q.ordersAggregate, { from, to: from + 99 }))
    },
    'order-with-lines': (i) => opt(ok(s.run(q.orderWithLines, { id: w.orderIds[i & MASK]! }))),
    'insert-1000': (): InsertOutcome => {
      const inserted = ok(
        transaction(db, (tx) => {
          let n = 0
          for (const row of w.insertRows) {
            const r = tx.run(q.insertLine, row)
            if (E.isLeft(r)) return r
            n += r.right.changes
          }
          return E.right(n)
        })
      )
      const deleted = ok(s.run(q.deleteAbove, { maxId: w.maxDetailId })).changes
      return { inserted, deleted }
    },
    'update-by-id': (i): UpdateOutcome => ({
      changes: ok(transaction(db, (tx) => tx.run(q.updateProduct, { v: w.updateValues[i & MASK], id: w.updateIds[i & MASK] }))).changes
    })
  }
  return { name: 'fp-lite-orm-ph', async: false, ops, close: () => s.close() }
}
