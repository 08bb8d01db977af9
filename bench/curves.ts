/**
 * Cost curves (issue #21): how time grows with the work, fp-lite-orm beside raw better-sqlite3,
 * drawn as SVG charts into bench/charts/ (linked from RESULTS.md).
 *
 *   scan       SELECT of N rows, N = 1k .. 1M
 *   insert     N rows in one transaction, N = 1k .. 1M
 *   preload    P parents with 2 children each, a hasMany preload, P = 10 .. 100k (statements
 *              stay constant: counted here, asserted in spec/preload-statements.test.ts)
 *   inArray    a primary-key IN list of L values, L = 1 .. 10k
 *   compile    toSQL of a filter of K conditions, K = 1 .. 1k (raw: the same text built by hand)
 *   pool       point reads/s through workerPool with 1 .. 4 readers (32 in flight), beside a
 *              synchronous session and raw in one thread
 *
 * Each point is the median of a few timed repetitions, within a small budget; smoke mode caps
 * the sizes. Times are wall clock: on a loaded machine the curves' shapes (where they bend)
 * are the point, not their height.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Condition, LogEvent } from '../src/index.js'
import {
  all,
  and,
  connect,
  createTable,
  eq,
  filter,
  first,
  hasMany,
  inArray,
  insert,
  integer,
  preload,
  select,
  session,
  table,
  text,
  toSQL,
  workerPool
} from '../src/index.js'
import { median } from './measure.js'
import type { Series } from './svg.js'
import { lineChart } from './svg.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface Curve {
  readonly name: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  /** Anything else measured along the curve (statement counts of the preload). */
  readonly notes?: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>>
}

export interface CurveOptions {
  readonly smoke: boolean
  /** Milliseconds per pool point. */
  readonly poolMs: number
}

const rowsT = table('rows', { id: integer().primaryKey(), a: integer().notNull(), b: text().notNull() })
const parents = table('parents', { id: integer().primaryKey(), name: text().notNull() })
const kids = table('kids', { id: integer().primaryKey(), parentId: integer().notNull(), name: text().notNull() })
const parentKids = hasMany(parents, kids, kids.parentId)

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const must = <A>(e: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left.message)
  return e.right
}

