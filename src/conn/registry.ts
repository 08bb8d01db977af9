/**
 * The per-thread handle registry (pylite-orm's thread-local DbConn). Module state is
 * per thread in Node (each worker loads its own copy of this module), so a plain Map
 * here holds exactly the calling thread's handles: one better-sqlite3 handle per
 * database per thread, opened on first use and reused until closed.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { connectionError, validationError } from '../errors.js'
import type { Db } from './connect.js'
import { StatementCache } from './statements.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface Handle {
  readonly key: string
  readonly db: Database.Database
  readonly statements: StatementCache
}

const handles = new Map<string, Handle>()

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
  let raw: Database.Database | undefined
  try {
    raw = new Database(d.file, { readonly: d.readonly, fileMustExist: d.readonly, timeout: d.busyTimeoutMs })
    // Reading the schema fails at once on a file that is not a SQLite database.
    raw.prepare('SELECT count(*) FROM sqlite_schema').get()
    if (d.file !== ':memory:' && !d.readonly) {
      raw.pragma('journal_mode = WAL')
      raw.pragma('synchronous = NORMAL')
    }
    raw.pragma('foreign_keys = ON')
    for (const [name, value] of Object.entries(d.pragmas)) raw.pragma(`${name} = ${value}`)
  } catch (e) {
    try {
      raw?.close()
    } catch {
      // the open failed; closing is best effort
    }
    const reason = e instanceof Error ? e.message : String(e)
    const code = (e as { code?: unknown }).code
    const hint =
      code === 'SQLITE_NOTADB'
        ? ' The file exists but is not a SQLite database.'
        : code === 'SQLITE_CANTOPEN'
          ? ' Check that the file (or its folder) is readable and writable.'
          : ''
    return E.left(connectionError(d.path, `Cannot open database ${d.path}: ${reason}.${hint}`, e))
  }
  return E.right({ key: d.key, db: raw, statements: new StatementCache(raw, d.statementCacheSize) })
}

// -------------------------------------------------------------------------------------
// registry
// -------------------------------------------------------------------------------------

/** This thread's handle for the database, opened on first use. */
export const acquire = (d: Db): E.Either<DbError, Handle> => {
  const h = handles.get(d.key)
  if (h !== undefined && h.db.open) return E.right(h)
  const opened = open(d)
  if (E.isRight(opened)) handles.set(d.key, opened.right)
  return opened
}

/** Closes this thread's handle for the database, if open; the next query reopens it. */
export const release = (d: Db): void => {
  const h = handles.get(d.key)
  if (h === undefined) return
  handles.delete(d.key)
  h.statements.clear()
  if (h.db.open) {
    try {
      h.db.close()
    } catch {
      // closing twice or during iteration: the handle is gone either way
    }
  }
}

/** How many handles this thread holds open (for tests and diagnostics). */
export const openHandleCount = (): number => handles.size
