/**
 * Joins, grouping, subqueries, CTEs, set operations and window functions: inner, left,
 * right and full joins with rows nested by table name or alias (null for the missing
 * side), self-joins through alias, flat projections, group by / having, EXISTS / IN /
 * scalar subqueries (correlated too), WITH and WITH RECURSIVE, UNION / INTERSECT /
 * EXCEPT, row_number / rank / dense_rank / aggregates over windows, decode on joined
 * and projected rows, and the types of all of these.
 */
import test from 'ava'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as iot from 'io-ts'
import type { Row, Session } from '../src/index.js'
import {
  alias,
  all,
  asc,
  avg,
  columns,
  count,
  countAll,
  createTable,
  decode,
  denseRank,
  desc,
  eq,
  except,
  exists,
  filter,
  fullJoin,
  groupBy,
  gt,
  gte,
  having,
  inArray,
  innerJoin,
  insert,
  integer,
  intersect,
  isNotNull,
  join,
  leftJoin,
  limit,
  lt,
  max,
  notExists,
  notInArray,
  offset,
  one,
  orderBy,
  over,
  rank,
  rightJoin,
  rowNumber,
  scalar,
  select,
  session,
  sql,
  sum,
  table,
  text,
  toSQL,
  union,
  unionAll,
  upper,
  values,
  withQuery,
  withRecursive
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

/** True when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  city: text()
})

const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id),
  title: text().notNull(),
  likes: integer().notNull()
})

/** Tags may belong to no user (userId null): the missing side of a full join. */
const tags = table('tags', {
  id: integer().primaryKey(),
  label: text().notNull(),
  userId: integer().references(() => users.id)
})

const employees = table('employees', {
  id: integer().primaryKey(),
  name: text().notNull(),
  bossId: integer('boss_id'),
  dept: text().notNull(),
  salary: integer().notNull()
})

const boss = alias(employees, 'boss')

const USERS = [
  { id: 1, name: 'Ann', city: 'Paris' },
  { id: 2, name: 'Bob', city: 'Rome' },
  { id: 3, name: 'Cleo', city: null },
  { id: 4, name: 'Dan', city: 'Paris' }
]

// Ann has 3 posts, Bob 1, Cleo 1, Dan none.
const POSTS = [
  { id: 1, userId: 1, title: 'Hello', likes: 5 },
  { id: 2, userId: 1, title: 'Again', likes: 3 },
  { id: 3, userId: 2, title: 'Roma', likes: 10 },
  { id: 4, userId: 3, title: 'Hi', likes: 0 },
  { id: 5, userId: 1, title: 'Third', likes: 7 }
]

// Bob and Dan have tags, tag 3 belongs to nobody.
const TAGS = [
  { id: 1, label: 'admin', userId: 2 },
  { id: 2, label: 'vip', userId: 4 },
  { id: 3, label: 'orphan', userId: null }
]

// A 5-level hierarchy: Ada -> Ben -> Dee -> Eli -> Fay, and Ada -> Cy -> Gus.
const EMPLOYEES = [
  { id: 1, name: 'Ada', bossId: null, dept: 'exec', salary: 300 },
  { id: 2, name: 'Ben', bossId: 1, dept: 'eng', salary: 200 },
  { id: 3, name: 'Cy', bossId: 1, dept: 'ops', salary: 200 },
  { id: 4, name: 'Dee', bossId: 2, dept: 'eng', salary: 150 },
  { id: 5, name: 'Eli', bossId: 4, dept: 'eng', salary: 150 },
  { id: 6, name: 'Fay', bossId: 5, dept: 'eng', salary: 100 },
  { id: 7, name: 'Gus', bossId: 3, dept: 'ops', salary: 120 }
]

const setup = (): Session => {
  const ses = session(tempDb())
  for (const t of [users, posts, tags, employees]) unwrap(ses.run(createTable(t)))
  unwrap(ses.run(insert(users, USERS)))
  unwrap(ses.run(insert(posts, POSTS)))
  unwrap(ses.run(insert(tags, TAGS)))
  unwrap(ses.run(insert(employees, EMPLOYEES)))
  return ses
}

// Every test here reads only: one database file is shared.
const s = setup()

const user = (id: number) => USERS.find((u) => u.id === id)!
const post = (id: number) => POSTS.find((p) => p.id === id)!
const tag = (id: number) => TAGS.find((x) => x.id === id)!
const emp = (id: number) => EMPLOYEES.find((e) => e.id === id)!

// -------------------------------------------------------------------------------------
// joins: nested rows
// -------------------------------------------------------------------------------------

test('join nests rows by table name, in the order the tables enter the query', (t) => {
  const q = pipe(select(posts), join(users, eq(posts.userId, users.id)), orderBy(posts.id), all)
  const rows: Array<{ posts: Row<typeof posts>; users: Row<typeof users> }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { posts: post(1), users: user(1) },
    { posts: post(2), users: user(1) },
    { posts: post(3), users: user(2) },
    { posts: post(4), users: user(3) },
    { posts: post(5), users: user(1) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['posts', 'users'])
  // the other way round, the other order
  const back = unwrap(s.run(pipe(select(users), join(posts, eq(posts.userId, users.id)), filter(eq(posts.id, 3)), all)))
  t.deepEqual(back, [{ users: user(2), posts: post(3) }])
  t.deepEqual(Object.keys(back[0]!), ['users', 'posts'])
  // a column whose SQL name differs from its key comes back under its key
  t.deepEqual(Object.keys(rows[0]!.posts), ['id', 'userId', 'title', 'likes'])
})

test('innerJoin is join: only matching pairs', (t) => {
  const q = pipe(select(users), innerJoin(posts, eq(posts.userId, users.id)), filter(gte(posts.likes, 5)), orderBy(desc(posts.likes)), all)
  t.deepEqual(unwrap(s.run(q)), [
    { users: user(2), posts: post(3) },
    { users: user(1), posts: post(5) },
    { users: user(1), posts: post(1) }
  ])
  // Dan has no post: an inner join drops him
  t.deepEqual(unwrap(s.run(pipe(select(users), join(posts, eq(posts.userId, users.id)), filter(eq(users.id, 4)), all))), [])
  t.regex(unwrap(toSQL(q)).sql, / FROM "users" JOIN "posts" ON "posts"."user_id" = "users"."id" /)
})

test('leftJoin: the joined table is null where nothing matched', (t) => {
  const q = pipe(select(users), leftJoin(tags, eq(tags.userId, users.id)), orderBy(users.id), all)
  const rows: Array<{ users: Row<typeof users>; tags: Row<typeof tags> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { users: user(1), tags: null },
    { users: user(2), tags: tag(1) },
    { users: user(3), tags: null },
    { users: user(4), tags: tag(2) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['users', 'tags'])
  // @ts-expect-error a left-joined side may be null
  const label: string = rows[1]!.tags.label
  t.is(label, 'admin')
})

test('rightJoin: the earlier tables are null where nothing matched', (t) => {
  const q = pipe(select(tags), rightJoin(users, eq(tags.userId, users.id)), orderBy(users.id), all)
  const rows: Array<{ tags: Row<typeof tags> | null; users: Row<typeof users> }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { tags: null, users: user(1) },
    { tags: tag(1), users: user(2) },
    { tags: null, users: user(3) },
    { tags: tag(2), users: user(4) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['tags', 'users'])
  // the right side is always there
  const names: string[] = rows.map((r) => r.users.name)
  t.deepEqual(names, ['Ann', 'Bob', 'Cleo', 'Dan'])
  // @ts-expect-error the earlier side of a right join may be null
  const label: string = rows[1]!.tags.label
  t.is(label, 'admin')
})

test('rightJoin after a join: every earlier table is null for an unmatched row', (t) => {
  const q = pipe(select(posts), join(users, eq(posts.userId, users.id)), rightJoin(tags, eq(tags.userId, users.id)), orderBy(tags.id), all)
  const rows: Array<{ posts: Row<typeof posts> | null; users: Row<typeof users> | null; tags: Row<typeof tags> }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { posts: post(3), users: user(2), tags: tag(1) },
    { posts: null, users: null, tags: tag(2) },
    { posts: null, users: null, tags: tag(3) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['posts', 'users', 'tags'])
})

test('fullJoin: either side may be null', (t) => {
  const q = pipe(select(users), fullJoin(tags, eq(tags.userId, users.id)), orderBy(asc(users.id, { nulls: 'last' }), tags.id), all)
  const rows: Array<{ users: Row<typeof users> | null; tags: Row<typeof tags> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { users: user(1), tags: null },
    { users: user(2), tags: tag(1) },
    { users: user(3), tags: null },
    { users: user(4), tags: tag(2) },
    { users: null, tags: tag(3) }
  ])
  t.deepEqual(Object.keys(rows[4]!), ['users', 'tags'])
  // @ts-expect-error the first table of a full join may be null
  const name: string = rows[0]!.users.name
  t.is(name, 'Ann')
})

test('three tables: rows nest in the order the tables enter, outer sides null', (t) => {
  const q = pipe(
    select(users),
    join(posts, eq(posts.userId, users.id)),
    leftJoin(tags, eq(tags.userId, users.id)),
    filter(lt(posts.id, 4)),
    orderBy(posts.id),
    all
  )
  const rows: Array<{ users: Row<typeof users>; posts: Row<typeof posts>; tags: Row<typeof tags> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { users: user(1), posts: post(1), tags: null },
    { users: user(1), posts: post(2), tags: null },
    { users: user(2), posts: post(3), tags: tag(1) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['users', 'posts', 'tags'])
})

// -------------------------------------------------------------------------------------
// self-joins through alias
// -------------------------------------------------------------------------------------

test('self-join through alias: each employee with their boss (null for the top)', (t) => {
  const q = pipe(select(employees), leftJoin(boss, eq(employees.bossId, boss.id)), orderBy(employees.id), all)
  const rows: Array<{ employees: Row<typeof employees>; boss: Row<typeof employees> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { employees: emp(1), boss: null },
    { employees: emp(2), boss: emp(1) },
    { employees: emp(3), boss: emp(1) },
    { employees: emp(4), boss: emp(2) },
    { employees: emp(5), boss: emp(4) },
    { employees: emp(6), boss: emp(5) },
    { employees: emp(7), boss: emp(3) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['employees', 'boss'])
  // @ts-expect-error boss is nullable: it needs a check before use
  const bossName: string = rows[1]!.boss.name
  t.is(bossName, 'Ada')
  const checked = rows.map((r) => (r.boss === null ? null : r.boss.name))
  t.deepEqual(checked, [null, 'Ada', 'Ada', 'Ben', 'Dee', 'Eli', 'Cy'])
  t.is(
    unwrap(toSQL(q)).sql,
    'SELECT "employees"."id", "employees"."name", "employees"."boss_id", "employees"."dept", "employees"."salary", ' +
      '"boss"."id", "boss"."name", "boss"."boss_id", "boss"."dept", "boss"."salary" ' +
      'FROM "employees" LEFT JOIN "employees" AS "boss" ON "employees"."boss_id" = "boss"."id" ORDER BY "employees"."id" ASC'
  )
})

test('two aliases of one table: employee, boss and boss of boss', (t) => {
  const grand = alias(employees, 'grand')
  const q = pipe(
    select(employees),
    join(boss, eq(employees.bossId, boss.id)),
    join(grand, eq(boss.bossId, grand.id)),
    orderBy(employees.id),
    columns({ name: employees.name, boss: boss.name, grand: grand.name }),
    all
  )
  const rows: Array<{ name: string; boss: string; grand: string }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { name: 'Dee', boss: 'Ben', grand: 'Ada' },
    { name: 'Eli', boss: 'Dee', grand: 'Ben' },
    { name: 'Fay', boss: 'Eli', grand: 'Dee' },
    { name: 'Gus', boss: 'Cy', grand: 'Ada' }
  ])
})

test('an alias may come first, and the table itself join it', (t) => {
  const q = pipe(select(boss), join(employees, eq(employees.bossId, boss.id)), filter(eq(boss.id, 1)), orderBy(employees.id), all)
  const rows: Array<{ boss: Row<typeof employees>; employees: Row<typeof employees> }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { boss: emp(1), employees: emp(2) },
    { boss: emp(1), employees: emp(3) }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['boss', 'employees'])
})

