/**
 * The report: ratios, target verdicts, the stdout table, results.json and RESULTS.md.
 */
import type { AdapterName, QueryKind, QueryName } from './names.js'
import { ADAPTERS, QUERIES } from './names.js'
import type { CellResult } from './measure.js'
import { median, quantile } from './measure.js'
import type { PoolResult } from './pool.js'
import type { ServerResult } from './server/run.js'
import type { Curve } from './curves.js'
import type { StreamResult } from './stream.js'

export interface Cell {
  readonly query: QueryName
  readonly kind: QueryKind
  readonly adapter: AdapterName
  /** Median operations per second over the measured rounds. */
  readonly opsPerSec: number
  /** Interquartile range over the median: the cell's own noise. */
  readonly spread: number
  readonly samples: ReadonlyArray<number>
  readonly vsRaw: number
  readonly vsRawMapped: number
  /** Against drizzle in the same form: plain vs `drizzle`, prepared vs `drizzle-prepared`. */
  readonly vsDrizzle: number
  readonly vsKysely: number
  /** The same figures from process CPU time instead of wall-clock time (robust to other load). */
  readonly cpu: {
    readonly opsPerSec: number
    readonly spread: number
    readonly vsRaw: number
    readonly vsRawMapped: number
    readonly vsDrizzle: number
    readonly vsKysely: number
  }
}

export interface Verdict {
  readonly target: string
  readonly query: QueryName
  readonly adapter: AdapterName
  readonly against: AdapterName
  readonly ratio: number
  /** The same ratio from CPU time. */
  readonly cpuRatio: number
  readonly goal: number
  readonly met: boolean
  /** Missed, but by less than one standard error of the ratio (estimated from the CPU-time spreads). */
  readonly withinNoise: boolean
}

const formOf = (a: AdapterName) => ADAPTERS.find((x) => x.name === a)!.form
const kindOf = (q: QueryName) => QUERIES.find((x) => x.name === q)!.kind

const spreadOf = (xs: ReadonlyArray<number>): number => (xs.length < 2 ? 0 : (quantile(xs, 0.75) - quantile(xs, 0.25)) / median(xs))

export const cellsOf = (results: ReadonlyArray<CellResult>): Cell[] => {
  const byKey = new Map(results.map((r) => [`${r.query}\u0000${r.adapter}`, r] as const))
  const ops = (q: QueryName, a: AdapterName, cpu: boolean) => {
    const r = byKey.get(`${q}\u0000${a}`)
    return r === undefined ? NaN : median(cpu ? r.cpuSamples : r.samples)
  }
  const ratios = (r: CellResult, cpu: boolean) => {
    const m = median(cpu ? r.cpuSamples : r.samples)
    return {
      opsPerSec: m,
      spread: spreadOf(cpu ? r.cpuSamples : r.samples),
      vsRaw: m / ops(r.query, 'raw', cpu),
      vsRawMapped: m / ops(r.query, 'raw-mapped', cpu),
      vsDrizzle: m / ops(r.query, formOf(r.adapter) === 'plain' ? 'drizzle' : 'drizzle-prepared', cpu),
      vsKysely: m / ops(r.query, 'kysely', cpu)
    }
  }
  return results.map((r) => ({
    query: r.query,
    kind: kindOf(r.query),
    adapter: r.adapter,
    samples: r.samples,
    ...ratios(r, false),
    cpu: ratios(r, true)
  }))
}

const FP: ReadonlyArray<AdapterName> = ['fp-lite-orm', 'fp-lite-orm-ph']

export const TARGETS = [
  'multi-row reads >= 1.0x raw-mapped',
  'point lookups, plain form >= 1.0x raw',
  'point lookups, placeholder form >= 0.95x raw-mapped',
  'every query >= 1.0x drizzle like-for-like',
  'every query >= 2x kysely',
  'insert 1,000 in a transaction and update by id >= 1.0x raw'
] as const

