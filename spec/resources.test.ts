/**
 * Resource hygiene: handles are closed by session.close() and when a worker thread
 * ends (however it ends), the per-thread registry releases its entries
 * (openHandleCount), failed opens and open/close cycles leak no file descriptors, and a
 * closed pool leaves no worker thread behind (process.getActiveResourcesInfo(), the
 * pool's own Worker objects, and the process's OS threads).
 *
 * The registry is per thread (module state), and so per test file here: the tests are
 * serial so that counts are not disturbed by one another.
 */
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../src/index.js'
import {
  all,
  connect,
  count,
  createTable,
  eq,
  filter,
  insert,
  integer,
  select,
  session,
  table,
  text,
  transaction,
  workerPool
} from '../src/index.js'
import { acquire, openHandleCount } from '../src/conn/registry.js'
import { PoolInternals } from '../src/pool/pool.js'
import { tempDbPath, tempDir, unwrap } from './helpers/db.js'

/** The table spec/fixtures/stress-hold-task.ts writes to (the same definition). */
const held = table('held', { id: integer().primaryKey(), note: text().notNull() })

const procFs = fs.existsSync('/proc/self/fd') && fs.existsSync('/proc/self/task')
/** Open file descriptors of this process (Linux). */
const openFds = (): number => fs.readdirSync('/proc/self/fd').length
/** OS threads of this process (Linux). */
const osThreads = (): number => fs.readdirSync('/proc/self/task').length

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `f` until it holds (or the time is up); returns whether it held. */
const eventually = async (f: () => boolean, ms = 3_000): Promise<boolean> => {
  const until = Date.now() + ms
  while (!f()) {
    if (Date.now() > until) return false
    await sleep(20)
  }
  return true
}

const workerResources = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort' || r === 'WorkerHeapSnapshot').length

const newDb = (): Db => {
  const db = connect(tempDbPath())
  const s = session(db)
  unwrap(s.run(createTable(held)))
  unwrap(s.run(insert(held, { note: 'committed' })))
  s.close()
  return db
}

test.serial('session.close() closes the handle, releases the registry entry, and the next run reopens', (t) => {
  const before = openHandleCount()
  const db = newDb()
  t.is(openHandleCount(), before, 'set-up closed its handle')
  const s = session(db)
  t.is(unwrap(s.run(pipe(select(held), count))), 1)
  t.is(openHandleCount(), before + 1)
  const h = unwrap(acquire(db))
  t.true(h.db.open)
  t.true(fs.existsSync(`${db.file}-wal`), 'WAL mode: the -wal file exists while the handle is open')

  s.close()
  t.is(openHandleCount(), before, 'the registry entry is released')
  t.false(h.db.open, 'the better-sqlite3 handle is closed')
  t.is(h.statements.size, 0, 'its prepared statements are dropped')
  t.false(fs.existsSync(`${db.file}-wal`), 'the last connection closed cleanly: SQLite folded the WAL in and removed it')

  t.is(unwrap(s.run(pipe(select(held), count))), 1, 'run after close reopens')
  const h2 = unwrap(acquire(db))
  t.not(h2, h, 'a new handle')
  t.true(h2.db.open)
  s.close()
  s.close()
  t.is(openHandleCount(), before, 'closing twice is harmless')
})

test.serial('inside a transaction tx.close() does nothing; the handle closes after, with the session', (t) => {
  const before = openHandleCount()
  const db = newDb()
  const s = session(db)
  const out = transaction(db, (tx): E.Either<unknown, unknown> => {
    tx.close()
    const h = unwrap(acquire(db))
    if (!h.db.open || !h.db.inTransaction) return E.left('tx.close() closed the connection')
    return tx.run(insert(held, { note: 'in tx' }))
  })
  t.true(E.isRight(out), JSON.stringify(out))
  t.is(openHandleCount(), before + 1, 'the transaction left the handle open (for reuse)')
  t.is(unwrap(s.run(pipe(select(held), count))), 2)
  s.close()
  t.is(openHandleCount(), before)
})

test.serial('a plain session closed inside a transaction callback: a Left, nothing half-committed, nothing leaked', (t) => {
  const before = openHandleCount()
  const db = newDb()
  let r: E.Either<unknown, unknown> | undefined
  t.notThrows(() => {
    r = transaction(db, (tx) => {
      unwrap(tx.run(insert(held, { note: 'lost with the handle' })))
      session(db).close() // shares, and closes, the transaction's handle
      return E.right(undefined)
    })
  })
  t.true(r !== undefined && E.isLeft(r), `expected a Left, got ${JSON.stringify(r)}`)
  const s = session(connect(db.file))
  t.deepEqual(
    unwrap(s.run(pipe(select(held), all))).map((x) => x.note),
    ['committed']
  )
  s.close()
  session(db).close()
  t.is(openHandleCount(), before)
})

