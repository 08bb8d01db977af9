/**
 * drizzle-orm with its better-sqlite3 driver, in its two forms:
 *
 * - `drizzle`: the query built and run on every call (`db.select().from(t).where(...).get()`);
 *   drizzle prepares the statement anew each time (it keeps no statement cache);
 * - `drizzle-prepared`: built once with `sql.placeholder()` and `.prepare()`, run with values.
 *
 * The nested order uses drizzle's relational query API (`db.query.orders.findFirst({ with })`),
 * its idiomatic form for that shape.
 */
import { asc, between, count, eq, gt, like, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import type { QueryName } from '../names.js'
import { dCustomers, dEmployees, dManager, dOrderDetails, dOrders, dProducts, dSuppliers, drizzleSchema } from '../schema.js'
import type { Adapter, InsertOutcome, Op, UpdateOutcome, Workload } from '../workload.js'
import { MASK, openDatabase } from '../workload.js'

const open = (file: string) => {
  const client = openDatabase(file)
  return { client, db: drizzle(client, { schema: drizzleSchema }) }
}

type Db = ReturnType<typeof open>['db']

const aggregateFields = {
  id: dOrders.id,
  customerId: dOrders.customerId,
  orderDate: dOrders.orderDate,
  lines: count(),
  quantity: sql<number>`sum(${dOrderDetails.quantity})`,
  total: sql<number>`sum(${dOrderDetails.unitPrice} * ${dOrderDetails.quantity})`
}

export const drizzleAdapter = (file: string, w: Workload): Adapter => {
  const { client, db } = open(file)
  const ops: Record<QueryName, Op> = {
    'all-customers': () => db.select().from(dCustomers).all(),
    'customer-by-id': (i) =>
      db
        .select()
        .from(dCustomers)
        .where(eq(dCustomers.id, w.customerIds[i & MASK]!))
        .get(),
    'customers-by-prefix': (i) =>
      db
        .select()
        .from(dCustomers)
        .where(like(dCustomers.companyName, `${w.prefixes[i & MASK]}%`))
        .all(),
    'all-employees': () => db.select().from(dEmployees).all(),
    'employee-with-manager': (i) =>
      db
        .select()
        .from(dEmployees)
        .leftJoin(dManager, eq(dEmployees.reportsTo, dManager.id))
        .where(eq(dEmployees.id, w.employeeIds[i & MASK]!))
        .get(),
    'all-suppliers': () => db.select().from(dSuppliers).all(),
    'supplier-by-id': (i) =>
      db
        .select()
        .from(dSuppliers)
        .where(eq(dSuppliers.id, w.supplierIds[i & MASK]!))
        .get(),
    'all-products': () => db.select().from(dProducts).all(),
    'product-with-supplier': (i) =>
      db
        .select()
        .from(dProducts)
        .innerJoin(dSuppliers, eq(dProducts.supplierId, dSuppliers.id))
        .where(eq(dProducts.id, w.productIds[i & MASK]!))
        .get(),
    'products-search': (i) =>
      db
        .select()
        .from(dProducts)
        .where(like(dProducts.productName, `%${w.searches[i & MASK]}%`))
        .all(),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return db
        .select(aggregateFields)
        .from(dOrders)
        .innerJoin(dOrderDetails, eq(dOrderDetails.orderId, dOrders.id))
        .where(between(dOrders.id, from, from + 99))
        .groupBy(dOrders.id)
        .orderBy(asc(dOrders.id))
        .all()
    },
    'order-with-lines': (i) =>
      db.query.orders
        .findFirst({
          where: eq(dOrders.id, w.orderIds[i & MASK]!),
          with: { lines: { orderBy: [asc(dOrderDetails.id)], with: { product: true } } }
        })
        .sync(),
    'insert-1000': (): InsertOutcome => {
      // drizzle's bulk insert: one INSERT ... VALUES (...), (...) statement.
      const inserted = db.transaction(
        (tx) =>
          tx
            .insert(dOrderDetails)
            .values(w.insertRows as Array<(typeof w.insertRows)[number]>)
            .run().changes,
        {
          behavior: 'immediate'
        }
      )
      const deleted = db.delete(dOrderDetails).where(gt(dOrderDetails.id, w.maxDetailId)).run().changes
      return { inserted, deleted }
    },
    'update-by-id': (i): UpdateOutcome => {
      const v = w.updateValues[i & MASK]!
      const id = w.updateIds[i & MASK]!
      const changes = db.transaction((tx) => tx.update(dProducts).set({ unitsOnOrder: v }).where(eq(dProducts.id, id)).run().changes, {
        behavior: 'immediate'
      })
      return { changes }
    }
  }
  return { name: 'drizzle', async: false, ops, close: () => void client.close() }
}

