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

/**
 * Where the migrations are: `{ dir }`, the folder (a plain string works too).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate } from 'fp-lite-orm'
 * import type { MigrateOptions } from 'fp-lite-orm'
 *
 * const options: MigrateOptions = { dir: './migrations' }
 * fs.mkdirSync(options.dir)
 * assert.deepEqual(migrate(connect('app.db'), options), E.right({ applied: [], outOfOrder: [] }))
 * ```
 */
export interface MigrateOptions {
  /** The migrations folder. */
  readonly dir: string
}

/**
 * What `migrate` applied, in order, and which of those sort before a migration applied earlier.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate } from 'fp-lite-orm'
 * import type { MigrateResult } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0002_b.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);')
 * const db = connect('app.db')
 * migrate(db, 'migrations')
 * fs.writeFileSync('migrations/0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);')   // merged late, from a branch
 * const result: E.Either<unknown, MigrateResult> = migrate(db, 'migrations')
 * assert.deepEqual(result, E.right({ applied: ['0001_a'], outOfOrder: ['0001_a'] }))
 * ```
 */
export interface MigrateResult {
  /** Names applied now, in order (without their extension). */
  readonly applied: string[]
  /** Those among them that sort before a migration applied earlier (merged out of order). */
  readonly outOfOrder: string[]
}

/**
 * A row of `_lite_migr`: an applied migration, the checksum of its file, and when it was applied.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate, migrationStatus } from 'fp-lite-orm'
 * import type { AppliedMigration } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);')
 * const db = connect('app.db')
 * migrate(db, 'migrations')
 * const status = migrationStatus(db, { dir: 'migrations' })
 * const applied: ReadonlyArray<AppliedMigration> = E.isRight(status) ? status.right.applied : []
 * assert.equal(applied[0]!.name, '0001_init')
 * assert.match(applied[0]!.checksum, /^[0-9a-f]{64}$/)     // SHA-256 of the file
 * assert.ok(!Number.isNaN(Date.parse(applied[0]!.appliedAt)))
 * ```
 */
export interface AppliedMigration {
  readonly name: string
  readonly checksum: string
  readonly appliedAt: string
}

/**
 * The state of a migrations folder against a database: applied, pending, edited since applied, missing.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { connect, migrate, migrationStatus } from 'fp-lite-orm'
 * import type { MigrationStatus } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);')
 * const db = connect('app.db')
 * migrate(db, 'migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);')   // edited after being applied
 * fs.writeFileSync('migrations/0002_more.sql', 'CREATE TABLE u (id INTEGER PRIMARY KEY);')
 *
 * const status: E.Either<unknown, MigrationStatus> = migrationStatus(db, { dir: 'migrations' })
 * assert.deepEqual(pipe(status, E.map((s) => [s.pending, s.edited, s.missing])), E.right([['0002_more'], ['0001_init'], []]))
 * ```
 */
export interface MigrationStatus {
  readonly applied: ReadonlyArray<AppliedMigration>
  readonly pending: ReadonlyArray<string>
  /** Applied migrations whose file changed since. */
  readonly edited: ReadonlyArray<string>
  /** Applied migrations whose file is gone. */
  readonly missing: ReadonlyArray<string>
}

/**
 * A migration module: `up(op)` and optionally `down(op)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrateAsync } from 'fp-lite-orm'
 * import type { MigrationModule, MigrationOps } from 'fp-lite-orm'
 *
 * // The shape of a NAME.ts / NAME.js migration module:
 * const example: MigrationModule = {
 *   up: (op: MigrationOps) => op.execute('CREATE TABLE flags (name TEXT PRIMARY KEY)'),
 *   down: (op: MigrationOps) => op.dropTable('flags')
 * }
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_flags.mjs', `export const up = ${example.up.toString()}\nexport const down = ${example.down!.toString()}\n`)
 * assert.deepEqual(await migrateAsync(connect('app.db'), { dir: 'migrations' }), E.right({ applied: ['0001_flags'], outOfOrder: [] }))
 * ```
 */
