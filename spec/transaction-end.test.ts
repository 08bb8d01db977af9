/**
 * Whatever ends a transaction before its callback returns (a session closed inside it,
 * a raw COMMIT / ROLLBACK / END, a savepoint released or rolled back past by hand) ends
 * it for good: every later statement in the callback is a Left, nothing after the end
 * commits on its own, and the transaction returns a Left (DESIGN.md, "Scope, relations
 * and values", last rule). Ending a transaction also finishes the streams still open on
 * its connection, so no lock is kept; and starting one while a stream is open is a Left,
 * never a throw.
 *
 * Every check of what was committed reads the file through a connection of its own.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db, DbError, LogEvent, Tx } from '../src/index.js'
import {
  all,
  connect,
  createTable,
  insert,
  isDbError,
  orderBy,
  raw,
  readTransaction,
  select,
  session,
  sql,
  transaction,
  values
} from '../src/index.js'
import { acquire } from '../src/conn/registry.js'
import { watching } from '../src/session/frames.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

const setup = (log?: (e: LogEvent) => void): Db => {
  const db = tempDb(log === undefined ? {} : { log })
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  unwrap(s.run(insert(notes, { body: 'committed before' })))
  return db
}

/** What the file holds, read by a connection of its own (not this thread's handle). */
const onDisk = (db: Db): string[] => {
  const other = new Database(db.file, { readonly: true })
  try {
    return (other.prepare('SELECT body FROM notes ORDER BY id').all() as Array<{ body: string }>).map((r) => r.body)
  } finally {
    other.close()
  }
}

const add = (on: { run: Tx['run'] }, body: string) => on.run(insert(notes, { body }))

const isEndedLeft = (r: E.Either<unknown, unknown>, pattern: RegExp): boolean =>
  E.isLeft(r) && isDbError(r.left) && r.left._tag === 'ValidationError' && pattern.test(r.left.message)

// -------------------------------------------------------------------------------------
// a session closed inside the callback
// -------------------------------------------------------------------------------------

test('a session closed inside the callback: later tx.run, session.run and nested transactions are Lefts, nothing commits', (t) => {
  const db = setup()
  const later: Array<E.Either<unknown, unknown>> = []
  const r = transaction(db, (tx) => {
    unwrap(add(tx, 'before the close'))
    session(db).close()
    later.push(add(tx, 'tx.run after the close'))
    later.push(add(session(db), 'session.run after the close'))
    later.push(transaction(tx, (inner) => add(inner, 'nested after the close')))
    later.push(transaction(db, (inner) => add(inner, 'transaction(db) after the close')))
    later.push(tx.stream(pipe(select(notes), all)))
    return E.right('the callback says commit')
  })
  t.true(isEndedLeft(r, /closed inside/), JSON.stringify(r))
  for (const [i, l] of later.entries()) t.true(isEndedLeft(l, /closed inside.*not run/), `statement ${i}: ${JSON.stringify(l)}`)
  t.deepEqual(onDisk(db), ['committed before'])
  // The next transaction, after the callback, is an ordinary one.
  t.true(E.isRight(transaction(db, (tx) => add(tx, 'a new transaction'))))
  t.deepEqual(onDisk(db), ['committed before', 'a new transaction'])
  session(db).close()
})

test('a session closed inside a savepoint ends the whole transaction: inner and outer later statements are Lefts', (t) => {
  const db = setup()
  let outerLater: E.Either<unknown, unknown> | undefined
  let innerLater: E.Either<unknown, unknown> | undefined
  let inner: E.Either<unknown, unknown> | undefined
  const r = transaction(db, (outer) => {
    unwrap(add(outer, 'outer before'))
    inner = transaction(outer, (tx) => {
      unwrap(add(tx, 'inner before'))
      session(db).close()
      innerLater = add(tx, 'inner after')
      return E.right(undefined)
    })
    outerLater = add(outer, 'outer after')
    return E.right(undefined)
  })
  t.true(isEndedLeft(inner!, /closed inside/), JSON.stringify(inner))
  t.true(isEndedLeft(innerLater!, /closed inside/))
  t.true(isEndedLeft(outerLater!, /closed inside/))
  t.true(isEndedLeft(r, /closed inside/))
  t.deepEqual(onDisk(db), ['committed before'])
  session(db).close()
})

