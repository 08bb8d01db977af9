/**
 * The studio's plain data: what its JSON API answers, and the one error shape it answers
 * with. The page (page.ts) reads exactly these shapes.
 */
import type { DbError } from '../errors.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** How the page shows a column's cells: the schema module's kind, else one read from the declared type. */
export type CellKind = 'integer' | 'real' | 'text' | 'blob' | 'boolean' | 'timestamp' | 'json' | 'any'

export interface ColumnView {
  readonly name: string
  /** The declared type as SQLite reports it (`INTEGER`, `TEXT`, `` for none). */
  readonly type: string
  readonly kind: CellKind
  readonly notNull: boolean
  readonly default: string | null
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly pk: number
}

export interface ForeignKeyView {
  readonly columns: ReadonlyArray<string>
  readonly table: string
  readonly to: ReadonlyArray<string>
  readonly onDelete: string
  readonly onUpdate: string
}

export interface IndexView {
  readonly name: string
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
}

export interface TableView {
  readonly name: string
  readonly columns: ReadonlyArray<ColumnView>
  readonly primaryKey: ReadonlyArray<string>
  readonly foreignKeys: ReadonlyArray<ForeignKeyView>
  readonly indexes: ReadonlyArray<IndexView>
  readonly uniques: ReadonlyArray<ReadonlyArray<string>>
  readonly strict: boolean
  readonly withoutRowid: boolean
  readonly sql: string
}

export interface ViewView {
  readonly name: string
  readonly sql: string
  readonly columns: ReadonlyArray<ColumnView>
}

/** One difference `migrate check` would report, with the table it concerns (if any). */
export interface DriftItem {
  readonly kind: 'operation' | 'warning' | 'pending' | 'edited'
  readonly table?: string
  readonly text: string
}

export interface SchemaView {
  readonly database: string
  readonly write: boolean
  readonly tables: ReadonlyArray<TableView>
  readonly views: ReadonlyArray<ViewView>
  /** The schema module's tables; absent when the studio was given none. */
  readonly declared?: ReadonlyArray<Omit<TableView, 'sql' | 'uniques'>>
  /** Why the schema module or the drift could not be read. */
  readonly declaredProblem?: string
  readonly drift: ReadonlyArray<DriftItem>
}

/** A cell on the wire: JSON values as they are; what JSON cannot hold, tagged. */
export type Cell =
  | null
  | number
  | string
  | { readonly $bigint: string }
  | { readonly $blob: { readonly size: number; readonly hex: string } }
  | { readonly $real: string }

/** Where the next page starts: after a keyset cursor, or at an offset (no usable key). */
export type PageStart = { readonly after: ReadonlyArray<Cell> } | { readonly offset: number }

export interface RowsView {
  readonly table: string
  readonly columns: ReadonlyArray<ColumnView>
  readonly foreignKeys: ReadonlyArray<ForeignKeyView>
  /** The key columns that identify a row (edits go by them); empty when there is none. */
  readonly key: ReadonlyArray<string>
  readonly paging: 'keyset' | 'offset'
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
  readonly next: PageStart | null
  /** Rows matching the filters. */
  readonly total: number
  readonly sql: string
}

export interface PlanNode {
  readonly id: number
  readonly detail: string
  readonly children: ReadonlyArray<PlanNode>
}

export interface QueryView {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
  readonly offset: number
  /** True when rows beyond this page exist. */
  readonly more: boolean
  readonly durationMs: number
  readonly plan: ReadonlyArray<PlanNode>
}

export interface MigrationView {
  readonly name: string
  readonly state: 'applied' | 'pending'
  readonly appliedAt?: string
  /** The checksum recorded when applied, else the file's. */
  readonly checksum: string
  readonly fileChecksum?: string
  readonly edited: boolean
  readonly missing: boolean
  readonly kind?: 'sql' | 'module'
  readonly up: ReadonlyArray<string>
  readonly down?: ReadonlyArray<string>
}

export interface MigrationsView {
  readonly folder?: string
  readonly problem?: string
  readonly migrations: ReadonlyArray<MigrationView>
}

/** What every refused request answers: an HTTP status and the library's error (or the studio's own). */
export interface Refusal {
  readonly status: number
  readonly error: { readonly _tag: string; readonly message: string; readonly [field: string]: unknown }
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

export const refusal = (status: number, _tag: string, message: string): Refusal => ({ status, error: { _tag, message } })

/** A library error as a refusal: bad input is the client's (400), a broken constraint a conflict (409). */
export const fromDbError = (e: DbError): Refusal => {
  const status = e._tag === 'ValidationError' ? 400 : e._tag === 'ConstraintError' ? 409 : e._tag === 'NotFound' ? 404 : 400
  // The error's plain fields (code, kind, column, sql, ...), without a cause that may not be JSON.
  const { cause: _cause, ...fields } = e as DbError & { readonly cause?: unknown }
  return { status, error: fields }
}
