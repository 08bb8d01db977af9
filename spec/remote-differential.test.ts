/**
 * The same query values on remotePool(dqlite(...)) and on a local session: one corpus (DDL
 * with STRICT and WITHOUT ROWID, inserts one and many, upserts, RETURNING, constraint errors,
 * every result mode, joins, preloads, CTEs incl. recursive, compounds, windows, placeholders,
 * raw with decode, long inArray lists, json/boolean/timestamp/bigint/blob columns), run step
 * by step on both from empty databases. Every step must give the same Either: Rights equal,
 * Lefts of the same tag, code, constraint kind, table and columns (message texts come from
 * two SQLite versions). Needs the cluster (scripts/dqlite-cluster.sh start); skipped without.
 */
import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as io from 'io-ts'
import type { DbError, Query } from '../src/index.js'
import {
  all,
  asc,
  belongsTo,
  blob,
  boolean,
  columns,
  connect,
  count,
  countAll,
  createTable,
  decode,
  deleteFrom,
  desc,
  eq,
  except,
  excluded,
  exists,
  filter,
  first,
  groupBy,
  gt,
  hasMany,
  inArray,
  insert,
  integer,
  join,
  json,
  leftJoin,
  limit,
  lower,
  notInArray,
  onConflictDoNothing,
  onConflictDoUpdate,
  one,
  orderBy,
  over,
  placeholder,
  preload,
  raw,
  rank,
  real,
  returning,
  rowNumber,
  select,
  session,
  set,
  sql,
  sum,
  table,
  text,
  timestamp,
  union,
  unionAll,
  update,
  value,
  values,
  withQuery,
  withRecursive
} from '../src/index.js'
import { dqlite, remotePool } from '../src/index.js'
import { NO_CLUSTER, SERVERS, clusterUp, freshDatabase } from './helpers/dqlite.js'

// -------------------------------------------------------------------------------------
// schema
// -------------------------------------------------------------------------------------

const Prefs = io.type({ theme: io.string })

const users = table(
  'users',
  {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().notNull().unique(),
    age: integer(),
    active: boolean().notNull().default(true),
    prefs: json(Prefs),
    joined: timestamp(),
    score: real()
  },
  { strict: true }
)

const posts = table('posts', {
  id: integer().primaryKey(),
  authorId: integer('author_id')
    .notNull()
    .references(() => users.id),
  title: text().notNull(),
  likes: integer().notNull().default(0)
})

const tags = table('tags', { name: text().primaryKey(), n: integer().notNull() }, { withoutRowid: true })

const big = table('big', { id: integer().primaryKey(), v: integer({ mode: 'bigint' }), b: blob() })

const employees = table('employees', { id: integer().primaryKey(), name: text().notNull(), bossId: integer('boss_id') })

const userPosts = hasMany(users, posts, posts.authorId)
const postAuthor = belongsTo(posts, users, posts.authorId)

// -------------------------------------------------------------------------------------
// corpus: steps run in order on both engines
// -------------------------------------------------------------------------------------

interface Step {
  readonly name: string
  readonly q: Query<unknown>
  readonly params?: Readonly<Record<string, unknown>>
}

const step = <A>(name: string, q: Query<A>, params?: Readonly<Record<string, unknown>>): Step =>
  params === undefined ? { name, q } : { name, q, params }

const at = (iso: string) => new Date(iso)
const manyIds = Array.from({ length: 300 }, (_, i) => i + 1)