test.serial('one handle per database per thread: many databases, many sessions, all released on close', (t) => {
  const before = openHandleCount()
  const dbs = Array.from({ length: 20 }, () => newDb())
  const memories = Array.from({ length: 5 }, () => connect(':memory:'))
  for (const db of dbs) {
    // three sessions on one database share one handle
    for (let i = 0; i < 3; i++) t.is(unwrap(session(db).run(pipe(select(held), count))), 1)
  }
  for (const m of memories) unwrap(session(m).run(createTable(held)))
  t.is(openHandleCount(), before + dbs.length + memories.length)
  const handles = [...dbs, ...memories].map((db) => unwrap(acquire(db)))
  for (const db of [...dbs, ...memories]) session(db).close()
  t.is(openHandleCount(), before)
  t.true(
    handles.every((h) => !h.db.open),
    'every handle is closed'
  )
  t.true(
    dbs.every((db) => !fs.existsSync(`${db.file}-wal`)),
    'every WAL was folded in'
  )
})

test.serial('failed opens leave no registry entry and no file descriptor behind', (t) => {
  const before = openHandleCount()
  const dir = tempDir()
  const junk = path.join(dir, 'junk.db')
  fs.writeFileSync(junk, 'not a database '.repeat(500))
  const bad: Db[] = [
    connect(junk),
    connect(dir),
    connect(path.join(dir, 'missing', 'x.db')),
    connect(path.join(dir, 'nope.db'), { readonly: true })
  ]
  const fds = procFs ? openFds() : 0
  for (let i = 0; i < 100; i++) {
    for (const db of bad) {
      const r = session(db).run(pipe(select(held), count))
      if (!E.isLeft(r) || r.left._tag !== 'ConnectionError') return t.fail(`expected a Left ConnectionError, got ${JSON.stringify(r)}`)
    }
  }
  t.is(openHandleCount(), before, 'no registry entry for a handle that never opened')
  if (procFs)
    t.true(
      openFds() <= fds,
      `no file descriptor leaked by 400 failed opens: ${openFds()} > ${fds} (fewer is fine: an earlier test's handle may be closed to make room)`
    )
  else t.log('no /proc: file descriptors not counted')
})

test.serial('open/close cycles leak no file descriptors', (t) => {
  const db = newDb()
  const s = session(db)
  unwrap(s.run(pipe(select(held), count)))
  s.close()
  const fds = procFs ? openFds() : 0
  const before = openHandleCount()
  for (let i = 0; i < 150; i++) {
    unwrap(s.run(insert(held, { note: `cycle ${i}` })))
    s.close()
  }
  t.is(openHandleCount(), before)
  if (procFs)
    t.true(
      openFds() <= fds,
      `the same descriptors as before the cycles: ${openFds()} > ${fds} (fewer is fine: an earlier test's handle may be closed to make room)`
    )
  else t.log('no /proc: file descriptors not counted')
  t.is(unwrap(session(db).run(pipe(select(held), count))), 151)
  session(db).close()
})

test.serial('breaking out of a stream releases the statement: the connection is free again', (t) => {
  const db = newDb()
  const s = session(db)
  unwrap(
    s.run(
      insert(
        held,
        Array.from({ length: 50 }, (_, i) => ({ note: `n${i}` }))
      )
    )
  )
  const it = unwrap(s.stream(pipe(select(held), all)))
  let seen = 0
  for (const _row of it) if (++seen === 3) break
  t.is(seen, 3)
  t.true(E.isRight(s.run(insert(held, { note: 'after break' }))), 'a write right after the loop')
  // A stream never iterated holds nothing either.
  unwrap(s.stream(pipe(select(held), all)))
  t.true(E.isRight(s.run(insert(held, { note: 'after an unused stream' }))))
  s.close()
})

// -------------------------------------------------------------------------------------
// worker threads
// -------------------------------------------------------------------------------------

interface Held {
  readonly handles: number
  readonly inTransaction: boolean
  readonly counts: ReadonlyArray<unknown>
  readonly wrote: boolean
}

