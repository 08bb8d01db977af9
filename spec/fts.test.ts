/**
 * FTS5: an external-content index kept in sync by triggers, match / bm25 / highlight /
 * snippet, checked against the same FTS5 table and queries written by hand; an FTS query
 * with a syntax error is a Left, never a throw.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  bm25,
  columns,
  createFts,
  createTable,
  deleteFrom,
  eq,
  filter,
  fts5,
  highlight,
  insert,
  integer,
  join,
  match,
  orderBy,
  select,
  session,
  set,
  snippet,
  table,
  text,
  toSQL,
  update,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

const articles = table('articles', { id: integer().primaryKey(), title: text().notNull(), body: text().notNull() })
const search = fts5('articles_fts', articles, ['title', 'body'])

const rows = [
  { title: 'SQLite full text', body: 'FTS5 is a virtual table module that provides full-text search' },
  { title: 'Tea', body: 'green tea and black tea are made from the same leaf' },
  { title: 'Search engines', body: 'a search engine ranks documents by relevance, full of text' }
]

test('match, bm25 ordering, highlight and snippet read what the same FTS5 queries by hand read; triggers keep the index in sync', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(articles)))
  unwrap(s.run(insert(articles, rows[0]!)))
  for (const q of createFts(search)) unwrap(s.run(q)) // the rebuild indexes the row already there
  unwrap(s.run(insert(articles, rows.slice(1))))
  const ours = unwrap(
    s.run(
      pipe(
        select(search),
        join(articles, eq(articles.id, search.rowid)),
        filter(match(search, 'full text')),
        orderBy(bm25(search)),
        columns({ id: articles.id, title: highlight(search, 'title', '<', '>'), part: snippet(search, 'body', '[', ']', '…', 4) }),
        all
      )
    )
  )
  const d = new Database(db.file, { readonly: true })
  const ref = d
    .prepare(
      `SELECT a.id, highlight(articles_fts, 0, '<', '>') AS title, snippet(articles_fts, 1, '[', ']', '…', 4) AS part
       FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH 'full text' ORDER BY bm25(articles_fts)`
    )
    .all()
  d.close()
  t.deepEqual(ours, ref)
  t.deepEqual(
    ours.map((r) => r.id),
    [1, 3]
  )
  // Updates and deletes reach the index through the triggers.
  unwrap(s.run(pipe(update(articles), set({ body: 'oolong' }), filter(eq(articles.id, 2)))))
  unwrap(s.run(pipe(deleteFrom(articles), filter(eq(articles.id, 3)))))
  t.deepEqual(unwrap(s.run(pipe(select(search), filter(match(search, 'oolong')), values(search.rowid)))), [2])
  t.deepEqual(unwrap(s.run(pipe(select(search), filter(match(search, 'engine*')), values(search.rowid)))), [])
  t.deepEqual(unwrap(s.run(pipe(select(search), filter(match(search, 'leaf')), values(search.rowid)))), [])
})

test('an FTS query with a syntax error is a Left (not a throw); bad definitions are Lefts too', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(articles)))
  for (const q of createFts(search)) unwrap(s.run(q))
  for (const bad of ['"unterminated', 'AND', 'title:', '(a OR']) {
    const e = unwrapLeft(s.run(pipe(select(search), filter(match(search, bad)), values(search.rowid))))
    t.is(e._tag, 'SqliteError', bad)
    t.regex(e.message, /fts5|syntax|unterminated|no such column/i)
  }
  const noKey = table('nokey', { name: text().notNull() })
  t.true(E.isLeft(toSQL(createFts(fts5('nokey_fts', noKey, ['name']))[0]!)))
  t.regex(unwrapLeft(toSQL(pipe(select(search), columns({ x: snippet(search, 'body', '', '', '', 100) }), all))).message, /1 to 64/)
})
