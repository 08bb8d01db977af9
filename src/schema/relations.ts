/**
 * Relations between tables, as plain data: which column of the loaded rows matches
 * which column of the related table. `preload` (src/query/preload.ts) loads them.
 *
 *   const userPosts  = hasMany(users, posts, posts.userId)    // users -> Post[]
 *   const userProfile = hasOne(users, profiles, profiles.userId) // users -> Profile | null
 *   const postAuthor = belongsTo(posts, users, posts.userId)  // posts -> User | null
 */
import type { AnyColumn, ColumnRef } from './column.js'
import { ColumnInfo } from './column.js'
import type { AnyTable, ColumnsOf, TableRef } from './table.js'
import { tableInfo } from './table.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Which side of a foreign key a relation loads: many children, one child, or the parent.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { belongsTo, hasMany, integer, table } from 'fp-lite-orm'
 * import type { RelationKind } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id) })
 * const kinds: RelationKind[] = [hasMany(users, posts, posts.userId).node.kind, belongsTo(posts, users, posts.userId).node.kind]
 * assert.deepEqual(kinds, ['hasMany', 'belongsTo'])
 * ```
 *
 * @category Schema
 */
export type RelationKind = 'hasMany' | 'hasOne' | 'belongsTo' | 'manyToMany'

/**
 * The plain part of a relation: rows of `target` whose `targetKey` equals the loaded
 * row's `sourceKey` (through a junction table's row for manyToMany).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { hasMany, integer, table } from 'fp-lite-orm'
 * import type { RelationNode } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id) })
 * const node: RelationNode = hasMany(users, posts, posts.userId).node
 * assert.deepEqual([node.kind, node.source, node.sourceKey.name, node.targetKey.name], ['hasMany', 'users', 'id', 'user_id'])
 * ```
 *
 * @category Schema
 */
export interface RelationNode {
  readonly _tag: 'Relation'
  readonly kind: RelationKind
  /** The SQL name of the table whose rows the relation loads onto (the parent of hasMany/hasOne, the child of belongsTo). */
  readonly source?: string
  readonly target: TableRef
  /** The column of the loaded rows whose value is looked up. */
  readonly sourceKey: ColumnRef
  /** The column of the target table it must equal. */
  readonly targetKey: ColumnRef
  /** The target's primary key columns, to order related rows deterministically. */
  readonly targetOrder: ReadonlyArray<ColumnRef>
  /** Definition mistakes (a key on the wrong table), reported when a preload compiles. */
  readonly problems?: ReadonlyArray<string>
  /** manyToMany: the junction table, and its columns matching `sourceKey` (`from`) and `targetKey` (`to`). */
  readonly through?: RelationThrough
}

/**
 * The junction table of a many-to-many relation: a row per (source, target) pair.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { integer, manyToMany, table } from 'fp-lite-orm'
 * import type { RelationThrough } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const groups = table('groups', { id: integer().primaryKey() })
 * const members = table('members', { userId: integer('user_id').notNull(), groupId: integer('group_id').notNull() })
 * const via: RelationThrough | undefined = manyToMany(users, groups, { through: members, from: members.userId, to: members.groupId }).node.through
 * assert.deepEqual([via?.table.name, via?.from.name, via?.to.name], ['members', 'user_id', 'group_id'])
 * ```
 *
 * @category Schema
 */
export interface RelationThrough {
  readonly table: TableRef
  /** Its column that equals the loaded row's `sourceKey`. */
  readonly from: ColumnRef
  /** Its column that equals the target's `targetKey`. */
  readonly to: ColumnRef
}

declare const RelationTypes: unique symbol

/**
 * A relation from `Source` rows to `Target` rows: a list (`many`) or one row or null (`one`).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { hasMany, integer, table, text } from 'fp-lite-orm'
 * import type { Relation } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id) })
 * const userPosts: Relation<typeof users, typeof posts, 'many'> = hasMany(users, posts, posts.userId)
 * assert.equal(userPosts.node.targetKey.name, 'user_id')
 * assert.deepEqual(JSON.parse(JSON.stringify(userPosts.node)), userPosts.node)   // plain data
 * ```
 *
 * @category Schema
 */
export interface Relation<Source, Target, Card extends 'many' | 'one', Via = never> {
  readonly _tag: 'Relation'
  readonly node: RelationNode
  /** The related table's schema object (its json codecs decode the related rows). */
  readonly target: AnyTable
  readonly [RelationTypes]?: { readonly source: Source; readonly target: Target; readonly card: Card; readonly via: Via }
}

/**
 * Any relation, whatever its tables: for code that handles relations generically.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { belongsTo, hasMany, integer, table } from 'fp-lite-orm'
 * import type { AnyRelation } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id) })
 * const relations: AnyRelation[] = [hasMany(users, posts, posts.userId), belongsTo(posts, users, posts.userId)]
 * assert.deepEqual(relations.map((r) => r.node.target.name), ['posts', 'users'])
 * ```
 *
 * @category Schema
 */
