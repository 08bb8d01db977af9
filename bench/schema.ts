/**
 * The Northwind-shaped schema of the benchmark, written once per library:
 *
 * - `SPEC`: the neutral description (SQL names, schema keys, kinds) from which the DDL
 *   and the raw adapters' select lists are made;
 * - fp-lite-orm tables and relations;
 * - drizzle tables and relations (for its relational query API);
 * - the kysely database interface.
 *
 * Every column is INTEGER, REAL or TEXT in every library (no booleans, dates or JSON),
 * so that no adapter pays for a value conversion the others skip: the benchmark measures
 * the query path (build, compile, prepare, bind, step, row objects), not value decoding.
 */
import { relations as dRelations } from 'drizzle-orm'
import { alias as dAlias, index as dIndex, integer as dInteger, real as dReal, sqliteTable, text as dText } from 'drizzle-orm/sqlite-core'
import { alias, belongsTo, hasMany, index, integer, real, table, tableInfo, text } from '../src/index.js'

// -------------------------------------------------------------------------------------
// the neutral spec
// -------------------------------------------------------------------------------------

export type Kind = 'integer' | 'real' | 'text'

export interface ColumnSpec {
  /** The schema key (camelCase), as fp-lite-orm and drizzle rows have it. */
  readonly key: string
  /** The SQL name (snake_case), as the database and kysely have it. */
  readonly sql: string
  readonly kind: Kind
  readonly notNull?: boolean
  readonly pk?: boolean
  readonly references?: string
}

export interface TableSpec {
  readonly name: string
  readonly columns: ReadonlyArray<ColumnSpec>
  /** Indexed columns (SQL names): every foreign key. */
  readonly indexes: ReadonlyArray<string>
}

const c = (key: string, sqlName: string, kind: Kind, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ key, sql: sqlName, kind, ...extra })
const id = c('id', 'id', 'integer', { pk: true })

export const SPEC = {
  customers: {
    name: 'customers',
    columns: [
      id,
      c('companyName', 'company_name', 'text', { notNull: true }),
      c('contactName', 'contact_name', 'text'),
      c('contactTitle', 'contact_title', 'text'),
      c('address', 'address', 'text'),
      c('city', 'city', 'text'),
      c('region', 'region', 'text'),
      c('postalCode', 'postal_code', 'text'),
      c('country', 'country', 'text'),
      c('phone', 'phone', 'text'),
      c('fax', 'fax', 'text')
    ],
    indexes: []
  },
  employees: {
    name: 'employees',
    columns: [
      id,
      c('lastName', 'last_name', 'text', { notNull: true }),
      c('firstName', 'first_name', 'text', { notNull: true }),
      c('title', 'title', 'text'),
      c('titleOfCourtesy', 'title_of_courtesy', 'text'),
      c('birthDate', 'birth_date', 'text'),
      c('hireDate', 'hire_date', 'text'),
      c('address', 'address', 'text'),
      c('city', 'city', 'text'),
      c('region', 'region', 'text'),
      c('postalCode', 'postal_code', 'text'),
      c('country', 'country', 'text'),
      c('homePhone', 'home_phone', 'text'),
      c('extension', 'extension', 'text'),
      c('notes', 'notes', 'text'),
      c('reportsTo', 'reports_to', 'integer', { references: 'employees' })
    ],
    indexes: ['reports_to']
  },
  suppliers: {
    name: 'suppliers',
    columns: [
      id,
      c('companyName', 'company_name', 'text', { notNull: true }),
      c('contactName', 'contact_name', 'text'),
      c('contactTitle', 'contact_title', 'text'),
      c('address', 'address', 'text'),
      c('city', 'city', 'text'),
      c('region', 'region', 'text'),
      c('postalCode', 'postal_code', 'text'),
      c('country', 'country', 'text'),
      c('phone', 'phone', 'text'),
      c('fax', 'fax', 'text'),
      c('homePage', 'home_page', 'text')
    ],
    indexes: []
  },
  products: {
    name: 'products',
    columns: [
      id,
      c('productName', 'product_name', 'text', { notNull: true }),
      c('supplierId', 'supplier_id', 'integer', { notNull: true, references: 'suppliers' }),
      c('quantityPerUnit', 'quantity_per_unit', 'text'),
      c('unitPrice', 'unit_price', 'real', { notNull: true }),
      c('unitsInStock', 'units_in_stock', 'integer', { notNull: true }),
      c('unitsOnOrder', 'units_on_order', 'integer', { notNull: true }),
      c('reorderLevel', 'reorder_level', 'integer', { notNull: true }),
      c('discontinued', 'discontinued', 'integer', { notNull: true })
    ],
    indexes: ['supplier_id']
  },
  orders: {
    name: 'orders',
    columns: [
      id,
      c('customerId', 'customer_id', 'integer', { notNull: true, references: 'customers' }),
      c('employeeId', 'employee_id', 'integer', { notNull: true, references: 'employees' }),
      c('orderDate', 'order_date', 'text', { notNull: true }),
      c('requiredDate', 'required_date', 'text'),
      c('shippedDate', 'shipped_date', 'text'),
      c('shipVia', 'ship_via', 'integer'),
      c('freight', 'freight', 'real', { notNull: true }),
      c('shipName', 'ship_name', 'text'),
      c('shipAddress', 'ship_address', 'text'),
      c('shipCity', 'ship_city', 'text'),
      c('shipRegion', 'ship_region', 'text'),
      c('shipPostalCode', 'ship_postal_code', 'text'),
      c('shipCountry', 'ship_country', 'text')
    ],
    indexes: ['customer_id', 'employee_id']
  },
  orderDetails: {
    name: 'order_details',
    columns: [
      id,
      c('orderId', 'order_id', 'integer', { notNull: true, references: 'orders' }),
      c('productId', 'product_id', 'integer', { notNull: true, references: 'products' }),
      c('unitPrice', 'unit_price', 'real', { notNull: true }),
      c('quantity', 'quantity', 'integer', { notNull: true }),
      c('discount', 'discount', 'real', { notNull: true })
    ],
    indexes: ['order_id', 'product_id']
  }
} as const satisfies Record<string, TableSpec>

