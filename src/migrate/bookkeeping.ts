/**
 * `_lite_migr`, the runner's record of applied migrations, as a schema object: read and
 * written with query values through a session, like any table of the application
 * (Kysely's Migrator keeps its bookkeeping with its own builder the same way). The SQL
 * the compiler gives for it is the table the runner always created and used (the same
 * columns, types and constraints, `applied_at` an ISO-8601 text), so databases migrated
 * by an earlier version keep working unchanged: spec/migrate-bookkeeping.test.ts holds
 * that to a hand-written copy of the old table.
 *
 * The statements run on the calling thread's connection, inside the runner's migration
 * transaction when there is one (a session joins the open transaction of its handle).
 */
import { pipe } from 'fp-ts/lib/function.js'
import type * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { text } from '../schema/column.js'
import { table } from '../schema/table.js'
import { createTable } from '../query/ddl.js'
import { eq } from '../query/expr.js'
import { where } from '../query/filter.js'
import { insert } from '../query/insert.js'
import { all, asc, orderBy, select } from '../query/select.js'
import { deleteFrom } from '../query/write.js'
import { session } from '../session/session.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export const MIGRATIONS_TABLE = '_lite_migr'

/** One row per applied migration: its name (the file name without extension), the file's checksum, when it was applied. */
export const migrationsTable = table(MIGRATIONS_TABLE, {
  name: text().primaryKey().notNull(),
  checksum: text().notNull(),
  appliedAt: text('applied_at').notNull()
})

/** A row of `_lite_migr`. */
export interface AppliedRow {
  readonly name: string
  readonly checksum: string
  readonly appliedAt: string
}

// -------------------------------------------------------------------------------------
// queries
// -------------------------------------------------------------------------------------

const create = createTable(migrationsTable)

/** Applied migrations by time applied, then name (two applied in the same millisecond keep a stable order). */
const applied = pipe(select(migrationsTable), orderBy(asc(migrationsTable.appliedAt), asc(migrationsTable.name)), all)

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Creates `_lite_migr` if it is not there. */
export const ensureMigrationsTable = (db: Db): E.Either<DbError, void> => session(db).run(create)

/** Every applied migration, oldest first. */
export const appliedMigrations = (db: Db): E.Either<DbError, ReadonlyArray<AppliedRow>> => session(db).run(applied)

/** Records a migration as applied now. */
export const recordMigration = (db: Db, name: string, checksum: string): E.Either<DbError, unknown> =>
  session(db).run(insert(migrationsTable, { name, checksum, appliedAt: new Date().toISOString() }))

/** Forgets an applied migration (after its `down` ran). */
export const forgetMigration = (db: Db, name: string): E.Either<DbError, unknown> =>
  session(db).run(pipe(deleteFrom(migrationsTable), where(eq(migrationsTable.name, name))))