export type AnyRelation = Relation<unknown, unknown, 'many' | 'one', unknown>

/**
 * A column of table `T`: a relation's foreign key must be one (its type carries its table's
 * name, so a column of another table is a type error). A table whose columns the types
 * cannot see (`AnyTable`) takes any column, checked at run time.
 *
 * @example
 * ```ts
 * import { hasMany, integer, table } from 'fp-lite-orm'
 * import type { ColumnOf } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull() })
 * const fk: ColumnOf<typeof posts> = posts.userId
 * // @ts-expect-error users.id is not a column of posts
 * const wrong: ColumnOf<typeof posts> = users.id
 * hasMany(users, posts, fk)
 * ```
 *
 * @category Schema
 */
export type ColumnOf<T> = [keyof ColumnsOf<T>] extends [never] ? AnyColumn : ColumnsOf<T>[keyof ColumnsOf<T>] & AnyColumn

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/** The parent column a foreign key points at: its `references` target, else the parent's single primary key. */
const referenced = (fk: AnyColumn, parent: AnyTable, problems: string[]): ColumnRef => {
  const info = tableInfo(parent)
  const ref = fk[ColumnInfo].references
  if (ref !== undefined) {
    try {
      const target = ref.target()
      if (target[ColumnInfo].sourceTable === info.name) {
        const own = info.columns.find((c) => c.name === target.name)
        if (own !== undefined) return own[ColumnInfo].ref
      }
    } catch {
      // an unresolved reference: fall back to the primary key
    }
  }
  const pk = info.primaryKey
  const only = pk.length === 1 ? info.columns.find((c) => c.key === pk[0]) : undefined
  if (only === undefined) {
    problems.push(
      `${info.name} has no single-column primary key for ${fk[ColumnInfo].sourceTable}.${fk.key} to refer to; declare references(() => ...)`
    )
    return fk[ColumnInfo].ref
  }
  return only[ColumnInfo].ref
}

const belongs = (c: AnyColumn, t: AnyTable, what: string, problems: string[]): void => {
  const info = tableInfo(t)
  if (c[ColumnInfo].sourceTable !== info.name || !info.columns.some((x) => x.name === c.name)) {
    problems.push(`${what} must be a column of ${info.name}, got ${c[ColumnInfo].sourceTable}.${c.key}`)
  }
}

const orderOf = (t: AnyTable): ColumnRef[] => {
  const info = tableInfo(t)
  return info.primaryKey.flatMap((k) => info.columns.filter((c) => c.key === k).map((c) => c[ColumnInfo].ref))
}

const relation = <S, T, C extends 'many' | 'one', V = never>(
  kind: RelationKind,
  source: AnyTable,
  target: AnyTable,
  sourceKey: ColumnRef,
  targetKey: ColumnRef,
  problems: string[],
  through?: RelationThrough
): Relation<S, T, C, V> =>
  Object.freeze({
    _tag: 'Relation' as const,
    target,
    node: Object.freeze({
      _tag: 'Relation' as const,
      kind,
      source: tableInfo(source).name,
      target: tableInfo(target).ref,
      sourceKey,
      targetKey,
      targetOrder: orderOf(target),
      ...(problems.length > 0 ? { problems } : {}),
      ...(through === undefined ? {} : { through: Object.freeze(through) })
    })
  })

/**
 * One parent row to many child rows, through the child's foreign key: loads `Row<Child>[]` (`[]` when none).
 *
 * @param parent - the table whose rows get the list (`users`).
 * @param child - the table of the related rows (`posts`).
 * @param fk - the child's column that holds the parent's primary key (`posts.authorId`); a column of another table is a
 *   Left `ValidationError` when preloaded.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, hasMany, insert, integer, orderBy, preload, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const userPosts = hasMany(users, posts, posts.userId)
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(posts, [{ userId: 1, title: 'a' }, { userId: 1, title: 'b' }]))
 *
 * const rows = s.run(pipe(select(users), preload('posts', userPosts), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((u) => [u.name, u.posts.map((p) => p.title)]), [['Ann', ['a', 'b']], ['Bob', []]])
 * ```
 *
 * @category Schema
 */
export const hasMany = <P extends AnyTable, C extends AnyTable>(parent: P, child: C, fk: ColumnOf<C>): Relation<P, C, 'many'> => {
  const problems: string[] = []
  belongs(fk, child, "hasMany's foreign key", problems)
  return relation('hasMany', parent, child, referenced(fk, parent, problems), fk[ColumnInfo].ref, problems)
}

/**
 * One parent row to at most one child row, through the child's foreign key: loads `Row<Child> | null`.
 *
 * @param parent - the table whose rows get the related row (`users`).
 * @param child - the table of the related row (`profiles`).
 * @param fk - the child's column that holds the parent's primary key, usually unique (`profiles.userId`); a column of
 *   another table is a Left `ValidationError` when preloaded.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, hasOne, insert, integer, orderBy, preload, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const profiles = table('profiles', { id: integer().primaryKey(), userId: integer('user_id').notNull().unique().references(() => users.id), bio: text() })
 * const userProfile = hasOne(users, profiles, profiles.userId)
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(profiles))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(profiles, { userId: 2, bio: 'hi' }))
 *
 * const rows = s.run(pipe(select(users), preload('profile', userProfile), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((u) => u.profile?.bio ?? null), [null, 'hi'])
 * ```
 *
 * @category Schema
 */