const corpus: ReadonlyArray<Step> = [
  // DDL
  step('create users (STRICT)', createTable(users)),
  step('create posts', createTable(posts)),
  step('create tags (WITHOUT ROWID)', createTable(tags)),
  step('create big', createTable(big)),
  step('create employees', createTable(employees)),
  step('create users again: error', createTable(users)),
  // inserts
  step(
    'insert one',
    insert(users, { name: 'Ann', email: 'ann@x.io', age: 31, prefs: { theme: 'dark' }, joined: at('2024-01-02T03:04:05.678Z'), score: 1.5 })
  ),
  step(
    'insert many',
    insert(users, [
      { name: 'Bob', email: 'bob@x.io', age: 25, active: false, prefs: null, joined: at('2023-06-01T00:00:00.000Z'), score: 2.25 },
      { name: 'Cy', email: 'cy@x.io', age: null, prefs: { theme: 'light' }, joined: null, score: null },
      { name: 'Di', email: 'di@x.io', age: 40, prefs: { theme: 'dark' }, joined: at('2025-12-31T23:59:59.999Z'), score: -3 }
    ])
  ),
  step(
    'insert RETURNING',
    pipe(insert(users, { name: 'Eve', email: 'eve@x.io', age: 22 }), returning({ id: users.id, name: users.name, active: users.active }))
  ),
  step(
    'insert many RETURNING',
    pipe(
      insert(posts, [
        { authorId: 1, title: 'Hello', likes: 3 },
        { authorId: 1, title: 'Joins', likes: 10 },
        { authorId: 2, title: 'Windows', likes: 7 },
        { authorId: 4, title: 'CTEs', likes: 1 }
      ]),
      returning({ id: posts.id, title: posts.title })
    )
  ),
  step(
    'insert tags',
    insert(tags, [
      { name: 'sql', n: 1 },
      { name: 'fp', n: 2 }
    ])
  ),
  step(
    'insert big + blob',
    insert(big, [
      { v: 9007199254740993n, b: new Uint8Array([0, 1, 2, 255]) },
      { v: -5n, b: null }
    ])
  ),
  step(
    'insert employees',
    insert(employees, [{ name: 'Ada' }, { name: 'Bob', bossId: 1 }, { name: 'Cy', bossId: 2 }, { name: 'Di' }, { name: 'Ed', bossId: 3 }])
  ),
  // constraint errors by tag
  step('unique violation', insert(users, { name: 'Ann2', email: 'ann@x.io' })),
  step('not null violation', raw(sql`INSERT INTO users (name, email) VALUES (NULL, 'z@x.io')`)),
  step('foreign key violation', insert(posts, { authorId: 999, title: 'orphan' })),
  step('primary key violation (WITHOUT ROWID)', insert(tags, { name: 'sql', n: 5 })),
  step('strict type violation', raw(sql`INSERT INTO users (name, email, age) VALUES ('T', 't@x.io', 'old')`)),
  // upserts
  step(
    'upsert do update',
    pipe(
      insert(tags, [
        { name: 'sql', n: 10 },
        { name: 'ts', n: 3 }
      ]),
      onConflictDoUpdate({ target: tags.name, set: { n: excluded(tags.n) } })
    )
  ),
  step('upsert do nothing', pipe(insert(users, { name: 'Ann3', email: 'ann@x.io' }), onConflictDoNothing(users.email))),
  step('read tags', pipe(select(tags), orderBy(tags.name), all)),
  // result modes
  step('all', pipe(select(users), orderBy(users.id), all)),
  step('first', pipe(select(users), filter(eq(users.email, 'bob@x.io')), first)),
  step('first none', pipe(select(users), filter(eq(users.email, 'nobody')), first)),
  step('one', pipe(select(users), filter(eq(users.id, 3)), one)),
  step('one: NotFound', pipe(select(users), filter(eq(users.id, 99)), one)),
  step('one: TooManyRows', pipe(select(users), one)),
  step('count', pipe(select(users), filter(gt(users.age, 24)), count)),
  step('exists', pipe(select(users), filter(eq(users.name, 'Di')), exists)),
  step('exists not', pipe(select(users), filter(eq(users.name, 'Zed')), exists)),
  step('value', pipe(select(users), filter(eq(users.id, 1)), value(users.joined))),
  step('value none', pipe(select(users), filter(eq(users.id, 99)), value(users.name))),
  step('values', pipe(select(users), orderBy(users.id), values(users.prefs))),
  step('values boolean', pipe(select(users), orderBy(users.id), values(users.active))),
  step('bigint + blob columns', pipe(select(big), orderBy(big.id), all)),
  step('bigint value', pipe(select(big), filter(eq(big.id, 1)), value(big.v))),
  // projections, joins, aggregates
  step('columns + lower', pipe(select(users), columns({ id: users.id, n: lower(users.name) }), orderBy(desc(users.id)), limit(3), all)),
  step('join', pipe(select(posts), join(users, eq(posts.authorId, users.id)), orderBy(posts.id), all)),
  step('left join', pipe(select(users), leftJoin(posts, eq(posts.authorId, users.id)), orderBy(users.id, posts.id), all)),
  step(
    'group by',
    pipe(
      select(posts),
      columns({ authorId: posts.authorId, total: sum(posts.likes), n: countAll() }),
      groupBy(posts.authorId),
      orderBy(posts.authorId),
      all
    )
  ),
  // preloads
  step('preload hasMany', pipe(select(users), orderBy(users.id), preload('posts', userPosts), all)),
  step(
    'preload with options (filter, orderBy, per-row limit, columns)',
    pipe(
      select(users),
      orderBy(users.id),
      preload('top', userPosts, { filter: gt(posts.likes, 1), orderBy: desc(posts.likes), limit: 1, columns: ['title', 'likes'] }),
      all
    )
  ),
  step('preload belongsTo', pipe(select(posts), filter(eq(posts.title, 'Joins')), preload('author', postAuthor), one)),
  // CTEs
  step(
    'with',
    (() => {
      const active = withQuery(
        'active_users',
        pipe(select(users), filter(eq(users.active, true)), columns({ id: users.id, name: users.name }))
      )
      return pipe(select(active), orderBy(active.id), values(active.name))
    })()
  ),
  step(
    'with recursive',
    (() => {
      const team = withRecursive(
        'team',
        pipe(select(employees), filter(eq(employees.id, 1)), columns({ id: employees.id, name: employees.name, depth: sql<number>`0` })),
        (self) =>
          pipe(
            select(employees),
            join(self, eq(employees.bossId, self.id)),
            columns({ id: employees.id, name: employees.name, depth: sql<number>`${self.depth} + 1` })
          )
      )
      return pipe(select(team), orderBy(team.depth), all)
    })()
  ),
  // compounds
  step(
    'union',
    pipe(
      select(users),
      columns({ n: users.name }),
      filter(gt(users.age, 30)),
      union(pipe(select(employees), columns({ n: employees.name }))),
      all
    )
  ),
  step('union all', pipe(select(tags), columns({ n: tags.name }), unionAll(pipe(select(tags), columns({ n: tags.name }))), all)),
  step('except', pipe(select(employees), columns({ n: employees.name }), except(pipe(select(users), columns({ n: users.name }))), all)),
  // windows
  step(
    'row_number, rank',
    pipe(
      select(posts),
      columns({
        id: posts.id,
        rn: over(rowNumber(), { partitionBy: [posts.authorId], orderBy: [desc(posts.likes)] }),
        r: over(rank(), { orderBy: [asc(posts.likes)] })
      }),
      orderBy(posts.id),
      all
    )
  ),
  // placeholders
  step('placeholder', pipe(select(users), filter(eq(users.email, placeholder('email'))), first), { email: 'cy@x.io' }),
  step(
    'placeholder timestamp',
    pipe(select(users), filter(gt(users.joined, placeholder('since'))), orderBy(users.id), values(users.name)),
    { since: at('2024-01-01T00:00:00.000Z') }
  ),
  step('placeholder missing', pipe(select(users), filter(eq(users.id, placeholder('id'))), first)),
  step('placeholder list (300)', pipe(select(users), filter(inArray(users.id, placeholder('ids'))), count), { ids: manyIds }),
  // long inArray literal lists
  step('inArray 300 literals', pipe(select(users), filter(inArray(users.id, manyIds)), count)),
  step(
    'notInArray 300 literals',
    pipe(
      select(posts),
      filter(
        notInArray(
          posts.id,
          manyIds.map((i) => i + 2)
        )
      ),
      values(posts.title)
    )
  ),
  // raw with decode
  step('raw', pipe(raw(sql`SELECT name, age FROM users WHERE age > ${20} ORDER BY id`), all)),
  step(
    'raw decode',
    pipe(raw(sql`SELECT name, age FROM users WHERE age IS NOT NULL ORDER BY id`), decode(io.type({ name: io.string, age: io.number })), all)
  ),
  step(
    'raw decode failure',
    pipe(raw(sql`SELECT name, age FROM users ORDER BY id`), decode(io.type({ name: io.string, age: io.number })), all)
  ),
  step('raw value', pipe(raw(sql`SELECT ${3} / 2`), value<number>())),
  step('raw no such table', pipe(raw(sql`SELECT * FROM nope`), all)),
  // updates and deletes
  step('update', pipe(update(users), set({ age: 50, prefs: { theme: 'blue' } }), filter(eq(users.id, 2)))),
  step(
    'update RETURNING',
    pipe(update(posts), set({ likes: 0 }), filter(eq(posts.authorId, 1)), returning({ id: posts.id, likes: posts.likes }))
  ),
  step('delete', pipe(deleteFrom(posts), filter(eq(posts.title, 'CTEs')))),
  step('delete RETURNING', pipe(deleteFrom(tags), filter(eq(tags.name, 'fp')), returning({ name: tags.name }))),
  step('after writes', pipe(select(users), orderBy(users.id), preload('posts', userPosts), all)),
  step('counts after', pipe(select(posts), count))
]

