/**
 * The functions module of a descriptor (`connect(path, { functions })`), loaded once per
 * thread. Functions cannot be posted to a worker, so the descriptor carries the module's
 * URL and each thread imports it: a pool's workers before they report ready, the calling
 * thread through `loadFunctions(db)`. Handles are opened synchronously, so opening one only
 * looks the module up here; the import (asynchronous for ES modules) happens before.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { ConnectionError, DbError } from '../errors.js'
import { connectionError } from '../errors.js'
import type { SqlFunction } from '../driver/hooks.js'
import { sqlFunctionsProblem } from '../driver/hooks.js'
import type { Db } from './connect.js'

/** This thread's loaded modules by URL: the list, or why it could not be loaded. */
const loaded = new Map<string, E.Either<ConnectionError, ReadonlyArray<SqlFunction>>>()

const importList = async (url: string, where: string): Promise<E.Either<ConnectionError, ReadonlyArray<SqlFunction>>> => {
  let m: { functions?: unknown; default?: unknown }
  try {
    m = (await import(url)) as { functions?: unknown; default?: unknown }
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e)
    return E.left(
      connectionError(
        where,
        `Cannot load the functions module ${url}: ${reason}. Give the path (or file: URL) of a module that exports \`functions\`.`,
        e
      )
    )
  }
  const list = m.functions ?? m.default
  const problem = sqlFunctionsProblem(list)
  if (problem !== undefined) return E.left(connectionError(where, `The functions module ${url} cannot be used: ${problem}.`))
  return E.right(list as ReadonlyArray<SqlFunction>)
}

/**
 * Imports the descriptor's functions module in this thread (once; later calls return the
 * same result), so the handles this thread opens register its functions. A module that
 * does not load, or whose export is not a list of functions, is a `ConnectionError`
 * naming it. A descriptor without `functions` loads nothing.
 *
 * @param db - a descriptor from `connect(path, { functions })`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, loadFunctions } from 'fp-lite-orm'
 *
 * const missing = await loadFunctions(connect(':memory:', { functions: './no-such-module.js' }))()
 * assert.ok(E.isLeft(missing) && missing.left._tag === 'ConnectionError' && /no-such-module/.test(missing.left.message))
 * assert.deepEqual(await loadFunctions(connect(':memory:'))(), E.right([]))
 * ```
 *
 * @category Sessions
 */
export const loadFunctions =
  (db: Db): TE.TaskEither<ConnectionError, ReadonlyArray<SqlFunction>> =>
  async () => {
    const url = db.functions
    if (url === undefined) return E.right([])
    const known = loaded.get(url)
    if (known !== undefined) return known
    const result = await importList(url, db.path)
    loaded.set(url, result)
    return result
  }

/**
 * The functions a handle of `db` registers when it opens on this thread: none without a
 * module; a Left when the module was not loaded here (or failed to).
 */
export const functionsOf = (db: Db): E.Either<DbError, ReadonlyArray<SqlFunction>> => {
  if (db.functions === undefined) return E.right([])
  const known = loaded.get(db.functions)
  if (known !== undefined) return known
  return E.left(
    connectionError(
      db.path,
      `Cannot open database ${db.path}: its functions module ${db.functions} is not loaded in this thread yet. ` +
        'Run `await loadFunctions(db)()` once before the first query (a workerPool loads it in its threads itself).'
    )
  )
}
