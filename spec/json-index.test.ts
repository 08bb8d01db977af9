/**
 * JSON paths are written into the SQL as checked literals, so SQLite uses an expression
 * index on the same path (EXPLAIN QUERY PLAN shows it), and a hostile path never becomes
 * SQL: it is a Left. Results are checked against json_extract called by hand.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import * as iots from 'io-ts'
import {
  all,
  createTable,
  eq,
  filter,
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

const docs = table(
  'docs',
  { id: integer().primaryKey(), data: json(iots.unknown).notNull() },
  {
    indexes: (c) => [
      index('docs_city_idx', [jsonExtract(c.data, '$.address.city')]),
      index('docs_odd_idx', [jsonExtract(c.data, `$."it's odd"`)])
    ]
  }
)

/** The plan SQLite makes for a statement, through better-sqlite3 directly. */
const planOf = (file: string, q: { sql: string; params: ReadonlyArray<unknown> }): string => {
  const d = new Database(file, { readonly: true })
  try {
    const rows = d.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as Array<{ detail: string }>
    return rows.map((r) => r.detail).join('\n')
  } finally {
    d.close()
  }
}

const seeded = () => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(docs)))
  const rows = Array.from({ length: 200 }, (_, i) => ({
    data: { address: { city: ['Oslo', 'Rome', 'Lima', 'Pune'][i % 4] }, n: i, "it's odd": `v${i % 7}` }
  }))
  unwrap(s.run(insert(docs, rows)))
  return { db, s }
}

test('a filter on a json path uses the expression index on the same path', (t) => {
  const { db, s } = seeded()
  const city = jsonExtract<string>(docs.data, '$.address.city', 'text')
  const q = pipe(select(docs), filter(eq(city, 'Rome')), orderBy(docs.id), values(docs.id))
  const compiled = unwrap(toSQL(q))
  t.deepEqual(compiled.params, ['Rome'])
  t.regex(planOf(db.file, compiled), /USING (COVERING )?INDEX docs_city_idx/)
  // A bound path (what queries wrote before) is another expression: SQLite scans.
  t.notRegex(
    planOf(db.file, { sql: `SELECT id FROM docs WHERE json_extract(data, ?) = ?`, params: ['$.address.city', 'Rome'] }),
    /docs_city_idx/
  )
  // Same rows as json_extract by hand.
  const d = new Database(db.file, { readonly: true })
  const ref = (
    d.prepare(`SELECT id FROM docs WHERE json_extract(data, '$.address.city') = ? ORDER BY id`).all('Rome') as Array<{ id: number }>
  ).map((r) => r.id)
  d.close()
  t.deepEqual(unwrap(s.run(q)), ref)
  t.is(ref.length, 50)
  s.close()
})

test('a quoted key holding a quote is doubled in the literal, and its index is used too', (t) => {
  const { db, s } = seeded()
  const odd = jsonExtract<string>(docs.data, `$."it's odd"`, 'text')
  const q = pipe(select(docs), filter(eq(odd, 'v3')), orderBy(docs.id), values(docs.id))
  const compiled = unwrap(toSQL(q))
  t.true(compiled.sql.includes(`'$."it''s odd"'`))
  t.regex(planOf(db.file, compiled), /USING (COVERING )?INDEX docs_odd_idx/)
  const d = new Database(db.file, { readonly: true })
  const ref = (
    d.prepare(`SELECT id FROM docs WHERE json_extract(data, '$."it''s odd"') = 'v3' ORDER BY id`).all() as Array<{ id: number }>
  ).map((r) => r.id)
  d.close()
  t.deepEqual(unwrap(s.run(q)), ref)
  t.true(ref.length > 0)
  s.close()
})

test('-> and ->> read what SQLite reads with the same literal path', (t) => {
  const { db, s } = seeded()
  const ours = unwrap(
    s.run(pipe(select(docs), filter(eq(jsonValue<number>(docs.data, '$.n'), 7)), values(jsonGet(docs.data, '$.address')), (v) => v))
  )
  const d = new Database(db.file, { readonly: true })
  const ref = (d.prepare(`SELECT data -> '$.address' AS v FROM docs WHERE data ->> '$.n' = 7`).all() as Array<{ v: string }>).map(
    (r) => r.v
  )
  d.close()
  t.deepEqual(ours, ref)
  t.is(ref.length, 1)
  s.close()
})

test('a hostile or malformed path is a Left and never reaches SQL', (t) => {
  const hostile = [
    "$.a'); DROP TABLE docs; --",
    `$."a'); DROP TABLE docs; --`,
    '$."a\u0000b"',
    '$."a\nb"',
    `$.a' OR '1'='1`,
    '$[0] OR 1',
    'x'
  ]
  for (const path of hostile) {
    const e = unwrapLeft(toSQL(pipe(select(docs), filter(eq(jsonValue(docs.data, path), 1)), all)))
    t.is(e._tag, 'ValidationError', path)
    t.regex(e.message, /is not a JSON path/)
  }
})
