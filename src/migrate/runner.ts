/**
 * The migration runner. Pending migrations (by the set of applied names, not a
 * high-water mark) run in one transaction, all or none, and are recorded in
 * `_lite_migr` with their checksum. Foreign keys are turned off before BEGIN (a rebuild
 * must never fire ON DELETE CASCADE) and checked with `foreign_key_check` before COMMIT.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { busyError, isDbError, migrationError, validationError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import type { Connection as Handle } from '../conn/connection.js'
import { withConnection } from '../conn/connection.js'
import type { LocalConnection } from '../driver/index.js'
import { firstValue, mapError, pragmaValue } from '../driver/index.js'
import { logged } from '../conn/log.js'
import type { Level } from '../session/atomic.js'
import { begin, commit, rollback } from '../session/atomic.js'
import type { MigrationFile } from './files.js'
import { listMigrations } from './files.js'
import { importFile } from './load.js'
import type { MigrationOps } from './ops.js'
import { migrationOps } from './ops.js'
import { quoteName } from './names.js'
import { appliedMigrations, ensureMigrationsTable, forgetMigration, MIGRATIONS_TABLE, recordMigration } from './bookkeeping.js'
import { scanStatements, transactionControl } from './sqltext.js'

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
 *
 * @category Migrations
 */
export interface MigrateOptions {
  /** The migrations folder. */
  readonly dir: string
  /**
   * How long, in all, to wait for another connection's write lock (another process
   * migrating the same database at start-up, a long write) before giving up with a Left
   * `BusyError` and nothing applied. Default 30000 (`DEFAULT_BUSY_WAIT_MS`); 0 tries once.
   */
  readonly busyWaitMs?: number | undefined
  /**
   * Called after each migration ran (inside the one transaction: it commits, or none does,
   * once all ran) with its name, its place among those pending and how long it took: the
   * CLI's progress line.
   */
  readonly onApplied?: ((name: string, index: number, count: number, ms: number) => void) | undefined
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
 *
 * @category Migrations
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
 *
 * @category Migrations
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
 *
 * @category Migrations
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
 *
 * @category Migrations
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

export { MIGRATIONS_TABLE } from './bookkeeping.js'

/**
 * How long `migrate`, `migrateAsync` and `migrateDown` wait, in all, for another
 * connection's write lock when `busyWaitMs` is not given: 30 s, room for another process
 * to finish a migration with a table rebuild at start-up.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { DEFAULT_BUSY_WAIT_MS } from 'fp-lite-orm'
 *
 * assert.equal(DEFAULT_BUSY_WAIT_MS, 30_000)
 * ```
 *
 * @category Migrations
 */
export const DEFAULT_BUSY_WAIT_MS = 30_000

// -------------------------------------------------------------------------------------
// bookkeeping
// -------------------------------------------------------------------------------------

/** The Right of a bookkeeping step, or a throw the migration transaction turns back into its Left (and rolls back). */
const must = <A>(e: E.Either<DbError, A>): A => {
  if (E.isLeft(e)) throw new StepFailure(e.left)
  return e.right
}

const ensureTable = (db: Db): void => must(ensureMigrationsTable(db))

const hasTable = (h: Handle): boolean =>
  firstValue(h.db, `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`, MIGRATIONS_TABLE) !== undefined

const appliedRows = (db: Db): AppliedMigration[] =>
  must(appliedMigrations(db)).map((r) => ({ name: r.name, checksum: r.checksum, appliedAt: r.appliedAt }))

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

interface Survey {
  readonly h: Handle
  readonly files: MigrationFile[]
  readonly status: MigrationStatus
  /** Whether `_lite_migr` exists (without it, nothing is applied yet). */
  readonly recorded: boolean
}

/**
 * Opens the database and reads the folder and the records. With `create`, makes sure
 * `_lite_migr` exists first (a write); without, reads it only if it is there, so that
 * looking takes no write lock: the runner re-reads the records once it holds the lock.
 */
const survey = (db: Db, dir: string, create: boolean): E.Either<DbError, Survey> => {
  const files = listMigrations(dir)
  return withConnection(db, (h) => surveyOn(db, h, files, create))
}

const surveyOn = (db: Db, h: Handle, files: ReturnType<typeof listMigrations>, create: boolean): E.Either<DbError, Survey> => {
  try {
    if (create) ensureTable(db)
    if (E.isLeft(files)) return files
    const recorded = create || hasTable(h)
    return E.right({ h, files: files.right, recorded, status: statusOf(files.right, recorded ? appliedRows(db) : []) })
  } catch (e) {
    return E.left(e instanceof StepFailure ? e.error : mapError(e))
  }
}

/**
 * Applied and pending migrations, and applied files that were edited or removed since.
 *
 * @param db - the database, from `connect(...)`.
 * @param options - `MigrateOptions`: the migrations folder (`dir`).
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
 *
 * @category Migrations
 */
export const migrationStatus = (db: Db, options: MigrateOptions): E.Either<DbError, MigrationStatus> =>
  E.map((p: Survey) => p.status)(survey(db, options.dir, true))

// -------------------------------------------------------------------------------------
// refusing what would break the transaction
// -------------------------------------------------------------------------------------

const TRANSACTION_RULE =
  'A migration runs inside the transaction all pending migrations share (all apply, or none): BEGIN, COMMIT, END and ROLLBACK are refused in it (SAVEPOINT, RELEASE and ROLLBACK TO are allowed, and a trigger body’s BEGIN ... END is not a transaction). Remove the statement.'

/** The first transaction-control statement among the parts of these files that would run, as a Left naming the file and the line. */
const refuseTransactionControl = (files: ReadonlyArray<MigrationFile>, part: 'up' | 'down'): E.Either<DbError, void> => {
  for (const f of files) {
    const found = f.control[part][0]
    if (found !== undefined) {
      return E.left(
        migrationError(
          `Migration ${f.name} (${f.file}, line ${found.line}${part === 'down' ? ', in its -- down part' : ''}): ${found.keyword} would end the migration's transaction. ${TRANSACTION_RULE} Nothing was applied.`,
          f.name
        )
      )
    }
  }
  return E.right(undefined)
}

// -------------------------------------------------------------------------------------
// waiting for the write lock
// -------------------------------------------------------------------------------------

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** A synchronous pause that does not spin (the runner is synchronous, like the local driver). */
const sleep = (ms: number): void => {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms)
}

