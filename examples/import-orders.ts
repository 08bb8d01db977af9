/**
 * A transactional batch job, the third way to use the library (after application code and
 * servers): import a CSV of orders into the demo's shop database (`npx fp-lite-orm demo`
 * makes one; an empty file gets the tables too).
 *
 *   node --import tsx examples/import-orders.ts orders.csv shop.db [--batch 500] [--dry-run]
 *   (in this repository add --conditions=fp-lite-orm-source, or build first)
 *
 * The CSV has a header line and the columns
 *
 *   customer_email,sku,quantity,unit_price,placed_at[,status]
 *
 * (customers and products are looked up by email and SKU; placed_at is an ISO date).
 *
 * - One transaction per batch of rows: a batch is written entirely or not at all.
 * - The last committed line is recorded in `import_progress`, in the same transaction as
 *   its batch, under the file's path, with a SHA-256 of the lines up to it: run the file
 *   again (after fixing a bad row, say) and the import resumes after the last committed
 *   batch, so nothing is imported twice; a file whose committed part changed is refused.
 * - A bad row (an unknown customer or product, a quantity that is not a positive integer,
 *   a bad price or date, a row the database refuses) stops the import: its batch is rolled
 *   back, so the database is exactly as it was after the previous batch, and the report
 *   names the row by its line number and says why. Exit code 1.
 * - A progress line on stderr after each batch: rows done, rows per second, time left.
 * - `--dry-run` checks every row, each batch in a transaction that is rolled back, and
 *   records nothing.
 *
 * Exit codes: 0 imported (or nothing left to import), 1 a bad row, 2 bad usage.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { Db, DbError, InsertValues, Tx } from 'fp-lite-orm'
import {
  boolean,
  connect,
  createTable,
  eq,
  filter,
  first,
  index,
  insert,
  integer,
  json,
  onConflictDoUpdate,
  placeholder,
  real,
  select,
  table,
  text,
  timestamp,
  transaction
} from 'fp-lite-orm'

// -------------------------------------------------------------------------------------
// schema: the demo's shop tables (src/cli/demo/schema.ts), and the runner's own progress table
// -------------------------------------------------------------------------------------

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
    details: json(t.unknown),
    placedAt: timestamp('placed_at').notNull()
  },
  { indexes: [index('orders_customer_idx', ['customerId']), index('orders_placed_at_idx', ['placedAt'])] }
)

/** How far each file got: its last committed CSV line (1 is the header). */
export const importProgress = table('import_progress', {
  /** The file's absolute path. */
  source: text().primaryKey(),
  /** SHA-256 of the file's lines 1 to `line`: what was committed. */
  prefix: text().notNull(),
  line: integer().notNull(),
  rows: integer().notNull(),
  updatedAt: timestamp('updated_at').notNull().defaultNow()
})

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** One CSV data row, with its line number in the file. */
export interface CsvRow {
  readonly line: number
  readonly fields: Readonly<Record<string, string>>
}

/** Why the import stopped: the row and the reason. */
export interface BadRow {
  readonly _tag: 'BadRow'
  readonly line: number
  readonly reason: string
}

export interface ImportOptions {
  readonly batchSize: number
  readonly dryRun: boolean
  /** Called after each batch (committed, or checked in a dry run). */
  readonly onBatch?: ((p: Progress) => void) | undefined
}

export interface Progress {
  /** Data rows done so far, this run and earlier ones. */
  readonly done: number
  readonly total: number
  /** Rows per second in this run. */
  readonly rate: number
  /** Seconds left at that rate. */
  readonly secondsLeft: number
}

export interface ImportReport {
  /** Rows imported by this run (checked, for a dry run). */
  readonly imported: number
  /** Data rows skipped because an earlier run committed them. */
  readonly resumedAfter: number
  readonly batches: number
}

const REQUIRED = ['customer_email', 'sku', 'quantity', 'unit_price', 'placed_at'] as const

// -------------------------------------------------------------------------------------
// CSV
// -------------------------------------------------------------------------------------

/** Splits one CSV line (RFC 4180 quoting: "a, b" and "" for a quote); a Left for an unclosed quote. */
const splitLine = (s: string): E.Either<string, string[]> => {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      out.push(field)
      field = ''
    } else field += c
  }
  if (quoted) return E.left('a quoted field is not closed')
  out.push(field)
  return E.right(out)
}

