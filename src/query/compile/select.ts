/**
 * Selects: FROM and joins, WHERE/GROUP BY/HAVING, compounds (UNION, ...), common table
 * expressions, and the SQL of each read mode (all, first, one, count, exists, value(s)).
 */
import { absurd } from 'fp-ts/lib/function.js'
import type { ColumnKind } from '../../schema/column.js'
import type { TableRef } from '../../schema/table.js'
import type { ExprNode, Field, ResultMode, SelectStatement } from '../ast.js'
import { kindOf } from '../expr.js'
import { CompileFailure, JOIN_SQL, fail, quoteIdentifier } from '../sqltext.js'
import { SqlBuilder, checkProblems, list, queryName, scopeOf } from './builder.js'
import type { TermWriter } from './expr.js'
import { conjunction, exprSql, limitSql, orderSql } from './expr.js'
import type { SelectedFields } from './fields.js'
import { COUNT_FIELDS, EXISTS_FIELDS, columnList, joinedList, outputField, tableFields } from './fields.js'

/** How results of an expression decode: its kind, wherever it stands (one rule for the compiler and the builders). */
const kindOfNode = kindOf

// -------------------------------------------------------------------------------------
// select
// -------------------------------------------------------------------------------------

/**
 * A table in FROM or a join: its name (and alias), or for a derived table its select in
 * parentheses under its name. A derived table sees no enclosing query (SQLite has no
 * LATERAL), so its body is compiled with a scope of its own.
 */
export const fromTable = (t: TableRef, b: SqlBuilder): void => {
  if (t.cte?.inline !== true) return b.text(fromSql(t))
  b.within(undefined, () => {
    b.text('(')
    selectSql(t.cte!.select as SelectStatement, 'all', b)
    b.text(')')
  })
  b.text(` AS ${quoteIdentifier(queryName(t))}`)
}

export const fromSql = (t: TableRef): string =>
  t.alias === undefined ? quoteIdentifier(t.name) : `${quoteIdentifier(t.name)} AS ${quoteIdentifier(t.alias)}`

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

/**
 * Writes the select list and returns the fields it yields. A single table's columns are
 * aliased to their keys where the names differ; joined tables' columns nest by query name.
 */
const selectList = (s: SelectStatement, b: SqlBuilder): SelectedFields => {
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
const compoundBody = (
  s: SelectStatement,
  b: SqlBuilder
): { readonly shape: SelectedFields; readonly members: Array<ReadonlyArray<Field>> } => {
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
export const isCompound = (s: SelectStatement): boolean => (s.compound?.length ?? 0) > 0

/** SELECT ... [compound] ORDER BY ... LIMIT ...: the rows of every reading mode. */
const plainSelect = (s: SelectStatement, b: SqlBuilder, implicitLimit?: number): SelectedFields => {
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
const pickSelect = (s: SelectStatement, pick: Field, b: SqlBuilder, implicitLimit?: number): SelectedFields => {
  b.text('SELECT ')
  const inner = new SqlBuilder(b.writeSelect, b.scope?.parent)
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
export const selectSql = (s: SelectStatement, mode: ResultMode | 'exists-inner', b: SqlBuilder): SelectedFields => {
  checkProblems(s)
  b.enter()
  // The CTEs' bodies see the enclosing scope, not this select's tables.
  withSql(s, b)
  const shape = b.within(scopeOf(selectNames(s), b.scope), () => selectBody(s, mode, b))
  b.leave()
  return shape
}

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

const selectBody = (s: SelectStatement, mode: ResultMode | 'exists-inner', b: SqlBuilder): SelectedFields => {
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
