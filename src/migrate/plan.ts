/**
 * Schema against database: the plan a new migration would hold, and the check CI runs.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { DbError } from '../errors.js'
import { migrationError } from '../errors.js'
import { mapError } from '../driver/index.js'
import type { Db } from '../conn/connect.js'
import { withConnection } from '../conn/connection.js'
import type { DeclaredTrigger, DeclaredView, Plan, Rename } from './diff.js'
import { isView, viewSql } from '../query/view.js'
import type { Trigger } from '../query/trigger.js'
import { isTrigger } from '../query/trigger.js'
import { diff } from './diff.js'
import type { DeclaredTable } from './model.js'
import { declaredTable, liveTables, liveTriggers, liveViews } from './model.js'

/**
 * What a schema module may declare for migrations: tables (and views) and triggers.
 *
 * @example
 * ```ts
 * import type { SchemaItem } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SchemaItem
 * ```
 *
 * @category Migrations
 */
export type SchemaItem = AnyTable | Trigger

/**
 * The operations (and their SQL) that would bring the live database to the schema.
 *
 * @param db - the live database, from `connect(...)`.
 * @param tables - the schema: the tables, views, triggers and FTS indexes the database should have.
 * @param renames - the columns renamed since (`{ table, from, to }`), so their data is kept instead of a drop and an add.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, index, integer, migrate, planMigration, table, text } from 'fp-lite-orm'
 * import type { Plan } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull() }, { indexes: [index('users_email_idx', ['email'])] })
 * const db = connect('app.db')
 *
 * // Write the plan as a .sql migration, as `fp-lite-orm migrate create` does, and apply it.
 * const toFile = (p: Plan) => `${p.up.join(';\n')};\n-- down\n${p.down.join(';\n')};\n`
 * const plan = planMigration(db, [users])
 * assert.ok(E.isRight(plan))
 * fs.mkdirSync('migrations')
 * fs.writeFileSync('migrations/0001_users.sql', toFile(plan.right))
 * assert.ok(E.isRight(migrate(db, { dir: 'migrations' })))
 *
 * const again = planMigration(db, [users])
 * assert.ok(E.isRight(again) && again.right.operations.length === 0)   // in sync
 * ```
 *
 * @category Migrations
 */
export const planMigration = (db: Db, tables: ReadonlyArray<SchemaItem>, renames: ReadonlyArray<Rename> = []): E.Either<DbError, Plan> => {
  const declared: DeclaredTable[] = []
  const names = new Set<string>()
  // Views are not tables: they are planned as CREATE VIEW, never as CREATE TABLE.
  const views: DeclaredView[] = []
  const triggers: DeclaredTrigger[] = []
  for (const t of tables.filter(isTrigger)) {
    if (E.isLeft(t.sql)) return E.left(migrationError(`The schema's trigger ${t.name} is invalid: ${t.sql.left}`))
    if (triggers.some((x) => x.name.toLowerCase() === t.name.toLowerCase()))
      return E.left(migrationError(`The schema declares the trigger ${t.name} twice.`))
    triggers.push({ name: t.name, table: t.table, sql: t.sql.right })
  }
  for (const v of tables.filter((x): x is AnyTable => !isTrigger(x) && isView(x))) {
    const text = viewSql(v, false)
    if (E.isLeft(text)) return E.left(migrationError(`The schema's view ${tableInfo(v).name} is invalid: ${text.left}`))
    if (names.has(tableInfo(v).name)) return E.left(migrationError(`The schema declares ${tableInfo(v).name} twice.`))
    names.add(tableInfo(v).name)
    views.push({ name: tableInfo(v).name, sql: text.right })
  }
  for (const t of tables.filter((x): x is AnyTable => !isTrigger(x) && !isView(x))) {
    const d = declaredTable(t)
    if (E.isLeft(d)) return d
    if (names.has(d.right.name)) return E.left(migrationError(`The schema declares the table ${d.right.name} twice.`))
    names.add(d.right.name)
    declared.push(d.right)
  }
  return withConnection(db, (h) => {
    try {
      return diff(declared, liveTables(h.db), renames, liveViews(h.db), views.length > 0 ? views : undefined, {
        live: liveTriggers(h.db),
        ...(triggers.length > 0 ? { declared: triggers } : {})
      })
    } catch (e) {
      return E.left(mapError(e))
    }
  })
}

/** The tables exported by a schema module (also inside a default export or an object of tables). */
export const tablesOf = (mod: Record<string, unknown>): AnyTable[] => schemaItemsOf(mod).filter((x): x is AnyTable => !isTrigger(x))

/** The tables, views and triggers exported by a schema module (also inside a default export or an object). */
export const schemaItemsOf = (mod: Record<string, unknown>): SchemaItem[] => {
  const out: SchemaItem[] = []
  const seen = new Set<unknown>()
  const visit = (v: unknown, depth: number) => {
    if (typeof v !== 'object' || v === null || seen.has(v) || depth > 2) return
    seen.add(v)
    if (isTrigger(v)) {
      out.push(v)
      return
    }
    try {
      const info = tableInfo(v as AnyTable)
      if (info !== undefined && typeof info.name === 'string') {
        // Aliases and CTEs are handles on tables, not tables of their own.
        if (info.alias === undefined && info.ref.cte === undefined) out.push(v as AnyTable)
        return
      }
    } catch {
      // not a table
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1)
  }
  for (const v of Object.values(mod)) visit(v, 0)
  return out
}
