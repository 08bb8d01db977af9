/**
 * `preload(name, relation, options?, ...nested)`: loads related rows onto each row of a
 * select, with one extra query per relation (never one per row), and nested preloads on
 * the related rows in turn. Options pick which related rows (`filter`), their order
 * (`orderBy`), how many per row (`limit`, in the same one statement: a window over the
 * foreign key) and which of their columns (`columns`).
 *
 *   pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), all)
 *   pipe(select(users), preload('latest', userPosts, { orderBy: desc(posts.id), limit: 5 }), all)
 */
import type * as t from 'io-ts'
import type { RefsOf } from '../schema/column.js'
import type { AnyRelation, Relation } from '../schema/relations.js'
import type { NameOf, Row, Simplify } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { Expr, ExprNode, InScope, OrderTerm, PreloadNode, SelectQuery } from './ast.js'
import { Codecs } from './ast.js'
import type { Condition } from './expr.js'
import { conditionNode, invalid } from './expr.js'
import { asc, isOrderTerm } from './select.js'
import { tableCodecs } from '../schema/codec.js'

/**
 * The intersection of the members of a union.
 *
 * @example
 * ```ts
 * import type { UnionToIntersection } from 'fp-lite-orm'
 *
 * export const both: UnionToIntersection<{ a: 1 } | { b: 2 }> = { a: 1, b: 2 }
 * ```
 *
 * @category Queries
 */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/**
 * What nested preloads add to each related row.
 *
 * @example
 * ```ts
 * import type { NestedOf } from 'fp-lite-orm'
 *
 * export type NoneNested = NestedOf<[]>
 * ```
 *
 * @category Queries
 */
export type NestedOf<P extends ReadonlyArray<unknown>> = P extends readonly []
  ? unknown
  : UnionToIntersection<{ [K in keyof P]: Added<P[K]> }[number]>

/**
 * The field one nested preload adds to each related row.
 *
 * @example
 * ```ts
 * import type { Added } from 'fp-lite-orm'
 *
 * export type Nothing = Added<unknown>   // not a preload: adds nothing
 * ```
 *
 * @category Queries
 */
export type Added<P> = P extends Preload<infer N, infer V, unknown> ? { [K in N]: V } : never

/**
 * What a relation loads: a list for hasMany, a row or null for hasOne and belongsTo.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { preload, one, eq, filter, connect, createTable, hasMany, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Loaded, Row } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const comments = table('comments', { id: integer().primaryKey(), postId: integer('post_id').notNull().references(() => posts.id), body: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * const postComments = hasMany(posts, comments, comments.postId)
 * const s = session(connect(':memory:'))
 * for (const t of [users, posts, comments]) s.run(createTable(t))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1, title: 'Hello' }]))
 * s.run(insert(comments, [{ postId: 1, body: 'Nice' }, { postId: 1, body: 'Thanks' }]))
 *
 *
 * type PostsLoaded = Loaded<typeof userPosts, { comments: Array<Row<typeof comments>> }>   // Array<Post & { comments: Comment[] }>
 * const ann = s.run(pipe(select(users), filter(eq(users.id, 1)), preload('posts', userPosts, preload('comments', postComments)), one))
 * const loaded: PostsLoaded = E.isRight(ann) ? ann.right.posts : []
 * assert.equal(loaded[0]!.comments.length, 2)
 * ```
 *
 * @category Queries
 */
export type Loaded<R, Nested, Options = unknown> =
  R extends Relation<unknown, infer T, infer C, unknown>
    ? C extends 'many'
      ? Array<Simplify<Picked<T, Options> & Nested>>
      : Simplify<Picked<T, Options> & Nested> | null
    : never

/**
 * The related row's fields: all its columns, or those named by the `columns` option.
 *
 * @example
 * ```ts
 * import type { Picked } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = Picked<never, never>
 * ```
 *
 * @category Queries
 */
export type Picked<T, Options> = Options extends { readonly columns: ReadonlyArray<infer K> } ? Pick<Row<T>, K & keyof Row<T>> : Row<T>