test('joining the same table twice without alias is a Left ValidationError naming alias', (t) => {
  const q = pipe(select(employees), join(employees, eq(employees.bossId, employees.id)), all)
  const err = unwrapLeft(s.run(q))
  t.is(err._tag, 'ValidationError')
  t.regex(err.message, /employees/)
  t.regex(err.message, /alias\(/)
  t.is(unwrapLeft(toSQL(q))._tag, 'ValidationError')
  // the table itself then an alias of it is fine
  t.true(E.isRight(s.run(pipe(select(employees), join(boss, eq(employees.bossId, boss.id)), all))))
  // two aliases under one name are the same mistake
  const q2 = pipe(select(boss), leftJoin(boss, eq(boss.bossId, boss.id)), all)
  t.is(unwrapLeft(s.run(q2))._tag, 'ValidationError')
})

test('joining the same table twice without alias is a ValidationError with columns(), count and exists too', (t) => {
  const base = pipe(select(employees), join(employees, eq(employees.bossId, employees.id)))
  for (const q of [pipe(base, columns({ name: employees.name }), all), pipe(base, count), pipe(base, exists)]) {
    const err = unwrapLeft(s.run(q as never))
    t.is(err._tag, 'ValidationError', `got ${err._tag}: ${err.message}`)
    t.regex(err.message, /alias\(/)
  }
})

// -------------------------------------------------------------------------------------
// columns on joins
// -------------------------------------------------------------------------------------

test('columns({...}) on a join gives a flat typed row', (t) => {
  const q = pipe(
    select(posts),
    join(users, eq(posts.userId, users.id)),
    columns({ title: posts.title, author: users.name, city: users.city }),
    orderBy(posts.id),
    all
  )
  const rows: Array<{ title: string; author: string; city: string | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { title: 'Hello', author: 'Ann', city: 'Paris' },
    { title: 'Again', author: 'Ann', city: 'Paris' },
    { title: 'Roma', author: 'Bob', city: 'Rome' },
    { title: 'Hi', author: 'Cleo', city: null },
    { title: 'Third', author: 'Ann', city: 'Paris' }
  ])
  t.deepEqual(Object.keys(rows[0]!), ['title', 'author', 'city'])
  // a left-joined column in a projection is just null where nothing matched
  const left = pipe(
    select(employees),
    leftJoin(boss, eq(employees.bossId, boss.id)),
    columns({ name: employees.name, boss: boss.name }),
    filter(lt(employees.id, 3)),
    orderBy(employees.id),
    all
  )
  t.deepEqual(unwrap(s.run(left)), [
    { name: 'Ada', boss: null },
    { name: 'Ben', boss: 'Ada' }
  ])
  // @ts-expect-error a projected row has no nested tables
  t.is(rows[0]!.users, undefined)
})

test('join terminals: count, exists, values, one on joined queries', (t) => {
  const base = pipe(select(posts), join(users, eq(posts.userId, users.id)))
  t.is(unwrap(s.run(pipe(base, filter(eq(users.name, 'Ann')), count))), 3)
  t.true(unwrap(s.run(pipe(base, filter(eq(users.name, 'Cleo')), exists))))
  t.false(unwrap(s.run(pipe(base, filter(eq(users.name, 'Dan')), exists))))
  t.deepEqual(unwrap(s.run(pipe(base, filter(eq(users.name, 'Ann')), orderBy(posts.id), values(posts.title)))), ['Hello', 'Again', 'Third'])
  t.deepEqual(unwrap(s.run(pipe(base, filter(eq(posts.id, 4)), one))), { posts: post(4), users: user(3) })
  t.is(unwrapLeft(s.run(pipe(base, filter(eq(users.name, 'Ann')), one)))._tag, 'TooManyRows')
})

// -------------------------------------------------------------------------------------
// group by, having, aggregates
// -------------------------------------------------------------------------------------

test('groupBy with aggregates in columns, ordered by an aggregate', (t) => {
  const q = pipe(
    select(posts),
    join(users, eq(posts.userId, users.id)),
    columns({ author: users.name, n: countAll(), likes: sum(posts.likes), best: max(posts.likes) }),
    groupBy(users.name),
    orderBy(desc(countAll()), users.name),
    all
  )
  const rows: Array<{ author: string; n: number; likes: number | null; best: number | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { author: 'Ann', n: 3, likes: 15, best: 7 },
    { author: 'Bob', n: 1, likes: 10, best: 10 },
    { author: 'Cleo', n: 1, likes: 0, best: 0 }
  ])
})

