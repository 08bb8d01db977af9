/**
 * DDL as query values: `createTable(t)` is CREATE TABLE IF NOT EXISTS with the table's
 * indexes, compiled from the schema object like any other query.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyColumn } from '../schema/column.js'
import { ColumnInfo, sqlType } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { AnyTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import { describeValue } from '../errors.js'
import type { ColumnDef, DefaultDef, Query } from './ast.js'

/**
 * CREATE TABLE IF NOT EXISTS, then CREATE INDEX IF NOT EXISTS for each index; runs in one transaction.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, index, integer, session, table, text, toSQL } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() }, { indexes: [index('users_name_idx', ['name'])] })
 * assert.deepEqual(pipe(toSQL(createTable(users)), E.map((q) => q.sql)), E.right(
 *   'CREATE TABLE IF NOT EXISTS "users" (\n  "id" INTEGER PRIMARY KEY,\n  "name" TEXT NOT NULL\n);\n' +
 *   'CREATE INDEX IF NOT EXISTS "users_name_idx" ON "users" ("name")'
 * ))
 * const s = session(connect(':memory:'))
 * assert.deepEqual(s.run(createTable(users)), E.right(undefined))
 * assert.deepEqual(s.run(createTable(users)), E.right(undefined))   // IF NOT EXISTS: running it again is harmless
 * ```
 *
 * @category Writes
 */
export const createTable = <T extends AnyTable>(table: T): Query<void> => {
  const info = tableInfo(table)
  const problems = [...info.problems]
  const byKey = new Map(info.columns.map((c) => [c.key, c] as const))
  const sqlNames = (keys: ReadonlyArray<string>) => keys.map((k) => byKey.get(k)?.name ?? k)
  const composite = info.primaryKey.length > 1 || (info.primaryKey.length === 1 && !info.columns.some((c) => c[ColumnInfo].primaryKey))
  return {
    _tag: 'Query',
    mode: 'void',
    statement: {
      _tag: 'CreateTable',
      name: info.name,
      columns: info.columns.map((c) => columnDef(c, problems)),
      primaryKey: composite ? sqlNames(info.primaryKey) : [],
      indexes: info.indexes.map((ix) => ({ name: ix.name, columns: sqlNames(ix.columns), unique: ix.unique })),
      strict: info.strict,
      withoutRowid: info.withoutRowid,
      ...(problems.length > 0 ? { problems } : {})
    }
  }
}

const columnDef = (c: AnyColumn, problems: string[]): ColumnDef => {
  const info = c[ColumnInfo]
  let def: DefaultDef | undefined
  if (info.default?._tag === 'Now') def = { _tag: 'Now' }
  else if (info.default?._tag === 'Value') {
    const v = info.default.value
    const r = v === null ? E.right(null) : encodeValue(c.kind, v, 'store', info.codec)
    if (E.isRight(r)) def = { _tag: 'Literal', value: r.right }
    else problems.push(`the default of ${info.sourceTable}.${c.key} is not ${r.left}: ${describeValue(v)}`)
  }
  // A function default is JavaScript's to call at insert time; it has no DDL form.
  let references: ColumnDef['references']
  if (info.references !== undefined) {
    try {
      const target = info.references.target()
      const { onDelete, onUpdate } = info.references.options
      references = {
        table: target[ColumnInfo].sourceTable,
        column: target.name,
        ...(onDelete === undefined ? {} : { onDelete }),
        ...(onUpdate === undefined ? {} : { onUpdate })
      }
    } catch (e) {
      problems.push(`the reference of ${info.sourceTable}.${c.key} could not be resolved: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return {
    name: c.name,
    type: sqlType(c.kind),
    primaryKey: info.primaryKey,
    notNull: info.notNull,
    unique: info.unique,
    checkBoolean: c.kind === 'boolean',
    ...(def === undefined ? {} : { default: def }),
    ...(references === undefined ? {} : { references })
  }
}
