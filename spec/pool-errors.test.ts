/**
 * workerPool never rejects and never hangs: every way a run, a batch or a close can fail
 * is a Left (or, for close, a promise that resolves). Throwing codecs, params that throw
 * when read, values that cannot cross threads, bad arguments, dead or unstartable threads,
 * databases that cannot be opened or written, and invalid options.
 *
 * Options and threads that cannot start are tested in a child process that must exit by
 * itself: the proof that the pool left nothing running.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as io from 'io-ts'
import type { DbError, Query } from '../src/index.js'
import {
  all,
  connect,
  count,
  createTable,
  decode,
  eq,
  filter,
  first,
  insert,
  integer,
  json,
  placeholder,
  raw,
  select,
  session,
  sql,
  table,
  text,
  value,
  values,
  workerPool
} from '../src/index.js'
import { PoolInternals, checkPoolOptions } from '../src/pool/pool.js'
import { tempDb, tempDbPath, tempDir, unwrap, unwrapLeft } from './helpers/db.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

/** An io-ts codec whose validate throws instead of returning a failure. */
const throwing = (what: string) =>
  new io.Type<string, string, unknown>(
    'Throwing',
    (u): u is string => typeof u === 'string',
    () => {
      throw new Error(`${what} boom`)
    },
    io.identity
  )

/** The table as written (a well-behaved json codec) ... */
const things = table('things', { id: integer().primaryKey(), name: text().notNull(), prefs: json(io.type({ theme: io.string })) })
/** ... and the same SQL table read through a json codec that throws. */
const thingsThrowing = table('things', { id: integer().primaryKey(), name: text().notNull(), prefs: json(throwing('json codec')) })

const byName = pipe(select(things), filter(eq(things.name, placeholder('name'))), all)
/** Two rows: a query of several statements, which travels to the worker unbound. */
const twoRows = insert(things, [{ name: placeholder('name') }, { name: 'second' }])
const countThings = pipe(select(things), count)

/** Params whose one property throws when read. */
const throwingGetter = (): Record<string, unknown> =>
  Object.defineProperty({}, 'name', {
    enumerable: true,
    get() {
      throw new Error('getter boom')
    }
  })

/** Params that are a Proxy every trap of which throws. */
const throwingProxy = (): Record<string, unknown> => {
  const boom = () => {
    throw new Error('trap boom')
  }
  return new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom })
}

type Pool = ReturnType<typeof workerPool>

let shared: Pool
const sharedDb = tempDb()

test.before(async () => {
  shared = workerPool(sharedDb, { readers: 1 })
  unwrap(
    await shared.batch([
      createTable(things),
      insert(things, [
        { name: 'a', prefs: { theme: 'dark' } },
        { name: 'b', prefs: null }
      ])
    ])()
  )
})

test.after.always(async () => {
  await shared.close()
})

/** The TaskEither's promise settled: resolved with a Left, never rejected. */
const leftOf = async (t: ExecutionContext, task: () => Promise<E.Either<DbError, unknown>>, what: string): Promise<DbError> => {
  let r: E.Either<DbError, unknown>
  try {
    r = await task()
  } catch (e) {
    t.fail(`${what}: the promise rejected (${String(e)})`)
    throw e
  }
  t.true(E.isLeft(r), `${what}: expected a Left, got ${JSON.stringify(r)}`)
  return unwrapLeft(r)
}

/** The shared pool still answers, on a reader and on the writer. */
const stillWorks = async (t: ExecutionContext, pool: Pool = shared) => {
  t.true(E.isRight(await pool.run(countThings)()), 'the pool still reads')
  t.true(E.isRight(await pool.run(pipe(raw(sql`SELECT 1 AS one`), value<number>()))()), 'and runs native SQL')
}

// -------------------------------------------------------------------------------------
// codecs that throw
// -------------------------------------------------------------------------------------

test('a decode(codec) whose validate throws is a Left UnexpectedError from run and batch, as from a session', async (t) => {
  const q = pipe(select(things), decode(io.type({ name: throwing('decode') })), all)
  for (const [what, task] of [
    ['run', shared.run(q)],
    ['batch', shared.batch([countThings, q])]
  ] as const) {
    const e = await leftOf(t, task, what)
    t.is(e._tag, 'UnexpectedError', what)
    t.regex(e.message, /codec threw/, what)
    t.regex(e.message, /decode boom/, what)
  }
  // A session on the main thread says the same kind of thing.
  const s = session(sharedDb)
  const fromSession = unwrapLeft(s.run(q))
  t.is(fromSession._tag, 'UnexpectedError')
  t.regex(fromSession.message, /codec threw/)
  for (const jq of [pipe(select(thingsThrowing), all), pipe(select(thingsThrowing), values(thingsThrowing.prefs))] as Array<
    Query<unknown>
  >) {
    const j = unwrapLeft(s.run(jq))
    t.is(j._tag, 'UnexpectedError')
    t.regex(j.message, /codec threw/)
  }
  s.close()
  await stillWorks(t)
})

