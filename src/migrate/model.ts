/**
 * One model of a database schema, computed two ways: from schema objects (what the code
 * says) and from a live database through PRAGMAs (what the file holds). The diff
 * compares the two. Plain data throughout.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { DbError } from '../errors.js'
import { migrationError } from '../errors.js'
import type { ColumnDef, CreateTableStatement } from '../query/ast.js'
import { defaultSql } from '../query/compile/ddl.js'
import { createTable } from '../query/ddl.js'
import type { LocalConnection } from '../driver/index.js'
import { firstColumn, firstValue } from '../driver/index.js'
import { quoteName } from './names.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface ColumnModel {
  readonly name: string
  /** The declared type, upper-cased (`INTEGER`, `TEXT`, ...). */
  readonly type: string
  readonly notNull: boolean
  /** The default's SQL text as SQLite reports it (outer parentheses removed), or null. */
  readonly default: string | null
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly pk: number
}

export interface ForeignKeyModel {
  readonly columns: ReadonlyArray<string>
  readonly table: string
  readonly to: ReadonlyArray<string>
  readonly onDelete: string
  readonly onUpdate: string
}

export interface IndexModel {
  readonly name: string
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
}

export interface TableModel {
  readonly name: string
  readonly columns: ReadonlyArray<ColumnModel>
  readonly foreignKeys: ReadonlyArray<ForeignKeyModel>
  /** Explicit indexes (CREATE INDEX), by name. */
  readonly indexes: ReadonlyArray<IndexModel>
  /** Column sets under a UNIQUE constraint. */
  readonly uniques: ReadonlyArray<ReadonlyArray<string>>
  readonly strict: boolean
  readonly withoutRowid: boolean
}

/** A table as the schema declares it, with the statement that creates it. */
export interface DeclaredTable extends TableModel {
  readonly statement: CreateTableStatement
  /** Column definitions by SQL name (for ADD COLUMN). */
  readonly definitions: ReadonlyArray<ColumnDef>
}

/** A table as the database holds it, with its original SQL (for `down` steps). */
export interface LiveTable extends TableModel {
  readonly sql: string
  readonly indexSql: ReadonlyArray<string>
  /** Its triggers' SQL: a rebuild drops them with the table and recreates them. */
  readonly triggers: ReadonlyArray<string>
  readonly rows: number
}

/** A view, which a rebuild must drop and recreate (it would break while its table is swapped). */
export interface LiveView {
  readonly name: string
  readonly sql: string
}

/** A trigger of the live database. */
export interface LiveTrigger {
  readonly name: string
  readonly table: string
  readonly sql: string
}

/**
 * The triggers of the live database.
 * @internal (not in the published declarations, which must not need the driver's types)
 */
export const liveTriggers = (db: LocalConnection): LiveTrigger[] =>
  db
    .prepare(`SELECT name, tbl_name AS "table", sql FROM sqlite_schema WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name`)
    .all() as LiveTrigger[]

/**
 * The views of the live database.
 * @internal (not in the published declarations, which must not need the driver's types)
 */
