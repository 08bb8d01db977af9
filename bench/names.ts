/**
 * The names of the benchmark's queries and adapters, and what each query is: a small
 * module of plain data (the smoke test imports it to know which lines to expect).
 */

export type QueryKind = 'multi' | 'point' | 'write'

export interface QueryInfo {
  readonly name: string
  readonly kind: QueryKind
  readonly description: string
}

export const QUERIES = [
  { name: 'all-customers', kind: 'multi', description: 'every customer (10k rows, 11 columns)' },
  { name: 'customer-by-id', kind: 'point', description: 'one customer by primary key' },
  {
    name: 'customers-by-prefix',
    kind: 'multi',
    description: 'customers whose company name starts with a 2-letter prefix (~300 rows, full scan)'
  },
  { name: 'all-employees', kind: 'multi', description: 'every employee (200 rows, 16 columns)' },
  { name: 'employee-with-manager', kind: 'point', description: 'one employee and its manager (LEFT self-join, by primary key)' },
  { name: 'all-suppliers', kind: 'multi', description: 'every supplier (1k rows, 12 columns)' },
  { name: 'supplier-by-id', kind: 'point', description: 'one supplier by primary key' },
  { name: 'all-products', kind: 'multi', description: 'every product (5k rows, 9 columns)' },
  { name: 'product-with-supplier', kind: 'point', description: 'one product and its supplier (INNER join, by primary key)' },
  { name: 'products-search', kind: 'multi', description: "products whose name contains a fragment (LIKE '%x%', ~200 rows, full scan)" },
  { name: 'orders-aggregate', kind: 'multi', description: '100 orders with line count, total quantity, total price (JOIN + GROUP BY)' },
  { name: 'order-with-lines', kind: 'point', description: "one order, its lines, and each line's product (nested result)" },
  { name: 'insert-1000', kind: 'write', description: 'insert 1,000 order lines in one transaction, then delete them' },
  { name: 'update-by-id', kind: 'write', description: 'update one product by primary key in a transaction' }
] as const satisfies ReadonlyArray<QueryInfo>

export type QueryName = (typeof QUERIES)[number]['name']

export interface AdapterInfo {
  readonly name: string
  readonly description: string
  /** Which fp-lite-orm form it is the like-for-like peer of ('plain' or 'prepared'), for the drizzle ratio. */
  readonly form: 'plain' | 'prepared'
}

export const ADAPTERS = [
  { name: 'raw', form: 'prepared', description: 'better-sqlite3, statements prepared once, object rows' },
  {
    name: 'raw-mapped',
    form: 'prepared',
    description: 'better-sqlite3, statements prepared once, raw(true) arrays + a generated object mapper per statement'
  },
  { name: 'drizzle', form: 'plain', description: 'drizzle-orm (better-sqlite3 driver), the query built and run on every call' },
  { name: 'drizzle-prepared', form: 'prepared', description: 'drizzle-orm, the query built once with .prepare() and sql.placeholder()' },
  { name: 'kysely', form: 'plain', description: 'kysely 0.28, SqliteDialect over better-sqlite3, awaited' },
  { name: 'fp-lite-orm', form: 'plain', description: 'fp-lite-orm, the query value built fresh on every call' },
  {
    name: 'fp-lite-orm-ph',
    form: 'prepared',
    description: "fp-lite-orm, one query value built once with placeholder('...'), run with params"
  }
] as const satisfies ReadonlyArray<AdapterInfo>

export type AdapterName = (typeof ADAPTERS)[number]['name']

export const QUERY_NAMES: ReadonlyArray<QueryName> = QUERIES.map((q) => q.name)
export const ADAPTER_NAMES: ReadonlyArray<AdapterName> = ADAPTERS.map((a) => a.name)
