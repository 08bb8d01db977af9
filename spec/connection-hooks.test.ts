/**
 * Connection hooks: SQLite extensions loaded by path, and user-defined scalar and aggregate
 * functions from a module, on every handle a descriptor opens (a session's, a pool's
 * readers and writer). The extension is a real one, compiled here with gcc against the
 * sqlite3ext.h better-sqlite3 builds with; results are checked against better-sqlite3
 * called by hand (the extension) and a JavaScript evaluator (the functions).
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import anyTest from 'ava'
import type { TestFn } from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  columns,
  connect,
  eq,
  filter,
  groupBy,
  insert,
  integer,
  loadFunctions,
  orderBy,
  select,
  session,
  set,
  table,
  text,
  udf,
  update,
  values,
  workerPool
} from '../src/index.js'
import { tempDbPath, tempDir, unwrap, unwrapLeft } from './helpers/db.js'

const test = anyTest as TestFn<{ extension: string | undefined }>

const nums = table('nums', { id: integer().primaryKey(), x: integer().notNull(), grp: text().notNull(), y: integer() })
const ROWS = Array.from({ length: 12 }, (_, i) => ({ x: i + 1, grp: ['a', 'b', 'c'][i % 3]! }))

const EXTENSION_C = `
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
static void half(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / 2.0);
}
#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function(db, "half", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, half, 0, 0);
}
`

const FUNCTIONS = pathToFileURL(path.resolve('spec/fixtures/udf-functions.ts')).href

test.before((t) => {
  const dir = tempDir()
  const source = path.join(dir, 'half.c')
  const out = path.join(dir, process.platform === 'darwin' ? 'half.dylib' : 'half.so')
  fs.writeFileSync(source, EXTENSION_C)
  const include = path.resolve('node_modules/better-sqlite3/deps/sqlite3')
  try {
    const flags = process.platform === 'darwin' ? ['-dynamiclib', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC']
    execFileSync('gcc', [...flags, `-I${include}`, '-o', out, source], { stdio: 'pipe', timeout: 120_000 })
    t.context.extension = out
  } catch (e) {
    t.context.extension = undefined
    t.log(`gcc could not build the test extension, so the extension tests are skipped: ${e instanceof Error ? e.message : String(e)}`)
  }
})

/** A file with the nums rows, made through better-sqlite3 directly. */
const seededFile = (): string => {
  const file = tempDbPath()
  const d = new Database(file)
  d.exec('CREATE TABLE nums (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, grp TEXT NOT NULL, y INTEGER)')
  const ins = d.prepare('INSERT INTO nums (x, grp) VALUES (?, ?)')
  for (const r of ROWS) ins.run(r.x, r.grp)
  d.close()
  return file
}

/** What the extension computes, read through better-sqlite3 with the extension loaded by hand. */
const byHand = (file: string, extension: string, q: string): unknown[] => {
  const d = new Database(file, { readonly: true })
  try {
    d.loadExtension(extension)
    return d.prepare(q).all()
  } finally {
    d.close()
  }
}

const halves = pipe(select(nums), orderBy(nums.id), values(udf<number>('half', nums.x)))

test('an extension loads on a session handle: its function answers what it answers when loaded by hand', (t) => {
  const extension = t.context.extension
  if (extension === undefined) return t.pass('gcc is missing: skipped')
  const file = seededFile()
  const s = session(connect(file, { extensions: [extension] }))
  const ref = (byHand(file, extension, 'SELECT half(x) AS v FROM nums ORDER BY id') as Array<{ v: number }>).map((r) => r.v)
  t.deepEqual(unwrap(s.run(halves)), ref)
  t.deepEqual(
    ref,
    ROWS.map((r) => r.x / 2)
  )
  // Without the extension the same query is SQLite's "no such function".
  const plain = session(connect(file))
  const e = unwrapLeft(plain.run(halves))
  t.is(e._tag, 'SqliteError')
  t.regex(e.message, /no such function: half/)
  s.close()
  plain.close()
})

