/**
 * The compiled form of a query: what the compiler hands to whoever runs it (the session,
 * the pools, the row readers). Types only, and the one symbol a json field's codec
 * travels under: importing this module pulls in no part of the compiler.
 */
import type * as t from 'io-ts'
import type { ColumnKind, SqlValue } from '../schema/column.js'
import type { PlaceholderNode, ResultMode } from './ast.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** A placeholder's position among a statement's parameters. */
export interface Slot {
  readonly index: number
  readonly placeholder: PlaceholderNode
}

export interface CompiledStatement {
  readonly sql: string
  /** Positional parameters; a slot's position holds `null` until it is bound. */
  readonly params: ReadonlyArray<SqlValue>
  /** Placeholders to bind at run time; absent when there are none (the common, fast case). */
  readonly slots?: ReadonlyArray<Slot>
}

/**
 * The codec of a json field, found by following the field's expression to its column. A
 * symbol key: a compiled form posted to a worker (structured clone) leaves it behind, and
 * the calling thread, which decodes, still has it.
 */
export const FieldCodec: unique symbol = Symbol.for('fp-lite-orm/FieldCodec')

/** One field of a result row, and how to decode it. */
export interface OutputField {
  readonly key: string
  readonly kind?: ColumnKind
  /** A json column's codec, in the query's codecs. */
  readonly codecKey?: string
  /** The table (query name) whose nested object the field belongs to, in joined rows. */
  readonly group?: string
  /** A table column read as stored (not an expression): the reader checks its kind. */
  readonly column?: true
  /** The codec of a json field (see FieldCodec). */
  readonly [FieldCodec]?: t.Mixed
  /** A nested projection's field: the keys from the row down to the value (see Field.path). */
  readonly path?: ReadonlyArray<string>
}

/** A nested object of joined rows: `null` when every field of it is NULL (the missing side of an outer join). */
export interface OutputGroup {
  readonly key: string
  readonly nullable: boolean
}

/**
 * The layout of a query's rows (its fields and nested groups), interned by the compiler:
 * equal layouts are one object with one id (compile/rowshape.ts). What runs a query keys
 * its per-layout work by it: the session's generated row reader (session/assemble.ts), the
 * pool's statement shapes (pool/shapes.ts, by id). Ids are per thread and never reused.
 */
export interface RowShape {
  readonly id: number
  readonly fields: ReadonlyArray<OutputField>
  readonly groups?: ReadonlyArray<OutputGroup>
}

/** A preload, compiled: one statement that takes the JSON array of keys to look up. */
export interface CompiledPreload {
  readonly name: string
  readonly many: boolean
  /** The field of the loaded rows holding the value to look up, and its kind. */
  readonly sourceKey: string
  readonly sourceKind: ColumnKind
  /** The field of the related rows that must equal it. */
  readonly targetKey: string
  readonly targetKind: ColumnKind
  readonly sql: string
  /** The statement's parameters in text order: the JSON array of keys goes at `keysAt`. */
  readonly params: ReadonlyArray<SqlValue>
  readonly keysAt: number
  readonly fields: ReadonlyArray<OutputField>
  /** The related rows' interned layout (its fields are `fields`). */
  readonly shape: RowShape
  /** Fields read only to match rows (a key the `columns` option left out), removed once matched. */
  readonly strip?: ReadonlyArray<string>
  readonly nested: ReadonlyArray<CompiledPreload>
}

export interface Compiled {
  readonly mode: ResultMode
  readonly statements: ReadonlyArray<CompiledStatement>
  /** The fields of each row, for the reading modes. */
  readonly fields: ReadonlyArray<OutputField>
  /** Joined rows nest their fields in these objects, in this order. */
  readonly groups?: ReadonlyArray<OutputGroup>
  /** The rows' interned layout: its fields and groups are `fields` and `groups`. */
  readonly shape: RowShape
  /** The table written to, to name it in constraint errors SQLite leaves vague. */
  readonly table?: string
  /** Several statements (a multi-row insert, a table and its indexes) run in one transaction. */
  readonly transactional: boolean
  /** Relations to load onto the rows read. */
  readonly preloads?: ReadonlyArray<CompiledPreload>
}
