import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError, LogEvent, Tx } from '../src/index.js'
import {
  count,
  createTable,
  deleteFrom,
  eq,
  filter,
  insert,
  integer,
  readTransaction,
  retryOnBusy,
  select,
  session,
  set,
  table,
  text,
  transaction,
  update,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const accounts = table('accounts', { id: integer().primaryKey(), owner: text().notNull(), balance: integer().notNull() })
const owners = table('owners', { id: integer().primaryKey(), name: text().notNull() })
const pets = table('pets', {
  id: integer().primaryKey(),
  ownerId: integer('owner_id')
    .notNull()
    .references(() => owners.id, { onDelete: 'cascade' }),
  name: text().notNull()
})

const setup = (log?: (e: LogEvent) => void) => {
  const db = tempDb(log === undefined ? {} : { log })
  const s = session(db)
  unwrap(s.run(createTable(accounts)))
  unwrap(
    s.run(
      insert(accounts, [
        { owner: 'a', balance: 100 },
        { owner: 'b', balance: 0 }
      ])
    )
  )
  return { db, s }
}

const balances = (s: ReturnType<typeof session>) => unwrap(s.run(pipe(select(accounts), values(accounts.balance))))

const move = (tx: Tx, amount: number) =>
  pipe(
    tx.run(pipe(update(accounts), set({ balance: amount === 999 ? -1 : 100 - amount }), filter(eq(accounts.id, 1)))),
    E.chain(() => tx.run(pipe(update(accounts), set({ balance: amount }), filter(eq(accounts.id, 2)))))
  )

test('Right commits, with BEGIN IMMEDIATE ... COMMIT', (t) => {
  const events: LogEvent[] = []
  const { s } = setup((e) => events.push(e))
  events.length = 0
  const r = transaction(s.db, (tx) =>
    pipe(
      move(tx, 30),
      E.map(() => 'done')
    )
  )
  const statements = events.map((e) => e.sql)
  t.deepEqual(r, E.right('done'))
  t.deepEqual(balances(s), [70, 30])
  t.deepEqual(
    statements.map((sql) => sql.split(' ')[0]),
    ['BEGIN', 'UPDATE', 'UPDATE', 'COMMIT']
  )
  t.is(statements[0], 'BEGIN IMMEDIATE')
})

test('Left rolls back and is returned as it is', (t) => {
  const { s } = setup()
  const r = transaction(s, (tx) =>
    pipe(
      move(tx, 30),
      E.chainW(() => E.left({ reason: 'changed my mind' as const }))
    )
  )
  t.deepEqual(r, E.left({ reason: 'changed my mind' }))
  t.deepEqual(balances(s), [100, 0])
})

test('a throw rolls back and is returned as Left UnexpectedError carrying the cause', (t) => {
  const { s } = setup()
  const boom = new Error('boom')
  const r = transaction<never, never>(s.db, (tx) => {
    unwrap(move(tx, 30))
    throw boom
  })
  const e = unwrapLeft(r)
  t.is(e._tag, 'UnexpectedError')
  t.true(e._tag === 'UnexpectedError' && e.cause === boom)
  t.regex(e.message, /boom/)
  t.deepEqual(balances(s), [100, 0])
})

test('a failing statement inside rolls everything back when the callback passes its Left on', (t) => {
  const { s } = setup()
  const r = transaction(s.db, (tx) =>
    pipe(
      move(tx, 30),
      E.chain(() => tx.run(insert(accounts, { id: 1, owner: 'dup', balance: 0 })))
    )
  )
  t.like(unwrapLeft(r), { _tag: 'ConstraintError', kind: 'primaryKey' })
  t.deepEqual(balances(s), [100, 0])
})

test('three levels of nesting with a failure in the middle: only the middle level is undone', (t) => {
  const events: LogEvent[] = []
  const { db, s } = setup((e) => events.push(e))
  events.length = 0
  const add = (tx: Tx, owner: string) => tx.run(insert(accounts, { owner, balance: 1 }))
  const r = transaction(db, (outer) => {
    t.is(outer.depth, 1)
    unwrap(add(outer, 'level1'))
    const middle = transaction(outer, (mid) => {
      t.is(mid.depth, 2)
      unwrap(add(mid, 'level2'))
      const inner = transaction(mid, (inn) => {
        t.is(inn.depth, 3)
        return add(inn, 'level3')
      })
      t.true(E.isRight(inner))
      return E.left('middle failed')
    })
    t.deepEqual(middle, E.left('middle failed'))
    return add(outer, 'level1-after')
  })
  t.true(E.isRight(r))
  t.deepEqual(unwrap(s.run(pipe(select(accounts), values(accounts.owner)))), ['a', 'b', 'level1', 'level1-after'])
  const savepoints = events.filter((e) => /SAVEPOINT|RELEASE|ROLLBACK/.test(e.sql)).map((e) => e.sql.replace(/fplite_sp_\d+/, 'sp'))
  t.deepEqual(savepoints, ['SAVEPOINT "sp"', 'SAVEPOINT "sp"', 'RELEASE "sp"', 'ROLLBACK TO "sp"', 'RELEASE "sp"'])
})

test('savepoint names are unique under recursion', (t) => {
  const events: LogEvent[] = []
  const { db } = setup((e) => events.push(e))
  const dive = (on: Tx, n: number): E.Either<DbError, number> => (n === 0 ? E.right(on.depth) : transaction(on, (tx) => dive(tx, n - 1)))
  t.deepEqual(
    transaction(db, (tx) => dive(tx, 20)),
    E.right(21)
  )
  const names = events.filter((e) => e.sql.startsWith('SAVEPOINT')).map((e) => e.sql)
  t.is(names.length, 20)
  t.is(new Set(names).size, 20)
})

test('a session used inside the callback on the same thread joins the transaction', (t) => {
  const { db, s } = setup()
  const r = transaction(db, () => {
    const other = session(db)
    unwrap(other.run(insert(accounts, { owner: 'joined', balance: 5 })))
    return E.left('roll it all back')
  })
  t.true(E.isLeft(r))
  t.is(unwrap(s.run(pipe(select(accounts), count))), 2, "the plain session's insert was part of the transaction")
})

test('cascade deletes inside a transaction, rolled back with it', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(owners)))
  unwrap(s.run(createTable(pets)))
  unwrap(s.run(insert(owners, [{ name: 'o1' }, { name: 'o2' }])))
  unwrap(
    s.run(
      insert(pets, [
        { ownerId: 1, name: 'p1' },
        { ownerId: 1, name: 'p2' },
        { ownerId: 2, name: 'p3' }
      ])
    )
  )
  const r = transaction(s, (tx) => {
    unwrap(tx.run(pipe(deleteFrom(owners), filter(eq(owners.id, 1)))))
    t.is(unwrap(tx.run(pipe(select(pets), count))), 1, 'the cascade ran inside the transaction')
    return E.left('undo')
  })
  t.true(E.isLeft(r))
  t.is(unwrap(s.run(pipe(select(pets), count))), 3)
  t.true(E.isRight(transaction(s, (tx) => tx.run(pipe(deleteFrom(owners), filter(eq(owners.id, 1)))))))
  t.deepEqual(unwrap(s.run(pipe(select(pets), values(pets.name)))), ['p3'])
})

