/**
 * `npm run bench`: the benchmark of fp-lite-orm against better-sqlite3 (raw and mapped),
 * drizzle-orm and kysely on a generated Northwind-shaped database.
 *
 *   tsx bench/run.ts                 the full run: stdout table, bench/results.json, bench/RESULTS.md
 *   tsx bench/run.ts --smoke         a small database and a fraction of a second per query, checks on,
 *                                    nothing written (runs inside `npm test`)
 *
 * Options: --rounds N --budget MS --warmup N --scale X --seed N --only q1,q2 --adapters a,b
 * --stream-rows N --pool-ms MS --server-ms MS --no-stream --no-pool --no-server --no-curves --no-write; --report re-renders RESULTS.md
 * from the last bench/results.json without measuring. With --only or --adapters the run is
 * partial and writes nothing unless --write is given (for profiling:
 * `node --cpu-prof --import tsx bench/run.ts --only customer-by-id --adapters fp-lite-orm --no-stream --no-pool`).
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzleAdapter, drizzlePreparedAdapter } from './adapters/drizzle.js'
import { fpLiteAdapter, fpLitePlaceholderAdapter } from './adapters/fplite.js'
import { kyselyAdapter } from './adapters/kysely.js'
import { rawAdapter, rawMappedAdapter } from './adapters/raw.js'
import { CHECK_CALLS, checkAnswers, installAudit, removeAudit } from './check.js'
import { ensureDatabase, removeDb, sizesFor, workingCopy } from './generate.js'
import { measure } from './measure.js'
import type { AdapterName, QueryName } from './names.js'
import { ADAPTER_NAMES, QUERY_NAMES } from './names.js'
import type { PoolResult } from './pool.js'
import { measurePool } from './pool.js'
import type { ServerResult } from './server/run.js'
import type { Curve } from './curves.js'
import { measureCurves, writeCharts } from './curves.js'
import { measureServer } from './server/run.js'
import type { Cell, RunInfo, Verdict } from './report.js'
import { cellsOf, resultsMarkdown, serverTable, textTable, verdictsOf } from './report.js'
import { checkSchemas } from './schema.js'
import type { StreamResult } from './stream.js'
import { measureStream } from './stream.js'
import type { Adapter, Workload } from './workload.js'
import { makeWorkload, openDatabase } from './workload.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')

// -------------------------------------------------------------------------------------
// options
// -------------------------------------------------------------------------------------

interface Options {
  /** Only re-render RESULTS.md (and the verdicts in results.json) from bench/results.json. */
  readonly report: boolean
  readonly smoke: boolean
  readonly rounds: number
  readonly warmup: number
  readonly budgetMs: number
  readonly scale: number
  readonly seed: number
  readonly queries: ReadonlyArray<QueryName>
  readonly adapters: ReadonlyArray<AdapterName>
  readonly stream: boolean
  readonly streamRows: number
  readonly streamRounds: number
  readonly pool: boolean
  readonly poolReaders: ReadonlyArray<number>
  readonly poolMs: number
  readonly poolRounds: number
  readonly server: boolean
  readonly serverMs: number
  readonly serverRounds: number
  readonly curves: boolean
  readonly write: boolean
}

