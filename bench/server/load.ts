/**
 * A small closed-loop HTTP load generator (autocannon's job, without the dependency): N
 * keep-alive connections on raw sockets, each sending its next request when the last answer
 * has arrived, for a fixed time. Plain `net` sockets and a pre-built request keep the
 * generator's own cost low: it shares the machine's cores with the server it measures.
 *
 * Bounded: every connection stops at the deadline, and a connection whose answer does not
 * come within `timeoutMs` is closed and counted as a timeout.
 */
import * as net from 'node:net'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface LoadSpec {
  readonly port: number
  /** The request path of call `i` on a connection (e.g. a different id each time). */
  readonly path: (i: number) => string
  readonly connections: number
}

export interface LoadResult {
  readonly requests: number
  readonly errors: number
  readonly timeouts: number
  /** Each answered request's latency in ms, in completion order. */
  readonly latencies: Float64Array
  readonly elapsedMs: number
}

// -------------------------------------------------------------------------------------
// one connection
// -------------------------------------------------------------------------------------

const HEADER_END = Buffer.from('\r\n\r\n')

/** Length of a complete response at the start of `buf` (headers + Content-Length body), or -1; its status in `status`. */
const responseLength = (buf: Buffer, out: { status: number }): number => {
  const end = buf.indexOf(HEADER_END)
  if (end < 0) return -1
  const head = buf.toString('latin1', 0, end)
  out.status = Number(head.slice(9, 12))
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (m === null) throw new Error(`load: a response without Content-Length: ${head.slice(0, 200)}`)
  const total = end + 4 + Number(m[1])
  return buf.length >= total ? total : -1
}

/** Runs one keep-alive connection until `deadline`, recording latencies into `sink`. */
const connection = (
  spec: LoadSpec,
  deadline: number,
  timeoutMs: number,
  sink: { latencies: number[]; errors: number; timeouts: number }
): Promise<void> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: spec.port, noDelay: true })
    let pending: Buffer = Buffer.alloc(0)
    let sentAt = 0
    let i = 0
    let timer: NodeJS.Timeout | undefined
    const status = { status: 0 }
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve()
    }
    const send = () => {
      if (performance.now() >= deadline) return finish()
      sentAt = performance.now()
      clearTimeout(timer)
      timer = setTimeout(() => {
        sink.timeouts++
        finish()
      }, timeoutMs)
      socket.write(`GET ${spec.path(i++)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    }
    socket.on('connect', send)
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const n = responseLength(pending, status)
      if (n < 0) return
      sink.latencies.push(performance.now() - sentAt)
      if (status.status !== 200) sink.errors++
      pending = pending.subarray(n)
      send()
    })
    socket.on('error', () => {
      sink.errors++
      finish()
    })
    socket.on('close', finish)
  })

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Runs every spec's connections at once for `durationMs`; one result per spec. */
export const runLoad = async (specs: ReadonlyArray<LoadSpec>, durationMs: number, timeoutMs = 30_000): Promise<LoadResult[]> => {
  const t0 = performance.now()
  const deadline = t0 + durationMs
  const sinks = specs.map(() => ({ latencies: [] as number[], errors: 0, timeouts: 0 }))
  await Promise.all(
    specs.flatMap((spec, k) => Array.from({ length: spec.connections }, () => connection(spec, deadline, timeoutMs, sinks[k]!)))
  )
  const elapsedMs = performance.now() - t0
  return sinks.map((s) => ({
    requests: s.latencies.length,
    errors: s.errors,
    timeouts: s.timeouts,
    latencies: Float64Array.from(s.latencies),
    elapsedMs
  }))
}

/** The q-quantile of latencies (0 when there are none), by sorting a copy. */
export const latencyQuantile = (latencies: Float64Array, q: number): number => {
  if (latencies.length === 0) return 0
  const sorted = Float64Array.from(latencies).sort()
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
