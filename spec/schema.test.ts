import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { Insert, Row } from '../src/index.js'
import {
  all,
  blob,
  boolean,
  createTable,
  index,
  insert,
  insertCodec,
  integer,
  json,
  real,
  rowCodec,
  select,
  session,
  table,
  tableInfo,
  text,
  timestamp,
  toSQL,
  uniqueIndex
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const Prefs = t.type({ theme: t.string })

const users = table(
  'users',
  {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().notNull().unique(),
    age: integer(),
    score: real().default(0),
    avatar: blob(),
    active: boolean().notNull().default(true),
    prefs: json(Prefs),
    createdAt: timestamp('created_at').notNull().defaultNow()
  },
  { indexes: [index('users_age_idx', ['age']), uniqueIndex('users_name_email', ['name', 'email'])] }
)

const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  title: text().notNull()
})

// -------------------------------------------------------------------------------------
// type-level checks (tsc runs over spec/ in npm test)
// -------------------------------------------------------------------------------------

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(_: T): void => undefined

assertType<
  Equals<
    Row<typeof users>,
    {
      id: number
      name: string
      email: string
      age: number | null
      score: number | null
      avatar: Uint8Array | null
      active: boolean
      prefs: { theme: string } | null
      createdAt: Date
    }
  >
>(true)

assertType<
  Equals<
    Insert<typeof users>,
    {
      name: string
      email: string
      id?: number
      age?: number | null
      score?: number | null
      avatar?: Uint8Array | null
      active?: boolean
      prefs?: { theme: string } | null
      createdAt?: Date
    }
  >
>(true)

// A text primary key is required in an insert (only an INTEGER PRIMARY KEY is filled in by SQLite).
const _codes = table('codes', { code: text().primaryKey(), label: text().notNull() })
assertType<Equals<Insert<typeof _codes>, { code: string; label: string }>>(true)

// @ts-expect-error name is required
insert(users, { email: 'a@b.c' })
// @ts-expect-error age is a number
insert(users, { name: 'a', email: 'a@b.c', age: 'x' })
// @ts-expect-error unknown column
insert(users, { name: 'a', email: 'a@b.c', nope: 1 })
// @ts-expect-error an index names schema keys only
table('bad', { a: integer() }, { indexes: [index('i', ['b'])] })
// @ts-expect-error a composite key names schema keys only
table('bad', { a: integer() }, { primaryKey: ['b'] })

// -------------------------------------------------------------------------------------
// table objects
// -------------------------------------------------------------------------------------

test('tables are deeply frozen plain objects whose own keys are exactly the columns', (t) => {
  t.deepEqual(Object.keys(users), ['id', 'name', 'email', 'age', 'score', 'avatar', 'active', 'prefs', 'createdAt'])
  t.true(Object.isFrozen(users))
  t.true(Object.isFrozen(users.name))
  t.true(Object.isFrozen(tableInfo(users)))
  t.true(Object.isFrozen(tableInfo(users).columns))
  t.throws(() => {
    ;(users as unknown as { id: unknown }).id = 1
  })
  t.is(users.createdAt.name, 'created_at')
  t.is(users.createdAt.key, 'createdAt')
  t.is(users.createdAt.table, 'users')
  t.is(users.active.kind, 'boolean')
})

test('a column may be called name, table or columns', (t) => {
  const odd = table('odd', { id: integer().primaryKey(), name: text(), table: text(), columns: integer() })
  t.is(odd.name.kind, 'text')
  t.is(odd.table.key, 'table')
  t.is(odd.columns.kind, 'integer')
  t.is(tableInfo(odd).name, 'odd')
})

