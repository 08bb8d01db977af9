/**
 * The one entry to a thread's connection for the layers above session (migrate, pool,
 * studio, cli): the registry (registry.ts) stays private to conn and the run functions
 * of session, so its bookkeeping (the handle bound, pins, cursors) has one owner, and a
 * caller above cannot keep a handle past the callback it was lent to by accident.
 *
 * The runner and the studio need the driver connection itself (introspection, the
 * migration transaction, a read-only SQL console): `withConnection` lends it for one
 * callback; `closeConnection` closes this thread's handle (the next use reopens it).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { Db } from './connect.js'
import type { Handle } from './registry.js'
import { acquire, release } from './registry.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * This thread's connection to one database, as lent by `withConnection`: the driver
 * connection (`db`) and what session's transaction helpers take with it.
 */
export type Connection = Handle

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/**
 * Runs `f` with this thread's connection to the database, opened on first use; a Left
 * when it cannot be opened (the file, the handle bound), `f`'s result otherwise.
 */
export const withConnection = <A>(db: Db, f: (c: Connection) => E.Either<DbError, A>): E.Either<DbError, A> => {
  const acquired = acquire(db)
  return E.isLeft(acquired) ? acquired : f(acquired.right)
}

/** Closes this thread's connection to the database, if open (its streams finished first); the next use reopens it. */
export const closeConnection = (db: Db): void => release(db)
