/**
 * kysely 0.28 with its SqliteDialect over better-sqlite3, awaited as its users use it
 * (kysely's API is asynchronous even over a synchronous driver). Rows keep the SQL
 * column names (no CamelCasePlugin: it would cost kysely extra work per row).
 *
 * The nested order uses `jsonArrayFrom` / `jsonObjectFrom` from `kysely/helpers/sqlite`,
 * its documented form for nested results, with `ParseJSONResultsPlugin` on that query only.
 */
import { Kysely, ParseJSONResultsPlugin, SqliteDialect, sql } from 'kysely'
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/sqlite'
import type { QueryName } from '../names.js'
import type { KEmployee, KOrderDetail, KProduct, KSupplier, KyselyDb } from '../schema.js'
import { SPEC } from '../schema.js'
import type { Adapter, InsertOutcome, Op, UpdateOutcome, Workload } from '../workload.js'
import { MASK, openDatabase } from '../workload.js'

const employeeColumns = SPEC.employees.columns.map((c) => c.sql) as ReadonlyArray<keyof KEmployee>
const supplierColumns = SPEC.suppliers.columns.map((c) => c.sql) as ReadonlyArray<keyof KSupplier>
// jsonObjectFrom / jsonArrayFrom on SQLite need explicit column lists (no selectAll()).
const lineColumns = SPEC.orderDetails.columns.map((c) => `order_details.${c.sql}`) as ReadonlyArray<`order_details.${keyof KOrderDetail}`>
const productColumns = SPEC.products.columns.map((c) => `products.${c.sql}`) as ReadonlyArray<`products.${keyof KProduct}`>

export const kyselyAdapter = (file: string, w: Workload): Adapter => {
  const client = openDatabase(file)
  const k = new Kysely<KyselyDb>({ dialect: new SqliteDialect({ database: client }) })
  const parseJson = new ParseJSONResultsPlugin()
  const rowsToInsert = w.insertRows.map((r) => ({
    order_id: r.orderId,
    product_id: r.productId,
    unit_price: r.unitPrice,
    quantity: r.quantity,
    discount: r.discount
  }))
  const ops: Record<QueryName, Op> = {
    'all-customers': () => k.selectFrom('customers').selectAll().execute(),
    'customer-by-id': (i) =>
      k
        .selectFrom('customers')
        .selectAll()
        .where('id', '=', w.customerIds[i & MASK]!)
        .executeTakeFirst(),
    'customers-by-prefix': (i) =>
      k
        .selectFrom('customers')
        .selectAll()
        .where('company_name', 'like', `${w.prefixes[i & MASK]}%`)
        .execute(),
    'all-employees': () => k.selectFrom('employees').selectAll().execute(),
    'employee-with-manager': (i) =>
      k
        .selectFrom('employees')
        .leftJoin('employees as manager', 'manager.id', 'employees.reports_to')
        .selectAll('employees')
        .select((eb) => employeeColumns.map((c) => eb.ref(`manager.${c}`).as(`manager_${c}`)))
        .where('employees.id', '=', w.employeeIds[i & MASK]!)
        .executeTakeFirst(),
    'all-suppliers': () => k.selectFrom('suppliers').selectAll().execute(),
    'supplier-by-id': (i) =>
      k
        .selectFrom('suppliers')
        .selectAll()
        .where('id', '=', w.supplierIds[i & MASK]!)
        .executeTakeFirst(),
    'all-products': () => k.selectFrom('products').selectAll().execute(),
    'product-with-supplier': (i) =>
      k
        .selectFrom('products')
        .innerJoin('suppliers', 'suppliers.id', 'products.supplier_id')
        .selectAll('products')
        .select((eb) => supplierColumns.map((c) => eb.ref(`suppliers.${c}`).as(`supplier__${c}`)))
        .where('products.id', '=', w.productIds[i & MASK]!)
        .executeTakeFirst(),
    'products-search': (i) =>
      k
        .selectFrom('products')
        .selectAll()
        .where('product_name', 'like', `%${w.searches[i & MASK]}%`)
        .execute(),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return k
        .selectFrom('orders')
        .innerJoin('order_details', 'order_details.order_id', 'orders.id')
        .select((eb) => [
          'orders.id',
          'orders.customer_id',
          'orders.order_date',
          eb.fn.countAll<number>().as('lines'),
          eb.fn.sum<number>('order_details.quantity').as('quantity'),
          sql<number>`sum(${eb.ref('order_details.unit_price')} * ${eb.ref('order_details.quantity')})`.as('total')
        ])
        .where((eb) => eb.between('orders.id', from, from + 99))
        .groupBy('orders.id')
        .orderBy('orders.id')
        .execute()
    },
    'order-with-lines': (i) =>
      k
        .selectFrom('orders')
        .selectAll('orders')
        .select((eb) => [
          jsonArrayFrom(
            eb
              .selectFrom('order_details')
              .select(lineColumns)
              .select((eb2) => [
                jsonObjectFrom(
                  eb2.selectFrom('products').select(productColumns).whereRef('products.id', '=', 'order_details.product_id')
                ).as('product')
              ])
              .whereRef('order_details.order_id', '=', 'orders.id')
              .orderBy('order_details.id')
          ).as('lines')
        ])
        .where('orders.id', '=', w.orderIds[i & MASK]!)
        .withPlugin(parseJson)
        .executeTakeFirst(),
    'insert-1000': async (): Promise<InsertOutcome> => {
      const ins = await k.transaction().execute((trx) => trx.insertInto('order_details').values(rowsToInsert).executeTakeFirstOrThrow())
      const del = await k.deleteFrom('order_details').where('id', '>', w.maxDetailId).executeTakeFirstOrThrow()
      return { inserted: Number(ins.numInsertedOrUpdatedRows), deleted: Number(del.numDeletedRows) }
    },
    'update-by-id': async (i): Promise<UpdateOutcome> => {
      const v = w.updateValues[i & MASK]!
      const id = w.updateIds[i & MASK]!
      const r = await k
        .transaction()
        .execute((trx) => trx.updateTable('products').set({ units_on_order: v }).where('id', '=', id).executeTakeFirstOrThrow())
      return { changes: Number(r.numUpdatedRows) }
    }
  }
  return { name: 'kysely', async: true, ops, close: () => k.destroy() }
}
