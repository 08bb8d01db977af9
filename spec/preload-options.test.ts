/**
 * preload options (filter, orderBy, limit per row, columns) and manyToMany, checked against
 * hand-written SQL run through better-sqlite3 on the same file: one query per parent row,
 * written out by hand, is the reference for the one statement the library sends.
 * Random data and options come from fast-check with a printed seed (see helpers/generators.ts).
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as fc from 'fast-check'
import * as io from 'io-ts'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  asc,
  belongsTo,
  boolean,
  connect,
  createTable,
  desc,
  eq,
  filter,
  first,
  gt,
  gte,
  hasMany,
  hasOne,
  insert,
  integer,
  json,
  manyToMany,
  orderBy,
  placeholder,
  preload,
  select,
  session,
  table,
  text,
  workerPool
} from '../src/index.js'
import type { Db, Preload, Query } from '../src/index.js'
import { tempDbPath, unwrap } from './helpers/db.js'
import { checkProperty, Mismatch } from './helpers/generators.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id),
  title: text().notNull(),
  likes: integer().notNull(),
  draft: boolean().notNull(),
  meta: json(io.type({ words: io.number }))
})
const comments = table('comments', {
  id: integer().primaryKey(),
  postId: integer('post_id')
    .notNull()
    .references(() => posts.id),
  body: text().notNull()
})
const tags = table('tags', { id: integer().primaryKey(), label: text().notNull() })
const postTags = table(
  'post_tags',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id),
    weight: integer().notNull()
  },
  { primaryKey: ['postId', 'tagId'] }
)
const profiles = table('profiles', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id),
  bio: text()
})

const userPosts = hasMany(users, posts, posts.userId)
const postComments = hasMany(posts, comments, comments.postId)
const postAuthor = belongsTo(posts, users, posts.userId)
const userProfiles = hasOne(users, profiles, profiles.userId)
const postTagList = manyToMany(posts, tags, { through: postTags, from: postTags.postId, to: postTags.tagId })
const tagPosts = manyToMany(tags, posts, { through: postTags, from: postTags.tagId, to: postTags.postId })

interface Data {
  readonly users: number
  readonly posts: ReadonlyArray<{ userId: number; likes: number; draft: boolean }>
  readonly links: ReadonlyArray<{ postId: number; tagId: number; weight: number }>
}

const TAGS = 5

/** A database file with `data`, written through the library; `raw` reads the same file by hand. */
const seeded = (data: Data): { db: Db; raw: Database.Database } => {
  const file = tempDbPath()
  const db = connect(file)
  const s = session(db)
  for (const t of [users, posts, comments, tags, postTags, profiles]) unwrap(s.run(createTable(t)))
  unwrap(
    s.run(
      insert(
        users,
        Array.from({ length: data.users }, (_, i) => ({ name: `u${i + 1}` }))
      )
    )
  )
  if (data.posts.length > 0) {
    unwrap(
      s.run(
        insert(
          posts,
          data.posts.map((p, i) => ({ ...p, title: `p${i + 1}`, meta: { words: i } }))
        )
      )
    )
    unwrap(
      s.run(
        insert(
          comments,
          data.posts.map((_, i) => ({ postId: i + 1, body: `c${i + 1}` }))
        )
      )
    )
  }
  unwrap(
    s.run(
      insert(
        tags,
        Array.from({ length: TAGS }, (_, i) => ({ label: `t${i + 1}` }))
      )
    )
  )
  if (data.links.length > 0) unwrap(s.run(insert(postTags, [...data.links])))
  unwrap(s.run(insert(profiles, [{ userId: 1, bio: 'first' }])))
  return { db, raw: new Database(file, { readonly: true }) }
}

