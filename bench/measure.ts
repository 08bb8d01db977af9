/**
 * Timing: every (query, adapter) cell is measured once per round, rounds interleave all
 * adapters (their order rotates from round to round and query to query, so no adapter
 * always runs right after the same neighbour), and a cell's figure is the median of its
 * rounds. Before each cell the heap is collected (when a `gc` is available), so a cell
 * pays for its own garbage and not for the previous adapter's.
 *
 * A measurement is one tight loop of `n` calls, `n` chosen from the previous round's
 * speed to fill the time budget: the clock is read twice per cell, not per call.
 */
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import type { AdapterName, QueryName } from './names.js'
import type { Adapter, Op } from './workload.js'

/** The V8 full collection, exposed at run time (no node flag needed). */
export const gc: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc')
    const f = vm.runInNewContext('gc') as unknown
    if (typeof f === 'function') return f as () => void
  } catch {
    // not available: cells then share garbage, and medians absorb it
  }
  return () => undefined
})()

let sink: unknown

export interface Timing {
  /** Wall-clock milliseconds. */
  readonly ms: number
  /** Process CPU milliseconds (user + system): what the calls cost, whatever else runs on the machine. */
  readonly cpuMs: number
}

const cpuNow = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Runs `n` calls from call number `start`. */
const timeSync = (op: Op, start: number, n: number): Timing => {
  const c0 = cpuNow()
  const t0 = performance.now()
  for (let k = 0; k < n; k++) sink = op(start + k)
  const ms = performance.now() - t0
  return { ms, cpuMs: cpuNow() - c0 }
}

const timeAsync = async (op: Op, start: number, n: number): Promise<Timing> => {
  const c0 = cpuNow()
  const t0 = performance.now()
  for (let k = 0; k < n; k++) sink = await op(start + k)
  const ms = performance.now() - t0
  return { ms, cpuMs: cpuNow() - c0 }
}

export interface CellResult {
  readonly query: QueryName
  readonly adapter: AdapterName
  /** Operations per second (wall clock), one per measured round. */
  readonly samples: number[]
  /** Operations per CPU second of the process, one per measured round. */
  readonly cpuSamples: number[]
}

export interface MeasureOptions {
  readonly rounds: number
  /** Time per cell per round, in milliseconds. */
  readonly budgetMs: number
  /** Rounds run first and thrown away (JIT warm-up, caches, statement preparation). */
  readonly warmupRounds: number
  readonly queries: ReadonlyArray<QueryName>
  /** Collect the heap before each cell (default true). */
  readonly gcBetweenCells?: boolean
  readonly onRound?: (round: number, of: number) => void
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

const rotate = <A>(xs: ReadonlyArray<A>, k: number): A[] => xs.map((_, i) => xs[(i + k) % xs.length]!)

export const measure = async (adapters: ReadonlyArray<Adapter>, options: MeasureOptions): Promise<CellResult[]> => {
  type Slot = { query: QueryName; adapter: Adapter; perOpMs: number; calls: number; samples: number[]; cpuSamples: number[] }
  const cells = new Map<string, Slot>()
  for (const query of options.queries) {
    for (const adapter of adapters)
      cells.set(`${query}\u0000${adapter.name}`, { query, adapter, perOpMs: NaN, calls: 0, samples: [], cpuSamples: [] })
  }
  const run = (adapter: Adapter, op: Op, start: number, n: number): Timing | Promise<Timing> =>
    adapter.async ? timeAsync(op, start, n) : timeSync(op, start, n)
  const total = options.warmupRounds + options.rounds
  for (let round = 0; round < total; round++) {
    options.onRound?.(round, total)
    for (let qi = 0; qi < options.queries.length; qi++) {
      const query = options.queries[qi]!
      for (const adapter of rotate(adapters, round + qi)) {
        const cell = cells.get(`${query}\u0000${adapter.name}`)!
        const op = adapter.ops[query]
        if (options.gcBetweenCells !== false) gc()
        let n: number
        let ms: number
        let cpuMs: number
        if (Number.isNaN(cell.perOpMs)) {
          // First visit: grow the batch until it fills the budget, to learn the speed.
          n = 0
          ms = 0
          cpuMs = 0
          let batch = 1
          while (ms < options.budgetMs) {
            const t = await run(adapter, op, cell.calls + n, batch)
            ms += t.ms
            cpuMs += t.cpuMs
            n += batch
            // Double, but never past what the rest of the budget holds at the speed seen so far.
            batch = Math.max(1, Math.min(batch * 2, Math.ceil(((options.budgetMs - ms) * n) / ms)))
          }
        } else {
          n = Math.max(1, Math.round(options.budgetMs / cell.perOpMs))
          const t = await run(adapter, op, cell.calls, n)
          ms = t.ms
          cpuMs = t.cpuMs
        }
        cell.calls += n
        cell.perOpMs = ms / n
        if (round >= options.warmupRounds) {
          cell.samples.push((n * 1000) / ms)
          // process.cpuUsage has a coarse clock on some systems: guard a zero reading.
          cell.cpuSamples.push((n * 1000) / Math.max(cpuMs, 1e-3))
        }
      }
    }
  }
  void sink
  return [...cells.values()].map((c) => ({ query: c.query, adapter: c.adapter.name, samples: c.samples, cpuSamples: c.cpuSamples }))
}
