/**
 * Relations and preload: hasMany (`[]` when none), hasOne and belongsTo (`null` when
 * none, when the foreign key is null, or when nothing matches), several preloads on one
 * query, nested preloads, nullable foreign keys, preload with first / one / decode,
 * thousands of parents, the number of statements a preload issues (one per relation per
 * level, the keys bound as one JSON array), the preloaded fields' types, and the queries
 * preload refuses (stream, columns, joins, unions).
 */
import test from 'ava'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import * as iot from 'io-ts'
import type { LogEvent, Query, Row, Session } from '../src/index.js'
import {
  all,
  belongsTo,
  boolean,
  columns,
  count,
  createTable,
  decode,
  desc,
  eq,
  filter,
  first,
  gt,
  hasMany,
  hasOne,
  inArray,
  insert,
  integer,
  join,
  json,
  limit,
  lte,
  one,
  orderBy,
  preload,
  select,
  session,
  table,
  text,
  timestamp,
  union
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
  email: text().notNull().unique()
})

const profiles = table('profiles', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .unique()
    .references(() => users.id),
  bio: text().notNull()
})

const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id),
  title: text().notNull(),
  published: boolean().notNull()
})

/** A nullable foreign key: a task may have no assignee. */
const tasks = table('tasks', {
  id: integer().primaryKey(),
  title: text().notNull(),
  assigneeId: integer('assignee_id').references(() => users.id)
})

/** Keyed by a unique text column, not the primary key. */
const notes = table('notes', {
  id: integer().primaryKey(),
  authorEmail: text('author_email')
    .notNull()
    .references(() => users.email),
  body: text().notNull()
})

const orders = table('orders', {
  id: integer().primaryKey(),
  customer: text().notNull(),
  placedAt: timestamp('placed_at').notNull()
})

const products = table('products', {
  id: integer().primaryKey(),
  name: text().notNull(),
  tags: json(iot.array(iot.string)).notNull()
})

/** productId has no references(): a line may point at a product that does not exist. */
const lines = table('lines', {
  id: integer().primaryKey(),
  orderId: integer('order_id')
    .notNull()
    .references(() => orders.id),
  productId: integer('product_id'),
  qty: integer().notNull()
})

const userPosts = hasMany(users, posts, posts.userId)
const userProfile = hasOne(users, profiles, profiles.userId)
const postAuthor = belongsTo(posts, users, posts.userId)
const userTasks = hasMany(users, tasks, tasks.assigneeId)
const taskAssignee = belongsTo(tasks, users, tasks.assigneeId)
const userNotes = hasMany(users, notes, notes.authorEmail)
const noteAuthor = belongsTo(notes, users, notes.authorEmail)
const orderLines = hasMany(orders, lines, lines.orderId)
const lineProduct = belongsTo(lines, products, lines.productId)
const lineOrder = belongsTo(lines, orders, lines.orderId)

const ALL_TABLES = [users, profiles, posts, tasks, notes, orders, products, lines]

const USERS = [
  { id: 1, name: 'Ann', email: 'ann@x.io' },
  { id: 2, name: 'Bob', email: 'bob@x.io' },
  { id: 3, name: 'Cleo', email: 'cleo@x.io' }
]
const PROFILES = [
  { id: 1, userId: 3, bio: 'Cleo writes' },
  { id: 2, userId: 1, bio: 'Ann reads' }
]
// inserted out of order: related rows come back in primary key order
const POSTS = [
  { id: 3, userId: 2, title: 'b1', published: true },
  { id: 2, userId: 1, title: 'a2', published: false },
  { id: 1, userId: 1, title: 'a1', published: true }
]
const TASKS = [
  { id: 1, title: 'T1', assigneeId: 1 },
  { id: 2, title: 'T2', assigneeId: null },
  { id: 3, title: 'T3', assigneeId: 1 },
  { id: 4, title: 'T4', assigneeId: 3 }
]
const NOTES = [
  { id: 1, authorEmail: 'bob@x.io', body: 'n1' },
  { id: 2, authorEmail: 'bob@x.io', body: 'n2' },
  { id: 3, authorEmail: 'ann@x.io', body: 'n3' }
]
const day = (n: number): Date => new Date(Date.UTC(2024, 4, n, 12))
const ORDERS = [
  { id: 1, customer: 'x', placedAt: day(1) },
  { id: 2, customer: 'y', placedAt: day(2) },
  { id: 3, customer: 'z', placedAt: day(3) }
]
const PRODUCTS = [
  { id: 1, name: 'Pen', tags: ['office', 'blue'] },
  { id: 2, name: 'Ink', tags: [] }
]
const LINES = [
  { id: 1, orderId: 1, productId: 1, qty: 2 },
  { id: 2, orderId: 1, productId: 2, qty: 1 },
  { id: 3, orderId: 2, productId: 1, qty: 5 },
  { id: 4, orderId: 2, productId: 999, qty: 1 },
  { id: 5, orderId: 2, productId: null, qty: 3 }
]