export const verdictsOf = (cells: ReadonlyArray<Cell>): Verdict[] => {
  const get = (q: QueryName, a: AdapterName) => cells.find((c) => c.query === q && c.adapter === a)
  const out: Verdict[] = []
  const judge = (target: string, c: Cell, against: AdapterName, ratio: number, cpuRatio: number, goal: number) => {
    const other = get(c.query, against)
    if (other === undefined || Number.isNaN(ratio)) return
    // The noise band: one standard error of the ratio of two medians, estimated from the CPU-time
    // spreads (wall-clock spreads on a loaded machine mostly measure the other processes). For
    // normal samples, sd ~ IQR / 1.349 and the median's standard error ~ 1.2533 sd / sqrt(n).
    const n = Math.max(1, Math.min(c.samples.length, other.samples.length))
    const k = 1.2533 / (1.349 * Math.sqrt(n))
    const noise = Math.hypot(k * c.cpu.spread, k * other.cpu.spread)
    out.push({
      target,
      query: c.query,
      adapter: c.adapter,
      against,
      ratio,
      cpuRatio,
      goal,
      met: ratio >= goal,
      withinNoise: ratio < goal && ratio >= goal * (1 - noise)
    })
  }
  for (const c of cells) {
    if (!FP.includes(c.adapter)) continue
    if (c.kind === 'multi') judge(TARGETS[0], c, 'raw-mapped', c.vsRawMapped, c.cpu.vsRawMapped, 1)
    if (c.kind === 'point' && c.adapter === 'fp-lite-orm') judge(TARGETS[1], c, 'raw', c.vsRaw, c.cpu.vsRaw, 1)
    if (c.kind === 'point' && c.adapter === 'fp-lite-orm-ph') judge(TARGETS[2], c, 'raw-mapped', c.vsRawMapped, c.cpu.vsRawMapped, 0.95)
    judge(TARGETS[3], c, c.adapter === 'fp-lite-orm' ? 'drizzle' : 'drizzle-prepared', c.vsDrizzle, c.cpu.vsDrizzle, 1)
    judge(TARGETS[4], c, 'kysely', c.vsKysely, c.cpu.vsKysely, 2)
    if (c.kind === 'write') judge(TARGETS[5], c, 'raw', c.vsRaw, c.cpu.vsRaw, 1)
  }
  return out
}

// -------------------------------------------------------------------------------------
// formatting
// -------------------------------------------------------------------------------------

