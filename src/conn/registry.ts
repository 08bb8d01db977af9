/**
 * The per-thread handle registry (pylite-orm's thread-local DbConn). Module state is
 * per thread in Node (each worker loads its own copy of this module), so a plain Map
 * here holds exactly the calling thread's handles: one driver connection per
 * database and handle-changing options (`Db.key`) per thread, opened on first use and
 * reused until closed.
 *
 * The number of file handles a thread keeps open is bounded (HANDLE_LIMIT): opening one
 * more closes the least recently used idle one first (no transaction, no stream reading,
 * not held by a running transaction callback). A closed handle reopens on its next use,
 * so the bound costs a reopen, never a result. `:memory:` handles are outside the bound:
 * each is its own database, and closing it would throw its data away.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { busyError, connectionError, validationError } from '../errors.js'
import type { LocalConnection } from '../driver/index.js'
import { localDriver } from '../driver/index.js'
import type { Db } from './connect.js'
import { functionsOf } from './functions.js'
import { StatementCache } from './statements.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** A stream reading on a handle, which must be finished before the handle can commit, roll back or close. */
export interface Cursor {
  /** Stops the read (its statement is reset); the stream then throws when read further. */
  readonly finish: (why: CursorEnd) => void
}

/** Why a cursor was finished from outside: its transaction ended, or its handle closed. */
export type CursorEnd = 'transaction' | 'close'

export interface Handle {
  readonly key: string
  readonly db: LocalConnection
  readonly statements: StatementCache
  /** `:memory:` handles are never closed to make room: their data lives in them. */
  readonly memory: boolean
  /**
   * The streams reading on this handle, held weakly: a stream dropped half-read still goes
   * with its garbage (and releases its statement then), as it did before it was tracked.
   */
  readonly cursors: Set<WeakRef<Cursor>>
  /** How many running transactions hold the handle; a held handle is never closed to make room. */
  pins: number
  /** When the handle was last acquired (a counter), to close the least recently used first. */
  used: number
}

const handles = new Map<string, Handle>()

/**
 * How many file handles one thread keeps open at most. Each holds about three file
 * descriptors (the database, its -wal and -shm files) and its own page cache; 64 leaves a
 * process far below the usual limit of 1024 descriptors even with a few threads.
 */
export const HANDLE_LIMIT = 64

let tick = 0

// -------------------------------------------------------------------------------------
// opening
// -------------------------------------------------------------------------------------

const PRAGMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const PRAGMA_VALUE = /^[A-Za-z0-9_.+-]+$/

/** PRAGMAs take no bound parameters, so names and values are checked before they become SQL. */
const checkPragmas = (pragmas: Readonly<Record<string, string | number>>): DbError | undefined => {
  for (const [name, value] of Object.entries(pragmas)) {
    if (!PRAGMA_NAME.test(name))
      return validationError(`invalid pragma name ${JSON.stringify(name)}: use letters, digits and _`, `pragmas.${name}`)
    const ok = typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && PRAGMA_VALUE.test(value)
    if (!ok) {
      return validationError(
        `invalid value for pragma ${name}: ${JSON.stringify(value)}; use a number or a word (letters, digits, _ . + -)`,
        `pragmas.${name}`
      )
    }
  }
  return undefined
}

/** Why a file path cannot be opened, found before SQLite tries (SQLite's own messages name no path). */
const checkPath = (db: Db): DbError | undefined => {
  if (db.file === ':memory:') return undefined
  const dir = path.dirname(db.file)
  let dirStat: fs.Stats | undefined
  try {
    dirStat = fs.statSync(dir)
  } catch {
    return connectionError(db.path, `Cannot open database ${db.path}: the folder ${dir} does not exist. Create it first.`)
  }
  if (!dirStat.isDirectory()) return connectionError(db.path, `Cannot open database ${db.path}: ${dir} is not a folder.`)
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(db.file)
  } catch {
    if (db.readonly) return connectionError(db.path, `Cannot open database ${db.path} read-only: the file does not exist.`)
    return undefined
  }
  if (stat.isDirectory()) return connectionError(db.path, `Cannot open database ${db.path}: it is a folder, not a file.`)
  return undefined
}