/** Statements seen by the log, from the moment `reset` is called. */
interface Recorder {
  readonly events: LogEvent[]
  readonly reset: () => void
}

const recorder = (): Recorder => {
  const events: LogEvent[] = []
  return { events, reset: () => void events.splice(0) }
}

const setup = (): { s: Session; log: Recorder } => {
  const log = recorder()
  const s = session(tempDb({ log: (e) => log.events.push(e) }))
  for (const t of ALL_TABLES) unwrap(s.run(createTable(t)))
  unwrap(s.run(insert(users, USERS)))
  unwrap(s.run(insert(profiles, PROFILES)))
  unwrap(s.run(insert(posts, POSTS)))
  unwrap(s.run(insert(tasks, TASKS)))
  unwrap(s.run(insert(notes, NOTES)))
  unwrap(s.run(insert(orders, ORDERS)))
  unwrap(s.run(insert(products, PRODUCTS)))
  unwrap(s.run(insert(lines, LINES)))
  return { s, log }
}

// The small fixture is only read: one database file shared by the tests below.
const { s, log } = setup()

const user = (id: number) => USERS.find((u) => u.id === id)!
const post = (id: number) => POSTS.find((p) => p.id === id)!
const profile = (id: number) => PROFILES.find((p) => p.id === id)!
const task = (id: number) => TASKS.find((x) => x.id === id)!
const note = (id: number) => NOTES.find((x) => x.id === id)!
const order = (id: number) => ORDERS.find((x) => x.id === id)!
const product = (id: number) => PRODUCTS.find((x) => x.id === id)!
const line = (id: number) => LINES.find((x) => x.id === id)!

/** Runs a query and returns its result and the statements it ran. */
const traced = <A>(q: Query<A>): { result: A; statements: LogEvent[] } => {
  log.reset()
  const result = unwrap(s.run(q))
  return { result, statements: [...log.events] }
}

// -------------------------------------------------------------------------------------
// hasMany, hasOne, belongsTo
// -------------------------------------------------------------------------------------

test('hasMany loads a list per row, [] when none, in the related primary key order', (t) => {
  const q = pipe(select(users), preload('posts', userPosts), orderBy(users.id), all)
  const rows: Array<Row<typeof users> & { posts: Array<Row<typeof posts>> }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { ...user(1), posts: [post(1), post(2)] },
    { ...user(2), posts: [post(3)] },
    { ...user(3), posts: [] }
  ])
  // the related rows decode by their column kinds (published is a boolean)
  t.is(rows[0]!.posts[1]!.published, false)
  // each row has its own list
  t.not(rows[1]!.posts, rows[2]!.posts)
})

test('hasOne loads a row or null', (t) => {
  const q = pipe(select(users), preload('profile', userProfile), orderBy(users.id), all)
  const rows: Array<Row<typeof users> & { profile: Row<typeof profiles> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { ...user(1), profile: profile(2) },
    { ...user(2), profile: null },
    { ...user(3), profile: profile(1) }
  ])
})

test('belongsTo loads the parent row', (t) => {
  const q = pipe(select(posts), preload('author', postAuthor), orderBy(posts.id), all)
  const rows: Array<Row<typeof posts> & { author: Row<typeof users> | null }> = unwrap(s.run(q))
  t.deepEqual(rows, [
    { ...post(1), author: user(1) },
    { ...post(2), author: user(1) },
    { ...post(3), author: user(2) }
  ])
  // @ts-expect-error a belongsTo field may be null: it needs a check
  const name: string = rows[0]!.author.name
  t.is(name, 'Ann')
})