export const TABLE_ORDER = ['customers', 'employees', 'suppliers', 'products', 'orders', 'orderDetails'] as const

/** CREATE TABLE and CREATE INDEX statements, in dependency order. */
export const ddl = (): string[] => {
  const out: string[] = []
  for (const key of TABLE_ORDER) {
    const t: TableSpec = SPEC[key]
    const cols = t.columns.map((col) => {
      let s = `"${col.sql}" ${col.kind.toUpperCase()}`
      if (col.pk === true) s += ' PRIMARY KEY'
      if (col.notNull === true) s += ' NOT NULL'
      if (col.references !== undefined) s += ` REFERENCES "${col.references}" ("id")`
      return s
    })
    out.push(`CREATE TABLE "${t.name}" (\n  ${cols.join(',\n  ')}\n)`)
    for (const ix of t.indexes) out.push(`CREATE INDEX "${t.name}_${ix}_idx" ON "${t.name}" ("${ix}")`)
  }
  return out
}

/** `"t"."sql_name" AS "prefixKey"` for every column: the select list of a raw adapter. */
export const selectList = (t: TableSpec, from: string = t.name, prefix = ''): string =>
  t.columns.map((col) => `"${from}"."${col.sql}" AS "${prefix}${col.key}"`).join(', ')

// -------------------------------------------------------------------------------------
// fp-lite-orm
// -------------------------------------------------------------------------------------

export const customers = table('customers', {
  id: integer().primaryKey(),
  companyName: text('company_name').notNull(),
  contactName: text('contact_name'),
  contactTitle: text('contact_title'),
  address: text(),
  city: text(),
  region: text(),
  postalCode: text('postal_code'),
  country: text(),
  phone: text(),
  fax: text()
})

export const employees = table(
  'employees',
  {
    id: integer().primaryKey(),
    lastName: text('last_name').notNull(),
    firstName: text('first_name').notNull(),
    title: text(),
    titleOfCourtesy: text('title_of_courtesy'),
    birthDate: text('birth_date'),
    hireDate: text('hire_date'),
    address: text(),
    city: text(),
    region: text(),
    postalCode: text('postal_code'),
    country: text(),
    homePhone: text('home_phone'),
    extension: text(),
    notes: text(),
    // The self-reference is in the DDL; a schema object cannot name itself in its own initializer.
    reportsTo: integer('reports_to')
  },
  { indexes: [index('employees_reports_to_idx', ['reportsTo'])] }
)

export const manager = alias(employees, 'manager')

export const suppliers = table('suppliers', {
  id: integer().primaryKey(),
  companyName: text('company_name').notNull(),
  contactName: text('contact_name'),
  contactTitle: text('contact_title'),
  address: text(),
  city: text(),
  region: text(),
  postalCode: text('postal_code'),
  country: text(),
  phone: text(),
  fax: text(),
  homePage: text('home_page')
})

