/**
 * Interned row shapes (issue #22): the compiler returns one RowShape (fields, groups, id)
 * per row layout, the session's row readers are keyed by it, and the pool's statement
 * shapes by its id. Rows are checked against hand-written SQL run through better-sqlite3.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import * as iots from 'io-ts'
import {
  all,
  columns,
  connect,
  createTable,
  eq,
  filter,
  first,
  insert,
  integer,
  join,
  json,
  leftJoin,
  select,
  session,
  table,
  text
} from '../src/index.js'
import type { Query } from '../src/query/ast.js'
import { Codecs } from '../src/query/ast.js'
import { compile } from '../src/query/compile.js'
import type { Compiled } from '../src/query/compiled.js'
import { planOf } from '../src/session/assemble.js'
import { shapeOf } from '../src/pool/shapes.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer().notNull(),
  title: text().notNull(),
  meta: json(iots.type({ tags: iots.array(iots.string) }))
})

const compiled = (q: Query<unknown>): Compiled => unwrap(compile(q))
const codecsOf = (q: Query<unknown>) => (q as { readonly [Codecs]?: Parameters<typeof planOf>[1] })[Codecs]

// Built afresh on every call, as an application builds them inline: equal, never the same value.
const byId = (id: number) => pipe(select(users), filter(eq(users.id, id)), first)
const names = (age: number) => pipe(select(users), filter(eq(users.age, age)), columns({ who: users.name, years: users.age }), all)
const joined = () => pipe(select(users), join(posts, eq(posts.userId, users.id)), all)

test('two equal selects built separately share one interned row shape; other layouts get other ids', (t) => {
  const a = compiled(byId(1))
  const b = compiled(byId(2))
  t.not(a, b, 'two query values, two compiled forms')
  t.is(a.shape, b.shape, 'one shape object')
  t.is(a.fields, a.shape.fields)

  // A projection's fields are made afresh by every compile: interned by signature, still one shape.
  const p = compiled(names(30))
  const q = compiled(names(40))
  t.is(p.shape, q.shape)
  t.is(p.fields, q.fields, 'the compiled form carries the shape fields')

  const j = compiled(joined())
  t.is(j.shape, compiled(joined()).shape)
  t.deepEqual(j.shape.groups, [
    { key: 'users', nullable: false },
    { key: 'posts', nullable: false }
  ])
  // The same tables with a left join: nullable posts, so another layout.
  const l = compiled(pipe(select(users), leftJoin(posts, eq(posts.userId, users.id)), all))
  t.not(l.shape.id, j.shape.id)

  const ids = new Set([a.shape.id, p.shape.id, j.shape.id, l.shape.id])
  t.is(ids.size, 4, 'distinct layouts, distinct ids')
})

test('a projection of the same keys with another json codec is another shape (a reader must not decode with the wrong codec)', (t) => {
  const loose = json(iots.unknown)
  const other = table('posts', { id: integer().primaryKey(), meta: loose })
  const strict = compiled(pipe(select(posts), columns({ m: posts.meta }), all))
  const lax = compiled(pipe(select(other), columns({ m: other.meta }), all))
  t.not(strict.shape, lax.shape)
  t.is(strict.shape, compiled(pipe(select(posts), columns({ m: posts.meta }), all)).shape)
})

test("the session's row reader is keyed by the shape, not by the field array", (t) => {
  const p = compiled(names(30))
  const q = compiled(names(40))
  const reader = planOf(p, codecsOf(names(30))).reader
  t.is(planOf(q, codecsOf(names(40))).reader, reader, 'equal projections compiled twice: one reader')
  // A compiled form whose field array is a copy, but whose shape is the same: the same reader.
  const copy: Compiled = { ...p, fields: [...p.fields] }
  t.is(planOf(copy, codecsOf(names(30))).reader, reader)
  // And the other way: the same field array under another shape is another reader.
  const moved: Compiled = { ...p, shape: { ...p.shape, id: -1 } }
  t.not(planOf(moved, codecsOf(names(30))).reader, reader)
})

test("the pool's statement shapes are keyed by the row shape's id", (t) => {
  const a = shapeOf(compiled(names(30)))
  const b = shapeOf(compiled(names(40)))
  t.truthy(a)
  t.is(a, b, 'equal queries built afresh: one statement shape')
  t.is(a!.def.compiled.shape.id, compiled(names(50)).shape.id)
})

test('rows read through shared shapes match hand-written SQL', (t) => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(users)))
  unwrap(s.run(createTable(posts)))
  unwrap(
    s.run(
      insert(users, [
        { name: 'Ann', age: 30 },
        { name: 'Bob', age: 40 },
        { name: 'Cleo', age: 30 }
      ])
    )
  )
  unwrap(
    s.run(
      insert(posts, [
        { userId: 1, title: 'a', meta: { tags: ['x'] } },
        { userId: 3, title: 'b', meta: { tags: [] } }
      ])
    )
  )
  const db = new Database(file, { readonly: true })
  try {
    for (const age of [30, 40, 50]) {
      const expected = db.prepare('SELECT name AS who, age AS years FROM users WHERE age = ? ORDER BY rowid').all(age)
      t.deepEqual(s.run(names(age)), E.right(expected))
    }
    for (const id of [1, 2, 3, 4]) {
      const row = db.prepare('SELECT id, name, age FROM users WHERE id = ?').get(id) as Record<string, unknown> | undefined
      const got = s.run(byId(id))
      t.true(E.isRight(got))
      if (E.isRight(got)) t.deepEqual(got.right._tag === 'Some' ? got.right.value : undefined, row)
    }
    const rows = db
      .prepare(
        'SELECT u.id AS uid, u.name, u.age, p.id AS pid, p.userId, p.title, p.meta FROM users u JOIN posts p ON p.userId = u.id ORDER BY u.id, p.id'
      )
      .all() as Array<Record<string, unknown>>
    const expected = rows.map((r) => ({
      users: { id: r.uid, name: r.name, age: r.age },
      posts: { id: r.pid, userId: r.userId, title: r.title, meta: JSON.parse(String(r.meta)) as unknown }
    }))
    for (let i = 0; i < 2; i++) t.deepEqual(s.run(joined()), E.right(expected))
  } finally {
    db.close()
    s.close()
  }
})
