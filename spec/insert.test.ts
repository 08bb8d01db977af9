import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import {
  all,
  boolean,
  count,
  createTable,
  insert,
  integer,
  json,
  placeholder,
  select,
  session,
  sql,
  table,
  text,
  timestamp,
  toSQL
} from '../src/index.js'
import type { LogEvent } from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

let seq = 0
const people = table('people', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text().notNull().unique(),
  age: integer(),
  active: boolean().notNull().default(true),
  tag: text().default(() => `tag-${++seq}`),
  prefs: json(t.type({ theme: t.string })),
  createdAt: timestamp('created_at').notNull().defaultNow()
})

const setup = (log?: (e: LogEvent) => void) => {
  const s = session(tempDb(log === undefined ? {} : { log }))
  unwrap(s.run(createTable(people)))
  return s
}

test('insert fills defaults (value, function, defaultNow) and returns changes and lastInsertRowid', (t) => {
  const s = setup()
  const before = Date.now()
  const r = unwrap(s.run(insert(people, { name: 'Tom', email: 't@x.io' })))
  t.deepEqual(r, { changes: 1, lastInsertRowid: 1 })
  const [row] = unwrap(s.run(pipe(select(people), all)))
  t.like(row, { id: 1, name: 'Tom', email: 't@x.io', age: null, active: true, prefs: null })
  t.regex(row!.tag ?? '', /^tag-\d+$/)
  t.true(row!.createdAt instanceof Date)
  t.true(Math.abs(row!.createdAt.getTime() - before) < 5000)
  s.close()
})

test('a function default is called once per row', (t) => {
  const s = setup()
  unwrap(
    s.run(
      insert(people, [
        { name: 'A', email: 'a' },
        { name: 'B', email: 'b' }
      ])
    )
  )
  const tags = unwrap(s.run(pipe(select(people), all))).map((r) => r.tag)
  t.is(new Set(tags).size, 2)
})

test('explicit values win over defaults, and values are encoded by kind', (t) => {
  const s = setup()
  const when = new Date('2024-05-01T12:00:00.000Z')
  unwrap(s.run(insert(people, { name: 'A', email: 'a', active: false, tag: null, prefs: { theme: 'dark' }, createdAt: when })))
  const [row] = unwrap(s.run(pipe(select(people), all)))
  t.deepEqual(row, { id: 1, name: 'A', email: 'a', age: null, active: false, tag: null, prefs: { theme: 'dark' }, createdAt: when })
  const stored = unwrap(s.run(pipe(select(people), all)))
  t.is(stored.length, 1)
})

test('many rows: one transaction, one prepared statement, total changes and last rowid', (t) => {
  const events: LogEvent[] = []
  const s = setup((e) => events.push(e))
  events.length = 0
  const rows = Array.from({ length: 500 }, (_, i) => ({ name: `n${i}`, email: `e${i}`, age: i }))
  t.deepEqual(unwrap(s.run(insert(people, rows))), { changes: 500, lastInsertRowid: 500 })
  t.is(unwrap(s.run(pipe(select(people), count))), 500)
  const inserts = events.filter((e) => e.sql.startsWith('INSERT'))
  t.is(inserts.length, 500)
  t.is(new Set(inserts.map((e) => e.sql)).size, 1, 'every row runs the same SQL text, so the same prepared statement')
})

test('an empty list inserts nothing', (t) => {
  const s = setup()
  t.deepEqual(unwrap(s.run(insert(people, []))), { changes: 0, lastInsertRowid: 0 })
})

test('a row of the wrong type is a Left ValidationError and nothing is written', (t) => {
  const s = setup()
  unwrap(s.run(insert(people, { name: 'keep', email: 'keep' })))
  const rows = [
    { name: 'ok', email: 'ok1' },
    { name: 'bad', email: 'bad', age: 'old' as never }
  ]
  const e = unwrapLeft(s.run(insert(people, rows)))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /row 1: column age: expected null or a safe integer, got "old" \(string\)/)
  t.is(unwrap(s.run(pipe(select(people), count))), 1)
})

