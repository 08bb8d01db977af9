/**
 * Writes beyond insert: the write query types, update and delete, their guard against
 * touching every row by accident, and RETURNING. (The insert conflict clauses, ON CONFLICT,
 * OR REPLACE and OR IGNORE, are beside `insert` in insert.ts.)
 *
 *   pipe(update(users), set({ age: 35 }), filter(eq(users.id, 1)))
 *   pipe(deleteFrom(users), filter(lt(users.age, 18)), returning())
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Column } from '../schema/column.js'
import type { AnyTable, ColumnsOf, GeneratedKeys, NameOf, Row, WritableTable } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import { tableCodecs } from '../schema/codec.js'
import { describeValue } from '../errors.js'
import type {
  Assignment,
  CodecsPart,
  DeleteStatement,
  Expr,
  Field,
  InsertStatement,
  ParamRef,
  Projected,
  Query,
  UpdateStatement,
  WriteResult
} from './ast.js'
import { Codecs } from './ast.js'
import type { Placeholder } from './expr.js'
import { toNode } from './expr.js'
import { columnValue, targetColumns } from './values.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

declare const TargetType: unique symbol

/**
 * A write on table `T` (its schema type rides as a phantom, for `set` and `returning` to check by).
 *
 * @example
 * ```ts
 * import { integer, table, text } from 'fp-lite-orm'
 * import type { WriteOn } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * export type OnUsers = WriteOn<typeof users>
 * ```
 *
 * @category Writes
 */
export interface WriteOn<T> {
  readonly [TargetType]?: T
}

/**
 * An update or a delete whose filter or order reads the tables `R`: itself when they are
 * its own table, otherwise a type that is not a query (so running it is a type error whose
 * text names the tables). Anything else (a select checks at its terminal) is unchanged.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { eq, filter, integer, set, table, update } from 'fp-lite-orm'
 * import type { UpdateQuery, WriteReads } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), n: integer() })
 * const posts = table('posts', { id: integer().primaryKey() })
 * const fine: WriteReads<UpdateQuery<typeof users>, 'users'> = pipe(update(users), set({ n: 1 }), filter(eq(users.id, 1)))
 * // @ts-expect-error posts is not the table written
 * const wrong: UpdateQuery<typeof users> = pipe(update(users), set({ n: 1 }), filter(eq(posts.id, 1)))
 * void fine; void wrong
 * ```
 *
 * @category Writes
 */
export type WriteReads<Q, R extends string> =
  Q extends WriteOn<infer T>
    ? unknown extends T
      ? Q
      : string extends R
        ? Q
        : [Exclude<R, NameOf<T> | FromOf<Q> | ParamRef>] extends [never]
          ? Q
          : { readonly 'columns of tables this write does not read': Exclude<R, NameOf<T> | FromOf<Q> | ParamRef> }
    : Q

/**
 * An insert on table `T`: runs to a `WriteResult`; `returning`, `onConflict*`, `orIgnore` and `orReplace` refine it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { onConflictDoNothing, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { InsertQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const addUser = (email: string, name: string): InsertQuery<typeof users> => pipe(insert(users, { email, name }), onConflictDoNothing(users.email))
 * assert.deepEqual(s.run(addUser('cleo@x.io', 'Cleo')), E.right({ changes: 1, lastInsertRowid: 3 }))
 * assert.ok(E.isRight(s.run(addUser('cleo@x.io', 'Cleo'))))   // skipped
 * ```
 *
 * @category Writes
 */
export interface InsertQuery<T> extends Query<WriteResult>, WriteOn<T> {
  readonly statement: InsertStatement
}

/**
 * An update on table `T`, made by `update(table)`; refine it with `set`, `filter`, `allRows`, `returning`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { UpdateQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const rename = (id: number, name: string): UpdateQuery<typeof users> => pipe(update(users), set({ name }), filter(eq(users.id, id)))
 * const r = s.run(rename(1, 'Ann B.'))
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * ```
 *
 * @category Writes
 */
export interface UpdateQuery<T, F extends string = never> extends Query<WriteResult>, WriteOn<T> {
  readonly statement: UpdateStatement
  /** The tables of its FROM (`from(other)`), which its set and filter may read (a phantom). */
  readonly [FromTables]?: { readonly tables: F }
}

declare const FromTables: unique symbol

/**
 * The tables an update reads besides its own (its FROM).
 *
 * @example
 * ```ts
 * import type { FromOf } from 'fp-lite-orm'
 *
 * export type NoFrom = FromOf<unknown>   // an update without from(...) reads no other table
 * ```
 *
 * @category Writes
 */
export type FromOf<Q> = Q extends { readonly [FromTables]?: { readonly tables: infer F extends string } } ? F : never