// -------------------------------------------------------------------------------------
// comparison
// -------------------------------------------------------------------------------------

/** A Left as both engines must agree on it (messages come from two SQLite versions). */
const shape = (r: E.Either<DbError, unknown>): unknown =>
  E.isRight(r)
    ? r
    : E.left({
        _tag: r.left._tag,
        code: 'code' in r.left ? r.left.code : undefined,
        kind: r.left._tag === 'ConstraintError' ? r.left.kind : undefined,
        table: r.left._tag === 'ConstraintError' ? r.left.table : undefined,
        columns: r.left._tag === 'ConstraintError' ? r.left.columns : undefined,
        path: r.left._tag === 'ValidationError' ? r.left.path : undefined,
        issues: r.left._tag === 'DecodeError' ? r.left.issues.map((i) => i.path) : undefined
      })

const up = await clusterUp()

if (!up) {
  test.skip(NO_CLUSTER, () => undefined)
} else {
  test('every step of the corpus gives the same Either on remotePool(dqlite) as on a local session', async (t) => {
    const local = session(connect(':memory:'))
    const pool = remotePool(dqlite({ servers: SERVERS, database: freshDatabase('diff') }))
    try {
      let rights = 0
      for (const s of corpus) {
        const want = local.run(s.q, s.params)
        const got = await pool.run(s.q, s.params)()
        t.deepEqual(shape(got), shape(want), s.name)
        if (E.isRight(want)) rights++
      }
      // The corpus is mostly successes: a broken pool that answers Left everywhere cannot pass.
      t.true(rights > corpus.length * 0.7, `${rights} of ${corpus.length} steps are Right`)
    } finally {
      await pool.close()
      local.close()
    }
  })

  test('batch: the same results in one transaction, and all or nothing on a constraint error', async (t) => {
    const local = session(connect(':memory:'))
    const pool = remotePool(dqlite({ servers: SERVERS, database: freshDatabase('batch') }))
    try {
      for (const s of corpus.slice(0, 5)) {
        local.run(s.q)
        await pool.run(s.q)()
      }
      const ok = [
        insert(users, { name: 'A', email: 'a@x.io' }),
        pipe(insert(users, { name: 'B', email: 'b@x.io' }), returning({ id: users.id })),
        pipe(select(users), count)
      ] as const
      const { transaction } = await import('../src/index.js')
      t.deepEqual(await pool.batch(ok)(), transaction(local.db, ok))
      const bad = [insert(users, { name: 'C', email: 'c@x.io' }), insert(users, { name: 'D', email: 'a@x.io' })] as const
      t.deepEqual(shape(await pool.batch(bad)()), shape(transaction(local.db, bad)))
      t.deepEqual(await pool.run(pipe(select(users), orderBy(users.id), values(users.email)))(), E.right(['a@x.io', 'b@x.io']))
    } finally {
      await pool.close()
      local.close()
    }
  })
}
