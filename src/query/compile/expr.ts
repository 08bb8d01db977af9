/**
 * Expressions: one exhaustive switch over the expression nodes, plus the clauses made of
 * expressions alone (AND chains, ORDER BY terms, LIMIT). A subquery is written by the
 * select writer the builder carries (see SelectWriter).
 */
import { absurd } from 'fp-ts/lib/function.js'
import type { SqlValue } from '../../schema/column.js'
import type { ExprNode, OrderTerm, PlaceholderNode } from '../ast.js'
import { CHAIN_GROUP, COMPARE_OPS, CompileFailure, FUNCTIONS, JSON_LIST_FROM, NOW_SQL, jsonArrayOf, quoteIdentifier } from '../sqltext.js'
import type { SqlBuilder } from './builder.js'
import { checkColumn, list } from './builder.js'

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
      b.writeSelect(e.select, 'all', b)
      return b.text(')')
    case 'Exists':
      b.text(`${e.negated ? 'NOT ' : ''}EXISTS (`)
      b.writeSelect(e.select, 'exists-inner', b)
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
// clauses made of expressions (WHERE chains, ORDER BY, LIMIT)
// -------------------------------------------------------------------------------------

/** Conditions AND-ed; one alone needs no parentheses. */
export const conjunction = (conditions: ReadonlyArray<ExprNode>, b: SqlBuilder): void =>
  conditions.length === 1 ? exprSql(conditions[0]!, b) : chainSql(conditions, ' AND ', b)

/** How an ORDER BY term is written: an expression, or (in a compound) a result column's name. */
export type TermWriter = (e: ExprNode, b: SqlBuilder) => void

export const orderTerms = (terms: ReadonlyArray<OrderTerm>, b: SqlBuilder, term: TermWriter = exprSql): void => {
  b.text('ORDER BY ')
  list(b, terms, ', ', (o) => {
    if (o.direction !== 'asc' && o.direction !== 'desc') throw new CompileFailure(`unknown order ${JSON.stringify(o.direction)}`)
    term(o.expr, b)
    b.text(o.direction === 'asc' ? ' ASC' : ' DESC')
    if (o.nulls !== undefined) b.text(o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST')
  })
}

export const orderSql = (terms: ReadonlyArray<OrderTerm>, b: SqlBuilder, term?: TermWriter): void => {
  if (terms.length === 0) return
  b.text(' ')
  orderTerms(terms, b, term)
}

export const limitSql = (limit: ExprNode | undefined, offset: ExprNode | undefined, b: SqlBuilder, implicit?: number): void => {
  if (limit === undefined && offset === undefined && implicit === undefined) return
  b.text(' LIMIT ')
  if (limit !== undefined) exprSql(limit, b)
  else b.text(implicit === undefined ? '-1' : String(implicit))
  if (offset === undefined) return
  b.text(' OFFSET ')
  exprSql(offset, b)
}