test('belongsTo is null when the foreign key is null or nothing matches', (t) => {
  const q = pipe(select(lines), preload('product', lineProduct), orderBy(lines.id), all)
  t.deepEqual(unwrap(s.run(q)), [
    { ...line(1), product: product(1) },
    { ...line(2), product: product(2) },
    { ...line(3), product: product(1) },
    // product 999 does not exist
    { ...line(4), product: null },
    // no product at all
    { ...line(5), product: null }
  ])
})

test('a relation through a nullable foreign key, both ways', (t) => {
  const assigned = unwrap(s.run(pipe(select(tasks), preload('assignee', taskAssignee), orderBy(tasks.id), all)))
  t.deepEqual(assigned, [
    { ...task(1), assignee: user(1) },
    { ...task(2), assignee: null },
    { ...task(3), assignee: user(1) },
    { ...task(4), assignee: user(3) }
  ])
  const byUser = unwrap(s.run(pipe(select(users), preload('tasks', userTasks), orderBy(users.id), all)))
  t.deepEqual(byUser, [
    { ...user(1), tasks: [task(1), task(3)] },
    { ...user(2), tasks: [] },
    { ...user(3), tasks: [task(4)] }
  ])
  // only null keys to look up: no statement for the relation, every field null
  const { result, statements } = traced(pipe(select(tasks), filter(eq(tasks.id, 2)), preload('assignee', taskAssignee), all))
  t.deepEqual(result, [{ ...task(2), assignee: null }])
  t.is(statements.length, 1)
})

test('a relation keyed by a unique text column', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(users), preload('notes', userNotes), orderBy(users.id), all))), [
    { ...user(1), notes: [note(3)] },
    { ...user(2), notes: [note(1), note(2)] },
    { ...user(3), notes: [] }
  ])
  t.deepEqual(unwrap(s.run(pipe(select(notes), preload('author', noteAuthor), orderBy(notes.id), all))), [
    { ...note(1), author: user(2) },
    { ...note(2), author: user(2) },
    { ...note(3), author: user(1) }
  ])
})

// -------------------------------------------------------------------------------------
// several and nested preloads
// -------------------------------------------------------------------------------------

test('several preloads on one query: one statement each', (t) => {
  const q = pipe(
    select(users),
    preload('posts', userPosts),
    preload('profile', userProfile),
    preload('tasks', userTasks),
    orderBy(users.id),
    all
  )
  const { result, statements } = traced(q)
  const rows: Array<
    Row<typeof users> & { posts: Array<Row<typeof posts>>; profile: Row<typeof profiles> | null; tasks: Array<Row<typeof tasks>> }
  > = result
  t.deepEqual(rows, [
    { ...user(1), posts: [post(1), post(2)], profile: profile(2), tasks: [task(1), task(3)] },
    { ...user(2), posts: [post(3)], profile: null, tasks: [] },
    { ...user(3), posts: [], profile: profile(1), tasks: [task(4)] }
  ])
  t.is(statements.length, 4)
  t.is(statements.filter((e) => / FROM "users"/.test(e.sql) && !/json_each/.test(e.sql)).length, 1)
  for (const name of ['posts', 'profiles', 'tasks']) {
    t.is(statements.filter((e) => e.sql.includes(` FROM "${name}" WHERE `)).length, 1, name)
  }
})

test('nested preload two levels deep: order -> lines -> product', (t) => {
  const q = pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), orderBy(orders.id), all)
  const { result, statements } = traced(q)
  const rows: Array<Row<typeof orders> & { lines: Array<Row<typeof lines> & { product: Row<typeof products> | null }> }> = result
  t.deepEqual(rows, [
    {
      ...order(1),
      lines: [
        { ...line(1), product: product(1) },
        { ...line(2), product: product(2) }
      ]
    },
    {
      ...order(2),
      lines: [
        { ...line(3), product: product(1) },
        { ...line(4), product: null },
        { ...line(5), product: null }
      ]
    },
    { ...order(3), lines: [] }
  ])
  // timestamps and json columns decode at every level
  t.true(rows[0]!.placedAt instanceof Date)
  t.deepEqual(rows[0]!.lines[0]!.product!.tags, ['office', 'blue'])
  t.is(statements.length, 3)
  // the same product row for two lines is two equal values
  t.deepEqual(rows[0]!.lines[0]!.product, rows[1]!.lines[0]!.product)
})