/** The data rows of a CSV text (its first line the header), or the first line that cannot be read. */
export const parseCsv = (text: string): E.Either<BadRow, CsvRow[]> => {
  const lines = text.split(/\r?\n/)
  const header = splitLine(lines[0] ?? '')
  if (E.isLeft(header)) return E.left({ _tag: 'BadRow', line: 1, reason: `the header: ${header.left}` })
  const missing = REQUIRED.filter((c) => !header.right.includes(c))
  if (missing.length > 0) return E.left({ _tag: 'BadRow', line: 1, reason: `the header lacks ${missing.join(', ')}` })
  const rows: CsvRow[] = []
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue
    const cells = splitLine(lines[i]!)
    if (E.isLeft(cells)) return E.left({ _tag: 'BadRow', line: i + 1, reason: cells.left })
    if (cells.right.length !== header.right.length)
      return E.left({ _tag: 'BadRow', line: i + 1, reason: `${cells.right.length} fields, the header has ${header.right.length}` })
    rows.push({ line: i + 1, fields: Object.fromEntries(header.right.map((h, j) => [h, cells.right[j]!.trim()])) })
  }
  return E.right(rows)
}

// -------------------------------------------------------------------------------------
// one row, one batch
// -------------------------------------------------------------------------------------

const customerByEmail = pipe(select(customers), filter(eq(customers.email, placeholder('email'))), first)
const productBySku = pipe(select(products), filter(eq(products.sku, placeholder('sku'))), first)

const bad = (line: number, reason: string): BadRow => ({ _tag: 'BadRow', line, reason })
const fromDb =
  (line: number) =>
  (e: DbError): BadRow =>
    bad(line, `${e._tag}: ${e.message}`)

/** A row as an order to insert (its customer and product looked up), or why not. */
const toOrder = (tx: Tx, row: CsvRow): E.Either<BadRow, InsertValues<typeof orders>> => {
  const f = row.fields
  const quantity = Number(f.quantity)
  const unitPrice = Number(f.unit_price)
  const placedAt = new Date(f.placed_at ?? '')
  if (!/^\d+$/.test(f.quantity ?? '') || !Number.isSafeInteger(quantity) || quantity < 1)
    return E.left(bad(row.line, `quantity must be a positive whole number, got ${JSON.stringify(f.quantity)}`))
  if (f.unit_price === '' || !Number.isFinite(unitPrice) || unitPrice < 0)
    return E.left(bad(row.line, `unit_price must be a number >= 0, got ${JSON.stringify(f.unit_price)}`))
  if (!/^\d{4}-\d\d-\d\d/.test(f.placed_at ?? '') || Number.isNaN(placedAt.getTime()))
    return E.left(bad(row.line, `placed_at must be an ISO date, got ${JSON.stringify(f.placed_at)}`))
  return pipe(
    E.Do,
    E.bind('customer', () =>
      pipe(
        tx.run(customerByEmail, { email: f.customer_email ?? '' }),
        E.mapLeft(fromDb(row.line)),
        E.chain(
          O.match(
            () => E.left(bad(row.line, `no customer with email ${JSON.stringify(f.customer_email)}`)),
            (c) => E.right(c)
          )
        )
      )
    ),
    E.bind('product', () =>
      pipe(
        tx.run(productBySku, { sku: f.sku ?? '' }),
        E.mapLeft(fromDb(row.line)),
        E.chain(
          O.match(
            () => E.left(bad(row.line, `no product with SKU ${JSON.stringify(f.sku)}`)),
            (p) => E.right(p)
          )
        )
      )
    ),
    E.map(({ customer, product }) => ({
      customerId: customer.id,
      productId: product.id,
      quantity,
      unitPrice,
      placedAt,
      ...(f.status === undefined || f.status === '' ? {} : { status: f.status })
    }))
  )
}

/** Inserts a batch row by row (so a refusal names its row), then records the progress; all in `tx`. */
const importBatch = (tx: Tx, batch: ReadonlyArray<CsvRow>, source: string, text: string, doneBefore: number): E.Either<BadRow, void> => {
  for (const row of batch) {
    const written = pipe(
      toOrder(tx, row),
      E.chain((order) => pipe(tx.run(insert(orders, order)), E.mapLeft(fromDb(row.line))))
    )
    if (E.isLeft(written)) return written
  }
  const last = batch[batch.length - 1]!
  const progress = { source, prefix: prefixHash(text, last.line), line: last.line, rows: doneBefore + batch.length, updatedAt: new Date() }
  return pipe(
    tx.run(
      pipe(
        insert(importProgress, progress),
        onConflictDoUpdate({
          target: importProgress.source,
          set: { prefix: progress.prefix, line: last.line, rows: progress.rows, updatedAt: progress.updatedAt }
        })
      )
    ),
    E.mapLeft(fromDb(last.line)),
    E.map(() => undefined)
  )
}

// -------------------------------------------------------------------------------------
// the runner
// -------------------------------------------------------------------------------------

/** SHA-256 of the first `line` lines of a text: the part of a file an import committed. */
export const prefixHash = (text: string, line: number): string =>
  createHash('sha256').update(text.split(/\r?\n/).slice(0, line).join('\n')).digest('hex')

/** A dry run's batch: checked in a transaction, then rolled back by returning this Left. */
const DRY = { _tag: 'DryRun' } as const

