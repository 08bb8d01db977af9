/**
 * The shared spec fixtures (spec/fixtures/) do what the specs using them assume: each
 * database is a new file of its own, and `seeded` creates exactly the tables and rows it is
 * given (read back with hand-written SQL through better-sqlite3).
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { freshDb, rowsOf, seeded } from './fixtures/db.js'
import { notes, users } from './fixtures/tables.js'

test('freshDb: a new empty file each call', (t) => {
  const a = freshDb()
  const b = freshDb()
  t.not(a.file, b.file)
  const raw = new Database(a.file)
  t.deepEqual(raw.prepare(`SELECT name FROM sqlite_schema`).all(), [])
  raw.close()
  a.s.close()
  b.s.close()
})

test('seeded: the tables created and filled as given', (t) => {
  const { file, s } = seeded([rowsOf(users, [{ name: 'Ada' }, { name: 'Alan' }]), rowsOf(notes, [])])
  s.close()
  const raw = new Database(file, { readonly: true })
  t.deepEqual(raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all(), [
    { name: 'notes' },
    { name: 'users' }
  ])
  t.deepEqual(raw.prepare('SELECT id, name FROM users ORDER BY id').all(), [
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Alan' }
  ])
  t.deepEqual(raw.prepare('SELECT count(*) AS n FROM notes').get(), { n: 0 })
  raw.close()
})
