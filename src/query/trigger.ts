/**
 * Triggers as schema objects: `trigger(name, { timing, event, on, when?, body })`, the body
 * made of query values (insert, update, delete, a select) or `sql` templates. The DDL is
 * one CREATE TRIGGER whose values are literals (a trigger holds no parameters); migrations
 * create, recreate and drop it, and keep it across a rebuild of its table.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Column, Refs, Typed } from '../schema/column.js'
import type { AnyTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { Expr, Query, SqlNode } from './ast.js'
import { compile } from './compile.js'
import { ddlExprSql } from './compile/ddl.js'
import { quoteIdentifier, sqlLiteral } from './sqltext.js'
import { invalid, toNode } from './expr.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * When the trigger fires, relative to the statement's change of each row.
 *
 * @example
 * ```ts
 * import type { TriggerTiming } from 'fp-lite-orm'
 *
 * const timings: TriggerTiming[] = ['before', 'after', 'instead of']
 * void timings
 * ```
 *
 * @category Schema
 */
export type TriggerTiming = 'before' | 'after' | 'instead of'

/**
 * What fires it: a kind of write, or an update of some columns (`{ update: [t.a, t.b] }`).
 *
 * @example
 * ```ts
 * import { integer, table } from 'fp-lite-orm'
 * import type { TriggerEvent } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey(), n: integer() })
 * const events: TriggerEvent[] = ['insert', 'delete', { update: [t.n] }]
 * void events
 * ```
 *
 * @category Schema
 */
export type TriggerEvent = 'insert' | 'update' | 'delete' | { readonly update: ReadonlyArray<Column<unknown>> }

/**
 * A trigger's definition: `on` is the table (or a view, for `instead of`), `when` an
 * optional condition (reading `newOf(col)` / `oldOf(col)`), `body` the statements.
 *
 * @example
 * ```ts
 * import { integer, sql, table } from 'fp-lite-orm'
 * import type { TriggerOptions } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const o: TriggerOptions = { timing: 'before', event: 'insert', on: t, body: [sql`SELECT 1`] }
 * void o
 * ```
 *
 * @category Schema
 */
export interface TriggerOptions {
  readonly timing: TriggerTiming
  readonly event: TriggerEvent
  readonly on: AnyTable
  readonly when?: Typed<unknown>
  readonly body: ReadonlyArray<Query<unknown> | Typed<unknown>>
}

export const TriggerTag = 'Trigger' as const

/**
 * A trigger, as `trigger(...)` makes it: its name, its table, and its CREATE TRIGGER text
 * (or why it has none).
 *
 * @example
 * ```ts
 * import { insert, integer, table, trigger } from 'fp-lite-orm'
 * import type { Trigger } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const tr: Trigger = trigger('t_copy', { timing: 'after', event: 'delete', on: t, body: [insert(t, {})] })
 * void tr
 * ```
 *
 * @category Schema
 */