/**
 * Which related rows a preload loads, and how: only those meeting `filter`, in `orderBy`'s
 * order (then the target's primary key), at most `limit` per loaded row (many relations
 * only), with only the `columns` named (by schema key). Conditions and order terms may
 * read the related table (and a many-to-many relation's junction table) only.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, desc, gt, hasMany, insert, integer, orderBy, preload, select, session, table, text } from 'fp-lite-orm'
 * import type { PreloadOptions } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull(), likes: integer().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [1, 2, 3, 4].map((i) => ({ userId: 1 + (i % 2), title: `p${i}`, likes: i * 10 }))))
 *
 * const popular: PreloadOptions<'title'> = { filter: gt(posts.likes, 15), orderBy: desc(posts.likes), limit: 1, columns: ['title'] }
 * const rows = s.run(pipe(select(users), preload('top', userPosts, { filter: gt(posts.likes, 15), orderBy: desc(posts.likes), limit: 1, columns: ['title'] }), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((u) => [u.name, u.top]), [['Ann', [{ title: 'p4' }]], ['Bob', [{ title: 'p3' }]]])
 * void popular
 * ```
 *
 * @category Queries
 */
export interface PreloadOptions<K extends string = string> {
  readonly filter?: Condition
  readonly orderBy?: OrderTerm | Expr<unknown> | ReadonlyArray<OrderTerm | Expr<unknown>>
  readonly limit?: number
  readonly columns?: ReadonlyArray<K>
}

/** The options a relation's preload takes: no `limit` for a relation that loads one row. */
type OptionsFor<R> =
  R extends Relation<unknown, infer T, infer C, unknown>
    ? C extends 'many'
      ? PreloadOptions<keyof Row<T> & string>
      : Omit<PreloadOptions<keyof Row<T> & string>, 'limit'> & { readonly limit?: never }
    : never

/**
 * The tables a relation's preload options may read: its target, and a many-to-many's junction.
 *
 * @example
 * ```ts
 * import type { OptionScope } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = OptionScope<never>
 * ```
 *
 * @category Queries
 */
export type OptionScope<R> = R extends Relation<unknown, infer T, 'many' | 'one', infer V> ? NameOf<T> | NameOf<V> : never

/**
 * The tables an order term (or a list of them) reads.
 *
 * @example
 * ```ts
 * import type { TermRefs } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = TermRefs<never>
 * ```
 *
 * @category Queries
 */
export type TermRefs<X> = X extends ReadonlyArray<infer I> ? RefsOf<I> : RefsOf<X>

/**
 * The tables preload options read, for the scope check.
 *
 * @example
 * ```ts
 * import type { OptionRefs } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = OptionRefs<never>
 * ```
 *
 * @category Queries
 */
export type OptionRefs<O> =
  (O extends { readonly filter: infer F } ? RefsOf<F> : never) | (O extends { readonly orderBy: infer B } ? TermRefs<B> : never)

/**
 * A preload: a combinator on selects, which also carries its plain description (for nesting).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, preload, connect, createTable, hasMany, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { Preload, Row } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const comments = table('comments', { id: integer().primaryKey(), postId: integer('post_id').notNull().references(() => posts.id), body: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * const postComments = hasMany(posts, comments, comments.postId)
 * const s = session(connect(':memory:'))
 * for (const t of [users, posts, comments]) s.run(createTable(t))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1, title: 'Hello' }]))
 * s.run(insert(comments, [{ postId: 1, body: 'Nice' }, { postId: 1, body: 'Thanks' }]))
 *
 *
 * const withPosts: Preload<'posts', Array<Row<typeof posts>>> = preload('posts', userPosts)
 * const rows = s.run(pipe(select(users), withPosts, all))
 * assert.ok(E.isRight(rows) && rows.right[0]!.posts[0]!.title === 'Hello')
 * ```
 *
 * @category Queries
 */