test('a json column codec that throws is a Left UnexpectedError for all, first, value, values and batch', async (t) => {
  const queries: ReadonlyArray<readonly [string, Query<unknown>]> = [
    ['all', pipe(select(thingsThrowing), all)],
    ['first', pipe(select(thingsThrowing), filter(eq(thingsThrowing.name, 'a')), first)],
    ['value', pipe(select(thingsThrowing), filter(eq(thingsThrowing.name, 'a')), value(thingsThrowing.prefs))],
    ['values', pipe(select(thingsThrowing), values(thingsThrowing.prefs))]
  ]
  for (const [what, q] of queries) {
    const e = await leftOf(t, shared.run(q), what)
    t.is(e._tag, 'UnexpectedError', what)
    t.regex(e.message, /codec threw/, what)
    t.regex(e.message, /json codec boom/, what)
  }
  const e = await leftOf(t, shared.batch([pipe(select(thingsThrowing), all)]), 'batch')
  t.is(e._tag, 'UnexpectedError')
  t.regex(e.message, /codec threw/)
  // A row whose json cell is null never reaches the codec.
  t.deepEqual(
    await shared.run(pipe(select(thingsThrowing), filter(eq(thingsThrowing.name, 'b')), first))(),
    E.right(O.some({ id: 2, name: 'b', prefs: null }))
  )
  await stillWorks(t)
})

// -------------------------------------------------------------------------------------
// params that throw when read, or cannot cross threads
// -------------------------------------------------------------------------------------