export interface MigrationModule {
  /**
   * Applies the migration (synchronously).
   */
  readonly up: (op: MigrationOps) => void
  /**
   * Undoes it, for `migrateDown` and `fp-lite-orm migrate down`.
   */
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
  h.db
    .prepare(`SELECT name, checksum, applied_at AS appliedAt FROM "${MIGRATIONS_TABLE}" ORDER BY applied_at, name`)
    .all() as AppliedMigration[]

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

/**
 * Applied and pending migrations, and applied files that were edited or removed since.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate, migrationStatus } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);')
 * const db = connect('app.db')
 * const before = migrationStatus(db, { dir: 'migrations' })
 * assert.ok(E.isRight(before) && before.right.applied.length === 0 && before.right.pending[0] === '0001_init')
 * migrate(db, { dir: 'migrations' })
 * const after = migrationStatus(db, { dir: 'migrations' })
 * assert.ok(E.isRight(after) && after.right.applied[0]!.name === '0001_init' && after.right.pending.length === 0)
 * ```
 */
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
  if (raw.inTransaction)
    return E.left(
      migrationError('Migrations cannot run inside a transaction: they manage their own (foreign keys must be turned off outside it).')
    )
  const fkWasOn = (raw.pragma('foreign_keys', { simple: true }) as number) === 1
  raw.pragma('foreign_keys = OFF')
  try {
    logged(db, 'BEGIN IMMEDIATE', [], () => raw.exec('BEGIN IMMEDIATE'))
    try {
      steps()
      const violations = raw.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string; fkid: number }>
      if (violations.length > 0) {
        const shown = violations
          .slice(0, 5)
          .map((v) => `${v.table} row ${v.rowid ?? '?'} -> ${v.parent}`)
          .join(', ')
        throw new StepFailure(
          migrationError(`The migration would leave ${violations.length} foreign key violation(s) (${shown}); nothing was applied.`)
        )
      }
      logged(db, 'COMMIT', [], () => raw.exec('COMMIT'))
      return E.right(undefined)
    } catch (e) {
      if (raw.inTransaction) raw.exec('ROLLBACK')
      return E.left(
        e instanceof StepFailure
          ? e.error
          : isDbError(e)
            ? e
            : migrationError(`The migration failed: ${e instanceof Error ? e.message : String(e)}; nothing was applied.`, undefined, e)
      )
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
    throw new StepFailure(
      migrationError(
        `Migration ${migration} failed at: ${statement}\n  ${reason}\nNothing was applied: the database is as it was.`,
        migration,
        e
      )
    )
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
    throw new StepFailure(
      migrationError(
        `Migration ${name} threw in ${direction}(op): ${e instanceof Error ? e.message : String(e)}; nothing was applied.`,
        name,
        e
      )
    )
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
const loadModules = async (
  files: ReadonlyArray<MigrationFile>,
  only?: ReadonlySet<string>
): Promise<E.Either<DbError, Map<string, MigrationModule>>> => {
  const out = new Map<string, MigrationModule>()
  for (const f of files) {
    if (f.kind !== 'module' || (only !== undefined && !only.has(f.name))) continue
    try {
      const mod = (await importFile(f.file)) as Partial<MigrationModule> & { default?: Partial<MigrationModule> }
      const m = typeof mod.up === 'function' ? mod : mod.default
      if (m === undefined || typeof m.up !== 'function')
        return E.left(migrationError(`Migration ${f.file} exports no up(op) function.`, f.name))
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
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { connect, count, integer, migrate, select, session, table } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/20240501120000_init.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n-- down\nDROP TABLE notes;\n')
 * const db = connect('app.db')
 * assert.deepEqual(migrate(db, { dir: 'migrations' }), E.right({ applied: ['20240501120000_init'], outOfOrder: [] }))
 * assert.deepEqual(migrate(db, { dir: 'migrations' }), E.right({ applied: [], outOfOrder: [] }))   // nothing pending
 *
 * const notes = table('notes', { id: integer().primaryKey() })
 * assert.deepEqual(session(db).run(pipe(select(notes), count)), E.right(0))
 *
 * const missing = migrate(db, { dir: 'nowhere' })
 * assert.ok(E.isLeft(missing) && missing.left._tag === 'MigrationError')
 * ```
 */
export const migrate = (db: Db, options: MigrateOptions | string): E.Either<DbError, MigrateResult> => {
  const o = optionsOf(options)
  const p = prepare(db, o.dir)
  if (E.isLeft(p)) return p
  const { h, files, status } = p.right
  const modules = files.filter((f) => f.kind === 'module' && status.pending.includes(f.name))
  if (modules.length > 0) {
    return E.left(
      migrationError(
        `Pending migrations ${modules.map((m) => m.name).join(', ')} are modules (.ts/.js), which load asynchronously: use await migrateAsync(db, { dir }).`
      )
    )
  }
  return apply(db, h, files, status, new Map())
}

/**
 * `migrate` for folders with `.ts`/`.js` migrations too: loads them, then applies everything in one transaction.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate, migrateAsync } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);')
 * fs.writeFileSync('migrations/0002_seed.ts', `
 * import type { MigrationOps } from 'fp-lite-orm'
 * export function up(op: MigrationOps): void {
 *   op.execute("INSERT INTO notes (body) VALUES ('hello')")
 * }
 * `)
 * const db = connect('app.db')
 * const sync = migrate(db, { dir: 'migrations' })
 * assert.ok(E.isLeft(sync) && /migrateAsync/.test(sync.left.message))   // modules load asynchronously
 * assert.deepEqual(await migrateAsync(db, { dir: 'migrations' }), E.right({ applied: ['0001_init', '0002_seed'], outOfOrder: [] }))
 * ```
 */
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

/**
 * Undoes the last applied migration (its `-- down` part, or its `down(op)`), and forgets it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrate, migrateDown, migrationStatus } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_init.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE notes;\n')
 * const db = connect('app.db')
 * migrate(db, { dir: 'migrations' })
 * assert.deepEqual(await migrateDown(db, { dir: 'migrations' }), E.right({ reverted: '0001_init' }))
 * assert.deepEqual(await migrateDown(db, { dir: 'migrations' }), E.right({ reverted: undefined }))   // nothing left to undo
 * const status = migrationStatus(db, { dir: 'migrations' })
 * assert.ok(E.isRight(status) && status.right.pending[0] === '0001_init')
 * ```
 */
export const migrateDown = async (
  db: Db,
  options: MigrateOptions | string
): Promise<E.Either<DbError, { readonly reverted: string | undefined }>> => {
  const o = optionsOf(options)
  const p = prepare(db, o.dir)
  if (E.isLeft(p)) return p
  const { files, status } = p.right
  const last = [...status.applied].sort((a, b) =>
    a.appliedAt === b.appliedAt ? (a.name < b.name ? 1 : -1) : a.appliedAt < b.appliedAt ? 1 : -1
  )[0]
  if (last === undefined) return E.right({ reverted: undefined })
  const file = files.find((f) => f.name === last.name)
  if (file === undefined)
    return E.left(migrationError(`The last applied migration ${last.name} has no file any more: it cannot be undone.`, last.name))
  if (file.kind === 'sql' && file.down === undefined)
    return E.left(migrationError(`Migration ${file.name} has no "-- down" part: it cannot be undone automatically.`, file.name))
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