/**
 * A delete on table `T`, made by `deleteFrom(table)`; refine it with `filter`, `allRows`, `returning`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { deleteFrom, eq, filter, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { DeleteQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const remove = (email: string): DeleteQuery<typeof users> => pipe(deleteFrom(users), filter(eq(users.email, email)))
 * const r = s.run(remove('bob@x.io'))
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * ```
 *
 * @category Writes
 */
export interface DeleteQuery<T> extends Query<WriteResult>, WriteOn<T> {
  readonly statement: DeleteStatement
}

/**
 * Any write on table `T`: an insert, an update or a delete.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { deleteFrom, eq, filter, returning, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { WriteQuery } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * // Any write of users, with RETURNING the ids it touched.
 * const ids = (q: WriteQuery<typeof users>) => s.run(pipe(q, returning({ id: users.id })))
 * assert.deepEqual(ids(insert(users, { email: 'cleo@x.io', name: 'Cleo' })), E.right([{ id: 3 }]))
 * assert.deepEqual(ids(pipe(update(users), set({ visits: 1 }), filter(eq(users.name, 'Bob')))), E.right([{ id: 2 }]))
 * assert.deepEqual(ids(pipe(deleteFrom(users), filter(eq(users.id, 1)))), E.right([{ id: 1 }]))
 * ```
 *
 * @category Writes
 */
export type WriteQuery<T> = InsertQuery<T> | UpdateQuery<T, string> | DeleteQuery<T>

/**
 * What `set` takes: some columns, each a value of its type, an expression, or a placeholder.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, placeholder, set, sql, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 * import type { SetValues } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const changes: SetValues<typeof users> = { name: placeholder('name'), visits: sql<number>`${users.visits} + 1` }
 * const r = s.run(pipe(update(users), set(changes), filter(eq(users.id, 1))), { name: 'Ann B.' })
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * ```
 *
 * @category Writes
 */
export type SetValues<T> = {
  readonly [K in Exclude<keyof ColumnsOf<T>, GeneratedKeys<T>>]?: ColumnsOf<T>[K] extends Column<infer V, infer N, boolean>
    ? (N extends true ? V : V | null) | Expr<V | null> | Placeholder
    : never
}

declare const ChangedBrand: unique symbol

/**
 * The fields that differ between two rows (`changed(before, after)`), for `set`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { changed, eq, filter, one, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Changed, Row } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const ann = s.run(pipe(select(users), filter(eq(users.id, 1)), one))
 * assert.ok(E.isRight(ann))
 * const diff: Changed<Row<typeof users>> = changed(ann.right, { ...ann.right, name: 'Ann B.' })
 * assert.deepEqual({ ...diff }, { name: 'Ann B.' })
 * ```
 *
 * @category Writes
 */
export type Changed<A> = Partial<A> & { readonly [ChangedBrand]?: true }

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const targetParts = new WeakMap<AnyTable, CodecsPart>()

const withTarget = <Q extends Query<unknown>>(q: Q, table: AnyTable): Q => {
  let part = targetParts.get(table)
  if (part === undefined) {
    const columns = tableCodecs(tableInfo(table).columns)
    part = columns === undefined ? { target: table } : { columns, target: table }
    targetParts.set(table, part)
  }
  return { ...q, [Codecs]: part }
}

/**
 * An UPDATE. Give it `set({...})` and a `filter`; without a filter it is refused (a
 * Left, nothing changed) unless piped through `allRows`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, returning, set, sql, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const r = s.run(pipe(update(users), set({ visits: sql<number>`${users.visits} + 1` }), filter(eq(users.email, 'ann@x.io')), returning({ visits: users.visits })))
 * assert.deepEqual(r, E.right([{ visits: 1 }]))
 *
 * const everyone = s.run(pipe(update(users), set({ visits: 0 })))   // no filter
 * assert.ok(E.isLeft(everyone) && everyone.left._tag === 'ValidationError')
 * ```
 *
 * @category Writes
 */
export const update = <T extends WritableTable>(table: T): UpdateQuery<T> => {
  const info = tableInfo(table)
  return withTarget(
    {
      _tag: 'Query',
      mode: 'run',
      statement: {
        _tag: 'Update',
        table: info.ref,
        set: [],
        where: [],
        allRows: false,
        ...(info.problems.length > 0 ? { problems: info.problems } : {})
      }
    },
    table
  )
}

/**
 * A DELETE. Give it a `filter`; without one it is refused unless piped through `allRows`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { count, deleteFrom, eq, filter, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const r = s.run(pipe(deleteFrom(users), filter(eq(users.email, 'bob@x.io'))))
 * assert.ok(E.isRight(r) && r.right.changes === 1)
 * assert.ok(E.isLeft(s.run(deleteFrom(users))))      // no filter: refused
 * assert.deepEqual(s.run(pipe(select(users), count)), E.right(1))
 * ```
 *
 * @category Writes
 */