export const products = table(
  'products',
  {
    id: integer().primaryKey(),
    productName: text('product_name').notNull(),
    supplierId: integer('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    quantityPerUnit: text('quantity_per_unit'),
    unitPrice: real('unit_price').notNull(),
    unitsInStock: integer('units_in_stock').notNull(),
    unitsOnOrder: integer('units_on_order').notNull(),
    reorderLevel: integer('reorder_level').notNull(),
    discontinued: integer().notNull()
  },
  { indexes: [index('products_supplier_id_idx', ['supplierId'])] }
)

export const orders = table(
  'orders',
  {
    id: integer().primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    employeeId: integer('employee_id')
      .notNull()
      .references(() => employees.id),
    orderDate: text('order_date').notNull(),
    requiredDate: text('required_date'),
    shippedDate: text('shipped_date'),
    shipVia: integer('ship_via'),
    freight: real().notNull(),
    shipName: text('ship_name'),
    shipAddress: text('ship_address'),
    shipCity: text('ship_city'),
    shipRegion: text('ship_region'),
    shipPostalCode: text('ship_postal_code'),
    shipCountry: text('ship_country')
  },
  { indexes: [index('orders_customer_id_idx', ['customerId']), index('orders_employee_id_idx', ['employeeId'])] }
)

export const orderDetails = table(
  'order_details',
  {
    id: integer().primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    unitPrice: real('unit_price').notNull(),
    quantity: integer().notNull(),
    discount: real().notNull()
  },
  { indexes: [index('order_details_order_id_idx', ['orderId']), index('order_details_product_id_idx', ['productId'])] }
)

export const orderLines = hasMany(orders, orderDetails, orderDetails.orderId)
export const customerOrders = hasMany(customers, orders, orders.customerId)
export const lineProduct = belongsTo(orderDetails, products, orderDetails.productId)

// -------------------------------------------------------------------------------------
// drizzle
// -------------------------------------------------------------------------------------

export const dCustomers = sqliteTable('customers', {
  id: dInteger('id').primaryKey(),
  companyName: dText('company_name').notNull(),
  contactName: dText('contact_name'),
  contactTitle: dText('contact_title'),
  address: dText('address'),
  city: dText('city'),
  region: dText('region'),
  postalCode: dText('postal_code'),
  country: dText('country'),
  phone: dText('phone'),
  fax: dText('fax')
})

export const dEmployees = sqliteTable(
  'employees',
  {
    id: dInteger('id').primaryKey(),
    lastName: dText('last_name').notNull(),
    firstName: dText('first_name').notNull(),
    title: dText('title'),
    titleOfCourtesy: dText('title_of_courtesy'),
    birthDate: dText('birth_date'),
    hireDate: dText('hire_date'),
    address: dText('address'),
    city: dText('city'),
    region: dText('region'),
    postalCode: dText('postal_code'),
    country: dText('country'),
    homePhone: dText('home_phone'),
    extension: dText('extension'),
    notes: dText('notes'),
    reportsTo: dInteger('reports_to')
  },
  (t) => [dIndex('employees_reports_to_idx').on(t.reportsTo)]
)

export const dManager = dAlias(dEmployees, 'manager')

export const dSuppliers = sqliteTable('suppliers', {
  id: dInteger('id').primaryKey(),
  companyName: dText('company_name').notNull(),
  contactName: dText('contact_name'),
  contactTitle: dText('contact_title'),
  address: dText('address'),
  city: dText('city'),
  region: dText('region'),
  postalCode: dText('postal_code'),
  country: dText('country'),
  phone: dText('phone'),
  fax: dText('fax'),
  homePage: dText('home_page')
})

export const dProducts = sqliteTable(
  'products',
  {
    id: dInteger('id').primaryKey(),
    productName: dText('product_name').notNull(),
    supplierId: dInteger('supplier_id')
      .notNull()
      .references(() => dSuppliers.id),
    quantityPerUnit: dText('quantity_per_unit'),
    unitPrice: dReal('unit_price').notNull(),
    unitsInStock: dInteger('units_in_stock').notNull(),
    unitsOnOrder: dInteger('units_on_order').notNull(),
    reorderLevel: dInteger('reorder_level').notNull(),
    discontinued: dInteger('discontinued').notNull()
  },
  (t) => [dIndex('products_supplier_id_idx').on(t.supplierId)]
)

export const dOrders = sqliteTable(
  'orders',
  {
    id: dInteger('id').primaryKey(),
    customerId: dInteger('customer_id')
      .notNull()
      .references(() => dCustomers.id),
    employeeId: dInteger('employee_id')
      .notNull()
      .references(() => dEmployees.id),
    orderDate: dText('order_date').notNull(),
    requiredDate: dText('required_date'),
    shippedDate: dText('shipped_date'),
    shipVia: dInteger('ship_via'),
    freight: dReal('freight').notNull(),
    shipName: dText('ship_name'),
    shipAddress: dText('ship_address'),
    shipCity: dText('ship_city'),
    shipRegion: dText('ship_region'),
    shipPostalCode: dText('ship_postal_code'),
    shipCountry: dText('ship_country')
  },
  (t) => [dIndex('orders_customer_id_idx').on(t.customerId), dIndex('orders_employee_id_idx').on(t.employeeId)]
)

export const dOrderDetails = sqliteTable(
  'order_details',
  {
    id: dInteger('id').primaryKey(),
    orderId: dInteger('order_id')
      .notNull()
      .references(() => dOrders.id),
    productId: dInteger('product_id')
      .notNull()
      .references(() => dProducts.id),
    unitPrice: dReal('unit_price').notNull(),
    quantity: dInteger('quantity').notNull(),
    discount: dReal('discount').notNull()
  },
  (t) => [dIndex('order_details_order_id_idx').on(t.orderId), dIndex('order_details_product_id_idx').on(t.productId)]
)

export const dOrdersRelations = dRelations(dOrders, ({ many }) => ({ lines: many(dOrderDetails) }))
export const dOrderDetailsRelations = dRelations(dOrderDetails, ({ one }) => ({
  order: one(dOrders, { fields: [dOrderDetails.orderId], references: [dOrders.id] }),
  product: one(dProducts, { fields: [dOrderDetails.productId], references: [dProducts.id] })
}))

/** The schema drizzle's relational queries (`db.query.*`) need. */
export const drizzleSchema = {
  customers: dCustomers,
  employees: dEmployees,
  suppliers: dSuppliers,
  products: dProducts,
  orders: dOrders,
  orderDetails: dOrderDetails,
  dOrdersRelations,
  dOrderDetailsRelations
}

// -------------------------------------------------------------------------------------
// kysely
// -------------------------------------------------------------------------------------

export interface KCustomer {
  id: number
  company_name: string
  contact_name: string | null
  contact_title: string | null
  address: string | null
  city: string | null
  region: string | null
  postal_code: string | null
  country: string | null
  phone: string | null
  fax: string | null
}

export interface KEmployee {
  id: number
  last_name: string
  first_name: string
  title: string | null
  title_of_courtesy: string | null
  birth_date: string | null
  hire_date: string | null
  address: string | null
  city: string | null
  region: string | null
  postal_code: string | null
  country: string | null
  home_phone: string | null
  extension: string | null
  notes: string | null
  reports_to: number | null
}

export interface KSupplier {
  id: number
  company_name: string
  contact_name: string | null
  contact_title: string | null
  address: string | null
  city: string | null
  region: string | null
  postal_code: string | null
  country: string | null
  phone: string | null
  fax: string | null
  home_page: string | null
}

export interface KProduct {
  id: number
  product_name: string
  supplier_id: number
  quantity_per_unit: string | null
  unit_price: number
  units_in_stock: number
  units_on_order: number
  reorder_level: number
  discontinued: number
}

export interface KOrder {
  id: number
  customer_id: number
  employee_id: number
  order_date: string
  required_date: string | null
  shipped_date: string | null
  ship_via: number | null
  freight: number
  ship_name: string | null
  ship_address: string | null
  ship_city: string | null
  ship_region: string | null
  ship_postal_code: string | null
  ship_country: string | null
}

export interface KOrderDetail {
  id: number
  order_id: number
  product_id: number
  unit_price: number
  quantity: number
  discount: number
}

/** Kysely's `Generated` is not needed: the benchmark inserts order_details without id through a separate type. */
export interface KyselyDb {
  customers: KCustomer
  employees: KEmployee
  suppliers: KSupplier
  products: KProduct
  orders: KOrder
  order_details: Omit<KOrderDetail, 'id'> & { id: import('kysely').Generated<number> }
}

// -------------------------------------------------------------------------------------
// consistency
// -------------------------------------------------------------------------------------

/**
 * Checks that the fp-lite-orm and drizzle tables list the spec's columns, in order, with
 * the same SQL names: the answer checks compare rows by value order.
 */
export const checkSchemas = (): void => {
  const pairs = [
    [SPEC.customers, customers, dCustomers],
    [SPEC.employees, employees, dEmployees],
    [SPEC.suppliers, suppliers, dSuppliers],
    [SPEC.products, products, dProducts],
    [SPEC.orders, orders, dOrders],
    [SPEC.orderDetails, orderDetails, dOrderDetails]
  ] as const
  for (const [spec, fp, dz] of pairs) {
    const fpCols = tableInfo(fp).columns.map((col) => `${col.key}:${col.name}`)
    const dzCols = Object.entries(dz as unknown as Record<string, { name: string }>)
      .filter(([, v]) => typeof v === 'object' && v !== null && typeof v.name === 'string')
      .map(([k, v]) => `${k}:${v.name}`)
    const want = spec.columns.map((col) => `${col.key}:${col.sql}`)
    if (fpCols.join() !== want.join())
      throw new Error(`fp-lite-orm table ${spec.name} differs from the spec: ${fpCols.join()} vs ${want.join()}`)
    if (dzCols.join() !== want.join())
      throw new Error(`drizzle table ${spec.name} differs from the spec: ${dzCols.join()} vs ${want.join()}`)
  }
}