test('bad inserts: missing required column, null in NOT NULL, unknown column, json not matching its codec, invalid Date, non-integer', (t) => {
  const s = setup()
  const cases: Array<[unknown, RegExp]> = [
    [{ email: 'x' }, /missing required column name/],
    [{ name: null, email: 'x' }, /column name is NOT NULL, got null/],
    [{ name: 'a', email: 'x', nope: 1 }, /unknown column "nope"/],
    [{ name: 'a', email: 'x', prefs: { theme: 1 } }, /column prefs: expected null or a value of/],
    [{ name: 'a', email: 'x', createdAt: new Date('nope') }, /column createdAt: expected a valid Date, got Invalid Date/],
    [{ name: 'a', email: 'x', age: 1.5 }, /column age: expected null or a safe integer, got 1.5/],
    [{ name: 'a', email: 'x', active: 1 }, /column active: expected a boolean, got 1 \(number\)/],
    ['not a row', /expected an object/]
  ]
  for (const [row, message] of cases) {
    const e = unwrapLeft(s.run(insert(people, row as never)))
    t.is(e._tag, 'ValidationError')
    t.regex(e.message, message)
  }
  t.is(unwrap(s.run(pipe(select(people), count))), 0)
})

test('a constraint violation in a multi-row insert rolls back every row', (t) => {
  const s = setup()
  unwrap(s.run(insert(people, { name: 'first', email: 'dup' })))
  const e = unwrapLeft(
    s.run(
      insert(people, [
        { name: 'a', email: 'a' },
        { name: 'b', email: 'dup' }
      ])
    )
  )
  t.is(e._tag, 'ConstraintError')
  if (e._tag === 'ConstraintError') {
    t.is(e.kind, 'unique')
    t.is(e.table, 'people')
    t.deepEqual(e.columns, ['email'])
    t.regex(e.message, /UNIQUE constraint failed on people\.email/)
  }
  t.deepEqual(
    unwrap(s.run(pipe(select(people), all))).map((r) => r.name),
    ['first']
  )
})

test('placeholders in insert values are checked like literals when bound', (t) => {
  const s = setup()
  const q = insert(people, { name: placeholder('name'), email: placeholder('email'), age: placeholder('age') })
  unwrap(s.run(q, { name: 'P', email: 'p', age: 3 }))
  unwrap(s.run(q, { name: 'Q', email: 'q', age: null }))
  const bad = unwrapLeft(s.run(q, { name: 'R', email: 'r', age: 'x' }))
  t.regex(bad.message, /placeholder "age" \(for people.age\): expected a safe integer/)
  const nul = unwrapLeft(s.run(q, { name: null, email: 'r', age: 1 }))
  t.regex(nul.message, /placeholder "name" \(for people.name\): expected a value \(the column is NOT NULL\)/)
  t.deepEqual(
    unwrap(s.run(pipe(select(people), all))).map((r) => [r.name, r.age]),
    [
      ['P', 3],
      ['Q', null]
    ]
  )
})

test('a sql expression may stand as an insert value', (t) => {
  const s = setup()
  unwrap(s.run(insert(people, { name: sql<string>`upper(${'low'})` as never, email: 'e' })))
  t.is(unwrap(s.run(pipe(select(people), all)))[0]!.name, 'LOW')
})

test('insert SQL binds every value', (t) => {
  const { sql: text, params } = unwrap(toSQL(insert(people, { name: "Robert'); DROP TABLE people;--", email: 'e', age: 1, tag: 't' })))
  t.is(
    text,
    `INSERT INTO "people" ("name", "email", "age", "active", "tag", "created_at") VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  )
  t.deepEqual(params, ["Robert'); DROP TABLE people;--", 'e', 1, 1, 't'])
  t.true(E.isRight(toSQL(insert(people, { name: 'a', email: 'b' }))))
})

test('a table with only optional columns inserts DEFAULT VALUES', (t) => {
  const counters = table('counters', { id: integer().primaryKey(), note: text() })
  const s = session(tempDb())
  unwrap(s.run(createTable(counters)))
  t.deepEqual(unwrap(s.run(insert(counters, {}))), { changes: 1, lastInsertRowid: 1 })
  t.deepEqual(unwrap(s.run(pipe(select(counters), all))), [{ id: 1, note: null }])
})