export const fmtOps = (n: number): string => {
  if (!Number.isFinite(n)) return '-'
  if (n >= 100) return Math.round(n).toLocaleString('en-US')
  if (n >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

export const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-')

const pad = (s: string, w: number, right = false) => (right ? s.padStart(w) : s.padEnd(w))

/** The stdout table: one line per query and adapter. */
export const textTable = (cells: ReadonlyArray<Cell>): string => {
  const header = ['query', 'adapter', 'ops/s', '+-', 'x raw', 'x mapped', 'x drizzle', 'x kysely', 'cpu ops/s', 'cpu x raw', 'cpu x mapped']
  const rows = cells.map((c) => [
    c.query,
    c.adapter,
    fmtOps(c.opsPerSec),
    `${Math.round(c.spread * 100)}%`,
    fmtRatio(c.vsRaw),
    fmtRatio(c.vsRawMapped),
    fmtRatio(c.vsDrizzle),
    fmtRatio(c.vsKysely),
    fmtOps(c.cpu.opsPerSec),
    fmtRatio(c.cpu.vsRaw),
    fmtRatio(c.cpu.vsRawMapped)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: ReadonlyArray<string>) => r.map((x, i) => pad(x, widths[i]!, i >= 2)).join('  ')
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')]
  let last = ''
  for (const r of rows) {
    if (last !== '' && r[0] !== last) out.push('')
    last = r[0]!
    out.push(line(r))
  }
  return out.join('\n')
}

const mdTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, align?: ReadonlyArray<'l' | 'r'>): string => {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'))
  return [
    `| ${header.join(' | ')} |`,
    `| ${a.map((x) => (x === 'l' ? ':--' : '--:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)
  ].join('\n')
}

export interface RunInfo {
  readonly date: string
  readonly command: string
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly os: string }
  readonly loadavg: { readonly start: ReadonlyArray<number>; readonly end: ReadonlyArray<number> }
  readonly versions: Readonly<Record<string, string>>
  readonly settings: Readonly<Record<string, string | number>>
  readonly database: Readonly<Record<string, number | string>>
  readonly checks: { readonly comparisons: number; readonly calls: number }
}

const verdictLine = (v: Verdict) =>
  `${v.met ? 'met' : v.withinNoise ? 'MISSED (within one standard error)' : 'MISSED'}: ${v.query}, ${v.adapter} = ${fmtRatio(v.ratio)} ${v.against}` +
  ` (CPU time: ${fmtRatio(v.cpuRatio)}${v.cpuRatio >= v.goal !== v.met ? (v.cpuRatio >= v.goal ? ', met' : ', missed') : ''}; goal ${v.goal}x)`

export const resultsMarkdown = (
  info: RunInfo,
  cells: ReadonlyArray<Cell>,
  verdicts: ReadonlyArray<Verdict>,
  stream: ReadonlyArray<StreamResult>,
  pool: ReadonlyArray<PoolResult>,
  analysis: string | undefined,
  server: ReadonlyArray<ServerResult> = [],
  curves: ReadonlyArray<Curve> = []
): string => {
  const adapters = ADAPTERS.map((a) => a.name).filter((a) => cells.some((c) => c.adapter === a))
  const queries = QUERIES.filter((q) => cells.some((c) => c.query === q.name))
  const get = (q: QueryName, a: AdapterName) => cells.find((c) => c.query === q && c.adapter === a)
  const out: string[] = []
  out.push('# fp-lite-orm benchmark results', '')
  out.push(`Generated by \`${info.command}\` on ${info.date}. Do not edit by hand: the next run rewrites this file`)
  out.push('(the analysis at the end comes from `bench/ANALYSIS.md`).', '')
  out.push('## Machine and run', '')
  out.push(`- CPU: ${info.machine.cpu}, ${info.machine.cores} cores; ${info.machine.memoryGb} GB RAM; ${info.machine.os}`)
  out.push(
    `- Load average (1, 5, 15 min): ${info.loadavg.start.map((x) => x.toFixed(2)).join(', ')} at start, ${info.loadavg.end.map((x) => x.toFixed(2)).join(', ')} at the end`
  )
  out.push(
    `- Versions: ${Object.entries(info.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`
  )
  out.push(
    `- Settings: ${Object.entries(info.settings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`
  )
  out.push(
    `- Database: ${Object.entries(info.database)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
      .join(', ')}`
  )
  out.push(
    `- Answer checks: ${info.checks.comparisons} answers compared with raw's (${info.checks.calls} calls of every query on every adapter); all equal.`
  )
  out.push('')
  out.push('## Method', '')
  out.push('Every adapter runs in the same process, each on its own connection to its own copy of the generated database')
  out.push("(all copies start equal; WAL, synchronous=NORMAL, foreign_keys=ON for all), so no adapter's writes invalidate")
  out.push("another's page cache or hand it a WAL checkpoint. Before any timing, every answer of every adapter is compared")
  out.push("with raw's (reads row by row; writes through triggers recording every row written). Each round measures every")
  out.push('(query, adapter) cell once for the time budget, adapters interleaved in an order that rotates per round and per')
  out.push("query, with a full GC before each cell; after the warm-up round, a cell's figure is the median of its rounds, and")
  out.push('"+-" is its interquartile range over the median. Ratios divide medians. "x drizzle" compares like with like: the')
  out.push('plain forms with `drizzle`, the prepared/placeholder forms with `drizzle-prepared`. Every column is')
  out.push('INTEGER/REAL/TEXT in every library, so no adapter converts values the others leave alone.', '')
  out.push("Each cell is timed twice over: wall-clock time (the figures and verdicts) and the process's CPU time (user +")
  out.push('system, `process.cpuUsage()`). On a shared machine the wall clock also counts the time other processes held the')
  out.push('cores; CPU time does not, so the CPU-time ratios are the steadier ones when the load average is high. A miss is')
  out.push('marked "within one standard error" when it is smaller than the standard error of the ratio, estimated from the')
  out.push("two cells' CPU-time spreads (sd ~ IQR / 1.349; standard error of a median ~ 1.2533 sd / sqrt(rounds)).", '')
  out.push('Adapters:', '')
  for (const a of ADAPTERS) if (adapters.includes(a.name)) out.push(`- \`${a.name}\`: ${a.description}`)
  out.push('', 'Queries:', '')
  for (const q of queries) out.push(`- \`${q.name}\` (${q.kind}): ${q.description}`)
  out.push('')
  out.push('## Operations per second (median)', '')
  out.push(
    mdTable(
      ['query', ...adapters],
      queries.map((q) => [
        q.name,
        ...adapters.map((a) => {
          const c = get(q.name, a)
          return c === undefined ? '-' : `${fmtOps(c.opsPerSec)} <sub>+-${Math.round(c.spread * 100)}%</sub>`
        })
      ])
    )
  )
  out.push('')
  out.push('## fp-lite-orm against the others (ratio of medians; > 1 is faster)', '')
  const fpRows: string[][] = []
  for (const q of queries) {
    for (const a of ['fp-lite-orm', 'fp-lite-orm-ph'] as const) {
      const c = get(q.name, a)
      if (c !== undefined) fpRows.push([q.name, a, fmtRatio(c.vsRaw), fmtRatio(c.vsRawMapped), fmtRatio(c.vsDrizzle), fmtRatio(c.vsKysely)])
    }
  }
  out.push(mdTable(['query', 'form', 'x raw', 'x raw-mapped', 'x drizzle (same form)', 'x kysely'], fpRows, ['l', 'l', 'r', 'r', 'r', 'r']))
  out.push('')
  out.push('The same ratios measured in process CPU time (user + system) rather than wall-clock time: on a shared machine')
  out.push('they are less disturbed by other processes, but they leave out time spent waiting (disk, locks).', '')
  const cpuRows: string[][] = []
  for (const q of queries) {
    for (const a of ['fp-lite-orm', 'fp-lite-orm-ph'] as const) {
      const c = get(q.name, a)
      if (c !== undefined)
        cpuRows.push([q.name, a, fmtRatio(c.cpu.vsRaw), fmtRatio(c.cpu.vsRawMapped), fmtRatio(c.cpu.vsDrizzle), fmtRatio(c.cpu.vsKysely)])
    }
  }
  out.push(
    mdTable(['query', 'form', 'x raw', 'x raw-mapped', 'x drizzle (same form)', 'x kysely'], cpuRows, ['l', 'l', 'r', 'r', 'r', 'r'])
  )
  out.push('')
  out.push('## Targets', '')
  for (const t of TARGETS) {
    const vs = verdicts.filter((v) => v.target === t)
    if (vs.length === 0) continue
    const met = vs.filter((v) => v.met).length
    out.push(`### ${t}: ${met === vs.length ? 'met' : `missed (${vs.length - met} of ${vs.length} cases)`}`, '')
    for (const v of vs) out.push(`- ${verdictLine(v)}`)
    out.push('')
  }
  if (stream.length > 0) {
    out.push('## Streaming', '')
    out.push(
      mdTable(
        ['variant', 'rows', 'rows/s (median)', 'x raw objects', 'peak RSS growth'],
        stream.map((s) => [
          s.variant,
          s.rows.toLocaleString('en-US'),
          fmtOps(s.rowsPerSec),
          fmtRatio(s.rowsPerSec / stream[0]!.rowsPerSec),
          `${s.rssGrowthMb.toFixed(1)} MB`
        ])
      )
    )
    out.push('')
  }
  if (pool.length > 0) {
    out.push('## Pool read throughput', '')
    const modes = [...new Set(pool.map((p) => p.mode))]
    const pq = [...new Set(pool.map((p) => p.query))]
    const find = (q: string, m: string) => pool.find((p) => p.query === q && p.mode === m)
    out.push(
      mdTable(
        [
          'query',
          ...modes.map((m) => (m === 'session' ? 'one sync session' : `workerPool, ${m.slice(5)} reader${m === 'pool/1' ? '' : 's'}`))
        ],
        pq.map((q) => [
          q,
          ...modes.map((m) => {
            const p = find(q, m)
            const base = find(q, 'session')
            return p === undefined
              ? '-'
              : m === 'session'
                ? fmtOps(p.opsPerSec)
                : `${fmtOps(p.opsPerSec)} (${fmtRatio(p.opsPerSec / (base?.opsPerSec ?? NaN))})`
          })
        ])
      )
    )
    out.push('')
  }
  if (server.length > 0) out.push(serverSection(server), '')
  if (curves.length > 0) out.push(curvesSection(curves), '')
  if (analysis !== undefined) out.push(analysis.trim(), '')
  return out.join('\n')
}

// -------------------------------------------------------------------------------------
// the server benchmark (bench/server/)
// -------------------------------------------------------------------------------------

const SERVER_VARIANTS: Readonly<Record<string, string>> = {
  raw: 'raw better-sqlite3 in the handler',
  session: 'synchronous session',
  pool: 'workerPool (2 readers)'
}

const serverRows = (server: ReadonlyArray<ServerResult>): string[][] =>
  server.map((r) => [
    r.scenario === 'point' ? 'point reads' : 'point reads + 2 report loops',
    SERVER_VARIANTS[r.variant] ?? r.variant,
    fmtOps(r.rps),
    `${r.p50.toFixed(1)} ms`,
    `${r.p99.toFixed(1)} ms`,
    r.scenario === 'point' ? '-' : r.reportRps.toFixed(1),
    String(r.errors)
  ])

const SERVER_HEADER = ['scenario', 'variant', 'point reads/s', 'p50', 'p99', 'reports/s', 'errors']

/** The server benchmark as a plain-text table (stdout). */
export const serverTable = (server: ReadonlyArray<ServerResult>): string =>
  [SERVER_HEADER, ...serverRows(server)].map((r) => r.map((c, i) => (i < 2 ? c.padEnd(30) : c.padStart(12))).join(' ')).join('\n')

/** The server benchmark's section of RESULTS.md. */
export const serverSection = (server: ReadonlyArray<ServerResult>): string =>
  [
    '## Server: Fastify on loopback',
    '',
    'A Fastify server in a child process answers `GET /item/:id` (one row by primary key, the query built per call)',
    'and `GET /report` (a 60-130 ms self-join aggregate); a closed-loop load generator in the bench process',
    '(bench/server/load.ts, keep-alive sockets) drives it with 50 connections reading items, and in the second',
    'scenario 2 more connections looping the report. Generator and server share the cores. Medians over rounds,',
    "variants interleaved; p50/p99 are the point reads' latencies.",
    '',
    mdTable(SERVER_HEADER, serverRows(server), ['l', 'l', 'r', 'r', 'r', 'r', 'r'])
  ].join('\n')

// -------------------------------------------------------------------------------------
// cost curves (bench/curves.ts)
// -------------------------------------------------------------------------------------

const fmtPoint = (y: number): string => (y >= 100 ? fmtOps(y) : y >= 1 ? y.toFixed(1) : y.toPrecision(2))

/** The cost curves' section of RESULTS.md: each chart linked, with its points as a table. */
export const curvesSection = (curves: ReadonlyArray<Curve>): string => {
  const out: string[] = ['## Cost curves', '']
  out.push('How time grows with the work, fp-lite-orm beside raw better-sqlite3 (bench/curves.ts; log-log axes but')
  out.push('for the pool). Each point is the median of a few repetitions.', '')
  for (const c of curves) {
    out.push(`### ${c.title}`, '', `![${c.title}](charts/${c.name}.svg)`, '')
    const xs = [...new Set(c.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b)
    const notes = Object.entries(c.notes ?? {})
    out.push(
      mdTable(
        [c.xLabel, ...c.series.map((s) => `${s.name} (${c.yLabel})`), ...notes.map(([k]) => k)],
        xs.map((x) => [
          x.toLocaleString('en-US'),
          ...c.series.map((s) => {
            const p = s.points.find((q) => q[0] === x)
            return p === undefined ? '-' : fmtPoint(p[1])
          }),
          ...notes.map(([, pts]) => String(pts.find((q) => q[0] === x)?.[1] ?? '-'))
        ]),
        ['r', ...c.series.map(() => 'r' as const), ...notes.map(() => 'r' as const)]
      ),
      ''
    )
  }
  return out.join('\n')
}
