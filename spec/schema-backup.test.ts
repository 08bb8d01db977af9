/**
 * backup(db, toPath): an online copy of a live database file, with progress; the copy reads
 * the same rows as the original (read through better-sqlite3 directly); a folder that does
 * not exist, or a target that exists, is a Left naming the path.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import type { BackupProgress } from '../src/index.js'
import { backup, createTable, insert, session } from '../src/index.js'
import { tempDb, tempDir, unwrap, unwrapLeft } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

test('backup copies a live database with progress; the copy holds the same rows', async (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  unwrap(
    s.run(
      insert(
        notes,
        Array.from({ length: 2000 }, (_, i) => ({ body: `note ${i} ${'x'.repeat(200)}` }))
      )
    )
  )
  const seen: BackupProgress[] = []
  const target = path.join(tempDir(), 'copy.db')
  const done = unwrap(await backup(db, target, (p) => seen.push(p))())
  t.is(done.remainingPages, 0)
  t.true(seen.length > 1, 'progress reported along the way')
  const read = (file: string) => {
    const d = new Database(file, { readonly: true })
    try {
      return d.prepare('SELECT id, body FROM notes ORDER BY id').all()
    } finally {
      d.close()
    }
  }
  t.deepEqual(read(target), read(db.file))
})

test('backup into a folder that does not exist, or onto an existing file, is a Left ConnectionError naming the path', async (t) => {
  const db = tempDb()
  unwrap(session(db).run(createTable(notes)))
  const missing = path.join(tempDir(), 'no', 'such', 'copy.db')
  const e = unwrapLeft(await backup(db, missing)())
  t.is(e._tag, 'ConnectionError')
  t.true(e.message.includes(missing))
  const existing = path.join(tempDir(), 'there.db')
  fs.writeFileSync(existing, 'x')
  t.regex(unwrapLeft(await backup(db, existing)()).message, /exists/)
})