export const hasOne = <P extends AnyTable, C extends AnyTable>(parent: P, child: C, fk: ColumnOf<C>): Relation<P, C, 'one'> => {
  const problems: string[] = []
  belongs(fk, child, "hasOne's foreign key", problems)
  return relation('hasOne', parent, child, referenced(fk, parent, problems), fk[ColumnInfo].ref, problems)
}

/**
 * A child row to its parent row, through the child's foreign key: loads `Row<Parent> | null`.
 *
 * @param child - the table holding the foreign key (`posts`).
 * @param parent - the table it refers to (`users`).
 * @param fk - the child's column that holds the parent's primary key (`posts.authorId`); a column of another table is a
 *   Left `ValidationError` when preloaded.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { belongsTo, connect, createTable, first, insert, integer, preload, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull().references(() => users.id), title: text().notNull() })
 * const postAuthor = belongsTo(posts, users, posts.userId)
 *
 * const s = session(connect(':memory:'))
 * s.run(createTable(users)); s.run(createTable(posts))
 * s.run(insert(users, { name: 'Ann' }))
 * s.run(insert(posts, { userId: 1, title: 'Hello' }))
 *
 * const post = s.run(pipe(select(posts), preload('author', postAuthor), first))
 * assert.ok(E.isRight(post) && post.right._tag === 'Some' && post.right.value.author?.name === 'Ann')
 * ```
 *
 * @category Schema
 */
export const belongsTo = <C extends AnyTable, P extends AnyTable>(child: C, parent: P, fk: ColumnOf<C>): Relation<C, P, 'one'> => {
  const problems: string[] = []
  belongs(fk, child, "belongsTo's foreign key", problems)
  return relation('belongsTo', child, parent, fk[ColumnInfo].ref, referenced(fk, parent, problems), problems)
}

/**
 * Rows of `source` to rows of `target` through a junction table (`through`), whose column
 * `from` refers to the source and `to` to the target: loads `Row<Target>[]` (`[]` when
 * none), in one statement that joins the junction, like `hasMany`. `from` and `to` match
 * the columns their `references` name, else each table's single primary key. A preload of
 * it may filter and order by the junction's columns too.
 *
 * @param source - the table whose rows get the list (`posts`).
 * @param target - the table of the related rows (`tags`).
 * @param options - `through`: the junction table; `from`: its column referring to the source; `to`: its column referring to
 *   the target. Columns of other tables are a Left `ValidationError` when preloaded.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { all, connect, createTable, insert, integer, manyToMany, orderBy, preload, select, session, table, text } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const groups = table('groups', { id: integer().primaryKey(), title: text().notNull() })
 * const members = table('members', {
 *   userId: integer('user_id').notNull().references(() => users.id),
 *   groupId: integer('group_id').notNull().references(() => groups.id)
 * }, { primaryKey: ['userId', 'groupId'] })
 * const userGroups = manyToMany(users, groups, { through: members, from: members.userId, to: members.groupId })
 *
 * const s = session(connect(':memory:'))
 * for (const t of [users, groups, members]) s.run(createTable(t))
 * s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }]))
 * s.run(insert(groups, [{ title: 'admins' }, { title: 'staff' }]))
 * s.run(insert(members, [{ userId: 1, groupId: 1 }, { userId: 1, groupId: 2 }, { userId: 2, groupId: 2 }]))
 *
 * const rows = s.run(pipe(select(users), preload('groups', userGroups), orderBy(users.id), all))
 * assert.ok(E.isRight(rows))
 * assert.deepEqual(rows.right.map((u) => [u.name, u.groups.map((g) => g.title)]), [['Ann', ['admins', 'staff']], ['Bob', ['staff']]])
 * ```
 *
 * @category Schema
 */
export const manyToMany = <S extends AnyTable, T extends AnyTable, J extends AnyTable>(
  source: S,
  target: T,
  options: { readonly through: J; readonly from: ColumnOf<J>; readonly to: ColumnOf<J> }
): Relation<S, T, 'many', J> => {
  const problems: string[] = []
  const { through, from, to } = options
  belongs(from, through, "manyToMany's from", problems)
  belongs(to, through, "manyToMany's to", problems)
  const via = tableInfo(through)
  if (via.name === tableInfo(target).name || via.name === tableInfo(source).name) {
    problems.push(`manyToMany's junction table must be a third table, got ${via.name}`)
  }
  return relation('manyToMany', source, target, referenced(from, source, problems), referenced(to, target, problems), problems, {
    table: via.ref,
    from: from[ColumnInfo].ref,
    to: to[ColumnInfo].ref
  })
}
