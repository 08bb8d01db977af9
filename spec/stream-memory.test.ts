/**
 * `s.stream` reads in constant memory: 1,000,000 generated rows (a recursive CTE writes
 * them, so the test process never holds them) streamed through a session must not grow
 * the resident set by 64 MB or more. Memory, unlike time, is a stable thing to assert.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import { all, connect, integer, real, select, session, table, text } from '../src/index.js'
import { tempDbPath } from './helpers/db.js'

const ROWS = 1_000_000
const LIMIT_MB = 64

const nums = table('nums', {
  id: integer().primaryKey(),
  a: integer().notNull(),
  b: text().notNull(),
  c: real().notNull()
})

/** A full collection, when V8 lets us have one (it makes the baseline a settled heap). */
const gc = (): void => {
  try {
    v8.setFlagsFromString('--expose-gc')
    ;(vm.runInNewContext('gc') as () => void)()
  } catch {
    // without it the baseline is a little higher, which only makes the test easier
  }
}

test(`streaming ${ROWS.toLocaleString('en-US')} rows grows RSS by less than ${LIMIT_MB} MB`, (t) => {
  t.timeout(60_000)
  const file = tempDbPath('stream.db')
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  raw.exec('CREATE TABLE nums (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL, c REAL NOT NULL)')
  raw
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO nums (id, a, b, c) SELECT i, i % 1000, 'row ' || i, i / 7.0 FROM n`
    )
    .run(ROWS)
  raw.close()

  const s = session(connect(file))
  const stream = s.stream(pipe(select(nums), all))
  if (E.isLeft(stream)) return t.fail(stream.left.message)
  gc()
  const base = process.memoryUsage.rss()
  let peak = 0
  let n = 0
  let sum = 0
  let lastId = 0
  let ordered = true
  for (const row of stream.right) {
    n++
    sum += row.a
    if (row.id <= lastId) ordered = false
    lastId = row.id
    if ((n & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage.rss() - base)
  }
  peak = Math.max(peak, process.memoryUsage.rss() - base)
  s.close()

  t.is(n, ROWS)
  t.true(ordered)
  // sum of i % 1000 over 1..1,000,000: 1000 full cycles of 0..999
  t.is(sum, (1000 * (999 * 1000)) / 2)
  const mb = peak / 2 ** 20
  t.log(`peak RSS growth while streaming: ${mb.toFixed(1)} MB`)
  t.true(mb < LIMIT_MB, `RSS grew by ${mb.toFixed(1)} MB while streaming`)
})
