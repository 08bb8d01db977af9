/**
 * Relations and paging on the benchmark's generated database, each beside raw better-sqlite3:
 *
 * - preload with a per-row limit: 100 customers, each with its 5 latest orders (one
 *   statement per relation, a row_number() window over the foreign key), against the same
 *   window query hand-written and grouped in a loop, and against N+1 prepared queries;
 * - keyset against offset paging: the cost of one page of 50 orders at increasing depths
 *   (offset reads and drops every row before the page; keyset starts at the cursor).
 *
 * Every fp-lite-orm answer is first checked equal to raw's. Figures are medians of rounds
 * that interleave the variants, as a ratio against raw in the same run.
 *
 *   npm run bench:relations [-- --rounds 7 --budget 300 --seed 42 --scale 1]
 */
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isDeepStrictEqual } from 'node:util'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  between,
  connect,
  cursorOf,
  desc,
  filter,
  keyset,
  limit,
  offset,
  orderBy,
  preload,
  select,
  session,
  tableInfo
} from '../src/index.js'
import { ensureDatabase } from './generate.js'
import { gc, median } from './measure.js'
import { customerOrders, customers, orders } from './schema.js'

const here = path.dirname(fileURLToPath(import.meta.url))

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    budget: { type: 'string', default: '300' },
    seed: { type: 'string', default: '42' },
    scale: { type: 'string', default: '1' }
  }
})
const ROUNDS = Number(args.rounds)
const BUDGET_MS = Number(args.budget)
const SEED = Number(args.seed)
const SCALE = Number(args.scale)

type Op = (i: number) => unknown

let sink: unknown

/** Calls per second of `op` over about `budgetMs`. */
const rate = (op: Op, budgetMs: number): number => {
  gc()
  let n = 1
  let spent = 0
  let i = 0
  // Grow the loop until it fills the budget: the clock is read per loop, not per call.
  while (spent < budgetMs) {
    const t0 = performance.now()
    for (let k = 0; k < n; k++) sink = op(i++)
    spent += performance.now() - t0
    if (spent < budgetMs / 4) n *= 2
  }
  return i / (spent / 1000)
}

interface Variant {
  readonly name: string
  readonly op: Op
}

/** Median calls per second of each variant, rounds interleaved and rotated. */
const race = (variants: ReadonlyArray<Variant>): Map<string, number> => {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]))
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length]!
      samples.get(v.name)!.push(rate(v.op, BUDGET_MS))
    }
  }
  return new Map([...samples].map(([k, xs]) => [k, median(xs)]))
}

const same = (what: string, a: unknown, b: unknown): void => {
  if (!isDeepStrictEqual(a, b))
    throw new Error(
      `answer check failed: ${what}\n  fp-lite-orm: ${JSON.stringify(a).slice(0, 400)}\n  raw: ${JSON.stringify(b).slice(0, 400)}`
    )
}