test('having keeps groups by an aggregate condition', (t) => {
  const q = pipe(
    select(posts),
    join(users, eq(posts.userId, users.id)),
    columns({ author: users.name, n: countAll() }),
    groupBy(users.name),
    having(gt(countAll(), 1)),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [{ author: 'Ann', n: 3 }])
  // several having are AND-ed; a having on an aggregate that is not projected
  const q2 = pipe(
    select(posts),
    columns({ userId: posts.userId, n: countAll() }),
    groupBy(posts.userId),
    having(gte(sum(posts.likes), 1)),
    having(lt(countAll(), 3)),
    all
  )
  t.deepEqual(unwrap(s.run(q2)), [{ userId: 2, n: 1 }])
  t.regex(unwrap(toSQL(q2)).sql, / GROUP BY "posts"."user_id" HAVING \(sum\("posts"."likes"\) >= \?\) AND \(count\(\*\) < \?\)$/)
})

test('groupBy on several expressions, ordered by a projected expression', (t) => {
  const total = sum(posts.likes)
  const q = pipe(
    select(users),
    leftJoin(posts, eq(posts.userId, users.id)),
    columns({ city: users.city, n: countAll(), total, avgLikes: avg(posts.likes) }),
    groupBy(users.city),
    orderBy(desc(total, { nulls: 'last' })),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    // Paris: Ann (3 posts) and Dan (no post, one row with null post)
    { city: 'Paris', n: 4, total: 15, avgLikes: 5 },
    { city: 'Rome', n: 1, total: 10, avgLikes: 10 },
    { city: null, n: 1, total: 0, avgLikes: 0 }
  ])
  // ordering by a projected expression that is not an aggregate
  const byUpper = pipe(select(users), columns({ shout: upper(users.name) }), orderBy(desc(upper(users.name))), values(users.id))
  t.deepEqual(unwrap(s.run(byUpper)), [4, 3, 2, 1])
  const names = pipe(
    select(users),
    columns({ shout: upper(users.name), len: sql<number>`length(${users.name})` }),
    orderBy(desc(sql`length(${users.name})`), users.name),
    all
  )
  t.deepEqual(unwrap(s.run(names)), [
    { shout: 'CLEO', len: 4 },
    { shout: 'ANN', len: 3 },
    { shout: 'BOB', len: 3 },
    { shout: 'DAN', len: 3 }
  ])
})

