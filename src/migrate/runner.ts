/**
 * The migration runner. Pending migrations (by the set of applied names, not a
 * high-water mark) run in one transaction, all or none, and are recorded in
 * `_lite_migr` with their checksum. Foreign keys are turned off before BEGIN (a rebuild
 * must never fire ON DELETE CASCADE) and checked with `foreign_key_check` before COMMIT.
 */
import * as E from 'fp-ts/lib/Either.js'
import type Database from 'better-sqlite3'
import type { DbError } from '../errors.js'
import { fromSqliteThrow, isDbError, migrationError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import type { Handle } from '../conn/registry.js'
import { acquire } from '../conn/registry.js'
import { logged } from '../session/session.js'
import type { MigrationFile } from './files.js'
import { listMigrations } from './files.js'
import { importFile } from './load.js'
import type { MigrationOps } from './ops.js'
import { migrationOps } from './ops.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface MigrateOptions {
  /** The migrations folder. */
  readonly dir: string
}

export interface MigrateResult {
  /** Names applied now, in order (without their extension). */
  readonly applied: string[]
  /** Those among them that sort before a migration applied earlier (merged out of order). */
  readonly outOfOrder: string[]
}

export interface AppliedMigration {
  readonly name: string
  readonly checksum: string
  readonly appliedAt: string
}

export interface MigrationStatus {
  readonly applied: ReadonlyArray<AppliedMigration>
  readonly pending: ReadonlyArray<string>
  /** Applied migrations whose file changed since. */
  readonly edited: ReadonlyArray<string>
  /** Applied migrations whose file is gone. */
  readonly missing: ReadonlyArray<string>
}

/** A migration module: `up(op)` and optionally `down(op)`. */
export interface MigrationModule {
  readonly up: (op: MigrationOps) => void
  readonly down?: (op: MigrationOps) => void
}

export const MIGRATIONS_TABLE = '_lite_migr'

// -------------------------------------------------------------------------------------
// bookkeeping
// -------------------------------------------------------------------------------------

const ensureTable = (db: Db, h: Handle): void => {
  const sql = `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (name TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`
  logged(db, sql, [], () => h.db.exec(sql))
}

const appliedRows = (h: Handle): AppliedMigration[] =>
  (h.db.prepare(`SELECT name, checksum, applied_at AS appliedAt FROM "${MIGRATIONS_TABLE}" ORDER BY applied_at, name`).all() as AppliedMigration[])

const statusOf = (files: ReadonlyArray<MigrationFile>, applied: ReadonlyArray<AppliedMigration>): MigrationStatus => {
  const byName = new Map(files.map((f) => [f.name, f]))
  const appliedNames = new Set(applied.map((a) => a.name))
  return {
    applied,
    pending: files.filter((f) => !appliedNames.has(f.name)).map((f) => f.name),
    edited: applied.filter((a) => byName.has(a.name) && byName.get(a.name)!.checksum !== a.checksum).map((a) => a.name),
    missing: applied.filter((a) => !byName.has(a.name)).map((a) => a.name)
  }
}

/** Opens the database, makes sure `_lite_migr` exists, and reads the folder and the records. */
const prepare = (db: Db, dir: string): E.Either<DbError, { h: Handle; files: MigrationFile[]; status: MigrationStatus }> => {
  const files = listMigrations(dir)
  const acquired = acquire(db)
  if (E.isLeft(acquired)) return acquired
  const h = acquired.right
  try {
    ensureTable(db, h)
    if (E.isLeft(files)) return files
    return E.right({ h, files: files.right, status: statusOf(files.right, appliedRows(h)) })
  } catch (e) {
    return E.left(fromSqliteThrow(e))
  }
}

/** Applied and pending migrations, and applied files that were edited or removed since. */
export const migrationStatus = (db: Db, options: MigrateOptions): E.Either<DbError, MigrationStatus> =>
  E.map((p: { status: MigrationStatus }) => p.status)(prepare(db, options.dir))

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

class StepFailure {
  constructor(readonly error: DbError) {}
}

