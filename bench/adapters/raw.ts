/**
 * The baselines, on better-sqlite3 directly:
 *
 * - `raw`: every statement prepared once, rows as better-sqlite3's objects (columns
 *   aliased to the schema keys in SQL, which costs nothing); joined rows stay flat, the
 *   nested order is built by a hand-written function, as a user of the driver would.
 * - `raw-mapped`: the same statements in `raw(true)` mode (rows as arrays) and one object
 *   mapper generated per statement with `new Function`: the practical ceiling for a
 *   library that reads through better-sqlite3. Its results have fp-lite-orm's shapes
 *   (joined rows nested by table, `null` for the missing side of a left join).
 */
import type Database from 'better-sqlite3'
import type { QueryName } from '../names.js'
import { SPEC, selectList } from '../schema.js'
import type { TableSpec } from '../schema.js'
import type { Adapter, DetailRow, InsertOutcome, Op, UpdateOutcome, Workload } from '../workload.js'
import { MASK, openDatabase } from '../workload.js'

const keys = (t: TableSpec): string[] => t.columns.map((c) => c.key)

/** The SQL both raw adapters run (column names aliased to the schema keys). */
export const RAW_SQL = {
  allCustomers: `SELECT ${selectList(SPEC.customers)} FROM "customers"`,
  customerById: `SELECT ${selectList(SPEC.customers)} FROM "customers" WHERE "customers"."id" = ?`,
  customersByPrefix: `SELECT ${selectList(SPEC.customers)} FROM "customers" WHERE "customers"."company_name" LIKE ?`,
  allEmployees: `SELECT ${selectList(SPEC.employees)} FROM "employees"`,
  employeeWithManager:
    `SELECT ${selectList(SPEC.employees)}, ${selectList(SPEC.employees, 'manager', 'manager_')} ` +
    `FROM "employees" LEFT JOIN "employees" AS "manager" ON "employees"."reports_to" = "manager"."id" WHERE "employees"."id" = ?`,
  allSuppliers: `SELECT ${selectList(SPEC.suppliers)} FROM "suppliers"`,
  supplierById: `SELECT ${selectList(SPEC.suppliers)} FROM "suppliers" WHERE "suppliers"."id" = ?`,
  allProducts: `SELECT ${selectList(SPEC.products)} FROM "products"`,
  productWithSupplier:
    `SELECT ${selectList(SPEC.products)}, ${selectList(SPEC.suppliers, 'suppliers', 'supplier_')} ` +
    `FROM "products" JOIN "suppliers" ON "products"."supplier_id" = "suppliers"."id" WHERE "products"."id" = ?`,
  productsSearch: `SELECT ${selectList(SPEC.products)} FROM "products" WHERE "products"."product_name" LIKE ?`,
  ordersAggregate:
    'SELECT "orders"."id" AS "id", "orders"."customer_id" AS "customerId", "orders"."order_date" AS "orderDate", ' +
    'count(*) AS "lines", sum("order_details"."quantity") AS "quantity", sum("order_details"."unit_price" * "order_details"."quantity") AS "total" ' +
    'FROM "orders" JOIN "order_details" ON "order_details"."order_id" = "orders"."id" ' +
    'WHERE "orders"."id" BETWEEN ? AND ? GROUP BY "orders"."id" ORDER BY "orders"."id"',
  orderById: `SELECT ${selectList(SPEC.orders)} FROM "orders" WHERE "orders"."id" = ?`,
  orderLines:
    `SELECT ${selectList(SPEC.orderDetails, 'order_details')}, ${selectList(SPEC.products, 'products', 'product_')} ` +
    'FROM "order_details" JOIN "products" ON "products"."id" = "order_details"."product_id" ' +
    'WHERE "order_details"."order_id" = ? ORDER BY "order_details"."id"',
  insertDetail: 'INSERT INTO "order_details" ("order_id", "product_id", "unit_price", "quantity", "discount") VALUES (?, ?, ?, ?, ?)',
  deleteDetailsAbove: 'DELETE FROM "order_details" WHERE "id" > ?',
  updateProduct: 'UPDATE "products" SET "units_on_order" = ? WHERE "id" = ?'
} as const

type Statements = { readonly [K in keyof typeof RAW_SQL]: Database.Statement }

