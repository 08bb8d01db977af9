/**
 * workerPool(...).transaction: an interactive transaction on the writer thread. Right
 * commits, a Left or a rejection rolls back, a callback past its timeout is rolled back
 * with a BusyError and the writer is usable after; writes from outside wait for it.
 * Checked against the file read directly with better-sqlite3 (not through the pool).
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError, Pool } from '../src/index.js'
import {
  connect,
  count,
  createTable,
  eq,
  filter,
  insert,
  integer,
  one,
  select,
  set,
  table,
  text,
  update,
  workerPool
} from '../src/index.js'
import { tempDbPath } from './helpers/db.js'

const accounts = table('accounts', { id: integer().primaryKey(), owner: text().notNull(), balance: integer().notNull() })

/** The rows as the file holds them, read by better-sqlite3 itself. */
const stored = (file: string): Array<{ id: number; balance: number }> => {
  const d = new Database(file, { readonly: true })
  try {
    return d.prepare('SELECT id, balance FROM accounts ORDER BY id').all() as Array<{ id: number; balance: number }>
  } finally {
    d.close()
  }
}

const withPool = async (f: (pool: Pool, file: string) => Promise<void>): Promise<void> => {
  const file = tempDbPath()
  const pool = workerPool(connect(file), { readers: 1 })
  try {
    const made = await pipe(
      pool.run(createTable(accounts)),
      TE.chain(() =>
        pool.run(
          insert(accounts, [
            { owner: 'ann', balance: 100 },
            { owner: 'bob', balance: 0 }
          ])
        )
      )
    )()
    if (E.isLeft(made)) throw new Error(made.left.message)
    await f(pool, file)
  } finally {
    await pool.close()
  }
}

const byId = (id: number) => pipe(select(accounts), filter(eq(accounts.id, id)), one)
const setBalance = (id: number, balance: number) => pipe(update(accounts), set({ balance }), filter(eq(accounts.id, id)))

const move = (amount: number) => (tx: { run: Pool['run'] }) =>
  pipe(
    tx.run(byId(1)),
    TE.chainW((a) => (a.balance >= amount ? TE.right(a) : TE.left('insufficient funds' as const))),
    TE.chainW((a) => tx.run(setBalance(1, a.balance - amount))),
    TE.chainW(() => tx.run(byId(2))),
    TE.chainW((b) => tx.run(setBalance(2, b.balance + amount))),
    TE.map(() => amount)
  )

test('Right commits every write of the callback', async (t) => {
  await withPool(async (pool, file) => {
    const r = await pool.transaction(move(30))()
    t.deepEqual(r, E.right(30))
    t.deepEqual(stored(file), [
      { id: 1, balance: 70 },
      { id: 2, balance: 30 }
    ])
  })
})

test('a Left rolls back the writes made before it, and is returned as it is', async (t) => {
  await withPool(async (pool, file) => {
    const r = await pool.transaction((tx) =>
      pipe(
        tx.run(setBalance(2, 999)),
        TE.chainW(() => move(500)(tx))
      )
    )()
    t.deepEqual(r, E.left('insufficient funds'))
    t.deepEqual(stored(file), [
      { id: 1, balance: 100 },
      { id: 2, balance: 0 }
    ])
  })
})

test('a rejection (or a throw) rolls back, as a Left UnexpectedError', async (t) => {
  await withPool(async (pool, file) => {
    const rejected = await pool.transaction((tx) =>
      pipe(
        tx.run(setBalance(2, 999)),
        TE.chain((): TE.TaskEither<DbError, never> => () => Promise.reject(new Error('boom')))
      )
    )()
    t.true(E.isLeft(rejected) && typeof rejected.left === 'object' && rejected.left._tag === 'UnexpectedError')
    const thrown = await pool.transaction((): TE.TaskEither<DbError, number> => {
      throw new Error('sync boom')
    })()
    t.true(E.isLeft(thrown) && thrown.left._tag === 'UnexpectedError')
    t.deepEqual(stored(file)[1], { id: 2, balance: 0 })
  })
})

test('a callback past timeoutMs is rolled back with BusyError; its later runs are refused; the writer works after', async (t) => {
  await withPool(async (pool, file) => {
    let late: E.Either<unknown, unknown> | undefined
    const r = await pool.transaction(
      (tx) =>
        pipe(
          tx.run(setBalance(2, 555)),
          TE.chain(
            (): TE.TaskEither<DbError, undefined> => () => new Promise((resolve) => setTimeout(resolve, 300)).then(() => E.right(undefined))
          ),
          TE.chain(() => tx.run(setBalance(1, 1))),
          TE.map((x) => {
            late = E.right(x)
            return x
          }),
          TE.mapLeft((e) => {
            late = E.left(e)
            return e
          })
        ),
      { timeoutMs: 100 }
    )()
    t.true(E.isLeft(r) && r.left._tag === 'BusyError', JSON.stringify(r))
    await new Promise((resolve) => setTimeout(resolve, 400))
    t.true(late !== undefined && E.isLeft(late), 'the run after the timeout is a Left')
    t.deepEqual(stored(file), [
      { id: 1, balance: 100 },
      { id: 2, balance: 0 }
    ])
    // The writer is free: a plain write and another transaction commit.
    t.true(E.isRight(await pool.run(setBalance(2, 7))()))
    t.deepEqual(await pool.transaction(move(10))(), E.right(10))
    t.deepEqual(stored(file), [
      { id: 1, balance: 90 },
      { id: 2, balance: 17 }
    ])
  })
})

test('writes from outside wait for the held writer (they do not join the transaction); reads go on', async (t) => {
  await withPool(async (pool, file) => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const tx = pool.transaction((tx) =>
      pipe(
        tx.run(setBalance(2, 50)),
        TE.chain((): TE.TaskEither<DbError, undefined> => () => gate.then(() => E.right(undefined))),
        TE.chainW(() => TE.left('abort' as const))
      )
    )()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const outside = pool.run(insert(accounts, { owner: 'cy', balance: 5 }))()
    // A read on a reader is not blocked, and sees only committed data.
    t.deepEqual(await pool.run(pipe(select(accounts), count))(), E.right(2))
    release()
    t.deepEqual(await tx, E.left('abort'))
    t.true(E.isRight(await outside))
    t.deepEqual(stored(file), [
      { id: 1, balance: 100 },
      { id: 2, balance: 0 },
      { id: 3, balance: 5 }
    ])
  })
})

test('bad options and a non-function are a Left ValidationError, nothing begun', async (t) => {
  await withPool(async (pool) => {
    const bad = await pool.transaction(move(1), { timeoutMs: -1 })()
    t.true(E.isLeft(bad) && typeof bad.left === 'object' && bad.left._tag === 'ValidationError' && bad.left.message.includes('timeoutMs'))
    const notF = await pool.transaction(42 as unknown as () => TE.TaskEither<DbError, number>)()
    t.true(E.isLeft(notF) && notF.left._tag === 'ValidationError')
    t.deepEqual(await pool.transaction(move(1))(), E.right(1))
  })
})
