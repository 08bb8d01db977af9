/**
 * workerPool: reads on reader threads, writes on the writer thread, codecs applied in
 * the calling thread, crash recovery, close, the bounded queue.
 *
 * Every worker thread loads the library from TypeScript source (tsx), which costs
 * CPU; most tests therefore share one pool, each on its own table, and only those
 * that kill, close or fill a pool start their own (with as few threads as they need).
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import type { Worker } from 'node:worker_threads'
import { threadId } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as io from 'io-ts'
import type { Db, LogEvent, WriteResult } from '../src/index.js'
import {
  all,
  allRows,
  connect,
  count,
  createTable,
  decode,
  deleteFrom,
  eq,
  filter,
  first,
  insert,
  integer,
  json,
  one,
  orderBy,
  placeholder,
  raw,
  select,
  session,
  set,
  sql,
  table,
  text,
  update,
  value,
  values,
  workerPool
} from '../src/index.js'
import type { PoolOptions } from '../src/pool/pool.js'
import { PoolInternals } from '../src/pool/pool.js'
import type { Request, ShapeDef } from '../src/pool/protocol.js'
import { compile } from '../src/query/compile.js'
import { tempDb, tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

/**
 * A people table named `name`, whose json column's codec notes the threads it runs in:
 * codecs are functions, so they must run in the thread that called the pool.
 */
const makePeople = (name: string) => {
  const decodedIn: number[] = []
  const Theme = new io.Type<string, string, unknown>(
    'Theme',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      decodedIn.push(threadId)
      return io.string.validate(u, c)
    },
    io.identity
  )
  const people = table(name, {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().notNull().unique(),
    age: integer(),
    prefs: json(io.type({ theme: Theme }))
  })
  return { people, decodedIn }
}

type Pool = ReturnType<typeof workerPool>

const person = (i: number) => ({ name: `p${i}`, email: `p${i}@x.io`, age: i })