export const liveViews = (db: LocalConnection): LiveView[] =>
  db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'view' AND sql IS NOT NULL ORDER BY name`).all() as LiveView[]

// -------------------------------------------------------------------------------------
// from schema objects
// -------------------------------------------------------------------------------------

/** `(expr)` and `expr` are the same default: SQLite reports it without the parentheses. */
export const normalizeDefault = (sql: string | null): string | null => {
  if (sql === null) return null
  let s = sql.trim()
  while (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) s = s.slice(1, -1).trim()
  return s
}

const balanced = (s: string): boolean => {
  let depth = 0
  let quote: string | undefined
  for (const ch of s) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined
      continue
    }
    if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')' && --depth < 0) return false
  }
  return depth === 0
}

const ACTION = (a: string | undefined): string => (a === undefined ? 'NO ACTION' : a.toUpperCase())

/** The model of a table from its schema object; Left for a table whose definition is faulty. */
export const declaredTable = (t: AnyTable): E.Either<DbError, DeclaredTable> => {
  const statement = createTable(t).statement as CreateTableStatement
  const info = tableInfo(t)
  if (statement.problems !== undefined && statement.problems.length > 0) {
    return E.left(migrationError(`The schema of ${statement.name} is invalid: ${statement.problems.join('; ')}`))
  }
  const columns: ColumnModel[] = statement.columns.map((c) => ({
    name: c.name,
    type: c.type,
    // SQLite reports an INTEGER PRIMARY KEY of a rowid table as nullable (it is the rowid);
    // in a WITHOUT ROWID table every key column is NOT NULL.
    notNull: c.notNull && !(c.primaryKey && c.type === 'INTEGER' && !info.withoutRowid),
    default: c.default === undefined ? null : normalizeDefault(defaultSql(c.default)),
    pk: c.primaryKey ? 1 : statement.primaryKey.indexOf(c.name) + 1
  }))
  const foreignKeys: ForeignKeyModel[] = statement.columns.flatMap((c) =>
    c.references === undefined
      ? []
      : [
          {
            columns: [c.name],
            table: c.references.table,
            to: [c.references.column],
            onDelete: ACTION(c.references.onDelete),
            onUpdate: ACTION(c.references.onUpdate)
          }
        ]
  )
  return E.right({
    name: statement.name,
    columns,
    foreignKeys,
    indexes: statement.indexes.map((i) => ({ name: i.name, columns: [...i.columns], unique: i.unique })),
    uniques: statement.columns.filter((c) => c.unique).map((c) => [c.name]),
    strict: info.strict,
    withoutRowid: info.withoutRowid,
    statement,
    definitions: statement.columns
  })
}

// -------------------------------------------------------------------------------------
// from a live database
// -------------------------------------------------------------------------------------

interface XInfo {
  name: string
  type: string
  notnull: number
  dflt_value: string | null
  pk: number
  hidden: number
}
interface IndexList {
  name: string
  unique: number
  origin: string
  partial: number
}
interface ForeignKeyRow {
  id: number
  seq: number
  table: string
  from: string
  to: string | null
  on_update: string
  on_delete: string
}

/** Tables the library or SQLite keep for themselves, never diffed. */
export const isInternalTable = (name: string): boolean => name.startsWith('sqlite_') || name === '_lite_migr'

// PRAGMAs as table-valued functions take the name as a bound value: no name in SQL text.
const tableXInfo = (db: LocalConnection, table: string): XInfo[] =>
  db.prepare(`SELECT * FROM pragma_table_xinfo(?, 'main')`).all(table) as XInfo[]

const primaryKeyOf = (db: LocalConnection, table: string): string[] =>
  tableXInfo(db, table)
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name)

/**
 * Every user table of the live database, read through PRAGMAs.
 * @internal (not in the published declarations, which must not need the driver's types)
 */
export const liveTables = (db: LocalConnection): LiveTable[] => {
  const list = db.prepare(`SELECT * FROM pragma_table_list`).all() as Array<{
    schema: string
    name: string
    type: string
    wr: number
    strict: number
  }>
  const sqlOf = (type: string, name: string) => firstValue(db, `SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?`, type, name)
  return list
    .filter((t) => t.schema === 'main' && t.type === 'table' && !isInternalTable(t.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => {
      const columns = tableXInfo(db, t.name)
        // hidden 2 and 3 are generated columns (VIRTUAL, STORED): columns of the table; 1 is a virtual table's hidden one.
        .filter((c) => c.hidden === 0 || c.hidden === 2 || c.hidden === 3)
        .map((c) => ({
          name: c.name,
          type: c.type.toUpperCase(),
          notNull: c.notnull === 1,
          default: normalizeDefault(c.dflt_value),
          pk: c.pk
        }))
      const fkRows = db.prepare(`SELECT * FROM pragma_foreign_key_list(?, 'main')`).all(t.name) as ForeignKeyRow[]
      const byId = new Map<number, ForeignKeyRow[]>()
      for (const r of fkRows) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
      const foreignKeys = [...byId.values()].map((rows) => {
        const sorted = rows.sort((a, b) => a.seq - b.seq)
        const parent = sorted[0]!.table
        // `REFERENCES parent` without columns means the parent's primary key.
        const parentKey = sorted.some((r) => r.to === null) ? primaryKeyOf(db, parent) : []
        return {
          columns: sorted.map((r) => r.from),
          table: parent,
          to: sorted.map((r, i) => r.to ?? parentKey[i] ?? r.from),
          onDelete: sorted[0]!.on_delete.toUpperCase(),
          onUpdate: sorted[0]!.on_update.toUpperCase()
        }
      })
      const indexList = db.prepare(`SELECT * FROM pragma_index_list(?, 'main')`).all(t.name) as IndexList[]
      const columnsOf = (index: string) =>
        (db.prepare(`SELECT * FROM pragma_index_info(?, 'main')`).all(index) as Array<{ seqno: number; name: string }>)
          .sort((a, b) => a.seqno - b.seqno)
          .map((r) => r.name)
      const indexes = indexList
        .filter((i) => i.origin === 'c')
        .map((i) => ({ name: i.name, columns: columnsOf(i.name), unique: i.unique === 1 }))
        .sort((a, b) => a.name.localeCompare(b.name))
      const uniques = indexList.filter((i) => i.origin === 'u').map((i) => columnsOf(i.name))
      const rows = (firstValue(db, `SELECT count(*) FROM ${quoteName(t.name)}`) as number | undefined) ?? 0
      return {
        name: t.name,
        columns,
        foreignKeys,
        indexes,
        uniques,
        strict: t.strict === 1,
        withoutRowid: t.wr === 1,
        sql: (sqlOf('table', t.name) as string | undefined) ?? '',
        indexSql: indexes.map((i) => (sqlOf('index', i.name) as string | undefined) ?? '').filter((s) => s !== ''),
        triggers: firstColumn(
          db,
          `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`,
          t.name
        ) as string[],
        rows
      }
    })
}
