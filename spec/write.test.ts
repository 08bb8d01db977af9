import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as O from 'fp-ts/lib/Option.js'
import * as io from 'io-ts'
import type { Row } from '../src/index.js'
import {
  all,
  allRows,
  boolean,
  changed,
  count,
  createTable,
  decode,
  deleteFrom,
  eq,
  excluded,
  excludedAll,
  exists,
  filter,
  first,
  gt,
  insert,
  integer,
  json,
  lt,
  one,
  onConflictDoNothing,
  onConflictDoUpdate,
  orIgnore,
  orReplace,
  placeholder,
  raw,
  returning,
  rowCodec,
  select,
  session,
  set,
  sql,
  table,
  text,
  timestamp,
  toSQL,
  update,
  value,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text().notNull().unique(),
  age: integer(),
  score: integer().notNull().default(0),
  active: boolean().notNull().default(true),
  prefs: json(io.type({ theme: io.string })),
  seenAt: timestamp('seen_at')
})

const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  title: text().notNull()
})

const tags = table('tags', {
  id: integer().primaryKey(),
  postId: integer('post_id')
    .notNull()
    .references(() => posts.id, { onDelete: 'restrict' }),
  label: text().notNull()
})

const setup = () => {
  const s = session(tempDb())
  for (const t of [users, posts, tags]) unwrap(s.run(createTable(t)))
  unwrap(
    s.run(
      insert(users, [
        { name: 'Ann', email: 'ann@x.io', age: 30 },
        { name: 'Bob', email: 'bob@x.io', age: 17 },
        { name: 'Cy', email: 'cy@x.io' }
      ])
    )
  )
  unwrap(
    s.run(
      insert(posts, [
        { userId: 1, title: 'hello' },
        { userId: 1, title: 'again' },
        { userId: 2, title: 'mine' }
      ])
    )
  )
  return s
}

type S = ReturnType<typeof setup>
const snapshot = (s: S) => ({
  users: unwrap(s.run(pipe(select(users), all))),
  posts: unwrap(s.run(pipe(select(posts), all))),
  tags: unwrap(s.run(pipe(select(tags), all)))
})

// -------------------------------------------------------------------------------------
// update
// -------------------------------------------------------------------------------------

test('update sets values on the filtered rows only and returns changes', (t) => {
  const s = setup()
  const r = unwrap(s.run(pipe(update(users), set({ age: 35, active: false }), filter(eq(users.id, 1)))))
  t.is(r.changes, 1)
  const rows = unwrap(s.run(pipe(select(users), all)))
  t.like(rows[0], { id: 1, age: 35, active: false })
  t.like(rows[1], { id: 2, age: 17, active: true })
})

test('update through an expression, and with placeholders', (t) => {
  const s = setup()
  unwrap(s.run(pipe(update(users), set({ score: sql<number>`${users.score} + ${5}` }), filter(gt(users.age, 18)))))
  t.deepEqual(unwrap(s.run(pipe(select(users), values(users.score)))), [5, 0, 0])
  const bump = pipe(update(users), set({ age: placeholder('age') }), filter(eq(users.id, placeholder('id'))))
  unwrap(s.run(bump, { age: 40, id: 2 }))
  unwrap(s.run(bump, { age: null, id: 1 }))
  t.deepEqual(unwrap(s.run(pipe(select(users), values(users.age)))), [null, 40, null])
  const bad = unwrapLeft(s.run(bump, { age: 'x', id: 1 }))
  t.is(bad._tag, 'ValidationError')
})

test('update encodes values by column kind (timestamp, json, boolean)', (t) => {
  const s = setup()
  const when = new Date('2024-01-02T03:04:05.006Z')
  unwrap(s.run(pipe(update(users), set({ seenAt: when, prefs: { theme: 'dark' }, active: false }), filter(eq(users.id, 3)))))
  const stored = unwrap(s.run(pipe(raw(sql`SELECT seen_at, prefs, active FROM users WHERE id = 3`), first)))
  t.deepEqual(stored, O.some({ seen_at: '2024-01-02T03:04:05.006Z', prefs: '{"theme":"dark"}', active: 0 }))
  t.like(O.toUndefined(unwrap(s.run(pipe(select(users), filter(eq(users.id, 3)), first)))), {
    seenAt: when,
    prefs: { theme: 'dark' },
    active: false
  })
})

