/**
 * The compiler: a query value -> SQL text and positional parameters. Pure: it knows
 * nothing of connections. One exhaustive switch per node kind.
 *
 * Text and values are written together, into one `SqlBuilder`: every `?` is appended at
 * the moment its value is, so no order of compiling clauses can put a value under
 * another clause's `?` (the bug class of an upsert's SET and WHERE, or a window's
 * function and PARTITION BY). No function here returns SQL text that holds a `?`.
 *
 * Every value is a bound parameter (`?`), so the SQL text depends only on the query's
 * shape: equal shapes give equal text, which is what the statement cache is keyed by.
 * `compile` also memoizes by query value, so running the same value again (the
 * placeholder pattern) skips the compiler entirely.
 *
 * The compiler also checks what SQLite would only find at run time, or not at all:
 * that every column belongs to a table in scope, that a union's members agree on their
 * keys and kinds, that a preload's relation fits the rows it loads onto.
 */
import * as E from 'fp-ts/lib/Either.js'
import { absurd } from 'fp-ts/lib/function.js'
import type * as t from 'io-ts'
import type { ColumnKind, ColumnRef, SqlValue } from '../schema/column.js'
import type { TableRef } from '../schema/table.js'
import { checkIdentifier, jsonCodecOf } from '../schema/table.js'
import type { DbError } from '../errors.js'
import { describeValue, validationError } from '../errors.js'
import { memoOnObject } from '../memo.js'
import { shapeCache } from './shape.js'
import type {
  Assignment,
  ColumnDef,
  ConflictClause,
  CreateTableStatement,
  DdlCheck,
  DefaultDef,
  DeleteStatement,
  ExprNode,
  Field,
  FunctionName,
  IndexStatementDef,
  InsertStatement,
  OrderTerm,
  PlaceholderNode,
  PreloadNode,
  Query,
  RawStatement,
  ResultMode,
  SelectStatement,
  UpdateStatement
} from './ast.js'
import { codecKey } from './ast.js'
import { kindOf, sourceColumn } from './expr.js'

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
  /** The table written to, to name it in constraint errors SQLite leaves vague. */
  readonly table?: string
  /** Several statements (a multi-row insert, a table and its indexes) run in one transaction. */
  readonly transactional: boolean
  /** Relations to load onto the rows read. */
  readonly preloads?: ReadonlyArray<CompiledPreload>
}

class CompileFailure {
  constructor(
    readonly message: string,
    readonly path?: string
  ) {}
}

const fail = (message: string): never => {
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

const FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>([
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

const JOIN_SQL: Readonly<Record<string, string>> = {
  inner: 'JOIN',
  left: 'LEFT JOIN',
  right: 'RIGHT JOIN',
  full: 'FULL JOIN',
  cross: 'CROSS JOIN'
}

const COMPARE_OPS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT'])

const REFERENCE_ACTIONS: ReadonlySet<string> = new Set(['cascade', 'restrict', 'set null', 'set default', 'no action'])

/**
 * SQLite refuses an expression tree deeper than 1000 (SQLITE_MAX_EXPR_DEPTH); the compiler
 * stops at the same depth with a message that says how to restructure, before the
 * JavaScript stack runs out.
 */
export const MAX_DEPTH = 1000

/** A literal list longer than this is bound as one JSON array, whatever SQLite's variable limit. */
const JSON_LIST_FROM = 100

/** AND/OR chains longer than this are grouped, so the tree SQLite parses stays shallow. */
const CHAIN_GROUP = 64

// -------------------------------------------------------------------------------------
// the builder: SQL text and its values, written together
// -------------------------------------------------------------------------------------

/** The query names a statement can see, and the enclosing statement's (for correlated subqueries). */
interface Scope {
  readonly names: ReadonlySet<string>
  /** Any table: native SQL brings its own FROM, which the compiler cannot see. */
  readonly open?: true
  /** What the scope is, for messages: `users, posts`. */
  readonly label: string
  readonly parent: Scope | undefined
}

const scopeOf = (names: ReadonlyArray<string>, parent: Scope | undefined, label = names.join(', ')): Scope => ({
  names: new Set(names),
  label,
  parent
})

const OPEN: Scope = { names: new Set(), label: 'any table', parent: undefined, open: true }

const NO_TABLES: Scope = { names: new Set(), label: 'no table (the values of an insert cannot read columns)', parent: undefined }

/**
 * SQL text and its positional parameters, appended together. The only ways to write a
 * `?` are `value` and `placeholder`, each of which appends the value with it.
 */
export class SqlBuilder {
  sql = ''
  readonly values: SqlValue[] = []
  slots: Slot[] | undefined = undefined
  /** The tables columns may come from; undefined: not checked (native SQL). */
  scope: Scope | undefined
  /** Inside a `sql` template: its text may bring its own FROM, so its columns are not checked. */
  loose = 0
  depth = 0

  constructor(scope?: Scope) {
    this.scope = scope
  }

  text(s: string): void {
    this.sql += s
  }

  value(v: SqlValue): void {
    this.sql += '?'
    this.values.push(v)
  }

  placeholder(p: PlaceholderNode): void {
    ;(this.slots ??= []).push({ index: this.values.length, placeholder: p })
    this.sql += '?'
    this.values.push(null)
  }

  /** Another builder's text and values, in that order, at the end of this one. */
  append(other: SqlBuilder): void {
    if (other.slots !== undefined) {
      const base = this.values.length
      for (const s of other.slots) (this.slots ??= []).push({ index: base + s.index, placeholder: s.placeholder })
    }
    this.sql += other.sql
    for (const v of other.values) this.values.push(v)
  }

  statement(): CompiledStatement {
    return this.slots === undefined ? { sql: this.sql, params: this.values } : { sql: this.sql, params: this.values, slots: this.slots }
  }

  /** Runs `f` with `scope` as the current scope (and columns checked again), then restores. */
  within<A>(scope: Scope | undefined, f: () => A): A {
    const saved = this.scope
    const loose = this.loose
    this.scope = scope
    this.loose = 0
    try {
      return f()
    } finally {
      this.scope = saved
      this.loose = loose
    }
  }

  /** One level deeper in the query's tree; refuses what SQLite would refuse, with a way out. */
  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw new CompileFailure(
        `The query nests more than ${MAX_DEPTH} levels deep (SQLite's limit on expression depth). ` +
          'Build long chains flat instead of one inside another: and(a, b, c, ...) and or(...) take any number of conditions, ' +
          'inArray(col, list) replaces a chain of eq(...) alternatives, and a deep stack of subqueries can often be a join or a CTE.'
      )
    }
  }

  leave(): void {
    this.depth--
  }
}

/** Writes `items` separated by `sep`, each with `f`. */
const list = <A>(b: SqlBuilder, items: ReadonlyArray<A>, sep: string, f: (a: A) => void): void => {
  for (let i = 0; i < items.length; i++) {
    if (i > 0) b.text(sep)
    f(items[i]!)
  }
}

const queryName = (t: TableRef): string => t.alias ?? t.name

const inScope = (scope: Scope, table: string): boolean => {
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) if (s.open === true || s.names.has(table)) return true
  return false
}

const scopeLabel = (scope: Scope): string => {
  const levels: string[] = []
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) levels.push(s.label)
  return levels.length === 1 ? levels[0]! : `${levels[0]} (and the enclosing ${levels.slice(1).join(', then ')})`
}

const checkColumn = (c: ColumnRef, b: SqlBuilder): void => {
  const scope = b.scope
  if (scope === undefined || b.loose > 0 || inScope(scope, c.table)) return
  throw new CompileFailure(
    `column ${c.table}.${c.key} is not in scope: this part of the query can read ${scopeLabel(scope)}. ` +
      `Join ${c.table} (join, leftJoin) to read its columns, or use a column of a table in scope.`
  )
}

// -------------------------------------------------------------------------------------
// expressions
// -------------------------------------------------------------------------------------

/** Nodes that print as one token need no parentheses when they are an operand. */
const isAtom = (e: ExprNode): boolean =>
  e._tag === 'Column' ||
  e._tag === 'Value' ||
  e._tag === 'Placeholder' ||
  e._tag === 'Function' ||
  e._tag === 'CountAll' ||
  e._tag === 'Identifier' ||
  e._tag === 'Subquery' ||
  e._tag === 'Window' ||
  e._tag === 'Case' ||
  e._tag === 'RowValue' ||
  e._tag === 'Now'

const operandSql = (e: ExprNode, b: SqlBuilder): void => {
  if (isAtom(e)) return exprSql(e, b)
  b.text('(')
  exprSql(e, b)
  b.text(')')
}

/**
 * The LIKE helpers' exact form, for a needle LIKE cannot take (see LikeNode.exact): it reads
 * past a NUL and has no length limit, and costs about twice LIKE's time, so only such
 * needles use it. Case folding is lower()'s, ASCII only, as LIKE's.
 */