// -------------------------------------------------------------------------------------
// subqueries
// -------------------------------------------------------------------------------------

test('inArray with a subquery of one projected column', (t) => {
  const liked = pipe(select(posts), filter(gte(posts.likes, 5)), columns({ userId: posts.userId }))
  const q = pipe(select(users), filter(inArray(users.id, liked)), orderBy(users.id), all)
  t.deepEqual(unwrap(s.run(q)), [user(1), user(2)])
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(notInArray(users.id, liked)), orderBy(users.id), values(users.id)))), [3, 4])
  t.deepEqual(unwrap(toSQL(q)), {
    sql:
      'SELECT "users"."id", "users"."name", "users"."city" FROM "users" WHERE "users"."id" IN ' +
      '(SELECT "posts"."user_id" AS "userId" FROM "posts" WHERE "posts"."likes" >= ?) ORDER BY "users"."id" ASC',
    params: [5]
  })
})

test('exists(subquery) as a filter condition, correlated to the outer table', (t) => {
  const hasPosts = pipe(select(posts), filter(eq(posts.userId, users.id)), exists)
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(hasPosts), orderBy(users.id), values(users.name)))), ['Ann', 'Bob', 'Cleo'])
  const hasLikedPost = pipe(select(posts), filter(eq(posts.userId, users.id)), filter(gt(posts.likes, 6)), exists)
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(hasLikedPost), orderBy(users.id), values(users.name)))), ['Ann', 'Bob'])
  t.regex(
    unwrap(toSQL(pipe(select(users), filter(hasPosts), all))).sql,
    /WHERE EXISTS \(SELECT 1 FROM "posts" WHERE "posts"."user_id" = "users"."id"\)$/
  )
})