const open = (d: Db): E.Either<DbError, Handle> => {
  const pathProblem = checkPath(d)
  if (pathProblem !== undefined) return E.left(pathProblem)
  const pragmaProblem = checkPragmas(d.pragmas)
  if (pragmaProblem !== undefined) return E.left(pragmaProblem)
  const functions = functionsOf(d)
  if (E.isLeft(functions)) return functions
  let raw: LocalConnection | undefined
  try {
    raw = localDriver.open(d.file, {
      readonly: d.readonly,
      busyTimeoutMs: d.busyTimeoutMs,
      extensions: d.extensions,
      functions: functions.right
    })
    // Reading the schema fails at once on a file that is not a SQLite database.
    raw.prepare('SELECT count(*) FROM sqlite_schema').get()
    if (d.file !== ':memory:' && !d.readonly) {
      raw.exec('PRAGMA journal_mode = WAL')
      raw.exec('PRAGMA synchronous = NORMAL')
    }
    raw.exec('PRAGMA foreign_keys = ON')
    // Names and values were checked above (checkPragmas): PRAGMAs take no bound parameters.
    for (const [name, value] of Object.entries(d.pragmas)) raw.exec(`PRAGMA ${name} = ${value}`)
  } catch (e) {
    try {
      raw?.close()
    } catch {
      // the open failed; closing is best effort
    }
    const reason = e instanceof Error ? e.message : String(e)
    const code = localDriver.codeOf(e)
    if (isBusyCode(code)) {
      // Opening a file not yet in WAL mode switches it (an exclusive lock), and a file in
      // rollback-journal mode being written cannot even be read: both wait busyTimeoutMs for
      // the other connection, then fail. That is contention, not a broken file: BusyError,
      // so retryOnBusy retries it.
      return E.left(
        busyError(
          code,
          `Cannot open database ${d.path} yet: another connection holds a lock on it (${reason}). ` +
            'A database not yet in WAL mode is switched to WAL when first opened, which needs a moment with no other connection writing. ' +
            'Retry (retryOnBusy), or raise busyTimeoutMs.'
        )
      )
    }
    const hint =
      code === 'SQLITE_NOTADB'
        ? ' The file exists but is not a SQLite database.'
        : code === 'SQLITE_CANTOPEN'
          ? ' Check that the file (or its folder) is readable and writable.'
          : ''
    return E.left(connectionError(d.path, `Cannot open database ${d.path}: ${reason}.${hint}`, e))
  }
  const memory = d.file === ':memory:'
  return E.right({
    key: d.key,
    db: raw,
    statements: new StatementCache(raw, d.statementCacheSize),
    memory,
    cursors: new Set(),
    pins: 0,
    used: ++tick
  })
}

/** Whether the open failed only because another connection held a lock (worth retrying). */
const isBusyCode = (code: unknown): code is string =>
  typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))

// -------------------------------------------------------------------------------------
// registry
// -------------------------------------------------------------------------------------

/** Whether closing the handle now would lose nothing: no transaction, no stream reading, not held. */
const isIdle = (h: Handle): boolean => h.pins === 0 && liveCursors(h) === 0 && !(h.db.open && h.db.inTransaction)

const liveCursors = (h: Handle): number => {
  let n = 0
  for (const ref of h.cursors) {
    if (ref.deref() === undefined) h.cursors.delete(ref)
    else n++
  }
  return n
}

/** Closes idle file handles, least recently used first, until one more fits under HANDLE_LIMIT. */
const makeRoom = (d: Db): DbError | undefined => {
  let files = 0
  for (const h of handles.values()) if (!h.memory) files++
  while (files >= HANDLE_LIMIT) {
    let oldest: Handle | undefined
    for (const h of handles.values()) if (!h.memory && isIdle(h) && (oldest === undefined || h.used < oldest.used)) oldest = h
    if (oldest === undefined) {
      return connectionError(
        d.path,
        `Cannot open database ${d.path}: this thread already has ${HANDLE_LIMIT} connections open and every one is in use ` +
          '(in a transaction, or reading a stream). Finish those first. Each distinct set of connect() options ' +
          '(readonly, busyTimeoutMs, pragmas, statementCacheSize) opens a connection of its own, even to the same file: ' +
          'reuse one descriptor per file where you can.'
      )
    }
    closeHandle(oldest)
    files--
  }
  return undefined
}

/**
 * This thread's handle for the database, opened on first use (closing the least recently
 * used idle handle first when the thread is at HANDLE_LIMIT).
 */
export const acquire = (d: Db): E.Either<DbError, Handle> => {
  const h = handles.get(d.key)
  if (h !== undefined && h.db.open) {
    h.used = ++tick
    return E.right(h)
  }
  if (h !== undefined) closeHandle(h)
  if (d.file !== ':memory:') {
    const full = makeRoom(d)
    if (full !== undefined) return E.left(full)
  }
  const opened = open(d)
  if (E.isRight(opened)) handles.set(d.key, opened.right)
  return opened
}

/** This thread's open handle for the database, if there is one; opens nothing. */
export const current = (d: Db): Handle | undefined => handles.get(d.key)

/** Registers a stream reading on the handle; returns what forgets it again (when the stream ends). */
export const track = (h: Handle, cursor: Cursor): (() => void) => {
  const ref = new WeakRef(cursor)
  h.cursors.add(ref)
  return () => void h.cursors.delete(ref)
}

/**
 * Finishes every stream still reading on the handle. The driver refuses every other
 * statement (COMMIT and ROLLBACK too) and close() while one reads, so a stream left
 * half-read would otherwise keep a transaction, its lock, and the handle itself open.
 */
export const finishCursors = (h: Handle, why: CursorEnd): void => {
  for (const ref of [...h.cursors]) {
    h.cursors.delete(ref)
    ref.deref()?.finish(why)
  }
}

const closeHandle = (h: Handle): void => {
  if (handles.get(h.key) === h) handles.delete(h.key)
  finishCursors(h, 'close')
  h.statements.clear()
  if (h.db.open) {
    try {
      h.db.close()
    } catch {
      // the handle is gone either way; SQLite rolls back what was not committed
    }
  }
}

/**
 * Closes this thread's handle for the database, if open (finishing its streams first);
 * the next query reopens it.
 */
export const release = (d: Db): void => {
  const h = handles.get(d.key)
  if (h !== undefined) closeHandle(h)
}

/** How many handles this thread holds open (for tests and diagnostics). */
export const openHandleCount = (): number => handles.size
