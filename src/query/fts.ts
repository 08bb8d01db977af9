/**
 * Full-text search with FTS5: `fts5(name, table, columns)` is an external-content index over
 * a table's text columns, kept in sync by triggers; `match`, `bm25`, `highlight` and
 * `snippet` are expressions for filters, ordering and projections. A search with an FTS
 * syntax error is a Left (SQLite's error, returned like any other), never a throw.
 */
import type { AnyColumn, Column, Refs, Typed } from '../schema/column.js'
import type { AnyTable, TableInfo as TableInfoT, ViewMarker } from '../schema/table.js'
import { TableInfo, checkIdentifier, makeColumn, tableInfo, tableRef } from '../schema/table.js'
import type { Expr, Query, SqlNode } from './ast.js'
import { quoteIdentifier } from './sqltext.js'
import { invalid, toNode, valueNode } from './expr.js'
import type { Trigger } from './trigger.js'
import { rawTrigger } from './trigger.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * An FTS5 index over a table: its indexed columns (by key) and `rowid`, the indexed row's
 * rowid (join it to the table's INTEGER PRIMARY KEY). Read like a table, never written:
 * triggers keep it in sync with its table.
 *
 * @example
 * ```ts
 * import { fts5, integer, table, text } from 'fp-lite-orm'
 * import type { Fts } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const idx: Fts<'docs_fts', 'body'> = fts5('docs_fts', docs, ['body'])
 * void idx.rowid
 * ```
 *
 * @category Schema
 */
export type Fts<N extends string, K extends string> = { readonly [P in K]: Column<string, false, false, N> } & {
  readonly rowid: Column<number, true, false, N>
} & ViewMarker & { readonly [TableInfo]: TableInfoT }

const ftsInfo = new WeakMap<object, { readonly content: string; readonly key: string; readonly columns: ReadonlyArray<string> }>()

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * An external-content FTS5 index named `name` over `table`'s columns `keys` (text columns;
 * the table needs an INTEGER PRIMARY KEY, which is the index's rowid).
 *
 * @param name - the virtual table's name in SQL (any text: it is quoted).
 * @param table - the table whose rows are indexed; it needs an INTEGER PRIMARY KEY (else a Left `ValidationError` when
 *   created).
 * @param keys - the schema keys of the text columns to index (at least one).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { bm25, columns, connect, createFts, createTable, eq, filter, fts5, highlight, insert, integer, join, match, orderBy, select, session, table, text, all } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), title: text().notNull(), body: text().notNull() })
 * const search = fts5('notes_fts', notes, ['title', 'body'])
 * const s = session(connect(':memory:'))
 * s.run(createTable(notes))
 * for (const q of createFts(search)) s.run(q)
 * s.run(insert(notes, [{ title: 'SQLite', body: 'a small fast database' }, { title: 'Tea', body: 'a small green leaf' }]))
 * const hits = s.run(pipe(select(search), join(notes, eq(notes.id, search.rowid)), filter(match(search, 'fast')), orderBy(bm25(search)),
 *   columns({ id: notes.id, body: highlight(search, 'body', '[', ']') }), all))
 * assert.deepEqual(hits, E.right([{ id: 1, body: 'a small [fast] database' }]))
 * ```
 *
 * @category Schema
 */
export const fts5 = <N extends string, T extends AnyTable, const K extends string>(
  name: N,
  table: T,
  keys: ReadonlyArray<K & keyof T>
): Fts<N, K> => {
  const info = tableInfo(table)
  const problems: string[] = [...info.problems]
  const p = checkIdentifier(name)
  if (p !== undefined) problems.push(`fts5 name ${JSON.stringify(name)}: ${p}`)
  const pk = info.columns.find((c) => info.primaryKey.length === 1 && c.key === info.primaryKey[0])
  if (pk === undefined || (pk.kind !== 'integer' && pk.kind !== 'bigint'))
    problems.push(`fts5 ${name}: ${info.name} needs an INTEGER PRIMARY KEY (the index's rowid)`)
  if (keys.length === 0) problems.push(`fts5 ${name}: give at least one column to index`)
  const indexed = keys.map((k) => info.columns.find((c) => c.key === k))
  keys.forEach((k, i) => {
    if (indexed[i] === undefined) problems.push(`fts5 ${name}: ${info.name} has no column ${JSON.stringify(k)}`)
  })
  const cols: AnyColumn[] = [
    makeColumn({ kind: 'integer', primaryKey: false, notNull: true, unique: false, sourceTable: name }, name, 'rowid', 'rowid'),
    ...indexed.flatMap((c) =>
      c === undefined
        ? []
        : [makeColumn({ kind: 'text', primaryKey: false, notNull: false, unique: false, sourceTable: name }, name, c.key, c.name)]
    )
  ]
  const tinfo: TableInfoT = Object.freeze({
    name,
    columns: Object.freeze(cols),
    primaryKey: [],
    indexes: [],
    strict: false,
    withoutRowid: false,
    problems,
    ref: tableRef(name, undefined, cols)
  })
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const c of cols) out[c.key] = c
  const fts = Object.freeze(Object.assign(out, { [TableInfo]: tinfo }))
  ftsInfo.set(fts, { content: info.name, key: pk?.name ?? 'rowid', columns: indexed.flatMap((c) => (c === undefined ? [] : [c.name])) })
  return fts as unknown as Fts<N, K>
}