export const deleteFrom = <T extends WritableTable>(table: T): DeleteQuery<T> => {
  const info = tableInfo(table)
  return withTarget(
    {
      _tag: 'Query',
      mode: 'run',
      statement: {
        _tag: 'Delete',
        table: info.ref,
        where: [],
        allRows: false,
        ...(info.problems.length > 0 ? { problems: info.problems } : {})
      }
    },
    table
  )
}

/**
 * The fields of `after` that differ from `before` (Dates by time, bytes by content,
 * json values by their JSON): pylite-orm's "update only what changed". When nothing
 * changed, `set(changed(a, b))` makes the update a no-op that returns `{ changes: 0 }`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { changed, eq, filter, one, set, update, connect, createTable, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const save = (id: number, name: string) =>
 *   pipe(
 *     s.run(pipe(select(users), filter(eq(users.id, id)), one)),
 *     E.chain((before) => s.run(pipe(update(users), set(changed(before, { ...before, name })), filter(eq(users.id, id)))))
 *   )
 * assert.ok(E.isRight(save(1, 'Ann B.')) )
 * const again = save(1, 'Ann B.')
 * assert.ok(E.isRight(again) && again.right.changes === 0)   // nothing changed: no SQL ran
 * ```
 *
 * @category Writes
 */
export const changed = <A extends object>(before: A, after: A): Changed<A> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(after)) {
    if (v === undefined) continue
    if (!sameValue((before as Record<string, unknown>)[k], v)) out[k] = v
  }
  return Object.defineProperty(out, ChangedMarker, { value: true, enumerable: false }) as Changed<A>
}

const ChangedMarker = Symbol.for('fp-lite-orm/Changed')

const sameValue = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    try {
      return JSON.stringify(a) === JSON.stringify(b)
    } catch {
      return false
    }
  }
  return false
}

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * Builds `col = value` assignments from `{ key: value }`, checking each value by its
 * column's rules. `undefined` values are skipped (as an insert leaves them out).
 */
export const assignments = (
  values: Readonly<Record<string, unknown>>,
  q: Query<unknown> & { readonly statement: { readonly table: import('../schema/table.js').TableRef } },
  where: string
): { readonly set: Assignment[]; readonly problems: string[] } => {
  const cols = targetColumns(q.statement.table, q[Codecs])
  const set: Assignment[] = []
  const problems: string[] = []
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return { set, problems: [`${where} takes an object of columns, got ${describeValue(values)}`] }
  }
  try {
    for (const [key, v] of Object.entries(values)) {
      if (v === undefined) continue
      const c = cols.get(key)
      if (c === undefined) {
        problems.push(
          `${where}: unknown column ${JSON.stringify(key)} (the columns of ${q.statement.table.name} are ${[...cols.keys()].join(', ')})`
        )
        continue
      }
      if (c.generated === true) {
        problems.push(`${where}: ${key} is a generated column: SQLite computes it, so an update cannot set it`)
        continue
      }
      const r = columnValue(c, v, 'set')
      if (E.isLeft(r)) problems.push(`${where}: ${r.left}`)
      else set.push({ column: c.ref.name, value: r.right })
    }
  } catch (e) {
    // Values that throw when read (a Proxy's trap, a getter): refused, never thrown.
    problems.push(`${where}: the values threw when read (${e instanceof Error ? e.message : describeValue(e)}); pass a plain object`)
  }
  return { set, problems }
}

export const addProblems = <S extends { readonly problems?: ReadonlyArray<string> }>(s: S, problems: ReadonlyArray<string>): S =>
  problems.length === 0 ? s : { ...s, problems: [...(s.problems ?? []), ...problems] }

/**
 * The columns an update writes. Values are checked by the column codecs now; a wrong
 * type or an unknown column makes the update a Left when run, before any SQL. An empty
 * `set({})` is refused; `set(changed(a, b))` with nothing changed is a no-op.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const ok = s.run(pipe(update(users), set({ name: 'Bobby', visits: 3 }), filter(eq(users.id, 2))))
 * assert.ok(E.isRight(ok) && ok.right.changes === 1)
 *
 * const wrong = s.run(pipe(update(users), set({ visits: 'three' as unknown as number }), filter(eq(users.id, 2))))
 * assert.ok(E.isLeft(wrong) && wrong.left._tag === 'ValidationError')   // checked by the column's rules
 * ```
 *
 * @category Writes
 */