const prepareAll = (db: Database.Database): Statements =>
  Object.fromEntries(Object.entries(RAW_SQL).map(([k, v]) => [k, db.prepare(v)])) as unknown as Statements

/** The write operations, the same for both raw adapters (they read no rows). */
const writes = (db: Database.Database, st: Statements, w: Workload): { readonly insert: Op; readonly update: Op } => {
  const insertMany = db.transaction((rows: ReadonlyArray<DetailRow>): number => {
    let n = 0
    for (const r of rows) n += st.insertDetail.run(r.orderId, r.productId, r.unitPrice, r.quantity, r.discount).changes
    return n
  })
  const updateOne = db.transaction((v: number, id: number): number => st.updateProduct.run(v, id).changes)
  return {
    insert: (): InsertOutcome => {
      const inserted = insertMany.immediate(w.insertRows)
      const deleted = st.deleteDetailsAbove.run(w.maxDetailId).changes
      return { inserted, deleted }
    },
    update: (i): UpdateOutcome => ({ changes: updateOne.immediate(w.updateValues[i & MASK]!, w.updateIds[i & MASK]!) })
  }
}

// -------------------------------------------------------------------------------------
// raw: object rows
// -------------------------------------------------------------------------------------

interface LineRow {
  id: number
  orderId: number
  productId: number
  unitPrice: number
  quantity: number
  discount: number
  product_id: number
  product_productName: string
  product_supplierId: number
  product_quantityPerUnit: string | null
  product_unitPrice: number
  product_unitsInStock: number
  product_unitsOnOrder: number
  product_reorderLevel: number
  product_discontinued: number
}

/** What a user of the driver writes to nest a joined row. */
const nestLine = (r: LineRow) => ({
  id: r.id,
  orderId: r.orderId,
  productId: r.productId,
  unitPrice: r.unitPrice,
  quantity: r.quantity,
  discount: r.discount,
  product: {
    id: r.product_id,
    productName: r.product_productName,
    supplierId: r.product_supplierId,
    quantityPerUnit: r.product_quantityPerUnit,
    unitPrice: r.product_unitPrice,
    unitsInStock: r.product_unitsInStock,
    unitsOnOrder: r.product_unitsOnOrder,
    reorderLevel: r.product_reorderLevel,
    discontinued: r.product_discontinued
  }
})

export const rawAdapter = (file: string, w: Workload): Adapter => {
  const db = openDatabase(file)
  const st = prepareAll(db)
  const write = writes(db, st, w)
  const ops: Record<QueryName, Op> = {
    'all-customers': () => st.allCustomers.all(),
    'customer-by-id': (i) => st.customerById.get(w.customerIds[i & MASK]),
    'customers-by-prefix': (i) => st.customersByPrefix.all(`${w.prefixes[i & MASK]}%`),
    'all-employees': () => st.allEmployees.all(),
    'employee-with-manager': (i) => st.employeeWithManager.get(w.employeeIds[i & MASK]),
    'all-suppliers': () => st.allSuppliers.all(),
    'supplier-by-id': (i) => st.supplierById.get(w.supplierIds[i & MASK]),
    'all-products': () => st.allProducts.all(),
    'product-with-supplier': (i) => st.productWithSupplier.get(w.productIds[i & MASK]),
    'products-search': (i) => st.productsSearch.all(`%${w.searches[i & MASK]}%`),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return st.ordersAggregate.all(from, from + 99)
    },
    'order-with-lines': (i) => {
      const id = w.orderIds[i & MASK]
      const order = st.orderById.get(id) as Record<string, unknown> | undefined
      if (order === undefined) return undefined
      const lines = st.orderLines.all(id) as LineRow[]
      order.lines = lines.map(nestLine)
      return order
    },
    'insert-1000': write.insert,
    'update-by-id': write.update
  }
  return { name: 'raw', async: false, ops, close: () => void db.close() }
}

// -------------------------------------------------------------------------------------
// raw-mapped: arrays and generated mappers
// -------------------------------------------------------------------------------------

/**
 * A row shape: field name -> column index, or a nested shape. `$nullable` marks a nested
 * object that is `null` when all its columns are NULL (the missing side of a left join).
 */
interface Shape {
  readonly [key: string]: number | Shape | boolean | undefined
  readonly $nullable?: boolean
}