export interface Trigger {
  readonly _tag: typeof TriggerTag
  readonly name: string
  readonly table: string
  /** CREATE TRIGGER (without IF NOT EXISTS), or the problem that keeps it from having one. */
  readonly sql: E.Either<string, string>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The value a column has in the row being written, as the trigger sees it (`NEW.col`).
 *
 * @param c - a column of the trigger's table (`users.email`); it reads as `NEW."email"` in the trigger's body.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, createTrigger, insert, integer, newOf, select, session, table, text, trigger, values } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const log = table('log', { id: integer().primaryKey(), line: text().notNull() })
 * const onInsert = trigger('users_log', { timing: 'after', event: 'insert', on: users, body: [insert(log, { line: newOf(users.name) })] })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(log)); s.run(createTrigger(onInsert))
 * s.run(insert(users, { name: 'Ann' }))
 * assert.deepEqual(s.run(pipe(select(log), values(log.line))), E.right(['Ann']))
 * ```
 *
 * @category Expressions
 */
export const newOf = <T, N extends boolean>(c: Column<T, N>): Expr<N extends true ? T : T | null> & Refs<never> => rowOf('new', c)

/**
 * The value a column had before the write, as the trigger sees it (`OLD.col`; updates and deletes).
 *
 * @param c - a column of the trigger's table; it reads as `OLD."email"` (only in update and delete triggers: SQLite
 *   refuses it in an insert trigger when the trigger is created).
 *
 * @example
 * ```ts
 * import { integer, oldOf, table } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), score: integer().notNull() })
 * const before = oldOf(users.score)
 * void before
 * ```
 *
 * @category Expressions
 */
export const oldOf = <T, N extends boolean>(c: Column<T, N>): Expr<N extends true ? T : T | null> & Refs<never> => rowOf('old', c)

const rowOf = (which: 'new' | 'old', c: Column<unknown>): never => {
  const node: SqlNode = { _tag: 'Sql', strings: [`"${which}".`, ''], args: [{ _tag: 'Identifier', name: c.name }], kind: c.kind }
  return node as never
}

const EVENTS = new Set(['insert', 'update', 'delete'])
const TIMINGS = new Set(['before', 'after', 'instead of'])

/**
 * A trigger. Mistakes (an unknown timing, a body statement with a placeholder) do not
 * throw: `createTrigger` and migrations return them as a Left.
 *
 * @param name - the trigger's name (any text: it is quoted; an empty name is a Left when created).
 * @param o - when it fires and what it does (`TriggerOptions`: `on` table, `timing`, `event`, the `body` statements, an
 *   optional `when` condition).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { integer, newOf, oldOf, set, sql, table, trigger, update, filter, eq, gt, toSQL, createTrigger } from 'fp-lite-orm'
 *
 * const items = table('items', { id: integer().primaryKey(), qty: integer().notNull(), changes: integer().notNull().default(0) })
 * const counted = trigger('items_count_changes', {
 *   timing: 'after',
 *   event: { update: [items.qty] },
 *   on: items,
 *   when: sql`${oldOf(items.qty)} <> ${newOf(items.qty)}`,
 *   body: [pipe(update(items), set({ changes: sql<number>`${items.changes} + 1` }), filter(eq(items.id, newOf(items.id))))]
 * })
 * assert.deepEqual(pipe(toSQL(createTrigger(counted)), E.map((q) => q.sql)), E.right(
 *   'CREATE TRIGGER IF NOT EXISTS "items_count_changes" AFTER UPDATE OF "qty" ON "items" FOR EACH ROW WHEN "old"."qty" <> "new"."qty" ' +
 *   'BEGIN UPDATE "items" SET "changes" = "items"."changes" + 1 WHERE "items"."id" = ("new"."id"); END'
 * ))
 * ```
 *
 * @category Schema
 */
export const trigger = (name: string, o: TriggerOptions): Trigger => {
  const table = (() => {
    try {
      return tableInfo(o.on).name
    } catch {
      return '?'
    }
  })()
  return Object.freeze({
    _tag: TriggerTag,
    name,
    table,
    sql: E.tryCatch(
      () => triggerSql(name, o),
      (e) => messageOf(e)
    )
  })
}

const messageOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
    ? (e as { message: string }).message
    : String(e)

const triggerSql = (name: string, o: TriggerOptions): string => {
  if (!TIMINGS.has(o.timing))
    throw new Error(`trigger ${name}: unknown timing ${JSON.stringify(o.timing)} (use before, after or instead of)`)
  const event =
    typeof o.event === 'string'
      ? EVENTS.has(o.event)
        ? o.event.toUpperCase()
        : undefined
      : typeof o.event === 'object' && o.event !== null && (o.event.update?.length ?? 0) > 0
        ? `UPDATE OF ${o.event.update.map((c) => quoteIdentifier(c.name)).join(', ')}`
        : undefined
  if (event === undefined) throw new Error(`trigger ${name}: the event must be insert, update, delete or { update: [columns] }`)
  if (o.body.length === 0) throw new Error(`trigger ${name}: the body needs at least one statement`)
  const when = o.when === undefined ? '' : ` WHEN ${ddlExprSql(toNode(o.when))}`
  const body = o.body.map((b, i) => `${bodyStatement(name, i, b)}; `).join('')
  return `CREATE TRIGGER ${quoteIdentifier(name)} ${o.timing.toUpperCase()} ${event} ON ${quoteIdentifier(tableInfo(o.on).name)} FOR EACH ROW${when} BEGIN ${body}END`
}

