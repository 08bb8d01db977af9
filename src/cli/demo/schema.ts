/**
 * The demo's schema: a small shop (customers, products, orders), as schema objects. The
 * checked-in migration (../demo-migrations/) was written from these by the library's own
 * diff; spec/demo.test.ts keeps the two from drifting apart.
 */
import { fileURLToPath } from 'node:url'
import * as t from 'io-ts'
import type { AnyTable } from '../../index.js'
import { boolean, index, integer, json, real, table, text, timestamp } from '../../index.js'

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
export const DEMO_MIGRATIONS = fileURLToPath(new URL('../demo-migrations/', import.meta.url))
