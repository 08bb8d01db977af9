/**
 * Concurrency stress: 4 worker threads and 2 child processes, each with its own
 * connection to one database file, mix reads and writes in transactions (with
 * retryOnBusy) for about 3 s. Afterwards, read through a fresh connection:
 *
 * - no row lost: every row a participant saw committed (and did not delete) is there;
 * - no row duplicated, none from a rolled-back or failed transaction, none deleted yet present;
 * - each participant's counter (updated in the same transactions) equals its row count;
 * - every snapshot read agreed with itself and with the participant's bookkeeping;
 * - no BusyError (or any other Left) survived retryOnBusy, and nothing threw;
 * - PRAGMA integrity_check is ok.
 *
 * Participants are seeded (FUZZ_SEED=<n> replays a run's choices, though not its timing).
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../src/index.js'
import { all, asc, connect, createTable, eq, filter, insert, orderBy, raw, select, session, sql, values } from '../src/index.js'
import type { StressJob, StressReport } from './fixtures/stress-writer.js'
import { counters, ledger } from './fixtures/stress-writer.js'
import { tempDir, unwrap } from './helpers/db.js'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

const DURATION_MS = 3_000
// A short busy timeout, so that retryOnBusy really retries; many attempts, so that none runs out.
const BUSY_TIMEOUT_MS = 100
const ATTEMPTS = 25
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff)

/** Rejects when `p` has not settled within `ms`. */
const within = <A>(p: Promise<A>, ms: number, what: string): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    p.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })

interface Participant {
  readonly name: string
  /** Resolves once the participant's connection is open and it waits for go. */
  readonly ready: Promise<void>
  go(): void
  /** Resolves with the participant's report. */
  readonly done: Promise<StressReport>
}

type WorkerMessage = { type: 'ready' } | { type: 'done'; report: StressReport } | { type: 'error'; error: unknown }

const startThread = (t: ExecutionContext, db: Db, job: StressJob): Participant => {
  const w = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), {
    workerData: { db, job, task: new URL('./fixtures/stress-task.ts', import.meta.url).href }
  })
  t.teardown(() => void w.terminate())
  const next = (type: WorkerMessage['type']) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === type || m.type === 'error') {
          w.off('message', onMessage)
          if (m.type === 'error') reject(new Error(`${job.writer}: ${JSON.stringify(m.error)}`))
          else resolve(m)
        }
      }
      w.on('message', onMessage)
      w.once('error', reject)
      w.once('exit', (code) => reject(new Error(`${job.writer} exited (code ${code}) before ${type}`)))
    })
  const ready = next('ready').then(() => undefined)
  const done = next('done').then((m) => (m as { report: StressReport }).report)
  return { name: job.writer, ready, go: () => w.postMessage('go'), done }
}

const startProcess = (t: ExecutionContext, file: string, job: StressJob, reportFile: string): Participant => {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'spec/fixtures/stress-child.ts', file, String(BUSY_TIMEOUT_MS), JSON.stringify(job), reportFile],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe']
    }
  )
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  proc.stdout.setEncoding('utf8')
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (c: string) => (err += c))
  const line = (want: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split('\n').includes(want)) resolve()
        else if (/^error /m.test(out)) reject(new Error(`${job.writer}: ${out}`))
      }
      proc.stdout.on('data', (c: string) => {
        out += c
        check()
      })
      proc.once('exit', (code, signal) => {
        check()
        reject(new Error(`${job.writer} exited (${code ?? signal}) before '${want}'; stdout: ${out}; stderr: ${err}`))
      })
    })
  const ready = line('ready')
  const done = line('done').then(() => JSON.parse(fs.readFileSync(reportFile, 'utf8')) as StressReport)
  return { name: job.writer, ready, go: () => proc.stdin.write('go\n'), done }
}

