/**
 * Remote beside local: point reads and single-row inserts through remotePool(dqlite(...))
 * on the 3-node loopback cluster, beside workerPool on a local file, with the same query
 * values. Latency is one query at a time (median and p95 of N); throughput is `concurrency`
 * callers issuing queries for `seconds`. Every remote answer is first checked equal to the
 * local pool's. Needs the cluster: scripts/dqlite-cluster.sh start.
 *
 *   npx tsx bench/remote.ts [-- --n 2000 --seconds 3 --concurrency 16]
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Pool } from '../src/index.js'
import {
  connect,
  createTable,
  dqlite,
  eq,
  filter,
  first,
  insert,
  integer,
  placeholder,
  remotePool,
  select,
  table,
  text,
  workerPool
} from '../src/index.js'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    servers: { type: 'string', default: '127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003' }
  }
})
const N = Number(args.n)
const SECONDS = Number(args.seconds)
const CONCURRENCY = Number(args.concurrency)

const users = table('bench_users', { id: integer().primaryKey(), name: text().notNull(), email: text().notNull() })
const byId = pipe(select(users), filter(eq(users.id, placeholder('id'))), first)
const ROWS = 1000

const must = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

const setUp = async (pool: Pool): Promise<void> => {
  must(await pool.run(createTable(users))())
  const rows = Array.from({ length: ROWS }, (_, i) => ({ name: `user ${i}`, email: `u${i}@example.com` }))
  must(await pool.batch([insert(users, rows)])())
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/** Median and p95 latency in microseconds of `n` calls one at a time. */
const latency = async (n: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> => {
  const times: number[] = []
  for (let i = 0; i < Math.min(50, n); i++) await call(i) // warm-up
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await call(i)
    times.push((performance.now() - t0) * 1000)
  }
  return { p50: pct(times, 50), p95: pct(times, 95) }
}

/** Calls per second with `concurrency` callers for `seconds`. */
const throughput = async (call: (i: number) => Promise<unknown>): Promise<number> => {
  let done = 0
  const end = performance.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < end; i += CONCURRENCY) {
        await call(i)
        done++
      }
    })
  )
  return done / SECONDS
}

const measure = async (label: string, pool: Pool) => {
  const read = (i: number) =>
    pool
      .run(byId, { id: (i % ROWS) + 1 })()
      .then(must)
  const write = (i: number) =>
    pool
      .run(insert(users, { name: `w${i}`, email: `w${i}@example.com` }))()
      .then(must)
  const readLat = await latency(N, read)
  const readTput = await throughput(read)
  const writeN = Math.max(50, Math.floor(N / 10))
  const writeLat = await latency(writeN, write)
  const writeTput = await throughput(write)
  return { label, readLat, readTput, writeLat, writeTput }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-lite-orm-bench-remote-'))
const local = workerPool(connect(path.join(dir, 'bench.db')), { readers: 2 })
const remote = remotePool(dqlite({ servers: args.servers.split(','), database: `bench_${Date.now().toString(36)}` }))
try {
  await setUp(local)
  await setUp(remote)
  // Same answers first.
  for (const id of [1, 500, ROWS, ROWS + 1]) {
    const [a, b] = [await local.run(byId, { id })(), await remote.run(byId, { id })()]
    if (!isDeepStrictEqual(a, b)) throw new Error(`different answers for id ${id}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
  const results = [
    await measure('workerPool (local file, 2 readers)', local),
    await measure('remotePool(dqlite), 3 nodes on loopback', remote)
  ]
  const us = (x: number) => `${x.toFixed(0)} us`
  console.log(
    `| pool | point read p50 / p95 | point reads/s (${CONCURRENCY} callers) | insert p50 / p95 | inserts/s (${CONCURRENCY} callers) |`
  )
  console.log('|---|---|---|---|---|')
  for (const r of results)
    console.log(
      `| ${r.label} | ${us(r.readLat.p50)} / ${us(r.readLat.p95)} | ${r.readTput.toFixed(0)} | ${us(r.writeLat.p50)} / ${us(r.writeLat.p95)} | ${r.writeTput.toFixed(0)} |`
    )
  console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${new Date().toISOString()}`)
} finally {
  await local.close()
  await remote.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