test('an extension loads on every handle of a pool: its readers and its writer', async (t) => {
  const extension = t.context.extension
  if (extension === undefined) return t.pass('gcc is missing: skipped')
  const file = seededFile()
  const pool = workerPool(connect(file, { extensions: [extension] }), { readers: 2 })
  try {
    const ref = (byHand(file, extension, 'SELECT half(x) AS v FROM nums ORDER BY id') as Array<{ v: number }>).map((r) => r.v)
    // Reads go to the readers; several at once to reach both.
    const reads = await Promise.all([pool.run(halves)(), pool.run(halves)(), pool.run(halves)()])
    for (const r of reads) t.deepEqual(unwrap(r), ref)
    // A write on the writer that calls the extension's function.
    unwrap(await pool.run(pipe(update(nums), set({ y: udf<number>('half', nums.x) }), filter(eq(nums.grp, 'a'))))())
    const written = byHand(file, extension, "SELECT id, y FROM nums WHERE grp = 'a' AND y = half(x) ORDER BY id")
    t.is(written.length, ROWS.filter((r) => r.grp === 'a').length)
  } finally {
    await pool.close()
  }
})

test('an extension path that does not exist is a ConnectionError naming it, from a session and from a pool', async (t) => {
  const file = seededFile()
  const missing = path.join(tempDir(), 'no-such-extension.so')
  const e = unwrapLeft(session(connect(file, { extensions: [missing] })).run(halves))
  t.is(e._tag, 'ConnectionError')
  t.true(e.message.includes(missing))
  t.regex(e.message, /does not exist/)
  const pool = workerPool(connect(file, { extensions: [missing] }), { readers: 1 })
  try {
    const p = unwrapLeft(await pool.run(halves)())
    t.is(p._tag, 'ConnectionError')
    t.true(p.message.includes(missing))
  } finally {
    await pool.close()
  }
})

/** The JavaScript evaluator: what the fixture's functions compute, over ROWS. */
const refProduct = (grp: string): number => ROWS.filter((r) => r.grp === grp).reduce((acc, r) => acc * r.x, 1)

test('functions from a module: scalar, varargs, boolean, aggregates, in projections, filters and groups', async (t) => {
  const file = seededFile()
  const db = connect(file, { functions: FUNCTIONS })
  unwrap(await loadFunctions(db)())
  const s = session(db)
  t.deepEqual(
    unwrap(s.run(pipe(select(nums), orderBy(nums.id), values(udf<number>('twice', nums.x))))),
    ROWS.map((r) => r.x * 2)
  )
  t.deepEqual(unwrap(s.run(pipe(select(nums), filter(eq(nums.id, 2)), values(udf<string>('join_all', nums.x, nums.grp, 'z', null))))), [
    '2|b|z|null'
  ])
  t.deepEqual(
    unwrap(s.run(pipe(select(nums), filter(eq(udf.as('boolean')<boolean>('is_even', nums.x), true)), orderBy(nums.id), values(nums.x)))),
    ROWS.filter((r) => r.x % 2 === 0).map((r) => r.x)
  )
  const groups = unwrap(
    s.run(
      pipe(
        select(nums),
        columns({ grp: nums.grp, product: udf<number>('product', nums.x), names: udf<string>('concat_sorted', nums.grp) }),
        groupBy(nums.grp),
        orderBy(nums.grp),
        all
      )
    )
  )
  t.deepEqual(
    groups,
    ['a', 'b', 'c'].map((g) => ({
      grp: g,
      product: refProduct(g),
      names: ROWS.filter((r) => r.grp === g)
        .map(() => g)
        .join(',')
    }))
  )
  s.close()
})

