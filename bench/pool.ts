/**
 * Pool read throughput: the same read queries through `workerPool` with 1, 2 and 4
 * reader threads (a fixed number of queries kept in flight) against one synchronous
 * session on the main thread. Rounds interleave the configurations; figures are medians.
 *
 * What to expect: a pool pays a message round trip per query (a shape id and the bound
 * params one way, a structured clone of the rows back), so it gains only when the query's
 * own work outweighs that and there are idle cores to run readers on.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Params, Pool, Query } from '../src/index.js'
import { all, between, connect, eq, filter, first, groupBy, join, orderBy, placeholder, select, session, workerPool } from '../src/index.js'
import { customers, orderDetails, orders, suppliers } from './schema.js'
import { aggregateColumns } from './adapters/fplite.js'
import { gc, median } from './measure.js'
import type { Workload } from './workload.js'
import { MASK } from './workload.js'

export interface PoolResult {
  readonly query: string
  /** `session` or `pool/N` (N readers). */
  readonly mode: string
  readonly opsPerSec: number
  readonly samples: number[]
}

export interface PoolOptions {
  readonly readers: ReadonlyArray<number>
  readonly durationMs: number
  readonly rounds: number
  /** Queries kept in flight against a pool. */
  readonly concurrency: number
}

interface PoolQuery {
  readonly name: string
  readonly q: Query<unknown>
  readonly params: (i: number) => Params | undefined
}

const queriesOf = (w: Workload): PoolQuery[] => [
  {
    name: 'customer-by-id',
    q: pipe(select(customers), filter(eq(customers.id, placeholder('id'))), first),
    params: (i) => ({ id: w.customerIds[i & MASK] })
  },
  {
    name: 'orders-aggregate',
    q: pipe(
      select(orders),
      join(orderDetails, eq(orderDetails.orderId, orders.id)),
      filter(between(orders.id, placeholder('from'), placeholder('to'))),
      aggregateColumns(),
      groupBy(orders.id),
      orderBy(orders.id),
      all
    ),
    params: (i) => ({ from: w.orderStarts[i & MASK], to: w.orderStarts[i & MASK]! + 99 })
  },
  { name: 'all-suppliers', q: pipe(select(suppliers), all), params: () => undefined }
]

const fail = (what: string, e: E.Either<{ readonly message: string }, unknown>): never => {
  throw new Error(`${what}: ${E.isLeft(e) ? e.left.message : 'unexpected'}`)
}

/** Calls per second of one synchronous session for `ms`. */
const runSession = (run: (i: number) => E.Either<{ message: string }, unknown>, ms: number): number => {
  const t0 = performance.now()
  let n = 0
  let now = t0
  while (now - t0 < ms) {
    for (let k = 0; k < 8; k++) {
      const r = run(n++)
      if (E.isLeft(r)) fail('session', r)
    }
    now = performance.now()
  }
  return (n * 1000) / (now - t0)
}

/** Calls per second through a pool, `concurrency` calls in flight, for `ms`. */
const runPool = async (pool: Pool, pq: PoolQuery, concurrency: number, ms: number): Promise<number> => {
  const t0 = performance.now()
  const end = t0 + ms
  let n = 0
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const i = n++
      const r = await pool.run(pq.q, pq.params(i))()
      if (E.isLeft(r)) fail('pool', r)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return (n * 1000) / (performance.now() - t0)
}

export const measurePool = async (file: string, w: Workload, options: PoolOptions): Promise<PoolResult[]> => {
  const db = connect(file)
  const s = session(db)
  const queries = queriesOf(w)
  const pools = options.readers.map((n) => ({ mode: `pool/${n}`, pool: workerPool(db, { readers: n }) }))
  const samples = new Map<string, number[]>()
  const add = (query: string, mode: string, v: number) => {
    const key = `${query}\u0000${mode}`
    samples.set(key, [...(samples.get(key) ?? []), v])
  }
  try {
    // Warm-up: every reader thread starts, compiles and prepares each query.
    for (const { pool } of pools)
      for (const pq of queries) await runPool(pool, pq, options.concurrency, Math.max(50, options.durationMs / 2))
    for (const pq of queries) runSession((i) => s.run(pq.q, pq.params(i)), Math.max(20, options.durationMs / 4))
    for (let round = 0; round < options.rounds; round++) {
      for (const pq of queries) {
        const modes = [{ mode: 'session', pool: undefined as Pool | undefined }, ...pools]
        for (let k = 0; k < modes.length; k++) {
          const m = modes[(k + round) % modes.length]!
          gc()
          const v =
            m.pool === undefined
              ? runSession((i) => s.run(pq.q, pq.params(i)), options.durationMs)
              : await runPool(m.pool, pq, options.concurrency, options.durationMs)
          add(pq.name, m.mode, v)
        }
      }
    }
  } finally {
    for (const { pool } of pools) await pool.close()
    s.close()
  }
  return [...samples.entries()].map(([key, xs]) => {
    const [query, mode] = key.split('\u0000') as [string, string]
    return { query, mode, opsPerSec: median(xs), samples: xs }
  })
}
