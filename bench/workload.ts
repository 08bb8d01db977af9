/**
 * The workload's parameters: for call number `i` of any adapter, the same id, prefix,
 * search text or range. Drawn once from the generated database with a seeded PRNG, so
 * every adapter sees the same sequence and every run the same values.
 */
import Database from 'better-sqlite3'
import type { AdapterName, QueryName } from './names.js'
import { PREFIXES, SEARCHES, rng } from './generate.js'

/** Parameter lists have this many entries; call `i` uses entry `i & MASK`. */
export const PARAMS = 1024
export const MASK = PARAMS - 1

/** A type, not an interface: it must be usable as a `Record<string, unknown>` of placeholder values. */
export type DetailRow = {
  readonly orderId: number
  readonly productId: number
  readonly unitPrice: number
  readonly quantity: number
  readonly discount: number
}

export interface Workload {
  readonly customerIds: Int32Array
  readonly employeeIds: Int32Array
  readonly supplierIds: Int32Array
  readonly productIds: Int32Array
  readonly orderIds: Int32Array
  /** First id of a run of 100 orders. */
  readonly orderStarts: Int32Array
  readonly prefixes: ReadonlyArray<string>
  readonly searches: ReadonlyArray<string>
  /** The 1,000 lines each insert writes (then deletes: every id above `maxDetailId`). */
  readonly insertRows: ReadonlyArray<DetailRow>
  readonly maxDetailId: number
  /** The products the update writes, and the values. */
  readonly updateIds: Int32Array
  readonly updateValues: Int32Array
}

export const INSERT_ROWS = 1000

export const makeWorkload = (file: string, seed: number): Workload => {
  const db = new Database(file, { fileMustExist: true })
  try {
    const count = (t: string) => db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number
    const n = { customers: count('customers'), suppliers: count('suppliers'), products: count('products'), orders: count('orders') }
    // Employees with a manager: the self-join then has both sides (see check.ts on nulls).
    const managed = db.prepare('SELECT id FROM employees WHERE reports_to IS NOT NULL ORDER BY id').pluck().all() as number[]
    const r = rng(seed ^ 0x5eed)
    const ints = (f: () => number) => Int32Array.from({ length: PARAMS }, f)
    const maxDetailId = db.prepare('SELECT max(id) FROM order_details').pluck().get() as number
    const insertRows: DetailRow[] = []
    for (let k = 0; k < INSERT_ROWS; k++) {
      const productId = r.int(1, n.products)
      insertRows.push({
        orderId: n.orders,
        productId,
        unitPrice: r.int(250, 26350) / 100,
        quantity: r.int(1, 120),
        discount: r.pick([0, 0.05, 0.1])
      })
    }
    return {
      customerIds: ints(() => r.int(1, n.customers)),
      employeeIds: ints(() => r.pick(managed)),
      supplierIds: ints(() => r.int(1, n.suppliers)),
      productIds: ints(() => r.int(1, n.products)),
      orderIds: ints(() => r.int(1, n.orders)),
      orderStarts: ints(() => r.int(1, Math.max(1, n.orders - 99))),
      prefixes: Array.from({ length: PARAMS }, (_, i) => PREFIXES[i % PREFIXES.length]!),
      searches: Array.from({ length: PARAMS }, (_, i) => SEARCHES[i % SEARCHES.length]!),
      insertRows,
      maxDetailId,
      updateIds: ints(() => r.int(1, n.products)),
      updateValues: ints(() => r.int(0, 500))
    }
  } finally {
    db.close()
  }
}

/** One benchmarked operation: call number `i`. Async adapters return a Promise. */
export type Op = (i: number) => unknown

export interface Adapter {
  readonly name: AdapterName
  /** Whether its operations return Promises (kysely). */
  readonly async: boolean
  readonly ops: Readonly<Record<QueryName, Op>>
  close(): void | Promise<void>
}

/** What a write operation reports, for the answer checks. */
export interface InsertOutcome {
  readonly inserted: number
  readonly deleted: number
}

export interface UpdateOutcome {
  readonly changes: number
}

/** The pragmas every adapter's connection gets: what fp-lite-orm's `connect` sets. */
export const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'busy_timeout = 5000'] as const

export const openDatabase = (file: string): Database.Database => {
  const db = new Database(file, { fileMustExist: true })
  for (const p of PRAGMAS) db.pragma(p)
  return db
}