const exactMatchSql = (shape: 'contains' | 'startsWith' | 'endsWith', text: ExprNode, needle: ExprNode, b: SqlBuilder): void => {
  const lowered = (e: ExprNode) => {
    b.text('lower(')
    operandSql(e, b)
    b.text(')')
  }
  if (shape !== 'endsWith') {
    b.text('instr(')
    lowered(text)
    b.text(', ')
    lowered(needle)
    b.text(shape === 'contains' ? ') > 0' : ') = 1')
    return
  }
  // Bytes, not characters: SQLite's length() and negative substr() stop at a NUL; a BLOB's do not.
  const bytes = (e: ExprNode) => {
    b.text('length(CAST(')
    operandSql(e, b)
    b.text(' AS BLOB))')
  }
  bytes(text)
  b.text(' >= ')
  bytes(needle)
  b.text(' AND substr(CAST(')
  lowered(text)
  b.text(' AS BLOB), 1 + ')
  bytes(text)
  b.text(' - ')
  bytes(needle)
  b.text(') = CAST(')
  lowered(needle)
  b.text(' AS BLOB)')
}

/** A literal list that can travel as one JSON array: plain values, no blobs. */
const jsonListable = (items: ReadonlyArray<ExprNode>): items is ReadonlyArray<{ readonly _tag: 'Value'; readonly value: SqlValue }> =>
  items.length > JSON_LIST_FROM && items.every((x) => x._tag === 'Value' && !(x.value instanceof Uint8Array))

/**
 * `a AND b AND ...`: SQLite parses a chain as a tree as deep as it is long, and refuses one
 * past 1000 terms; a long chain is written in parenthesized groups, which keeps it shallow.
 */
const chainSql = (items: ReadonlyArray<ExprNode>, op: ' AND ' | ' OR ', b: SqlBuilder): void => {
  if (items.length <= CHAIN_GROUP) return list(b, items, op, (x) => operandSql(x, b))
  const groups: Array<ReadonlyArray<ExprNode>> = []
  const size = Math.ceil(items.length / Math.ceil(items.length / CHAIN_GROUP))
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size))
  list(b, groups, op, (g) => {
    b.text('(')
    chainSql(g, op, b)
    b.text(')')
  })
}

/**
 * `ne(x, placeholder)`: as the literal would be, `x <> v` for a value and `x IS NOT NULL`
 * for null. `x IS NOT ?` alone would also match the rows where x is NULL (NULL IS NOT 5 is
 * true, NULL <> 5 is not), so those are excluded: one parameter, both cases exact.
 */
const notEqualSql = (left: ExprNode, right: ExprNode, b: SqlBuilder): void => {
  b.text('(')
  operandSql(left, b)
  b.text(' IS NOT ')
  operandSql(right, b)
  b.text(' AND ')
  operandSql(left, b)
  b.text(' IS NOT NULL)')
}

/**
 * Whether a condition holds an eq/ne with a placeholder (`IS ?` / `IS NOT ?`), which NOT must
 * not wrap. A loop, not recursion: a chain of NOT as deep as the depth limit allows (and
 * deeper, which the compiler then refuses) must not exhaust the stack here first.
 */
const hasNullSafeCompare = (root: ExprNode): boolean => {
  const pending: ExprNode[] = [root]
  while (pending.length > 0) {
    const e = pending.pop()!
    if (e._tag === 'Compare' && (e.op === 'IS' || e.op === 'IS NOT')) return true
    if (e._tag === 'Not') pending.push(e.expr)
    else if (e._tag === 'And' || e._tag === 'Or') for (const x of e.items) pending.push(x)
  }
  return false
}

/**
 * NOT of a condition. The placeholder forms of eq and ne are two-valued (`x IS ?` is false,
 * not NULL, where x is NULL), so NOT of them would match the rows the literal's NOT leaves
 * out (NOT (x = 5) is NULL there). NOT is pushed down to them instead (De Morgan, which holds
 * in SQL's three-valued logic): NOT eq is ne, NOT ne is eq, and each is exact.
 */
const notSql = (e: ExprNode, b: SqlBuilder): void => {
  if (!hasNullSafeCompare(e)) {
    b.text('NOT ')
    return operandSql(e, b)
  }
  b.enter()
  switch (e._tag) {
    case 'Compare':
      if (e.op === 'IS') notEqualSql(e.left, e.right, b)
      else operandSql({ ...e, op: 'IS' }, b)
      break
    case 'Not':
      operandSql(e.expr, b)
      break
    case 'And':
    case 'Or':
      b.text('(')
      chainSql(
        e.items.map((x): ExprNode => ({ _tag: 'Not', expr: x })),
        e._tag === 'And' ? ' OR ' : ' AND ',
        b
      )
      b.text(')')
      break
    default:
      b.text('NOT ')
      operandSql(e, b)
  }
  b.leave()
}

export const exprSql = (e: ExprNode, b: SqlBuilder): void => {
  b.enter()
  exprSqlAt(e, b)
  b.leave()
}

const exprSqlAt = (e: ExprNode, b: SqlBuilder): void => {
  switch (e._tag) {
    case 'Column':
      checkColumn(e, b)
      return b.text(`${quoteIdentifier(e.table)}.${quoteIdentifier(e.name)}`)
    case 'Value':
      return b.value(e.value)
    case 'Placeholder':
      return b.placeholder(e)
    case 'Compare':
      if (!COMPARE_OPS.has(e.op)) throw new CompileFailure(`unknown comparison operator ${JSON.stringify(e.op)}`)
      if (e.op === 'IS NOT') return notEqualSql(e.left, e.right, b)
      operandSql(e.left, b)
      b.text(` ${e.op} `)
      return operandSql(e.right, b)
    case 'IsNull':
      operandSql(e.expr, b)
      return b.text(e.negated ? ' IS NOT NULL' : ' IS NULL')
    case 'Between':
      operandSql(e.expr, b)
      b.text(' BETWEEN ')
      operandSql(e.low, b)
      b.text(' AND ')
      return operandSql(e.high, b)
    case 'In': {
      const not = e.negated ? ' NOT' : ''
      if (!Array.isArray(e.list)) {
        // One placeholder bound to an array: the array travels as one JSON parameter, so
        // the statement's shape does not depend on the array's length.
        operandSql(e.expr, b)
        b.text(`${not} IN (SELECT value FROM json_each(`)
        b.placeholder(e.list as PlaceholderNode)
        return b.text('))')
      }
      const items = e.list as ReadonlyArray<ExprNode>
      if (items.length === 0) return b.text(e.negated ? '1' : '0')
      const only = items[0]
      if (items.length === 1 && only !== undefined && only._tag === 'Subquery') {
        operandSql(e.expr, b)
        b.text(`${not} IN `)
        return exprSql(only, b)
      }
      operandSql(e.expr, b)
      if (jsonListable(items)) {
        // Past a few values, one JSON parameter: any length fits (SQLite allows 32,766
        // variables), and lists of any length share one statement.
        b.text(`${not} IN (SELECT value FROM json_each(`)
        b.value(jsonArrayOf(items.map((x) => x.value)))
        return b.text('))')
      }
      b.text(`${not} IN (`)
      list(b, items, ', ', (x) => operandSql(x, b))
      return b.text(')')
    }
    case 'Like':
      if (e.exact !== undefined) return exactMatchSql(e.exact, e.expr, e.pattern, b)
      operandSql(e.expr, b)
      b.text(' LIKE ')
      operandSql(e.pattern, b)
      return b.text(e.escaped ? " ESCAPE '\\'" : '')
    case 'And':
      return e.items.length === 0 ? b.text('1') : chainSql(e.items, ' AND ', b)
    case 'Or':
      return e.items.length === 0 ? b.text('0') : chainSql(e.items, ' OR ', b)
    case 'Not':
      return notSql(e.expr, b)
    case 'Function': {
      if (!FUNCTIONS.has(e.fn)) throw new CompileFailure(`unknown function ${JSON.stringify(e.fn)}; call it through sql\`...\``)
      b.text(`${e.fn}(${e.distinct === true ? 'DISTINCT ' : ''}`)
      list(b, e.args, ', ', (a) => exprSql(a, b))
      return b.text(')')
    }
    case 'CountAll':
      return b.text('count(*)')
    case 'Sql': {
      b.loose++
      b.text(e.strings[0] ?? '')
      for (let i = 0; i < e.args.length; i++) {
        exprSql(e.args[i]!, b)
        b.text(e.strings[i + 1] ?? '')
      }
      b.loose--
      return
    }
    case 'Identifier':
      return b.text(quoteIdentifier(e.name))
    case 'Subquery':
      b.text('(')
      selectSql(e.select, 'all', b)
      return b.text(')')
    case 'Exists':
      b.text(`${e.negated ? 'NOT ' : ''}EXISTS (`)
      selectSql(e.select, 'exists-inner', b)
      return b.text(')')
    case 'Window': {
      exprSql(e.fn, b)
      b.text(' OVER (')
      if (e.partitionBy.length > 0) {
        b.text('PARTITION BY ')
        list(b, e.partitionBy, ', ', (x) => exprSql(x, b))
      }
      if (e.orderBy.length > 0) {
        if (e.partitionBy.length > 0) b.text(' ')
        orderTerms(e.orderBy, b)
      }
      return b.text(')')
    }
    case 'Case': {
      if (e.branches.length === 0) throw new CompileFailure('caseWhen needs at least one [condition, value] branch')
      b.text('CASE')
      for (const br of e.branches) {
        b.text(' WHEN ')
        exprSql(br.when, b)
        b.text(' THEN ')
        exprSql(br.then, b)
      }
      if (e.otherwise !== undefined) {
        b.text(' ELSE ')
        exprSql(e.otherwise, b)
      }
      return b.text(' END')
    }
    case 'RowValue':
      if (e.items.length === 0) throw new CompileFailure('a row value needs at least one item')
      b.text('(')
      list(b, e.items, ', ', (x) => exprSql(x, b))
      return b.text(')')
    case 'Now':
      return b.text(NOW_SQL)
    case 'Invalid':
      throw new CompileFailure(e.message, e.path)
    default:
      return absurd(e)
  }
}

