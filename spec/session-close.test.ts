/**
 * session.close() with a stream still half-read: better-sqlite3 refuses to close a
 * connection while one of its statements iterates, so the handle used to stay open,
 * forgotten by the registry (two file descriptors each time, and a WAL no one could
 * checkpoint). Closing now finishes the stream first; reading it further throws the
 * documented DbError.
 *
 * The registry is per process (module state) and the descriptors are the process's, so
 * the tests are serial.
 */
import test from 'ava'
import * as fs from 'node:fs'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../src/index.js'
import { all, createTable, insert, isDbError, select, session } from '../src/index.js'
import { openHandleCount } from '../src/conn/registry.js'
import { tempDb, unwrap } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

const procFs = fs.existsSync('/proc/self/fd')
const openFds = (): number => fs.readdirSync('/proc/self/fd').length

const filled = (): Db => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  unwrap(
    s.run(
      insert(
        notes,
        Array.from({ length: 20 }, (_, i) => ({ body: `row ${i}` }))
      )
    )
  )
  s.close()
  return db
}

test.serial('50 close() cycles with a half-read stream leak no handle and no file descriptor', (t) => {
  const db = filled()
  const s = session(db)
  // One cycle first, so that lazily opened descriptors (none expected) are counted in the baseline.
  unwrap(s.run(pipe(select(notes), all)))
  s.close()
  const fds = procFs ? openFds() : 0
  const handles = openHandleCount()
  const iterators: Array<Iterator<unknown>> = []
  for (let i = 0; i < 50; i++) {
    const it = unwrap(s.stream(pipe(select(notes), all)))[Symbol.iterator]()
    if (it.next().done === true) return t.fail('the stream gave no row')
    iterators.push(it)
    s.close()
  }
  t.is(openHandleCount(), handles, 'no registry entry left')
  // At most as many (a leak would add one or more per cycle; the process may close one of its own meanwhile).
  if (procFs) t.true(openFds() <= fds, `no more file descriptors than before the 50 cycles (${openFds()} > ${fds})`)
  else t.log('no /proc: file descriptors not counted')
  // Nothing holds the database: the last connection folded the WAL in and removed it.
  t.false(fs.existsSync(`${db.file}-wal`), 'the WAL was checkpointed and removed on close')
  // A stream finished by close() throws the documented DbError when read further, never ends silently.
  let thrown: unknown
  try {
    iterators[0]!.next()
  } catch (e) {
    thrown = e
  }
  t.true(isDbError(thrown) && /stream.*session was closed/.test(thrown.message), JSON.stringify(thrown))
  // The session works again, and a full checkpoint is possible from another connection.
  t.true(E.isRight(s.run(insert(notes, { body: 'after' }))))
  const other = new Database(db.file, { timeout: 30 })
  const [cp] = other.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
  other.close()
  t.is(cp!.busy, 0)
  s.close()
})

test.serial('a stream that is not read at all, or was read to its end, does not stop close()', (t) => {
  const db = filled()
  const s = session(db)
  const fds = procFs ? openFds() : 0
  for (let i = 0; i < 20; i++) {
    unwrap(s.stream(pipe(select(notes), all)))
    let n = 0
    for (const _ of unwrap(s.stream(pipe(select(notes), all)))) n++
    if (n !== 20) return t.fail(`read ${n} rows`)
    s.close()
  }
  if (procFs) t.true(openFds() <= fds, `${openFds()} > ${fds} descriptors`)
  t.false(fs.existsSync(`${db.file}-wal`))
})