/** A body statement's SQL with its values written in as literals (a trigger holds no parameters). */
const bodyStatement = (name: string, i: number, b: Query<unknown> | Typed<unknown>): string => {
  const q: Query<unknown> =
    (b as { _tag?: unknown })._tag === 'Query'
      ? (b as Query<unknown>)
      : { _tag: 'Query', mode: 'run', statement: { _tag: 'Raw', sql: b as SqlNode } }
  const c = compile(q)
  if (E.isLeft(c)) throw new Error(`trigger ${name}, statement ${i + 1}: ${c.left.message}`)
  if (c.right.statements.length !== 1)
    throw new Error(`trigger ${name}, statement ${i + 1}: give one statement per body item (a multi-row insert is several)`)
  const st = c.right.statements[0]!
  if (st.slots !== undefined)
    throw new Error(`trigger ${name}, statement ${i + 1}: a placeholder cannot stand in a trigger; write the value itself`)
  return inlineParams(st.sql, st.params)
}

/**
 * The statement's text with each `?` (outside quotes and comments) replaced by its value
 * as a literal, in order: the compiler wrote one `?` per value.
 */
export const inlineParams = (text: string, params: ReadonlyArray<Parameters<typeof sqlLiteral>[0]>): string => {
  let out = ''
  let k = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = text.indexOf(ch === '[' ? ']' : ch, i + 1)
      const end = close < 0 ? text.length : close + 1
      out += text.slice(i, end)
      i = end - 1
      continue
    }
    if (ch === '?') {
      if (k >= params.length) throw new Error('the statement has more ? than values')
      out += sqlLiteral(params[k++]!)
      continue
    }
    out += ch
  }
  return out
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

const ddl = (text: E.Either<string, string>): Query<void> => {
  const node: SqlNode = E.isRight(text)
    ? { _tag: 'Sql', strings: [text.right], args: [] }
    : { _tag: 'Sql', strings: ['', ''], args: [invalid(text.left)] }
  return { _tag: 'Query', mode: 'void', statement: { _tag: 'Raw', sql: node } }
}

/**
 * CREATE TRIGGER IF NOT EXISTS, as a query value.
 *
 * @param t - a trigger from `trigger(...)` or `rawTrigger(...)`; its definition problems (an unknown timing, a body with
 *   a placeholder) are a Left `ValidationError` when the query runs.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { createTrigger, integer, sql, table, toSQL, trigger } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const bad = trigger('t_bad', { timing: 'after', event: 'insert', on: t, body: [] })
 * assert.ok(E.isLeft(toSQL(createTrigger(bad))))   // no statement in the body
 * void sql
 * ```
 *
 * @category Schema
 */
export const createTrigger = (t: Trigger): Query<void> =>
  ddl(E.map((s: string) => s.replace(/^CREATE TRIGGER /, 'CREATE TRIGGER IF NOT EXISTS '))(t.sql))

/**
 * DROP TRIGGER IF EXISTS, as a query value.
 *
 * @param t - the trigger to drop (only its name is used; a trigger that does not exist is no error).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { dropTrigger, insert, integer, table, toSQL, trigger } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const tr = trigger('t_copy', { timing: 'after', event: 'delete', on: t, body: [insert(t, {})] })
 * assert.deepEqual(pipe(toSQL(dropTrigger(tr)), E.map((q) => q.sql)), E.right('DROP TRIGGER IF EXISTS "t_copy"'))
 * ```
 *
 * @category Schema
 */
export const dropTrigger = (t: Trigger): Query<void> =>
  ddl(E.tryCatch(() => `DROP TRIGGER IF EXISTS ${quoteIdentifier(t.name)}`, messageOf))

/**
 * A trigger from its CREATE TRIGGER text, as written (for adopted databases: `pull` writes
 * these). The text is not checked here; SQLite checks it when a migration creates it.
 *
 * @param name - the trigger's name, as in its text (used by `dropTrigger` and by migrations to compare).
 * @param table - the SQL name of the table it is on.
 * @param createSql - the whole `CREATE TRIGGER ...` statement, as SQLite stores it in `sqlite_schema`; not checked here.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { rawTrigger } from 'fp-lite-orm'
 *
 * const t = rawTrigger('log_ins', 'items', 'CREATE TRIGGER log_ins AFTER INSERT ON items BEGIN SELECT 1; END')
 * assert.equal(t.table, 'items')
 * ```
 *
 * @category Schema
 */
export const rawTrigger = (name: string, table: string, createSql: string): Trigger =>
  Object.freeze({
    _tag: TriggerTag,
    name,
    table,
    sql: /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(createSql)
      ? E.right(createSql)
      : E.left(`rawTrigger ${name}: the text is not a CREATE TRIGGER`)
  })

/** True for trigger objects. */
export const isTrigger = (u: unknown): u is Trigger => typeof u === 'object' && u !== null && (u as { _tag?: unknown })._tag === TriggerTag