test('a session closed inside readTransaction: later reads are Lefts, and the connection is writable afterwards', (t) => {
  const db = setup()
  let later: E.Either<unknown, unknown> | undefined
  const r = readTransaction(db, (tx) => {
    unwrap(tx.run(pipe(select(notes), values(notes.body))))
    session(db).close()
    later = tx.run(pipe(select(notes), values(notes.body)))
    return E.right(undefined)
  })
  t.true(isEndedLeft(later!, /closed inside/))
  t.true(isEndedLeft(r, /closed inside/))
  t.true(E.isRight(add(session(db), 'written after')), 'query_only did not stick to the next handle')
  t.deepEqual(onDisk(db), ['committed before', 'written after'])
  session(db).close()
})

// -------------------------------------------------------------------------------------
// transaction control in raw SQL
// -------------------------------------------------------------------------------------

const control = { COMMIT: raw(sql`COMMIT`), END: raw(sql`END`), ROLLBACK: raw(sql`ROLLBACK`) } as const

for (const [stmt, kept] of [
  ['COMMIT', ['committed before', 'before the raw statement']],
  ['END', ['committed before', 'before the raw statement']],
  ['ROLLBACK', ['committed before']]
] as const) {
  test(`a raw ${stmt} inside the callback ends the transaction: it is a Left itself, and nothing after it runs or commits`, (t) => {
    const db = setup()
    const later: Array<E.Either<unknown, unknown>> = []
    let ender: E.Either<unknown, unknown> | undefined
    const r = transaction(db, (tx) => {
      unwrap(add(tx, 'before the raw statement'))
      ender = tx.run(control[stmt])
      later.push(add(tx, 'tx.run after'))
      later.push(add(session(db), 'session.run after'))
      later.push(tx.run(raw(sql`BEGIN`)))
      later.push(transaction(tx, (inner) => add(inner, 'nested after')))
      return E.right(undefined)
    })
    t.true(isEndedLeft(ender!, new RegExp(`ended the transaction.*${stmt}`)), JSON.stringify(ender))
    for (const [i, l] of later.entries()) t.true(isEndedLeft(l, /already ended.*not run/), `statement ${i}: ${JSON.stringify(l)}`)
    t.true(isEndedLeft(r, /already ended/), JSON.stringify(r))
    t.deepEqual(onDisk(db), kept, `what ${stmt} itself did stands; nothing after it was committed`)
    t.false(unwrap(acquire(db)).db.inTransaction, 'no transaction is left open')
    session(db).close()
  })
}

test('a raw COMMIT through a plain session inside the callback ends the transaction too', (t) => {
  const db = setup()
  let later: E.Either<unknown, unknown> | undefined
  const r = transaction(db, (tx) => {
    unwrap(add(tx, 'before'))
    t.true(E.isLeft(session(db).run(raw(sql`COMMIT`))))
    later = add(tx, 'after')
    return E.right(undefined)
  })
  t.true(isEndedLeft(later!, /already ended/))
  t.true(isEndedLeft(r, /already ended/))
  t.deepEqual(onDisk(db), ['committed before', 'before'])
  session(db).close()
})

test('the levels are kept right across many databases: a raw COMMIT is seen in each, nested or not, and nothing is left watched', (t) => {
  // More databases than the model keeps idle entries for (frames.ts, KEPT_EMPTY = 64), so
  // that idle ones are swept while others are still running.
  const dbs = Array.from({ length: 70 }, () => setup())
  t.false(watching(), 'no callback runs yet')
  const outer = transaction(dbs[0]!, (tx0) => {
    t.true(watching())
    for (const db of dbs.slice(1)) {
      let later: E.Either<unknown, unknown> | undefined
      const r = transaction(db, (tx) => {
        unwrap(add(tx, 'before'))
        // A nested level too: the savepoint's end and the transaction's end are both seen.
        const inner = transaction(tx, (tx2) =>
          pipe(
            add(tx2, 'inner'),
            E.map(() => 'inner')
          )
        )
        t.deepEqual(inner, E.right('inner'))
        t.true(E.isLeft(session(db).run(raw(sql`COMMIT`))))
        later = add(tx, 'after')
        return E.right(undefined)
      })
      t.true(isEndedLeft(later!, /already ended/))
      t.true(isEndedLeft(r, /already ended/))
      t.deepEqual(onDisk(db), ['committed before', 'before', 'inner'])
    }
    // The outer transaction on the first database is still running and still watched.
    t.true(watching())
    return add(tx0, 'outer')
  })
  t.true(E.isRight(outer))
  t.deepEqual(onDisk(dbs[0]!), ['committed before', 'outer'])
  t.false(watching(), 'every level was left')
  for (const db of dbs) session(db).close()
})

