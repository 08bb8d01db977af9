/**
 * The database as the studio shows it: the live tables and views (read through the
 * table-valued PRAGMAs of src/migrate/model.ts), the schema module's tables beside them,
 * and the drift `migrate check` reports, computed by the same diff.
 */
import type { LocalConnection } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Db } from '../conn/connect.js'
import type { DbError } from '../errors.js'
import { describe } from '../migrate/diff.js'
import type { ColumnModel, LiveTable } from '../migrate/model.js'
import { declaredTable, isInternalTable, liveTables, normalizeDefault } from '../migrate/model.js'
import { quoteName } from '../migrate/names.js'
import { planMigration } from '../migrate/plan.js'
import type { ColumnKind } from '../schema/column.js'
import type { AnyTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { CellKind, ColumnView, DriftItem, SchemaView, TableView, ViewView } from './model.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** The live schema, read once per request: every identifier the page sends is checked against it. */
export interface LiveSchema {
  readonly tables: ReadonlyArray<TableView>
  readonly views: ReadonlyArray<ViewView>
}

// -------------------------------------------------------------------------------------
// kinds
// -------------------------------------------------------------------------------------

/** SQLite's affinity rules (section 3.1 of its datatype page), plus the names people use for dates, booleans and JSON. */
export const kindOfType = (type: string): CellKind => {
  const t = type.toUpperCase()
  if (t.includes('INT')) return /BOOL/.test(t) ? 'boolean' : 'integer'
  if (/BOOL/.test(t)) return 'boolean'
  if (/DATE|TIME/.test(t)) return 'timestamp'
  if (/JSON/.test(t)) return 'json'
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text'
  if (t === '' || t.includes('BLOB')) return t === '' ? 'any' : 'blob'
  if (/REAL|FLOA|DOUB/.test(t)) return 'real'
  return 'any'
}

const cellKind = (k: ColumnKind): CellKind => (k === 'bigint' ? 'integer' : k)

const kindsOf = (t: AnyTable): Map<string, CellKind> => new Map(tableInfo(t).columns.map((c) => [c.name, cellKind(c.kind)] as const))

/** The schema module's kind for each column of each table, by SQL names. */
const declaredKinds = (tables: ReadonlyArray<AnyTable>): Map<string, Map<string, CellKind>> => {
  const out = new Map<string, Map<string, CellKind>>()
  for (const t of tables) out.set(tableInfo(t).name, kindsOf(t))
  return out
}

// -------------------------------------------------------------------------------------
// reading
// -------------------------------------------------------------------------------------

const columnView = (c: ColumnModel, kind: CellKind | undefined): ColumnView => ({
  name: c.name,
  type: c.type,
  kind: kind ?? kindOfType(c.type),
  notNull: c.notNull,
  default: c.default,
  pk: c.pk
})

/** The library declares a boolean column with `CHECK ("col" IN (0, 1))`: without a schema module, that says boolean. */
const checkedBoolean = (t: LiveTable, column: string): CellKind | undefined =>
  t.sql.includes(`CHECK (${quoteName(column)} IN (0, 1))`) ? 'boolean' : undefined

const tableView = (t: LiveTable, kinds: Map<string, CellKind> | undefined): TableView => ({
  name: t.name,
  columns: t.columns.map((c) => columnView(c, kinds?.get(c.name) ?? checkedBoolean(t, c.name))),
  primaryKey: [...t.columns]
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name),
  foreignKeys: t.foreignKeys,
  indexes: t.indexes,
  uniques: t.uniques,
  strict: t.strict,
  withoutRowid: t.withoutRowid,
  sql: t.sql
})

interface XInfo {
  readonly name: string
  readonly type: string
  readonly notnull: number
  readonly dflt_value: string | null
  readonly pk: number
  readonly hidden: number
}

const viewsOf = (db: LocalConnection): ViewView[] => {
  const views = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'view' AND sql IS NOT NULL ORDER BY name`).all() as Array<{
    name: string
    sql: string
  }>
  // The name is a bound value of the table-valued PRAGMA: no name reaches SQL text.
  const info = db.prepare(`SELECT * FROM pragma_table_xinfo(?, 'main')`)
  return views
    .filter((v) => !isInternalTable(v.name))
    .map((v) => {
      let columns: ColumnView[] = []
      try {
        columns = (info.all(v.name) as XInfo[])
          .filter((c) => c.hidden === 0)
          .map((c) =>
            columnView(
              { name: c.name, type: c.type.toUpperCase(), notNull: c.notnull === 1, default: normalizeDefault(c.dflt_value), pk: 0 },
              undefined
            )
          )
      } catch {
        // a view over a table that is gone: listed, without columns
      }
      return { name: v.name, sql: v.sql, columns }
    })
}

/** The live tables and views, with the schema module's kinds where it declares the column. */
export const readLive = (db: LocalConnection, declared: ReadonlyArray<AnyTable> = []): E.Either<DbError, LiveSchema> => {
  try {
    const kinds = declaredKinds(declared)
    return E.right({ tables: liveTables(db).map((t) => tableView(t, kinds.get(t.name))), views: viewsOf(db) })
  } catch (e) {
    return E.left(mapError(e))
  }
}

/** The schema module's tables, as the diff models them. */
const declaredViews = (tables: ReadonlyArray<AnyTable>): NonNullable<SchemaView['declared']> =>
  tables.flatMap((t) => {
    const d = declaredTable(t)
    if (E.isLeft(d)) return []
    const kinds = kindsOf(t)
    return [
      {
        name: d.right.name,
        columns: d.right.columns.map((c) => columnView(c, kinds.get(c.name))),
        primaryKey: [...d.right.columns]
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        foreignKeys: d.right.foreignKeys,
        indexes: d.right.indexes,
        strict: d.right.strict,
        withoutRowid: d.right.withoutRowid
      }
    ]
  })

/** What `migrate check` reports for the schema part: the operations and warnings of the plan. */
export const schemaDrift = (db: Db, tables: ReadonlyArray<AnyTable>): E.Either<DbError, DriftItem[]> =>
  E.map((plan: { operations: ReadonlyArray<Parameters<typeof describe>[0]>; warnings: ReadonlyArray<string> }) => [
    ...plan.operations.map((op) => ({
      kind: 'operation' as const,
      table: 'table' in op ? op.table : 'view' in op ? op.view : op.trigger,
      text: `the schema needs: ${describe(op)}`
    })),
    ...plan.warnings.map((w) => ({ kind: 'warning' as const, text: `warning: ${w}` }))
  ])(planMigration(db, tables))

/** The whole schema view: live, declared, and the drift (migration drift is added by the caller). */
export const schemaView = (
  live: LiveSchema,
  database: string,
  write: boolean,
  declared: { readonly tables: ReadonlyArray<AnyTable> } | { readonly problem: string } | undefined,
  drift: ReadonlyArray<DriftItem>,
  driftProblem: string | undefined
): SchemaView => {
  const problem = declared !== undefined && 'problem' in declared ? declared.problem : driftProblem
  return {
    database,
    write,
    tables: live.tables,
    views: live.views,
    ...(declared !== undefined && 'tables' in declared ? { declared: declaredViews(declared.tables) } : {}),
    ...(problem === undefined ? {} : { declaredProblem: problem }),
    drift
  }
}