/** The bound on waiting for the write lock: one deadline for every transaction of a run. */
interface Wait {
  readonly busyWaitMs: number
  readonly deadline: number
}

const busyWaitOf = (o: MigrateOptions): E.Either<DbError, number> => {
  const ms = o.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0
    ? E.right(Math.floor(ms))
    : E.left(validationError(`busyWaitMs must be a number of milliseconds >= 0, got ${String(ms)}`, 'busyWaitMs'))
}

const waitFrom = (busyWaitMs: number): Wait => ({ busyWaitMs, deadline: Date.now() + busyWaitMs })

/**
 * BEGIN IMMEDIATE, waiting up to `busyWaitMs` in all while another connection holds the
 * write lock. SQLite's busy handler does the waiting within each try (its timeout set to
 * what is left of the bound); the loop covers the busy cases it does not wait on.
 */
const beginImmediate = (db: Db, h: Handle, wait: Wait): E.Either<DbError, Level> => {
  const { deadline, busyWaitMs } = wait
  const raw = h.db
  const timeout = Number(pragmaValue(raw, 'busy_timeout'))
  try {
    for (;;) {
      const left = Math.max(0, deadline - Date.now())
      raw.exec(`PRAGMA busy_timeout = ${Math.ceil(left)}`)
      try {
        return E.right(begin(db, h, 'immediate'))
      } catch (e) {
        const error = mapError(e, 'BEGIN IMMEDIATE')
        if (error._tag !== 'BusyError') return E.left(error)
        if (Date.now() >= deadline) {
          return E.left(
            busyError(
              error.code,
              `Another connection held the database's write lock for longer than busyWaitMs (${busyWaitMs} ms), so no migration was applied. ` +
                'Run again when it is done (another process migrating at start-up finishes, and a second run then applies nothing), or raise busyWaitMs.',
              'BEGIN IMMEDIATE'
            )
          )
        }
        sleep(Math.min(50, deadline - Date.now()))
      }
    }
  } finally {
    raw.exec(`PRAGMA busy_timeout = ${timeout}`)
  }
}

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

class StepFailure {
  constructor(readonly error: DbError) {}
}

/** What ran in the migration transaction so far: for an exact report if something ends it early. */
interface Progress {
  /** Migrations run and recorded in `_lite_migr`. */
  readonly recorded: string[]
  /** The one running now, and the statements it ran. */
  current: { readonly name: string; readonly statements: string[] } | undefined
}