test('a nested preload with two relations, and a belongsTo back to the parent', (t) => {
  const q = pipe(
    select(orders),
    filter(eq(orders.id, 2)),
    preload('lines', orderLines, preload('product', lineProduct), preload('order', lineOrder)),
    one
  )
  const { result, statements } = traced(q)
  const row: Row<typeof orders> & {
    lines: Array<Row<typeof lines> & { product: Row<typeof products> | null; order: Row<typeof orders> | null }>
  } = result
  t.deepEqual(row, {
    ...order(2),
    lines: [
      { ...line(3), product: product(1), order: order(2) },
      { ...line(4), product: null, order: order(2) },
      { ...line(5), product: null, order: order(2) }
    ]
  })
  t.is(statements.length, 4)
})

test('preload three levels: post -> author -> posts -> author', (t) => {
  const q = pipe(
    select(posts),
    filter(eq(posts.id, 3)),
    preload('author', postAuthor, preload('posts', userPosts, preload('author', postAuthor))),
    one
  )
  const row = unwrap(s.run(q))
  type P = Row<typeof posts>
  type U = Row<typeof users>
  const exact: Equals<NonNullable<(typeof row)['author']>['posts'][number]['author'], U | null> = true
  const typed: P & { author: (U & { posts: Array<P & { author: U | null }> }) | null } = row
  t.true(exact)
  t.is(typed.author?.posts[0]?.author?.name, 'Bob')
  t.deepEqual(row, { ...post(3), author: { ...user(2), posts: [{ ...post(3), author: user(2) }] } })
})

// -------------------------------------------------------------------------------------
// terminals and decode
// -------------------------------------------------------------------------------------

test('preload with first and one', (t) => {
  const firstAnn = unwrap(
    s.run(pipe(select(users), filter(eq(users.id, 1)), preload('posts', userPosts), preload('profile', userProfile), first))
  )
  t.deepEqual(firstAnn, O.some({ ...user(1), posts: [post(1), post(2)], profile: profile(2) }))
  const oneBob = unwrap(s.run(pipe(select(users), filter(eq(users.name, 'Bob')), preload('posts', userPosts), one)))
  t.deepEqual(oneBob, { ...user(2), posts: [post(3)] })
  // first over many rows loads the relation of that row only
  const { result, statements } = traced(pipe(select(users), orderBy(desc(users.id)), preload('posts', userPosts), first))
  t.deepEqual(result, O.some({ ...user(3), posts: [] }))
  // logged in the order they ran: the query, then the preload its row led to
  t.deepEqual(statements[1]!.params, ['[3]'])
  // no row: no preload statement
  const none = traced(pipe(select(users), filter(eq(users.id, 99)), preload('posts', userPosts), first))
  t.deepEqual(none.result, O.none)
  t.is(none.statements.length, 1)
  t.is(unwrapLeft(s.run(pipe(select(users), filter(eq(users.id, 99)), preload('posts', userPosts), one)))._tag, 'NotFound')
  t.is(unwrapLeft(s.run(pipe(select(users), preload('posts', userPosts), one)))._tag, 'TooManyRows')
  // all with no row is [] with no preload statement
  const empty = traced(pipe(select(users), filter(gt(users.id, 99)), preload('posts', userPosts), all))
  t.deepEqual(empty.result, [])
  t.is(empty.statements.length, 1)
})