// -------------------------------------------------------------------------------------
// expressions
// -------------------------------------------------------------------------------------

const nameOf = (f: AnyTable): SqlNode['args'][number] => ({ _tag: 'Identifier', name: tableInfo(f).name })

/**
 * `fts MATCH query`: rows whose indexed text matches the FTS5 query (bound as a parameter).
 * A query with an FTS syntax error is a Left when the statement runs.
 *
 * @param fts - the FTS5 index to search.
 * @param query - an FTS5 query (`'sqlite AND fast'`, `'"exact phrase"'`, `'pre*'`), or an expression giving one; bound as a
 *   parameter. A syntax error in it is a Left `SqliteError` when the statement runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createFts, createTable, filter, fts5, insert, integer, match, select, session, table, text, values } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const idx = fts5('docs_fts', docs, ['body'])
 * const s = session(connect(':memory:'))
 * s.run(createTable(docs)); for (const q of createFts(idx)) s.run(q)
 * s.run(insert(docs, [{ body: 'red apple' }, { body: 'green pear' }]))
 * assert.deepEqual(s.run(pipe(select(idx), filter(match(idx, 'app*')), values(idx.rowid))), E.right([1]))
 * assert.ok(E.isLeft(s.run(pipe(select(idx), filter(match(idx, '"unbalanced')), values(idx.rowid)))))
 * ```
 *
 * @category Expressions
 */
export const match = <N extends string, K extends string>(fts: Fts<N, K>, query: string | Typed<string>): Expr<boolean> & Refs<N> =>
  ({
    _tag: 'Sql',
    strings: ['', ' MATCH ', ''],
    args: [nameOf(fts), typeof query === 'string' ? valueNode(query) : toNode(query)],
    kind: 'boolean'
  }) as never

/**
 * `bm25(fts)`: the relevance of the row for the MATCH (smaller is better): order by it ascending.
 *
 * @param fts - the FTS5 index of the query's MATCH (from `fts5`).
 *
 * @example
 * ```ts
 * import { bm25, fts5, integer, table, text } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const rank = bm25(fts5('docs_fts', docs, ['body']))
 * void rank
 * ```
 *
 * @category Functions
 */
export const bm25 = <N extends string, K extends string>(fts: Fts<N, K>): Expr<number> & Refs<N> =>
  ({ _tag: 'Sql', strings: ['bm25(', ')'], args: [nameOf(fts)], kind: 'real' }) as never

const columnIndex = (fts: AnyTable, key: string): number => tableInfo(fts).columns.findIndex((c) => c.key === key) - 1

/**
 * `highlight(fts, column, open, close)`: the column's text with the matched terms wrapped.
 *
 * @param fts - the FTS5 index of the query's MATCH.
 * @param key - the indexed column to show (one of the index's keys).
 * @param open - the text put before each matched term (`'<b>'`); bound as a parameter.
 * @param close - the text put after each matched term (`'</b>'`).
 *
 * @example
 * ```ts
 * import { fts5, highlight, integer, table, text } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const marked = highlight(fts5('docs_fts', docs, ['body']), 'body', '<b>', '</b>')
 * void marked
 * ```
 *
 * @category Functions
 */
export const highlight = <N extends string, K extends string>(
  fts: Fts<N, K>,
  key: K,
  open: string,
  close: string
): Expr<string> & Refs<N> => {
  const i = columnIndex(fts, key)
  if (i < 0) return invalid(`highlight: ${tableInfo(fts).name} indexes no column ${JSON.stringify(key)}`)
  return {
    _tag: 'Sql',
    strings: ['highlight(', `, ${i}, `, ', ', ')'],
    args: [nameOf(fts), valueNode(open), valueNode(close)],
    kind: 'text'
  } as never
}

/**
 * `snippet(fts, column, open, close, ellipsis, tokens)`: a short fragment of the column's
 * text around the matches (at most `tokens` tokens, 1 to 64).
 *
 * @param fts - the FTS5 index of the query's MATCH.
 * @param key - the indexed column to cut the fragment from (one of the index's keys).
 * @param open - the text put before each matched term.
 * @param close - the text put after each matched term.
 * @param ellipsis - the text marking cut text at either end (`'...'`).
 * @param tokens - the fragment's length in tokens: a whole number from 1 to 64; anything else is a Left `ValidationError`
 *   when the query runs.
 *
 * @example
 * ```ts
 * import { fts5, integer, snippet, table, text } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const part = snippet(fts5('docs_fts', docs, ['body']), 'body', '[', ']', '...', 8)
 * void part
 * ```
 *
 * @category Functions
 */