// -------------------------------------------------------------------------------------
// output fields: how each result column decodes
// -------------------------------------------------------------------------------------

/** How results of an expression decode: its kind, wherever it stands (one rule for the compiler and the builders). */
const kindOfNode = kindOf

const outputField = (key: string, e: ExprNode): OutputField => {
  const kind = kindOfNode(e)
  if (kind === undefined) return { key }
  const base: OutputField = e._tag === 'Column' ? { key, kind, column: true } : { key, kind }
  if (kind !== 'json') return base
  const source = sourceColumn(e)
  if (source === undefined || source.kind !== 'json') return base
  const codec = jsonCodecOf(source)
  const withKey: OutputField = { ...base, codecKey: codecKey(source.table, source.name) }
  return codec === undefined ? withKey : { ...withKey, [FieldCodec]: codec }
}

const fieldLists = new WeakMap<ReadonlyArray<ColumnRef>, OutputField[]>()

/** The output fields of a table's columns, memoized like its column list. */
const tableFields = (cols: ReadonlyArray<ColumnRef>): OutputField[] => {
  let f = fieldLists.get(cols)
  if (f === undefined) {
    f = cols.map((c) => outputField(c.key, c))
    fieldLists.set(cols, f)
  }
  return f
}

// -------------------------------------------------------------------------------------
// select
// -------------------------------------------------------------------------------------

/**
 * A table in FROM or a join: its name (and alias), or for a derived table its select in
 * parentheses under its name. A derived table sees no enclosing query (SQLite has no
 * LATERAL), so its body is compiled with a scope of its own.
 */
const fromTable = (t: TableRef, b: SqlBuilder): void => {
  if (t.cte?.inline !== true) return b.text(fromSql(t))
  b.within(undefined, () => {
    b.text('(')
    selectSql(t.cte!.select as SelectStatement, 'all', b)
    b.text(')')
  })
  b.text(` AS ${quoteIdentifier(queryName(t))}`)
}

const fromSql = (t: TableRef): string =>
  t.alias === undefined ? quoteIdentifier(t.name) : `${quoteIdentifier(t.name)} AS ${quoteIdentifier(t.alias)}`

/** A table's column list, memoized per (shared, frozen) column array: fresh queries on a table reuse it. */
const columnLists = new WeakMap<ReadonlyArray<ColumnRef>, { aliased?: string; plain?: string }>()

const columnList = (cols: ReadonlyArray<ColumnRef>, aliased: boolean): string => {
  let memo = columnLists.get(cols)
  if (memo === undefined) {
    memo = {}
    columnLists.set(cols, memo)
  }
  const hit = aliased ? memo.aliased : memo.plain
  if (hit !== undefined) return hit
  const sql = cols
    .map((c) => {
      const col = `${quoteIdentifier(c.table)}.${quoteIdentifier(c.name)}`
      return aliased && c.key !== c.name ? `${col} AS ${quoteIdentifier(c.key)}` : col
    })
    .join(', ')
  if (aliased) memo.aliased = sql
  else memo.plain = sql
  return sql
}

/** Which tables of a join may come back missing (all NULL): the optional sides of outer joins. */
export const joinGroups = (s: SelectStatement): OutputGroup[] => {
  const groups: Array<{ key: string; nullable: boolean }> = [{ key: queryName(s.from), nullable: false }]
  for (const j of s.joins) {
    if (j.kind === 'right' || j.kind === 'full') for (const g of groups) g.nullable = true
    groups.push({ key: queryName(j.table), nullable: j.kind === 'left' || j.kind === 'full' })
  }
  return groups
}

/** The query names a select reads: its FROM and its joins, each of which must be unique. */
const selectNames = (s: SelectStatement): string[] => {
  const names = [queryName(s.from)]
  for (const j of s.joins) {
    const name = queryName(j.table)
    if (names.includes(name))
      throw new CompileFailure(`the table ${name} appears twice in the query: give the second one another name with alias(table, 'name')`)
    names.push(name)
  }
  return names
}

interface Shape {
  readonly fields: OutputField[]
  readonly groups?: OutputGroup[]
}

interface JoinedList extends Shape {
  readonly sql: string
  readonly groups: OutputGroup[]
}

interface JoinMemo {
  next?: WeakMap<TableRef, JoinMemo>
  byKinds?: Map<string, JoinedList>
}

/**
 * The select list of a join, memoized by the tables' refs (one per table or alias object)
 * and the join kinds: the same join built fresh on every call gets the same field list,
 * so the session reuses its row reader.
 */
const joinedLists = new WeakMap<TableRef, JoinMemo>()

const joinedList = (s: SelectStatement): JoinedList => {
  let level = joinedLists.get(s.from)
  if (level === undefined) joinedLists.set(s.from, (level = {}))
  for (const j of s.joins) {
    const next: WeakMap<TableRef, JoinMemo> = (level.next ??= new WeakMap())
    let l = next.get(j.table)
    if (l === undefined) next.set(j.table, (l = {}))
    level = l
  }
  const kinds = s.joins.length === 1 ? s.joins[0]!.kind : s.joins.map((j) => j.kind).join(',')
  const byKinds = (level.byKinds ??= new Map<string, JoinedList>())
  let hit = byKinds.get(kinds)
  if (hit === undefined) {
    const groups = joinGroups(s)
    const tables = [s.from, ...s.joins.map((j) => j.table)]
    const fields = tables.flatMap((t) => t.columns.map((c) => ({ ...outputField(c.key, c), group: queryName(t) })))
    hit = { sql: tables.map((t) => columnList(t.columns, false)).join(', '), fields, groups }
    byKinds.set(kinds, hit)
  }
  return hit
}

/**
 * Writes the select list and returns the fields it yields. A single table's columns are
 * aliased to their keys where the names differ; joined tables' columns nest by query name.
 */
const selectList = (s: SelectStatement, b: SqlBuilder): Shape => {
  if (s.selection !== undefined) {
    if (s.selection.length === 0) throw new CompileFailure('columns({}) selects nothing: name at least one column')
    list(b, s.selection, ', ', (f) => {
      exprSql(f.expr, b)
      b.text(` AS ${quoteIdentifier(f.key)}`)
    })
    return {
      fields: s.selection.map((f) => (f.path === undefined ? outputField(f.key, f.expr) : { ...outputField(f.key, f.expr), path: f.path }))
    }
  }
  if (s.joins.length === 0) {
    b.text(columnList(s.from.columns, true))
    return { fields: tableFields(s.from.columns) }
  }
  const joined = joinedList(s)
  b.text(joined.sql)
  return joined
}

/** Conditions AND-ed; one alone needs no parentheses. */
const conjunction = (conditions: ReadonlyArray<ExprNode>, b: SqlBuilder): void =>
  conditions.length === 1 ? exprSql(conditions[0]!, b) : chainSql(conditions, ' AND ', b)

/** FROM ... WHERE ... GROUP BY ... HAVING: the part every read mode shares. */
const bodySql = (s: SelectStatement, b: SqlBuilder): void => {
  b.text(' FROM ')
  fromTable(s.from, b)
  for (const j of s.joins) {
    b.text(` ${JOIN_SQL[j.kind] ?? fail(`unknown join ${JSON.stringify(j.kind)}`)} `)
    fromTable(j.table, b)
    if (j.kind === 'cross') continue
    if (j.on === undefined) throw new CompileFailure(`a ${j.kind} join of ${queryName(j.table)} needs a condition (on)`)
    b.text(' ON ')
    exprSql(j.on, b)
  }
  if (s.where.length > 0) {
    b.text(' WHERE ')
    conjunction(s.where, b)
  }
  if (s.groupBy.length > 0) {
    b.text(' GROUP BY ')
    list(b, s.groupBy, ', ', (g) => exprSql(g, b))
  }
  if (s.having.length > 0) {
    b.text(' HAVING ')
    conjunction(s.having, b)
  }
}

/** How an ORDER BY term is written: an expression, or (in a compound) a result column's name. */
type TermWriter = (e: ExprNode, b: SqlBuilder) => void