test('preload with decode(codec): the codec sees the preloaded field', (t) => {
  const UserWithPosts = iot.type({ id: iot.number, name: iot.string, posts: iot.array(iot.type({ title: iot.string })) })
  const base = pipe(select(users), preload('posts', userPosts), orderBy(users.id))
  const rows: Array<iot.TypeOf<typeof UserWithPosts>> = unwrap(s.run(pipe(base, decode(UserWithPosts), all)))
  t.deepEqual(
    rows.map((r) => [r.name, r.posts.map((p) => p.title)]),
    [
      ['Ann', ['a1', 'a2']],
      ['Bob', ['b1']],
      ['Cleo', []]
    ]
  )
  // a transforming codec: reads the preloaded list to build its value
  const Summary = new iot.Type<string, string, unknown>(
    'Summary',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      const r = u as { name?: unknown; posts?: unknown }
      return typeof r.name === 'string' && Array.isArray(r.posts)
        ? iot.success(`${r.name}:${r.posts.length}`)
        : iot.failure(u, c, 'no posts field')
    },
    (a) => a
  )
  t.deepEqual(unwrap(s.run(pipe(base, decode(Summary), all))), ['Ann:2', 'Bob:1', 'Cleo:0'])
  t.deepEqual(unwrap(s.run(pipe(base, filter(eq(users.id, 2)), decode(Summary), one))), 'Bob:1')
  // a codec that rejects a preloaded value names the (first bad) row and the path inside it
  const Wrong = iot.type({ posts: iot.array(iot.type({ title: iot.number })) })
  const err = unwrapLeft(s.run(pipe(base, decode(Wrong), all)))
  t.is(err._tag, 'DecodeError')
  if (err._tag === 'DecodeError')
    t.deepEqual(
      err.issues.map((i) => i.path),
      ['[0].posts[0].title', '[0].posts[1].title']
    )
  // the nested field is seen too
  const Nested = iot.type({ lines: iot.array(iot.type({ product: iot.union([iot.null, iot.type({ tags: iot.array(iot.string) })]) })) })
  const nested = unwrap(
    s.run(pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), orderBy(orders.id), decode(Nested), all))
  )
  t.deepEqual(
    nested.map((o) => o.lines.map((l) => (l.product === null ? null : l.product.tags.length))),
    [[2, 0], [2, null, null], []]
  )
})

// -------------------------------------------------------------------------------------
// statements: one per relation per level, keys as one JSON array
// -------------------------------------------------------------------------------------

test('a preload binds the keys as one JSON array, without duplicates', (t) => {
  const { result, statements } = traced(pipe(select(posts), preload('author', postAuthor), orderBy(posts.id), all))
  t.is(result.length, 3)
  t.is(statements.length, 2)
  const [load, main] = [statements.find((e) => e.sql.includes('json_each'))!, statements.find((e) => !e.sql.includes('json_each'))!]
  t.is(main.sql.startsWith('SELECT "posts"."id"'), true)
  t.is(load.params.length, 1)
  t.deepEqual(JSON.parse(load.params[0] as string), [1, 2])
  t.is(
    load.sql,
    'SELECT "users"."id", "users"."name", "users"."email" FROM "users" WHERE "users"."id" IN (SELECT value FROM json_each(?)) ORDER BY "users"."id" ASC'
  )
  const nullable = traced(pipe(select(tasks), preload('assignee', taskAssignee), all))
  const nullableLoad = nullable.statements.find((e) => e.sql.includes('json_each'))!
  // null foreign keys are not looked up
  t.deepEqual(JSON.parse(nullableLoad.params[0] as string), [1, 3])
})

// -------------------------------------------------------------------------------------
// thousands of parents
// -------------------------------------------------------------------------------------

const N = 5000