export const snippet = <N extends string, K extends string>(
  fts: Fts<N, K>,
  key: K,
  open: string,
  close: string,
  ellipsis: string,
  tokens: number
): Expr<string> & Refs<N> => {
  const i = columnIndex(fts, key)
  if (i < 0) return invalid(`snippet: ${tableInfo(fts).name} indexes no column ${JSON.stringify(key)}`)
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > 64)
    return invalid(`snippet: tokens must be a whole number from 1 to 64, got ${tokens}`)
  return {
    _tag: 'Sql',
    strings: ['snippet(', `, ${i}, `, ', ', ', ', `, ${tokens})`],
    args: [nameOf(fts), valueNode(open), valueNode(close), valueNode(ellipsis)],
    kind: 'text'
  } as never
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

const statement = (f: () => string): Query<void> => {
  let node: SqlNode
  try {
    node = { _tag: 'Sql', strings: [f()], args: [] }
  } catch (e) {
    node = { _tag: 'Sql', strings: ['', ''], args: [invalid((e as { message?: string }).message ?? String(e))] }
  }
  return { _tag: 'Query', mode: 'void', statement: { _tag: 'Raw', sql: node } }
}

/**
 * The sync triggers of an FTS5 index (after insert, delete and update on its table), as
 * trigger objects: export them from the schema module so migrations keep them.
 *
 * @param fts - the FTS5 index from `fts5(...)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { fts5, ftsTriggers, integer, table, text } from 'fp-lite-orm'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * assert.deepEqual(ftsTriggers(fts5('docs_fts', docs, ['body'])).map((t) => t.name), ['docs_fts_ai', 'docs_fts_ad', 'docs_fts_au'])
 * ```
 *
 * @category Schema
 */
export const ftsTriggers = (fts: AnyTable): ReadonlyArray<Trigger> => {
  const meta = ftsInfo.get(fts)
  const name = tableInfo(fts).name
  if (meta === undefined) return []
  const q = quoteIdentifier
  const cols = meta.columns.map(q).join(', ')
  const values = (row: string) => meta.columns.map((c) => `${row}.${q(c)}`).join(', ')
  const ins = `INSERT INTO ${q(name)} (rowid, ${cols}) VALUES (new.${q(meta.key)}, ${values('new')});`
  const del = `INSERT INTO ${q(name)} (${q(name)}, rowid, ${cols}) VALUES ('delete', old.${q(meta.key)}, ${values('old')});`
  const t = (suffix: string, event: string, body: string) =>
    rawTrigger(
      `${name}_${suffix}`,
      meta.content,
      `CREATE TRIGGER ${q(`${name}_${suffix}`)} AFTER ${event} ON ${q(meta.content)} BEGIN ${body} END`
    )
  return [t('ai', 'INSERT', ins), t('ad', 'DELETE', del), t('au', 'UPDATE', `${del} ${ins}`)]
}

/**
 * The statements that create an FTS5 index: the virtual table, its sync triggers, and a
 * rebuild that indexes the rows already in the table. Run them in order.
 *
 * @param fts - the FTS5 index from `fts5(...)`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { connect, createFts, createTable, fts5, integer, session, table, text } from 'fp-lite-orm'
 * import * as E from 'fp-ts/lib/Either.js'
 *
 * const docs = table('docs', { id: integer().primaryKey(), body: text().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(docs))
 * assert.ok(createFts(fts5('docs_fts', docs, ['body'])).every((q) => E.isRight(s.run(q))))
 * ```
 *
 * @category Schema
 */
export const createFts = (fts: AnyTable): ReadonlyArray<Query<void>> => {
  const info = tableInfo(fts)
  const meta = ftsInfo.get(fts)
  if (meta === undefined || info.problems.length > 0)
    return [
      statement(() => {
        throw new Error(info.problems.join('; ') || `${info.name} is not an fts5(...) index`)
      })
    ]
  const q = quoteIdentifier
  return [
    statement(
      () =>
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${q(info.name)} USING fts5(${meta.columns.map(q).join(', ')}, content=${q(meta.content)}, content_rowid=${q(meta.key)})`
    ),
    ...ftsTriggers(fts).map((t) =>
      statement(() => (t.sql._tag === 'Right' ? t.sql.right.replace(/^CREATE TRIGGER /, 'CREATE TRIGGER IF NOT EXISTS ') : ''))
    ),
    statement(() => `INSERT INTO ${q(info.name)} (${q(info.name)}) VALUES ('rebuild')`)
  ]
}