for (const end of ['exit', 'return', 'terminate', 'busy'] as const) {
  test.serial(`a worker's handles are closed when it ends (${end}): lock released, uncommitted row gone, WAL folded in`, async (t) => {
    const dbs = [newDb(), newDb(), newDb()]
    const mainHandles = openHandleCount()
    const w = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), {
      workerData: { dbs, end, task: new URL('./fixtures/stress-hold-task.ts', import.meta.url).href }
    })
    t.teardown(() => void w.terminate())
    const exited = new Promise<number>((resolve) => w.once('exit', resolve))
    const report = await new Promise<Held>((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    t.deepEqual(report, { handles: 3, inTransaction: true, counts: [1, 1, 1], wrote: true })
    t.is(openHandleCount(), mainHandles, "the worker's handles are its own, not the main thread's")
    // (A worker that ends by itself may already be gone by now.)
    if (end === 'terminate' || end === 'busy') t.true(fs.existsSync(`${dbs[0]!.file}-wal`), 'the worker holds the database open')

    if (end === 'terminate' || end === 'busy') await w.terminate()
    const code = await exited
    t.is(code, end === 'terminate' || end === 'busy' ? 1 : 0)
    t.is(w.threadId, -1, 'the thread is gone')

    // The worker's connections were closed: no -wal files (the last connection folds
    // the WAL in and removes it on close), the lock is free, the open transaction rolled back.
    t.true(await eventually(() => dbs.every((db) => !fs.existsSync(`${db.file}-wal`))), 'every WAL was folded in')
    const quick = connect(dbs[0]!.file, { busyTimeoutMs: 50 })
    const s = session(quick)
    t.true(E.isRight(s.run(insert(held, { note: 'main, right after' }))), 'the write lock was released')
    t.deepEqual(
      unwrap(s.run(pipe(select(held), all))).map((r) => r.note),
      ['committed', 'main, right after'],
      'the uncommitted row is gone'
    )
    t.is(unwrap(s.run(pipe(select(held), filter(eq(held.note, 'uncommitted, from a worker')), count))), 0)
    s.close()
    t.is(openHandleCount(), mainHandles)
  })
}

// -------------------------------------------------------------------------------------
// the worker pool
// -------------------------------------------------------------------------------------

test.serial('after pool.close() no worker thread remains, even after a reader was replaced', async (t) => {
  const db = newDb()
  const mainHandles = openHandleCount()
  const resources = workerResources()
  const threads = procFs ? osThreads() : 0

  const pool = workerPool(db, { readers: 3 })
  const internals = pool[PoolInternals]
  t.deepEqual(await pool.run(pipe(select(held), count))(), E.right(1))
  t.deepEqual((await pool.run(insert(held, { note: 'from the pool' }))())._tag, 'Right')
  if (procFs) t.true(osThreads() >= threads + 4, `the pool runs 4 threads (${osThreads() - threads} more OS threads)`)

  // Kill a reader: the pool replaces it. The replacement must be ended by close() too.
  const victim = internals.readers()[0]!
  await victim.terminate()
  t.true(await eventually(() => internals.readers()[0] !== victim), 'the reader was replaced')
  t.deepEqual(await pool.run(pipe(select(held), count))(), E.right(2))
  const workers = [...internals.readers(), internals.writer()]
  t.is(new Set(workers).size, 4)
  t.is(openHandleCount(), mainHandles, 'the pool opens no handle on the calling thread')

  await pool.close()
  t.true(
    workers.every((w) => w.threadId === -1),
    'every worker of the pool has exited'
  )
  t.true(victim.threadId === -1)
  t.is(workerResources(), resources, `no Worker or MessagePort is left active: ${process.getActiveResourcesInfo().join(', ')}`)
  if (procFs) t.true(await eventually(() => osThreads() <= threads), `OS threads back to ${threads} (now ${osThreads()})`)
  t.true(await eventually(() => !fs.existsSync(`${db.file}-wal`)), "the workers' connections were closed: the WAL was folded in")
  t.is(openHandleCount(), mainHandles)
  // A closed pool refuses work and does not start threads again.
  const r = await pool.run(pipe(select(held), count))()
  t.true(E.isLeft(r) && r.left._tag === 'ValidationError')
  t.is(workerResources(), resources)
  if (procFs) t.true(osThreads() <= threads)
})

test.serial('pools opened and closed in turn leave no threads behind', async (t) => {
  const db = newDb()
  const resources = workerResources()
  const threads = procFs ? osThreads() : 0
  for (let i = 0; i < 3; i++) {
    const pool = workerPool(db, { readers: 1 })
    t.deepEqual(await pool.run(pipe(select(held), count))(), E.right(1))
    await pool.close()
  }
  t.is(workerResources(), resources)
  if (procFs) t.true(await eventually(() => osThreads() <= threads), `OS threads back to ${threads} (now ${osThreads()})`)
})
