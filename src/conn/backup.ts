/**
 * `backup(db, toPath)`: SQLite's online backup of a live database into a new file, page by
 * page, while other connections keep reading and writing (beside `VACUUM INTO`, which
 * compacts but holds a read transaction for the whole copy). The engine call sits behind
 * `engineBackup`, one small function, so it moves with the driver seam.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { LocalConnection } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DbError } from '../errors.js'
import { connectionError } from '../errors.js'
import type { Db } from './connect.js'
import { acquire } from './registry.js'

/**
 * Progress of a backup: pages copied so far and in all (as SQLite reports them).
 *
 * @example
 * ```ts
 * import type { BackupProgress } from 'fp-lite-orm'
 *
 * const log = (p: BackupProgress) => `${p.totalPages - p.remainingPages}/${p.totalPages}`
 * void log
 * ```
 *
 * @category Sessions
 */
export interface BackupProgress {
  readonly totalPages: number
  readonly remainingPages: number
}

/** The engine's backup: the one better-sqlite3 call of this module. */
const engineBackup = (
  handle: LocalConnection,
  target: string,
  onProgress: (p: BackupProgress) => void
): Promise<{ totalPages: number; remainingPages: number }> =>
  handle.backup(target, {
    progress: (p) => {
      onProgress({ totalPages: p.totalPages, remainingPages: p.remainingPages })
      return 100 // pages per step: small steps let other connections in between
    }
  })

/**
 * An online backup of the database into `toPath` (which must not exist yet; its folder must).
 * `onProgress` is called after each step. A folder that does not exist, or a target that
 * exists, is a Left `ConnectionError` naming the path, before anything is copied.
 *
 * @param db - the database to copy, from `connect(...)`; it stays usable during the backup.
 * @param toPath - the new file's path: it must not exist yet, and its folder must (else a Left `ConnectionError` naming the
 *   path).
 * @param onProgress - called after each step with `totalPages` and `remainingPages`; by default nothing.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { backup, connect, createTable, insert, integer, session, table } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const db = connect('live.db')
 * const s = session(db)
 * s.run(createTable(t)); s.run(insert(t, [{}, {}]))
 * const r = await backup(db, 'copy.db')()
 * assert.ok(E.isRight(r) && r.right.totalPages > 0)
 * const missing = await backup(db, 'no/such/folder/copy.db')()
 * assert.ok(E.isLeft(missing) && missing.left._tag === 'ConnectionError')
 * ```
 *
 * @category Sessions
 */
export const backup =
  (db: Db, toPath: string, onProgress: (p: BackupProgress) => void = () => undefined): TE.TaskEither<DbError, BackupProgress> =>
  async () => {
    const target = path.resolve(toPath)
    const dir = path.dirname(target)
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      return E.left(connectionError(target, `Cannot back up into ${target}: the folder ${dir} does not exist. Create it first.`))
    if (fs.existsSync(target))
      return E.left(
        connectionError(target, `Cannot back up into ${target}: the file exists. Choose a new path (a backup never overwrites).`)
      )
    const h = acquire(db)
    if (E.isLeft(h)) return h
    try {
      const done = await engineBackup(h.right.db, target, onProgress)
      return E.right({ totalPages: done.totalPages, remainingPages: done.remainingPages })
    } catch (e) {
      return E.left(mapError(e, undefined, { path: target }))
    }
  }