const parseArgs = (argv: ReadonlyArray<string>): Options => {
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new Error(`unknown argument ${a}`)
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined]
    if (v !== undefined) flags.set(k, v)
    else if (
      i + 1 < argv.length &&
      !argv[i + 1]!.startsWith('--') &&
      !['report', 'smoke', 'no-stream', 'no-pool', 'no-server', 'no-curves', 'no-write', 'write'].includes(k)
    )
      flags.set(k, argv[++i]!)
    else flags.set(k, true)
  }
  const known = [
    'report',
    'smoke',
    'rounds',
    'warmup',
    'budget',
    'scale',
    'seed',
    'only',
    'adapters',
    'stream-rows',
    'no-stream',
    'no-pool',
    'no-write',
    'write',
    'pool-ms',
    'no-server',
    'server-ms',
    'no-curves'
  ]
  for (const k of flags.keys())
    if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(' ')})`)
  const num = (k: string, d: number) => {
    const v = flags.get(k)
    if (v === undefined) return d
    const n = Number(v)
    if (!Number.isFinite(n)) throw new Error(`--${k} takes a number`)
    return n
  }
  const list = <A extends string>(k: string, all: ReadonlyArray<A>): ReadonlyArray<A> => {
    const v = flags.get(k)
    if (v === undefined || v === true) return all
    const names = v.split(',').map((x) => x.trim())
    for (const n of names) if (!all.includes(n as A)) throw new Error(`--${k}: unknown name ${n} (known: ${all.join(', ')})`)
    return all.filter((x) => names.includes(x))
  }
  const smoke = flags.has('smoke')
  const queries = list('only', QUERY_NAMES)
  // raw is the reference of the answer checks: always there.
  const adapters = list('adapters', ADAPTER_NAMES)
  const partial = flags.has('only') || flags.has('adapters')
  return {
    report: flags.has('report'),
    smoke,
    rounds: num('rounds', smoke ? 1 : 7),
    warmup: num('warmup', smoke ? 0 : 1),
    budgetMs: num('budget', smoke ? 8 : 150),
    scale: num('scale', smoke ? 0.05 : 1),
    seed: num('seed', 42),
    queries,
    adapters: adapters.includes('raw') ? adapters : ['raw', ...adapters],
    stream: !flags.has('no-stream'),
    streamRows: num('stream-rows', smoke ? 20_000 : 1_000_000),
    streamRounds: smoke ? 1 : 3,
    pool: !flags.has('no-pool'),
    poolReaders: smoke ? [1] : [1, 2, 4],
    poolMs: num('pool-ms', smoke ? 40 : 700),
    poolRounds: smoke ? 1 : 3,
    server: !flags.has('no-server'),
    serverMs: num('server-ms', smoke ? 300 : 8000),
    serverRounds: smoke ? 1 : 3,
    curves: !flags.has('no-curves'),
    write: flags.has('write') || (!smoke && !partial && !flags.has('no-write'))
  }
}

// -------------------------------------------------------------------------------------
// environment
// -------------------------------------------------------------------------------------

const versionOf = (name: string): string => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

const gitRevision = (): string => {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${rev} (src modified)` : rev
  } catch {
    return '?'
  }
}

const versions = (): Record<string, string> => {
  const db = new Database(':memory:')
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string
  db.close()
  const own = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version
  return {
    'fp-lite-orm': `${own} @ ${gitRevision()}`,
    node: process.version,
    'better-sqlite3': versionOf('better-sqlite3'),
    SQLite: sqlite,
    'drizzle-orm': versionOf('drizzle-orm'),
    kysely: versionOf('kysely'),
    'fp-ts': versionOf('fp-ts'),
    'io-ts': versionOf('io-ts'),
    tsx: versionOf('tsx')
  }
}

const t0 = performance.now()
/** The markdown as the repository's Prettier settings lay it out (`prettier --check .` stays clean); as is without Prettier. */
const formatted = async (file: string, text: string): Promise<string> => {
  try {
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(file)) ?? {}
    return await prettier.format(text, { ...options, filepath: file })
  } catch {
    return text
  }
}

const log = (msg: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)

// -------------------------------------------------------------------------------------
// main
// -------------------------------------------------------------------------------------

const makers: Readonly<Record<AdapterName, (file: string, w: Workload) => Adapter>> = {
  raw: rawAdapter,
  'raw-mapped': rawMappedAdapter,
  drizzle: drizzleAdapter,
  'drizzle-prepared': drizzlePreparedAdapter,
  kysely: kyselyAdapter,
  'fp-lite-orm': fpLiteAdapter,
  'fp-lite-orm-ph': fpLitePlaceholderAdapter
}