test('notExists(subquery): users without posts', (t) => {
  const q = pipe(select(users), filter(notExists(pipe(select(posts), filter(eq(posts.userId, users.id))))), all)
  t.deepEqual(unwrap(s.run(q)), [user(4)])
  // notExists of an exists query is the same
  const q2 = pipe(
    select(users),
    filter(notExists(pipe(select(tags), filter(eq(tags.userId, users.id)), exists))),
    orderBy(users.id),
    values(users.name)
  )
  t.deepEqual(unwrap(s.run(q2)), ['Ann', 'Cleo'])
})

test('a scalar subquery in columns: a correlated count per user', (t) => {
  const postCount = scalar(pipe(select(posts), filter(eq(posts.userId, users.id)), columns({ n: countAll() })))
  const q = pipe(select(users), columns({ name: users.name, posts: postCount }), orderBy(users.id), all)
  const rows: Array<{ name: string; posts: number | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { name: 'Ann', posts: 3 },
    { name: 'Bob', posts: 1 },
    { name: 'Cleo', posts: 1 },
    { name: 'Dan', posts: 0 }
  ])
  // a scalar with no row is null
  // a scalar subquery takes its first row; none is null
  const top = scalar(pipe(select(posts), filter(eq(posts.userId, users.id)), orderBy(desc(posts.likes)), columns({ title: posts.title })))
  const q2 = pipe(select(users), columns({ name: users.name, top }), orderBy(users.id), all)
  const withTop: Array<{ name: string; top: string | null }> = unwrap(s.run(q2))
  t.deepEqual(withTop, [
    { name: 'Ann', top: 'Third' },
    { name: 'Bob', top: 'Roma' },
    { name: 'Cleo', top: 'Hi' },
    { name: 'Dan', top: null }
  ])
})

test('a correlated count in a filter: users with more than 1 post', (t) => {
  const postCount = scalar(pipe(select(posts), filter(eq(posts.userId, users.id)), columns({ n: countAll() })))
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(gt(postCount, 1)), all))), [user(1)])
  t.deepEqual(unwrap(s.run(pipe(select(users), filter(eq(postCount, 1)), orderBy(users.id), values(users.name)))), ['Bob', 'Cleo'])
  t.deepEqual(unwrap(s.run(pipe(select(users), orderBy(desc(postCount), users.id), values(users.name)))), ['Ann', 'Bob', 'Cleo', 'Dan'])
})

// -------------------------------------------------------------------------------------
// common table expressions
// -------------------------------------------------------------------------------------

test('withQuery: a CTE read by select', (t) => {
  const liked = withQuery(
    'liked',
    pipe(select(posts), filter(gte(posts.likes, 5)), columns({ userId: posts.userId, title: posts.title, likes: posts.likes }))
  )
  const q = pipe(select(liked), orderBy(desc(liked.likes)), all)
  t.deepEqual(unwrap(s.run(q)), [
    { userId: 2, title: 'Roma', likes: 10 },
    { userId: 1, title: 'Third', likes: 7 },
    { userId: 1, title: 'Hello', likes: 5 }
  ])
  t.true(unwrap(toSQL(q)).sql.startsWith('WITH "liked"("userId", "title", "likes") AS (SELECT '))
  t.is(unwrap(s.run(pipe(select(liked), filter(eq(liked.userId, 1)), count))), 2)
})

test('withQuery: a CTE joined to a table, nested by its name or projected', (t) => {
  const totals = withQuery('totals', pipe(select(posts), columns({ userId: posts.userId, total: sum(posts.likes) }), groupBy(posts.userId)))
  const q = pipe(
    select(users),
    join(totals, eq(totals.userId, users.id)),
    columns({ name: users.name, total: totals.total }),
    orderBy(desc(totals.total)),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    { name: 'Ann', total: 15 },
    { name: 'Bob', total: 10 },
    { name: 'Cleo', total: 0 }
  ])
  const nested = unwrap(s.run(pipe(select(users), leftJoin(totals, eq(totals.userId, users.id)), orderBy(users.id), all)))
  t.deepEqual(nested, [
    { users: user(1), totals: { userId: 1, total: 15 } },
    { users: user(2), totals: { userId: 2, total: 10 } },
    { users: user(3), totals: { userId: 3, total: 0 } },
    { users: user(4), totals: null }
  ])
})

