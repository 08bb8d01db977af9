/**
 * Durability with real processes: a writer killed with SIGKILL (inside an open
 * transaction, or between commits) loses nothing it committed and leaves nothing it did
 * not; and two worker threads plus a child process writing one file at once all commit
 * every transaction. Every check reads the database file back with the library.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db, Session } from '../src/index.js'
import {
  all,
  asc,
  connect,
  count,
  createTable,
  eq,
  filter,
  insert,
  orderBy,
  raw,
  select,
  session,
  sql,
  transaction,
  values
} from '../src/index.js'
import { items } from './fixtures/crash-schema.js'
import type { WriterJob, WriterReport } from './fixtures/contend-writer.js'
import { tally } from './fixtures/contend-writer.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

// -------------------------------------------------------------------------------------
// helpers: children, workers, timeouts
// -------------------------------------------------------------------------------------

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

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A child process whose stdout is read line by line as it comes. */
interface Child {
  readonly proc: ChildProcess
  readonly lines: string[]
  /** The first line (already read or still to come) that satisfies `pred`. */
  waitFor(pred: (line: string) => boolean, ms: number, what: string): Promise<string>
  /** The exit, once stdout is drained as well (so `lines` holds everything printed). */
  readonly exited: Promise<Exit>
  stderr(): string
}

/** Spawns `node --import tsx <script> ...args` in the repository; killed at teardown. */
const startChild = (t: ExecutionContext, script: string, args: ReadonlyArray<string>): Child => {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  const lines: string[] = []
  let partial = ''
  let err = ''
  let ended = false
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }
  proc.stdout.setEncoding('utf8')
  proc.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    notify()
  })
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (chunk: string) => {
    err += chunk
  })
  const stdoutDone = new Promise<void>((resolve) => proc.stdout.once('close', () => resolve()))
  const exitSeen = new Promise<Exit>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  const exited = Promise.all([exitSeen, stdoutDone]).then(([exit]) => {
    if (partial !== '') lines.push(partial)
    ended = true
    notify()
    return exit
  })
  const waitFor = (pred: (line: string) => boolean, ms: number, what: string): Promise<string> =>
    within(
      new Promise<string>((resolve, reject) => {
        let from = 0
        const check = () => {
          for (; from < lines.length; from++) {
            const line = lines[from]!
            if (pred(line)) {
              listeners.delete(check)
              return resolve(line)
            }
          }
          if (ended) {
            listeners.delete(check)
            reject(new Error(`the child ended before printing ${what}; stdout: ${lines.slice(-5).join(' | ')}; stderr: ${err}`))
          }
        }
        listeners.add(check)
        check()
      }),
      ms,
      `${what} (stdout so far: ${lines.slice(-3).join(' | ')}; stderr: ${err})`
    )
  return { proc, lines, waitFor, exited, stderr: () => err }
}

/** Kills the child with SIGKILL and waits (bounded) for it to be gone and its stdout drained. */
const killHard = async (child: Child): Promise<Exit> => {
  child.proc.kill('SIGKILL')
  return within(child.exited, 10_000, 'the killed child to exit')
}

type WorkerMessage = { type: 'ready' } | { type: 'done'; report: WriterReport } | { type: 'error'; error: unknown }

/** A worker thread running spec/fixtures/contend-task.ts; terminated at teardown. */
const startWorker = (t: ExecutionContext, db: Db, job: WriterJob) => {
  const w = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), {
    workerData: { db, job, task: new URL('./fixtures/contend-task.ts', import.meta.url).href }
  })
  t.teardown(() => w.terminate())
  const next = (type: WorkerMessage['type']): Promise<WorkerMessage> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === type || m.type === 'error') {
          off()
          if (m.type === 'error') reject(new Error(`worker ${job.writer}: ${JSON.stringify(m.error)}`))
          else resolve(m)
        }
      }
      const onError = (e: unknown) => {
        off()
        reject(e instanceof Error ? e : new Error(String(e)))
      }
      const onExit = (code: number) => {
        off()
        reject(new Error(`worker ${job.writer} exited with ${code} before '${type}'`))
      }
      const off = () => {
        w.off('message', onMessage)
        w.off('error', onError)
        w.off('exit', onExit)
      }
      w.on('message', onMessage)
      w.once('error', onError)
      w.once('exit', onExit)
    })
  return { worker: w, next }
}

// -------------------------------------------------------------------------------------
// helpers: reading the file back
// -------------------------------------------------------------------------------------

const integrity = (s: Session) => s.run(pipe(raw<{ integrity_check: string }>(sql`PRAGMA integrity_check`), all))

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