/** Runs `steps` in one transaction with foreign keys off, checked before COMMIT. */
const inMigrationTransaction = (db: Db, h: Handle, steps: () => void): E.Either<DbError, void> => {
  const raw: Database.Database = h.db
  if (raw.inTransaction) return E.left(migrationError('Migrations cannot run inside a transaction: they manage their own (foreign keys must be turned off outside it).'))
  const fkWasOn = (raw.pragma('foreign_keys', { simple: true }) as number) === 1
  raw.pragma('foreign_keys = OFF')
  try {
    logged(db, 'BEGIN IMMEDIATE', [], () => raw.exec('BEGIN IMMEDIATE'))
    try {
      steps()
      const violations = raw.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>
      if (violations.length > 0) {
        const shown = violations.slice(0, 5).map((v) => `${v.table} row ${v.rowid ?? '?'} -> ${v.parent}`).join(', ')
        throw new StepFailure(migrationError(`The migration would leave ${violations.length} foreign key violation(s) (${shown}); nothing was applied.`))
      }
      logged(db, 'COMMIT', [], () => raw.exec('COMMIT'))
      return E.right(undefined)
    } catch (e) {
      if (raw.inTransaction) raw.exec('ROLLBACK')
      return E.left(e instanceof StepFailure ? e.error : isDbError(e) ? e : migrationError(`The migration failed: ${e instanceof Error ? e.message : String(e)}; nothing was applied.`, undefined, e))
    }
  } finally {
    if (fkWasOn) raw.pragma('foreign_keys = ON')
  }
}