test('withRecursive: every report below a manager, with its depth, over a 5-level hierarchy', (t) => {
  const reports = (managerId: number) =>
    withRecursive(
      'chain',
      pipe(
        select(employees),
        filter(eq(employees.id, managerId)),
        columns({ id: employees.id, name: employees.name, depth: sql<number>`0` })
      ),
      (self) =>
        pipe(
          select(employees),
          join(self, eq(employees.bossId, self.id)),
          columns({ id: employees.id, name: employees.name, depth: sql<number>`${self.depth} + 1` })
        )
    )
  const below = (managerId: number) => {
    const chain = reports(managerId)
    return unwrap(s.run(pipe(select(chain), filter(gt(chain.depth, 0)), orderBy(chain.depth, chain.id), all)))
  }
  t.deepEqual(below(1), [
    { id: 2, name: 'Ben', depth: 1 },
    { id: 3, name: 'Cy', depth: 1 },
    { id: 4, name: 'Dee', depth: 2 },
    { id: 7, name: 'Gus', depth: 2 },
    { id: 5, name: 'Eli', depth: 3 },
    { id: 6, name: 'Fay', depth: 4 }
  ])
  t.deepEqual(below(2), [
    { id: 4, name: 'Dee', depth: 1 },
    { id: 5, name: 'Eli', depth: 2 },
    { id: 6, name: 'Fay', depth: 3 }
  ])
  t.deepEqual(below(6), [])
  const chain = reports(1)
  t.deepEqual(unwrap(s.run(pipe(select(chain), columns({ deepest: max(chain.depth) }), all))), [{ deepest: 4 }])
  t.is(unwrap(s.run(pipe(select(chain), count))), 7)
  t.regex(unwrap(toSQL(pipe(select(chain), all))).sql, /^WITH RECURSIVE "chain"\("id", "name", "depth"\) AS \(SELECT .* UNION ALL SELECT /)
})

test('withRecursive joined back to the table: every report with its boss name', (t) => {
  const chain = withRecursive(
    'chain',
    pipe(select(employees), filter(eq(employees.id, 3)), columns({ id: employees.id, depth: sql<number>`0` })),
    (self) =>
      pipe(
        select(employees),
        join(self, eq(employees.bossId, self.id)),
        columns({ id: employees.id, depth: sql<number>`${self.depth} + 1` })
      )
  )
  const q = pipe(
    select(chain),
    join(employees, eq(employees.id, chain.id)),
    leftJoin(boss, eq(employees.bossId, boss.id)),
    columns({ name: employees.name, boss: boss.name, depth: chain.depth }),
    orderBy(chain.depth),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    { name: 'Cy', boss: 'Ada', depth: 0 },
    { name: 'Gus', boss: 'Cy', depth: 1 }
  ])
})

// -------------------------------------------------------------------------------------
// set operations
// -------------------------------------------------------------------------------------

const cityOf = (f: ReturnType<typeof eq>) => pipe(select(users), filter(f), columns({ city: users.city }))

test('union removes duplicates; unionAll keeps them', (t) => {
  const parisOrRome = pipe(
    cityOf(eq(users.name, 'Ann')),
    union(cityOf(eq(users.name, 'Dan'))),
    union(cityOf(eq(users.name, 'Bob'))),
    orderBy(users.city),
    all
  )
  t.deepEqual(unwrap(s.run(parisOrRome)), [{ city: 'Paris' }, { city: 'Rome' }])
  const kept = pipe(
    cityOf(eq(users.name, 'Ann')),
    unionAll(cityOf(eq(users.name, 'Dan'))),
    unionAll(cityOf(eq(users.name, 'Bob'))),
    orderBy(users.city),
    all
  )
  t.deepEqual(unwrap(s.run(kept)), [{ city: 'Paris' }, { city: 'Paris' }, { city: 'Rome' }])
  t.is(unwrap(s.run(pipe(cityOf(eq(users.name, 'Ann')), unionAll(cityOf(eq(users.name, 'Dan'))), count))), 2)
})

test('union of two tables, ordered descending and limited', (t) => {
  const names = pipe(select(users), columns({ label: users.name }))
  const labels = pipe(select(tags), columns({ label: tags.label }))
  const q = pipe(names, union(labels), orderBy(desc(users.name)), all)
  const rows: Array<{ label: string }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { label: 'vip' },
    { label: 'orphan' },
    { label: 'admin' },
    { label: 'Dan' },
    { label: 'Cleo' },
    { label: 'Bob' },
    { label: 'Ann' }
  ])
  t.regex(unwrap(toSQL(q)).sql, / UNION SELECT "tags"."label" AS "label" FROM "tags" ORDER BY "label" DESC$/)
  t.deepEqual(unwrap(s.run(pipe(names, union(labels), orderBy(users.name), limit(2), offset(1), all))), [
    { label: 'Bob' },
    { label: 'Cleo' }
  ])
})

test('intersect and except', (t) => {
  const withPosts = pipe(select(posts), columns({ id: posts.userId }))
  const withTags = pipe(select(tags), filter(isNotNull(tags.userId)), columns({ id: tags.userId }))
  t.deepEqual(unwrap(s.run(pipe(withPosts, intersect(withTags), all))), [{ id: 2 }])
  t.deepEqual(unwrap(s.run(pipe(withPosts, except(withTags), orderBy(posts.userId), all))), [{ id: 1 }, { id: 3 }])
  const everyone = pipe(select(users), columns({ id: users.id }))
  t.deepEqual(unwrap(s.run(pipe(everyone, except(withPosts), all))), [{ id: 4 }])
  t.deepEqual(unwrap(s.run(pipe(everyone, except(withPosts), except(withTags), all))), [])
})

// -------------------------------------------------------------------------------------
// window functions
// -------------------------------------------------------------------------------------