/** A read that keeps a reader busy for a while (a recursive CTE counting to n). */
const slowCount = (n: number) =>
  pipe(raw(sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ${n}) SELECT count(*) AS n FROM c`), value<number>())

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** One read on each reader at once, so every thread is up before an order-sensitive step. */
const warmUp = async (pool: Pool): Promise<void> => {
  const q = pipe(raw(sql`SELECT 1 AS one`), value<number>())
  await Promise.all(pool[PoolInternals].readers().map(() => pool.run(q)()))
}

/** Records every message the pool posts to a worker, by wrapping that Worker's postMessage. */
const recordPosts = (w: Worker): Request[] => {
  const posted: Request[] = []
  const post = w.postMessage.bind(w)
  w.postMessage = (message: Request, transfer?: Parameters<Worker['postMessage']>[1]) => {
    posted.push(message)
    post(message, transfer)
  }
  return posted
}

type Exec = Extract<Request, { _tag: 'Exec' }>

const execs = (posted: ReadonlyArray<Request>): Exec[] => posted.filter((m): m is Exec => m._tag === 'Exec')

const eventually = async (f: () => boolean, ms = 10_000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!f()) {
    if (Date.now() > end) return false
    await sleep(20)
  }
  return true
}

/** A pool of its own (for tests that kill, close or fill it), closed when the test ends. */
const ownPool = async (t: ExecutionContext, options: PoolOptions, db: Db = tempDb()) => {
  const pool = workerPool(db, options)
  t.teardown(() => pool.close())
  const { people } = makePeople('people')
  unwrap(await pool.run(createTable(people))())
  return { pool, people, db }
}

// The shared pool: two readers, one writer, and a log of every statement they run.
const sharedDb = connect(tempDbPath(), { log: (e) => events.push(e) })
const events: LogEvent[] = []
let shared: Pool

test.before(() => {
  shared = workerPool(sharedDb, { readers: 2 })
})

test.after.always(async () => {
  await shared.close()
})

/** A fresh table in the shared pool's database, for one test. */
const sharedTable = async (name: string) => {
  const made = makePeople(name)
  unwrap(await shared.run(createTable(made.people))())
  return made
}

// -------------------------------------------------------------------------------------
// order-sensitive tests on the shared pool (serial tests run first, one at a time)
// -------------------------------------------------------------------------------------

test.serial('reads run concurrently on the two reader threads: a quick read is not held behind a slow one', async (t) => {
  const { people } = await sharedTable('concurrent')
  unwrap(await shared.run(insert(people, person(1)))())
  await warmUp(shared)

  const order: string[] = []
  // Both readers idle: the slow read goes to one, the quick read to the least busy, the other.
  const slow = shared
    .run(slowCount(2_000_000))()
    .then((r) => (order.push('slow'), r))
  const quick = shared
    .run(pipe(select(people), filter(eq(people.id, 1)), value(people.name)))()
    .then((r) => (order.push('quick'), r))
  t.deepEqual(await quick, E.right(O.some('p1')))
  t.deepEqual(await slow, E.right(O.some(2_000_000)))
  t.deepEqual(order, ['quick', 'slow'])
  // The workers' log events arrive in the same order: the quick SELECT ran while the CTE did.
  const reads = events
    .filter((e) => e.sql.startsWith('WITH RECURSIVE') || e.sql.startsWith('SELECT "concurrent"."name"'))
    .map((e) => (e.sql.startsWith('WITH') ? 'slow' : 'quick'))
  t.deepEqual(reads, ['quick', 'slow'])
})

// -------------------------------------------------------------------------------------
// reads and writes
// -------------------------------------------------------------------------------------

test('200 concurrent reads each get their own row', async (t) => {
  const { people } = await sharedTable('many')
  const rows = Array.from({ length: 200 }, (_, i) => person(i + 1))
  t.deepEqual(await shared.run(insert(people, rows))(), E.right({ changes: 200, lastInsertRowid: 200 }))

  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), one)
  const results = await Promise.all(
    rows.map((_, i) => {
      const id = i + 1
      // Half with the value in the query, half bound through a placeholder.
      const q = id % 2 === 0 ? pipe(select(people), filter(eq(people.id, id)), one) : byId
      return shared
        .run(q, id % 2 === 0 ? undefined : { id })()
        .then((r) => [id, r] as const)
    })
  )
  t.is(results.length, 200)
  for (const [id, r] of results) {
    const row = unwrap(r)
    t.is(row.id, id)
    t.is(row.name, `p${id}`)
    t.is(row.email, `p${id}@x.io`)
    t.is(row.age, id)
  }
})

test('a write is visible to the next read, on another thread', async (t) => {
  const { people } = await sharedTable('visible')
  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), one)
  const ins = unwrap(await shared.run(insert(people, { name: 'Ann', email: 'ann@x.io', prefs: { theme: 'dark' } }))())
  t.is(ins.changes, 1)
  const id = ins.lastInsertRowid

  t.deepEqual(await shared.run(byId, { id })(), E.right({ id, name: 'Ann', email: 'ann@x.io', age: null, prefs: { theme: 'dark' } }))

  t.is(unwrap(await shared.run(pipe(update(people), set({ age: 41 }), filter(eq(people.id, id))))()).changes, 1)
  t.deepEqual(await shared.run(pipe(select(people), filter(eq(people.id, id)), value(people.age)))(), E.right(O.some(41)))

  t.is(unwrap(await shared.run(pipe(deleteFrom(people), filter(eq(people.id, id))))()).changes, 1)
  t.deepEqual(await shared.run(pipe(select(people), filter(eq(people.id, id)), first))(), E.right(O.none))
  t.is(unwrapLeft(await shared.run(byId, { id })())._tag, 'NotFound')
})

test('input the library refuses is a Left before any SQL (never a rejection), and nothing is written', async (t) => {
  const { people } = await sharedTable('refused')
  // no filter
  t.is(unwrapLeft(await shared.run(deleteFrom(people))())._tag, 'ValidationError')
  // a wrong type for a column
  const bad = unwrapLeft(await shared.run(insert(people, { name: 'x', email: 'x@x.io', age: 'old' as unknown as number }))())
  t.is(bad._tag, 'ValidationError')
  t.regex(bad.message, /age/)
  // a missing param
  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), one)
  t.is(unwrapLeft(await shared.run(byId)())._tag, 'ValidationError')
  // a param that cannot cross threads
  const uncloneable = unwrapLeft(await shared.run(byId, { id: (() => 1) as unknown as number })())
  t.is(uncloneable._tag, 'ValidationError')
  t.deepEqual(await shared.run(pipe(select(people), count))(), E.right(0))
})

// -------------------------------------------------------------------------------------
// batch
// -------------------------------------------------------------------------------------

test('batch runs its queries in order in one transaction, with results typed in order', async (t) => {
  const { people } = await sharedTable('batch_ok')
  const r = await shared.batch([
    insert(people, person(1)),
    pipe(update(people), set({ age: 99 }), filter(eq(people.email, 'p1@x.io'))),
    pipe(select(people), values(people.age)),
    pipe(select(people), count)
  ])()
  // The tuple type follows the queries: this line would not compile otherwise.
  const results: [WriteResult, WriteResult, Array<number | null>, number] = unwrap(r)
  t.deepEqual(results, [{ changes: 1, lastInsertRowid: 1 }, { changes: 1, lastInsertRowid: 1 }, [99], 1])
})

test('batch is all or nothing: a failing second statement leaves no trace of the first', async (t) => {
  const { people } = await sharedTable('batch_fail')
  unwrap(await shared.run(insert(people, person(1)))())

  const failed = unwrapLeft(
    await shared.batch([
      insert(people, person(2)),
      insert(people, { name: 'dup', email: 'p1@x.io' }) // the email is taken
    ])()
  )
  t.is(failed._tag, 'ConstraintError')
  t.is(failed._tag === 'ConstraintError' ? failed.kind : undefined, 'unique')
  t.deepEqual(await shared.run(pipe(select(people), orderBy(people.id), values(people.email)))(), E.right(['p1@x.io']))

  // A query refused before any SQL (an update of every row without allRows) refuses the whole batch.
  const refused = unwrapLeft(await shared.batch([insert(people, person(3)), pipe(update(people), set({ age: 1 }))])())
  t.is(refused._tag, 'ValidationError')
  t.deepEqual(await shared.run(pipe(select(people), count))(), E.right(1))

  // The writer goes on afterwards.
  const [updated, ages] = unwrap(
    await shared.batch([pipe(update(people), set({ age: 5 }), allRows), pipe(select(people), values(people.age))])()
  )
  t.is(updated.changes, 1)
  t.deepEqual(ages, [5])
})

// -------------------------------------------------------------------------------------
// decoding in the calling thread
// -------------------------------------------------------------------------------------

test('json column codecs and decode(codec) are applied in the calling thread', async (t) => {
  const { people, decodedIn } = await sharedTable('codecs')
  unwrap(
    await shared.run(
      insert(people, [
        { name: 'Ann', email: 'ann@x.io', age: 30, prefs: { theme: 'dark' } },
        { name: 'Bob', email: 'bob@x.io', prefs: { theme: 'light' } }
      ])
    )()
  )
  decodedIn.length = 0
  const rows = unwrap(await shared.run(pipe(select(people), orderBy(people.id), all))())
  t.deepEqual(
    rows.map((r) => r.prefs),
    [{ theme: 'dark' }, { theme: 'light' }]
  )
  t.deepEqual(decodedIn, [threadId, threadId], 'the json codec ran once a row, in this thread')

  // A decode(codec) that transforms: the result proves it ran, and where.
  const seen: number[] = []
  const Shout = new io.Type<string, string, unknown>(
    'Shout',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      seen.push(threadId)
      return typeof u === 'string' ? io.success(u.toUpperCase()) : io.failure(u, c)
    },
    io.identity
  )
  const shouted = await shared.run(pipe(select(people), orderBy(people.id), decode(io.type({ name: Shout })), all))()
  t.deepEqual(
    unwrap(shouted).map((r) => r.name),
    ['ANN', 'BOB']
  )
  t.deepEqual(seen, [threadId, threadId])
  // The same on native SQL.
  const native = await shared.run(pipe(raw(sql`SELECT name FROM codecs ORDER BY id`), decode(io.type({ name: Shout })), all))()
  t.deepEqual(native, E.right([{ name: 'ANN' }, { name: 'BOB' }]))

  // The pool's results are those of a session in this thread.
  const s = session(sharedDb)
  const everyone = pipe(select(people), orderBy(people.id), all)
  const firstOne = pipe(select(people), filter(eq(people.id, 1)), first)
  const themes = pipe(select(people), orderBy(people.id), values(people.prefs))
  t.deepEqual(await shared.run(everyone)(), s.run(everyone))
  t.deepEqual(await shared.run(firstOne)(), s.run(firstOne))
  t.deepEqual(await shared.run(themes)(), s.run(themes))
  s.close()
})

test('a failing codec gives a Left DecodeError with the path to the bad field', async (t) => {
  const { people } = await sharedTable('bad_codec')
  unwrap(await shared.run(insert(people, { name: 'Ann', email: 'ann@x.io', prefs: { theme: 'dark' } }))())
  // A stored value the json codec refuses, written behind the library's back.
  unwrap(await shared.run(raw(sql`INSERT INTO bad_codec (name, email, prefs) VALUES ('Bob', 'bob@x.io', ${'{"theme":5}'})`))())

  const fromAll = unwrapLeft(await shared.run(pipe(select(people), orderBy(people.id), all))())
  t.is(fromAll._tag, 'DecodeError')
  t.deepEqual(fromAll._tag === 'DecodeError' ? fromAll.issues.map((i) => [i.path, i.actual]) : [], [['[1].prefs.theme', 5]])
  t.regex(fromAll.message, /\[1\]\.prefs\.theme/)

  const fromFirst = unwrapLeft(await shared.run(pipe(select(people), filter(eq(people.name, 'Bob')), first))())
  t.deepEqual(fromFirst._tag === 'DecodeError' ? fromFirst.issues.map((i) => i.path) : fromFirst._tag, ['prefs.theme'])

  // The good row still reads.
  t.deepEqual(unwrap(await shared.run(pipe(select(people), filter(eq(people.name, 'Ann')), one))()).prefs, { theme: 'dark' })

  // decode(codec) refusing a row.
  const typed = unwrapLeft(
    await shared.run(pipe(select(people), filter(eq(people.name, 'Ann')), decode(io.type({ age: io.number })), all))()
  )
  t.is(typed._tag, 'DecodeError')
  t.deepEqual(typed._tag === 'DecodeError' ? typed.issues.map((i) => [i.path, i.actual]) : [], [['[0].age', null]])
})

// -------------------------------------------------------------------------------------
// native SQL routing, logging
// -------------------------------------------------------------------------------------

test('native SQL that looks like a read but writes still runs (on the writer)', async (t) => {
  const { people } = await sharedTable('sneaky')
  const q = pipe(
    raw<{ id: number; name: string }>(
      sql`WITH x AS (SELECT ${'Cy'} AS name, ${'cy@x.io'} AS email) INSERT INTO sneaky (name, email) SELECT name, email FROM x RETURNING id, name`
    ),
    all
  )
  t.deepEqual(await shared.run(q)(), E.right([{ id: 1, name: 'Cy' }]))
  // Written once, and readable from the readers.
  t.deepEqual(await shared.run(pipe(select(people), values(people.email)))(), E.right(['cy@x.io']))
  const runs = events.filter((e) => e.sql.includes('INSERT INTO sneaky'))
  t.true(runs.length >= 1)
  t.is(runs.at(-1)?.error, undefined, 'the last attempt succeeded')
  t.true(
    runs.slice(0, -1).every((e) => /readonly/i.test(e.error ?? '')),
    'any earlier attempt was a reader refusing to write'
  )
})

test('the log option of connect receives the statements the worker threads run', async (t) => {
  const { people } = await sharedTable('logged')
  unwrap(await shared.run(insert(people, { name: 'Lou', email: 'lou@x.io' }))())
  unwrap(await shared.run(pipe(select(people), filter(eq(people.id, placeholder('id'))), one), { id: 1 })())
  unwrap(await shared.batch([pipe(update(people), set({ age: 3 }), filter(eq(people.id, 1)))])())
  t.is(unwrapLeft(await shared.run(insert(people, { name: 'Lou', email: 'lou@x.io' }))())._tag, 'ConstraintError')

  t.true(events.some((e) => e.sql.startsWith('CREATE TABLE IF NOT EXISTS "logged"')))
  const inserts = events.filter((e) => e.sql.startsWith('INSERT INTO "logged"'))
  t.is(inserts.length, 2)
  t.true(inserts[0]!.params.includes('Lou') && inserts[0]!.params.includes('lou@x.io'))
  t.is(inserts[0]!.error, undefined)
  t.regex(inserts[1]!.error ?? '', /UNIQUE/)
  const read = events.find((e) => e.sql.startsWith('SELECT "logged"'))
  t.deepEqual(read?.params, [1], 'the bound placeholder is in the event')
  const updated = events.find((e) => e.sql.startsWith('UPDATE "logged"'))
  t.deepEqual(updated?.params, [3, 1])
  t.true(events.some((e) => e.sql === 'BEGIN IMMEDIATE') && events.some((e) => e.sql === 'COMMIT'), 'the batch transaction is logged')
  t.true(events.every((e) => typeof e.durationMs === 'number' && e.durationMs >= 0))
})

// -------------------------------------------------------------------------------------
// pools of their own: crashes, the queue bound, closing
// -------------------------------------------------------------------------------------

test('a reader killed mid-query gives a Left UnexpectedError, is replaced, and the pool keeps serving', async (t) => {
  const { pool, people } = await ownPool(t, { readers: 2 })
  unwrap(await pool.run(insert(people, [person(1), person(2), person(3)]))())
  await warmUp(pool)

  // Both readers idle: the least busy is the first one.
  const [victim, other] = pool[PoolInternals].readers()
  const writer = pool[PoolInternals].writer()
  const slow = pool.run(slowCount(1_500_000))()
  await sleep(50)
  void victim!.terminate()
  // The writer too (idle), so that both replacements start together. (The pool's own exit
  // listener was attached first, so the replacement is in place when this one runs.)
  const writerGone = new Promise((resolve) => writer.once('exit', resolve))
  void writer.terminate()

  const err = unwrapLeft(await slow)
  t.is(err._tag, 'UnexpectedError')
  t.regex(err.message, /reader thread stopped/)

  const readers = pool[PoolInternals].readers()
  t.is(readers.length, 2)
  t.not(readers[0], victim, 'the dead reader was replaced')
  t.is(readers[1], other, 'the other reader was left alone')

  await writerGone
  t.not(pool[PoolInternals].writer(), writer, 'the writer was replaced')

  // Enough concurrent reads to reach both readers, the new one included, and a write.
  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), one)
  const [written, ...rows] = await Promise.all([
    pool.run(insert(people, person(4)))(),
    ...[1, 2, 3, 1, 2, 3].map((id) => pool.run(byId, { id })())
  ])
  t.deepEqual(written, E.right({ changes: 1, lastInsertRowid: 4 }))
  t.deepEqual(
    rows.map((r) => unwrap(r).name),
    ['p1', 'p2', 'p3', 'p1', 'p2', 'p3']
  )
  t.deepEqual(await pool.run(pipe(select(people), orderBy(people.id), values(people.name)))(), E.right(['p1', 'p2', 'p3', 'p4']))
})

test('maxQueue: past it a query is a Left BusyError at once, and capacity comes back', async (t) => {
  const { pool, people } = await ownPool(t, { readers: 1, maxQueue: 2 })
  await warmUp(pool)
  const a = pool.run(slowCount(300_000))()
  const b = pool.run(slowCount(300_000))()
  const third = pool.run(pipe(select(people), count))()
  const batched = pool.batch([insert(people, person(1))])()

  // The refusals settle before the queries in flight.
  t.is(await Promise.race([third.then(() => 'third'), a.then(() => 'a'), b.then(() => 'b')]), 'third')
  const busy = unwrapLeft(await third)
  t.is(busy._tag, 'BusyError')
  t.regex(busy.message, /maxQueue 2/)
  t.is(unwrapLeft(await batched)._tag, 'BusyError')

  t.deepEqual(await Promise.all([a, b]), [E.right(O.some(300_000)), E.right(O.some(300_000))])
  // Nothing was written by the refused batch, and there is room again.
  t.deepEqual(await pool.run(pipe(select(people), count))(), E.right(0))
})

test('close lets queries in flight finish, ends the threads, and later runs are Left ValidationError', async (t) => {
  const { pool, people, db } = await ownPool(t, { readers: 1 })
  await warmUp(pool)
  const workers = [...pool[PoolInternals].readers(), pool[PoolInternals].writer()]
  t.true(workers.every((w) => w.threadId > 0))

  const inFlight = [pool.run(insert(people, person(1)))(), pool.run(slowCount(300_000))(), pool.run(pipe(select(people), count))()] as const
  await pool.close()
  const [ins, slow, n] = await Promise.all(inFlight)
  t.deepEqual(ins, E.right({ changes: 1, lastInsertRowid: 1 }))
  t.deepEqual(slow, E.right(O.some(300_000)))
  t.true(E.isRight(n))
  t.true(
    workers.every((w) => w.threadId === -1),
    'every thread has ended'
  )

  const after = unwrapLeft(await pool.run(pipe(select(people), count))())
  t.is(after._tag, 'ValidationError')
  t.regex(after.message, /closed/)
  t.is(unwrapLeft(await pool.batch([insert(people, person(2))])())._tag, 'ValidationError')

  // The write accepted before close is on disk.
  const s = session(db)
  t.deepEqual(s.run(pipe(select(people), values(people.name))), E.right(['p1']))
  s.close()
})

test('a pool over :memory: is a Left ConnectionError (each thread would see its own empty database)', async (t) => {
  const pool = workerPool(connect(':memory:'))
  const { people } = makePeople('people')
  const err = unwrapLeft(await pool.run(pipe(select(people), count))())
  t.is(err._tag, 'ConnectionError')
  t.is(err._tag === 'ConnectionError' ? err.path : undefined, ':memory:')
  t.is(unwrapLeft(await pool.batch([createTable(people)])())._tag, 'ConnectionError')
  await pool.close()
})

// -------------------------------------------------------------------------------------
// close() while a worker dies, and twice
// -------------------------------------------------------------------------------------

test('close resolves when a worker dies while the pool drains', async (t) => {
  const pool = workerPool(tempDb(), { readers: 1 })
  const [victim] = pool[PoolInternals].readers()
  // A query in flight (its reader is still starting), then close, then the reader dies.
  const inFlight = pool.run(pipe(raw(sql`SELECT 1 AS one`), value<number>()))()
  const closed = pool.close().then(() => 'closed' as const)
  void victim!.terminate()
  t.is(unwrapLeft(await inFlight)._tag, 'UnexpectedError')
  // close() must not wait for an 'exit' event from the dead worker, which never comes again.
  // (The writer may still be starting on a loaded machine: 15 s bounds a hang, not a speed.)
  t.is(
    await Promise.race([closed, new Promise<void>((r) => setTimeout(r, 15_000).unref()).then(() => 'still pending after 15 s' as const)]),
    'closed'
  )
})

test('a second close() resolves only once the pool has closed', async (t) => {
  const pool = workerPool(tempDb(), { readers: 1 })
  let settled = false
  const inFlight = pool
    .run(pipe(raw(sql`SELECT 1 AS one`), value<number>()))()
    .then((r) => ((settled = true), r))
  const firstClose = pool.close()
  await pool.close()
  // The second close() returns the first one's promise: it resolves only once drained.
  t.true(settled, 'the query in flight had finished when close() resolved')
  await firstClose
  t.deepEqual(await inFlight, E.right(O.some(1)))
})

// -------------------------------------------------------------------------------------
// statement shapes: compiled here, posted to a worker once, then only their id and params
// -------------------------------------------------------------------------------------

// Serial: the shape registry is shared by the process, and a concurrent test that makes thousands of
// shapes could evict this one between its two runs.
test.serial('a query shape is posted to a worker once; later runs post only its id and the bound params', async (t) => {
  const { pool, people } = await ownPool(t, { readers: 1 })
  const [reader] = pool[PoolInternals].readers()
  const toReader = recordPosts(reader!)
  const toWriter = recordPosts(pool[PoolInternals].writer())
  unwrap(await pool.run(insert(people, person(1)))())
  unwrap(await pool.run(insert(people, person(2)))())

  // The same query value, run with two params: its definition goes with the first run only.
  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), one)
  t.is(unwrap(await pool.run(byId, { id: 1 })()).name, 'p1')
  t.is(unwrap(await pool.run(byId, { id: 2 })()).name, 'p2')
  const [first, second] = execs(toReader)
  t.truthy(first?.define, 'the first run defines the shape')
  t.deepEqual(first?.params, [1])
  t.deepEqual(second, { _tag: 'Exec', id: second!.id, shape: first!.shape, params: [2] }, 'the second is its id and params, nothing more')
  t.false(JSON.stringify(second).includes('SELECT'), 'no SQL text, no query value')

  // Query values built afresh per call, with the value inline, share one shape: the value is a param.
  const inline = (id: number) => pipe(select(people), filter(eq(people.id, id)), one)
  t.is(unwrap(await pool.run(inline(1))()).name, 'p1')
  t.is(unwrap(await pool.run(inline(2))()).name, 'p2')
  const [, , third, fourth] = execs(toReader)
  t.truthy(third?.define)
  t.deepEqual(fourth, { _tag: 'Exec', id: fourth!.id, shape: third!.shape, params: [2] })

  // Different shapes, different ids.
  t.deepEqual(await pool.run(pipe(select(people), count))(), E.right(2))
  const shapes = execs(toReader).map((m) => m.shape)
  t.is(new Set(shapes).size, 3)
  t.not(first!.shape, third!.shape)

  // Writes too: the second insert of the same columns is an id and its values.
  const writes = execs(toWriter)
  t.is(writes.length, 2)
  t.truthy(writes[0]!.define)
  t.deepEqual(writes[1], { _tag: 'Exec', id: writes[1]!.id, shape: writes[0]!.shape, params: ['p2', 'p2@x.io', 2] })

  // A query of several statements (a multi-row insert, in one transaction) keeps the plain path.
  t.deepEqual(await pool.run(insert(people, [person(3), person(4)]))(), E.right({ changes: 2, lastInsertRowid: 4 }))
  t.is(toWriter.at(-1)?._tag, 'Run')
})

test('a worker keeps a bounded number of shapes: 5,000 distinct ones all answer, and an evicted one is sent again', async (t) => {
  const { pool } = await ownPool(t, { readers: 1 }, tempDb({ statementCacheSize: 50 }))
  const [reader] = pool[PoolInternals].readers()
  const posted = recordPosts(reader!)
  // 5,000 statements differing in their text (the column name), each with its own value.
  const distinct = (i: number) => pipe(raw(sql`SELECT ${i} AS ${sql.identifier(`n${i}`)}`), value<number>())
  const n = 5_000
  for (let from = 0; from < n; from += 500) {
    const batch = Array.from({ length: 500 }, (_, k) => from + k)
    const answers = await Promise.all(batch.map((i) => pool.run(distinct(i))()))
    t.deepEqual(
      answers,
      batch.map((i) => E.right(O.some(i)))
    )
  }
  t.is(new Set(execs(posted).map((m) => m.shape)).size, n)
  t.is(execs(posted).length, n, 'none was sent twice: the pool knew at every step what the worker held')

  const stats = await pool[PoolInternals].shapeStats()
  const readerStats = unwrap(stats[0]!)
  t.is(readerStats.capacity, 50, 'a worker keeps as many shapes as its handle keeps statements')
  t.is(readerStats.held, 50, 'full, and not past its bound')
  t.true(stats.every((s) => E.isRight(s) && s.right.held <= s.right.capacity))

  // The last shape is still held: its id alone. The first was evicted long ago: defined again.
  t.deepEqual(await pool.run(distinct(n - 1))(), E.right(O.some(n - 1)))
  t.is(execs(posted).at(-1)?.define, undefined)
  t.deepEqual(await pool.run(distinct(0))(), E.right(O.some(0)))
  t.truthy(execs(posted).at(-1)?.define)
})

test('a worker started after a crash is sent its shapes again, and one that lost a shape asks for it again', async (t) => {
  const { pool, people } = await ownPool(t, { readers: 1 }, tempDb({ statementCacheSize: 4 }))
  unwrap(await pool.run(insert(people, [person(1), person(2)]))())
  const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), value(people.name))
  const victim = pool[PoolInternals].readers()[0]!
  t.deepEqual(await pool.run(byId, { id: 1 })(), E.right(O.some('p1')))

  await victim.terminate()
  t.true(await eventually(() => pool[PoolInternals].readers()[0] !== victim), 'the reader was replaced')
  const reader = pool[PoolInternals].readers()[0]!
  const posted = recordPosts(reader)
  t.deepEqual(await pool.run(byId, { id: 2 })(), E.right(O.some('p2')))
  t.truthy(execs(posted)[0]?.define, 'the new reader was sent the shape, not just its id')
  t.deepEqual(await pool.run(byId, { id: 1 })(), E.right(O.some('p1')))
  t.is(execs(posted)[1]?.define, undefined)

  // Behind the pool's back, the reader is told four other shapes: it drops byId's (its bound
  // is 4). The pool still believes it holds it and posts only the id; the reader answers that
  // it does not know it, and the pool sends the definition.
  const other: ShapeDef = { compiled: unwrap(compile(pipe(raw(sql`SELECT 1 AS one`), value<number>()))) }
  for (let k = 1; k <= 4; k++) reader.postMessage({ _tag: 'Exec', id: -k, shape: 1e9 + k, params: [], define: other } satisfies Request)
  posted.length = 0
  t.deepEqual(await pool.run(byId, { id: 2 })(), E.right(O.some('p2')))
  const retried = execs(posted).filter((m) => m.id > 0)
  t.is(retried.length, 2)
  t.is(retried[0]!.define, undefined)
  t.truthy(retried[1]!.define)
  t.is(retried[0]!.shape, retried[1]!.shape)
})
