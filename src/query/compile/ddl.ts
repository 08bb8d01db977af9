/**
 * DDL: CREATE TABLE with its constraints and indexes, CREATE VIEW, and the SQL of
 * expressions where SQLite takes no parameters (defaults, checks, generated columns,
 * index terms). What migrate needs comes from here, as Eithers.
 */
import * as E from 'fp-ts/lib/Either.js'
import { absurd } from 'fp-ts/lib/function.js'
import type { SqlValue } from '../../schema/column.js'
import type { DbError } from '../../errors.js'
import { validationError } from '../../errors.js'
import type {
  ColumnDef,
  CreateTableStatement,
  DdlCheck,
  DefaultDef,
  ExprNode,
  IndexStatementDef,
  PlaceholderNode,
  SelectStatement
} from '../ast.js'
import type { CompiledStatement } from '../compiled.js'
import { CompileFailure, NOW_SQL, REFERENCE_ACTIONS, quoteIdentifier, sqlLiteral } from '../sqltext.js'
import { SqlBuilder } from './builder.js'
import { exprSql } from './expr.js'
import { selectSql } from './select.js'

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
    const b = new DdlBuilder(selectSql)
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
  const b = new DdlBuilder(selectSql)
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

export const createTableStatements = (s: CreateTableStatement): CompiledStatement[] => {
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