test('rowNumber over a partition', (t) => {
  const q = pipe(
    select(employees),
    columns({
      name: employees.name,
      dept: employees.dept,
      n: rowNumber({ partitionBy: [employees.dept], orderBy: [desc(employees.salary), employees.id] })
    }),
    orderBy(employees.dept, employees.id),
    all
  )
  const rows: Array<{ name: string; dept: string; n: number }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { name: 'Ben', dept: 'eng', n: 1 },
    { name: 'Dee', dept: 'eng', n: 2 },
    { name: 'Eli', dept: 'eng', n: 3 },
    { name: 'Fay', dept: 'eng', n: 4 },
    { name: 'Ada', dept: 'exec', n: 1 },
    { name: 'Cy', dept: 'ops', n: 1 },
    { name: 'Gus', dept: 'ops', n: 2 }
  ])
  t.regex(
    unwrap(toSQL(q)).sql,
    /row_number\(\) OVER \(PARTITION BY "employees"."dept" ORDER BY "employees"."salary" DESC, "employees"."id" ASC\) AS "n"/
  )
})

test('rank and denseRank with ties', (t) => {
  const q = pipe(
    select(employees),
    columns({
      name: employees.name,
      rank: rank({ orderBy: [desc(employees.salary)] }),
      dense: denseRank({ orderBy: [desc(employees.salary)] })
    }),
    orderBy(desc(employees.salary), employees.id),
    all
  )
  t.deepEqual(unwrap(s.run(q)), [
    { name: 'Ada', rank: 1, dense: 1 },
    { name: 'Ben', rank: 2, dense: 2 },
    { name: 'Cy', rank: 2, dense: 2 },
    { name: 'Dee', rank: 4, dense: 3 },
    { name: 'Eli', rank: 4, dense: 3 },
    { name: 'Gus', rank: 6, dense: 4 },
    { name: 'Fay', rank: 7, dense: 5 }
  ])
  // ranks within a partition
  const inDept = pipe(
    select(employees),
    filter(eq(employees.dept, 'eng')),
    columns({ name: employees.name, rank: rank({ partitionBy: [employees.dept], orderBy: [desc(employees.salary)] }) }),
    orderBy(employees.id),
    all
  )
  t.deepEqual(unwrap(s.run(inDept)), [
    { name: 'Ben', rank: 1 },
    { name: 'Dee', rank: 2 },
    { name: 'Eli', rank: 2 },
    { name: 'Fay', rank: 4 }
  ])
})

test('an aggregate over a window: over(sum(x), { partitionBy })', (t) => {
  const q = pipe(
    select(employees),
    columns({
      name: employees.name,
      deptTotal: over(sum(employees.salary), { partitionBy: [employees.dept] }),
      running: over(sum(employees.salary), { orderBy: [employees.id] }),
      all: over(countAll())
    }),
    orderBy(employees.id),
    all
  )
  const rows: Array<{ name: string; deptTotal: number | null; running: number | null; all: number }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { name: 'Ada', deptTotal: 300, running: 300, all: 7 },
    { name: 'Ben', deptTotal: 600, running: 500, all: 7 },
    { name: 'Cy', deptTotal: 320, running: 700, all: 7 },
    { name: 'Dee', deptTotal: 600, running: 850, all: 7 },
    { name: 'Eli', deptTotal: 600, running: 1000, all: 7 },
    { name: 'Fay', deptTotal: 600, running: 1100, all: 7 },
    { name: 'Gus', deptTotal: 320, running: 1220, all: 7 }
  ])
})

test('a window function in a CTE: the top earner of each department', (t) => {
  const ranked = withQuery(
    'ranked',
    pipe(
      select(employees),
      columns({
        name: employees.name,
        dept: employees.dept,
        n: rowNumber({ partitionBy: [employees.dept], orderBy: [desc(employees.salary), employees.id] })
      })
    )
  )
  const q = pipe(select(ranked), filter(eq(ranked.n, 1)), orderBy(ranked.dept), columns({ dept: ranked.dept, name: ranked.name }), all)
  t.deepEqual(unwrap(s.run(q)), [
    { dept: 'eng', name: 'Ben' },
    { dept: 'exec', name: 'Ada' },
    { dept: 'ops', name: 'Cy' }
  ])
})

// -------------------------------------------------------------------------------------
// decode on joined and projected rows
// -------------------------------------------------------------------------------------

const Employee = iot.type({ id: iot.number, name: iot.string, bossId: iot.union([iot.number, iot.null]) })

test('decode(codec) on joined rows', (t) => {
  const Pair = iot.type({ employees: Employee, boss: iot.union([Employee, iot.null]) })
  const q = pipe(
    select(employees),
    leftJoin(boss, eq(employees.bossId, boss.id)),
    filter(lt(employees.id, 3)),
    orderBy(employees.id),
    decode(Pair),
    all
  )
  const rows: Array<iot.TypeOf<typeof Pair>> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { employees: emp(1), boss: null },
    { employees: emp(2), boss: emp(1) }
  ])
  // a codec that rejects the null boss names the row and the field
  const Strict = iot.type({ employees: Employee, boss: Employee })
  const err = unwrapLeft(
    s.run(pipe(select(employees), leftJoin(boss, eq(employees.bossId, boss.id)), orderBy(employees.id), decode(Strict), all))
  )
  t.is(err._tag, 'DecodeError')
  if (err._tag === 'DecodeError')
    t.true(
      err.issues.some((i) => i.path.startsWith('[0]') && i.path.includes('boss')),
      JSON.stringify(err.issues)
    )
})