/** The median time (ms) of `f`, repeated up to `reps` times or until `budgetMs` is spent (at least once). */
const timeOf = (f: () => unknown, reps: number, budgetMs = 3000): number => {
  const xs: number[] = []
  const start = performance.now()
  for (let i = 0; i < reps && (i === 0 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now()
    f()
    xs.push(performance.now() - t0)
  }
  return median(xs)
}

const repsFor = (n: number): number => Math.max(3, Math.min(30, Math.round(200_000 / n)))

const fresh = (dir: string, name: string): string => {
  const file = path.join(dir, `curves-${name}.db`)
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  return file
}

const fillRows = (raw: Database.Database, n: number): void => {
  raw.exec('DELETE FROM rows')
  const ins = raw.prepare('INSERT INTO rows (id, a, b) VALUES (?, ?, ?)')
  raw.transaction(() => {
    for (let i = 1; i <= n; i++) ins.run(i, i * 7, `row ${i}`)
  })()
}

// -------------------------------------------------------------------------------------
// the curves
// -------------------------------------------------------------------------------------

const scanAndInsert = (dir: string, sizes: ReadonlyArray<number>): Curve[] => {
  const file = fresh(dir, 'rows')
  const s = session(connect(file))
  must(s.run(createTable(rowsT)))
  const raw = new Database(file)
  const scan: Series[] = [
    { name: 'raw better-sqlite3', points: [] },
    { name: 'fp-lite-orm', points: [] }
  ]
  const ins: Series[] = [
    { name: 'raw better-sqlite3', points: [] },
    { name: 'fp-lite-orm', points: [] }
  ]
  const rawAll = raw.prepare('SELECT id, a, b FROM rows')
  const rawIns = raw.prepare('INSERT INTO rows (id, a, b) VALUES (?, ?, ?)')
  for (const n of sizes) {
    const data = Array.from({ length: n }, (_, i) => ({ id: i + 1, a: (i + 1) * 7, b: `row ${i + 1}` }))
    const reps = Math.max(1, Math.min(10, Math.round(100_000 / n)))
    const tRawIns = timeOf(() => {
      raw.exec('DELETE FROM rows')
      raw.transaction(() => {
        for (const r of data) rawIns.run(r.id, r.a, r.b)
      })()
    }, reps)
    const tFpIns = timeOf(() => {
      raw.exec('DELETE FROM rows')
      must(s.run(insert(rowsT, data)))
    }, reps)
    ;(ins[0]!.points as Array<readonly [number, number]>).push([n, tRawIns])
    ;(ins[1]!.points as Array<readonly [number, number]>).push([n, tFpIns])
    fillRows(raw, n)
    const q = pipe(select(rowsT), all)
    ;(scan[0]!.points as Array<readonly [number, number]>).push([n, timeOf(() => rawAll.all(), repsFor(n))])
    ;(scan[1]!.points as Array<readonly [number, number]>).push([n, timeOf(() => must(s.run(q)), repsFor(n))])
  }
  raw.close()
  s.close()
  return [
    { name: 'scan', title: 'Scan: SELECT every row', xLabel: 'rows', yLabel: 'ms per query', series: scan },
    { name: 'insert', title: 'Insert N rows in one transaction', xLabel: 'rows', yLabel: 'ms per insert', series: ins }
  ]
}

const preloadCurve = (dir: string, sizes: ReadonlyArray<number>): Curve => {
  const file = fresh(dir, 'preload')
  const events: LogEvent[] = []
  const s = session(connect(file, { log: (e) => events.push(e) }))
  const quiet = session(connect(file))
  must(quiet.run(createTable(parents)))
  must(quiet.run(createTable(kids)))
  const raw = new Database(file)
  const rawParents = raw.prepare('SELECT id, name FROM parents')
  const rawKids = raw.prepare('SELECT id, parentId, name FROM kids WHERE parentId IN (SELECT id FROM parents)')
  const series: Series[] = [
    { name: 'raw better-sqlite3 (2 queries + grouping)', points: [] },
    { name: 'fp-lite-orm preload', points: [] }
  ]
  const statements: Array<readonly [number, number]> = []
  const q = pipe(select(parents), preload('kids', parentKids), all)
  for (const p of sizes) {
    raw.exec('DELETE FROM kids; DELETE FROM parents')
    const insP = raw.prepare('INSERT INTO parents (id, name) VALUES (?, ?)')
    const insK = raw.prepare('INSERT INTO kids (parentId, name) VALUES (?, ?)')
    raw.transaction(() => {
      for (let i = 1; i <= p; i++) {
        insP.run(i, `parent ${i}`)
        insK.run(i, `kid ${i}a`)
        insK.run(i, `kid ${i}b`)
      }
    })()
    const rawRun = () => {
      const ps = rawParents.all() as Array<{ id: number; name: string }>
      const byParent = new Map<number, unknown[]>()
      for (const k of rawKids.all() as Array<{ id: number; parentId: number; name: string }>) {
        const list = byParent.get(k.parentId)
        if (list === undefined) byParent.set(k.parentId, [k])
        else list.push(k)
      }
      return ps.map((x) => ({ ...x, kids: byParent.get(x.id) ?? [] }))
    }
    events.length = 0
    must(s.run(q))
    statements.push([p, events.length])
    ;(series[0]!.points as Array<readonly [number, number]>).push([p, timeOf(rawRun, repsFor(p * 3))])
    ;(series[1]!.points as Array<readonly [number, number]>).push([p, timeOf(() => must(s.run(q)), repsFor(p * 3))])
  }
  raw.close()
  s.close()
  quiet.close()
  return {
    name: 'preload',
    title: 'Preload: P parents, 2 children each',
    xLabel: 'parents',
    yLabel: 'ms per query',
    series,
    notes: { statements }
  }
}

const inArrayCurve = (dir: string, lengths: ReadonlyArray<number>): Curve => {
  const file = fresh(dir, 'inarray')
  const s = session(connect(file))
  must(s.run(createTable(rowsT)))
  const raw = new Database(file)
  fillRows(raw, 20_000)
  const series: Series[] = [
    { name: 'raw better-sqlite3', points: [] },
    { name: 'fp-lite-orm, built per call', points: [] }
  ]
  for (const l of lengths) {
    const ids = Array.from({ length: l }, (_, i) => ((i * 7919) % 20_000) + 1)
    const stmt = raw.prepare(`SELECT id, a, b FROM rows WHERE id IN (${ids.map(() => '?').join(', ')})`)
    ;(series[0]!.points as Array<readonly [number, number]>).push([l, timeOf(() => stmt.all(...ids), repsFor(l * 20))])
    ;(series[1]!.points as Array<readonly [number, number]>).push([
      l,
      timeOf(() => must(s.run(pipe(select(rowsT), filter(inArray(rowsT.id, ids)), all))), repsFor(l * 20))
    ])
  }
  raw.close()
  s.close()
  return { name: 'inarray', title: 'inArray: an IN list of L keys', xLabel: 'list length', yLabel: 'ms per query', series }
}

const compileCurve = (sizes: ReadonlyArray<number>): Curve => {
  const series: Series[] = [
    { name: 'raw: the SQL text built by hand', points: [] },
    { name: 'fp-lite-orm: build + toSQL', points: [] }
  ]
  for (const k of sizes) {
    const byHand = () => {
      const parts: string[] = []
      for (let i = 0; i < k; i++) parts.push('"rows"."a" = ?')
      return `SELECT "rows"."id", "rows"."a", "rows"."b" FROM "rows" WHERE ${parts.join(' AND ')}`
    }
    const built = () => {
      const conds: Condition[] = []
      for (let i = 0; i < k; i++) conds.push(eq(rowsT.a, i))
      return must(toSQL(pipe(select(rowsT), filter(and(...conds)), all)))
    }
    const reps = Math.max(5, Math.min(200, Math.round(20_000 / k)))
    ;(series[0]!.points as Array<readonly [number, number]>).push([k, timeOf(byHand, reps)])
    ;(series[1]!.points as Array<readonly [number, number]>).push([k, timeOf(built, reps)])
  }
  return { name: 'compile', title: 'Compile time against query size', xLabel: 'conditions in the filter', yLabel: 'ms per query', series }
}

const poolCurve = async (dir: string, readerCounts: ReadonlyArray<number>, ms: number): Promise<Curve> => {
  const file = fresh(dir, 'pool')
  const s = session(connect(file))
  must(s.run(createTable(rowsT)))
  const raw = new Database(file)
  raw.pragma('journal_mode = WAL')
  fillRows(raw, 10_000)
  const byId = (i: number) => pipe(select(rowsT), filter(eq(rowsT.id, ((i * 7919) % 10_000) + 1)), first)
  const perSecond = (f: (i: number) => unknown) => {
    const t0 = performance.now()
    let n = 0
    while (performance.now() - t0 < ms) for (let k = 0; k < 16; k++) f(n++)
    return (n * 1000) / (performance.now() - t0)
  }
  const rawStmt = raw.prepare('SELECT id, a, b FROM rows WHERE id = ?')
  const rawOps = perSecond((i) => rawStmt.get(((i * 7919) % 10_000) + 1))
  const sessionOps = perSecond((i) => must(s.run(byId(i))))
  const poolPoints: Array<readonly [number, number]> = []
  for (const readers of readerCounts) {
    const pool = workerPool(connect(file), { readers })
    try {
      const lanes = async (duration: number) => {
        const t0 = performance.now()
        let n = 0
        const lane = async () => {
          while (performance.now() - t0 < duration) must(await pool.run(byId(n++))())
        }
        await Promise.all(Array.from({ length: 32 }, lane))
        return (n * 1000) / (performance.now() - t0)
      }
      await lanes(Math.min(300, ms / 2))
      poolPoints.push([readers, await lanes(ms)])
    } finally {
      await pool.close()
    }
  }
  raw.close()
  s.close()
  return {
    name: 'pool',
    title: 'Point reads/s against pool readers (32 in flight)',
    xLabel: 'reader threads',
    yLabel: 'reads per second',
    series: [
      { name: 'raw better-sqlite3, one thread', points: readerCounts.map((r) => [r, rawOps] as const) },
      { name: 'synchronous session', points: readerCounts.map((r) => [r, sessionOps] as const) },
      { name: 'workerPool', points: poolPoints }
    ]
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

export const measureCurves = async (dir: string, o: CurveOptions, log: (m: string) => void = () => undefined): Promise<Curve[]> => {
  const rowSizes = o.smoke ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000]
  log('curves: scan and insert')
  const out = scanAndInsert(dir, rowSizes)
  log('curves: preload')
  out.push(preloadCurve(dir, o.smoke ? [10, 100, 1_000] : [10, 100, 1_000, 10_000, 100_000]))
  log('curves: inArray')
  out.push(inArrayCurve(dir, o.smoke ? [1, 10, 100] : [1, 10, 100, 1_000, 10_000]))
  log('curves: compile')
  out.push(compileCurve(o.smoke ? [1, 10, 100] : [1, 10, 100, 1_000]))
  log('curves: pool readers')
  out.push(await poolCurve(dir, o.smoke ? [1] : [1, 2, 3, 4], o.poolMs))
  return out
}

/** The SVG of a curve (log axes but for the pool's reader count). */
export const curveSvg = (c: Curve): string =>
  lineChart({ title: c.title, xLabel: c.xLabel, yLabel: c.yLabel, series: c.series, logX: c.name !== 'pool', logY: c.name !== 'pool' })

/** Writes bench/charts/<name>.svg for each curve. */
export const writeCharts = (chartsDir: string, curves: ReadonlyArray<Curve>): void => {
  fs.mkdirSync(chartsDir, { recursive: true })
  for (const c of curves) fs.writeFileSync(path.join(chartsDir, `${c.name}.svg`), curveSvg(c))
}