const orderTerms = (terms: ReadonlyArray<OrderTerm>, b: SqlBuilder, term: TermWriter = exprSql): void => {
  b.text('ORDER BY ')
  list(b, terms, ', ', (o) => {
    if (o.direction !== 'asc' && o.direction !== 'desc') throw new CompileFailure(`unknown order ${JSON.stringify(o.direction)}`)
    term(o.expr, b)
    b.text(o.direction === 'asc' ? ' ASC' : ' DESC')
    if (o.nulls !== undefined) b.text(o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST')
  })
}

const orderSql = (terms: ReadonlyArray<OrderTerm>, b: SqlBuilder, term?: TermWriter): void => {
  if (terms.length === 0) return
  b.text(' ')
  orderTerms(terms, b, term)
}

const limitSql = (limit: ExprNode | undefined, offset: ExprNode | undefined, b: SqlBuilder, implicit?: number): void => {
  if (limit === undefined && offset === undefined && implicit === undefined) return
  b.text(' LIMIT ')
  if (limit !== undefined) exprSql(limit, b)
  else b.text(implicit === undefined ? '-1' : String(implicit))
  if (offset === undefined) return
  b.text(' OFFSET ')
  exprSql(offset, b)
}

// -------------------------------------------------------------------------------------
// compound selects (UNION, ...)
// -------------------------------------------------------------------------------------

const COMPOUND_OPS: ReadonlySet<string> = new Set(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'])

/** The fields a select yields, by key and expression, without writing anything. */
const projection = (s: SelectStatement): ReadonlyArray<Field> => s.selection ?? s.from.columns.map((c): Field => ({ key: c.key, expr: c }))

/** Kinds that read the same way: a member whose kind decodes otherwise would be misread. */
const sameDecoding = (a: ColumnKind | undefined, b: ColumnKind | undefined): boolean =>
  a === undefined ||
  b === undefined ||
  a === b ||
  a === 'any' ||
  b === 'any' ||
  ((a === 'integer' || a === 'real') && (b === 'integer' || b === 'real'))

/**
 * A later member of a compound, its projection aligned with the first member's keys: the
 * result's columns are positional, so a member listing the same keys in another order
 * would otherwise put its values under the wrong keys.
 */
const alignMember = (first: ReadonlyArray<Field>, member: SelectStatement, position: number): SelectStatement => {
  const fields = projection(member)
  if ([...first, ...fields].some((f) => f.path !== undefined)) {
    throw new CompileFailure('the members of a union have flat rows: project nested objects after the union, or give each field a flat key')
  }
  const keys = first.map((f) => f.key)
  const byKey = new Map(fields.map((f) => [f.key, f] as const))
  const missing = keys.filter((k) => !byKey.has(k))
  const extra = fields.filter((f) => !keys.includes(f.key)).map((f) => f.key)
  if (missing.length > 0 || extra.length > 0 || fields.length !== keys.length) {
    throw new CompileFailure(
      `the members of a union (union, unionAll, intersect, except) must have the same keys: the first has ${keys.join(', ')}, ` +
        `member ${position + 1} has ${fields.map((f) => f.key).join(', ')}. Project each member with columns({...}) under the same keys.`
    )
  }
  first.forEach((f) => {
    const other = byKey.get(f.key)!
    const a = kindOfNode(f.expr)
    const k = kindOfNode(other.expr)
    if (!sameDecoding(a, k)) {
      throw new CompileFailure(
        `the members of a union disagree on how ${f.key} reads: ${a} in the first, ${k} in member ${position + 1}. ` +
          'Project values of one kind under each key (or say how it reads with sql.as(kind)`...`).'
      )
    }
  })
  const inOrder = fields.every((f, i) => f.key === keys[i])
  return inOrder ? member : { ...member, selection: keys.map((k) => byKey.get(k)!) }
}

/** One member of a compound: a bare SELECT, or a wrapped one when it has its own WITH, ORDER BY or LIMIT. */
const compoundMember = (s: SelectStatement, b: SqlBuilder): void => {
  const wrapped =
    s.orderBy.length > 0 ||
    s.limit !== undefined ||
    s.offset !== undefined ||
    (s.compound?.length ?? 0) > 0 ||
    [s.from, ...s.joins.map((j) => j.table)].some((t) => t.cte !== undefined)
  if (wrapped) {
    b.text('SELECT * FROM (')
    selectSql(s, 'all', b)
    return b.text(')')
  }
  checkProblems(s)
  b.within(scopeOf(selectNames(s), b.scope), () => {
    b.text(`SELECT ${s.distinct ? 'DISTINCT ' : ''}`)
    selectList(s, b)
    bodySql(s, b)
  })
}

/** The result column an expression stands for in a compound (by the column or expression of any member), or undefined. */
const resultKey = (e: ExprNode, members: ReadonlyArray<ReadonlyArray<Field>>): string | undefined => {
  const same = (x: ExprNode) =>
    e._tag === 'Column' && x._tag === 'Column' ? x.table === e.table && x.name === e.name : JSON.stringify(x) === JSON.stringify(e)
  for (const fields of members) {
    const f = fields.find((x) => same(x.expr))
    if (f !== undefined) return f.key
  }
  return undefined
}

/** ORDER BY of a compound names result columns: a member's column is written as its key. */
const compoundTerm =
  (members: ReadonlyArray<ReadonlyArray<Field>>, strict: boolean): TermWriter =>
  (e, b) => {
    const key = resultKey(e, members)
    if (key !== undefined) return b.text(quoteIdentifier(key))
    if (strict || e._tag === 'Column') {
      throw new CompileFailure(
        `a union is ordered by its result columns, and ${e._tag === 'Column' ? `${e.table}.${e.key}` : 'this expression'} is not one of them: ` +
          'order by a column the members project.'
      )
    }
    // Any other expression (a position, sql`...`) is SQLite's to resolve against the result.
    b.loose++
    exprSql(e, b)
    b.loose--
  }

/** Writes the first member and the compound parts; returns the aligned members' projections. */
const compoundBody = (s: SelectStatement, b: SqlBuilder): { readonly shape: Shape; readonly members: Array<ReadonlyArray<Field>> } => {
  const shape = b.within(scopeOf(selectNames(s), b.scope), () => {
    b.text(`SELECT ${s.distinct ? 'DISTINCT ' : ''}`)
    const listed = selectList(s, b)
    bodySql(s, b)
    return listed
  })
  const first = projection(s)
  const members: Array<ReadonlyArray<Field>> = [first]
  ;(s.compound ?? []).forEach((part, i) => {
    if (!COMPOUND_OPS.has(part.op)) throw new CompileFailure(`unknown compound operator ${JSON.stringify(part.op)}`)
    const member = alignMember(first, part.select, i + 1)
    members.push(projection(member))
    b.text(` ${part.op} `)
    compoundMember(member, b)
  })
  return { shape, members }
}

// -------------------------------------------------------------------------------------
// selects by result mode
// -------------------------------------------------------------------------------------

const checkProblems = (s: { readonly problems?: ReadonlyArray<string> }): void => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
}

const isCompound = (s: SelectStatement): boolean => (s.compound?.length ?? 0) > 0

/** SELECT ... [compound] ORDER BY ... LIMIT ...: the rows of every reading mode. */
const plainSelect = (s: SelectStatement, b: SqlBuilder, implicitLimit?: number): Shape => {
  if (!isCompound(s)) {
    b.text(`SELECT ${s.distinct ? 'DISTINCT ' : ''}`)
    const shape = selectList(s, b)
    bodySql(s, b)
    orderSql(s.orderBy, b)
    limitSql(s.limit, s.offset, b, implicitLimit)
    return shape
  }
  // The compound's parts see only their own tables; its ORDER BY and LIMIT apply to the result.
  const outer = b.scope
  const { shape, members } = b.within(outer?.parent, () => compoundBody(s, b))
  orderSql(s.orderBy, b, compoundTerm(members, false))
  limitSql(s.limit, s.offset, b, implicitLimit)
  return shape
}

/**
 * `value(expr)` / `values(expr)` on a compound: the expression is read from the compound's
 * result (`SELECT "key" AS "value" FROM (...)`), found by the result column it stands for.
 */
const pickSelect = (s: SelectStatement, pick: Field, b: SqlBuilder, implicitLimit?: number): Shape => {
  b.text('SELECT ')
  const inner = new SqlBuilder(b.scope?.parent)
  inner.depth = b.depth
  const { shape, members } = inner.within(b.scope?.parent, () => compoundBody(s, inner))
  const key = resultKey(pick.expr, members)
  if (key === undefined) {
    throw new CompileFailure(
      `${pick.key === 'value' ? 'value/values' : pick.key}(...) on a union reads one of the union's result columns, ` +
        `and this expression is not one of them (the result has ${members[0]!.map((f) => f.key).join(', ')}): pass a column the members project.`
    )
  }
  const field = shape.fields.find((f) => f.key === key)!
  b.text(`${quoteIdentifier(key)} AS ${quoteIdentifier(pick.key)} FROM (`)
  b.append(inner)
  b.text(')')
  orderSql(s.orderBy, b, compoundTerm(members, true))
  limitSql(s.limit, s.offset, b, implicitLimit)
  const { group: _, ...rest } = field
  return { fields: [{ ...rest, key: pick.key }] }
}

/** The WITH clause for the common table expressions a select reads from (none: nothing). */
const withSql = (s: SelectStatement, b: SqlBuilder): void => {
  const ctes = [s.from, ...s.joins.map((j) => j.table)].filter((t) => t.cte !== undefined && t.cte.inline !== true)
  if (ctes.length === 0) return
  const seen = new Set<string>()
  const recursive = ctes.some((t) => t.cte!.recursive !== undefined)
  b.text(`WITH ${recursive ? 'RECURSIVE ' : ''}`)
  for (const t of ctes) {
    if (seen.has(t.name)) continue
    if (seen.size > 0) b.text(', ')
    seen.add(t.name)
    const cte = t.cte!
    b.text(`${quoteIdentifier(t.name)}(${t.columns.map((c) => quoteIdentifier(c.name)).join(', ')}) AS (`)
    selectSql(cte.select as SelectStatement, 'all', b)
    if (cte.recursive !== undefined) {
      b.text(` ${cte.recursive.all ? 'UNION ALL' : 'UNION'} `)
      compoundMember(cte.recursive.step as SelectStatement, b)
    }
    b.text(')')
  }
  b.text(' ')
}

const isSimpleCount = (s: SelectStatement): boolean =>
  !s.distinct &&
  s.selection === undefined &&
  s.groupBy.length === 0 &&
  s.having.length === 0 &&
  s.limit === undefined &&
  s.offset === undefined &&
  !isCompound(s)

/** A select in a read mode; `exists-inner` is the body of an EXISTS (its columns do not matter). */
const selectSql = (s: SelectStatement, mode: ResultMode | 'exists-inner', b: SqlBuilder): Shape => {
  checkProblems(s)
  b.enter()
  // The CTEs' bodies see the enclosing scope, not this select's tables.
  withSql(s, b)
  const shape = b.within(scopeOf(selectNames(s), b.scope), () => selectBody(s, mode, b))
  b.leave()
  return shape
}

const COUNT_FIELDS: OutputField[] = [{ key: 'count', kind: 'integer' }]
const EXISTS_FIELDS: OutputField[] = [{ key: 'exists', kind: 'boolean' }]

const existsInner = (s: SelectStatement, b: SqlBuilder): void => {
  if (s.offset !== undefined) {
    // SQLite answers EXISTS (SELECT DISTINCT ... OFFSET n) as if the offset were not there
    // (measured on 3.53): the select is read as a subquery, as count reads it.
    b.text('SELECT 1 FROM (')
    plainSelect(s, b)
    b.text(')')
    return
  }
  if (s.distinct || s.selection !== undefined || isCompound(s)) {
    plainSelect(s, b)
    return
  }
  b.text('SELECT 1')
  bodySql(s, b)
  orderSql(s.orderBy, b)
  limitSql(s.limit, s.offset, b)
}

const selectBody = (s: SelectStatement, mode: ResultMode | 'exists-inner', b: SqlBuilder): Shape => {
  const pick = s.pick
  switch (mode) {
    case 'exists-inner':
      existsInner(s, b)
      return { fields: [] }
    case 'first':
    case 'value':
      return pick === undefined ? plainSelect(s, b, 1) : pickSelect(s, pick, b, 1)
    case 'one':
      return plainSelect(s, b, 2)
    case 'count':
      if (isSimpleCount(s)) {
        b.text('SELECT count(*) AS "count"')
        bodySql(s, b)
        return { fields: COUNT_FIELDS }
      }
      b.text('SELECT count(*) AS "count" FROM (')
      plainSelect(s, b)
      b.text(')')
      return { fields: COUNT_FIELDS }
    case 'exists':
      // The row's columns do not matter to EXISTS, unless they shape it (DISTINCT, a projection).
      b.text('SELECT EXISTS (')
      existsInner(s, b)
      b.text(') AS "exists"')
      return { fields: EXISTS_FIELDS }
    case 'values':
      return pick === undefined ? plainSelect(s, b) : pickSelect(s, pick, b)
    case 'all':
    case 'run':
    case 'void':
      return plainSelect(s, b)
    default:
      return absurd(mode)
  }
}

// -------------------------------------------------------------------------------------
// insert
// -------------------------------------------------------------------------------------

const returningSql = (fields: ReadonlyArray<Field> | undefined, b: SqlBuilder): void => {
  if (fields === undefined || fields.length === 0) return
  b.text(' RETURNING ')
  list(b, fields, ', ', (f) => {
    exprSql(f.expr, b)
    b.text(` AS ${quoteIdentifier(f.key)}`)
  })
}

const assignmentsSql = (set: ReadonlyArray<Assignment>, b: SqlBuilder): void =>
  list(b, set, ', ', (a) => {
    b.text(`${quoteIdentifier(a.column)} = `)
    exprSql(a.value, b)
  })

/** ON CONFLICT clauses, in order; SQLite takes several, and only the last may have no target. */
const conflictSql = (clauses: ReadonlyArray<ConflictClause>, table: TableRef, b: SqlBuilder): void => {
  clauses.forEach((c, i) => {
    if (c.target.length === 0 && i < clauses.length - 1) {
      throw new CompileFailure(
        `insert into ${table.name}: only the last ON CONFLICT clause may leave out its target; name the conflicting columns of the others`
      )
    }
    b.text(` ON CONFLICT${c.target.length === 0 ? '' : ` (${c.target.map(quoteIdentifier).join(', ')})`}`)
    if (c._tag === 'DoNothing') return b.text(' DO NOTHING')
    b.text(' DO UPDATE SET ')
    b.within(scopeOf([queryName(table), 'excluded'], undefined), () => {
      assignmentsSql(c.set, b)
      if (c.where.length > 0) {
        b.text(' WHERE ')
        conjunction(c.where, b)
      }
    })
  })
}

const insertStatements = (s: InsertStatement): CompiledStatement[] => {
  checkProblems(s)
  const or =
    s.or === undefined
      ? ''
      : s.or === 'replace'
        ? ' OR REPLACE'
        : s.or === 'ignore'
          ? ' OR IGNORE'
          : fail(`unknown insert mode ${JSON.stringify(s.or)}`)
  const head = `INSERT${or} INTO ${quoteIdentifier(s.table.name)}`
  // What follows the values is the same for every row: compiled once, appended to each.
  const tail = new SqlBuilder()
  conflictSql(s.onConflict ?? [], s.table, tail)
  tail.within(scopeOf([queryName(s.table)], undefined), () => returningSql(s.returning, tail))
  if (s.select !== undefined) return [insertSelect(s, head, tail)]
  const compileRow = (row: ReadonlyArray<ExprNode>): CompiledStatement => {
    const b = new SqlBuilder(NO_TABLES)
    b.text(head)
    if (s.columns.length === 0 && (s.onConflict ?? []).length === 0) b.text(' DEFAULT VALUES')
    else if (s.columns.length === 0) {
      // SQLite takes no ON CONFLICT after DEFAULT VALUES. Every column left out here has no
      // default and is nullable (or is the rowid, which NULL assigns): NULL in one of them
      // is the same row.
      const first = s.table.columns[0]
      if (first === undefined) throw new CompileFailure(`insert into ${s.table.name}: the table has no columns`)
      b.text(` (${quoteIdentifier(first.name)}) VALUES (NULL)`)
    } else {
      if (row.length !== s.columns.length)
        throw new CompileFailure(`an insert row has ${row.length} values for ${s.columns.length} columns`)
      b.text(` (${s.columns.map(quoteIdentifier).join(', ')}) VALUES (`)
      list(b, row, ', ', (c) => exprSql(c, b))
      b.text(')')
    }
    b.append(tail)
    return b.statement()
  }
  if (s.columns.length === 0 || tail.slots !== undefined) return s.rows.map(compileRow)
  const into = `${head} (${s.columns.map(quoteIdentifier).join(', ')}) VALUES (`
  // Rows of the same shape (which cells are values, which are `now`) share one SQL text,
  // built once, and so one prepared statement; other cells (sql``, placeholders) are
  // compiled row by row. The parameters are the row's values, then the tail's: the order
  // of their `?` in the text.
  const byShape = new Map<string, string>()
  return s.rows.map((row) => {
    if (row.length !== s.columns.length) throw new CompileFailure(`an insert row has ${row.length} values for ${s.columns.length} columns`)
    let shape = ''
    for (const c of row) {
      if (c._tag === 'Value') shape += '?'
      else if (c._tag === 'Now') shape += 'N'
      else return compileRow(row)
    }
    const params: SqlValue[] = []
    for (const c of row) if (c._tag === 'Value') params.push(c.value)
    for (const v of tail.values) params.push(v)
    let sql = byShape.get(shape)
    if (sql === undefined) {
      sql = `${into}${row.map((c) => (c._tag === 'Now' ? NOW_SQL : '?')).join(', ')})${tail.sql}`
      byShape.set(shape, sql)
    }
    return { sql, params }
  })
}

/** INSERT INTO t (columns) SELECT ...: the select's projection is aligned with the columns by construction (insert.ts). */
const insertSelect = (s: InsertStatement, head: string, tail: SqlBuilder): CompiledStatement => {
  const select = s.select!
  const upsert = (s.onConflict ?? []).length > 0
  if (upsert && isCompound(select)) {
    throw new CompileFailure(
      `insert into ${s.table.name} select: ON CONFLICT after a compound select is ambiguous in SQLite; insert from a derived table instead`
    )
  }
  const b = new SqlBuilder()
  b.text(`${head} (${s.columns.map(quoteIdentifier).join(', ')}) `)
  // With an upsert, SQLite reads "SELECT ... FROM t ON CONFLICT" as a join's ON unless the
  // select has a WHERE: an always-true one settles it.
  selectSql(upsert && select.where.length === 0 ? { ...select, where: [{ _tag: 'And', items: [] }] } : select, 'all', b)
  b.append(tail)
  return b.statement()
}

// -------------------------------------------------------------------------------------
// update and delete
// -------------------------------------------------------------------------------------

const noFilter = (verb: string, table: string): CompileFailure =>
  new CompileFailure(
    `${verb} ${table} has no filter, so it would touch every row; nothing was changed. ` +
      `Add filter(...) to choose the rows, or pipe the query through allRows to ${verb === 'update' ? 'update' : 'delete'} every row on purpose.`
  )

/** WHERE, RETURNING, ORDER BY and LIMIT of an UPDATE or DELETE (in SQLite's order). */
const writeTail = (s: UpdateStatement | DeleteStatement, b: SqlBuilder): void => {
  if (s.where.length > 0) {
    b.text(' WHERE ')
    conjunction(s.where, b)
  }
  returningSql(s.returning, b)
  orderSql(s.orderBy ?? [], b)
  limitSql(s.limit, s.offset, b)
}

const updateStatements = (s: UpdateStatement): CompiledStatement[] => {
  checkProblems(s)
  if (s.noop === true && s.set.length === 0) return []
  if (s.set.length === 0) throw new CompileFailure(`update ${s.table.name} has no set(...): say which columns to change`)
  if (s.where.length === 0 && !s.allRows) throw noFilter('update', s.table.name)
  const from = s.from ?? []
  const names = [queryName(s.table), ...from.map(queryName)]
  if (new Set(names).size !== names.length)
    throw new CompileFailure(`update ${s.table.name}: a table appears twice (give the second one another name with alias)`)
  const b = new SqlBuilder(scopeOf(names, undefined))
  b.text(`UPDATE ${fromSql(s.table)} SET `)
  assignmentsSql(s.set, b)
  if (from.length > 0) {
    b.text(' FROM ')
    list(b, from, ', ', (t) => fromTable(t, b))
  }
  writeTail(s, b)
  return [b.statement()]
}

const deleteStatements = (s: DeleteStatement): CompiledStatement[] => {
  checkProblems(s)
  if (s.where.length === 0 && !s.allRows) throw noFilter('delete from', s.table.name)
  const b = new SqlBuilder(scopeOf([queryName(s.table)], undefined))
  b.text(`DELETE FROM ${fromSql(s.table)}`)
  writeTail(s, b)
  return [b.statement()]
}

// -------------------------------------------------------------------------------------
// native SQL
// -------------------------------------------------------------------------------------

const rawStatement = (s: RawStatement, mode: ResultMode): CompiledStatement => {
  // Native SQL brings its own FROM: its columns (and a correlated subquery's) are not checked.
  const text = new SqlBuilder(OPEN)
  exprSql(s.sql, text)
  // A trailing semicolon is harmless alone but breaks the wrapping of count/exists (no `?` is trimmed).
  text.sql = text.sql.replace(/[\s;]+$/, '')
  if (text.sql.trim() === '') throw new CompileFailure('raw() was given an empty statement')
  if (mode !== 'count' && mode !== 'exists') return text.statement()
  const b = new SqlBuilder()
  b.text(mode === 'count' ? 'SELECT count(*) AS "count" FROM (' : 'SELECT EXISTS (')
  b.append(text)
  b.text(mode === 'count' ? ')' : ') AS "exists"')
  return b.statement()
}

// -------------------------------------------------------------------------------------
// DDL
// -------------------------------------------------------------------------------------

const referenceAction = (what: string, a: string | undefined): string => {
  if (a === undefined) return ''
  if (!REFERENCE_ACTIONS.has(a))
    throw new CompileFailure(`unknown ${what} action ${JSON.stringify(a)} (use cascade, restrict, set null, set default or no action)`)
  return ` ${what} ${a.toUpperCase()}`
}

const columnDefSql = (c: ColumnDef): string => {
  const name = quoteIdentifier(c.name)
  let sql = `${name} ${c.type}`
  if (c.primaryKey) sql += ' PRIMARY KEY'
  // An INTEGER PRIMARY KEY (the rowid alias) is never NULL; other keys must say so.
  if (c.notNull && !(c.primaryKey && c.type === 'INTEGER')) sql += ' NOT NULL'
  if (c.unique) sql += ' UNIQUE'
  if (c.default !== undefined) sql += ` DEFAULT ${defaultSql(c.default)}`
  if (c.collate !== undefined) sql += ` COLLATE ${collationName(c.collate)}`
  if (c.checkBoolean) sql += ` CHECK (${name} IN (0, 1))`
  for (const check of c.checks ?? []) sql += ` ${checkSql(check)}`
  if (c.references !== undefined) {
    const r = c.references
    sql += ` REFERENCES ${quoteIdentifier(r.table)} (${quoteIdentifier(r.column)})`
    sql += referenceAction('ON DELETE', r.onDelete) + referenceAction('ON UPDATE', r.onUpdate)
  }
  if (c.generated !== undefined)
    sql += ` GENERATED ALWAYS AS (${ddlExprSql(c.generated.expr)}) ${c.generated.stored ? 'STORED' : 'VIRTUAL'}`
  return sql
}

/**
 * SQL text for an expression inside DDL, where SQLite takes no parameters: values are
 * written as escaped literals (`sqlLiteral`), and columns arrive as unqualified Identifier
 * nodes (ddl.ts turns them so; SQLite refuses `t.col` in generated columns and indexes,
 * and a rebuild creates the table under another name).
 */
class DdlBuilder extends SqlBuilder {
  override value(v: SqlValue): void {
    this.sql += sqlLiteral(v)
  }

  override placeholder(p: PlaceholderNode): void {
    throw new CompileFailure(
      `placeholder(${JSON.stringify(p.name)}) cannot stand in DDL (a CHECK, a default, a generated column, an index): SQLite takes no parameters there; write the value itself`
    )
  }
}

/**
 * `CREATE VIEW name (keys) AS select`: the select's values written as literals (a view
 * holds no parameters), its columns named by the projection's keys, so the view's columns
 * are what its rows decode by, whatever SQL names the select reads.
 */
export const createViewSql = (
  name: string,
  keys: ReadonlyArray<string>,
  select: SelectStatement,
  ifNotExists: boolean
): E.Either<DbError, string> => {
  try {
    const b = new DdlBuilder()
    selectSql(select, 'all', b)
    return E.right(
      `CREATE VIEW ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(name)} (${keys.map(quoteIdentifier).join(', ')}) AS ${b.sql}`
    )
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

/** The SQL of an expression in DDL (see DdlBuilder). */
export const ddlExprSql = (e: ExprNode): string => {
  const b = new DdlBuilder()
  exprSql(e, b)
  return b.sql
}

/** The SQL of an expression in DDL, as an Either (for migrations comparing texts). */
export const ddlExpressionSql = (e: ExprNode): E.Either<DbError, string> => {
  try {
    return E.right(ddlExprSql(e))
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

const COLLATION = /^[A-Za-z_][A-Za-z0-9_]*$/

const collationName = (c: string): string => {
  if (!COLLATION.test(c))
    throw new CompileFailure(`the collation ${JSON.stringify(c)} is not a collation name (use NOCASE, RTRIM or BINARY)`)
  return c
}

/** A column default's SQL text (DEFAULT takes an expression in parentheses; SQLite reports it without them). */
export const defaultSql = (d: DefaultDef): string => {
  switch (d._tag) {
    case 'Now':
      return `(${NOW_SQL})`
    case 'Literal':
      return sqlLiteral(d.value)
    case 'Expr':
      return `(${ddlExprSql(d.expr)})`
    default:
      return absurd(d)
  }
}

const checkSql = (c: DdlCheck): string =>
  `${c.name === undefined ? '' : `CONSTRAINT ${quoteIdentifier(c.name)} `}CHECK (${ddlExprSql(c.expr)})`

/** `CREATE [UNIQUE] INDEX ... ON t (keys) [WHERE cond]`, the head's IF NOT EXISTS as asked. */
export const indexDefSql = (table: string, ix: IndexStatementDef, ifNotExists: boolean): string => {
  const keys =
    ix.terms === undefined
      ? ix.columns.map(quoteIdentifier).join(', ')
      : ix.terms.map((t) => `${ddlExprSql(t.expr)}${t.direction === 'desc' ? ' DESC' : ''}`).join(', ')
  const where = ix.where === undefined ? '' : ` WHERE ${ddlExprSql(ix.where)}`
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(ix.name)} ON ${quoteIdentifier(table)} (${keys})${where}`
}

/** The SQL of one index, as an Either (for migrations). */
export const indexStatementSql = (table: string, ix: IndexStatementDef): E.Either<DbError, string> => {
  try {
    return E.right(indexDefSql(table, ix, false))
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

/**
 * The DDL of a table and its indexes, as SQL texts: for migrations, which write and
 * rebuild tables. `name` replaces the table's name (a rebuild creates `_new_x` first).
 * Built from the parts, never by replacing inside SQL text: String.replace would expand
 * `$'`, `$&` and `$$` in a name, and let a name rewrite the statement.
 */
export const createTableSql = (
  s: CreateTableStatement,
  options: { readonly name?: string; readonly ifNotExists?: boolean } = {}
): E.Either<DbError, { readonly table: string; readonly indexes: ReadonlyArray<string> }> => {
  try {
    // The table under its (new) name; its indexes on the table's own name, which it has once rebuilt.
    const [create] = createTableStatements({ ...s, name: options.name ?? s.name, indexes: [] })
    const [, ...indexes] = createTableStatements(s)
    /** The fixed head the compiler writes, without IF NOT EXISTS: a prefix swap, the names untouched. */
    const head = (sql: string, withClause: string, without: string): string =>
      options.ifNotExists === false && sql.startsWith(withClause) ? without + sql.slice(withClause.length) : sql
    return E.right({
      table: head(create!.sql, 'CREATE TABLE IF NOT EXISTS ', 'CREATE TABLE '),
      indexes: indexes.map((i) =>
        head(head(i.sql, 'CREATE INDEX IF NOT EXISTS ', 'CREATE INDEX '), 'CREATE UNIQUE INDEX IF NOT EXISTS ', 'CREATE UNIQUE INDEX ')
      )
    })
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

/** The SQL of one column definition (for ALTER TABLE ADD COLUMN). */
export const columnDefinitionSql = (c: ColumnDef): E.Either<DbError, string> => {
  try {
    return E.right(columnDefSql(c))
  } catch (e) {
    return E.left(validationError(e instanceof CompileFailure ? e.message : String(e)))
  }
}

const createTableStatements = (s: CreateTableStatement): CompiledStatement[] => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
  const defs = s.columns.map(columnDefSql)
  if (s.primaryKey.length > 0) defs.push(`PRIMARY KEY (${s.primaryKey.map(quoteIdentifier).join(', ')})`)
  for (const c of s.checks ?? []) defs.push(checkSql(c))
  const options = [s.strict ? 'STRICT' : '', s.withoutRowid ? 'WITHOUT ROWID' : ''].filter((o) => o !== '').join(', ')
  const table = quoteIdentifier(s.name)
  const create = `CREATE TABLE IF NOT EXISTS ${table} (\n  ${defs.join(',\n  ')}\n)${options === '' ? '' : ` ${options}`}`
  const indexes = s.indexes.map((ix) => indexDefSql(s.name, ix, true))
  return [create, ...indexes].map((sql) => ({ sql, params: [] }))
}

// -------------------------------------------------------------------------------------
// preloads
// -------------------------------------------------------------------------------------

const ROW_MODES: ReadonlySet<ResultMode> = new Set<ResultMode>(['all', 'first', 'one'])

const compilePreloads = (s: SelectStatement): CompiledPreload[] => {
  if (s.selection !== undefined || s.joins.length > 0 || isCompound(s)) {
    throw new CompileFailure(
      'preload works on the rows of select(table): drop columns(...), joins and unions from a query with preload, or load the relation separately'
    )
  }
  return (s.preload ?? []).map((pl) => compilePreload(pl, s.from))
}

/** A name for a helper column that no column of `cols` has (`__via`, `___via`, ...). */
const freeName = (base: string, cols: ReadonlyArray<ColumnRef>): string => {
  let name = base
  while (cols.some((c) => c.key === name || c.name === name)) name = `_${name}`
  return name
}

/** The related columns a preload reads: all of the target's, or those its `columns` option names (in that order). */
const preloadColumns = (pl: PreloadNode, cols: ReadonlyArray<ColumnRef>): ReadonlyArray<ColumnRef> => {
  if (pl.columns === undefined) return cols
  if (!Array.isArray(pl.columns) || pl.columns.length === 0) {
    throw new CompileFailure(`preload ${pl.name}: columns takes a non-empty list of column keys, got ${describeValue(pl.columns)}`)
  }
  return pl.columns.map((k: unknown) => {
    const c = typeof k === 'string' ? cols.find((x) => x.key === k) : undefined
    if (c === undefined) {
      throw new CompileFailure(
        `preload ${pl.name}: columns names ${describeValue(k)}, which is not a column of ${cols[0]?.table ?? 'the related table'} (its columns: ${cols.map((x) => x.key).join(', ')})`
      )
    }
    return c
  })
}

/**
 * A subset of a table's columns as one shared array per (table, keys): the column list
 * and output fields memoized on it, and the session's row reader, are reused by fresh
 * query values.
 */
const subsets = new WeakMap<ReadonlyArray<ColumnRef>, Map<string, ReadonlyArray<ColumnRef>>>()

const columnSubset = (all: ReadonlyArray<ColumnRef>, cols: ReadonlyArray<ColumnRef>): ReadonlyArray<ColumnRef> => {
  let byKeys = subsets.get(all)
  if (byKeys === undefined) subsets.set(all, (byKeys = new Map<string, ReadonlyArray<ColumnRef>>()))
  const key = cols.map((c) => c.key).join('\u0000')
  let hit = byKeys.get(key)
  if (hit === undefined) byKeys.set(key, (hit = Object.freeze([...cols])))
  return hit
}

const viaFields = new WeakMap<ReadonlyArray<ColumnRef>, Map<string, OutputField[]>>()

/** A many-to-many's related fields: the target's, and the junction's key under `key` (one array per shape, like `tableFields`). */
const withVia = (read: ReadonlyArray<ColumnRef>, key: string, kind: ColumnKind): OutputField[] => {
  let byKey = viaFields.get(read)
  if (byKey === undefined) viaFields.set(read, (byKey = new Map<string, OutputField[]>()))
  let hit = byKey.get(`${key}\u0000${kind}`)
  if (hit === undefined) byKey.set(`${key}\u0000${kind}`, (hit = [...tableFields(read), { key, kind }]))
  return hit
}

/**
 * A preload loads onto rows of its relation's parent table (or an alias of it): anything
 * else would match the wrong keys. Its one statement takes the keys of every loaded row
 * as one JSON array; a per-row `limit` numbers each row's related rows with a window
 * partitioned by the key, in the same statement.
 */
const compilePreload = (pl: PreloadNode, parent: TableRef): CompiledPreload => {
  const r = pl.relation
  if (r.problems !== undefined && r.problems.length > 0) throw new CompileFailure(`preload ${pl.name}: ${r.problems.join('; ')}`)
  if (r.source !== undefined && r.source !== parent.name) {
    throw new CompileFailure(
      `preload ${pl.name}: the relation loads onto rows of ${r.source}, but the query reads ${queryName(parent)}` +
        `${parent.alias === undefined ? '' : ` (${parent.name})`}. Preload it on select(${r.source}), or use a relation whose parent is ${parent.name}.`
    )
  }
  if (r.sourceKey.kind === 'blob' || r.targetKey.kind === 'blob')
    throw new CompileFailure(`preload ${pl.name}: a relation cannot be keyed by a blob column`)
  const many = r.kind === 'hasMany' || r.kind === 'manyToMany'
  if (pl.limit !== undefined) {
    if (!many)
      throw new CompileFailure(
        `preload ${pl.name}: limit applies to relations that load many rows (hasMany, manyToMany); ${r.kind} loads one`
      )
    if (!Number.isSafeInteger(pl.limit) || pl.limit < 0) {
      throw new CompileFailure(`preload ${pl.name}: limit takes a whole number >= 0, got ${String(pl.limit)}`)
    }
  }
  const all = r.target.columns
  const nested = pl.nested.map((n) => compilePreload(n, r.target))
  const via = r.through
  const viaKey = via === undefined ? undefined : freeName('__via', all)
  // The columns asked for, then those matching needs (the key, nested preloads' keys).
  const chosen = preloadColumns(pl, all)
  const needed = [...(via === undefined ? [r.targetKey.key] : []), ...nested.map((n) => n.sourceKey)]
  const extra = all.filter((c) => needed.includes(c.key) && !chosen.includes(c))
  const read = extra.length === 0 && chosen === all ? all : columnSubset(all, [...chosen, ...extra])
  const strip = [...extra.map((c) => c.key), ...(viaKey === undefined ? [] : [viaKey])]

  const targetName = queryName(r.target)
  const target = quoteIdentifier(targetName)
  const scope = scopeOf(via === undefined ? [targetName] : [targetName, queryName(via.table)], undefined)
  const b = new SqlBuilder(scope)
  const matchSql =
    via === undefined
      ? `${target}.${quoteIdentifier(r.targetKey.name)}`
      : `${quoteIdentifier(queryName(via.table))}.${quoteIdentifier(via.from.name)}`
  const fromPart = (): void => {
    b.text(` FROM ${fromSql(r.target)}`)
    if (via !== undefined) {
      const j = quoteIdentifier(queryName(via.table))
      b.text(` JOIN ${fromSql(via.table)} ON ${j}.${quoteIdentifier(via.to.name)} = ${target}.${quoteIdentifier(r.targetKey.name)}`)
    }
  }
  const wherePart = (): number => {
    b.text(` WHERE ${matchSql} IN (SELECT value FROM json_each(`)
    const keysAt = b.values.length
    b.value(null)
    b.text('))')
    for (const w of pl.where ?? []) {
      b.text(' AND ')
      // Parenthesized: the option's condition stays one term whatever its operators.
      b.text('(')
      exprSql(w, b)
      b.text(')')
    }
    return keysAt
  }
  // The requested order, then the target's primary key (a stable order for equal terms).
  const terms: OrderTerm[] = [...(pl.orderBy ?? []), ...r.targetOrder.map((c): OrderTerm => ({ _tag: 'Order', expr: c, direction: 'asc' }))]
  let keysAt: number
  if (pl.limit === undefined) {
    b.text(`SELECT ${columnList(read, true)}`)
    if (viaKey !== undefined) b.text(`, ${matchSql} AS ${quoteIdentifier(viaKey)}`)
    fromPart()
    keysAt = wherePart()
    orderSql(terms, b)
  } else {
    // Numbered per key in the requested order; the outer query keeps the first `limit` of each.
    const rn = quoteIdentifier(freeName('__rn', all))
    b.text(`SELECT ${columnList(read, true)}`)
    if (viaKey !== undefined) b.text(`, ${target}.${quoteIdentifier(viaKey)} AS ${quoteIdentifier(viaKey)}`)
    b.text(` FROM (SELECT ${target}.*`)
    if (viaKey !== undefined) b.text(`, ${matchSql} AS ${quoteIdentifier(viaKey)}`)
    b.text(`, row_number() OVER (PARTITION BY ${matchSql}`)
    orderSql(terms, b)
    b.text(`) AS ${rn}`)
    fromPart()
    keysAt = wherePart()
    b.text(`) AS ${target} WHERE ${target}.${rn} <= `)
    b.value(pl.limit)
    b.text(` ORDER BY ${target}.${rn}`)
  }
  if (b.slots !== undefined) {
    throw new CompileFailure(`preload ${pl.name}: a placeholder cannot stand in preload options; pass the value itself`)
  }
  const viaKind = via?.from.kind ?? r.targetKey.kind
  const fields = viaKey === undefined ? tableFields(read) : withVia(read, viaKey, viaKind)
  return {
    name: pl.name,
    many,
    sourceKey: r.sourceKey.key,
    sourceKind: r.sourceKey.kind,
    targetKey: viaKey ?? r.targetKey.key,
    targetKind: viaKind,
    sql: b.sql,
    params: b.values,
    keysAt,
    fields,
    ...(strip.length > 0 ? { strip } : {}),
    nested
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Native SQL's rows are taken as they come, but count and exists have a known field. */
const rawFields = (mode: ResultMode): OutputField[] => (mode === 'count' ? COUNT_FIELDS : mode === 'exists' ? EXISTS_FIELDS : [])

const returningFields = (s: InsertStatement | UpdateStatement | DeleteStatement): OutputField[] =>
  (s.returning ?? []).map((f) => outputField(f.key, f.expr))

const compileUncached = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  try {
    const s = q.statement
    switch (s._tag) {
      case 'Select': {
        const b = new SqlBuilder()
        const { fields, groups } = selectSql(s, q.mode, b)
        const compiled: Compiled = { mode: q.mode, statements: [b.statement()], fields, transactional: false }
        const preloads = s.preload !== undefined && s.preload.length > 0 && ROW_MODES.has(q.mode) ? compilePreloads(s) : undefined
        return E.right({ ...compiled, ...(groups === undefined ? {} : { groups }), ...(preloads === undefined ? {} : { preloads }) })
      }
      case 'Insert': {
        const statements = insertStatements(s)
        return E.right({ mode: q.mode, statements, fields: returningFields(s), table: s.table.name, transactional: statements.length > 1 })
      }
      case 'Update':
      case 'Delete': {
        const statements = s._tag === 'Update' ? updateStatements(s) : deleteStatements(s)
        return E.right({ mode: q.mode, statements, fields: returningFields(s), table: s.table.name, transactional: false })
      }
      case 'Raw':
        return E.right({ mode: q.mode, statements: [rawStatement(s, q.mode)], fields: rawFields(q.mode), transactional: false })
      case 'CreateTable':
        return E.right({ mode: q.mode, statements: createTableStatements(s), fields: [], table: s.name, transactional: true })
      default:
        return absurd(s)
    }
  } catch (e) {
    if (e instanceof CompileFailure) return E.left(validationError(e.message, e.path))
    if (e instanceof RangeError) {
      // The JavaScript stack ran out before the depth check (a deep value in a place the check does not count).
      return E.left(
        validationError(
          `The query nests more than ${MAX_DEPTH} levels deep (SQLite's limit on expression depth; here the JavaScript stack ran out first: ${e.message}). ` +
            'Build long chains flat: and(a, b, c, ...) and or(...) take any number of conditions, and inArray(col, list) replaces a chain of eq(...) alternatives.'
        )
      )
    }
    return E.left(validationError(`The query value is malformed: ${e instanceof Error ? e.message : String(e)}`))
  }
}

/** Compiled forms by query value (see memo.ts for why not a plain WeakMap). */
const compiledForms = memoOnObject<Query<unknown>, E.Either<DbError, Compiled>>('fp-lite-orm/compiled')

/** Fresh values of a shape met before reuse its compiled form (shape.ts): one walk, no SQL built. */
export const shapes = shapeCache(compileUncached)

/** The compiled form memoized on this very value, if it was compiled before (a value built once, run often). */
export const compiledBefore = (q: Query<unknown>): E.Either<DbError, Compiled> | undefined => compiledForms.get(q)

/** Compiles a query value; the result is memoized by the value itself. */
export const compile = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  if (typeof q !== 'object' || q === null || (q as { _tag?: unknown })._tag !== 'Query') {
    return E.left(
      validationError(
        'Expected a query value with a terminal (all, first, one, count, exists, value, values) or a write (insert, createTable).'
      )
    )
  }
  return compiledForms.get(q) ?? compiledForms.set(q, shapes.compile(q))
}

/**
 * How a query's SQL is shown: `{ sql, params }`, placeholders as `null` in params (bound at run time).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, eq, filter, integer, placeholder, select, table, toSQL } from 'fp-lite-orm'
 * import type { SqlText } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const shown: E.Either<unknown, SqlText> = toSQL(pipe(select(t), filter(eq(t.n, placeholder('n'))), count))
 * assert.deepEqual(shown, E.right({ sql: 'SELECT count(*) AS "count" FROM "t" WHERE "t"."n" IS ?', params: [null] }))
 * ```
 *
 * @category Queries
 */
export interface SqlText {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/**
 * The SQL and parameters of any query value, without running it. A query that runs
 * as several statements (a multi-row insert, a table with indexes) shows them joined
 * by `;\n`, with their parameters in order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { desc, filter, first, gt, insert, integer, limit, orderBy, select, table, text, toSQL } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
 * assert.deepEqual(toSQL(pipe(select(users), filter(gt(users.age, 17)), orderBy(desc(users.age)), first)), E.right({
 *   sql: 'SELECT "users"."id", "users"."name", "users"."age" FROM "users" WHERE "users"."age" > ? ORDER BY "users"."age" DESC LIMIT 1',
 *   params: [17]
 * }))
 * assert.deepEqual(toSQL(insert(users, { name: 'Ann' })), E.right({ sql: 'INSERT INTO "users" ("name") VALUES (?)', params: ['Ann'] }))
 *
 * const bad = toSQL(pipe(select(users), limit(-1), first))   // bad input has no SQL
 * assert.ok(E.isLeft(bad) && bad.left._tag === 'ValidationError')
 * ```
 *
 * @category Queries
 */
export const toSQL = (q: Query<unknown>): E.Either<DbError, SqlText> =>
  E.map((c: Compiled) =>
    c.statements.length === 1
      ? { sql: c.statements[0]!.sql, params: c.statements[0]!.params }
      : { sql: c.statements.map((s) => s.sql).join(';\n'), params: c.statements.flatMap((s) => s.params) }
  )(compile(q))