export interface Preload<N extends string, V, Parent = unknown> {
  <A extends ParentRow<Parent>, Ts, S extends string, U extends string>(
    q: SelectQuery<A, Ts, S, U>
  ): SelectQuery<Simplify<A & { [K in N]: V }>, Ts, S, U>
  /** The table whose rows it loads onto (a phantom, for the types). */
  readonly [PreloadParent]?: Parent
  readonly node: PreloadNode
  /** json codecs of every table it loads, nested ones included. */
  readonly codecs: Readonly<Record<string, t.Mixed>>
}

/**
 * Any preload, whatever it loads.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { first, preload, connect, createTable, hasMany, insert, integer, select, session, table, text } from 'fp-lite-orm'
 * import type { AnyPreload } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const comments = table('comments', { id: integer().primaryKey(), postId: integer('post_id').notNull().references(() => posts.id), body: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * const postComments = hasMany(posts, comments, comments.postId)
 * const s = session(connect(':memory:'))
 * for (const t of [users, posts, comments]) s.run(createTable(t))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1, title: 'Hello' }]))
 * s.run(insert(comments, [{ postId: 1, body: 'Nice' }, { postId: 1, body: 'Thanks' }]))
 *
 *
 * // Preloads as a list, applied in turn.
 * const loads: ReadonlyArray<AnyPreload> = [preload('posts', userPosts)]
 * const q = loads.reduce((acc, p) => p(acc), select(users))
 * assert.ok(E.isRight(s.run(pipe(q, first))))
 * ```
 *
 * @category Queries
 */
export type AnyPreload = Preload<string, unknown, unknown>

declare const PreloadParent: unique symbol

/** The rows a preload may load onto: those of its relation's parent table (any row when the parent is not known to the types). */
type ParentRow<Parent> = unknown extends Parent ? unknown : Row<Parent>

/**
 * The table a relation loads onto (the parent of hasMany/hasOne, the child of belongsTo).
 *
 * @example
 * ```ts
 * import { hasMany, integer, table, text } from 'fp-lite-orm'
 * import type { ParentOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer().notNull(), title: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * export const parent: ParentOf<typeof userPosts> = users
 * ```
 *
 * @category Queries
 */
export type ParentOf<R> = R extends Relation<infer S, unknown, 'many' | 'one', unknown> ? S : unknown

/**
 * The table a relation loads (whose rows nested preloads load onto).
 *
 * @example
 * ```ts
 * import { hasMany, integer, table, text } from 'fp-lite-orm'
 * import type { TargetOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer().notNull(), title: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * export const target: TargetOf<typeof userPosts> = posts
 * ```
 *
 * @category Queries
 */
export type TargetOf<R> = R extends Relation<unknown, infer T, 'many' | 'one', unknown> ? T : unknown

/**
 * Loads `relation` into the field `name` of every row: `Row[]` for hasMany and
 * manyToMany (`[]` when none), `Row | null` for hasOne and belongsTo. `options`
 * (`PreloadOptions`: filter, orderBy, limit per row, columns) choose the related rows;
 * `nested` preloads apply to the related rows. Works on `select(table)` rows read with
 * `all`, `first` or `one`.
 *
 * @param name - the field of each row that receives the related rows (a string literal: it becomes a key of the row type).
 * @param relation - a relation from `hasMany`, `hasOne`, `belongsTo` or `manyToMany` whose source is the query's table.
 * @param nested - preloads of the related rows' own relations, loaded the same way.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, orderBy, preload, connect, createTable, hasMany, insert, integer, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const comments = table('comments', { id: integer().primaryKey(), postId: integer('post_id').notNull().references(() => posts.id), body: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 * const postComments = hasMany(posts, comments, comments.postId)
 * const s = session(connect(':memory:'))
 * for (const t of [users, posts, comments]) s.run(createTable(t))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1, title: 'Hello' }]))
 * s.run(insert(comments, [{ postId: 1, body: 'Nice' }, { postId: 1, body: 'Thanks' }]))
 *
 *
 * const rows = s.run(pipe(select(users), preload('posts', userPosts, preload('comments', postComments)), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((u) => [u.name, u.posts.map((p) => p.comments.length)]), [['Ann', [2]], ['Bob', []]])
 * ```
 *
 * @category Queries
 */
