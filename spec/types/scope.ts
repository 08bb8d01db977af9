/**
 * Scope in the types: a column of a table the query does not read is a type error (each
 * `@ts-expect-error` below fails the type check if the line compiles), while everything a
 * query may legitimately read compiles. The same rules are checked at run time by
 * spec/correctness.test.ts and spec/scope.test.ts; this file pins the types.
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  alias,
  all,
  asc,
  belongsTo,
  columns,
  count,
  countAll,
  deleteFrom,
  desc,
  eq,
  exists,
  filter,
  first,
  groupBy,
  gt,
  hasMany,
  having,
  inArray,
  integer,
  join,
  leftJoin,
  lower,
  max,
  not,
  notExists,
  or,
  orderBy,
  over,
  preload,
  rowNumber,
  scalar,
  select,
  set,
  sql,
  sum,
  table,
  text,
  union,
  update,
  value,
  values,
  where,
  withQuery
} from '../../src/index.js'
import type { AnyColumn, Query, Row, SelectQuery } from '../../src/index.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), bossId: integer('boss_id') })
const posts = table('posts', { id: integer().primaryKey(), authorId: integer('author_id').notNull(), title: text().notNull() })
const tags = table('tags', { id: integer().primaryKey(), postId: integer('post_id').notNull() })

export const checks: ReadonlyArray<Query<unknown>> = [
  // Columns of the selected table, and of joined tables, in every clause.
  pipe(select(users), filter(eq(users.id, 1)), orderBy(desc(users.name)), all),
  pipe(select(users), join(posts, eq(posts.authorId, users.id)), filter(gt(posts.id, 1)), orderBy(posts.title), all),
  pipe(select(users), leftJoin(posts, eq(posts.authorId, users.id)), columns({ n: users.name, t: posts.title }), all),
  pipe(select(posts), columns({ a: posts.authorId, n: countAll() }), groupBy(posts.authorId), having(gt(countAll(), 1)), all),
  pipe(select(users), values(lower(users.name))),
  pipe(select(users), value(max(users.id))),
  pipe(select(users), columns({ r: rowNumber({ partitionBy: [users.bossId], orderBy: [asc(users.id)] }) }), all),
  // A filter before the join that brings its table in.
  pipe(select(users), filter(eq(posts.id, 1)), join(posts, eq(posts.authorId, users.id)), all),
  // Correlated subqueries read the enclosing query's tables.
  pipe(
    select(users),
    columns({ id: users.id, n: scalar(pipe(select(posts), filter(eq(posts.authorId, users.id)), columns({ n: countAll() }))) }),
    all
  ),
  pipe(select(users), filter(exists(pipe(select(posts), filter(eq(posts.authorId, users.id))))), all),
  pipe(select(users), filter(notExists(pipe(select(posts), filter(eq(posts.authorId, users.id))))), all),
  // Two levels deep: the innermost reads the outermost.
  pipe(
    select(users),
    filter(exists(pipe(select(posts), filter(exists(pipe(select(tags), filter(eq(tags.postId, posts.id)), filter(eq(users.id, 1)))))))),
    count
  ),
  // Aliases: a self-join reads both names.
  pipe(select(users), join(alias(users, 'boss'), eq(alias(users, 'boss').id, users.bossId)), all),
  // A union is ordered by any member's column (it stands for the result column).
  pipe(select(users), columns({ n: users.name }), union(pipe(select(posts), columns({ n: posts.title }))), orderBy(posts.title), all),
  // sql templates are not checked (they may bring their own FROM), nor is where(sql).
  pipe(select(users), where(sql`${users.id} IN (SELECT ${posts.authorId} FROM posts)`), all),
  // Combinations keep their tables.
  pipe(select(users), filter(or(eq(users.id, 1), not(eq(users.name, 'x')), inArray(users.id, [1, 2]))), first),
  pipe(select(posts), columns({ s: over(sum(posts.id), { partitionBy: [posts.authorId] }) }), all),
  // Writes read their table.
  pipe(update(users), set({ name: 'x' }), filter(eq(users.id, 1)), orderBy(users.id)),
  pipe(deleteFrom(posts), filter(gt(posts.id, 1)))
]

// A query built step by step keeps its type when its filters read its own tables.
let built = select(users)
built = pipe(built, filter(eq(users.id, 1)))
built = pipe(built, orderBy(users.name))
export const step: SelectQuery<Row<typeof users>> = built

// Generic code over any column is not checked by the types (the compiler checks it at run time).
export const generic = (c: AnyColumn): Query<unknown[]> => pipe(select(users), filter(eq(c, 1)), all)

/** Where a runnable query is expected (session.run takes a Query the same way). */
const runnable = (q: Query<unknown>): Query<unknown> => q

// The misuses: each line is a type error.
export const refused = [
  // @ts-expect-error filter on a table the query does not read
  pipe(select(users), filter(eq(posts.id, 1)), all),
  // @ts-expect-error order by a table the query does not read
  pipe(select(users), orderBy(desc(posts.title)), all),
  // @ts-expect-error project a table the query does not read
  pipe(select(users), columns({ t: posts.title }), all),
  // @ts-expect-error group by a table the query does not read
  pipe(select(users), groupBy(posts.authorId), count),
  // @ts-expect-error having over a table the query does not read
  pipe(select(users), having(gt(posts.id, 1)), count),
  // @ts-expect-error value of a table the query does not read
  pipe(select(users), value(posts.title)),
  // @ts-expect-error values of a table the query does not read
  pipe(select(users), values(posts.title)),
  // @ts-expect-error a join's condition on a third table
  pipe(select(users), join(posts, eq(tags.postId, posts.id)), all),
  // @ts-expect-error a subquery's tables are not in the enclosing query's scope
  pipe(select(users), filter(inArray(users.id, pipe(select(posts), columns({ a: posts.authorId })))), orderBy(posts.id), all),
  // @ts-expect-error an uncorrelated reference inside a subquery must be in scope somewhere
  pipe(select(posts), filter(exists(pipe(select(tags), filter(eq(users.id, tags.postId))))), all),
  // @ts-expect-error an update reads only its table (the filtered value is not a query)
  runnable(pipe(update(users), set({ name: 'x' }), filter(eq(posts.id, 1)))),
  // @ts-expect-error a delete reads only its table
  runnable(pipe(deleteFrom(users), filter(eq(posts.id, 1)))),
  // @ts-expect-error an update ordered by another table
  runnable(pipe(update(users), set({ name: 'x' }), filter(eq(users.id, 1)), orderBy(posts.id))),
  // @ts-expect-error an alias is another name: the table's own name is not in scope
  pipe(select(alias(users, 'u')), filter(eq(users.id, 1)), all),
  // @ts-expect-error a window over a table the query does not read
  pipe(select(users), columns({ r: rowNumber({ orderBy: [posts.id] }) }), all),
  // @ts-expect-error a CTE's body must be complete
  withQuery('c', pipe(select(users), filter(eq(posts.id, 1)), columns({ id: users.id }))),
  // @ts-expect-error a relation's key belongs to the child table
  hasMany(users, posts, users.id),
  // @ts-expect-error a relation's key belongs to the child table
  belongsTo(posts, users, users.id),
  // @ts-expect-error a preload loads onto its parent's rows
  pipe(select(posts), preload('x', hasMany(users, posts, posts.authorId)), all)
]