/**
 * A temporary table created inside the migration transaction: if something ends the
 * transaction early, whether it is still there tells a COMMIT (it is) from a ROLLBACK.
 */
const MARKER = '_fplite_migrating'

const firstLine = (sql: string): string => {
  const s = sql.replace(/^(?:\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*\s*/, '')
  return s.length > 120 ? `${s.slice(0, 117)}...` : s
}

/** The Left for a transaction that ended before the runner's COMMIT: what is committed and what is not. */
const endedEarly = (raw: LocalConnection, progress: Progress, how: string): DbError => {
  const marker = firstValue(raw, `SELECT 1 FROM temp.sqlite_schema WHERE name = ?`, MARKER) !== undefined
  if (marker) raw.exec(`DROP TABLE temp.${quoteName(MARKER)}`)
  const cur = progress.current
  const name = cur?.name ?? '(between migrations)'
  if (!marker) {
    return migrationError(
      `Migration ${name} ended the migration's transaction (${how}) with a rollback: everything this run did is undone, nothing was applied or recorded, and nothing after it ran. ${TRANSACTION_RULE}`,
      cur?.name
    )
  }
  const ran = cur?.statements ?? []
  const shown = ran.slice(0, 10).map((s, i) => `\n  ${i + 1}. ${firstLine(s)}`)
  return migrationError(
    `Migration ${name} ended the migration's transaction (${how}), and what ran before that point is COMMITTED: ` +
      (progress.recorded.length > 0
        ? `migration${progress.recorded.length > 1 ? 's' : ''} ${progress.recorded.join(', ')} (applied and recorded in ${MIGRATIONS_TABLE}), and `
        : '') +
      `${ran.length} statement${ran.length === 1 ? '' : 's'} of ${name}, which is NOT recorded (running it again would apply ${ran.length === 1 ? 'it' : 'them'} twice):` +
      `${shown.join('')}${ran.length > 10 ? `\n  ... and ${ran.length - 10} more` : ''}\n` +
      `Nothing after it ran, and foreign keys were not checked. Check the database by hand, finish or undo ${name}'s work, then fix the migration. ${TRANSACTION_RULE}`,
    cur?.name
  )
}

/**
 * Runs `steps` in one transaction with foreign keys off, checked before COMMIT. The write
 * lock is taken first (BEGIN IMMEDIATE, waiting up to `busyWaitMs`), so `steps` reads the
 * records under the lock: a second process migrating at once applies nothing twice.
 */
const inMigrationTransaction = <A>(
  db: Db,
  h: Handle,
  wait: Wait,
  steps: (progress: Progress) => E.Either<DbError, A>
): E.Either<DbError, A> => {
  const raw: LocalConnection = h.db
  if (raw.inTransaction)
    return E.left(
      migrationError('Migrations cannot run inside a transaction: they manage their own (foreign keys must be turned off outside it).')
    )
  const fkWasOn = pragmaValue(raw, 'foreign_keys') === 1
  raw.exec('PRAGMA foreign_keys = OFF')
  try {
    // Outside the transaction, so that a rollback cannot bring an old marker back.
    raw.exec(`DROP TABLE IF EXISTS temp.${quoteName(MARKER)}`)
    const begun = beginImmediate(db, h, wait)
    if (E.isLeft(begun)) return begun
    const level = begun.right
    const progress: Progress = { recorded: [], current: undefined }
    try {
      raw.exec(`CREATE TEMP TABLE ${quoteName(MARKER)} (x)`)
      const out = steps(progress)
      if (E.isLeft(out)) throw new StepFailure(out.left)
      if (!raw.inTransaction) throw new StepFailure(endedEarly(raw, progress, 'before the runner’s COMMIT'))
      const violations = raw.prepare('PRAGMA foreign_key_check').all() as Array<{
        table: string
        rowid: number | null
        parent: string
        fkid: number
      }>
      if (violations.length > 0) {
        const shown = violations
          .slice(0, 5)
          .map((v) => `${v.table} row ${v.rowid ?? '?'} -> ${v.parent}`)
          .join(', ')
        throw new StepFailure(
          migrationError(`The migration would leave ${violations.length} foreign key violation(s) (${shown}); nothing was applied.`)
        )
      }
      raw.exec(`DROP TABLE temp.${quoteName(MARKER)}`)
      commit(db, h, level)
      return out
    } catch (e) {
      rollback(db, h, level)
      return E.left(
        e instanceof StepFailure
          ? e.error
          : isDbError(e)
            ? e
            : migrationError(`The migration failed: ${e instanceof Error ? e.message : String(e)}; nothing was applied.`, undefined, e)
      )
    }
  } finally {
    if (fkWasOn) raw.exec('PRAGMA foreign_keys = ON')
  }
}

/**
 * Applies statements the way a migration is applied (one transaction, the write lock waited
 * for, foreign keys off and checked before COMMIT, a failure rolling everything back), without
 * recording a migration: what `migrate push` runs.
 * @internal
 */
export const applyStatements = (
  db: Db,
  statements: ReadonlyArray<string>,
  busyWaitMs: number = DEFAULT_BUSY_WAIT_MS
): E.Either<DbError, void> => {
  return withConnection(db, (h) =>
    inMigrationTransaction(db, h, waitFrom(busyWaitMs), (progress) => {
      for (const sql of statements) runStatement(db, h, progress, '(push)', sql)
      return E.right(undefined)
    })
  )
}

/** Fails when the transaction is gone (a COMMIT or ROLLBACK got through): nothing more may run, in autocommit. */
const mustBeInTransaction = (raw: LocalConnection, progress: Progress, how: string): void => {
  if (!raw.inTransaction) throw new StepFailure(endedEarly(raw, progress, how))
}

/** Runs one SQL statement of a migration; a failure names the migration and the statement. */
const runStatement = (db: Db, h: Handle, progress: Progress, migration: string, sql: string): void => {
  mustBeInTransaction(h.db, progress, 'before this statement, outside the runner')
  try {
    logged(db, sql, [], () => h.db.exec(sql))
  } catch (e) {
    // Name the statement without the comments before it, and SQLite's own words once.
    const statement = sql.replace(/^(?:\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*\s*/, '')
    const reason = e instanceof Error ? e.message : String(e)
    // A failed statement that also ended the transaction leaves something to say.
    mustBeInTransaction(h.db, progress, `at the failing statement ${firstLine(sql)}`)
    throw new StepFailure(
      migrationError(
        `Migration ${migration} failed at: ${statement}\n  ${reason}\nNothing was applied: the database is as it was.`,
        migration,
        e
      )
    )
  }
  progress.current?.statements.push(sql)
  mustBeInTransaction(h.db, progress, `at the statement ${firstLine(sql)}`)
}

/** `op.execute(sql)` and the other operations: refused when the SQL would end the transaction, else run. */
const moduleStatement = (db: Db, h: Handle, progress: Progress, file: MigrationFile, sql: string): void => {
  const found = transactionControl(sql, scanStatements(sql))[0]
  if (found !== undefined) {
    throw new StepFailure(
      migrationError(
        `Migration ${file.name} (${file.file}): the SQL given to op.execute holds ${found.keyword} (its line ${found.line}: ${firstLine(found.statement)}), which would end the migration's transaction. ${TRANSACTION_RULE} Nothing was applied.`,
        file.name
      )
    )
  }
  runStatement(db, h, progress, file.name, sql)
}

const runModule = (db: Db, h: Handle, progress: Progress, file: MigrationFile, mod: MigrationModule, direction: 'up' | 'down'): void => {
  const name = file.name
  const f = direction === 'up' ? mod.up : mod.down
  if (typeof f !== 'function') throw new StepFailure(migrationError(`Migration ${name} has no ${direction}(op) function.`, name))
  try {
    const result: unknown = f(migrationOps(db, h, (sql) => moduleStatement(db, h, progress, file, sql)))
    if (typeof (result as { then?: unknown })?.then === 'function') {
      throw new StepFailure(migrationError(`Migration ${name}: ${direction}(op) must be synchronous (it returned a Promise).`, name))
    }
  } catch (e) {
    if (e instanceof StepFailure) throw e
    // A throw after the transaction was ended elsewhere: say that first.
    mustBeInTransaction(h.db, progress, `in ${direction}(op), outside the runner`)
    throw new StepFailure(
      migrationError(
        `Migration ${name} threw in ${direction}(op): ${e instanceof Error || isDbError(e) ? e.message : String(e)}; nothing was applied.`,
        name,
        e
      )
    )
  }
  mustBeInTransaction(h.db, progress, `in ${direction}(op), outside the runner (a COMMIT or ROLLBACK on the same connection)`)
}

const editedRefusal = (status: MigrationStatus): E.Either<DbError, void> =>
  status.edited.length === 0
    ? E.right(undefined)
    : E.left(
        migrationError(
          `Applied migration${status.edited.length > 1 ? 's' : ''} ${status.edited.join(', ')} changed after being applied (checksum mismatch). ` +
            'Restore the file, and put further changes in a new migration.',
          status.edited[0]
        )
      )

const modulesNeedAsync = (names: ReadonlyArray<string>): DbError =>
  migrationError(
    `Pending migrations ${names.join(', ')} are modules (.ts/.js), which load asynchronously: use await migrateAsync(db, { dir }).`
  )

/**
 * Applies what is pending, read again under the write lock: another process may have
 * applied some (or all) of it while this one waited.
 */
const apply = (
  db: Db,
  h: Handle,
  files: ReadonlyArray<MigrationFile>,
  modules: ReadonlyMap<string, MigrationModule>,
  busyWaitMs: number,
  onApplied: MigrateOptions['onApplied']
): E.Either<DbError, MigrateResult> => {
  const wait = waitFrom(busyWaitMs)
  // `_lite_migr` first, in a transaction of its own: it stays when the migrations fail.
  if (!hasTable(h)) {
    const made = inMigrationTransaction(db, h, wait, () => E.right(ensureTable(db)))
    if (E.isLeft(made)) return made
  }
  return inMigrationTransaction(db, h, wait, (progress) => {
    const status = statusOf(files, appliedRows(db))
    const edited = editedRefusal(status)
    if (E.isLeft(edited)) return edited
    const pending = files.filter((f) => status.pending.includes(f.name))
    const control = refuseTransactionControl(pending, 'up')
    if (E.isLeft(control)) return control
    const unloaded = pending.filter((f) => f.kind === 'module' && !modules.has(f.name)).map((f) => f.name)
    if (unloaded.length > 0) return E.left(modulesNeedAsync(unloaded))
    const lastApplied = status.applied.reduce((m, a) => (a.name > m ? a.name : m), '')
    const outOfOrder = pending.filter((f) => f.name < lastApplied).map((f) => f.name)
    for (const [i, f] of pending.entries()) {
      const started = performance.now()
      progress.current = { name: f.name, statements: [] }
      if (f.kind === 'sql') for (const sql of f.up) runStatement(db, h, progress, f.name, sql)
      else runModule(db, h, progress, f, modules.get(f.name)!, 'up')
      mustBeInTransaction(h.db, progress, 'before it was recorded')
      must(recordMigration(db, f.name, f.checksum))
      progress.recorded.push(f.name)
      progress.current = undefined
      onApplied?.(f.name, i, pending.length, performance.now() - started)
    }
    return E.right({ applied: pending.map((f) => f.name), outOfOrder })
  })
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

/** Nothing to do, seen without taking the write lock: the records exist and nothing is pending. */
const upToDate = (s: Survey): boolean => s.recorded && s.status.pending.length === 0 && s.status.edited.length === 0

/**
 * Applies the pending `.sql` migrations of a folder in one transaction and returns their
 * names. Synchronous, like the rest of the API; a folder that also holds `.ts`/`.js`
 * migrations needs `migrateAsync` (ES modules load asynchronously), and says so.
 *
 * @param db - the database to migrate, from `connect(...)`.
 * @param options - the migrations folder's path, or `MigrateOptions` (`dir`, `busyWaitMs`, a progress callback); a folder that
 *   cannot be read is a Left naming it.
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
 *
 * @category Migrations
 */
export const migrate = (db: Db, options: MigrateOptions | string): E.Either<DbError, MigrateResult> => {
  const o = optionsOf(options)
  const wait = busyWaitOf(o)
  if (E.isLeft(wait)) return wait
  const p = survey(db, o.dir, false)
  if (E.isLeft(p)) return p
  const { h, files, status } = p.right
  if (upToDate(p.right)) return E.right({ applied: [], outOfOrder: [] })
  const edited = editedRefusal(status)
  if (E.isLeft(edited)) return edited
  const modules = files.filter((f) => f.kind === 'module' && status.pending.includes(f.name))
  if (modules.length > 0) return E.left(modulesNeedAsync(modules.map((m) => m.name)))
  const control = refuseTransactionControl(
    files.filter((f) => status.pending.includes(f.name)),
    'up'
  )
  if (E.isLeft(control)) return control
  return apply(db, h, files, new Map(), wait.right, o.onApplied)
}

/**
 * `migrate` for folders with `.ts`/`.js` migrations too: loads them, then applies everything in one transaction.
 *
 * @param db - the database to migrate, from `connect(...)`.
 * @param options - the migrations folder's path, or `MigrateOptions`; a folder that cannot be read is a Left naming it.
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
 *
 * @category Migrations
 */
export const migrateAsync = async (db: Db, options: MigrateOptions | string): Promise<E.Either<DbError, MigrateResult>> => {
  const o = optionsOf(options)
  const wait = busyWaitOf(o)
  if (E.isLeft(wait)) return wait
  const p = survey(db, o.dir, false)
  if (E.isLeft(p)) return p
  if (upToDate(p.right)) return E.right({ applied: [], outOfOrder: [] })
  const { files, status } = p.right
  const edited = editedRefusal(status)
  if (E.isLeft(edited)) return edited
  const control = refuseTransactionControl(
    files.filter((f) => status.pending.includes(f.name)),
    'up'
  )
  if (E.isLeft(control)) return control
  const modules = await loadModules(files, new Set(status.pending))
  if (E.isLeft(modules)) return modules
  // Re-acquire: the handle may have been closed while the modules loaded.
  const again = survey(db, o.dir, false)
  if (E.isLeft(again)) return again
  return apply(db, again.right.h, again.right.files, modules.right, wait.right, o.onApplied)
}

/**
 * Undoes the last applied migration (its `-- down` part, or its `down(op)`), and forgets it.
 *
 * @param db - the database, from `connect(...)`.
 * @param options - the migrations folder's path, or `MigrateOptions`: the folder holding the last applied migration's file
 *   (its down part is what runs).
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
 *
 * @category Migrations
 */
export const migrateDown = async (
  db: Db,
  options: MigrateOptions | string
): Promise<E.Either<DbError, { readonly reverted: string | undefined }>> => {
  const o = optionsOf(options)
  const wait = busyWaitOf(o)
  if (E.isLeft(wait)) return wait
  const p = survey(db, o.dir, false)
  if (E.isLeft(p)) return p
  const { files, status } = p.right
  const last = lastApplied(status.applied)
  if (last === undefined) return E.right({ reverted: undefined })
  const file = files.find((f) => f.name === last.name)
  if (file === undefined)
    return E.left(migrationError(`The last applied migration ${last.name} has no file any more: it cannot be undone.`, last.name))
  if (file.kind === 'sql' && file.down === undefined)
    return E.left(migrationError(`Migration ${file.name} has no "-- down" part: it cannot be undone automatically.`, file.name))
  const control = refuseTransactionControl([file], 'down')
  if (E.isLeft(control)) return control
  const modules = await loadModules(files, new Set([file.name]))
  if (E.isLeft(modules)) return modules
  const again = survey(db, o.dir, false)
  if (E.isLeft(again)) return again
  const h = again.right.h
  return inMigrationTransaction(db, h, waitFrom(wait.right), (progress) => {
    // Under the write lock: another process may have stepped back (or forward) meanwhile.
    const now = lastApplied(appliedRows(db))
    if (now?.name !== file.name) {
      return E.left(
        migrationError(
          `Another connection changed the applied migrations while this one waited (the last applied is now ${now?.name ?? 'none'}, not ${file.name}): nothing was undone; run again.`,
          file.name
        )
      )
    }
    progress.current = { name: file.name, statements: [] }
    if (file.kind === 'sql') for (const sql of file.down ?? []) runStatement(db, h, progress, file.name, sql)
    else runModule(db, h, progress, file, modules.right.get(file.name)!, 'down')
    mustBeInTransaction(h.db, progress, 'before its record was removed')
    must(forgetMigration(db, file.name))
    return E.right({ reverted: file.name })
  })
}

/** The migration applied last (by time, then name). */
const lastApplied = (applied: ReadonlyArray<AppliedMigration>): AppliedMigration | undefined =>
  [...applied].sort((a, b) => (a.appliedAt === b.appliedAt ? (a.name < b.name ? 1 : -1) : a.appliedAt < b.appliedAt ? 1 : -1))[0]