test('params whose getter throws, or a Proxy whose traps throw, are a Left UnexpectedError (one statement or several)', async (t) => {
  for (const [kind, params, cause] of [
    ['a getter', throwingGetter(), /getter boom/],
    ['a Proxy', throwingProxy(), /trap boom/]
  ] as const) {
    const queries: ReadonlyArray<readonly [string, Query<unknown>]> = [
      ['a one-statement query', byName],
      ['a query of several statements', twoRows]
    ]
    for (const [what, q] of queries) {
      const e = await leftOf(t, shared.run(q, params), `${kind}, ${what}`)
      t.is(e._tag, 'UnexpectedError', `${kind}, ${what}`)
      t.regex(e.message, /Reading the params threw \(a getter or a Proxy/, `${kind}, ${what}: the message says the params threw`)
      t.regex(e.message, /nothing was run/, `${kind}, ${what}`)
      t.regex(e.message, cause, `${kind}, ${what}`)
    }
  }
  t.deepEqual(await shared.run(countThings)(), E.right(2), 'nothing was written')
  await stillWorks(t)
})

test('a param or a query value that cannot be cloned to a thread (a function, a symbol) is a Left ValidationError', async (t) => {
  const cases: ReadonlyArray<readonly [string, () => Promise<E.Either<DbError, unknown>>]> = [
    ['a function param, one statement', shared.run(byName, { name: () => 'a' } as never)],
    ['a symbol param, one statement', shared.run(byName, { name: Symbol('a') } as never)],
    ['a function param, several statements', shared.run(twoRows, { name: () => 'a' })],
    ['a symbol param, several statements', shared.run(twoRows, { name: Symbol('a') })],
    // A query value with a function stuck on it: fine to compile, impossible to post.
    ['a batch of a query holding a function', shared.batch([{ ...insert(things, { name: 'c' }), extra: () => 1 } as Query<unknown>])]
  ]
  for (const [what, task] of cases) {
    const e = await leftOf(t, task, what)
    t.is(e._tag, 'ValidationError', what)
    t.regex(e.message, /could not be sent to a worker thread/, what)
    t.regex(e.message, /plain data/, what)
  }
  t.deepEqual(await shared.run(countThings)(), E.right(2), 'nothing was written')
  await stillWorks(t)
})

test('batch given something other than an array of queries is a Left ValidationError', async (t) => {
  for (const [what, arg] of [
    ['a number', 42],
    ['null', null],
    ['a query (not in an array)', countThings],
    ['an array holding a number', [countThings, 42]]
  ] as const) {
    const e = await leftOf(t, shared.batch(arg as never), what)
    t.is(e._tag, 'ValidationError', what)
    t.regex(e.message, what.includes('holding') ? /Expected a query value/ : /pool\.batch takes an array of query values/, what)
  }
  await stillWorks(t)
})

// -------------------------------------------------------------------------------------
// threads that die, and close
// -------------------------------------------------------------------------------------

test('a writer killed during a batch gives a Left UnexpectedError; the next batch runs on a new writer', async (t) => {
  const pool = workerPool(tempDb(), { readers: 1 })
  t.teardown(() => pool.close())
  unwrap(await pool.run(createTable(things))())
  const slow = raw(sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c`)
  const writer = pool[PoolInternals].writer()
  const batch = pool.batch([insert(things, { name: 'lost' }), slow])()
  setTimeout(() => void writer.terminate(), 100)
  const e = await leftOf(t, () => batch, 'the batch')
  t.is(e._tag, 'UnexpectedError')
  t.regex(e.message, /writer thread stopped .*before answering; the query may or may not have run/)
  t.deepEqual(
    await pool.batch([insert(things, { name: 'kept' }), pipe(select(things), values(things.name))])(),
    E.right([{ changes: 1, lastInsertRowid: 1 }, ['kept']])
  )
})

test('a thread killed while it starts answers with a Left; the next query starts a new one', async (t) => {
  const pool = workerPool(tempDb(), { readers: 1 })
  t.teardown(() => pool.close())
  const writer = pool[PoolInternals].writer()
  const write = pool.run(createTable(things))()
  void writer.terminate()
  const e = await leftOf(t, () => write, 'the write')
  t.is(e._tag, 'UnexpectedError')
  t.regex(e.message, /writer thread/)
  t.deepEqual(await pool.run(createTable(things))(), E.right(undefined))
  t.deepEqual(await pool.run(insert(things, { name: 'x' }))(), E.right({ changes: 1, lastInsertRowid: 1 }))
})

test('close waits for a run that a reader refused and the writer then runs (native SQL that writes)', async (t) => {
  const db = tempDb()
  const pool = workerPool(db, { readers: 1 })
  unwrap(await pool.run(createTable(things))())
  // Looks like a read (WITH ...): a reader refuses it, then the writer runs it.
  const sneaky = pipe(raw(sql`WITH v(n) AS (VALUES ('sneaky')) INSERT INTO things (name) SELECT n FROM v RETURNING id`), all)
  const r = pool.run(sneaky)()
  const closed = pool.close()
  t.deepEqual(await r, E.right([{ id: 1 }]))
  await closed
  const s = session(db)
  t.deepEqual(s.run(pipe(select(things), values(things.name))), E.right(['sneaky']))
  s.close()
})

// -------------------------------------------------------------------------------------
// databases that cannot be opened, or written
// -------------------------------------------------------------------------------------

test('a database that cannot be opened is a Left ConnectionError naming the path, from run and batch; close resolves', async (t) => {
  const dir = tempDir()
  const missing = path.join(dir, 'missing.db')
  for (const [what, db, excerpt] of [
    ['a folder', connect(dir), /it is a folder/],
    ['a file in a missing folder', connect(path.join(dir, 'nowhere', 'x.db')), /does not exist/],
    ['a missing file, read-only', connect(missing, { readonly: true }), /read-only/]
  ] as const) {
    const pool = workerPool(db, { readers: 1 })
    for (const [how, task] of [
      ['read', pool.run(countThings)],
      ['write', pool.run(insert(things, { name: 'x' }))],
      ['batch', pool.batch([createTable(things)])]
    ] as const) {
      const e = await leftOf(t, task, `${what}: ${how}`)
      t.is(e._tag, 'ConnectionError', `${what}: ${how}`)
      t.regex(e.message, excerpt, `${what}: ${how}`)
      t.true(e.message.includes(db.file), `${what}: ${how} names the path (${e.message})`)
    }
    await pool.close()
  }
  t.false(fs.existsSync(missing), 'a read-only pool never creates the file')
})

test('a read-only database: reads work, every kind of write is a Left SqliteError SQLITE_READONLY, and nothing changes', async (t) => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(things)))
  unwrap(s.run(insert(things, { name: 'kept' })))
  s.close()
  const pool = workerPool(connect(file, { readonly: true }), { readers: 1 })
  t.teardown(() => pool.close())
  t.deepEqual(await pool.run(pipe(select(things), values(things.name)))(), E.right(['kept']))
  for (const [what, task] of [
    ['insert', pool.run(insert(things, { name: 'x' }))],
    ['a multi-row insert', pool.run(insert(things, [{ name: 'x' }, { name: 'y' }]))],
    ['batch', pool.batch([insert(things, { name: 'x' })])],
    [
      'native SQL that looks like a read',
      pool.run(pipe(raw(sql`WITH v(n) AS (VALUES ('x')) INSERT INTO things (name) SELECT n FROM v RETURNING id`), all))
    ],
    ['createTable', pool.run(createTable(table('other', { id: integer().primaryKey() })))]
  ] as const) {
    const e = await leftOf(t, task, what)
    t.is(e._tag, 'SqliteError', what)
    t.is(e._tag === 'SqliteError' ? e.code.startsWith('SQLITE_READONLY') : false, true, what)
    t.regex(e.message, /readonly database/, what)
  }
  t.deepEqual(await pool.run(pipe(select(things), values(things.name)))(), E.right(['kept']))
})

// -------------------------------------------------------------------------------------
// options
// -------------------------------------------------------------------------------------

test('checkPoolOptions: whole numbers in range pass, everything else is a Left ValidationError naming the option', (t) => {
  t.deepEqual(checkPoolOptions(undefined), E.right({ readers: 2, maxQueue: 10_000 }))
  t.deepEqual(checkPoolOptions({}), E.right({ readers: 2, maxQueue: 10_000 }))
  t.deepEqual(checkPoolOptions({ readers: 1, maxQueue: 1 }), E.right({ readers: 1, maxQueue: 1 }))
  t.deepEqual(checkPoolOptions({ readers: 64, maxQueue: 1_000_000 }), E.right({ readers: 64, maxQueue: 1_000_000 }))
  t.deepEqual(checkPoolOptions({ readers: undefined }), E.right({ readers: 2, maxQueue: 10_000 }))
  const bad: ReadonlyArray<readonly [unknown, string, RegExp]> = [
    [{ readers: Number.NaN }, 'options.readers', /readers must be a whole number from 1 to 64, got NaN/],
    [{ readers: Number.POSITIVE_INFINITY }, 'options.readers', /got Infinity/],
    [{ readers: 100_000 }, 'options.readers', /from 1 to 64, got 100000/],
    [{ readers: 65 }, 'options.readers', /got 65/],
    [{ readers: 0 }, 'options.readers', /got 0/],
    [{ readers: -2 }, 'options.readers', /got -2/],
    [{ readers: 2.5 }, 'options.readers', /got 2.5/],
    [{ readers: '4' }, 'options.readers', /got "4" \(string\)/],
    [{ readers: null }, 'options.readers', /got null/],
    [{ maxQueue: Number.NaN }, 'options.maxQueue', /maxQueue must be a whole number from 1 to 1000000, got NaN/],
    [{ maxQueue: 0 }, 'options.maxQueue', /got 0/],
    [{ maxQueue: Number.POSITIVE_INFINITY }, 'options.maxQueue', /got Infinity/],
    [{ maxQueue: 1e7 }, 'options.maxQueue', /got 10000000/],
    [{ readers: 2, reader: 4 }, 'options.reader', /unknown option "reader".*readers, maxQueue/],
    [null, 'options', /options must be an object/],
    [4, 'options', /options must be an object/],
    [[], 'options', /options must be an object/]
  ]
  for (const [options, where, message] of bad) {
    const e = unwrapLeft(checkPoolOptions(options))
    t.is(e._tag, 'ValidationError', JSON.stringify(options))
    t.is(e._tag === 'ValidationError' ? e.path : undefined, where, JSON.stringify(options))
    t.regex(e.message, message)
    t.regex(e.message, /workerPool/)
  }
  // Reading the options is guarded too: a getter that throws is a Left, not a throw.
  const trap = Object.defineProperty({}, 'readers', {
    enumerable: true,
    get() {
      throw new Error('options boom')
    }
  })
  t.regex(unwrapLeft(checkPoolOptions(trap)).message, /options boom/)
})

test('workerPool given something other than a descriptor from connect starts nothing: a Left ValidationError, close at once', async (t) => {
  for (const [what, db] of [
    ['undefined', undefined],
    ['a path string', 'app.db'],
    ['an object without a file', { _tag: 'Db' }]
  ] as const) {
    const pool = workerPool(db as never, { readers: 1 })
    t.deepEqual(pool[PoolInternals].readers(), [], `${what}: no thread was started`)
    for (const [how, task] of [
      ['run', pool.run(countThings)],
      ['batch', pool.batch([countThings])]
    ] as const) {
      const e = await leftOf(t, task, `${what}: ${how}`)
      t.is(e._tag, 'ValidationError', `${what}: ${how}`)
      t.regex(e.message, /takes a database descriptor from connect\(path\)/, `${what}: ${how}`)
    }
    await pool.close()
  }
})

/** Runs spec/fixtures/pool-child.ts; it must exit by itself within `ms`, or it is killed and the test fails. */
const runChild = (t: ExecutionContext, args: ReadonlyArray<string>, ms: number, env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number | null; lines: Array<Record<string, unknown>>; stderr: string; exitedByItself: boolean }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=fp-lite-orm-source', ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    let exitedByItself = true
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => {
      exitedByItself = false
      child.kill('SIGKILL')
    }, ms)
    t.teardown(() => {
      clearTimeout(timer)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      resolve({ code, lines, stderr: err, exitedByItself })
    })
  })

const asLeft = (x: unknown): { _tag: string; message: string; path?: string } | undefined =>
  typeof x === 'object' && x !== null && (x as { _tag?: unknown })._tag === 'Left'
    ? (x as { left: { _tag: string; message: string } }).left
    : undefined

test('workerPool with a bad option starts nothing: every run and batch is a Left ValidationError naming it, close resolves at once, the process exits', async (t) => {
  t.timeout(200_000)
  const r = await runChild(t, ['spec/fixtures/pool-child.ts', 'options', tempDbPath()], 180_000)
  t.true(r.exitedByItself, `the child did not exit by itself: a thread or a timer was left running (stderr: ${r.stderr})`)
  t.is(r.code, 0, r.stderr)
  const bad = r.lines.filter((l) => l.case !== 'good')
  t.is(bad.length, 14, JSON.stringify(r.lines))
  for (const line of bad) {
    const what = String(line.case)
    t.is(line.threw, undefined, `${what}: workerPool threw`)
    for (const key of ['run', 'batch'] as const) {
      const left = asLeft(line[key])
      t.is(left?._tag, 'ValidationError', `${what}: ${key} gave ${JSON.stringify(line[key])}`)
      t.regex(left?.message ?? '', /workerPool/, `${what}: ${key}`)
      t.regex(left?.message ?? '', /readers|maxQueue|reader|options/, `${what}: ${key} names the option`)
    }
    t.true(typeof line.closeMs === 'number' && line.closeMs < 1000, `${what}: close resolved at once (${String(line.closeMs)})`)
  }
  const good = r.lines.find((l) => l.case === 'good')
  // (JSON prints createTable's undefined result as null.)
  t.deepEqual(good?.batch, { _tag: 'Right', right: [null, { changes: 1, lastInsertRowid: 1 }] }, 'a good pool in the same process works')
  t.deepEqual(good?.run, { _tag: 'Right', right: 1 })
})

test('a pool whose threads cannot start: every query is a Left UnexpectedError saying so, close resolves, the process exits', async (t) => {
  t.timeout(200_000)
  const starts = path.join(tempDir(), 'starts.log')
  const r = await runChild(
    t,
    ['--require', './spec/fixtures/no-worker-threads.cjs', 'spec/fixtures/pool-child.ts', 'startup', tempDbPath()],
    180_000,
    { ...process.env, POOL_THREAD_LOG: starts }
  )
  t.true(r.exitedByItself, `the child did not exit by itself: the pool kept restarting threads (stderr: ${r.stderr.slice(0, 2000)})`)
  t.is(r.code, 0, r.stderr.slice(0, 2000))
  t.deepEqual(
    r.lines.map((l) => l.case),
    ['read', 'write', 'batch', 'read again', 'close']
  )
  for (const line of r.lines.slice(0, 4)) {
    const left = asLeft(line.run ?? line.batch)
    t.is(left?._tag, 'UnexpectedError', `${String(line.case)}: ${JSON.stringify(line)}`)
    t.regex(left?.message ?? '', /(reader|writer) thread could not start.*the query did not run/, String(line.case))
    t.regex(left?.message ?? '', /this process starts no worker threads/, String(line.case))
  }
  t.is(typeof r.lines[4]?.closeMs, 'number', JSON.stringify(r.lines[4]))
  // Two threads at the start, then at most one new attempt per query: never a restart loop.
  const attempts = fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').split('\n').filter(Boolean).length : 0
  t.true(attempts >= 2 && attempts <= 6, `${attempts} attempts to start a thread`)
})