test('update and delete without a filter are refused, nothing changes; allRows says so on purpose', (t) => {
  const s = setup()
  const before = snapshot(s)
  const u = unwrapLeft(s.run(pipe(update(users), set({ age: 1 }))))
  t.is(u._tag, 'ValidationError')
  t.regex(u.message, /update users has no filter.*pipe the query through allRows/)
  const d = unwrapLeft(s.run(deleteFrom(tags)))
  t.regex(d.message, /delete from tags has no filter.*allRows/)
  t.deepEqual(snapshot(s), before)
  t.is(unwrap(s.run(pipe(update(users), set({ age: 1 }), allRows))).changes, 3)
  t.is(unwrap(s.run(pipe(deleteFrom(posts), allRows))).changes, 3)
  t.is(unwrap(s.run(pipe(select(posts), count))), 0)
})

test('changed(before, after) updates only the differing fields; nothing changed is a no-op Right', (t) => {
  const s = setup()
  const ann = unwrap(s.run(pipe(select(users), filter(eq(users.id, 1)), one)))
  const same = changed(ann, { ...ann, seenAt: null, prefs: null })
  t.deepEqual({ ...same }, {})
  t.deepEqual(unwrap(s.run(pipe(update(users), set(same), filter(eq(users.id, 1))))), { changes: 0, lastInsertRowid: 0 })
  const edited: Row<typeof users> = { ...ann, age: 31, name: 'Ann' }
  const diff = changed(ann, edited)
  t.deepEqual({ ...diff }, { age: 31 })
  t.deepEqual(
    unwrap(toSQL(pipe(update(users), set(diff), filter(eq(users.id, 1))))).sql,
    'UPDATE "users" SET "age" = ? WHERE "users"."id" = ?'
  )
  unwrap(s.run(pipe(update(users), set(diff), filter(eq(users.id, 1)))))
  t.is(O.toUndefined(unwrap(s.run(pipe(select(users), filter(eq(users.id, 1)), value(users.age))))), 31)
  // Dates compare by time, json by value.
  const d1 = { at: new Date('2024-01-01T00:00:00Z'), j: { a: [1] } }
  t.deepEqual({ ...changed(d1, { at: new Date('2024-01-01T00:00:00Z'), j: { a: [1] } }) }, {})
})

// -------------------------------------------------------------------------------------
// delete
// -------------------------------------------------------------------------------------

test('delete removes the filtered rows, cascades to children, and returns changes', (t) => {
  const s = setup()
  t.is(unwrap(s.run(pipe(deleteFrom(users), filter(eq(users.id, 1))))).changes, 1)
  t.deepEqual(
    unwrap(s.run(pipe(select(posts), all))).map((p) => p.title),
    ['mine']
  )
})

// -------------------------------------------------------------------------------------
// returning
// -------------------------------------------------------------------------------------

test('returning gives typed, decoded rows from insert, update and delete', (t) => {
  const s = setup()
  const inserted = unwrap(s.run(pipe(insert(users, { name: 'Di', email: 'di@x.io', prefs: { theme: 'light' } }), returning())))
  t.deepEqual(inserted, [
    { id: 4, name: 'Di', email: 'di@x.io', age: null, score: 0, active: true, prefs: { theme: 'light' }, seenAt: null }
  ])
  const updated = unwrap(
    s.run(pipe(update(users), set({ active: false }), filter(lt(users.age, 18)), returning({ id: users.id, active: users.active })))
  )
  t.deepEqual(updated, [{ id: 2, active: false }])
  const deleted = unwrap(s.run(pipe(deleteFrom(posts), filter(eq(posts.userId, 1)), returning({ title: posts.title }))))
  t.deepEqual(deleted, [{ title: 'hello' }, { title: 'again' }])
  const many = unwrap(
    s.run(
      pipe(
        insert(posts, [
          { userId: 3, title: 'a' },
          { userId: 3, title: 'b' }
        ]),
        returning({ id: posts.id })
      )
    )
  )
  t.deepEqual(many, [{ id: 4 }, { id: 5 }])
})

// -------------------------------------------------------------------------------------
// upserts
// -------------------------------------------------------------------------------------

