/**
 * Memory through the pool (issue #21): 100,000 fresh query values of 1,000 shapes (more than
 * the statement and shape caches hold) run on a workerPool. After the first pass over all the
 * shapes, every cache is as full as its bound lets it be; from then on the calling thread's
 * heap, measured after a full GC, must stay flat (the caches are bounded: the pool's shape
 * registry, its per-reader shape mirrors, its cost table), and every answer must equal the
 * same query run directly through better-sqlite3. No time is asserted.
 */
import test from 'ava'
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Condition } from '../src/index.js'
import {
  all,
  and,
  between,
  connect,
  createTable,
  eq,
  filter,
  gt,
  gte,
  inArray,
  insert,
  integer,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  select,
  session,
  table,
  text,
  workerPool
} from '../src/index.js'
import { PoolInternals } from '../src/pool/pool.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const MB = 1024 * 1024
const RUNS = 100_000
const SHAPES = 1_000
const IN_FLIGHT = 32

const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) return exposed
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()

const items = table('items', { id: integer().primaryKey(), a: integer().notNull(), b: text() })

/** The ten second conditions, each with its SQL for the reference (x is its value). */
const SECOND: ReadonlyArray<readonly [(x: number) => Condition | undefined, (x: number) => string]> = [
  [() => undefined, () => '1'],
  [(x) => gt(items.a, x), (x) => `a > ${x}`],
  [(x) => lt(items.a, x), (x) => `a < ${x}`],
  [(x) => gte(items.a, x), (x) => `a >= ${x}`],
  [(x) => lte(items.a, x), (x) => `a <= ${x}`],
  [(x) => ne(items.a, x), (x) => `a <> ${x}`],
  [(x) => eq(items.a, x), (x) => `a = ${x}`],
  [() => isNull(items.b), () => 'b IS NULL'],
  [() => isNotNull(items.b), () => 'b IS NOT NULL'],
  [(x) => between(items.a, x, x + 50), (x) => `a BETWEEN ${x} AND ${x + 50}`]
]

/** Run i: shape i % 1000 (an IN list of 1..100 ids, and one of ten second conditions), values from i. */
const runOf = (i: number) => {
  const shape = i % SHAPES
  const ids = Array.from({ length: (shape % 100) + 1 }, (_, k) => ((i + k * 37) % 500) + 1)
  const x = i % 100
  const [cond, text2] = SECOND[Math.floor(shape / 100)]!
  const c = cond(x)
  const q = pipe(select(items), filter(c === undefined ? inArray(items.id, ids) : and(inArray(items.id, ids), c)), all)
  const sql = `SELECT id, a, b FROM items WHERE id IN (${ids.join(', ')}) AND ${text2(x)} ORDER BY id`
  return { q, sql }
}

test(`${RUNS.toLocaleString('en')} fresh query values of ${SHAPES.toLocaleString('en')} shapes through the pool keep the heap flat`, async (t) => {
  t.timeout(600_000)
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(items)))
  unwrap(
    s.run(
      insert(
        items,
        Array.from({ length: 500 }, (_, i) => ({ a: (i * 13) % 100, b: i % 3 === 0 ? null : `b${i}` }))
      )
    )
  )
  s.close()
  const reference = new Database(file, { readonly: true })
  const pool = workerPool(connect(file, { statementCacheSize: 100 }), { readers: 1 })
  const heap: number[] = []
  let checked = 0
  try {
    let next = 0
    const lane = async () => {
      while (next < RUNS) {
        const i = next++
        const { q, sql } = runOf(i)
        const r = await pool.run(q)()
        if (E.isLeft(r)) throw new Error(`run ${i}: ${r.left.message}`)
        // Every 97th answer against better-sqlite3 directly (sorted by id: the pool's order is SQLite's).
        if (i % 97 === 0) {
          const got = [...(r.right as ReadonlyArray<{ id: number }>)].sort((p, q2) => p.id - q2.id)
          t.deepEqual(got, reference.prepare(sql).all(), `run ${i}`)
          checked++
        }
        if ((i + 1) % 10_000 === 0 && i + 1 >= 2 * SHAPES) {
          gc()
          heap.push(process.memoryUsage().heapUsed)
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
    gc()
    heap.push(process.memoryUsage().heapUsed)
    const stats = await pool[PoolInternals].shapeStats()
    for (const st of stats) {
      const v = unwrap(st)
      t.true(v.held <= v.capacity, `a worker holds ${v.held} shapes, past its bound ${v.capacity}`)
    }
  } finally {
    await pool.close()
    reference.close()
  }
  const growth = Math.max(...heap) - heap[0]!
  t.log(`heap after GC, every 10,000 runs: ${heap.map((h) => (h / MB).toFixed(1)).join(', ')} MB; ${checked} answers checked`)
  t.true(checked > RUNS / 100, 'answers were checked against better-sqlite3')
  t.true(growth < 16 * MB, `the heap grew ${(growth / MB).toFixed(1)} MB after every cache was full`)
})