const dataArb: fc.Arbitrary<Data> = fc
  .record({
    users: fc.integer({ min: 1, max: 6 }),
    posts: fc.array(fc.record({ u: fc.nat(5), likes: fc.integer({ min: 0, max: 9 }), draft: fc.boolean() }), { maxLength: 25 }),
    links: fc.array(fc.record({ p: fc.nat(24), tagId: fc.integer({ min: 1, max: TAGS }), weight: fc.integer({ min: 0, max: 3 }) }), {
      maxLength: 40
    })
  })
  .map(({ users: n, posts: ps, links }) => {
    const postsOut = ps.map((p) => ({ userId: (p.u % n) + 1, likes: p.likes, draft: p.draft }))
    const seen = new Set<string>()
    const linksOut =
      postsOut.length === 0
        ? []
        : links
            .map((l) => ({ postId: (l.p % postsOut.length) + 1, tagId: l.tagId, weight: l.weight }))
            .filter((l) => {
              const k = `${l.postId}-${l.tagId}`
              if (seen.has(k)) return false
              seen.add(k)
              return true
            })
    return { users: n, posts: postsOut, links: linksOut }
  })

interface Options {
  readonly minLikes: number
  readonly dir: 'asc' | 'desc'
  readonly limit: number | undefined
}

const optionsArb: fc.Arbitrary<Options> = fc.record({
  minLikes: fc.integer({ min: 0, max: 10 }),
  dir: fc.constantFrom('asc' as const, 'desc' as const),
  limit: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined })
})

const same = (what: string, actual: unknown, expected: unknown): void => {
  const a = JSON.stringify(actual)
  const b = JSON.stringify(expected)
  if (a !== b) throw new Mismatch(`${what}\n  library:   ${a}\n  reference: ${b}`)
}

test('hasMany with filter, orderBy and a per-row limit matches one hand-written query per parent', (t) => {
  checkProperty(
    t,
    'spec/preload-options.test.ts',
    fc.tuple(dataArb, optionsArb),
    ([data, o]) => {
      const { db, raw } = seeded(data)
      try {
        const by = o.dir === 'asc' ? asc(posts.likes) : desc(posts.likes)
        const got = unwrap(
          session(db).run(
            pipe(
              select(users),
              preload('top', userPosts, {
                filter: gte(posts.likes, o.minLikes),
                orderBy: by,
                ...(o.limit === undefined ? {} : { limit: o.limit }),
                columns: ['id', 'likes']
              }),
              orderBy(users.id),
              all
            )
          )
        )
        const perParent = raw.prepare(
          `SELECT id, likes FROM posts WHERE user_id = ? AND likes >= ? ORDER BY likes ${o.dir.toUpperCase()}, id LIMIT ?`
        )
        const expected = (raw.prepare('SELECT id, name FROM users ORDER BY id').all() as Array<{ id: number; name: string }>).map((u) => ({
          ...u,
          top: perParent.all(u.id, o.minLikes, o.limit ?? -1)
        }))
        same(`data ${JSON.stringify(data)}, options ${JSON.stringify(o)}`, got, expected)
      } finally {
        raw.close()
      }
    },
    60,
    8000
  )
})

