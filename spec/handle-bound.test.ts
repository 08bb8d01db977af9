/**
 * The rule for handles (docs/performance.md, "Connections"; the TSDoc of connect): one
 * handle per thread per database and set of handle-changing options (readonly,
 * busyTimeoutMs, pragmas, statementCacheSize), at most HANDLE_LIMIT file handles per
 * thread. Past the limit the least recently used idle handle is closed (it reopens on its
 * next use); a handle in a transaction, reading a stream, or holding a `:memory:`
 * database is never closed to make room.
 *
 * Counts are per process (module state, file descriptors), so the tests are serial.
 */
import test from 'ava'
import * as fs from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../src/index.js'
import { all, connect, count, createTable, insert, raw, select, session, sql, transaction } from '../src/index.js'
import { HANDLE_LIMIT, acquire, openHandleCount } from '../src/conn/registry.js'
import { tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

const procFs = fs.existsSync('/proc/self/fd')
const openFds = (): number => fs.readdirSync('/proc/self/fd').length

const newFile = (rows = 1): string => {
  const file = tempDbPath()
  const db = connect(file)
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  unwrap(
    s.run(
      insert(
        notes,
        Array.from({ length: rows }, (_, i) => ({ body: `row ${i}` }))
      )
    )
  )
  s.close()
  return file
}

const busyTimeoutOf = (db: Db): unknown => unwrap(session(db).run(pipe(raw(sql`PRAGMA busy_timeout`), all)))[0]

test.serial(
  '200 descriptors of one file with different options: at most HANDLE_LIMIT handles, fds bounded, each keeps its options',
  (t) => {
    const file = newFile()
    const handles = openHandleCount()
    const fds = procFs ? openFds() : 0
    const dbs = Array.from({ length: 200 }, (_, i) => connect(file, { busyTimeoutMs: 1000 + i }))
    for (const db of dbs) {
      if (unwrap(session(db).run(pipe(select(notes), count))) !== 1) return t.fail('wrong count')
    }
    t.true(openHandleCount() - handles <= HANDLE_LIMIT, `${openHandleCount() - handles} handles open`)
    if (procFs) {
      const grown = openFds() - fds
      t.true(grown <= 3 * HANDLE_LIMIT, `${grown} more file descriptors for 200 descriptors`)
    } else t.log('no /proc: file descriptors not counted')
    // A descriptor whose handle was closed to make room reopens it, with its own options.
    t.deepEqual(busyTimeoutOf(dbs[0]!), { timeout: 1000 })
    t.deepEqual(busyTimeoutOf(dbs[199]!), { timeout: 1199 })
    for (const db of dbs) session(db).close()
    t.is(openHandleCount(), handles)
    if (procFs)
      t.true(
        openFds() <= fds,
        `every descriptor is back: ${openFds()} > ${fds} (fewer is fine: an earlier test's handle may be closed to make room)`
      )
  }
)

test.serial('a handle in a transaction or reading a stream is never closed to make room', (t) => {
  const file = newFile(30)
  const streaming = connect(file, { busyTimeoutMs: 7 })
  const it = unwrap(session(streaming).stream(pipe(select(notes), all)))[Symbol.iterator]()
  it.next()
  const writer = connect(file)
  const r = transaction(writer, (tx): E.Either<unknown, unknown> => {
    const h = unwrap(acquire(writer))
    unwrap(tx.run(insert(notes, { body: 'in the transaction' })))
    // Many other databases, used while the transaction runs (other files: no lock contention).
    for (let i = 0; i < HANDLE_LIMIT + 20; i++) unwrap(session(connect(newFile())).run(pipe(select(notes), count)))
    if (unwrap(acquire(writer)) !== h || !h.db.inTransaction) return E.left('the transaction lost its handle')
    return tx.run(insert(notes, { body: 'after the others' }))
  })
  t.true(E.isRight(r), JSON.stringify(r))
  t.is(unwrap(session(writer).run(pipe(select(notes), count))), 32)
  let rest = 0
  for (let n = it.next(); n.done !== true; n = it.next()) rest++
  t.is(rest, 29, 'the stream read on to its end')
  session(streaming).close()
  session(writer).close()
})

test.serial('readonly and read-write descriptors of one file are two handles, each keeping its mode', (t) => {
  const file = newFile()
  const reader = session(connect(file, { readonly: true }))
  const writer = session(connect(file))
  t.is(unwrap(reader.run(pipe(select(notes), count))), 1)
  t.true(E.isRight(writer.run(insert(notes, { body: 'written' }))))
  t.is(unwrapLeft(reader.run(insert(notes, { body: 'refused' })))._tag, 'SqliteError')
  t.is(unwrap(reader.run(pipe(select(notes), count))), 2)
  reader.close()
  writer.close()
})

test.serial('when every handle is busy at the limit, one more is a Left ConnectionError naming the path, and works once they end', (t) => {
  const files = Array.from({ length: HANDLE_LIMIT }, () => connect(tempDbPath()))
  const extra = connect(newFile())
  let refusal: E.Either<unknown, unknown> | undefined
  // HANDLE_LIMIT transactions, nested, on as many files: all held at once.
  const nest = (i: number): E.Either<unknown, number> =>
    i === files.length
      ? ((refusal = session(extra).run(pipe(select(notes), count))), E.right(i))
      : transaction(files[i]!, () => nest(i + 1))
  t.deepEqual(nest(0), E.right(HANDLE_LIMIT))
  const e = unwrapLeft(refusal!) as { _tag: string; path?: string; message: string }
  t.is(e._tag, 'ConnectionError')
  t.is(e.path, extra.path)
  t.regex(e.message, new RegExp(`${HANDLE_LIMIT} connections open and every one is in use`))
  t.is(unwrap(session(extra).run(pipe(select(notes), count))), 1, 'once the transactions ended, it opens')
  for (const db of [...files, extra]) session(db).close()
})

test.serial(':memory: databases are never closed to make room (their data lives in the handle)', (t) => {
  const memories = Array.from({ length: 3 }, () => connect(':memory:'))
  for (const m of memories) {
    const s = session(m)
    unwrap(s.run(createTable(notes)))
    unwrap(s.run(insert(notes, { body: 'kept' })))
  }
  for (let i = 0; i < HANDLE_LIMIT + 10; i++) unwrap(session(connect(newFile())).run(pipe(select(notes), count)))
  for (const m of memories) t.is(unwrap(session(m).run(pipe(select(notes), count))), 1)
  for (const m of memories) session(m).close()
})