test('4 threads and 2 processes in transactions on one file: nothing lost, nothing duplicated, no BusyError, integrity ok', async (t) => {
  t.timeout(60_000)
  const dir = tempDir()
  const file = path.join(dir, 'stress.db')
  const db = connect(file, { busyTimeoutMs: BUSY_TIMEOUT_MS })
  const names = ['thread-0', 'thread-1', 'thread-2', 'thread-3', 'process-0', 'process-1']
  const s = session(db)
  unwrap(s.run(createTable(ledger)))
  unwrap(s.run(createTable(counters)))
  unwrap(
    s.run(
      insert(
        counters,
        names.map((writer) => ({ writer, n: 0 }))
      )
    )
  )
  s.close()

  const job = (writer: string, i: number): StressJob => ({ writer, durationMs: DURATION_MS, seed: SEED + i, attempts: ATTEMPTS })
  const participants = names.map((name, i) =>
    name.startsWith('thread') ? startThread(t, db, job(name, i)) : startProcess(t, file, job(name, i), path.join(dir, `${name}.json`))
  )
  await within(Promise.all(participants.map((p) => p.ready)), 30_000, 'every participant to be ready')
  for (const p of participants) p.go()
  let reports: StressReport[]
  try {
    reports = await within(Promise.all(participants.map((p) => p.done)), 30_000, 'every participant to finish')
  } catch (e) {
    t.log(`seed ${SEED}`)
    throw e
  }

  t.log(`seed ${SEED} (replay the choices with FUZZ_SEED=${SEED})`)
  t.log(
    reports
      .map(
        (r) =>
          `${r.writer}: ${r.stats.txns} txns and ${r.stats.reads} reads in ${r.stats.tries} tries (${r.stats.tries - r.stats.txns - r.stats.reads} retries after BusyError), ${r.committed.length} rows in, ${r.deleted.length} out, ${r.aborted.length} rolled back`
      )
      .join('\n')
  )

  // Nothing threw, nothing was left as a Left after retries (no unhandled BusyError), every snapshot agreed.
  for (const r of reports) {
    t.is(r.thrown, undefined, `${r.writer} threw`)
    t.deepEqual(
      r.lefts.filter((e) => e._tag === 'BusyError'),
      [],
      `${r.writer}: a BusyError survived retryOnBusy`
    )
    t.deepEqual(r.lefts, [], `${r.writer}: no transaction or read ended in a Left`)
    t.deepEqual(r.anomalies, [], `${r.writer}: snapshot reads agreed`)
    t.true(r.stats.txns >= 20, `${r.writer} did real work (${r.stats.txns} transactions)`)
  }
  // The participants overlapped (each ran its full duration, all started together).
  t.true(
    reports.every((r) => r.stats.elapsedMs >= DURATION_MS),
    'every participant ran for the whole time'
  )

  // Read it back on a fresh connection.
  const check = session(connect(file))
  t.teardown(() => check.close())
  const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b)
  let total = 0
  for (const r of reports) {
    const rows = unwrap(check.run(pipe(select(ledger), filter(eq(ledger.writer, r.writer)), orderBy(asc(ledger.seq)), values(ledger.seq))))
    const deleted = new Set(r.deleted)
    const expected = sorted(r.committed.filter((seq) => !deleted.has(seq)))
    const dups = rows.filter((seq, i) => i > 0 && rows[i - 1] === seq)
    t.deepEqual(dups, [], `${r.writer}: duplicated rows`)
    const present = new Set(rows)
    const lost = expected.filter((seq) => !present.has(seq))
    t.deepEqual(lost, [], `${r.writer}: committed rows lost`)
    const unexpected = rows.filter((seq) => !expected.includes(seq))
    t.deepEqual(unexpected, [], `${r.writer}: rows that were never committed, or were deleted, or rolled back`)
    t.deepEqual(
      r.aborted.filter((seq) => present.has(seq)),
      [],
      `${r.writer}: rows of rolled-back transactions`
    )
    t.deepEqual(
      r.failed.filter((seq) => present.has(seq)),
      [],
      `${r.writer}: rows of transactions that returned Left`
    )
    const n = unwrap(check.run(pipe(select(counters), filter(eq(counters.writer, r.writer)), values(counters.n))))
    t.deepEqual(n, [rows.length], `${r.writer}: the counter matches the rows`)
    total += rows.length
  }
  t.is(unwrap(check.run(pipe(raw(sql`SELECT count(*) FROM ${ledger}`), values<number>())))[0], total, 'no rows from anyone else')
  const payloads = unwrap(check.run(pipe(select(ledger), all)))
  t.true(
    payloads.every((row) => row.payload === `${row.writer}:${row.seq}:${'p'.repeat(row.seq % 50)}`),
    'every row holds exactly what was written'
  )
  t.deepEqual(unwrap(check.run(pipe(raw(sql`PRAGMA integrity_check`), values<string>()))), ['ok'])
  t.deepEqual(unwrap(check.run(pipe(raw(sql`PRAGMA foreign_key_check`), all))), [])
})