/**
 * Imports the CSV `text` (from `file`) into `db`: batches after the last committed one,
 * each in its own transaction. A Left BadRow stops it, the failing batch rolled back.
 */
export const importOrders = (db: Db, file: string, text: string, options: ImportOptions): E.Either<BadRow, ImportReport> => {
  const parsed = parseCsv(text)
  if (E.isLeft(parsed)) return parsed
  const rows = parsed.right
  const source = path.resolve(file)
  const setUp = transaction(db, [createTable(customers), createTable(products), createTable(orders), createTable(importProgress)] as const)
  if (E.isLeft(setUp)) return E.left(bad(0, `the database: ${setUp.left.message}`))
  const before = transaction(db, (tx) => tx.run(pipe(select(importProgress), filter(eq(importProgress.source, source)), first)))
  if (E.isLeft(before)) return E.left(bad(0, `the database: ${before.left.message}`))
  const resumeLine = pipe(
    before.right,
    O.match(
      () => 1,
      (p) => p.line
    )
  )
  if (O.isSome(before.right) && before.right.value.prefix !== prefixHash(text, resumeLine))
    return E.left(
      bad(
        resumeLine,
        `the file changed at or before line ${resumeLine}, which an earlier run committed: import a new file, or delete its row from import_progress to start over`
      )
    )
  const todo = rows.filter((r) => r.line > resumeLine)
  const resumedAfter = rows.length - todo.length
  const started = performance.now()
  let done = 0
  let batches = 0
  for (let i = 0; i < todo.length; i += options.batchSize) {
    const batch = todo.slice(i, i + options.batchSize)
    const result = transaction(db, (tx) =>
      pipe(
        importBatch(tx, batch, source, text, resumedAfter + done),
        E.chainW(() => (options.dryRun ? E.left(DRY) : E.right(undefined)))
      )
    )
    if (E.isLeft(result) && result.left._tag !== 'DryRun') {
      const e = result.left
      return E.left(e._tag === 'BadRow' ? e : bad(batch[0]!.line, `${e._tag}: ${e.message}`))
    }
    done += batch.length
    batches++
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? done / seconds : done
    options.onBatch?.({ done: resumedAfter + done, total: rows.length, rate, secondsLeft: rate > 0 ? (todo.length - done) / rate : 0 })
  }
  return E.right({ imported: done, resumedAfter, batches })
}

// -------------------------------------------------------------------------------------
// run directly
// -------------------------------------------------------------------------------------

const USAGE = 'Usage: import-orders.ts ORDERS.csv DATABASE [--batch N] [--dry-run]'

const main = (argv: ReadonlyArray<string>): number => {
  let args: ReturnType<
    typeof parseArgs<{
      options: { batch: { type: 'string' }; 'dry-run': { type: 'boolean' }; help: { type: 'boolean'; short: 'h' } }
      allowPositionals: true
      args: string[]
    }>
  >
  try {
    args = parseArgs({
      args: [...argv],
      options: { batch: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true
    })
  } catch (e) {
    console.error(`import-orders: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  if (args.values.help === true) {
    console.log(USAGE)
    return 0
  }
  const [csv, dbFile, ...extra] = args.positionals
  const batchSize = Number(args.values.batch ?? 500)
  if (csv === undefined || dbFile === undefined || extra.length > 0 || !Number.isSafeInteger(batchSize) || batchSize < 1) {
    console.error(USAGE)
    return 2
  }
  let text: string
  try {
    text = fs.readFileSync(csv, 'utf8')
  } catch (e) {
    console.error(`import-orders: cannot read ${csv}: ${e instanceof Error ? e.message : String(e)}`)
    return 2
  }
  const dryRun = args.values['dry-run'] === true
  const db = connect(dbFile)
  const r = importOrders(db, csv, text, {
    batchSize,
    dryRun,
    onBatch: (p) =>
      process.stderr.write(
        `${dryRun ? 'checked' : 'imported'} ${p.done}/${p.total} rows, ${p.rate.toFixed(0)} rows/s, ${p.secondsLeft.toFixed(1)} s left\n`
      )
  })
  if (E.isLeft(r)) {
    console.error(`import-orders: stopped at line ${r.left.line} of ${csv}: ${r.left.reason}`)
    console.error(
      dryRun
        ? 'Dry run: nothing was written.'
        : 'That batch was rolled back; the batches before it are committed. Fix the row and run again to resume.'
    )
    return 1
  }
  const { imported, resumedAfter, batches } = r.right
  console.log(
    `${dryRun ? 'Dry run: checked' : 'Imported'} ${imported} row(s) in ${batches} batch(es)${resumedAfter > 0 ? `, resuming after ${resumedAfter} row(s) committed earlier` : ''}.`
  )
  return 0
}

const entry = process.argv[1]
if (entry !== undefined && path.resolve(entry) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2))