const ok = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`)
  return e.right
}

const line = (label: string, name: string, perSec: number, base: number): void => {
  process.stdout.write(
    `${label.padEnd(34)} ${name.padEnd(22)} ${Math.round(perSec).toLocaleString('en-US').padStart(10)} /s  ${(perSec / base).toFixed(2)}x raw\n`
  )
}

const main = (): void => {
  const file = path.join(here, `northwind-s${SEED}-x${SCALE}.db`)
  ensureDatabase(file, SEED, SCALE)
  const raw = new Database(file, { readonly: true })
  const s = session(connect(file, { readonly: true }))
  const customerCount = raw.prepare('SELECT count(*) FROM customers').pluck().get() as number
  process.stdout.write(`# relations and paging (${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0]!.toFixed(2)})\n\n`)

  // --- preload with a per-row limit -------------------------------------------------
  const PARENTS = 100
  const LATEST = 5
  const startOf = (i: number) => 1 + ((i * 97) % Math.max(1, customerCount - PARENTS))
  const latest = (i: number) =>
    s.run(
      pipe(
        select(customers),
        filter(between(customers.id, startOf(i), startOf(i) + PARENTS - 1)),
        preload('orders', customerOrders, {
          orderBy: [desc(orders.orderDate), desc(orders.id)],
          limit: LATEST,
          columns: ['id', 'orderDate', 'freight']
        }),
        orderBy(customers.id),
        all
      )
    )
  // Hand-written with the schema's keys as aliases, so raw rows come out as the library's do (no mapping in JS).
  const aliased = (t: typeof customers | typeof orders) =>
    tableInfo(t)
      .columns.map((c) => `"${c.name}" AS "${c.key}"`)
      .join(', ')
  const parentsSql = raw.prepare(`SELECT ${aliased(customers)} FROM customers WHERE id BETWEEN ? AND ? ORDER BY id`)
  const windowSql = raw.prepare(
    `SELECT customer_id AS customerId, id, order_date AS orderDate, freight FROM (
       SELECT o.*, row_number() OVER (PARTITION BY customer_id ORDER BY order_date DESC, id DESC) AS rn
       FROM orders o WHERE customer_id IN (SELECT value FROM json_each(?))) WHERE rn <= ? ORDER BY rn`
  )
  const perParentSql = raw.prepare(
    'SELECT id, order_date AS orderDate, freight FROM orders WHERE customer_id = ? ORDER BY order_date DESC, id DESC LIMIT ?'
  )
  const rawWindow = (i: number) => {
    const parents = parentsSql.all(startOf(i), startOf(i) + PARENTS - 1) as Array<Record<string, unknown>>
    const byId = new Map<number, unknown[]>()
    for (const p of parents) byId.set(p.id as number, [])
    for (const r of windowSql.all(JSON.stringify([...byId.keys()]), LATEST) as Array<{
      customerId: number
      id: number
      orderDate: string
      freight: number
    }>) {
      byId.get(r.customerId)!.push({ id: r.id, orderDate: r.orderDate, freight: r.freight })
    }
    for (const p of parents) p.orders = byId.get(p.id as number)!
    return parents
  }
  const rawNPlusOne = (i: number) =>
    (parentsSql.all(startOf(i), startOf(i) + PARENTS - 1) as Array<Record<string, unknown>>).map((p) => {
      p.orders = perParentSql.all(p.id, LATEST)
      return p
    })
  for (const i of [0, 1, 7]) {
    const expected = rawWindow(i)
    same(`preload-with-limit ${i}`, JSON.parse(JSON.stringify(ok(latest(i)))), expected)
    same(`N+1 ${i}`, rawNPlusOne(i), expected)
  }
  const pre = race([
    { name: 'raw (window, grouped)', op: rawWindow },
    { name: 'raw (N+1 prepared)', op: rawNPlusOne },
    { name: 'fp-lite-orm preload', op: latest }
  ])
  const preBase = pre.get('raw (window, grouped)')!
  for (const [name, v] of pre) line(`preload ${PARENTS} customers x ${LATEST} latest orders`, name, v, preBase)
  process.stdout.write('\n')

  // --- keyset against offset ---------------------------------------------------------
  const PAGE = 50
  // By the primary key: both forms walk the same index; offset steps over the rows before the page.
  const by = [desc(orders.id)] as const
  const offsetSql = raw.prepare(`SELECT ${aliased(orders)} FROM orders ORDER BY id DESC LIMIT ? OFFSET ?`)
  const keysetSql = raw.prepare(`SELECT ${aliased(orders)} FROM orders WHERE id < ? ORDER BY id DESC LIMIT ?`)
  const orderCount = raw.prepare('SELECT count(*) FROM orders').pluck().get() as number
  for (const depth of [0, 10, 100, 1000].filter((d) => (d + 1) * PAGE <= orderCount)) {
    // The row before the page: its ordering values are the cursor.
    const beforeRow = depth === 0 ? undefined : (offsetSql.get(1, depth * PAGE - 1) as { id: number })
    const after = beforeRow === undefined ? undefined : cursorOf(beforeRow, by)
    const fpOffset = () => s.run(pipe(select(orders), orderBy(...by), limit(PAGE), offset(depth * PAGE), all))
    const fpKeyset = () => s.run(pipe(select(orders), keyset({ orderBy: by, size: PAGE, ...(after === undefined ? {} : { after }) }), all))
    const rawOffset = () => offsetSql.all(PAGE, depth * PAGE)
    const rawKeyset = () => (beforeRow === undefined ? offsetSql.all(PAGE, 0) : keysetSql.all(beforeRow.id, PAGE))
    const expected = rawOffset()
    same(`offset page ${depth}`, JSON.parse(JSON.stringify(ok(fpOffset()))), expected)
    same(`keyset page ${depth}`, JSON.parse(JSON.stringify(ok(fpKeyset()))), expected)
    same(`raw keyset page ${depth}`, rawKeyset(), expected)
    const pages = race([
      { name: 'raw offset', op: rawOffset },
      { name: 'raw keyset', op: rawKeyset },
      { name: 'fp-lite-orm offset', op: fpOffset },
      { name: 'fp-lite-orm keyset', op: fpKeyset }
    ])
    const base = pages.get('raw offset')!
    for (const [name, v] of pages) line(`page of ${PAGE} orders at row ${(depth * PAGE).toLocaleString('en-US')}`, name, v, base)
    process.stdout.write('\n')
  }
  void sink
  raw.close()
  s.close()
}

main()