test('onConflictDoNothing skips the conflicting row; with a target, only that conflict', (t) => {
  const s = setup()
  t.is(unwrap(s.run(pipe(insert(users, { name: 'Ann2', email: 'ann@x.io' }), onConflictDoNothing()))).changes, 0)
  t.is(unwrap(s.run(pipe(insert(users, { name: 'Ann2', email: 'ann@x.io' }), onConflictDoNothing(users.email)))).changes, 0)
  t.deepEqual(unwrap(s.run(pipe(insert(users, { name: 'Ann2', email: 'ann@x.io' }), onConflictDoNothing(), returning()))), [])
  // A conflict on another constraint than the target is still an error.
  const e = unwrapLeft(s.run(pipe(insert(users, { id: 1, name: 'X', email: 'new@x.io' }), onConflictDoNothing(users.email))))
  t.like(e, { _tag: 'ConstraintError', kind: 'primaryKey' })
  t.is(unwrap(s.run(pipe(select(users), count))), 3)
})

test('onConflictDoUpdate with excluded values, a where, and returning after the upsert', (t) => {
  const s = setup()
  const upsert = (name: string, score: number) =>
    pipe(
      insert(users, { name, email: 'ann@x.io', score }),
      onConflictDoUpdate({
        target: users.email,
        set: { name: excluded(users.name), score: sql<number>`${users.score} + ${excluded(users.score)}` },
        where: eq(users.active, true)
      }),
      returning({ id: users.id, name: users.name, score: users.score })
    )
  t.deepEqual(unwrap(s.run(upsert('Annie', 5))), [{ id: 1, name: 'Annie', score: 5 }])
  t.deepEqual(unwrap(s.run(upsert('Anne', 2))), [{ id: 1, name: 'Anne', score: 7 }])
  unwrap(s.run(pipe(update(users), set({ active: false }), filter(eq(users.id, 1)))))
  t.deepEqual(unwrap(s.run(upsert('Nope', 100))), [], 'the where clause kept the inactive row')
  t.is(unwrap(s.run(pipe(select(users), count))), 3)
})

test('excludedAll sets every non-key column from the conflicting row, typed', (t) => {
  const s = setup()
  const set_ = excludedAll(users, { except: ['email'] })
  t.deepEqual(Object.keys(set_), ['name', 'age', 'score', 'active', 'prefs', 'seenAt'])
  const rows = unwrap(
    s.run(
      pipe(
        insert(users, { name: 'Bobby', email: 'bob@x.io', age: 18, prefs: { theme: 't' } }),
        onConflictDoUpdate({ target: users.email, set: set_ }),
        returning()
      )
    )
  )
  t.deepEqual(rows, [{ id: 2, name: 'Bobby', email: 'bob@x.io', age: 18, score: 0, active: true, prefs: { theme: 't' }, seenAt: null }])
})

test('orReplace replaces the conflicting row (with its cascades); orIgnore skips it', (t) => {
  const s = setup()
  t.is(unwrap(s.run(pipe(insert(users, { id: 3, name: 'Cyrus', email: 'cyrus@x.io' }), orReplace))).changes, 1)
  t.is(O.toUndefined(unwrap(s.run(pipe(select(users), filter(eq(users.id, 3)), value(users.name))))), 'Cyrus')
  t.is(unwrap(s.run(pipe(insert(users, { id: 3, name: 'Ignored', email: 'i@x.io' }), orIgnore))).changes, 0)
  t.is(O.toUndefined(unwrap(s.run(pipe(select(users), filter(eq(users.id, 3)), value(users.name))))), 'Cyrus')
  t.regex(unwrap(toSQL(pipe(insert(users, { name: 'a', email: 'b' }), orReplace))).sql, /^INSERT OR REPLACE INTO "users"/)
})

// -------------------------------------------------------------------------------------
// native SQL
// -------------------------------------------------------------------------------------