/** `--report`: RESULTS.md again from the last run's results.json (after editing ANALYSIS.md or the report code). */
const rerender = async (): Promise<void> => {
  const jsonFile = path.join(here, 'results.json')
  if (!fs.existsSync(jsonFile)) throw new Error('bench/results.json does not exist: run `npm run bench` first')
  const saved = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as {
    info: RunInfo
    cells: Cell[]
    stream: StreamResult[]
    pool: PoolResult[]
    server?: ServerResult[]
    curves?: Curve[]
  }
  const verdicts = verdictsOf(saved.cells)
  await writeResults(saved.info, saved.cells, verdicts, saved.stream, saved.pool, saved.server ?? [], saved.curves ?? [])
}

const writeResults = async (
  info: RunInfo,
  cells: ReadonlyArray<Cell>,
  verdicts: ReadonlyArray<Verdict>,
  stream: ReadonlyArray<StreamResult>,
  pool: ReadonlyArray<PoolResult>,
  server: ReadonlyArray<ServerResult>,
  curves: ReadonlyArray<Curve>
): Promise<void> => {
  const analysisFile = path.join(here, 'ANALYSIS.md')
  const analysis = fs.existsSync(analysisFile) ? fs.readFileSync(analysisFile, 'utf8') : undefined
  fs.writeFileSync(path.join(here, 'results.json'), `${JSON.stringify({ info, cells, verdicts, stream, pool, server, curves }, null, 2)}\n`)
  const resultsFile = path.join(here, 'RESULTS.md')
  fs.writeFileSync(
    resultsFile,
    await formatted(resultsFile, resultsMarkdown(info, cells, verdicts, stream, pool, analysis, server, curves))
  )
  if (curves.length > 0) writeCharts(path.join(here, 'charts'), curves)
  log('wrote bench/results.json and bench/RESULTS.md')
}

