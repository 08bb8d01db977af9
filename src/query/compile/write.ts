/**
 * Writes: INSERT (rows, DEFAULT VALUES, from a select, ON CONFLICT), UPDATE and DELETE
 * (refused without a filter unless asked for every row), and native SQL statements.
 */
import type { SqlValue } from '../../schema/column.js'
import type { TableRef } from '../../schema/table.js'
import type {
  Assignment,
  ConflictClause,
  DeleteStatement,
  ExprNode,
  Field,
  InsertStatement,
  RawStatement,
  ResultMode,
  UpdateStatement
} from '../ast.js'
import type { CompiledStatement } from '../compiled.js'
import { CompileFailure, NOW_SQL, fail, quoteIdentifier } from '../sqltext.js'
import { NO_TABLES, OPEN, SqlBuilder, checkProblems, list, queryName, scopeOf } from './builder.js'
import { conjunction, exprSql, limitSql, orderSql } from './expr.js'
import { fromSql, fromTable, isCompound, selectSql } from './select.js'

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

export const insertStatements = (s: InsertStatement): CompiledStatement[] => {
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
  const tail = new SqlBuilder(selectSql)
  conflictSql(s.onConflict ?? [], s.table, tail)
  tail.within(scopeOf([queryName(s.table)], undefined), () => returningSql(s.returning, tail))
  if (s.select !== undefined) return [insertSelect(s, head, tail)]
  const compileRow = (row: ReadonlyArray<ExprNode>): CompiledStatement => {
    const b = new SqlBuilder(selectSql, NO_TABLES)
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
  const b = new SqlBuilder(selectSql)
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

export const updateStatements = (s: UpdateStatement): CompiledStatement[] => {
  checkProblems(s)
  if (s.noop === true && s.set.length === 0) return []
  if (s.set.length === 0) throw new CompileFailure(`update ${s.table.name} has no set(...): say which columns to change`)
  if (s.where.length === 0 && !s.allRows) throw noFilter('update', s.table.name)
  const from = s.from ?? []
  const names = [queryName(s.table), ...from.map(queryName)]
  if (new Set(names).size !== names.length)
    throw new CompileFailure(`update ${s.table.name}: a table appears twice (give the second one another name with alias)`)
  const b = new SqlBuilder(selectSql, scopeOf(names, undefined))
  b.text(`UPDATE ${fromSql(s.table)} SET `)
  assignmentsSql(s.set, b)
  if (from.length > 0) {
    b.text(' FROM ')
    list(b, from, ', ', (t) => fromTable(t, b))
  }
  writeTail(s, b)
  return [b.statement()]
}

export const deleteStatements = (s: DeleteStatement): CompiledStatement[] => {
  checkProblems(s)
  if (s.where.length === 0 && !s.allRows) throw noFilter('delete from', s.table.name)
  const b = new SqlBuilder(selectSql, scopeOf([queryName(s.table)], undefined))
  b.text(`DELETE FROM ${fromSql(s.table)}`)
  writeTail(s, b)
  return [b.statement()]
}

// -------------------------------------------------------------------------------------
// native SQL
// -------------------------------------------------------------------------------------

export const rawStatement = (s: RawStatement, mode: ResultMode): CompiledStatement => {
  // Native SQL brings its own FROM: its columns (and a correlated subquery's) are not checked.
  const text = new SqlBuilder(selectSql, OPEN)
  exprSql(s.sql, text)
  // A trailing semicolon is harmless alone but breaks the wrapping of count/exists (no `?` is trimmed).
  text.sql = text.sql.replace(/[\s;]+$/, '')
  if (text.sql.trim() === '') throw new CompileFailure('raw() was given an empty statement')
  if (mode !== 'count' && mode !== 'exists') return text.statement()
  const b = new SqlBuilder(selectSql)
  b.text(mode === 'count' ? 'SELECT count(*) AS "count" FROM (' : 'SELECT EXISTS (')
  b.append(text)
  b.text(mode === 'count' ? ')' : ') AS "exists"')
  return b.statement()
}