test('raw runs any statement with bound values, and reads with terminals and decode', (t) => {
  const s = setup()
  t.deepEqual(unwrap(s.run(raw(sql`UPDATE users SET age = ${50} WHERE id = ${3}`))).changes, 1)
  const q = raw(sql`SELECT id, name FROM ${sql.identifier('users')} WHERE age > ${18} ORDER BY id`)
  t.deepEqual(unwrap(s.run(pipe(q, all))), [
    { id: 1, name: 'Ann' },
    { id: 3, name: 'Cy' }
  ])
  t.deepEqual(unwrap(s.run(pipe(q, first))), O.some({ id: 1, name: 'Ann' }))
  t.is(unwrapLeft(s.run(pipe(q, one)))._tag, 'TooManyRows')
  t.is(unwrap(s.run(pipe(q, count))), 2)
  t.true(unwrap(s.run(pipe(q, exists))))
  t.deepEqual(unwrap(s.run(pipe(q, value()))), O.some(1))
  t.deepEqual(unwrap(s.run(pipe(q, values()))), [1, 3])
  const Named = io.type({ id: io.number, name: io.string })
  t.deepEqual(unwrap(s.run(pipe(q, decode(Named), all))), [
    { id: 1, name: 'Ann' },
    { id: 3, name: 'Cy' }
  ])
  // rowCodec turns native rows into typed rows.
  const typed = unwrap(s.run(pipe(raw(sql`SELECT * FROM users WHERE id = ${1}`), decode(rowCodec(users)), one)))
  t.deepEqual(typed, { id: 1, name: 'Ann', email: 'ann@x.io', age: 30, score: 0, active: true, prefs: null, seenAt: null })
  t.is(unwrapLeft(s.run(pipe(raw(sql`SELECT name FROM users`), decode(io.type({ name: io.number })), all)))._tag, 'DecodeError')
})

test('raw: sql.join for lists, and identifiers with quotes or spaces are quoted', (t) => {
  const s = session(tempDb())
  const weird = 'my "odd" table'
  unwrap(s.run(raw(sql`CREATE TABLE ${sql.identifier(weird)} (${sql.identifier('a col')} INTEGER)`)))
  unwrap(s.run(raw(sql`INSERT INTO ${sql.identifier(weird)} VALUES (${1}), (${2}), (${3})`)))
  const q = raw(
    sql`SELECT ${sql.identifier('a col')} AS v FROM ${sql.identifier(weird)} WHERE ${sql.identifier('a col')} IN (${sql.join([1, 3])})`
  )
  t.deepEqual(unwrap(toSQL(q)), { sql: 'SELECT "a col" AS v FROM "my ""odd"" table" WHERE "a col" IN (?, ?)', params: [1, 3] })
  t.deepEqual(unwrap(s.run(pipe(q, values()))), [1, 3])
  t.is(unwrapLeft(toSQL(raw(sql`SELECT * FROM ${sql.identifier('bad\u0000name')}`)))._tag, 'ValidationError')
  const two = unwrapLeft(s.run(raw(sql`SELECT 1; SELECT 2`)))
  t.is(two._tag, 'ValidationError')
  t.regex(two.message, /more than one statement/)
})

// -------------------------------------------------------------------------------------
// bad input: a clear Left, and the database exactly as before
// -------------------------------------------------------------------------------------

test('bad writes are a clear Left and leave the database exactly as before', (t) => {
  const s = setup()
  const before = snapshot(s)
  const id1 = filter(eq(users.id, 1))
  const cases: Array<[string, ReturnType<typeof update<typeof users>> | ReturnType<typeof insert<typeof users>>, RegExp]> = [
    ['unknown column in set', pipe(update(users), set({ nope: 1 } as never), id1), /unknown column "nope"/],
    ['unknown column in values', insert(users, { name: 'a', email: 'z', nope: 1 } as never), /unknown column "nope"/],
    [
      'string into integer',
      pipe(update(users), set({ age: 'old' as never }), id1),
      /column age: expected null or a safe integer, got "old"/
    ],
    [
      'non-Date into timestamp',
      pipe(update(users), set({ seenAt: '2024-01-01' as never }), id1),
      /column seenAt: expected null or a valid Date/
    ],
    [
      'json failing its codec',
      pipe(update(users), set({ prefs: { theme: 7 } as never }), id1),
      /column prefs: expected null or a value of \{ theme: string \}/
    ],
    ['missing notNull column', insert(users, { email: 'z' } as never), /missing required column name/],
    ['null into notNull', pipe(update(users), set({ name: null as never }), id1), /column name is NOT NULL, got null/],
    ['NaN', pipe(update(users), set({ age: Number.NaN }), id1), /expected null or a safe integer, got NaN/],
    ['Infinity', pipe(update(users), set({ score: Number.POSITIVE_INFINITY }), id1), /expected a safe integer, got Infinity/],
    ['empty set', pipe(update(users), set({}), id1), /set\(\) names no column/]
  ]
  for (const [what, q, message] of cases) {
    const e = unwrapLeft(s.run(q))
    t.is(e._tag, 'ValidationError', what)
    t.regex(e.message, message, what)
  }
  t.deepEqual(snapshot(s), before)
})