const indexesOf = (s: Shape): number[] =>
  Object.entries(s).flatMap(([k, v]) => (k === '$nullable' ? [] : typeof v === 'number' ? [v] : typeof v === 'object' ? indexesOf(v) : []))

const shapeCode = (s: Shape): string => {
  const body = `{ ${Object.entries(s)
    .filter(([k]) => k !== '$nullable')
    .map(([k, v]) => `${JSON.stringify(k)}: ${typeof v === 'number' ? `r[${v}]` : shapeCode(v as Shape)}`)
    .join(', ')} }`
  return s.$nullable === true
    ? `(${indexesOf(s)
        .map((i) => `r[${i}] === null`)
        .join(' && ')} ? null : ${body})`
    : body
}

/** One generated function per statement: `r => ({ "id": r[0], ... })`. */
export const mapper = <A = Record<string, unknown>>(s: Shape): ((r: unknown[]) => A) =>
  // Generated code is the point of this adapter; the shape holds only schema keys (JSON-quoted) and indexes.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('r', `return ${shapeCode(s)};`) as (r: unknown[]) => A

const flat = (names: ReadonlyArray<string>, from = 0): Record<string, number> => Object.fromEntries(names.map((k, i) => [k, from + i]))

const mapRows = (rows: unknown[], f: (r: unknown[]) => unknown): unknown[] => {
  for (let i = 0; i < rows.length; i++) rows[i] = f(rows[i] as unknown[])
  return rows
}

export const rawMappedAdapter = (file: string, w: Workload): Adapter => {
  const db = openDatabase(file)
  const st = prepareAll(db)
  for (const s of Object.values(st)) if (s.reader) s.raw(true)
  const write = writes(db, st, w)
  const E = keys(SPEC.employees)
  const P = keys(SPEC.products)
  const D = keys(SPEC.orderDetails)
  const m = {
    customer: mapper(flat(keys(SPEC.customers))),
    employee: mapper(flat(E)),
    employeeWithManager: mapper({ employees: flat(E), manager: { ...flat(E, E.length), $nullable: true } }),
    supplier: mapper(flat(keys(SPEC.suppliers))),
    product: mapper(flat(P)),
    productWithSupplier: mapper({ products: flat(P), suppliers: flat(keys(SPEC.suppliers), P.length) }),
    aggregate: mapper(flat(['id', 'customerId', 'orderDate', 'lines', 'quantity', 'total'])),
    order: mapper(flat(keys(SPEC.orders))),
    line: mapper({ ...flat(D), product: flat(P, D.length) })
  }
  const one = (row: unknown, f: (r: unknown[]) => unknown) => (row === undefined ? undefined : f(row as unknown[]))
  const ops: Record<QueryName, Op> = {
    'all-customers': () => mapRows(st.allCustomers.all(), m.customer),
    'customer-by-id': (i) => one(st.customerById.get(w.customerIds[i & MASK]), m.customer),
    'customers-by-prefix': (i) => mapRows(st.customersByPrefix.all(`${w.prefixes[i & MASK]}%`), m.customer),
    'all-employees': () => mapRows(st.allEmployees.all(), m.employee),
    'employee-with-manager': (i) => one(st.employeeWithManager.get(w.employeeIds[i & MASK]), m.employeeWithManager),
    'all-suppliers': () => mapRows(st.allSuppliers.all(), m.supplier),
    'supplier-by-id': (i) => one(st.supplierById.get(w.supplierIds[i & MASK]), m.supplier),
    'all-products': () => mapRows(st.allProducts.all(), m.product),
    'product-with-supplier': (i) => one(st.productWithSupplier.get(w.productIds[i & MASK]), m.productWithSupplier),
    'products-search': (i) => mapRows(st.productsSearch.all(`%${w.searches[i & MASK]}%`), m.product),
    'orders-aggregate': (i) => {
      const from = w.orderStarts[i & MASK]!
      return mapRows(st.ordersAggregate.all(from, from + 99), m.aggregate)
    },
    'order-with-lines': (i) => {
      const id = w.orderIds[i & MASK]
      const row = st.orderById.get(id)
      if (row === undefined) return undefined
      const order = m.order(row as unknown[])
      order.lines = mapRows(st.orderLines.all(id), m.line)
      return order
    },
    'insert-1000': write.insert,
    'update-by-id': write.update
  }
  return { name: 'raw-mapped', async: false, ops, close: () => void db.close() }
}
