/**
 * The `op` API of module migrations (`export function up(op) { op.addColumn(users, 'age') }`).
 * Each operation runs at once, inside the migration's transaction; a failure aborts the
 * whole upgrade.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyTable, IndexDef } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { DbError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import type { Connection as Handle } from '../conn/connection.js'
import { columnDefinitionSql, createTableSql } from '../query/compile/ddl.js'
import { diff } from './diff.js'
import { quoteName } from './names.js'
import { declaredTable, liveTables, liveViews } from './model.js'

/**
 * The `op` of module migrations (`NAME.ts` / `NAME.js` exporting `up(op)` and `down(op)`).
 * Each operation runs at once, inside the migration's transaction; a failure undoes the whole
 * upgrade.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, migrateAsync } from 'fp-lite-orm'
 * import type { MigrationOps } from 'fp-lite-orm'
 *
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_notes.ts', `
 * import { index, integer, table, text } from 'fp-lite-orm'
 * import type { MigrationOps } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), body: text(), tag: text() })
 *
 * export function up(op: MigrationOps): void {
 *   op.createTable(notes)
 *   op.createIndex(notes, index('notes_tag_idx', ['tag']))
 *   op.execute("INSERT INTO notes (body, tag) VALUES ('first', 'misc')")
 * }
 *
 * export function down(op: MigrationOps): void {
 *   op.dropTable('notes')
 * }
 * `)
 * assert.deepEqual(await migrateAsync(connect('app.db'), { dir: 'migrations' }), E.right({ applied: ['0001_notes'], outOfOrder: [] }))
 *
 * // The type of op, for migrations written as modules:
 * const up = (op: MigrationOps): void => op.execute('SELECT 1')
 * assert.equal(typeof up, 'function')
 * ```
 *
 * @category Migrations
 */
export interface MigrationOps {
  /**
   * CREATE TABLE (and its indexes) from a schema object.
   *
   * @param table - the table, as the schema module defines it at the time of the migration.
   */
  createTable(table: AnyTable): void
  /**
   * DROP TABLE (its indexes go with it).
   *
   * @param name - the table's SQL name (quoted; a name SQLite cannot take fails the migration with the reason).
   */
  dropTable(name: string): void
  /**
   * ALTER TABLE ADD COLUMN, the column defined by the schema object's `key`.
   *
   * @param table - the table, as the schema defines it (with the new column).
   * @param key - the new column's schema key in `table`; an unknown key fails the migration.
   */
  addColumn(table: AnyTable, key: string): void
  /**
   * ALTER TABLE RENAME COLUMN (SQL names).
   *
   * @param table - the table, or its SQL name.
   * @param from - the column's current SQL name.
   * @param to - its new SQL name.
   */
  renameColumn(table: AnyTable | string, from: string, to: string): void
  /**
   * CREATE [UNIQUE] INDEX, columns named by the schema keys of `table`.
   *
   * @param table - the table the index is on.
   * @param index - the index, from `index(...)` or `uniqueIndex(...)` (its keys are schema keys of `table`).
   */
  createIndex(table: AnyTable, index: IndexDef): void
  /**
   * DROP INDEX.
   *
   * @param name - the index's SQL name.
   */
  dropIndex(name: string): void
  /**
   * Rebuilds the live table to the schema object's definition, keeping the columns both have.
   *
   * @param table - the table's new definition; columns it shares with the live table keep their data.
   */
  rebuildTable(table: AnyTable): void
  /**
   * Any SQL: one or more statements.
   *
   * @param sql - one or more SQL statements, run as written (no parameters: write literals only from trusted text).
   */
  execute(sql: string): void
}

class OpFailure extends Error {
  constructor(readonly error: DbError) {
    super(error.message)
  }
}

const must = <A>(e: E.Either<DbError, A>): A => {
  if (E.isLeft(e)) throw new OpFailure(e.left)
  return e.right
}

/** Names reach SQL only through the one quoting function; a name it refuses fails the operation with its reason. */
const q = (name: string): string =>
  must(
    E.tryCatch(
      () => quoteName(name),
      (e) => e as DbError
    )
  )

/** @internal The `op` a module migration gets (not in the published declarations, which must not need the driver's types). */
export const migrationOps = (_db: Db, h: Handle, run: (sql: string) => void): MigrationOps => ({
  createTable: (table) => {
    const ddl = must(createTableSql(must(declaredTable(table)).statement, { ifNotExists: false }))
    for (const sql of [ddl.table, ...ddl.indexes]) run(sql)
  },
  dropTable: (name) => run(`DROP TABLE ${q(name)}`),
  addColumn: (table, key) => {
    const declared = must(declaredTable(table))
    const col = tableInfo(table).columns.find((c) => c.key === key)
    const def = declared.definitions.find((d) => d.name === col?.name)
    if (col === undefined || def === undefined)
      throw new OpFailure({ _tag: 'MigrationError', message: `addColumn: ${declared.name} has no column ${key}` })
    run(`ALTER TABLE ${q(declared.name)} ADD COLUMN ${must(columnDefinitionSql(def))}`)
  },
  renameColumn: (table, from, to) => {
    const name = typeof table === 'string' ? table : tableInfo(table).name
    run(`ALTER TABLE ${q(name)} RENAME COLUMN ${q(from)} TO ${q(to)}`)
  },
  createIndex: (table, index) => {
    const info = tableInfo(table)
    const cols = index.columns.map((k) => info.columns.find((c) => c.key === k)?.name ?? k)
    run(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(info.name)} (${cols.map(q).join(', ')})`)
  },
  dropIndex: (name) => run(`DROP INDEX ${q(name)}`),
  rebuildTable: (table) => {
    const declared = must(declaredTable(table))
    const live = liveTables(h.db).filter((t) => t.name.toLowerCase() === declared.name.toLowerCase())
    const plan = must(diff([declared], live, [], liveViews(h.db)))
    for (const sql of plan.up) run(sql)
  },
  execute: (sql) => run(sql)
})
