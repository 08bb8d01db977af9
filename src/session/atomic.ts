/**
 * The one transaction mechanism: how a level (a transaction, or a savepoint inside one)
 * begins, commits and rolls back on a handle. `transaction(...)`, a write of several
 * statements (a multi-row insert), and the migration runner all go through here, so every
 * BEGIN, COMMIT and ROLLBACK runs prepared (from the handle's statement cache) and is
 * logged like any statement.
 */
import type { Db } from '../conn/connect.js'
import { logged } from '../conn/log.js'
import type { Handle } from '../conn/registry.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** How an outermost transaction begins. */
export type BeginMode = 'immediate' | 'deferred' | 'exclusive'

/** An open level: the outermost transaction (no savepoint) or a savepoint inside one. */
export interface Level {
  readonly savepoint: string | undefined
}

export const BEGIN: Readonly<Record<BeginMode, string>> = {
  immediate: 'BEGIN IMMEDIATE',
  deferred: 'BEGIN DEFERRED',
  exclusive: 'BEGIN EXCLUSIVE'
}

const OUTERMOST: Level = { savepoint: undefined }

let savepoints = 0

// -------------------------------------------------------------------------------------
// statements
// -------------------------------------------------------------------------------------

/** A fixed statement (BEGIN ..., COMMIT, ROLLBACK): prepared once per handle, then reused. */
const fixed = (db: Db, h: Handle, sql: string): void => {
  const stmt = h.statements.get(sql).stmt
  if (db.log === undefined) stmt.run()
  else logged(db, sql, [], () => stmt.run())
}

/** A savepoint statement: its name differs per level, so it is not worth a cache slot. */
const once = (db: Db, h: Handle, sql: string): void => {
  logged(db, sql, [], () => h.db.exec(sql))
}

// -------------------------------------------------------------------------------------
// interpreters (each throws what the driver throws)
// -------------------------------------------------------------------------------------

/** Opens a level: `BEGIN <mode>`, or a SAVEPOINT when a transaction is already open on the handle. */
export const begin = (db: Db, h: Handle, mode: BeginMode): Level => {
  if (!h.db.inTransaction) {
    fixed(db, h, BEGIN[mode])
    return OUTERMOST
  }
  const savepoint = `fplite_sp_${++savepoints}`
  once(db, h, `SAVEPOINT "${savepoint}"`)
  return { savepoint }
}

/** Commits a level: COMMIT, or RELEASE of its savepoint. */
export const commit = (db: Db, h: Handle, level: Level): void => {
  if (level.savepoint === undefined) fixed(db, h, 'COMMIT')
  else once(db, h, `RELEASE "${level.savepoint}"`)
}

/**
 * Rolls a level back: ROLLBACK, or ROLLBACK TO its savepoint and RELEASE. Nothing when
 * SQLite has already rolled the whole transaction back (after SQLITE_FULL, ...).
 */
export const rollback = (db: Db, h: Handle, level: Level): void => {
  if (!h.db.inTransaction) return
  if (level.savepoint === undefined) fixed(db, h, 'ROLLBACK')
  else {
    once(db, h, `ROLLBACK TO "${level.savepoint}"`)
    once(db, h, `RELEASE "${level.savepoint}"`)
  }
}

/**
 * Runs `f` in a level of its own: COMMIT when it returns, ROLLBACK when it throws (the
 * throw goes on). Nested in an open transaction it is a savepoint, so it composes.
 */
export const atomically = <A>(db: Db, h: Handle, f: () => A, mode: BeginMode = 'immediate'): A => {
  const level = begin(db, h, mode)
  let out: A
  try {
    out = f()
    commit(db, h, level)
  } catch (e) {
    try {
      rollback(db, h, level)
    } catch {
      // SQLite rolls back what was not committed when the handle closes; the first error stands.
    }
    throw e
  }
  return out
}