/** A database of N users (posts: i mod 3 each; a profile for every 4th) and N orders with lines. */
const big = (() => {
  const rec = recorder()
  const bs = session(tempDb({ log: (e) => rec.events.push(e) }))
  for (const t of ALL_TABLES) unwrap(bs.run(createTable(t)))
  const us = Array.from({ length: N }, (_, i) => ({ id: i + 1, name: `u${i + 1}`, email: `u${i + 1}@x.io` }))
  const ps = us.flatMap((u) => Array.from({ length: u.id % 3 }, (_, k) => ({ userId: u.id, title: `p${u.id}.${k}`, published: k === 0 })))
  const prof = us.filter((u) => u.id % 4 === 0).map((u) => ({ userId: u.id, bio: `bio${u.id}` }))
  const prods = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `prod${i + 1}`, tags: [`t${i + 1}`] }))
  const os = Array.from({ length: N }, (_, i) => ({ id: i + 1, customer: `c${i + 1}`, placedAt: day(1 + (i % 28)) }))
  // order i has (i mod 2) + 1 lines; the product is (i + k) mod 21 (0: none matches)
  const ls = os.flatMap((o) =>
    Array.from({ length: (o.id % 2) + 1 }, (_, k) => ({ orderId: o.id, productId: (o.id + k) % 21, qty: k + 1 }))
  )
  unwrap(bs.run(insert(users, us)))
  unwrap(bs.run(insert(posts, ps)))
  unwrap(bs.run(insert(profiles, prof)))
  unwrap(bs.run(insert(products, prods)))
  unwrap(bs.run(insert(orders, os)))
  unwrap(bs.run(insert(lines, ls)))
  return { s: bs, rec }
})()

const bigTraced = <A>(q: Query<A>): { result: A; statements: LogEvent[] } => {
  big.rec.reset()
  const result = unwrap(big.s.run(q))
  return { result, statements: [...big.rec.events] }
}

test('preload over 5,000 parents: every parent gets its own children', (t) => {
  const q = pipe(select(users), preload('posts', userPosts), preload('profile', userProfile), orderBy(users.id), all)
  const { result, statements } = bigTraced(q)
  t.is(result.length, N)
  let bad = 0
  for (const u of result) {
    const expectedTitles = Array.from({ length: u.id % 3 }, (_, k) => `p${u.id}.${k}`)
    if (JSON.stringify(u.posts.map((p) => p.title)) !== JSON.stringify(expectedTitles)) bad++
    if (u.posts.some((p) => p.userId !== u.id)) bad++
    if (u.id % 4 === 0 ? u.profile?.bio !== `bio${u.id}` || u.profile.userId !== u.id : u.profile !== null) bad++
  }
  t.is(bad, 0)
  t.deepEqual(result[4]!, {
    id: 5,
    name: 'u5',
    email: 'u5@x.io',
    posts: [
      { id: result[4]!.posts[0]!.id, userId: 5, title: 'p5.0', published: true },
      { id: result[4]!.posts[1]!.id, userId: 5, title: 'p5.1', published: false }
    ],
    profile: null
  })
  t.is(statements.length, 3)
  const keys = JSON.parse(statements.find((e) => e.sql.includes('FROM "posts"'))!.params[0] as string) as number[]
  t.is(keys.length, N)
})

test('nested preload over 5,000 orders: each line its product', (t) => {
  const q = pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), orderBy(orders.id), all)
  const { result, statements } = bigTraced(q)
  t.is(result.length, N)
  let bad = 0
  for (const o of result) {
    const expected = Array.from({ length: (o.id % 2) + 1 }, (_, k) => {
      const pid = (o.id + k) % 21
      return { orderId: o.id, productId: pid, qty: k + 1, product: pid === 0 ? null : { id: pid, name: `prod${pid}`, tags: [`t${pid}`] } }
    })
    const got = o.lines.map(({ id: _, ...rest }) => rest)
    if (JSON.stringify(got) !== JSON.stringify(expected)) bad++
  }
  t.is(bad, 0)
  t.is(statements.length, 3)
})

test('the number of statements does not grow with the number of parents', (t) => {
  const counts = (n: number) => {
    const flat = bigTraced(
      pipe(select(users), orderBy(users.id), limit(n), preload('posts', userPosts), preload('profile', userProfile), all)
    )
    const nested = bigTraced(
      pipe(select(orders), orderBy(orders.id), limit(n), preload('lines', orderLines, preload('product', lineProduct)), all)
    )
    t.is(flat.result.length, n)
    t.is(nested.result.length, n)
    return [flat.statements.length, nested.statements.length]
  }
  // 1 for the main select + 1 per relation per level
  t.deepEqual(counts(10), [3, 3])
  t.deepEqual(counts(N), [3, 3])
  t.deepEqual(counts(1), [3, 3])
})