test('a function that throws is a Left carrying its message; an unknown function is a Left', async (t) => {
  const file = seededFile()
  const db = connect(file, { functions: FUNCTIONS })
  unwrap(await loadFunctions(db)())
  const s = session(db)
  const thrown = unwrapLeft(s.run(pipe(select(nums), orderBy(nums.id), values(udf<number>('explode', nums.x)))))
  t.is(thrown._tag, 'UnexpectedError')
  t.regex(thrown.message, /The SQL function explode threw.*explode refused 3/)
  // The handle is still usable after.
  t.deepEqual(unwrap(s.run(pipe(select(nums), filter(eq(nums.id, 1)), values(udf<number>('explode', nums.x))))), [1])
  const unknown = unwrapLeft(s.run(pipe(select(nums), values(udf<number>('nope_fn', nums.x)))))
  t.is(unknown._tag, 'SqliteError')
  t.regex(unknown.message, /no such function: nope_fn/)
  const badName = unwrapLeft(s.run(pipe(select(nums), values(udf<number>('x); DROP TABLE nums; --', nums.x)))))
  t.is(badName._tag, 'ValidationError')
  t.regex(badName.message, /is not a function name/)
  s.close()
})

test('the same functions module runs in every thread of a pool', async (t) => {
  const file = seededFile()
  const pool = workerPool(connect(file, { functions: FUNCTIONS }), { readers: 2 })
  try {
    const twice = pipe(select(nums), orderBy(nums.id), values(udf<number>('twice', nums.x)))
    const reads = await Promise.all([pool.run(twice)(), pool.run(twice)()])
    for (const r of reads)
      t.deepEqual(
        unwrap(r),
        ROWS.map((x) => x.x * 2)
      )
    // Computed in a worker thread, not this one.
    const ids = unwrap(await pool.run(pipe(select(nums), filter(eq(nums.id, 1)), values(udf<number>('thread_id'))))())
    t.true(ids[0]! > 0)
    // The writer registers them too.
    unwrap(await pool.run(insert(nums, { x: 5, grp: 'w', y: udf<number>('twice', 21) }))())
    const d = new Database(file, { readonly: true })
    t.deepEqual(d.prepare("SELECT y FROM nums WHERE grp = 'w'").all(), [{ y: 42 }])
    d.close()
    const thrown = unwrapLeft(await pool.run(pipe(select(nums), filter(eq(nums.id, 3)), values(udf<number>('explode', nums.x))))())
    t.is(thrown._tag, 'UnexpectedError')
    t.regex(thrown.message, /explode refused 3/)
  } finally {
    await pool.close()
  }
})

test('a functions module that does not load is a ConnectionError naming it: session (before and after loadFunctions) and pool', async (t) => {
  const file = seededFile()
  const dir = tempDir()
  const broken = path.join(dir, 'broken.mjs')
  fs.writeFileSync(broken, "throw new Error('this module is broken')\n")
  const notAList = path.join(dir, 'not-a-list.mjs')
  fs.writeFileSync(notAList, 'export const functions = 3\n')
  const missing = path.join(dir, 'missing.mjs')

  // Not loaded in this thread yet: the first query says what to do.
  const early = unwrapLeft(session(connect(file, { functions: broken })).run(halves))
  t.is(early._tag, 'ConnectionError')
  t.regex(early.message, /not loaded in this thread yet.*loadFunctions/)

  for (const [m, why] of [
    [broken, /this module is broken/],
    [notAList, /must be an array/],
    [missing, /missing\.mjs/]
  ] as const) {
    const db = connect(file, { functions: m })
    const loaded = await loadFunctions(db)()
    t.true(E.isLeft(loaded))
    const e = unwrapLeft(loaded)
    t.is(e._tag, 'ConnectionError')
    t.true(e.message.includes(pathToFileURL(m).href))
    t.regex(e.message, why)
    // Every query on the descriptor gives the same Left.
    t.deepEqual(unwrapLeft(session(db).run(halves)), e)
  }

  const pool = workerPool(connect(file, { functions: broken }), { readers: 1 })
  try {
    const p = unwrapLeft(await pool.run(halves)())
    t.is(p._tag, 'ConnectionError')
    t.regex(p.message, /broken\.mjs.*this module is broken/)
  } finally {
    await pool.close()
  }
})
