/**
 * JSON path access (jsonExtract, jsonGet ->, jsonValue ->>) in filters, ordering,
 * projections, generated columns and index keys; paths validated, then written as checked
 * literals in queries and DDL. The reference is SQLite's own JSON
 * functions called by hand.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import * as iots from 'io-ts'
import {
  all,
  columns,
  createTable,
  desc,
  eq,
  filter,
  generated,
  index,
  insert,
  integer,
  json,
  jsonExtract,
  jsonGet,
  jsonValue,
  orderBy,
  select,
  session,
  table,
  toSQL,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const rawAll = (file: string, q: string): unknown[] => {
  const d = new Database(file, { readonly: true })
  try {
    return d.prepare(q).all()
  } finally {
    d.close()
  }
}

const Profile = iots.type({
  name: iots.string,
  address: iots.type({ city: iots.string }),
  tags: iots.array(iots.string),
  score: iots.number
})
const people = table(
  'people',
  { id: integer().primaryKey(), data: json(Profile).notNull() },
  {
    generated: (c) => ({ city: generated(jsonExtract<string>(c.data, '$.address.city', 'text')) }),
    indexes: (c) => [index('people_score_idx', [jsonExtract(c.data, '$.score')])]
  }
)

const seed = () => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(people)))
  unwrap(
    s.run(
      insert(people, [
        { data: { name: 'Ann', address: { city: 'Oslo' }, tags: ['a', 'b'], score: 3 } },
        { data: { name: 'Bob', address: { city: 'Rome' }, tags: [], score: 9 } },
        { data: { name: 'Cleo', address: { city: 'Oslo' }, tags: ['c'], score: 5 } }
      ])
    )
  )
  return { db, s }
}

test('json paths in filters, ordering and projections read what json_extract / -> / ->> read by hand', (t) => {
  const { db, s } = seed()
  const ours = unwrap(
    s.run(
      pipe(
        select(people),
        filter(eq(jsonValue<string>(people.data, '$.address.city', 'text'), 'Oslo')),
        orderBy(desc(jsonExtract(people.data, '$.score'))),
        columns({
          name: jsonExtract<string>(people.data, '$.name', 'text'),
          firstTag: jsonGet(people.data, '$.tags[0]'),
          city: people.city
        }),
        all
      )
    )
  )
  const ref = rawAll(
    db.file,
    `SELECT json_extract(data, '$.name') AS name, data -> '$.tags[0]' AS firstTag, json_extract(data, '$.address.city') AS city
     FROM people WHERE data ->> '$.address.city' = 'Oslo' ORDER BY json_extract(data, '$.score') DESC`
  )
  t.deepEqual(ours, ref)
  t.deepEqual(ours, [
    { name: 'Cleo', firstTag: '"c"', city: 'Oslo' },
    { name: 'Ann', firstTag: '"a"', city: 'Oslo' }
  ])
  // The checked path is a literal in queries and in the index's DDL alike (spec/json-index.test.ts).
  const q = unwrap(toSQL(pipe(select(people), filter(eq(jsonValue(people.data, '$.score'), 9)), values(people.id))))
  t.deepEqual(q.params, [9])
  t.deepEqual(rawAll(db.file, `SELECT sql FROM sqlite_schema WHERE name = 'people_score_idx'`), [
    { sql: `CREATE INDEX "people_score_idx" ON "people" (json_extract("data", '$.score'))` }
  ])
})

test('a path that is not a JSON path is a Left naming the helper, in a query and in DDL', (t) => {
  for (const bad of ['city', '$.a b', "$.a'); DROP TABLE people; --", '$[x]', '']) {
    const e = unwrapLeft(toSQL(pipe(select(people), filter(eq(jsonValue(people.data, bad), 1)), values(people.id))))
    t.is(e._tag, 'ValidationError')
    t.regex(e.message, /jsonValue: .* is not a JSON path/)
  }
  const badIndex = table(
    'p2',
    { id: integer().primaryKey(), data: json(iots.unknown) },
    { indexes: (c) => [index('p2_i', [jsonExtract(c.data, 'nope')])] }
  )
  t.regex(unwrapLeft(toSQL(createTable(badIndex))).message, /jsonExtract: "nope" is not a JSON path/)
  for (const ok of ['$', '$.a', '$.a.b[0]', '$."odd key"', '$[#-1]', '$.tags[#]'])
    t.is(typeof unwrap(toSQL(pipe(select(people), values(jsonGet(people.data, ok))))).sql, 'string')
})
