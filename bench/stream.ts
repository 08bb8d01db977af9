/**
 * Streaming: N generated rows (a recursive CTE into a temp database) read one at a time,
 * through fp-lite-orm's `s.stream` and through better-sqlite3's `iterate()` (object rows,
 * and arrays + a generated mapper). Reports rows per second and how far the resident set
 * grew while streaming (peak RSS minus RSS before, sampled every 16k rows).
 */
import * as path from 'node:path'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { all, connect, integer, real, select, session, table, text } from '../src/index.js'
import { gc, median } from './measure.js'
import { removeDb } from './generate.js'

export const nums = table('nums', {
  id: integer().primaryKey(),
  a: integer().notNull(),
  b: text().notNull(),
  c: real().notNull()
})

/** A database of `rows` generated rows in table `nums`, written by SQLite itself. */
export const fillNumbers = (file: string, rows: number): void => {
  removeDb(file)
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = OFF')
    db.exec('CREATE TABLE nums (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL, c REAL NOT NULL)')
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO nums (id, a, b, c) SELECT i, (i * 7919) % 100003, 'row ' || i, i / 7.0 FROM n`
    ).run(rows)
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
}

export interface StreamResult {
  readonly variant: string
  readonly rows: number
  readonly rowsPerSec: number
  /** Peak RSS growth over the runs, in MB. */
  readonly rssGrowthMb: number
  readonly samples: number[]
}

const RSS_EVERY = 0x3fff

/** Consumes an iterable of rows, returning the count and the peak RSS growth in bytes. */
const drain = (rows: Iterable<{ a: number }>): { n: number; checksum: number; peak: number } => {
  const base = process.memoryUsage.rss()
  let peak = 0
  let n = 0
  let checksum = 0
  for (const r of rows) {
    checksum = (checksum + r.a) | 0
    if ((++n & RSS_EVERY) === 0) peak = Math.max(peak, process.memoryUsage.rss() - base)
  }
  return { n, checksum, peak: Math.max(peak, process.memoryUsage.rss() - base) }
}

export const measureStream = (dir: string, rows: number, rounds: number): StreamResult[] => {
  const file = path.join(dir, 'stream.db')
  fillNumbers(file, rows)
  const rawDb = new Database(file)
  const objectStmt = rawDb.prepare('SELECT "nums"."id" AS "id", "nums"."a" AS "a", "nums"."b" AS "b", "nums"."c" AS "c" FROM "nums"')
  const arrayStmt = rawDb.prepare('SELECT "nums"."id", "nums"."a", "nums"."b", "nums"."c" FROM "nums"').raw(true)
  // The same generated mapper as the raw-mapped adapter's, from a fixed text.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const toRow = new Function('r', 'return { "id": r[0], "a": r[1], "b": r[2], "c": r[3] };') as (r: unknown[]) => { a: number }
  function* mapped(): Generator<{ a: number }> {
    for (const r of arrayStmt.iterate() as IterableIterator<unknown[]>) yield toRow(r)
  }
  const db = connect(file)
  const s = session(db)
  const q = pipe(select(nums), all)
  const variants: ReadonlyArray<readonly [string, () => Iterable<{ a: number }>]> = [
    ['raw iterate (objects)', () => objectStmt.iterate() as IterableIterator<{ a: number }>],
    ['raw iterate (arrays + mapper)', mapped],
    [
      'fp-lite-orm s.stream',
      () => {
        const r = s.stream(q)
        if (E.isLeft(r)) throw new Error(`s.stream returned a Left: ${r.left.message}`)
        return r.right
      }
    ]
  ]
  const results = variants.map(([variant]) => ({ variant, samples: [] as number[], peak: 0, checksum: undefined as number | undefined }))
  try {
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        // Rotated each round, like the main benchmark.
        const idx = (k + round) % variants.length
        const make = variants[idx]![1]
        const res = results[idx]!
        gc()
        const t0 = performance.now()
        const d = drain(make())
        const ms = performance.now() - t0
        if (d.n !== rows) throw new Error(`${res.variant} streamed ${d.n} rows, expected ${rows}`)
        if (res.checksum !== undefined && res.checksum !== d.checksum) throw new Error(`${res.variant}: checksum changed between rounds`)
        res.checksum = d.checksum
        res.samples.push((d.n * 1000) / ms)
        res.peak = Math.max(res.peak, d.peak)
      }
    }
    const sums = new Set(results.map((r) => r.checksum))
    if (sums.size !== 1) throw new Error('the stream variants read different rows')
  } finally {
    s.close()
    rawDb.close()
    removeDb(file)
  }
  return results.map((r) => ({
    variant: r.variant,
    rows,
    rowsPerSec: median(r.samples),
    rssGrowthMb: r.peak / 2 ** 20,
    samples: r.samples
  }))
}