// -------------------------------------------------------------------------------------
// types
// -------------------------------------------------------------------------------------

test('the preloaded fields are typed', (t) => {
  const many = unwrap(s.run(pipe(select(users), preload('posts', userPosts), all)))
  const oneRow = unwrap(s.run(pipe(select(users), preload('profile', userProfile), filter(eq(users.id, 1)), one)))
  const parent = unwrap(s.run(pipe(select(posts), preload('author', postAuthor), first)))
  const nested = unwrap(s.run(pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), all)))
  type U = Row<typeof users>
  type P = Row<typeof posts>
  const a: Equals<(typeof many)[number]['posts'], P[]> = true
  const b: Equals<typeof oneRow.profile, Row<typeof profiles> | null> = true
  const c: Equals<typeof parent, O.Option<{ id: number; userId: number; title: string; published: boolean; author: U | null }>> = true
  const d: Equals<(typeof nested)[number]['lines'][number]['product'], Row<typeof products> | null> = true
  const e: Equals<(typeof nested)[number]['lines'][number]['qty'], number> = true
  const f: Equals<(typeof nested)[number]['placedAt'], Date> = true
  const g: Equals<NonNullable<(typeof nested)[number]['lines'][number]['product']>['tags'], string[]> = true
  t.true(a && b && c && d && e && f && g)
  t.is(nested.length, 3)
  // assignable to the plain shapes
  const rows: Array<U & { posts: P[] }> = many
  const withAuthor: O.Option<P & { author: U | null }> = parent
  t.is(rows.length, 3)
  t.true(O.isSome(withAuthor))
  // @ts-expect-error a hasMany field is a list, not a row
  const title: unknown = many[0]!.posts.title
  t.is(title, undefined)
  // @ts-expect-error a hasOne field may be null
  const bio: string = oneRow.profile.bio
  t.is(bio, 'Ann reads')
  // @ts-expect-error no such preloaded field
  t.is(many[0]!.profile, undefined)
})

// -------------------------------------------------------------------------------------
// refusals
// -------------------------------------------------------------------------------------

test('stream(q) of a query with preload is a Left ValidationError', (t) => {
  const err = unwrapLeft(s.stream(pipe(select(users), preload('posts', userPosts), all)))
  t.is(err._tag, 'ValidationError')
  t.regex(err.message, /preload/)
  // the same query without preload streams
  t.deepEqual([...unwrap(s.stream(pipe(select(users), orderBy(users.id), all)))], USERS)
})

test('preload on a query with columns(), a join or a union is a Left ValidationError', (t) => {
  // The types refuse the first two already (the rows are not the relation's parent rows).
  // @ts-expect-error projected rows are not users rows
  const projected = pipe(select(users), columns({ id: users.id, name: users.name }), preload('posts', userPosts), all)
  // @ts-expect-error joined rows nest users under a key
  const joined = pipe(select(users), join(profiles, eq(profiles.userId, users.id)), preload('posts', userPosts), all)
  const unioned = pipe(
    select(users),
    filter(lte(users.id, 1)),
    union(pipe(select(users), filter(eq(users.id, 3)))),
    preload('posts', userPosts),
    all
  )
  for (const q of [projected, joined, unioned] as Array<Query<unknown>>) {
    log.reset()
    const err = unwrapLeft(s.run(q))
    t.is(err._tag, 'ValidationError')
    t.regex(err.message, /preload/)
    // refused before any SQL runs
    t.is(log.events.length, 0)
  }
  // @ts-expect-error projected rows are not users rows
  t.is(unwrapLeft(s.run(pipe(select(users), columns({ id: users.id }), preload('posts', userPosts), first)))._tag, 'ValidationError')
})

test('a preload does not change what count and the filters see', (t) => {
  const q = pipe(select(users), filter(inArray(users.id, [1, 3])), preload('posts', userPosts))
  t.is(unwrap(s.run(pipe(q, count))), 2)
  t.deepEqual(
    unwrap(s.run(pipe(q, orderBy(users.id), all))).map((u) => u.posts.length),
    [2, 0]
  )
  t.true(E.isRight(s.run(pipe(q, all))))
})