test('manyToMany with a junction filter, an order and a limit matches one hand-written join per parent', (t) => {
  checkProperty(
    t,
    'spec/preload-options.test.ts',
    fc.tuple(dataArb, optionsArb),
    ([data, o]) => {
      const { db, raw } = seeded(data)
      try {
        const minWeight = o.minLikes % 4
        const got = unwrap(
          session(db).run(
            pipe(
              select(posts),
              preload('tags', postTagList, {
                filter: gte(postTags.weight, minWeight),
                orderBy: [o.dir === 'asc' ? asc(tags.label) : desc(tags.label)],
                ...(o.limit === undefined ? {} : { limit: o.limit })
              }),
              orderBy(posts.id),
              all
            )
          )
        )
        const perParent = raw.prepare(
          `SELECT tags.id, tags.label FROM tags JOIN post_tags ON post_tags.tag_id = tags.id
           WHERE post_tags.post_id = ? AND post_tags.weight >= ? ORDER BY tags.label ${o.dir.toUpperCase()}, tags.id LIMIT ?`
        )
        const expected = got.map((p) => ({ id: p.id, tags: perParent.all(p.id, minWeight, o.limit ?? -1) }))
        same(
          `data ${JSON.stringify(data)}, options ${JSON.stringify(o)}`,
          got.map((p) => ({ id: p.id, tags: p.tags })),
          expected
        )
        const postIds = (raw.prepare('SELECT id FROM posts ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id)
        same(
          'the posts read',
          got.map((p) => p.id),
          postIds
        )
      } finally {
        raw.close()
      }
    },
    60,
    8000
  )
})

const fixed: Data = {
  users: 3,
  posts: [
    { userId: 1, likes: 5, draft: false },
    { userId: 1, likes: 9, draft: true },
    { userId: 2, likes: 1, draft: false },
    { userId: 1, likes: 7, draft: false },
    { userId: 2, likes: 8, draft: false }
  ],
  links: [
    { postId: 1, tagId: 1, weight: 1 },
    { postId: 1, tagId: 2, weight: 2 },
    { postId: 2, tagId: 2, weight: 3 },
    { postId: 4, tagId: 3, weight: 0 }
  ]
}

test('columns: only the columns asked for, typed so; keys needed to match are read and removed', (t) => {
  const { db, raw } = seeded(fixed)
  raw.close()
  const r = session(db).run(
    pipe(
      select(users),
      filter(eq(users.id, 1)),
      // neither the foreign key (userId) nor the nested relation's key (id) is asked for
      preload(
        'posts',
        userPosts,
        { columns: ['title', 'meta'], orderBy: posts.id },
        preload('comments', postComments, { columns: ['body'] })
      ),
      first
    )
  )
  const u = unwrap(r)
  t.true(u._tag === 'Some')
  if (u._tag !== 'Some') return
  t.deepEqual(u.value.posts, [
    { title: 'p1', meta: { words: 0 }, comments: [{ body: 'c1' }] },
    { title: 'p2', meta: { words: 1 }, comments: [{ body: 'c2' }] },
    { title: 'p4', meta: { words: 3 }, comments: [{ body: 'c4' }] }
  ])
  const typed: Array<{ title: string; meta: { words: number } | null; comments: Array<{ body: string }> }> = u.value.posts
  t.is(typed.length, 3)
})

test('one statement per relation, whatever the options and the number of parents', (t) => {
  const data: Data = {
    users: 200,
    posts: Array.from({ length: 1000 }, (_, i) => ({ userId: (i % 200) + 1, likes: i % 10, draft: i % 3 === 0 })),
    links: Array.from({ length: 1000 }, (_, i) => ({ postId: i + 1, tagId: (i % TAGS) + 1, weight: i % 4 }))
  }
  const file = seeded(data)
  file.raw.close()
  const seen: string[] = []
  const db = connect(file.db.path, { log: (e) => void seen.push(e.sql) })
  const r = session(db).run(
    pipe(
      select(users),
      preload('latest', userPosts, { orderBy: desc(posts.id), limit: 2 }, preload('tags', postTagList, { limit: 1 })),
      all
    )
  )
  const rows = unwrap(r)
  t.is(rows.length, 200)
  t.true(rows.every((u) => u.latest.length === 2 && u.latest.every((p) => p.tags.length === 1)))
  t.is(seen.filter((s) => s.startsWith('SELECT')).length, 3)
  // the latest two of user 1: posts 801 and 601 (user 1 owns posts 1, 201, 401, 601, 801)
  t.deepEqual(
    rows[0]!.latest.map((p) => p.id),
    [801, 601]
  )
})

test('belongsTo and hasOne take filter, orderBy and columns: a filtered-out parent reads null', (t) => {
  const { db, raw } = seeded(fixed)
  raw.close()
  const s = session(db)
  const r = unwrap(
    s.run(pipe(select(posts), preload('author', postAuthor, { filter: eq(users.name, 'u1'), columns: ['name'] }), orderBy(posts.id), all))
  )
  t.deepEqual(
    r.map((p) => p.author),
    [{ name: 'u1' }, { name: 'u1' }, null, { name: 'u1' }, null]
  )
  const withProfile = unwrap(s.run(pipe(select(users), preload('profile', userProfiles, { columns: ['bio'] }), orderBy(users.id), all)))
  t.deepEqual(
    withProfile.map((u) => u.profile),
    [{ bio: 'first' }, null, null]
  )
})

test('manyToMany both ways, nested under hasMany, and a many-to-many nesting a hasMany', (t) => {
  const { db, raw } = seeded(fixed)
  const s = session(db)
  const byTag = unwrap(
    s.run(pipe(select(tags), preload('posts', tagPosts, { columns: ['title'] }, preload('comments', postComments)), orderBy(tags.id), all))
  )
  t.deepEqual(
    byTag.map((g) => [g.label, g.posts.map((p) => [p.title, p.comments.map((c) => c.body)])]),
    [
      ['t1', [['p1', ['c1']]]],
      [
        't2',
        [
          ['p1', ['c1']],
          ['p2', ['c2']]
        ]
      ],
      ['t3', [['p4', ['c4']]]],
      ['t4', []],
      ['t5', []]
    ]
  )
  const nested = unwrap(s.run(pipe(select(users), preload('posts', userPosts, preload('tags', postTagList)), orderBy(users.id), all)))
  const reference = raw
    .prepare(
      `SELECT u.id AS user, p.id AS post, group_concat(t.label) AS labels
       FROM users u JOIN posts p ON p.user_id = u.id LEFT JOIN (SELECT * FROM post_tags ORDER BY tag_id) pt ON pt.post_id = p.id LEFT JOIN tags t ON t.id = pt.tag_id
       GROUP BY u.id, p.id ORDER BY u.id, p.id`
    )
    .all() as Array<{ user: number; post: number; labels: string | null }>
  raw.close()
  t.deepEqual(
    nested.flatMap((u) =>
      u.posts.map((p) => ({ user: u.id, post: p.id, labels: p.tags.length === 0 ? null : p.tags.map((g) => g.label).join(',') }))
    ),
    reference
  )
})

test('the worker pool runs a preload with options to the same rows as the session', async (t) => {
  const { db, raw } = seeded(fixed)
  raw.close()
  const q = pipe(
    select(users),
    preload('top', userPosts, { filter: eq(posts.draft, false), orderBy: desc(posts.likes), limit: 1, columns: ['title', 'likes'] }),
    orderBy(users.id),
    all
  )
  const pool = workerPool(db, { readers: 1 })
  try {
    const viaPool = await pool.run(q)()
    t.deepEqual(viaPool, session(db).run(q))
    t.deepEqual(
      unwrap(viaPool).map((u) => u.top),
      [[{ title: 'p4', likes: 7 }], [{ title: 'p5', likes: 8 }], []]
    )
  } finally {
    await pool.close()
  }
})

// -------------------------------------------------------------------------------------
// bad input: a Left that says what and where, never a throw
// -------------------------------------------------------------------------------------

const leftOf = (db: Db, q: Parameters<ReturnType<typeof session>['run']>[0]): { tag: string; message: string } => {
  const r = session(db).run(q)
  if (E.isRight(r)) throw new Error('expected a Left')
  return { tag: r.left._tag, message: r.left.message }
}

test('bad preload options are a Left ValidationError naming the preload and what to do', (t) => {
  const { db, raw } = seeded(fixed)
  raw.close()
  const cases: Array<[string, Preload<string, unknown, unknown>, RegExp]> = [
    [
      'limit on hasOne',
      preload('profile', userProfiles, { limit: 1 } as never),
      /preload profile: limit applies to relations that load many rows \(hasMany, manyToMany\); hasOne loads one/
    ],
    ['negative limit', preload('posts', userPosts, { limit: -1 }), /preload posts: limit takes a whole number >= 0, got -1/],
    ['fractional limit', preload('posts', userPosts, { limit: 1.5 }), /limit takes a whole number >= 0, got 1.5/],
    [
      'unknown column',
      preload('posts', userPosts, { columns: ['nope' as 'title'] }),
      /columns names "nope" \(string\), which is not a column of posts \(its columns: id, userId, title/
    ],
    ['no columns', preload('posts', userPosts, { columns: [] }), /columns takes a non-empty list/],
    [
      'unknown option',
      preload('posts', userPosts, { where: eq(posts.id, 1) } as never),
      /unknown option where \(options are filter, orderBy, limit and columns\)/
    ],
    ['a filter that is not a condition', preload('posts', userPosts, { filter: 'id = 1' as never }), /preload posts's filter/],
    [
      'a placeholder in options',
      preload('posts', userPosts, { filter: eq(posts.id, placeholder('id')) }),
      /a placeholder cannot stand in preload options/
    ],
    ['a filter on another table', preload('posts', userPosts, { filter: eq(users.name, 'x') } as never), /users/],
    ['a stray argument', preload('posts', userPosts, {}, 'oops' as never), /every argument must be a nested preload/]
  ]
  for (const [what, pl, expected] of cases) {
    const left = leftOf(db, pipe(select(users), pl, all))
    t.is(left.tag, 'ValidationError', what)
    t.regex(left.message, expected, what)
  }
  const wrongJunction = manyToMany(posts, tags, { through: postTags, from: comments.postId as never, to: postTags.tagId })
  const left = leftOf(db, pipe(select(posts), preload('tags', wrongJunction), all))
  t.is(left.tag, 'ValidationError')
  t.regex(left.message, /manyToMany's from must be a column of post_tags, got comments.postId/)
  const selfJunction = manyToMany(posts, tags, { through: tags, from: tags.id, to: tags.id })
  t.regex(leftOf(db, pipe(select(posts), preload('tags', selfJunction), all)).message, /junction table must be a third table/)
})

test('preload options typed: limit only on many, filter and orderBy only on the related tables (see spec/types/preload.ts)', (t) => {
  // @ts-expect-error limit is for relations that load many rows
  const one = preload('author', postAuthor, { limit: 1 })
  // @ts-expect-error a column of another table
  const other = preload('posts', userPosts, { filter: eq(users.name, 'x') })
  // @ts-expect-error not a column key of posts
  const key = preload('posts', userPosts, { columns: ['name'] })
  // the junction's columns are in scope for a many-to-many ...
  const junction = preload('tags', postTagList, { filter: gt(postTags.weight, 1), orderBy: desc(postTags.weight) })
  // @ts-expect-error ... but not for a hasMany
  const notJunction = preload('posts', userPosts, { orderBy: desc(postTags.weight) })
  // What the types refuse, the run time refuses too (a Left naming the preload); what they accept runs.
  const { db, raw } = seeded(fixed)
  raw.close()
  const s = session(db)
  const refused = (q: unknown, what: RegExp): void => {
    const r = s.run(q as Query<unknown>)
    t.true(E.isLeft(r) && r.left._tag === 'ValidationError' && what.test(r.left.message), JSON.stringify(r))
  }
  refused(pipe(select(posts), one, all), /preload author: limit applies to relations that load many rows/)
  refused(pipe(select(users), other, all), /users/)
  refused(pipe(select(users), key, all), /columns names "name" \(string\), which is not a column of posts/)
  refused(pipe(select(users), notJunction, all), /post_tags/)
  t.deepEqual(
    unwrap(s.run(pipe(select(posts), junction, orderBy(posts.id), all))).map((p) => p.tags.map((g) => g.label)),
    [['t2'], ['t2'], [], [], []]
  )
})
