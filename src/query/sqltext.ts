/**
 * SQL text helpers shared by the compiler and the layers that write DDL of their own
 * (migrate, views, triggers): identifier quoting (the one quoting function), literals for
 * DDL, "now", the JSON-array form of a value list, and the whitelists and limits the
 * compiler checks against.
 *
 * `CompileFailure` is what the compiler throws internally; every entry point catches it
 * and returns a Left, so nothing here throws across the public API.
 */
import type { SqlValue } from '../schema/column.js'
import { checkIdentifier } from '../schema/table.js'
import type { FunctionName } from './ast.js'

// -------------------------------------------------------------------------------------
// failure
// -------------------------------------------------------------------------------------

export class CompileFailure {
  constructor(
    readonly message: string,
    readonly path?: string
  ) {}
}

export const fail = (message: string): never => {
  throw new CompileFailure(message)
}

// -------------------------------------------------------------------------------------
// identifiers and literals
// -------------------------------------------------------------------------------------

const quoted = new Map<string, string>()

/** A quoted identifier; double quotes inside are doubled. Refuses what SQLite cannot name. */
export const quoteIdentifier = (name: string): string => {
  const hit = quoted.get(name)
  if (hit !== undefined) return hit
  const problem = checkIdentifier(name)
  if (problem !== undefined) throw new CompileFailure(`invalid identifier ${JSON.stringify(name)}: ${problem}`)
  const q = `"${name.replace(/"/g, '""')}"`
  // Identifiers come from schemas, so the set is small; the bound only guards against misuse.
  if (quoted.size > 10_000) quoted.clear()
  quoted.set(name, q)
  return q
}

/**
 * A literal for DDL, where SQLite takes no bound parameters (DEFAULT clauses). Only
 * schema-defined defaults get here, and every form is escaped or checked.
 */
export const sqlLiteral = (v: SqlValue): string => {
  if (v === null) return 'NULL'
  if (typeof v === 'bigint') return v < 0n ? `(${v})` : String(v)
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CompileFailure(`a default must be a finite number, got ${v}`)
    return v < 0 || Object.is(v, -0) ? `(${v})` : String(v)
  }
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw new CompileFailure('a default text cannot contain a NUL character')
    return `'${v.replace(/'/g, "''")}'`
  }
  return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`
}

/** SQLite's ISO-8601 form of "now", matching `Date.prototype.toISOString`. */
export const NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

/**
 * Values bound as one JSON array (`IN (SELECT value FROM json_each(?))`): a list of any
 * length is one parameter, and bigints keep every digit (JSON.stringify would refuse them,
 * and Number() would round them). Blobs cannot be JSON: callers keep those as a list.
 */
export const jsonArrayOf = (values: ReadonlyArray<SqlValue>): string => {
  let out = '['
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (i > 0) out += ','
    out += typeof v === 'bigint' ? String(v) : JSON.stringify(v)
  }
  return `${out}]`
}

export const FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>([
  'row_number',
  'rank',
  'dense_rank',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'date',
  'strftime',
  'coalesce',
  'lower',
  'upper'
])

export const JOIN_SQL: Readonly<Record<string, string>> = {
  inner: 'JOIN',
  left: 'LEFT JOIN',
  right: 'RIGHT JOIN',
  full: 'FULL JOIN',
  cross: 'CROSS JOIN'
}

export const COMPARE_OPS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT'])

export const REFERENCE_ACTIONS: ReadonlySet<string> = new Set(['cascade', 'restrict', 'set null', 'set default', 'no action'])

/**
 * SQLite refuses an expression tree deeper than 1000 (SQLITE_MAX_EXPR_DEPTH); the compiler
 * stops at the same depth with a message that says how to restructure, before the
 * JavaScript stack runs out.
 */
export const MAX_DEPTH = 1000

/** A literal list longer than this is bound as one JSON array, whatever SQLite's variable limit. */
export const JSON_LIST_FROM = 100

/** AND/OR chains longer than this are grouped, so the tree SQLite parses stays shallow. */
export const CHAIN_GROUP = 64
