/**
 * DDL as query values: `createTable(t)` is CREATE TABLE IF NOT EXISTS with the table's
 * indexes, compiled from the schema object like any other query.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { AnyColumn, ColumnRef } from '../schema/column.js'
import { ColumnInfo, sqlType } from '../schema/column.js'
import { encodeValue } from '../schema/codec.js'
import type { AnyTable, IndexDef } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import { describeValue } from '../errors.js'
import type { ColumnDef, DdlCheck, DefaultDef, ExprNode, IndexStatementDef, IndexTermDef, OrderTerm, Query } from './ast.js'
import { collationSql } from './collate.js'
import { ddlExpressionSql } from './compile/ddl.js'
import { toNode } from './expr.js'

/**
 * CREATE TABLE IF NOT EXISTS, then CREATE INDEX IF NOT EXISTS for each index; runs in one transaction.
 *
 * @param table - the table (with its indexes), from `table(...)`; its definition problems are a Left `ValidationError` when
 *   this runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, index, integer, session, table, text, toSQL } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() }, { indexes: [index('users_name_idx', ['name'])] })
 * assert.deepEqual(pipe(toSQL(createTable(users)), E.map((q) => q.sql)), E.right(
 *   'CREATE TABLE IF NOT EXISTS "users" (\n  "id" INTEGER PRIMARY KEY,\n  "name" TEXT NOT NULL\n);\n' +
 *   'CREATE INDEX IF NOT EXISTS "users_name_idx" ON "users" ("name")'
 * ))
 * const s = session(connect(':memory:'))
 * assert.deepEqual(s.run(createTable(users)), E.right(undefined))
 * assert.deepEqual(s.run(createTable(users)), E.right(undefined))   // IF NOT EXISTS: running it again is harmless
 * ```
 *
 * @category Writes
 */
export const createTable = <T extends AnyTable>(table: T): Query<void> => {
  const info = tableInfo(table)
  const problems = [...info.problems]
  const byKey = new Map(info.columns.map((c) => [c.key, c] as const))
  const sqlNames = (keys: ReadonlyArray<string>) => keys.map((k) => byKey.get(k)?.name ?? k)
  const composite = info.primaryKey.length > 1 || (info.primaryKey.length === 1 && !info.columns.some((c) => c[ColumnInfo].primaryKey))
  const columns = info.columns.map((c) => columnDef(c, problems))
  const checks = (info.checks ?? []).flatMap((c): DdlCheck[] => {
    const expr = ddlExpr(c.condition, info.name, `the check ${c.name ?? '(unnamed)'} of ${info.name}`, problems)
    return expr === undefined ? [] : [{ ...(c.name === undefined ? {} : { name: c.name }), expr }]
  })
  const indexes = info.indexes.map((ix) => indexDef(ix, info.name, byKey, problems))
  return {
    _tag: 'Query',
    mode: 'void',
    statement: {
      _tag: 'CreateTable',
      name: info.name,
      columns,
      primaryKey: composite ? sqlNames(info.primaryKey) : [],
      indexes,
      strict: info.strict,
      withoutRowid: info.withoutRowid,
      ...(checks.length > 0 ? { checks } : {}),
      ...(problems.length > 0 ? { problems } : {})
    }
  }
}

/**
 * An expression as DDL holds it: the table's columns become unqualified identifiers (SQLite
 * refuses `t.col` in generated columns and index keys, and a rebuild renames the table); a
 * column of another table, a subquery or a placeholder is a problem (SQLite allows none of
 * them in a CHECK, a DEFAULT, a generated column or an index). Compiled once here, so a
 * problem shows when the table is used, not when a migration runs.
 */
const ddlExpr = (e: unknown, table: string | undefined, what: string, problems: string[]): ExprNode | undefined => {
  const found: string[] = []
  const node = rewrite(toNode(e), table, found)
  if (found.length === 0) {
    const compiled = ddlExpressionSql(node)
    if (E.isLeft(compiled)) found.push(compiled.left.message)
  }
  if (found.length === 0) return node
  problems.push(...found.map((p) => `${what}: ${p}`))
  return undefined
}

const rewrite = (n: unknown, table: string | undefined, found: string[]): never => {
  if (Array.isArray(n)) return n.map((x) => rewrite(x, table, found)) as never
  if (typeof n !== 'object' || n === null || n instanceof Uint8Array) return n as never
  const tag = (n as { _tag?: unknown })._tag
  if (tag === 'Column') {
    const c = n as ColumnRef
    if (table === undefined) found.push(`it reads the column ${c.table}.${c.key}, and a DEFAULT may read no column`)
    else if (c.table !== table)
      found.push(`it reads ${c.table}.${c.key}, a column of another table (it may read only ${table}'s own columns)`)
    return { _tag: 'Identifier', name: c.name } as never
  }
  if (tag === 'Subquery' || tag === 'Exists' || tag === 'Select') {
    found.push('it holds a subquery, which SQLite does not allow here')
    return n as never
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(n)) out[k] = rewrite(v, table, found)
  return out as never
}