const prepared = (db: Db) => ({
  allCustomers: db.select().from(dCustomers).prepare(),
  customerById: db
    .select()
    .from(dCustomers)
    .where(eq(dCustomers.id, sql.placeholder('id')))
    .prepare(),
  customersByPrefix: db
    .select()
    .from(dCustomers)
    .where(like(dCustomers.companyName, sql.placeholder('pattern')))
    .prepare(),
  allEmployees: db.select().from(dEmployees).prepare(),
  employeeWithManager: db
    .select()
    .from(dEmployees)
    .leftJoin(dManager, eq(dEmployees.reportsTo, dManager.id))
    .where(eq(dEmployees.id, sql.placeholder('id')))
    .prepare(),
  allSuppliers: db.select().from(dSuppliers).prepare(),
  supplierById: db
    .select()
    .from(dSuppliers)
    .where(eq(dSuppliers.id, sql.placeholder('id')))
    .prepare(),
  allProducts: db.select().from(dProducts).prepare(),
  productWithSupplier: db
    .select()
    .from(dProducts)
    .innerJoin(dSuppliers, eq(dProducts.supplierId, dSuppliers.id))
    .where(eq(dProducts.id, sql.placeholder('id')))
    .prepare(),
  productsSearch: db
    .select()
    .from(dProducts)
    .where(like(dProducts.productName, sql.placeholder('pattern')))
    .prepare(),
  ordersAggregate: db
    .select(aggregateFields)
    .from(dOrders)
    .innerJoin(dOrderDetails, eq(dOrderDetails.orderId, dOrders.id))
    .where(between(dOrders.id, sql.placeholder('from'), sql.placeholder('to')))
    .groupBy(dOrders.id)
    .orderBy(asc(dOrders.id))
    .prepare(),
  orderWithLines: db.query.orders
    .findFirst({
      where: eq(dOrders.id, sql.placeholder('id')),
      with: { lines: { orderBy: [asc(dOrderDetails.id)], with: { product: true } } }
    })
    .prepare(),
  insertLine: db
    .insert(dOrderDetails)
    .values({
      orderId: sql.placeholder('orderId'),
      productId: sql.placeholder('productId'),
      unitPrice: sql.placeholder('unitPrice'),
      quantity: sql.placeholder('quantity'),
      discount: sql.placeholder('discount')
    })
    .prepare(),
  deleteAbove: db
    .delete(dOrderDetails)
    .where(gt(dOrderDetails.id, sql.placeholder('maxId')))
    .prepare(),
  updateProduct: db
    .update(dProducts)
    .set({ unitsOnOrder: sql`${sql.placeholder('v')}` }) // set() takes no bare placeholder
    .where(eq(dProducts.id, sql.placeholder('id')))
    .prepare()
})

export const drizzlePreparedAdapter = (file: string, w: Workload): Adapter => {
  const { client, db } = open(file)
  const p = prepared(db)
  const ops: Record<QueryName, Op> = {
    'all-customers': () => p.allCustomers.all(),
    'customer-by-id': (i) => p.customerById.get({ id: w.customerIds[i & MASK] }),
    'customers-by-prefix': (i) => p.customersByPrefix.all({ pattern: `${w.prefixes[i & MASK]}%` }),
    'all-employees': () => p.allEmployees.all(),
    'employee-with-manager': (i) => p.employeeWithManager.get({ id: w.employeeIds[i & MASK] }),
    'all-suppliers': () => p.allSuppliers.all(),
    'supplier-by-id': (i) => p.supplierById.get({ id: w.supplierIds[i & MASK] }),
    'all-products': () => p.allProducts.all(),
    'product-with-supplier': (i) => p.productWithSupplier.get({ id: w.productIds[i & MASK] }),
    'products-search': (i) => p.productsSearch.all({ pattern: `%${w.searches[i & MASK]}%` }),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return p.ordersAggregate.all({ from, to: from + 99 })
    },
    // On the sync driver execute() returns a lazy result; sync() runs it.
    'order-with-lines': (i) => p.orderWithLines.execute({ id: w.orderIds[i & MASK] }).sync(),
    'insert-1000': (): InsertOutcome => {
      const inserted = db.transaction(
        () => {
          let n = 0
          for (const row of w.insertRows) n += p.insertLine.run(row).changes
          return n
        },
        { behavior: 'immediate' }
      )
      const deleted = p.deleteAbove.run({ maxId: w.maxDetailId }).changes
      return { inserted, deleted }
    },
    'update-by-id': (i): UpdateOutcome => ({
      changes: db.transaction(() => p.updateProduct.run({ v: w.updateValues[i & MASK], id: w.updateIds[i & MASK] }).changes, {
        behavior: 'immediate'
      })
    })
  }
  return { name: 'drizzle-prepared', async: false, ops, close: () => void client.close() }
}