test('createTable compiles the columns, constraints, defaults, references and indexes', (t) => {
  const { sql } = unwrap(toSQL(createTable(users)))
  t.is(
    sql,
    [
      'CREATE TABLE IF NOT EXISTS "users" (',
      '  "id" INTEGER PRIMARY KEY,',
      '  "name" TEXT NOT NULL,',
      '  "email" TEXT NOT NULL UNIQUE,',
      '  "age" INTEGER,',
      '  "score" REAL DEFAULT 0,',
      '  "avatar" BLOB,',
      '  "active" INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0, 1)),',
      '  "prefs" TEXT,',
      `  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      ');',
      'CREATE INDEX IF NOT EXISTS "users_age_idx" ON "users" ("age");',
      'CREATE UNIQUE INDEX IF NOT EXISTS "users_name_email" ON "users" ("name", "email")'
    ].join('\n')
  )
  t.is(
    unwrap(toSQL(createTable(posts))).sql,
    'CREATE TABLE IF NOT EXISTS "posts" (\n  "id" INTEGER PRIMARY KEY,\n  "user_id" INTEGER NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,\n  "title" TEXT NOT NULL\n)'
  )
})

test('createTable runs, twice, and the table has what the schema says', (t) => {
  const db = tempDb()
  const s = session(db)
  t.deepEqual(s.run(createTable(users)), E.right(undefined))
  t.deepEqual(s.run(createTable(users)), E.right(undefined))
  t.deepEqual(s.run(createTable(posts)), E.right(undefined))
  const handle = unwrap(s.run(pipe(select(users), all)))
  t.deepEqual(handle, [])
  s.close()
})

test('composite primary keys, STRICT and WITHOUT ROWID', (t) => {
  const memberships = table(
    'memberships',
    { userId: integer('user_id'), groupId: integer('group_id'), role: text().notNull().default('member') },
    { primaryKey: ['userId', 'groupId'], strict: true, withoutRowid: true }
  )
  const { sql } = unwrap(toSQL(createTable(memberships)))
  t.is(
    sql,
    `CREATE TABLE IF NOT EXISTS "memberships" (\n  "user_id" INTEGER NOT NULL,\n  "group_id" INTEGER NOT NULL,\n  "role" TEXT NOT NULL DEFAULT 'member',\n  PRIMARY KEY ("user_id", "group_id")\n) STRICT, WITHOUT ROWID`
  )
  const s = session(tempDb())
  unwrap(s.run(createTable(memberships)))
  unwrap(s.run(insert(memberships, { userId: 1, groupId: 2 })))
  const dup = unwrapLeft(s.run(insert(memberships, { userId: 1, groupId: 2 })))
  t.is(dup._tag, 'ConstraintError')
  t.deepEqual(unwrap(s.run(pipe(select(memberships), all))), [{ userId: 1, groupId: 2, role: 'member' }])
  s.close()
})

test('definition mistakes do not throw: queries on the table return them as a Left', (t) => {
  const bad = table('bad', { a: integer().primaryKey(), b: integer().primaryKey(), c: text('sqlite_c') })
  const e = unwrapLeft(toSQL(pipe(select(bad), all)))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /marks a, b as primaryKey/)
  t.regex(e.message, /reserved by SQLite/)
  const e2 = unwrapLeft(toSQL(createTable(bad)))
  t.is(e2._tag, 'ValidationError')
})

test('a reference that cannot be resolved is a Left from createTable', (t) => {
  const broken = table('broken', {
    id: integer().primaryKey(),
    other: integer().references(() => {
      throw new Error('not defined yet')
    })
  })
  const e = unwrapLeft(toSQL(createTable(broken)))
  t.regex(e.message, /reference of broken.other could not be resolved: not defined yet/)
})

test('identifiers are quoted: names with quotes and spaces are safe', (t) => {
  const weird = table('we"ird table', { 'col "x"': text() })
  const s = session(tempDb())
  unwrap(s.run(createTable(weird)))
  unwrap(s.run(insert(weird, { 'col "x"': 'v' })))
  t.deepEqual(unwrap(s.run(pipe(select(weird), all))), [{ 'col "x"': 'v' }])
  s.close()
})

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

test('rowCodec decodes the stored form (SQL names, 0/1, ISO text, JSON text) into a Row', (t) => {
  const stored = {
    id: 1,
    name: 'Tom',
    email: 't@x.io',
    age: null,
    score: 1.5,
    avatar: null,
    active: 0,
    prefs: '{"theme":"dark"}',
    created_at: '2024-05-01T12:00:00.000Z'
  }
  const row = unwrap(rowCodec(users).decode(stored))
  t.deepEqual(row, {
    id: 1,
    name: 'Tom',
    email: 't@x.io',
    age: null,
    score: 1.5,
    avatar: null,
    active: false,
    prefs: { theme: 'dark' },
    createdAt: new Date('2024-05-01T12:00:00.000Z')
  })
  t.deepEqual(rowCodec(users).encode(row), stored)
  t.true(rowCodec(users).is(row))
})

test('rowCodec reports the path of a bad field', (t) => {
  const bad = rowCodec(users).decode({
    id: 1,
    name: 'Tom',
    email: 't@x.io',
    age: null,
    score: null,
    avatar: null,
    active: 7,
    prefs: '{"theme":3}',
    created_at: 'not a date'
  })
  t.true(E.isLeft(bad))
  const paths = E.isLeft(bad)
    ? bad.left.map((e) =>
        e.context
          .map((c) => c.key)
          .filter((k) => k !== '')
          .join('.')
      )
    : []
  t.deepEqual(paths, ['active', 'prefs.theme', 'createdAt'])
})

test('insertCodec checks required columns, value types and unknown keys', (t) => {
  const c = insertCodec(users)
  t.true(E.isRight(c.decode({ name: 'a', email: 'b' })))
  t.true(E.isRight(c.decode({ name: 'a', email: 'b', age: null, active: false, prefs: { theme: 'x' }, createdAt: new Date() })))
  const missing = c.decode({ email: 'b' })
  t.true(E.isLeft(missing))
  const wrong = c.decode({ name: 'a', email: 'b', age: 1.5, prefs: { theme: 1 }, createdAt: new Date('nope') })
  t.is(E.isLeft(wrong) ? wrong.left.length : 0, 3)
  const unknown = c.decode({ name: 'a', email: 'b', nope: 1 })
  t.true(E.isLeft(unknown) && /unknown column "nope"/.test(unknown.left[0]?.message ?? ''))
})
