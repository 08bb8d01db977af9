/**
 * FTS5 indexes in migrations: a declared fts5(...) is planned as CREATE VIRTUAL TABLE with
 * its sync triggers and a rebuild (never CREATE TABLE), recreated when its columns change,
 * dropped when the schema no longer has it; its shadow tables are never seen. Round trips
 * on real files; search results checked against FTS5 queried by hand.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { createFts, createTable, fts5, insert, integer, planMigration, raw, session, sql, table, text } from '../src/index.js'
import { tempDb, unwrap } from './helpers/db.js'
import { roundTrip } from './helpers/roundtrip.js'

const notes = table('notes', { id: integer().primaryKey(), title: text().notNull(), body: text().notNull() })
const notes2 = table('notes', { id: integer().primaryKey(), title: text().notNull(), body: text().notNull(), tags: text() })
const search = fts5('notes_fts', notes, ['title', 'body'])
const search2 = fts5('notes_fts', notes2, ['title', 'body', 'tags'])
const titles = fts5('notes_titles', notes, ['title'])

/** Rowids FTS5 finds for a query, by hand. */
const hits = (file: string, fts: string, q: string): number[] => {
  const d = new Database(file, { readonly: true })
  try {
    return (d.prepare(`SELECT rowid FROM "${fts}" WHERE "${fts}" MATCH ? ORDER BY rowid`).all(q) as Array<{ rowid: number }>).map(
      (r) => r.rowid
    )
  } finally {
    d.close()
  }
}

const objects = (file: string): Array<{ type: string; name: string }> => {
  const d = new Database(file, { readonly: true })
  try {
    return d
      .prepare(`SELECT type, name FROM sqlite_schema WHERE name NOT LIKE '%\\_%\\_%' ESCAPE '\\' OR type = 'trigger' ORDER BY type, name`)
      .all() as Array<{
      type: string
      name: string
    }>
  } finally {
    d.close()
  }
}

const seed = (db: ReturnType<typeof tempDb>) => {
  const s = session(db)
  unwrap(
    s.run(
      insert(notes, [
        { title: 'SQLite', body: 'a small fast database' },
        { title: 'Tea', body: 'a small green leaf' }
      ])
    )
  )
}

test('a declared fts5 index is created as a virtual table with its triggers, indexes the rows there, and check is clean', (t) => {
  const plan = unwrap(planMigration(tempDb(), [notes, search]))
  t.false(plan.up.some((x) => /CREATE TABLE "notes_fts"/.test(x)))
  t.true(plan.up.some((x) => x.startsWith('CREATE VIRTUAL TABLE "notes_fts" USING fts5')))
  t.deepEqual(
    plan.operations.map((o) => o._tag),
    ['CreateTable', 'CreateFts']
  )
  // Rows written before the index exists are indexed by the migration's rebuild.
  const r = roundTrip(t, [notes], [notes, search], seed)
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [1, 2])
  // The sync triggers keep it current.
  unwrap(session(r.db).run(insert(notes, { title: 'Fast tea', body: 'brewed quickly' })))
  t.deepEqual(hits(r.db.file, 'notes_fts', 'fast'), [1, 3])
  // The shadow tables are SQLite's: nothing plans them.
  t.deepEqual(unwrap(planMigration(r.db, [notes, search])).operations, [])
  return r.back()
})

test('an fts5 index whose columns change is dropped and created again (and reindexed), up and down; check clean both ways', async (t) => {
  const r = roundTrip(t, [notes, search], [notes2, search2], seed)
  t.deepEqual(
    r.operations.map((o) => o._tag),
    ['AddColumn', 'DropFts', 'CreateFts']
  )
  unwrap(session(r.db).run(raw(sql`UPDATE notes SET tags = 'drink' WHERE id = 2`)))
  t.deepEqual(hits(r.db.file, 'notes_fts', 'drink'), [2])
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [1, 2])
  await r.back()
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [1, 2])
  t.deepEqual(hits(r.db.file, 'notes_fts', 'leaf'), [2])
})

test('an fts5 index removed from a schema that declares another is dropped with its triggers; down brings it back', async (t) => {
  const r = roundTrip(t, [notes, search, titles], [notes, search], seed)
  t.deepEqual(r.operations, [{ _tag: 'DropFts', table: 'notes_titles' }])
  const left = objects(r.db.file)
  t.false(left.some((o) => o.name.startsWith('notes_titles')))
  t.true(left.some((o) => o.name === 'notes_fts_ai'))
  await r.back()
  t.deepEqual(hits(r.db.file, 'notes_titles', 'tea'), [2])
  unwrap(session(r.db).run(insert(notes, { title: 'tea time', body: 'x' })))
  t.deepEqual(hits(r.db.file, 'notes_titles', 'tea'), [2, 3])
})

test('an fts5 index made by createFts (not by a migration) is clean against the same declaration; a schema without fts leaves it alone', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  for (const q of createFts(search)) unwrap(s.run(q))
  t.deepEqual(unwrap(planMigration(db, [notes, search])).operations, [])
  t.deepEqual(unwrap(planMigration(db, [notes])).operations, [])
})

test('a rebuild of the content table keeps the index and its sync triggers, up and down', async (t) => {
  const rebuilt = table('notes', { id: integer().primaryKey(), title: text().notNull(), body: text().notNull().collate('NOCASE') })
  const r = roundTrip(t, [notes, search], [rebuilt, fts5('notes_fts', rebuilt, ['title', 'body'])], seed)
  t.deepEqual(
    r.operations.map((o) => o._tag),
    ['RebuildTable']
  )
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [1, 2])
  unwrap(session(r.db).run(insert(rebuilt, { title: 'Small print', body: 'x' })))
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [1, 2, 3])
  await r.back()
  unwrap(session(r.db).run(raw(sql`DELETE FROM notes WHERE id = 1`)))
  t.deepEqual(hits(r.db.file, 'notes_fts', 'small'), [2, 3])
})

test('an fts5 index over a table without an INTEGER PRIMARY KEY is a MigrationError naming it', (t) => {
  const tags = table('tags', { name: text().primaryKey(), about: text() })
  const e = planMigration(tempDb(), [tags, fts5('tags_fts', tags, ['about'])])
  t.true(
    e._tag === 'Left' &&
      e.left._tag === 'MigrationError' &&
      /full-text index tags_fts is invalid: .*INTEGER PRIMARY KEY/.test(e.left.message)
  )
})