/** The savepoint names the library used, from the log. */
const savepointsOf = (events: ReadonlyArray<LogEvent>): string[] =>
  events.filter((e) => e.sql.startsWith('SAVEPOINT')).map((e) => e.sql.slice('SAVEPOINT '.length).replace(/"/g, ''))

test('a savepoint released by hand: later statements of that level are Lefts, the outer transaction goes on', (t) => {
  const events: LogEvent[] = []
  const db = setup((e) => events.push(e))
  let innerLater: E.Either<unknown, unknown> | undefined
  let plainLater: E.Either<unknown, unknown> | undefined
  let nestedLater: E.Either<unknown, unknown> | undefined
  let released: E.Either<unknown, unknown> | undefined
  let inner: E.Either<unknown, unknown> | undefined
  const r = transaction(db, (outer) => {
    unwrap(add(outer, 'outer before'))
    inner = transaction(outer, (tx) => {
      unwrap(add(tx, 'inner before'))
      const [name] = savepointsOf(events)
      released = tx.run(raw(sql`RELEASE ${sql.identifier(name!)}`))
      innerLater = add(tx, 'inner after')
      plainLater = add(session(db), 'plain session after')
      nestedLater = transaction(db, (deeper) => add(deeper, 'nested after'))
      return E.right(undefined)
    })
    return add(outer, 'outer after')
  })
  t.true(isEndedLeft(released!, /ended the savepoint/), JSON.stringify(released))
  t.true(isEndedLeft(innerLater!, /savepoint.*already ended.*not run/), JSON.stringify(innerLater))
  t.true(isEndedLeft(plainLater!, /savepoint.*already ended.*not run/), JSON.stringify(plainLater))
  t.true(isEndedLeft(nestedLater!, /savepoint.*already ended.*not run/), JSON.stringify(nestedLater))
  t.true(isEndedLeft(inner!, /savepoint.*already ended/), JSON.stringify(inner))
  t.true(E.isRight(r), JSON.stringify(r))
  // The hand-made RELEASE merged the inner work into the outer transaction, which committed.
  t.deepEqual(onDisk(db), ['committed before', 'outer before', 'inner before', 'outer after'])
  session(db).close()
})

test('a ROLLBACK TO an outer savepoint ends the levels inside it; the level it names goes on', (t) => {
  const events: LogEvent[] = []
  const db = setup((e) => events.push(e))
  let innermost: E.Either<unknown, unknown> | undefined
  let rolledBack: E.Either<unknown, unknown> | undefined
  let middleLater: E.Either<unknown, unknown> | undefined
  const r = transaction(db, (outer) => {
    unwrap(add(outer, 'level 1'))
    const middle = transaction(outer, (mid) => {
      unwrap(add(mid, 'level 2'))
      innermost = transaction(mid, (tx) => {
        unwrap(add(tx, 'level 3'))
        const [middleName] = savepointsOf(events)
        rolledBack = tx.run(raw(sql`ROLLBACK TO ${sql.identifier(middleName!)}`))
        return add(tx, 'level 3 after')
      })
      middleLater = add(mid, 'level 2 after')
      return middleLater
    })
    t.true(E.isRight(middle), JSON.stringify(middle))
    return E.right(undefined)
  })
  t.true(isEndedLeft(rolledBack!, /ended the savepoint/), JSON.stringify(rolledBack))
  t.true(isEndedLeft(innermost!, /savepoint.*already ended.*not run/), JSON.stringify(innermost))
  t.true(E.isRight(middleLater!), 'the level named by ROLLBACK TO is still open')
  t.true(E.isRight(r), JSON.stringify(r))
  t.deepEqual(onDisk(db), ['committed before', 'level 1', 'level 2 after'])
  session(db).close()
})

test('a savepoint of your own, released inside the callback, does not end the transaction', (t) => {
  const db = setup()
  const r = transaction(db, (tx) =>
    pipe(
      tx.run(raw(sql`SAVEPOINT mine`)),
      E.chain(() => add(tx, 'inside mine')),
      E.chain(() => tx.run(raw(sql`RELEASE mine`))),
      E.chain(() => tx.run(raw(sql`SAVEPOINT "undone"`))),
      E.chain(() => add(tx, 'undone')),
      E.chain(() => tx.run(raw(sql`ROLLBACK TO undone`))),
      E.chain(() => add(tx, 'after mine'))
    )
  )
  t.true(E.isRight(r), JSON.stringify(r))
  t.deepEqual(onDisk(db), ['committed before', 'inside mine', 'after mine'])
  session(db).close()
})

// -------------------------------------------------------------------------------------
// streams left open when a transaction ends
// -------------------------------------------------------------------------------------

const many = (db: Db): void => {
  unwrap(
    session(db).run(
      insert(
        notes,
        Array.from({ length: 50 }, (_, i) => ({ body: `row ${i}` }))
      )
    )
  )
}

/** What `f` throws (a DbError is thrown as a plain value, which t.throws does not take). */
const thrownBy = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return 'nothing was thrown'
}

/** A second, real connection (its own handle: different options) that must be able to write at once. */
const otherWriter = (db: Db) => session(connect(db.file, { busyTimeoutMs: 30 }))

for (const ending of ['Right', 'Left'] as const) {
  test(`a stream left half-read inside a transaction whose callback returns ${ending}: the transaction ends, the lock is released`, (t) => {
    const db = setup()
    many(db)
    let iterator: Iterator<unknown> | undefined
    const r = transaction(db, (tx) => {
      iterator = unwrap(tx.stream(pipe(select(notes), orderBy(notes.id), all)))[Symbol.iterator]()
      iterator.next()
      iterator.next()
      return ending === 'Right' ? E.right('done') : E.left('undo')
    })
    t.deepEqual(r, ending === 'Right' ? E.right('done') : E.left('undo'))
    t.false(unwrap(acquire(db)).db.inTransaction, 'the transaction is not left open')
    const other = otherWriter(db)
    t.true(E.isRight(add(other, 'from another connection')), 'another connection can write at once')
    other.close()
    // The stream was finished with its transaction: resuming it is the documented throw, a DbError.
    const e = thrownBy(() => iterator!.next())
    t.true(isDbError(e) && /stream.*transaction ended/.test(e.message), JSON.stringify(e))
    t.true(E.isRight(add(session(db), 'the same thread writes again')))
    session(db).close()
  })
}

test('a stream left half-read in a savepoint is finished when the savepoint ends; the outer transaction goes on', (t) => {
  const db = setup()
  many(db)
  const r = transaction(db, (outer) => {
    const inner = transaction(outer, (tx) => {
      const it = unwrap(tx.stream(pipe(select(notes), all)))[Symbol.iterator]()
      it.next()
      return E.right(undefined)
    })
    if (E.isLeft(inner)) return inner
    return add(outer, 'after the savepoint')
  })
  t.true(E.isRight(r), JSON.stringify(r))
  t.true(onDisk(db).includes('after the savepoint'))
  const other = otherWriter(db)
  t.true(E.isRight(add(other, 'from another connection')))
  other.close()
  session(db).close()
})

test('a stream left half-read inside readTransaction: the read ends, a writer can checkpoint the whole WAL', (t) => {
  const db = setup()
  many(db)
  const r = readTransaction(db, (tx) => {
    const it = unwrap(tx.stream(pipe(select(notes), all)))[Symbol.iterator]()
    it.next()
    return E.right(undefined)
  })
  t.true(E.isRight(r))
  t.false(unwrap(acquire(db)).db.inTransaction)
  const other = new Database(db.file, { timeout: 30 })
  other.prepare(`INSERT INTO notes (body) VALUES ('w')`).run()
  const [cp] = other.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
  other.close()
  t.is(cp!.busy, 0, 'no reader holds the WAL back')
  t.true(E.isRight(add(session(db), 'writable again')), 'query_only was turned off again')
  session(db).close()
})

// -------------------------------------------------------------------------------------
// starting a transaction while a stream is open
// -------------------------------------------------------------------------------------

for (const kind of ['transaction', 'readTransaction'] as const) {
  test(`${kind} while a stream is open on the thread is a Left naming the stream, never a throw`, (t) => {
    const db = setup()
    many(db)
    const s = session(db)
    const start = (body: (tx: Tx) => E.Either<DbError, unknown>) =>
      kind === 'transaction' ? transaction(db, body) : readTransaction(db, body)
    let r: E.Either<unknown, unknown> | undefined
    for (const _row of unwrap(s.stream(pipe(select(notes), all)))) {
      t.notThrows(() => {
        r = start((tx) => tx.run(pipe(select(notes), values(notes.body))))
      })
      break
    }
    t.true(r !== undefined && E.isLeft(r), JSON.stringify(r))
    const e = unwrapLeft(r!) as DbError
    t.is(e._tag, 'ValidationError')
    t.regex(e.message, /still reading a stream.*Finish \(or break out of\) the loop/)
    t.false(unwrap(acquire(db)).db.inTransaction, 'nothing was left half-begun')
    // After the loop the same call works.
    t.true(E.isRight(start((tx) => tx.run(pipe(select(notes), values(notes.body))))))
    s.close()
  })
}