export const set =
  <T>(values: SetValues<T> | Changed<Row<T>>) =>
  <F extends string = never>(q: UpdateQuery<T, F>): UpdateQuery<T, F> => {
    const s = q.statement
    const { set: more, problems } = assignments(values, q, `update ${s.table.name} set`)
    const fromChanged = problems.length === 0 && typeof values === 'object' && values !== null && ChangedMarker in values
    const empty = more.length === 0 && problems.length === 0 && s.set.length === 0
    if (empty && !fromChanged) {
      problems.push(
        `update ${s.table.name}: set() names no column; give at least one (to skip an update when nothing changed, use set(changed(before, after)))`
      )
    }
    return { ...q, statement: addProblems({ ...s, set: [...s.set, ...more], ...(empty && fromChanged ? { noop: true } : {}) }, problems) }
  }

/**
 * Asks for an update or delete of every row, on purpose (without it, no filter is refused).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { allRows, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const r = s.run(pipe(update(users), set({ visits: 0 }), allRows))
 * assert.ok(E.isRight(r) && r.right.changes === 2)
 * ```
 *
 * @category Writes
 */
export const allRows = <Q extends UpdateQuery<unknown, string> | DeleteQuery<unknown>>(q: Q): Q => ({
  ...q,
  statement: { ...q.statement, allRows: true }
})

const fieldsOf = (table: AnyTable): Field[] => tableInfo(table).ref.columns.map((c) => ({ key: c.key, expr: c }))

/**
 * RETURNING: the written rows, decoded like a select's (`returning()`: every column as
 * `Row<T>`; `returning({ id: users.id })`: those fields).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { eq, filter, returning, set, update, connect, createTable, insert, integer, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), email: text().notNull().unique(), name: text().notNull(), visits: integer().notNull().default(0) })
 * const s = session(connect(':memory:'))
 * s.run(createTable(users))
 * s.run(insert(users, [{ email: 'ann@x.io', name: 'Ann' }, { email: 'bob@x.io', name: 'Bob' }]))
 *
 *
 * const created = s.run(pipe(insert(users, { email: 'cleo@x.io', name: 'Cleo' }), returning()))
 * assert.deepEqual(created, E.right([{ id: 3, email: 'cleo@x.io', name: 'Cleo', visits: 0 }]))
 *
 * const renamed = s.run(pipe(update(users), set({ name: 'Bobby' }), filter(eq(users.id, 2)), returning({ id: users.id, name: users.name })))
 * assert.deepEqual(renamed, E.right([{ id: 2, name: 'Bobby' }]))
 * ```
 *
 * @category Writes
 */
export function returning(): <T>(q: WriteQuery<T>) => Query<Array<Row<T>>>
export function returning<S extends Readonly<Record<string, Expr<unknown>>>>(
  fields: S
): <T>(q: WriteQuery<T>) => Query<Array<{ [K in keyof Projected<S>]: Projected<S>[K] }>>
export function returning(fields?: Readonly<Record<string, Expr<unknown>>>) {
  return (q: WriteQuery<unknown>): Query<unknown> => {
    const target = q[Codecs]?.target
    const list: Field[] =
      fields !== undefined
        ? Object.entries(fields).map(([key, e]) => ({ key, expr: toNode(e) }))
        : target !== undefined
          ? fieldsOf(target)
          : q.statement.table.columns.map((c) => ({ key: c.key, expr: c }))
    return { ...q, mode: 'all', statement: { ...q.statement, returning: list } }
  }
}

/**
 * `UPDATE t SET ... FROM other WHERE ...` (SQLite 3.33+): the update's `set` and `filter`
 * may read `other`'s columns, matched to the rows updated by the filter.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, eq, filter, from, insert, integer, orderBy, select, session, set, sql, table, values, update } from 'fp-lite-orm'
 *
 * const stock = table('stock', { id: integer().primaryKey(), qty: integer().notNull() })
 * const moves = table('moves', { id: integer().primaryKey(), stockId: integer('stock_id').notNull(), delta: integer().notNull() })
 * const s = session(connect(':memory:'))
 * s.run(createTable(stock)); s.run(createTable(moves))
 * s.run(insert(stock, [{ qty: 10 }, { qty: 5 }]))
 * s.run(insert(moves, [{ stockId: 1, delta: -3 }]))
 * s.run(pipe(update(stock), set({ qty: sql<number>`${stock.qty} + ${moves.delta}` }), from(moves), filter(eq(moves.stockId, stock.id))))
 * assert.deepEqual(s.run(pipe(select(stock), orderBy(stock.id), values(stock.qty))), E.right([7, 5]))
 * ```
 *
 * @category Writes
 */
export const from =
  <O extends AnyTable>(other: O) =>
  <T, F extends string = never>(q: UpdateQuery<T, F>): UpdateQuery<T, F | NameOf<O>> => {
    const info = tableInfo(other)
    const s = q.statement
    const problems = info.problems.length > 0 ? info.problems : []
    return { ...q, statement: addProblems({ ...s, from: [...(s.from ?? []), info.ref] }, problems) }
  }