/** Runs one SQL statement of a migration; a failure names the migration and the statement. */
const runStatement = (db: Db, h: Handle, migration: string, sql: string): void => {
  try {
    logged(db, sql, [], () => h.db.exec(sql))
  } catch (e) {
    // Name the statement without the comments before it, and SQLite's own words once.
    const statement = sql.replace(/^(?:\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*\s*/, '')
    const reason = e instanceof Error ? e.message : String(e)
    throw new StepFailure(migrationError(`Migration ${migration} failed at: ${statement}\n  ${reason}\nNothing was applied: the database is as it was.`, migration, e))
  }
}

const runModule = (db: Db, h: Handle, name: string, mod: MigrationModule, direction: 'up' | 'down'): void => {
  const f = direction === 'up' ? mod.up : mod.down
  if (typeof f !== 'function') throw new StepFailure(migrationError(`Migration ${name} has no ${direction}(op) function.`, name))
  try {
    const result: unknown = f(migrationOps(db, h, (sql) => runStatement(db, h, name, sql)))
    if (typeof (result as { then?: unknown })?.then === 'function') {
      throw new StepFailure(migrationError(`Migration ${name}: ${direction}(op) must be synchronous (it returned a Promise).`, name))
    }
  } catch (e) {
    if (e instanceof StepFailure) throw e
    throw new StepFailure(migrationError(`Migration ${name} threw in ${direction}(op): ${e instanceof Error ? e.message : String(e)}; nothing was applied.`, name, e))
  }
}

const apply = (
  db: Db,
  h: Handle,
  files: ReadonlyArray<MigrationFile>,
  status: MigrationStatus,
  modules: ReadonlyMap<string, MigrationModule>
): E.Either<DbError, MigrateResult> => {
  if (status.edited.length > 0) {
    return E.left(
      migrationError(
        `Applied migration${status.edited.length > 1 ? 's' : ''} ${status.edited.join(', ')} changed after being applied (checksum mismatch). ` +
          'Restore the file, and put further changes in a new migration.',
        status.edited[0]
      )
    )
  }
  const pending = files.filter((f) => status.pending.includes(f.name))
  const lastApplied = status.applied.reduce((m, a) => (a.name > m ? a.name : m), '')
  const outOfOrder = pending.filter((f) => f.name < lastApplied).map((f) => f.name)
  if (pending.length === 0) return E.right({ applied: [], outOfOrder: [] })
  const record = h.db.prepare(`INSERT INTO "${MIGRATIONS_TABLE}" (name, checksum, applied_at) VALUES (?, ?, ?)`)
  const done = inMigrationTransaction(db, h, () => {
    for (const f of pending) {
      if (f.kind === 'sql') for (const sql of f.up) runStatement(db, h, f.name, sql)
      else runModule(db, h, f.name, modules.get(f.name)!, 'up')
      record.run(f.name, f.checksum, new Date().toISOString())
    }
  })
  return E.map(() => ({ applied: pending.map((f) => f.name), outOfOrder }))(done)
}

/** Loads the module migrations of a folder (they are ES modules: loading them is asynchronous). */
const loadModules = async (files: ReadonlyArray<MigrationFile>, only?: ReadonlySet<string>): Promise<E.Either<DbError, Map<string, MigrationModule>>> => {
  const out = new Map<string, MigrationModule>()
  for (const f of files) {
    if (f.kind !== 'module' || (only !== undefined && !only.has(f.name))) continue
    try {
      const mod = (await importFile(f.file)) as Partial<MigrationModule> & { default?: Partial<MigrationModule> }
      const m = typeof mod.up === 'function' ? mod : mod.default
      if (m === undefined || typeof m.up !== 'function') return E.left(migrationError(`Migration ${f.file} exports no up(op) function.`, f.name))
      out.set(f.name, m as MigrationModule)
    } catch (e) {
      return E.left(migrationError(`Migration ${f.file} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, f.name, e))
    }
  }
  return E.right(out)
}

const optionsOf = (o: MigrateOptions | string): MigrateOptions => (typeof o === 'string' ? { dir: o } : o)

/**
 * Applies the pending `.sql` migrations of a folder in one transaction and returns their
 * names. Synchronous, like the rest of the API; a folder that also holds `.ts`/`.js`
 * migrations needs `migrateAsync` (ES modules load asynchronously), and says so.
 */
export const migrate = (db: Db, options: MigrateOptions | string): E.Either<DbError, MigrateResult> => {
  const o = optionsOf(options)
  const p = prepare(db, o.dir)
  if (E.isLeft(p)) return p
  const { h, files, status } = p.right
  const modules = files.filter((f) => f.kind === 'module' && status.pending.includes(f.name))
  if (modules.length > 0) {
    return E.left(migrationError(`Pending migrations ${modules.map((m) => m.name).join(', ')} are modules (.ts/.js), which load asynchronously: use await migrateAsync(db, { dir }).`))
  }
  return apply(db, h, files, status, new Map())
}

/** `migrate` for folders with `.ts`/`.js` migrations too: loads them, then applies everything in one transaction. */
export const migrateAsync = async (db: Db, options: MigrateOptions | string): Promise<E.Either<DbError, MigrateResult>> => {
  const o = optionsOf(options)
  const p = prepare(db, o.dir)
  if (E.isLeft(p)) return p
  const { files, status } = p.right
  const modules = await loadModules(files, new Set(status.pending))
  if (E.isLeft(modules)) return modules
  // Re-acquire: the handle may have been closed while the modules loaded.
  const again = prepare(db, o.dir)
  if (E.isLeft(again)) return again
  return apply(db, again.right.h, again.right.files, again.right.status, modules.right)
}

/** Undoes the last applied migration (its `-- down` part, or its `down(op)`), and forgets it. */
export const migrateDown = async (db: Db, options: MigrateOptions | string): Promise<E.Either<DbError, { readonly reverted: string | undefined }>> => {
  const o = optionsOf(options)
  const p = prepare(db, o.dir)
  if (E.isLeft(p)) return p
  const { files, status } = p.right
  const last = [...status.applied].sort((a, b) => (a.appliedAt === b.appliedAt ? (a.name < b.name ? 1 : -1) : a.appliedAt < b.appliedAt ? 1 : -1))[0]
  if (last === undefined) return E.right({ reverted: undefined })
  const file = files.find((f) => f.name === last.name)
  if (file === undefined) return E.left(migrationError(`The last applied migration ${last.name} has no file any more: it cannot be undone.`, last.name))
  if (file.kind === 'sql' && file.down === undefined) return E.left(migrationError(`Migration ${file.name} has no "-- down" part: it cannot be undone automatically.`, file.name))
  const modules = await loadModules(files, new Set([file.name]))
  if (E.isLeft(modules)) return modules
  const again = prepare(db, o.dir)
  if (E.isLeft(again)) return again
  const h = again.right.h
  const done = inMigrationTransaction(db, h, () => {
    if (file.kind === 'sql') for (const sql of file.down ?? []) runStatement(db, h, file.name, sql)
    else runModule(db, h, file.name, modules.right.get(file.name)!, 'down')
    h.db.prepare(`DELETE FROM "${MIGRATIONS_TABLE}" WHERE name = ?`).run(file.name)
  })
  return E.map(() => ({ reverted: file.name }))(done)
}