test('decode(codec) on projected rows, with a transforming codec', (t) => {
  const Stats = iot.type({ author: iot.string, n: iot.number })
  const base = pipe(
    select(posts),
    join(users, eq(posts.userId, users.id)),
    columns({ author: users.name, n: countAll() }),
    groupBy(users.name),
    orderBy(users.name)
  )
  const q = pipe(base, decode(Stats), all)
  const rows: Array<{ author: string; n: number }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { author: 'Ann', n: 3 },
    { author: 'Bob', n: 1 },
    { author: 'Cleo', n: 1 }
  ])
  const Label = new iot.Type<string, unknown, unknown>(
    'Label',
    (u): u is string => typeof u === 'string',
    (u, c) =>
      typeof u === 'object' && u !== null && typeof (u as { author?: unknown }).author === 'string'
        ? iot.success(`${(u as { author: string }).author}:${String((u as { n?: unknown }).n)}`)
        : iot.failure(u, c),
    (a) => a
  )
  const labels: string[] = unwrap(s.run(pipe(base, decode(Label), all)))
  t.deepEqual(labels, ['Ann:3', 'Bob:1', 'Cleo:1'])
  const bad = unwrapLeft(
    s.run(
      pipe(
        select(users),
        columns({ name: users.name, city: users.city }),
        orderBy(users.id),
        decode(iot.type({ name: iot.string, city: iot.string })),
        all
      )
    )
  )
  t.is(bad._tag, 'DecodeError')
  if (bad._tag === 'DecodeError')
    t.deepEqual(
      bad.issues.map((i) => i.path),
      ['[2].city']
    )
})

test('decode with one on a joined query', (t) => {
  const Pair = iot.type({ posts: iot.type({ title: iot.string }), users: iot.type({ name: iot.string }) })
  const q = pipe(select(posts), join(users, eq(posts.userId, users.id)), filter(eq(posts.id, 3)), decode(Pair), one)
  const row: iot.TypeOf<typeof Pair> = unwrap(s.run(q))
  t.is(row.posts.title, 'Roma')
  t.is(row.users.name, 'Bob')
  t.deepEqual(row as unknown, { posts: post(3), users: user(2) })
})

// -------------------------------------------------------------------------------------
// exact row types
// -------------------------------------------------------------------------------------

const rowsOf = <A>(q: import('../src/index.js').Query<A>): A => unwrap(s.run(q))

test('row types: exact nesting and nullability per join kind, flat projections', (t) => {
  type U = Row<typeof users>
  type T = Row<typeof tags>
  type Em = Row<typeof employees>
  const inner = rowsOf(pipe(select(users), join(tags, eq(tags.userId, users.id)), all))
  const left = rowsOf(pipe(select(users), leftJoin(tags, eq(tags.userId, users.id)), all))
  const right = rowsOf(pipe(select(users), rightJoin(tags, eq(tags.userId, users.id)), all))
  const full = rowsOf(pipe(select(users), fullJoin(tags, eq(tags.userId, users.id)), all))
  const self = rowsOf(pipe(select(employees), leftJoin(boss, eq(employees.bossId, boss.id)), all))
  const flat = rowsOf(
    pipe(
      select(employees),
      join(boss, eq(employees.bossId, boss.id)),
      columns({ name: employees.name, bossId: employees.bossId, boss: boss.name }),
      filter(eq(employees.id, 2)),
      all
    )
  )
  const totals = rowsOf(
    pipe(
      select(employees),
      columns({ n: countAll(), s: sum(employees.salary), m: max(employees.name), r: rank({ orderBy: [employees.dept] }) }),
      groupBy(employees.dept),
      orderBy(employees.dept),
      all
    )
  )
  const exactInner: Equals<typeof inner, Array<{ users: U; tags: T }>> = true
  const exactLeft: Equals<typeof left, Array<{ users: U; tags: T | null }>> = true
  const exactRight: Equals<typeof right, Array<{ users: U | null; tags: T }>> = true
  const exactFull: Equals<typeof full, Array<{ users: U | null; tags: T | null }>> = true
  const exactSelf: Equals<typeof self, Array<{ employees: Em; boss: Em | null }>> = true
  const exactFlat: Equals<typeof flat, Array<{ name: string; bossId: number | null; boss: string }>> = true
  const exactTotals: Equals<typeof totals, Array<{ n: number; s: number | null; m: string | null; r: number }>> = true
  // @ts-expect-error a left join's table is not always there
  const wrong: Equals<typeof left, Array<{ users: U; tags: T }>> = true
  t.true(exactInner && exactLeft && exactRight && exactFull && exactSelf && exactFlat && exactTotals && wrong)
  t.deepEqual(
    inner.map((r) => [r.users.id, r.tags.id]),
    [
      [2, 1],
      [4, 2]
    ]
  )
  t.is(left.length, 4)
  t.is(right.length, 3)
  t.is(full.length, 5)
  t.is(self.length, 7)
  t.deepEqual(flat, [{ name: 'Ben', bossId: 1, boss: 'Ada' }])
  t.deepEqual(totals, [
    { n: 4, s: 600, m: 'Fay', r: 1 },
    { n: 1, s: 300, m: 'Ada', r: 2 },
    { n: 2, s: 320, m: 'Gus', r: 3 }
  ])
})