test('a transaction as data: a list of queries, all or nothing, results typed in order', (t) => {
  const { db, s } = setup()
  const ok = transaction(db, [
    insert(accounts, { owner: 'c', balance: 1 }),
    pipe(select(accounts), count),
    pipe(update(accounts), set({ balance: 2 }), filter(eq(accounts.owner, 'c')))
  ] as const)
  const [ins, n, upd] = unwrap(ok)
  t.is(ins.lastInsertRowid, 3)
  t.is(n, 3)
  t.is(upd.changes, 1)
  const bad = transaction(db, [insert(accounts, { owner: 'd', balance: 1 }), insert(accounts, { id: 1, owner: 'x', balance: 0 })])
  t.like(unwrapLeft(bad), { _tag: 'ConstraintError' })
  t.is(unwrap(s.run(pipe(select(accounts), count))), 3)
})

test('async callbacks are a type error, and a returned Promise is rolled back, never committed', async (t) => {
  const { db, s } = setup()
  const r = transaction(
    db,
    // @ts-expect-error a Promise is not an Either: transactions are synchronous
    // eslint-disable-next-line @typescript-eslint/require-await -- the bad input under test: an async callback
    async (tx: Tx) => tx.run(insert(accounts, { owner: 'async', balance: 1 }))
  )
  const e = unwrapLeft(r) as DbError
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /returned a Promise.*synchronous.*rolled back/)
  // @ts-expect-error a TaskEither is not an Either either
  const r2 = transaction(db, (tx: Tx) => TE.fromEither(tx.run(insert(accounts, { owner: 'te', balance: 1 }))))
  t.regex((unwrapLeft(r2) as { message: string }).message, /returned a function/)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.deepEqual(unwrap(s.run(pipe(select(accounts), values(accounts.owner)))), ['a', 'b'])
})