export function preload<N extends string, R extends AnyRelation, const P extends ReadonlyArray<Preload<string, unknown, TargetOf<R>>>>(
  name: N,
  relation: R,
  ...nested: P
): Preload<N, Loaded<R, NestedOf<P>>, ParentOf<R>>
/**
 * With `options`: which related rows, in what order, how many per row, which columns.
 *
 * @param name - the field of each row that receives the related rows, as above.
 * @param relation - the relation, as above.
 * @param options - `PreloadOptions`: `filter`, `orderBy`, `limit` (per parent row), `columns`; each on the related table only.
 * @param nested - preloads of the related rows' own relations.
 */
export function preload<
  N extends string,
  R extends AnyRelation,
  const O extends OptionsFor<R>,
  const P extends ReadonlyArray<Preload<string, unknown, TargetOf<R>>>
>(
  name: N,
  relation: R,
  options: O & InScope<OptionScope<R>, OptionRefs<O>>,
  ...nested: P
): Preload<N, Loaded<R, NestedOf<P>, O>, ParentOf<R>>
export function preload(name: string, relation: AnyRelation, ...rest: ReadonlyArray<unknown>): AnyPreload {
  const [first, ...others] = rest
  const options = first === undefined || typeof first === 'function' ? undefined : first
  const args = (options === undefined ? rest : others) as ReadonlyArray<AnyPreload>
  const nested = args.filter((p) => typeof p === 'function' && p.node !== undefined)
  const given = options === undefined ? {} : optionsNode(name, options)
  const strays: ExprNode[] =
    nested.length === args.length ? [] : [invalid(`preload ${name}: after the options, every argument must be a nested preload(...)`)]
  const where = [...(given.where ?? []), ...strays]
  const node: PreloadNode = {
    _tag: 'Preload',
    name,
    relation: relation.node,
    nested: nested.map((p) => p.node),
    ...given,
    ...(where.length > 0 ? { where } : {})
  }
  const codecs = Object.assign({}, tableCodecs(tableInfo(relation.target).columns), ...nested.map((p) => p.codecs)) as Record<
    string,
    t.Mixed
  >
  const apply = <A, Ts>(q: SelectQuery<A, Ts>) => {
    const withNode = { ...q, preload: [...(q.preload ?? []), node] }
    return (
      Object.keys(codecs).length === 0
        ? withNode
        : { ...withNode, [Codecs]: { ...q[Codecs], columns: { ...q[Codecs]?.columns, ...codecs } } }
    ) as never
  }
  return Object.assign(apply, { node, codecs })
}

/** The plain part of the options: conditions and terms as nodes, checked where they can be now. */
const optionsNode = (name: string, options: unknown): Partial<PreloadNode> => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { where: [invalid(`preload ${name}: options must be an object { filter?, orderBy?, limit?, columns? }`)] }
  }
  const o = options as Record<string, unknown>
  const unknownKeys = Object.keys(o).filter((k) => !['filter', 'orderBy', 'limit', 'columns'].includes(k))
  const where: ExprNode[] = []
  if (unknownKeys.length > 0) {
    where.push(invalid(`preload ${name}: unknown option ${unknownKeys.join(', ')} (options are filter, orderBy, limit and columns)`))
  }
  if (Object.hasOwn(o, 'filter') && o.filter !== undefined) where.push(conditionNode(`preload ${name}'s filter`, o.filter))
  const terms = o.orderBy === undefined ? [] : Array.isArray(o.orderBy) ? (o.orderBy as unknown[]) : [o.orderBy]
  const orderBy = terms.map((x) => (isOrderTerm(x) ? x : asc(x as Expr<unknown>)))
  return {
    ...(where.length > 0 ? { where } : {}),
    ...(orderBy.length > 0 ? { orderBy } : {}),
    ...(o.limit === undefined ? {} : { limit: o.limit as number }),
    ...(o.columns === undefined ? {} : { columns: o.columns as ReadonlyArray<string> })
  }
}