const fileSize = (file: string): number => {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

// -------------------------------------------------------------------------------------
// specs
// -------------------------------------------------------------------------------------

test.serial('SIGKILL inside an open transaction: its 10,000 rows are gone, the 100 committed before are all there', async (t) => {
  t.timeout(40_000)
  const file = tempDbPath()
  const setup = session(connect(file))
  unwrap(setup.run(createTable(items)))
  setup.close() // the parent holds no connection: reopening after the kill is a crash recovery

  const child = startChild(t, 'spec/fixtures/crash-child.ts', ['big', file])
  const first = await child.waitFor((l) => l.startsWith('committed 100') || l.startsWith('error'), 20_000, "'committed 100'")
  const m = /^committed 100 wal (\d+)$/.exec(first)
  if (m === null) return t.fail(`the child did not commit its first 100 rows: ${first}`)
  const walAfterCommit = Number(m[1])

  const written = await child.waitFor((l) => l.startsWith('written') || l.startsWith('error'), 20_000, "'written'")
  // Inside its transaction the child saw all 10,100 rows: the insert really happened.
  t.is(written, 'written 10000 count 10100')
  // Its page cache is tiny, so the uncommitted pages were spilled into the WAL on disk:
  // recovery below must skip frames that were never committed, not merely never written.
  const walBeforeKill = fileSize(`${file}-wal`)
  t.true(walBeforeKill > walAfterCommit, `the WAL grew with uncommitted frames (${walAfterCommit} -> ${walBeforeKill} bytes)`)

  t.log(`WAL ${walAfterCommit} bytes after the commit, ${walBeforeKill} bytes when killed`)
  const exit = await killHard(child)
  t.deepEqual(exit, { code: null, signal: 'SIGKILL' }, `the child died of the kill; stderr: ${child.stderr()}`)

  const db = connect(file)
  const s = session(db)
  t.teardown(() => s.close())
  t.deepEqual(unwrap(s.run(pipe(select(items), filter(eq(items.batch, 'big')), count))), 0, 'none of the uncommitted rows')
  t.deepEqual(unwrap(s.run(pipe(select(items), count))), 100)
  t.deepEqual(
    unwrap(s.run(pipe(select(items), filter(eq(items.batch, 'pre')), orderBy(asc(items.seq)), values(items.seq)))),
    range(1, 100),
    'every committed row, once'
  )
  t.deepEqual(unwrap(integrity(s)), [{ integrity_check: 'ok' }])

  // The dead writer's lock is gone: a new write transaction commits at once.
  const after = transaction(db, (tx) => tx.run(insert(items, { batch: 'after', seq: 1 })))
  t.deepEqual(after, { _tag: 'Right', right: { changes: 1, lastInsertRowid: 101 } })
  t.deepEqual(unwrap(s.run(pipe(select(items), count))), 101)
})

test.serial('SIGKILL between single-row commits: every reported commit survives, at most the one in flight more', async (t) => {
  t.timeout(40_000)
  const file = tempDbPath()
  const db = connect(file)
  const s = session(db)
  t.teardown(() => s.close())
  unwrap(s.run(createTable(items)))

  const child = startChild(t, 'spec/fixtures/crash-child.ts', ['loop', file])
  const committed = (l: string): number | undefined => {
    const m = /^committed (\d+)$/.exec(l)
    return m === null ? undefined : Number(m[1])
  }
  const seen = await child.waitFor((l) => (committed(l) ?? 0) >= 300 || l.startsWith('error'), 20_000, "'committed 300'")
  const seenN = committed(seen)
  t.not(seenN, undefined, seen)

  // A commit the child reported is visible at once to another process's connection.
  t.true(unwrap(s.run(pipe(select(items), count))) >= seenN!)
  s.close() // no connection of ours stays open across the kill: the reopen below recovers

  const exit = await killHard(child)
  t.deepEqual(exit, { code: null, signal: 'SIGKILL' }, `the child died of the kill; stderr: ${child.stderr()}`)

  // Everything it printed, in order: committed 1, committed 2, ... committed N.
  const reported = child.lines.length
  t.true(reported >= 300)
  t.deepEqual(child.lines.map(committed), range(1, reported), 'the child reported consecutive commits and no error')

  const n = unwrap(s.run(pipe(select(items), count)))
  t.true(n >= reported && n <= reported + 1, `${n} rows after ${reported} reported commits`)
  t.deepEqual(
    unwrap(s.run(pipe(select(items), orderBy(asc(items.id)), values(items.seq)))),
    range(1, n),
    'every commit once, in order, no gaps'
  )
  t.deepEqual(unwrap(integrity(s)), [{ integrity_check: 'ok' }])
  t.log(`killed after ${reported} reported commits; ${n} rows on disk`)
})

test.serial('two worker threads and a child process writing one file at once commit every transaction', async (t) => {
  t.timeout(50_000)
  const file = tempDbPath()
  const busyTimeoutMs = 3000
  const db = connect(file, { busyTimeoutMs })
  const s = session(db)
  t.teardown(() => s.close())
  unwrap(s.run(createTable(tally)))
  s.close()

  const TXNS = 150
  const ROWS = 4
  // Each transaction holds the write lock 1 ms after its inserts, so the writers do wait
  // on each other; a 1 ms pause between transactions gives the others a turn at the lock.
  const job = (writer: string): WriterJob => ({ writer, txns: TXNS, rowsPerTxn: ROWS, holdMs: 1, gapMs: 1, attempts: 50 })

  // All three start before any is awaited.
  const a = startWorker(t, db, job('worker-a'))
  const b = startWorker(t, db, job('worker-b'))
  const c = startChild(t, 'spec/fixtures/contend-child.ts', [file, String(busyTimeoutMs), JSON.stringify(job('child-c'))])
  const aReady = a.next('ready')
  const bReady = b.next('ready')
  const cReady = c.waitFor((l) => l === 'ready' || l.startsWith('error'), 20_000, "the child's 'ready'")
  const ready = await within(Promise.all([aReady, bReady, cReady]), 20_000, 'all three writers to be ready')
  t.is(ready[2], 'ready')

  // The start line: every writer has its connection open; they begin together.
  const aDone = a.next('done')
  const bDone = b.next('done')
  const cDone = c.waitFor((l) => l.startsWith('done ') || l.startsWith('error'), 30_000, "the child's report")
  a.worker.postMessage('go')
  b.worker.postMessage('go')
  c.proc.stdin!.write('go\n')
  const [ra, rb, rc] = await within(Promise.all([aDone, bDone, cDone]), 30_000, 'all three writers to finish')

  const reports: WriterReport[] = [
    (ra as { report: WriterReport }).report,
    (rb as { report: WriterReport }).report,
    JSON.parse(rc.slice('done '.length)) as WriterReport
  ]
  const exit = await within(c.exited, 10_000, 'the child to exit')
  t.deepEqual(exit, { code: 0, signal: null }, c.stderr())

  for (const r of reports) {
    t.deepEqual(r.lefts, [], `${r.writer}: no transaction failed`)
    t.is(r.ok, TXNS, `${r.writer}: every transaction returned Right`)
  }
  t.log(reports.map((r) => `${r.writer}: ${r.ok} txns, ${r.tries} tries, ${Math.round(r.elapsedMs)} ms`).join('; '))
  // The writers really ran at once: each started before any other had finished.
  const lastStart = Math.max(...reports.map((r) => r.startedAt))
  const firstEnd = Math.min(...reports.map((r) => r.endedAt))
  t.true(lastStart < firstEnd, `all three were writing at once (last start ${lastStart}, first end ${firstEnd})`)

  // Read it back on a fresh connection.
  const check = session(connect(file))
  t.teardown(() => check.close())
  t.is(unwrap(check.run(pipe(select(tally), count))), 3 * TXNS * ROWS)
  for (const w of ['worker-a', 'worker-b', 'child-c']) {
    t.is(unwrap(check.run(pipe(select(tally), filter(eq(tally.writer, w)), count))), TXNS * ROWS, `${w}: every row`)
  }
  const rows = unwrap(check.run(pipe(select(tally), orderBy(asc(tally.id)), all)))
  // Transactions are atomic and serialized: each one's rows are consecutive, k = 0..3,
  // and every (writer, txn) appears exactly once.
  const seen = new Set<string>()
  for (let i = 0; i < rows.length; i += ROWS) {
    const group = rows.slice(i, i + ROWS)
    const head = group[0]!
    const ok = group.every((r, k) => r.writer === head.writer && r.txn === head.txn && r.k === k)
    if (!ok) t.fail(`rows ${i}..${i + ROWS - 1} are not one whole transaction: ${JSON.stringify(group)}`)
    const key = `${head.writer}#${head.txn}`
    if (seen.has(key)) t.fail(`transaction ${key} was written twice`)
    seen.add(key)
  }
  t.is(seen.size, 3 * TXNS)
  // How the lock passed between them (SQLite's busy handler is not fair, so this is not asserted).
  let switches = 0
  for (let i = ROWS; i < rows.length; i += ROWS) if (rows[i]!.writer !== rows[i - ROWS]!.writer) switches++
  t.log(`the lock passed between writers ${switches} times`)
  t.deepEqual(unwrap(integrity(check)), [{ integrity_check: 'ok' }])
})