test('a tx used after its transaction ended is a Left, not a silent autocommit', (t) => {
  const { db, s } = setup()
  let leaked: Tx | undefined
  unwrap(
    transaction(db, (tx) => {
      leaked = tx
      return E.right(undefined)
    })
  )
  const e = unwrapLeft(leaked!.run(insert(accounts, { owner: 'late', balance: 0 })))
  t.regex(e.message, /transaction has ended/)
  t.is(unwrap(s.run(pipe(select(accounts), count))), 2)
})

test('deferred mode, and an unknown mode is a Left', (t) => {
  const events: LogEvent[] = []
  const { db } = setup((e) => events.push(e))
  unwrap(transaction(db, (tx) => tx.run(pipe(select(accounts), count)), { mode: 'deferred' }))
  t.true(events.some((e) => e.sql === 'BEGIN DEFERRED'))
  t.is(unwrapLeft(transaction(db, () => E.right(1), { mode: 'sometime' as never }))._tag, 'ValidationError')
})

test('readTransaction reads one snapshot while a writer commits, without blocking it, and refuses writes', (t) => {
  const { db, s } = setup()
  const writer = new Database(db.file)
  const r = readTransaction(db, (tx) => {
    const before = unwrap(tx.run(pipe(select(accounts), count)))
    // Another connection writes and commits while the snapshot is open: not blocked.
    writer.prepare(`INSERT INTO accounts (owner, balance) VALUES ('w', 1)`).run()
    const after = unwrap(tx.run(pipe(select(accounts), count)))
    const write = tx.run(insert(accounts, { owner: 'no', balance: 0 }))
    return E.right({ before, after, write })
  })
  writer.close()
  const { before, after, write } = unwrap(r)
  t.is(before, 2)
  t.is(after, 2, 'the snapshot does not see the later commit')
  t.true(E.isLeft(write))
  t.regex(E.isLeft(write) ? write.left.message : '', /readonly/)
  t.is(unwrap(s.run(pipe(select(accounts), count))), 3, 'outside, the commit is visible')
  t.true(E.isRight(s.run(insert(accounts, { owner: 'writable again', balance: 0 }))))
})

test('busy: another connection holding the write lock makes BEGIN IMMEDIATE wait, then a Left BusyError', (t) => {
  const db = tempDb({ busyTimeoutMs: 60 })
  const s = session(db)
  unwrap(s.run(createTable(accounts)))
  const other = new Database(db.file)
  other.exec('BEGIN IMMEDIATE')
  const started = Date.now()
  const r = transaction(db, (tx) => tx.run(insert(accounts, { owner: 'x', balance: 0 })))
  t.true(Date.now() - started >= 50)
  t.like(unwrapLeft(r), { _tag: 'BusyError' })
  other.exec('ROLLBACK')
  other.close()
})

test('retryOnBusy retries a busy transaction with backoff and succeeds once the lock is gone', (t) => {
  const db = tempDb({ busyTimeoutMs: 10 })
  const s = session(db)
  unwrap(s.run(createTable(accounts)))
  const other = new Database(db.file)
  other.exec('BEGIN IMMEDIATE')
  let tries = 0
  const r = retryOnBusy(
    () => {
      tries++
      if (tries === 3) other.exec('ROLLBACK') // the other writer finishes meanwhile
      return transaction(db, (tx) => tx.run(insert(accounts, { owner: 'retried', balance: 0 })))
    },
    { attempts: 5, baseDelayMs: 5 }
  )
  other.close()
  t.true(E.isRight(r))
  t.is(tries, 3)
  // Bounded: with the lock never released it gives up after `attempts`.
  const blocker = new Database(db.file)
  blocker.exec('BEGIN IMMEDIATE')
  let n = 0
  const gaveUp = retryOnBusy(
    () => {
      n++
      return transaction(db, (tx) => tx.run(insert(accounts, { owner: 'never', balance: 0 })))
    },
    { attempts: 3, baseDelayMs: 1 }
  )
  blocker.exec('ROLLBACK')
  blocker.close()
  t.like(unwrapLeft(gaveUp), { _tag: 'BusyError' })
  t.is(n, 3)
  // Other Lefts are not retried.
  let m = 0
  retryOnBusy(() => {
    m++
    return E.left('nope')
  })
  t.is(m, 1)
})

test('transaction takes a session or a tx as well as a db, and bad arguments are a Left', (t) => {
  const { s } = setup()
  t.deepEqual(
    transaction(s, (tx) => transaction(tx, (inner) => E.right(inner.depth))),
    E.right(2)
  )
  t.like(transaction(s.db, 42 as never), { _tag: 'Left', left: { _tag: 'ValidationError' } })
  t.like(
    transaction(s.db, () => 'not an either' as never),
    { _tag: 'Left', left: { _tag: 'ValidationError' } }
  )
})