const indexDef = (ix: IndexDef, table: string, byKey: ReadonlyMap<string, AnyColumn>, problems: string[]): IndexStatementDef => {
  const columns = ix.columns.map((k) => byKey.get(k)?.name ?? k)
  const what = `the index ${ix.name} of ${table}`
  const terms =
    ix.terms === undefined
      ? undefined
      : ix.terms.flatMap((t): IndexTermDef[] => {
          if (typeof t === 'string') return [{ expr: { _tag: 'Identifier', name: byKey.get(t)?.name ?? t } }]
          const order = typeof t === 'object' && t !== null && (t as { _tag?: unknown })._tag === 'Order' ? (t as OrderTerm) : undefined
          if (order !== undefined && order.nulls !== undefined) problems.push(`${what}: an index key cannot say where NULLs go`)
          const expr = ddlExpr(order === undefined ? t : order.expr, table, what, problems)
          return expr === undefined ? [] : [{ expr, ...(order?.direction === 'desc' ? { direction: 'desc' as const } : {}) }]
        })
  const where = ix.where === undefined ? undefined : ddlExpr(ix.where, table, `the WHERE of ${what}`, problems)
  return {
    name: ix.name,
    columns,
    unique: ix.unique,
    ...(terms === undefined ? {} : { terms }),
    ...(where === undefined ? {} : { where })
  }
}

const SQL_TYPE = /^(?:[A-Za-z_][A-Za-z0-9_]*(?: +[A-Za-z_][A-Za-z0-9_]*)*(?: *\( *[+-]?[0-9]+(?: *, *[+-]?[0-9]+)? *\))?)?$/

const columnDef = (c: AnyColumn, problems: string[]): ColumnDef => {
  const info = c[ColumnInfo]
  let def: DefaultDef | undefined
  const owner = `${info.sourceTable}.${c.key}`
  if (info.default?._tag === 'Now') def = { _tag: 'Now' }
  else if (info.default?._tag === 'Expr') {
    const expr = ddlExpr(info.default.expr, undefined, `the default of ${owner}`, problems)
    if (expr !== undefined) def = { _tag: 'Expr', expr }
  } else if (info.default?._tag === 'Value') {
    const v = info.default.value
    const r = v === null ? E.right(null) : encodeValue(c.kind, v, 'store', info.codec)
    if (E.isRight(r)) def = { _tag: 'Literal', value: r.right }
    else problems.push(`the default of ${info.sourceTable}.${c.key} is not ${r.left}: ${describeValue(v)}`)
  }
  // A function default is JavaScript's to call at insert time; it has no DDL form.
  let references: ColumnDef['references']
  if (info.references !== undefined) {
    try {
      const target = info.references.target()
      const { onDelete, onUpdate } = info.references.options
      references = {
        table: target[ColumnInfo].sourceTable,
        column: target.name,
        ...(onDelete === undefined ? {} : { onDelete }),
        ...(onUpdate === undefined ? {} : { onUpdate })
      }
    } catch (e) {
      problems.push(`the reference of ${info.sourceTable}.${c.key} could not be resolved: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const checks = (info.checks ?? []).flatMap((ch): DdlCheck[] => {
    let condition: unknown
    try {
      condition = ch.condition(c)
    } catch (e) {
      problems.push(`the check of ${owner} could not be built: ${e instanceof Error ? e.message : String(e)}`)
      return []
    }
    const expr = ddlExpr(condition, info.sourceTable, `the check ${ch.name ?? '(unnamed)'} of ${owner}`, problems)
    return expr === undefined ? [] : [{ ...(ch.name === undefined ? {} : { name: ch.name }), expr }]
  })
  let collate: string | undefined
  if (info.collate !== undefined) {
    const name = collationSql(info.collate)
    if (typeof name === 'string') collate = name
    else problems.push(`the column ${owner}: ${name.problem}`)
  }
  let generatedDef: ColumnDef['generated']
  if (info.generated !== undefined) {
    const expr = ddlExpr(info.generated.expr, info.sourceTable, `the generated column ${owner}`, problems)
    if (expr !== undefined) generatedDef = { expr, stored: info.generated.stored }
  }
  // A declared type goes into the DDL text: only a type name, with an optional (n) or (n, m).
  if (info.sqlType !== undefined && !SQL_TYPE.test(info.sqlType))
    problems.push(
      `the column ${owner}: ${JSON.stringify(info.sqlType)} is not an SQL type name (letters and spaces, then an optional (n) or (n, m))`
    )
  return {
    name: c.name,
    type: info.sqlType ?? sqlType(c.kind),
    primaryKey: info.primaryKey,
    notNull: info.notNull,
    unique: info.unique,
    checkBoolean: c.kind === 'boolean',
    ...(def === undefined ? {} : { default: def }),
    ...(references === undefined ? {} : { references }),
    ...(checks.length === 0 ? {} : { checks }),
    ...(collate === undefined ? {} : { collate }),
    ...(generatedDef === undefined ? {} : { generated: generatedDef })
  }
}
