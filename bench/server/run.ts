/**
 * The server benchmark (issue #21): a Fastify server on 127.0.0.1 in a child process, driven by
 * the load generator of load.ts from this process, in three variants (raw better-sqlite3 in the
 * handler, a synchronous session, the worker pool) and two scenarios:
 *
 *   point      `connections` connections reading one row by id
 *   +report    the same, while 2 more connections loop a 60-130 ms report
 *
 * Rounds interleave the variants (a rotating order); each figure is the median over rounds.
 * The generator shares the machine's cores with the server, as it would on one small box.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from '../measure.js'
import { latencyQuantile, runLoad } from './load.js'
import { createItems } from './schema.js'

const here = path.dirname(fileURLToPath(import.meta.url))

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export type ServerVariant = 'raw' | 'session' | 'pool'
export type ServerScenario = 'point' | 'point+report'

export interface ServerResult {
  readonly variant: ServerVariant
  readonly scenario: ServerScenario
  /** Point reads answered per second (median over rounds), and their latency quantiles (ms). */
  readonly rps: number
  readonly p50: number
  readonly p99: number
  /** Reports answered per second (the +report scenario), median over rounds. */
  readonly reportRps: number
  readonly samples: ReadonlyArray<{ readonly rps: number; readonly p50: number; readonly p99: number; readonly reportRps: number }>
  readonly errors: number
}

export interface ServerOptions {
  readonly durationMs: number
  readonly rounds: number
  readonly connections: number
  readonly readers: number
  readonly rows: number
  readonly variants?: ReadonlyArray<ServerVariant>
  readonly scenarios?: ReadonlyArray<ServerScenario>
}

// -------------------------------------------------------------------------------------
// the child
// -------------------------------------------------------------------------------------

interface Server {
  readonly port: number
  readonly stop: () => Promise<void>
}

/** Starts bench/server/app.ts as a child process and waits for its port (30 s at most). */
const startServer = (variant: ServerVariant, file: string, readers: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=fp-lite-orm-source', path.join(here, 'app.ts'), variant, file, String(readers)],
      { stdio: ['pipe', 'pipe', 'inherit'] }
    )
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    const stop = async () => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.stdin?.end()
      await exited
      clearTimeout(kill)
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server ${variant} did not start within 30 s`))
    }, 30_000)
    let out = ''
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString()
      const m = /listening (\d+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ port: Number(m[1]), stop })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server ${variant} exited with code ${code} before listening`))
    })
  })

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** One measurement: a fresh server, a short warm-up, then the load for `durationMs`. */
const once = async (variant: ServerVariant, scenario: ServerScenario, file: string, rows: number, o: ServerOptions) => {
  const server = await startServer(variant, file, o.readers)
  try {
    const point = { port: server.port, path: (i: number) => `/item/${((i * 7919) % rows) + 1}`, connections: o.connections }
    const report = { port: server.port, path: () => '/report', connections: 2 }
    await runLoad([point, report], Math.min(1000, o.durationMs / 2))
    const specs = scenario === 'point' ? [point] : [point, report]
    const [p, r] = await runLoad(specs, o.durationMs)
    return {
      rps: (p!.requests * 1000) / p!.elapsedMs,
      p50: latencyQuantile(p!.latencies, 0.5),
      p99: latencyQuantile(p!.latencies, 0.99),
      reportRps: r === undefined ? 0 : (r.requests * 1000) / r.elapsedMs,
      errors: p!.errors + p!.timeouts + (r === undefined ? 0 : r.errors + r.timeouts)
    }
  } finally {
    await server.stop()
  }
}

export const measureServer = async (dir: string, o: ServerOptions, log: (m: string) => void = () => undefined): Promise<ServerResult[]> => {
  const file = path.join(dir, 'server-items.db')
  createItems(file, o.rows)
  const variants = o.variants ?? (['raw', 'session', 'pool'] as const)
  const scenarios = o.scenarios ?? (['point', 'point+report'] as const)
  const samples = new Map<string, Awaited<ReturnType<typeof once>>[]>()
  for (let round = 0; round < o.rounds; round++) {
    for (const scenario of scenarios) {
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(k + round) % variants.length]!
        const s = await once(variant, scenario, file, o.rows, o)
        log(`server ${scenario} ${variant}: ${Math.round(s.rps)} req/s, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`)
        const key = `${variant}\u0000${scenario}`
        samples.set(key, [...(samples.get(key) ?? []), s])
      }
    }
  }
  return [...samples.entries()].map(([key, xs]) => {
    const [variant, scenario] = key.split('\u0000') as [ServerVariant, ServerScenario]
    return {
      variant,
      scenario,
      rps: median(xs.map((x) => x.rps)),
      p50: median(xs.map((x) => x.p50)),
      p99: median(xs.map((x) => x.p99)),
      reportRps: median(xs.map((x) => x.reportRps)),
      samples: xs.map(({ rps, p50, p99, reportRps }) => ({ rps, p50, p99, reportRps })),
      errors: xs.reduce((a, x) => a + x.errors, 0)
    }
  })
}
