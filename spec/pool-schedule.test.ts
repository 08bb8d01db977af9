/**
 * The pool's scheduling (issue #21): a long read must not starve short ones. Messages queue in
 * a worker in posting order, so a short read posted behind a long one waits for all of it; the
 * pool keeps long runs off one reader. Checked by order of answers, never by time: two long
 * statements (a recursive CTE of a fixed number of steps) are started, then short point reads;
 * every short read must be answered before either long one.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  connect,
  createTable,
  eq,
  filter,
  first,
  insert,
  integer,
  raw,
  select,
  session,
  sql,
  table,
  text,
  workerPool
} from '../src/index.js'
import { PoolInternals } from '../src/pool/pool.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const items = table('items', { id: integer().primaryKey(), name: text().notNull() })

/** A read that takes long by construction: STEPS rows of a recursive CTE (hundreds of ms), bounded. */
const STEPS = 5_000_000
const LONG_SQL = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${STEPS}) SELECT count(*) AS n, sum(x % 7) AS s FROM c`
const longQuery = pipe(raw(sql([LONG_SQL] as unknown as TemplateStringsArray)), all)
const byId = (id: number) => pipe(select(items), filter(eq(items.id, id)), first)

const setUp = (): string => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(items)))
  for (let i = 1; i <= 20; i++) unwrap(s.run(insert(items, { name: `item ${i}` })))
  s.close()
  return file
}

/** The answers in the order they arrive, each with its label. */
const race = async (tasks: ReadonlyArray<readonly [string, () => Promise<E.Either<unknown, unknown>>]>) => {
  const order: string[] = []
  const results = new Map<string, E.Either<unknown, unknown>>()
  await Promise.all(
    tasks.map(async ([label, task]) => {
      const r = await task()
      order.push(label)
      results.set(label, r)
    })
  )
  return { order, results }
}

test('with two long reads in flight on two readers, short reads are answered before either long one', async (t) => {
  t.timeout(120_000)
  const file = setUp()
  const reference = new Database(file, { readonly: true })
  const expectedLong = reference.prepare(LONG_SQL).all()
  const expectedRow = (id: number) => reference.prepare('SELECT id, name FROM items WHERE id = ?').get(id)
  const pool = workerPool(connect(file), { readers: 2 })
  try {
    // The short shape's cost is learned (a point read: far under the long threshold), and the
    // long one's (one run alone: unknown work is treated as long only while a lane is free).
    // The short reads go out several at a time, so that both readers hold the shape and have run
    // it: a reader's first run (its code cold, on a busy machine) must not be what is timed below.
    for (let round = 0; round < 5; round++) {
      const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(byId(i + 1))()))
      rows.forEach((r, i) => t.deepEqual(r, E.right(O.some(expectedRow(i + 1)))))
    }
    const held = await pool[PoolInternals].shapeStats()
    t.deepEqual(
      held.slice(0, 2).map((s) => E.isRight(s) && s.right.held > 0),
      [true, true],
      'both readers ran the short shape before the race'
    )
    t.deepEqual(await pool.run(longQuery)(), E.right(expectedLong))
    for (const round of [1, 2]) {
      const { order, results } = await race([
        ['long-a', pool.run(longQuery)],
        ['long-b', pool.run(longQuery)],
        ...[3, 5, 8].map((id) => [`short-${id}`, pool.run(byId(id))] as const)
      ])
      const firstLong = Math.min(order.indexOf('long-a'), order.indexOf('long-b'))
      for (const id of [3, 5, 8]) {
        t.true(order.indexOf(`short-${id}`) < firstLong, `round ${round}: short-${id} answered after a long read: ${order.join(', ')}`)
        t.deepEqual(results.get(`short-${id}`), E.right(O.some(expectedRow(id))))
      }
      t.deepEqual(results.get('long-a'), E.right(expectedLong))
      t.deepEqual(results.get('long-b'), E.right(expectedLong))
    }
  } finally {
    await pool.close()
    reference.close()
  }
})

test('a shape not yet measured never queues behind a long run while a reader holds none', async (t) => {
  t.timeout(120_000)
  const file = setUp()
  const reference = new Database(file, { readonly: true })
  const pool = workerPool(connect(file), { readers: 2 })
  try {
    // Neither shape measured: the long one takes the lane for long runs, the new short one the other reader.
    const { order, results } = await race([
      ['long', pool.run(longQuery)],
      ['short', pool.run(byId(6))]
    ])
    t.deepEqual(order, ['short', 'long'])
    t.deepEqual(results.get('short'), E.right(O.some(reference.prepare('SELECT id, name FROM items WHERE id = 6').get())))
    t.deepEqual(results.get('long'), E.right(reference.prepare(LONG_SQL).all()))
  } finally {
    await pool.close()
    reference.close()
  }
})

test('one reader: long and short reads share it, and every answer is right', async (t) => {
  t.timeout(120_000)
  const file = setUp()
  const reference = new Database(file, { readonly: true })
  const pool = workerPool(connect(file), { readers: 1 })
  try {
    const { results } = await race([
      ['long', pool.run(longQuery)],
      ['short', pool.run(byId(4))]
    ])
    t.deepEqual(results.get('long'), E.right(reference.prepare(LONG_SQL).all()))
    t.deepEqual(results.get('short'), E.right(O.some(reference.prepare('SELECT id, name FROM items WHERE id = 4').get())))
  } finally {
    await pool.close()
    reference.close()
  }
})