test('undefined values in set and insert are skipped (as if not given)', (t) => {
  const s = setup()
  unwrap(s.run(pipe(update(users), set({ age: undefined, name: 'Ann B' }), filter(eq(users.id, 1)))))
  t.like(O.toUndefined(unwrap(s.run(pipe(select(users), filter(eq(users.id, 1)), first)))), { name: 'Ann B', age: 30 })
  t.is(unwrapLeft(s.run(pipe(update(users), set({ age: undefined }), filter(eq(users.id, 1)))))._tag, 'ValidationError')
})

test('SQL-looking strings are stored literally', (t) => {
  const s = setup()
  const evil = `x'); DROP TABLE users; --`
  unwrap(s.run(insert(users, { name: evil, email: `"; DELETE FROM users; --` })))
  unwrap(s.run(pipe(update(users), set({ name: `' OR 1=1 --` }), filter(eq(users.name, evil)))))
  t.is(unwrap(s.run(pipe(select(users), count))), 4)
  t.true(unwrap(s.run(pipe(select(users), filter(eq(users.name, `' OR 1=1 --`)), exists))))
  t.deepEqual(unwrap(s.run(pipe(raw(sql`SELECT count(*) AS n FROM users WHERE name = ${`' OR 1=1 --`}`), value()))), O.some(1))
})

// -------------------------------------------------------------------------------------
// constraint errors
// -------------------------------------------------------------------------------------

test('each constraint kind maps to its ConstraintError, naming table and columns, on insert and update', (t) => {
  const s = setup()
  const before = snapshot(s)
  const unique = unwrapLeft(s.run(pipe(update(users), set({ email: 'bob@x.io' }), filter(eq(users.id, 1)))))
  t.like(unique, { _tag: 'ConstraintError', kind: 'unique', table: 'users', columns: ['email'] })
  t.regex(unique.message, /UNIQUE constraint failed on users\.email: a row with the same value already exists/)
  t.true(unique._tag === 'ConstraintError' && unique.sql === 'UPDATE "users" SET "email" = ? WHERE "users"."id" = ?')

  const pk = unwrapLeft(s.run(insert(users, { id: 2, name: 'X', email: 'x@x.io' })))
  t.like(pk, { _tag: 'ConstraintError', kind: 'primaryKey', table: 'users', columns: ['id'] })

  const fk = unwrapLeft(s.run(pipe(update(posts), set({ userId: 99 }), filter(eq(posts.id, 1)))))
  t.like(fk, { _tag: 'ConstraintError', kind: 'foreignKey', table: 'posts' })

  const nn = unwrapLeft(s.run(pipe(update(users), set({ name: sql<string>`NULL` }), filter(eq(users.id, 1)))))
  t.like(nn, { _tag: 'ConstraintError', kind: 'notNull', table: 'users', columns: ['name'] })

  const check = unwrapLeft(s.run(pipe(update(users), set({ active: sql<boolean>`7` }), filter(eq(users.id, 1)))))
  t.like(check, { _tag: 'ConstraintError', kind: 'check', table: 'users' })

  // ON DELETE RESTRICT: a parent with children cannot go.
  unwrap(s.run(insert(tags, { postId: 1, label: 'keep' })))
  const restrict = unwrapLeft(s.run(pipe(deleteFrom(posts), filter(eq(posts.id, 1)))))
  t.like(restrict, { _tag: 'ConstraintError', kind: 'foreignKey', table: 'posts' })
  t.deepEqual({ ...snapshot(s), tags: [] }, before)
})

test('toSQL of update and delete', (t) => {
  t.deepEqual(unwrap(toSQL(pipe(update(users), set({ age: 1, active: false }), filter(eq(users.id, 7))))), {
    sql: 'UPDATE "users" SET "age" = ?, "active" = ? WHERE "users"."id" = ?',
    params: [1, 0, 7]
  })
  t.deepEqual(unwrap(toSQL(pipe(deleteFrom(users), filter(eq(users.id, 7)), returning({ id: users.id })))), {
    sql: 'DELETE FROM "users" WHERE "users"."id" = ? RETURNING "users"."id" AS "id"',
    params: [7]
  })
  t.true(E.isLeft(toSQL(deleteFrom(users))))
})