const main = async (): Promise<void> => {
  const o = parseArgs(process.argv.slice(2))
  if (o.report) return rerender()
  const started = performance.now()
  const loadStart = os.loadavg()
  checkSchemas()

  // The generated database: kept in bench/ between runs (git-ignored), a temp one for smoke runs.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-lite-orm-bench-'))
  const base = o.smoke ? path.join(tmp, 'northwind.db') : path.join(here, `northwind-s${o.seed}-x${o.scale}.db`)
  // Each adapter works on its own copy: no adapter's writes invalidate another's page cache or
  // hand it a WAL checkpoint, and the generated file stays as generated.
  const workDir = o.smoke ? tmp : here
  const workFile = (name: string) => path.join(workDir, `northwind-work-${process.pid}-${name}.db`)
  const works: string[] = []
  const adapters: Adapter[] = []
  try {
    const gen = ensureDatabase(base, o.seed, o.scale)
    log(`database ${path.relative(root, base)}: ${gen.reused ? 'reused' : `generated in ${(gen.ms / 1000).toFixed(1)} s`}`)
    const w = makeWorkload(base, o.seed)
    const audits = new Map<AdapterName, Database.Database>()
    for (const name of o.adapters) {
      const file = workingCopy(base, workFile(name))
      works.push(file)
      const audit = openDatabase(file)
      installAudit(audit)
      audits.set(name, audit)
      adapters.push(makers[name](file, w))
    }
    const checked = await checkAnswers(adapters, audits, o.queries)
    for (const audit of audits.values()) {
      removeAudit(audit)
      audit.close()
    }
    log(`answer checks: ${checked.comparisons} answers equal to raw's`)

    const results = await measure(adapters, {
      rounds: o.rounds,
      warmupRounds: o.warmup,
      budgetMs: o.budgetMs,
      queries: o.queries,
      gcBetweenCells: !o.smoke,
      onRound: (r, n) => log(`round ${r + 1}/${n}${r < o.warmup ? ' (warm-up)' : ''}`)
    })
    const cells = cellsOf(results)
    const verdicts = verdictsOf(cells)
    process.stdout.write(`${textTable(cells)}\n\n`)

    let stream: StreamResult[] = []
    if (o.stream) {
      log(`streaming ${o.streamRows.toLocaleString('en-US')} rows`)
      stream = measureStream(tmp, o.streamRows, o.streamRounds)
      for (const s of stream)
        process.stdout.write(
          `stream  ${s.variant.padEnd(30)} ${Math.round(s.rowsPerSec).toLocaleString('en-US').padStart(12)} rows/s  peak RSS growth ${s.rssGrowthMb.toFixed(1)} MB\n`
        )
      process.stdout.write('\n')
    }
    let pool: PoolResult[] = []
    if (o.pool) {
      log(`pool throughput (readers ${o.poolReaders.join(', ')})`)
      pool = await measurePool(works[works.length - 1]!, w, {
        readers: o.poolReaders,
        durationMs: o.poolMs,
        rounds: o.poolRounds,
        concurrency: 32
      })
      for (const p of pool) {
        const base1 = pool.find((x) => x.query === p.query && x.mode === 'session')
        process.stdout.write(
          `pool  ${p.query.padEnd(18)} ${p.mode.padEnd(8)} ${Math.round(p.opsPerSec).toLocaleString('en-US').padStart(10)} ops/s  ${(p.opsPerSec / (base1?.opsPerSec ?? NaN)).toFixed(2)}x session\n`
        )
      }
      process.stdout.write('\n')
    }

    let server: ServerResult[] = []
    if (o.server) {
      log(`server benchmark (Fastify on 127.0.0.1, ${o.serverMs} ms per run, ${o.serverRounds} rounds)`)
      server = await measureServer(
        tmp,
        {
          durationMs: o.serverMs,
          rounds: o.serverRounds,
          connections: o.smoke ? 8 : 50,
          readers: 2,
          rows: o.smoke ? 5_000 : 100_000,
          // Smoke: both routes, the two fp-lite-orm variants, a fraction of a second each (it runs inside npm test).
          ...(o.smoke ? { scenarios: ['point+report'] as const, variants: ['session', 'pool'] as const } : {})
        },
        log
      )
      process.stdout.write(`${serverTable(server)}\n\n`)
    }

    let curves: Curve[] = []
    if (o.curves) {
      curves = await measureCurves(tmp, { smoke: o.smoke, poolMs: o.smoke ? 100 : 1000 }, log)
      // Smoke: the charts are drawn (the writer runs) into the temp folder, not into bench/charts.
      if (!o.write) writeCharts(path.join(tmp, 'charts'), curves)
    }

    const missed = verdicts.filter((v) => !v.met)
    process.stdout.write(`targets: ${verdicts.length - missed.length} of ${verdicts.length} cases met\n`)
    for (const v of missed) {
      process.stdout.write(
        `  missed: ${v.target}: ${v.query} ${v.adapter} ${v.ratio.toFixed(2)}x ${v.against} (cpu ${v.cpuRatio.toFixed(2)}x)${v.withinNoise ? ' (within one standard error)' : ''}\n`
      )
    }

    const loadEnd = os.loadavg()
    const cpus = os.cpus()
    const info: RunInfo = {
      date: new Date().toISOString(),
      command: o.smoke
        ? 'tsx bench/run.ts --smoke'
        : `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: {
        cpu: cpus[0]?.model ?? '?',
        cores: os.availableParallelism?.() ?? cpus.length,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()} ${os.arch()}`
      },
      loadavg: { start: loadStart, end: loadEnd },
      versions: versions(),
      settings: { rounds: o.rounds, 'warm-up rounds': o.warmup, 'budget per cell (ms)': o.budgetMs, seed: o.seed, scale: o.scale },
      database: { ...sizesFor(o.scale), 'file size (MB)': Math.round(fs.statSync(base).size / 2 ** 20) },
      checks: { comparisons: checked.comparisons, calls: CHECK_CALLS }
    }
    if (o.write) await writeResults(info, cells, verdicts, stream, pool, server, curves)
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${loadEnd.map((x) => x.toFixed(2)).join(', ')}`)
  } finally {
    for (const a of adapters) {
      try {
        await a.close()
      } catch {
        // closing is best effort
      }
    }
    for (const f of works) removeDb(f)
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  }
)
