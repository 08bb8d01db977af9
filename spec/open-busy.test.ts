/**
 * Opening a database that is not yet in WAL mode while another process writes to it.
 * The first open switches the file to WAL, which needs a moment with no other connection
 * writing; while a writer holds its lock the open waits busyTimeoutMs and fails. That is
 * contention, not a broken file: a Left BusyError (it used to be a ConnectionError), which
 * retryOnBusy retries until the other writer is done.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { connect, count, retryOnBusy, select, session } from '../src/index.js'
import { tempDbPath, unwrapLeft } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

const holder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'lock-holder.mjs')

/** A database file in rollback-journal mode (DELETE), as another program would have made it. */
const rollbackJournalFile = (): string => {
  const file = tempDbPath()
  const raw = new Database(file)
  raw.pragma('journal_mode = DELETE')
  raw.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  raw.prepare('INSERT INTO notes (body) VALUES (?)').run('first')
  raw.close()
  return file
}

/** Starts the lock holder and resolves once it holds the lock. */
const holdLock = (file: string, ms: number): Promise<{ child: ChildProcess; exited: Promise<number | null> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [holder, file, String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((done) => child.once('exit', done))
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('locked')) resolve({ child, exited })
    })
    child.once('exit', (code) => {
      if (!out.includes('locked')) reject(new Error(`the lock holder exited (${code}) without the lock: ${err}`))
    })
  })

test('opening a rollback-journal file another process is writing is a Left BusyError naming the file, not a ConnectionError', async (t) => {
  const file = rollbackJournalFile()
  const { child, exited } = await holdLock(file, 2_000)
  t.teardown(() => void child.kill())
  // (SQLite may fail at once here rather than wait: a connection that already reads cannot
  // wait for a writer to finish without risking a deadlock.)
  const e = unwrapLeft(session(connect(file, { busyTimeoutMs: 50 })).run(pipe(select(notes), count)))
  t.is(e._tag, 'BusyError', JSON.stringify(e))
  t.true(e._tag === 'BusyError' && e.code.startsWith('SQLITE_BUSY'))
  t.true(e.message.includes(file), e.message)
  t.regex(e.message, /another connection holds a lock.*WAL.*retryOnBusy/)
  child.kill()
  await exited
})

test('retryOnBusy retries the open until the other process has committed, then the file is in WAL mode', async (t) => {
  const file = rollbackJournalFile()
  const { child, exited } = await holdLock(file, 300)
  t.teardown(() => void child.kill())
  const db = connect(file, { busyTimeoutMs: 20 })
  let tries = 0
  // Synchronous, as the API is: the other process goes on meanwhile and commits after 300 ms.
  const r = retryOnBusy(
    () => {
      tries++
      return session(db).run(pipe(select(notes), count))
    },
    { attempts: 60, baseDelayMs: 20, maxDelayMs: 100 }
  )
  t.deepEqual(r, E.right(2), "the open succeeded and sees the other process's committed row")
  t.true(tries > 1, `it was retried (${tries} tries)`)
  t.is(await exited, 0)
  const raw = new Database(file, { readonly: true })
  t.is(raw.pragma('journal_mode', { simple: true }), 'wal')
  raw.close()
  session(db).close()
})
