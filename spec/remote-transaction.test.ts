/**
 * remotePool(dqlite(...)).transaction and batch: the same contract as workerPool's
 * (spec/pool-transaction.test.ts), on the live cluster. Right commits, a Left (of any type)
 * or a rejection rolls back, a callback past timeoutMs is rolled back with BusyError and the
 * connection is usable after; other queries wait for the held connection. What is stored is
 * read back through a second driver (another connection), not the pool under test.
 */
import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError, Pool, PoolTx } from '../src/index.js'
import { createTable, dqlite, eq, filter, insert, integer, one, remotePool, select, set, table, text, update } from '../src/index.js'
import { NO_CLUSTER, SERVERS, clusterUp, freshDatabase } from './helpers/dqlite.js'

const accounts = table('accounts', { id: integer().primaryKey(), owner: text().notNull(), balance: integer().notNull() })
const byId = (id: number) => pipe(select(accounts), filter(eq(accounts.id, id)), one)
const setBalance = (id: number, balance: number) => pipe(update(accounts), set({ balance }), filter(eq(accounts.id, id)))

const move = (amount: number) => (tx: PoolTx) =>
  pipe(
    tx.run(byId(1)),
    TE.chainW((a) => (a.balance >= amount ? TE.right(a) : TE.left('insufficient funds' as const))),
    TE.chainW((a) => tx.run(setBalance(1, a.balance - amount))),
    TE.chainW(() => tx.run(byId(2))),
    TE.chainW((b) => tx.run(setBalance(2, b.balance + amount))),
    TE.map(() => amount)
  )

const up = await clusterUp()

if (!up) {
  test.skip(NO_CLUSTER, () => undefined)
} else {
  /** A pool on a fresh database with two accounts, and what another connection reads there. */
  const withPool = async (f: (pool: Pool, stored: () => Promise<unknown>) => Promise<void>): Promise<void> => {
    const database = freshDatabase('rtx')
    const pool = remotePool(dqlite({ servers: SERVERS, database }))
    const reader = dqlite({ servers: SERVERS, database })
    const stored = async () => {
      const r = await reader.run({ sql: 'SELECT id, balance FROM accounts ORDER BY id', params: [], rows: true, write: false })
      return E.isRight(r) && r.right._tag === 'Rows' ? r.right.rows : r
    }
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
      await f(pool, stored)
    } finally {
      await pool.close()
      await reader.close()
    }
  }

  test('Right commits; a Left of the callback’s own type rolls back and comes back as it is', async (t) => {
    await withPool(async (pool, stored) => {
      t.deepEqual(await pool.transaction(move(30))(), E.right(30))
      t.deepEqual(await stored(), [
        [1, 70],
        [2, 30]
      ])
      const r = await pool.transaction((tx) =>
        pipe(
          tx.run(setBalance(2, 999)),
          TE.chainW(() => move(500)(tx))
        )
      )()
      t.deepEqual(r, E.left('insufficient funds'))
      t.deepEqual(await stored(), [
        [1, 70],
        [2, 30]
      ])
    })
  })

  test('a rejection rolls back as UnexpectedError; a DbError Left (a constraint) rolls back as it is', async (t) => {
    await withPool(async (pool, stored) => {
      const rejected = await pool.transaction((tx) =>
        pipe(
          tx.run(setBalance(2, 999)),
          TE.chain((): TE.TaskEither<DbError, never> => () => Promise.reject(new Error('boom')))
        )
      )()
      t.true(E.isLeft(rejected) && rejected.left._tag === 'UnexpectedError')
      const dup = await pool.transaction((tx) =>
        pipe(
          tx.run(setBalance(2, 5)),
          TE.chain(() => tx.run(insert(accounts, { id: 1, owner: 'x', balance: 0 })))
        )
      )()
      t.true(E.isLeft(dup) && dup.left._tag === 'ConstraintError' && dup.left.kind === 'primaryKey', JSON.stringify(dup))
      t.deepEqual(await stored(), [
        [1, 100],
        [2, 0]
      ])
    })
  })

  test('past timeoutMs: rolled back with BusyError, later runs refused, the pool works after; others waited', async (t) => {
    await withPool(async (pool, stored) => {
      let late: E.Either<unknown, unknown> | undefined
      const held = pool.transaction(
        (tx) =>
          pipe(
            tx.run(setBalance(2, 555)),
            TE.chain(
              (): TE.TaskEither<DbError, undefined> => () => new Promise((resolve) => setTimeout(() => resolve(E.right(undefined)), 400))
            ),
            TE.chain(() => tx.run(setBalance(1, 1))),
            (te) => async () => {
              late = await te()
              return late
            }
          ),
        { timeoutMs: 150 }
      )()
      await new Promise((resolve) => setTimeout(resolve, 50))
      // Queued behind the held connection; runs once the transaction is rolled back.
      const outside = pool.run(setBalance(2, 7))()
      const r = await held
      t.true(E.isLeft(r) && (r.left as DbError)._tag === 'BusyError', JSON.stringify(r))
      t.true(E.isRight(await outside))
      await new Promise((resolve) => setTimeout(resolve, 450))
      t.true(late !== undefined && E.isLeft(late), 'the run after the timeout is a Left')
      t.deepEqual(await stored(), [
        [1, 100],
        [2, 7]
      ])
      t.deepEqual(await pool.transaction(move(10))(), E.right(10))
    })
  })

  test('batch: all or nothing, results in order', async (t) => {
    await withPool(async (pool, stored) => {
      const ok = await pool.batch([setBalance(1, 1), byId(1)])()
      t.true(E.isRight(ok) && ok.right[0].changes === 1 && ok.right[1].balance === 1)
      const bad = await pool.batch([setBalance(1, 2), insert(accounts, { id: 2, owner: 'dup', balance: 0 })])()
      t.true(E.isLeft(bad) && bad.left._tag === 'ConstraintError')
      t.deepEqual(await stored(), [
        [1, 1],
        [2, 0]
      ])
    })
  })
}
