/**
 * The builder every part of the compiler writes into: SQL text and its positional values,
 * appended together, plus the scope that decides which columns may be read.
 */
import type { ColumnRef, SqlValue } from '../../schema/column.js'
import type { TableRef } from '../../schema/table.js'
import type { CompiledStatement, Slot } from '../compiled.js'
import type { PlaceholderNode, ResultMode, SelectStatement } from '../ast.js'
import { CompileFailure, MAX_DEPTH } from '../sqltext.js'

/**
 * Writes a select in a read mode (select.ts's `selectSql`). The builder carries it so that
 * an expression can hold a subquery without expr.ts importing select.ts: expressions and
 * selects are mutually recursive in SQL, and this keeps their modules free of a cycle.
 */
export type SelectWriter = (s: SelectStatement, mode: ResultMode | 'exists-inner', b: SqlBuilder) => unknown

// -------------------------------------------------------------------------------------
// the builder: SQL text and its values, written together
// -------------------------------------------------------------------------------------

/** The query names a statement can see, and the enclosing statement's (for correlated subqueries). */
export interface Scope {
  readonly names: ReadonlySet<string>
  /** Any table: native SQL brings its own FROM, which the compiler cannot see. */
  readonly open?: true
  /** What the scope is, for messages: `users, posts`. */
  readonly label: string
  readonly parent: Scope | undefined
}

export const scopeOf = (names: ReadonlyArray<string>, parent: Scope | undefined, label = names.join(', ')): Scope => ({
  names: new Set(names),
  label,
  parent
})

export const OPEN: Scope = { names: new Set(), label: 'any table', parent: undefined, open: true }

export const NO_TABLES: Scope = { names: new Set(), label: 'no table (the values of an insert cannot read columns)', parent: undefined }

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

  constructor(
    /** How a subquery inside an expression is written (see SelectWriter). */
    readonly writeSelect: SelectWriter,
    scope?: Scope
  ) {
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
export const list = <A>(b: SqlBuilder, items: ReadonlyArray<A>, sep: string, f: (a: A) => void): void => {
  for (let i = 0; i < items.length; i++) {
    if (i > 0) b.text(sep)
    f(items[i]!)
  }
}

export const queryName = (t: TableRef): string => t.alias ?? t.name

const inScope = (scope: Scope, table: string): boolean => {
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) if (s.open === true || s.names.has(table)) return true
  return false
}

const scopeLabel = (scope: Scope): string => {
  const levels: string[] = []
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) levels.push(s.label)
  return levels.length === 1 ? levels[0]! : `${levels[0]} (and the enclosing ${levels.slice(1).join(', then ')})`
}

export const checkColumn = (c: ColumnRef, b: SqlBuilder): void => {
  const scope = b.scope
  if (scope === undefined || b.loose > 0 || inScope(scope, c.table)) return
  throw new CompileFailure(
    `column ${c.table}.${c.key} is not in scope: this part of the query can read ${scopeLabel(scope)}. ` +
      `Join ${c.table} (join, leftJoin) to read its columns, or use a column of a table in scope.`
  )
}

export const checkProblems = (s: { readonly problems?: ReadonlyArray<string> }): void => {
  if (s.problems !== undefined && s.problems.length > 0) throw new CompileFailure(s.problems.join('; '))
}
