/**
 * `preload(name, relation, ...nested)`: loads related rows onto each row of a select,
 * with one extra query per relation (never one per row), and nested preloads on the
 * related rows in turn.
 *
 *   pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), all)
 */
import type * as t from 'io-ts'
import type { AnyRelation, Relation } from '../schema/relations.js'
import type { Row, Simplify } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { PreloadNode, SelectQuery } from './ast.js'
import { Codecs } from './ast.js'
import { tableCodecs } from './select.js'

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
export type Loaded<R, Nested> =
  R extends Relation<unknown, infer T, infer C>
    ? C extends 'many'
      ? Array<Simplify<Row<T> & Nested>>
      : Simplify<Row<T> & Nested> | null
    : never

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
export type ParentOf<R> = R extends Relation<infer S, unknown, 'many' | 'one'> ? S : unknown

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
export type TargetOf<R> = R extends Relation<unknown, infer T, 'many' | 'one'> ? T : unknown

/**
 * Loads `relation` into the field `name` of every row: `Row[]` for hasMany (`[]` when
 * none), `Row | null` for hasOne and belongsTo. `nested` preloads apply to the related
 * rows. Works on `select(table)` rows read with `all`, `first` or `one`.
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
export const preload = <N extends string, R extends AnyRelation, const P extends ReadonlyArray<Preload<string, unknown, TargetOf<R>>>>(
  name: N,
  relation: R,
  ...nested: P
): Preload<N, Loaded<R, NestedOf<P>>, ParentOf<R>> => {
  const node: PreloadNode = { _tag: 'Preload', name, relation: relation.node, nested: nested.map((p) => p.node) }
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
