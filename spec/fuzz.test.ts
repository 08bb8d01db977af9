/**
 * Property-based tests (fast-check): hostile strings as values and as identifiers.
 *
 * Values (quotes, semicolons, comment markers, NUL, astral unicode, very long text) go
 * through every expression operator, inserts, updates, LIKE helpers and raw `sql`
 * templates. Each run checks that the value reads back byte-for-byte, that the rows
 * matched are exactly those JavaScript computes, that the SQL text does not depend on
 * the value (so it was bound, never spliced), that the `log` option saw only the
 * expected statements, that no throw escaped, and that a sentinel table survived.
 *
 * Identifiers (through `sql.identifier`, and as `table()` and column names) must give
 * either a clear Left or a table that works under exactly that name.
 *
 * Seeded: set FUZZ_SEED=<n> to replay a run; the seed is printed on failure. Runs are
 * bounded so the file takes well under 30 s.
 *
 * Strings are well-formed UTF-16 (fast-check's 'binary' unit excludes lone surrogates):
 * a lone surrogate cannot round-trip through UTF-8 at all (V8 writes U+FFFD), which is
 * not the library's doing.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { Db, DbError, LogEvent, Query } from '../src/index.js'
import {
  all,
  allRows,
  between,
  coalesce,
  connect,
  contains,
  count,
  createTable,
  deleteFrom,
  endsWith,
  eq,
  filter,
  first,
  gt,
  gte,
  inArray,
  insert,
  integer,
  isNotNull,
  json,
  like,
  lower,
  lt,
  lte,
  ne,
  not,
  notInArray,
  orderBy,
  placeholder,
  raw,
  select,
  session,
  set,
  sql,
  startsWith,
  strftime,
  table,
  text,
  toSQL,
  update,
  values
} from '../src/index.js'
import { tempDbPath } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// seeding and running properties
// -------------------------------------------------------------------------------------

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff)

/**
 * Runs a property with the file's seed, for at most `numRuns` runs and at most `budgetMs`
 * (so the file stays well under 30 s on a loaded machine). On failure the seed, path and
 * counterexample are in the message. Returns the run details (how many runs were made).
 */
const check = <Ts extends [unknown, ...unknown[]]>(
  t: ExecutionContext,
  numRuns: number,
  budgetMs: number,
  prop: fc.IProperty<Ts>
): { readonly numRuns: number } => {
  const out = fc.check(prop, { seed: SEED, numRuns, plugins: [fc.interruptAfterTimeLimit(budgetMs)] })
  if (out.failed) {
    t.log(`fast-check seed ${SEED} (replay with FUZZ_SEED=${SEED})`)
    const err = out.errorInstance
    const why = err instanceof Error ? err.message : String(err)
    t.fail(`FUZZ_SEED=${SEED}\n${fc.defaultReportMessage(out) ?? 'property failed'}\nError: ${why}`)
  } else {
    t.log(`${out.numRuns} runs${out.interrupted ? ` (stopped by the ${budgetMs} ms budget)` : ''}, seed ${SEED}`)
    t.true(out.numRuns >= 10, `only ${out.numRuns} runs were made within ${budgetMs} ms`)
  }
  return out
}

class PropertyFailure extends Error {}

const assert = (cond: boolean, message: () => string): void => {
  if (!cond) throw new PropertyFailure(message())
}

const show = (u: unknown): string => {
  const s = JSON.stringify(u, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 77)}...(${v.length})` : v))
  return s === undefined ? String(u) : s
}

/** Calls the library; a throw is a property failure (nothing may throw across the API). */
const noThrow = <A>(what: string, f: () => A): A => {
  try {
    return f()
  } catch (e) {
    throw new PropertyFailure(`${what} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
  }
}

const right = <A>(what: string, r: E.Either<DbError, A>): A => {
  if (E.isLeft(r)) throw new PropertyFailure(`${what}: expected Right, got Left ${show(r.left)}`)
  return r.right
}

// -------------------------------------------------------------------------------------
// arbitraries
// -------------------------------------------------------------------------------------

const HOSTILE_UNITS = [
  "'",
  "''",
  '"',
  ';',
  '--',
  '-',
  '/*',
  '*/',
  '\\',
  '%',
  '_',
  '\u0000',
  '\n',
  '\r',
  '\t',
  ' ',
  'a',
  'A',
  'b',
  'B',
  'z',
  'Z',
  '`',
  '[',
  ']',
  '(',
  ')',
  '?',
  '?1',
  ':p',
  '@p',
  '$p',
  ',',
  '=',
  'é',
  'É',
  'ß',
  'İ',
  '\u2028',
  '\uFEFF',
  '\u200D',
  '😀',
  '𝔘',
  '\u{10FFFF}',
  'DROP TABLE fuzz_sentinel',
  ' OR 1=1',
  'x'
]

const INJECTIONS = [
  "'; DROP TABLE fuzz_sentinel; --",
  "' OR '1'='1",
  '" OR ""="',
  "'); DELETE FROM fuzz_sentinel; --",
  '*/ DROP TABLE fuzz_sentinel; /*',
  "\\'; DROP TABLE fuzz_sentinel; --",
  "x'); ATTACH DATABASE '/tmp/evil.db' AS evil; --",
  '; PRAGMA writable_schema = 1; --',
  "%' OR 1=1 --",
  '\u0000; DROP TABLE fuzz_sentinel',
  "🙂'; DROP TABLE fuzz_sentinel; --🙂"
]

const hostile = fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), maxLength: 16 })
const unicode = fc.string({ unit: 'binary', maxLength: 32 })
const injection = fc.constantFrom(...INJECTIONS)
/** 4,000 to 70,000 characters (up to ~280 KB of UTF-8), built from a hostile seed. */
const veryLong = fc
  .tuple(fc.integer({ min: 4_000, max: 70_000 }), fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), minLength: 1, maxLength: 6 }))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n))
  .map((s) => (/[\uD800-\uDBFF]$/.test(s) ? s.slice(0, -1) : s)) // never end on half a pair

/** Any string the fuzzer tries as a value. */
const anyString = fc.oneof(
  { weight: 5, arbitrary: hostile },
  { weight: 5, arbitrary: unicode },
  { weight: 2, arbitrary: injection },
  { weight: 1, arbitrary: veryLong }
)

// -------------------------------------------------------------------------------------
// JavaScript models of SQLite's semantics
// -------------------------------------------------------------------------------------

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')
/** SQLite's BINARY collation: memcmp of the UTF-8 bytes (not JavaScript's UTF-16 order). */
const cmp = (a: string, b: string): number => Buffer.compare(utf8(a), utf8(b))
/** SQLite's LIKE and lower() fold ASCII letters only. */
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
const codePoints = (s: string): string[] => Array.from(s)
const hasNul = (s: string): boolean => s.includes('\u0000')
/** SQLite's default SQLITE_LIMIT_LIKE_PATTERN_LENGTH, in bytes. */
const LIKE_PATTERN_LIMIT = 50_000
const escapedLength = (s: string): number => utf8(s.replace(/[\\%_]/g, (c) => `\\${c}`)).length

/** `value LIKE pattern` (no ESCAPE): % any run, _ one character, ASCII case-insensitive. */
const jsLike = (value: string, pattern: string): boolean => {
  const body = codePoints(asciiLower(pattern))
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, 'su').test(asciiLower(value))
}

// -------------------------------------------------------------------------------------
// the database under test
// -------------------------------------------------------------------------------------

const vals = table('fuzz_vals', {
  id: integer().primaryKey(),
  s: text(),
  j: json(t.string)
})

const sentinel = table('fuzz_sentinel', { id: integer().primaryKey(), note: text().notNull() })

interface Fixture {
  readonly db: Db
  readonly events: LogEvent[]
  readonly schema: string
  run<A>(q: Query<A>, params?: Readonly<Record<string, unknown>>): E.Either<DbError, A>
  /** The log holds exactly these statements since the last `run` (in order). */
  expectLog(expected: ReadonlyArray<string>, what: string): void
  /** The sentinel row and the schema are as they were. */
  intact(): void
}

const schemaOf = (run: Fixture['run']): string =>
  show(right('read schema', run(pipe(raw(sql`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name`), all))))

const fixture = (): Fixture => {
  const events: LogEvent[] = []
  const db = connect(tempDbPath('fuzz.db'), { log: (e) => events.push(e) })
  const s = session(db)
  const setup: ReadonlyArray<Query<unknown>> = [createTable(vals), createTable(sentinel), insert(sentinel, { note: 'must survive' })]
  for (const q of setup) {
    const r = s.run(q)
    if (E.isLeft(r)) throw new Error(`set-up failed: ${show(r.left)}`)
  }
  const run = <A>(q: Query<A>, params?: Readonly<Record<string, unknown>>): E.Either<DbError, A> => {
    events.length = 0
    return noThrow('run', () => s.run(q, params))
  }
  const schema = schemaOf(run)
  return {
    db,
    events,
    schema,
    run,
    expectLog: (expected, what) => {
      const got = events.map((e) => e.sql)
      assert(
        got.length === expected.length && got.every((g, i) => g === expected[i]),
        () => `${what}: expected exactly the statements ${show(expected)}, the log saw ${show(got)}`
      )
    },
    intact: () => {
      const n = right('count sentinel', run(pipe(select(sentinel), count)))
      assert(n === 1, () => `the sentinel table has ${n} rows, expected 1`)
      const now = schemaOf(run)
      assert(now === schema, () => `the schema changed: ${now}`)
    }
  }
}

/** The single statement's SQL of a query value (its text must not depend on the values in it). */
const sqlOf = (q: Query<unknown>): string => right('toSQL', toSQL(q)).sql

// -------------------------------------------------------------------------------------
// values in expression operators
// -------------------------------------------------------------------------------------

type Stored = ReadonlyArray<{ readonly id: number; readonly s: string | null }>

/** Inserts the strings (and one NULL) into the emptied table, checking the log and the bytes read back. */
const store = (f: Fixture, strings: ReadonlyArray<string>): Stored => {
  clear(f)
  const rows = [...strings.map((s) => ({ s })), { s: null }]
  const q = insert(vals, rows)
  right('insert', f.run(q))
  const expectedSql = sqlOf(insert(vals, { s: 'benign' }))
  // Several statements run as one transaction, whose BEGIN and COMMIT are logged too.
  const several = rows.length > 1
  const inserts = rows.map(() => expectedSql)
  f.expectLog(several ? ['BEGIN IMMEDIATE', ...inserts, 'COMMIT'] : inserts, 'multi-row insert')
  f.events
    .slice(several ? 1 : 0, several ? -1 : undefined)
    .forEach((e, i) => assert(e.params[0] === rows[i]!.s, () => `insert ${i} bound ${show(e.params)}, expected ${show(rows[i]!.s)}`))
  const back = right('read back', f.run(pipe(select(vals), orderBy(vals.id), all)))
  assert(back.length === rows.length, () => `read ${back.length} rows, stored ${rows.length}`)
  back.forEach((r, i) => assert(r.s === rows[i]!.s, () => `row ${i} read back as ${show(r.s)}, stored ${show(rows[i]!.s)}`))
  // The bytes in the file, seen by SQLite itself.
  const hex = right(
    'hex',
    f.run(
      pipe(
        raw<{ id: number; h: string | null; n: number | null }>(
          sql`SELECT id, hex(s) AS h, length(CAST(s AS BLOB)) AS n FROM fuzz_vals ORDER BY id`
        ),
        all
      )
    )
  )
  hex.forEach((r, i) => {
    const s = rows[i]!.s
    const want = s === null ? '' : utf8(s).toString('hex').toUpperCase() // hex(NULL) is ''
    assert(r.h === want, () => `row ${i}: stored bytes ${show(r.h)} differ from UTF-8 ${show(want)}`)
    assert(r.n === (s === null ? null : utf8(s).length), () => `row ${i}: stored length ${r.n}`)
  })
  return back.map((r) => ({ id: r.id, s: r.s }))
}

const clear = (f: Fixture): void => {
  right('clear', f.run(pipe(deleteFrom(vals), allRows)))
}

interface OperatorCase {
  readonly name: string
  /** Builds the condition for a value; the same shape for every value. */
  readonly build: (x: string, y: string) => Parameters<typeof filter>[0]
  /** Params, when the condition holds placeholders. */
  readonly params?: (x: string, y: string) => Readonly<Record<string, unknown>>
  /** Which stored strings it must match; undefined: only check it runs cleanly. */
  readonly model: (s: string, x: string, y: string) => boolean | undefined
  /** Whether the NULL row matches (default: no). */
  readonly matchesNull?: boolean
  /** A Left the model allows (SQLite limits), given the values. */
  readonly allowedLeft?: (x: string, y: string, e: DbError) => boolean
  /** Whether to run it at all for these values (raw LIKE patterns cost more the longer they are). */
  readonly applies?: (x: string, y: string) => boolean
}

/**
 * LIKE helpers with a literal needle: JavaScript semantics (ASCII case-insensitively), except
 * for the documented limit: a stored NUL ends the text LIKE searches, for a needle LIKE takes
 * (one with a NUL or past the pattern limit is matched exactly, NULs included).
 */
const likeModel =
  (f: (s: string, x: string) => boolean, wildcards = 1) =>
  (s: string, x: string): boolean | undefined =>
    hasNul(s) && !hasNul(x) && !tooLong(x, wildcards) ? undefined : f(asciiLower(s), asciiLower(x))

/** The placeholder form: the same, but a needle LIKE cannot take is refused (see `placeholderRefused`). */
const likePlaceholderModel =
  (f: (s: string, x: string) => boolean) =>
  (s: string, x: string): boolean | undefined =>
    hasNul(s) || hasNul(x) ? undefined : f(asciiLower(s), asciiLower(x))

/** Escaped and given its `%` (two for contains), past SQLite's LIKE pattern limit. */
const tooLong = (x: string, wildcards = 2): boolean => escapedLength(x) + wildcards > LIKE_PATTERN_LIMIT

/** The placeholder form's Left for a needle LIKE cannot take. */
const placeholderRefused = (x: string, e: DbError): boolean =>
  (hasNul(x) || tooLong(x)) && e._tag === 'ValidationError' && /whose pattern fits SQLite's LIKE limit/.test(e.message)

const OPERATORS: ReadonlyArray<OperatorCase> = [
  { name: 'eq', build: (x) => eq(vals.s, x), model: (s, x) => s === x },
  { name: 'ne', build: (x) => ne(vals.s, x), model: (s, x) => s !== x },
  { name: 'gt', build: (x) => gt(vals.s, x), model: (s, x) => cmp(s, x) > 0 },
  { name: 'gte', build: (x) => gte(vals.s, x), model: (s, x) => cmp(s, x) >= 0 },
  { name: 'lt', build: (x) => lt(vals.s, x), model: (s, x) => cmp(s, x) < 0 },
  { name: 'lte', build: (x) => lte(vals.s, x), model: (s, x) => cmp(s, x) <= 0 },
  { name: 'between', build: (x, y) => between(vals.s, x, y), model: (s, x, y) => cmp(s, x) >= 0 && cmp(s, y) <= 0 },
  { name: 'inArray', build: (x, y) => inArray(vals.s, [x, y]), model: (s, x, y) => s === x || s === y },
  { name: 'notInArray', build: (x, y) => notInArray(vals.s, [x, y]), model: (s, x, y) => s !== x && s !== y },
  {
    name: 'eq(lower(col), value)',
    build: (x) => eq(lower(vals.s), x),
    model: (s, x) => asciiLower(s) === x
  },
  {
    name: 'eq(coalesce(col, value), value)',
    build: (x) => eq(coalesce(vals.s, x), x),
    model: (s, x) => s === x,
    matchesNull: true
  },
  {
    // A format is any text; what strftime makes of it is SQLite's business: it must run cleanly.
    name: 'strftime(value, col)',
    build: (x) => isNotNull(strftime(x, vals.s)),
    model: () => undefined
  },
  {
    name: 'sql`col = value` as a condition',
    build: (x) => sql<boolean>`${vals.s} = ${x}`,
    model: (s, x) => s === x
  },
  {
    name: 'eq(col, placeholder)',
    build: () => eq(vals.s, placeholder('p')),
    params: (x) => ({ p: x }),
    model: (s, x) => s === x
  },
  {
    name: 'inArray(col, placeholder)',
    build: () => inArray(vals.s, placeholder('list')),
    params: (x, y) => ({ list: [x, y] }),
    model: (s, x, y) => s === x || s === y
  },
  {
    name: 'contains',
    build: (x) => contains(vals.s, x),
    model: likeModel((s, x) => s.includes(x), 2)
  },
  {
    name: 'startsWith',
    build: (x) => startsWith(vals.s, x),
    model: likeModel((s, x) => s.startsWith(x))
  },
  {
    name: 'endsWith',
    build: (x) => endsWith(vals.s, x),
    model: likeModel((s, x) => s.endsWith(x))
  },
  {
    name: 'contains(col, placeholder)',
    build: () => contains(vals.s, placeholder('p')),
    params: (x) => ({ p: x }),
    model: likePlaceholderModel((s, x) => s.includes(x)),
    allowedLeft: (x, _y, e) => placeholderRefused(x, e)
  },
  {
    name: 'like (the pattern as given)',
    build: (x) => like(vals.s, x),
    // A pattern's wildcards make matching cost grow with pattern x value: short patterns only.
    applies: (x) => codePoints(x).length <= 40,
    model: (s, x) => (hasNul(s) || hasNul(x) || s.length > 2_000 ? undefined : jsLike(s, x))
  }
]

/** A needle derived from the stored strings (so that matches happen), or a fresh one. */
const needleArb = fc.record({
  mode: fc.constantFrom('fresh', 'whole', 'sub', 'prefix', 'suffix', 'flipped'),
  pick: fc.nat(),
  a: fc.nat(),
  b: fc.nat(),
  fresh: anyString
})

const flipAsciiCase = (s: string): string => s.replace(/[A-Za-z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))

const needleOf = (strings: ReadonlyArray<string>, n: { mode: string; pick: number; a: number; b: number; fresh: string }): string => {
  if (n.mode === 'fresh' || strings.length === 0) return n.fresh
  const cps = codePoints(strings[n.pick % strings.length]!)
  const i = cps.length === 0 ? 0 : n.a % (cps.length + 1)
  const j = cps.length === 0 ? 0 : n.b % (cps.length + 1)
  switch (n.mode) {
    case 'whole':
      return cps.join('')
    case 'prefix':
      return cps.slice(0, i).join('')
    case 'suffix':
      return cps.slice(i).join('')
    case 'flipped':
      return flipAsciiCase(cps.slice(Math.min(i, j), Math.max(i, j)).join(''))
    default:
      return cps.slice(Math.min(i, j), Math.max(i, j)).join('')
  }
}

/** Harmless values of each class the LIKE helpers tell apart: plain, a wildcard, a NUL, past LIKE's pattern limit. */
const BENIGN: ReadonlyArray<readonly [string, string]> = [
  ['benign-1', 'benign-2'],
  ['benign%', 'benign_'],
  ['benign\u0000', 'benign\u0000'],
  ['b'.repeat(60_000), 'b'.repeat(60_000)]
]

test('hostile values in every expression operator match exactly the rows JavaScript computes, bound, never spliced', (t) => {
  const f = fixture()
  // How often each operator matched some row: a property that never matches proves little.
  const hits = new Map<string, number>()
  const out = check(
    t,
    80,
    7_000,
    fc.property(fc.array(anyString, { maxLength: 6 }), needleArb, needleArb, (strings, n1, n2) => {
      const stored = store(f, strings)
      try {
        const x = needleOf(strings, n1)
        const y = needleOf(strings, n2)
        for (const op of OPERATORS) {
          if (op.applies?.(x, y) === false) continue
          const q = pipe(select(vals), filter(op.build(x, y)), orderBy(vals.id), values(vals.id))
          // The SQL text of the query is one that benign values give: the values were bound.
          // (The LIKE helpers pick their SQL by the needle's class: ESCAPE when it has a
          // wildcard, the exact form for a NUL or a long one; never by its text.)
          const shapes = BENIGN.map(([a, b]) => sqlOf(pipe(select(vals), filter(op.build(a, b)), orderBy(vals.id), values(vals.id))))
          assert(shapes.includes(sqlOf(q)), () => `${op.name}: the SQL text depends on the value: ${sqlOf(q)}`)
          const shape = sqlOf(q)
          const r = f.run(q, op.params?.(x, y))
          // A value refused at binding (a ValidationError) never reaches SQLite.
          f.expectLog(E.isLeft(r) && r.left._tag === 'ValidationError' ? [] : [shape], op.name)
          if (E.isLeft(r)) {
            assert(op.allowedLeft?.(x, y, r.left) === true, () => `${op.name}(${show(x)}, ${show(y)}) gave Left ${show(r.left)}`)
            continue
          }
          const modelled = stored.map((row) => (row.s === null ? op.matchesNull === true : op.model(row.s, x, y)))
          if (modelled.some((m) => m === undefined)) continue
          const want = stored.filter((_, i) => modelled[i] === true).map((row) => row.id)
          assert(
            show(r.right) === show(want),
            () => `${op.name}(${show(x)}, ${show(y)}) matched ids ${show(r.right)}, JavaScript says ${show(want)} of ${show(stored)}`
          )
          if (want.length > 0) hits.set(op.name, (hits.get(op.name) ?? 0) + 1)
        }
        // A delete by value removes exactly the equal rows.
        const del = right('delete', f.run(pipe(deleteFrom(vals), filter(eq(vals.s, x)))))
        const equal = stored.filter((row) => row.s === x).length
        assert(del.changes === equal, () => `delete where s = ${show(x)} removed ${del.changes} rows, ${equal} were equal`)
      } finally {
        clear(f)
      }
      f.intact()
    })
  )
  t.log('runs with matching rows, by operator:', Object.fromEntries(hits))
  // With enough runs every modelled operator must have matched some rows (else it proved little).
  if (out.numRuns >= 60) {
    for (const op of OPERATORS) {
      if (op.name.startsWith('strftime')) continue
      t.true((hits.get(op.name) ?? 0) > 0, `${op.name} never matched a row: the property is vacuous for it`)
    }
  }
})

// -------------------------------------------------------------------------------------
// values in inserts, updates and raw SQL
// -------------------------------------------------------------------------------------

test('hostile values in insert and update (plain, json, sql expressions, placeholders) read back byte-for-byte', (t) => {
  const f = fixture()
  check(
    t,
    120,
    3_500,
    fc.property(anyString, anyString, (x, y) => {
      try {
        // insert: a text column and a json column
        const ins = insert(vals, { s: x, j: y })
        const id = right('insert', f.run(ins)).lastInsertRowid
        f.expectLog([sqlOf(insert(vals, { s: 'a', j: 'b' }))], 'insert')
        assert(
          f.events[0]!.params[0] === x && f.events[0]!.params[1] === JSON.stringify(y),
          () => `insert bound ${show(f.events[0]!.params)}`
        )
        const row = right('first', f.run(pipe(select(vals), filter(eq(vals.id, id)), first)))
        assert(O.isSome(row) && row.value.s === x && row.value.j === y, () => `read back ${show(row)} for ${show([x, y])}`)

        // update: a value, then a sql expression concatenating values with the column
        right('update', f.run(pipe(update(vals), set({ s: y }), filter(eq(vals.id, id)))))
        f.expectLog([sqlOf(pipe(update(vals), set({ s: 'b' }), filter(eq(vals.id, 1))))], 'update')
        right('update sql', f.run(pipe(update(vals), set({ s: sql<string>`${x} || ${vals.s} || ${x}` }), filter(eq(vals.id, id)))))
        const v = right('value', f.run(pipe(select(vals), filter(eq(vals.id, id)), values(vals.s))))
        assert(v.length === 1 && v[0] === x + y + x, () => `x || y || x read back as ${show(v)}`)

        // placeholders in insert and set
        const ph = right('insert placeholder', f.run(insert(vals, { s: placeholder('s'), j: placeholder('j') }), { s: y, j: x }))
        right(
          'set placeholder',
          f.run(pipe(update(vals), set({ s: placeholder('v') }), filter(eq(vals.id, ph.lastInsertRowid))), { v: `${y}${x}` })
        )
        const back = right('read placeholder row', f.run(pipe(select(vals), filter(eq(vals.id, ph.lastInsertRowid)), all)))
        assert(back.length === 1 && back[0]!.s === y + x && back[0]!.j === x, () => `placeholder row read back as ${show(back)}`)

        // The bytes SQLite holds are the UTF-8 of the value.
        const hex = right('hex', f.run(pipe(raw(sql`SELECT hex(${vals.s}) FROM ${vals} WHERE ${vals.id} = ${id}`), values<string>())))
        assert(
          hex[0] ===
            utf8(x + y + x)
              .toString('hex')
              .toUpperCase(),
          () => 'stored bytes differ from the UTF-8 of the value'
        )
      } finally {
        clear(f)
      }
      f.intact()
    })
  )
})

test('hostile values in raw sql templates are parameters: they read back byte-for-byte and never become SQL', (t) => {
  const f = fixture()
  check(
    t,
    150,
    3_000,
    fc.property(anyString, anyString, (x, y) => {
      try {
        const sel = pipe(
          raw<{ v: string; w: string; n: number }>(sql`SELECT ${x} AS v, ${x} || ${y} AS w, length(CAST(${x} AS BLOB)) AS n`),
          first
        )
        assert(sqlOf(sel) === 'SELECT ? AS v, ? || ? AS w, length(CAST(? AS BLOB)) AS n', () => `raw SQL text ${sqlOf(sel)}`)
        const r = right('raw select', f.run(sel))
        f.expectLog([sqlOf(sel)], 'raw select')
        assert(
          O.isSome(r) && r.value.v === x && r.value.w === x + y && r.value.n === utf8(x).length,
          () => `raw select read back ${show(r)} for ${show([x, y])}`
        )

        const ins = raw(sql`INSERT INTO ${vals} (s) VALUES (${x})`)
        const w = right('raw insert', f.run(ins))
        f.expectLog(['INSERT INTO "fuzz_vals" (s) VALUES (?)'], 'raw insert')
        const got = right('read raw insert', f.run(pipe(select(vals), filter(eq(vals.id, w.lastInsertRowid)), values(vals.s))))
        assert(got.length === 1 && got[0] === x, () => `raw insert read back as ${show(got)}`)

        // A value where a statement could end: still one statement, still a value.
        const upd = raw(sql`UPDATE ${vals} SET s = ${y} WHERE ${vals.s} = ${x}`)
        const u = right('raw update', f.run(upd))
        assert(u.changes === 1, () => `raw update changed ${u.changes} rows`)
        const n = right('count', f.run(pipe(raw(sql`SELECT count(*) FROM ${vals} WHERE ${vals.s} = ${y}`), values<number>())))
        assert(n[0] === 1, () => `after the raw update ${show(n)} rows hold y`)
      } finally {
        clear(f)
      }
      f.intact()
    })
  )
})

// -------------------------------------------------------------------------------------
// LIKE helpers: JavaScript's includes / startsWith / endsWith, ASCII case-insensitively
// -------------------------------------------------------------------------------------

/** Strings rich in LIKE's own metacharacters and in case pairs. */
const likeUnit = fc.constantFrom('%', '_', '\\', 'a', 'A', 'b', 'B', 'é', 'É', 'ß', '😀', "'", ' ', '-', '*', '.', '[', ']', '^', '$')
const likeString = fc.oneof(fc.string({ unit: likeUnit, maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }))

test('contains/startsWith/endsWith match exactly the rows JavaScript includes/startsWith/endsWith would (ASCII case-insensitively)', (t) => {
  const f = fixture()
  const helpers = [
    { name: 'contains', h: contains, js: (s: string, x: string) => s.includes(x) },
    { name: 'startsWith', h: startsWith, js: (s: string, x: string) => s.startsWith(x) },
    { name: 'endsWith', h: endsWith, js: (s: string, x: string) => s.endsWith(x) }
  ] as const
  // Checks where some rows matched and some did not: the informative case.
  let partial = 0
  const out = check(
    t,
    200,
    3_500,
    fc.property(
      fc.array(likeString, { minLength: 1, maxLength: 8 }),
      needleArb.map((n) => ({ ...n, fresh: codePoints(n.fresh).slice(0, 12).join('') })),
      (strings, n) => {
        // NUL is the subject of its own tests below.
        const clean = strings.map((s) => s.replaceAll('\u0000', ''))
        const x = needleOf(clean, n).replaceAll('\u0000', '')
        const stored = store(f, clean)
        try {
          for (const { name, h, js } of helpers) {
            for (const [label, q, params] of [
              ['literal', pipe(select(vals), filter(h(vals.s, x)), orderBy(vals.id), values(vals.id)), undefined],
              ['placeholder', pipe(select(vals), filter(h(vals.s, placeholder('x'))), orderBy(vals.id), values(vals.id)), { x }]
            ] as const) {
              const got = right(`${name} ${label}`, f.run(q, params))
              const want = stored.filter((r) => r.s !== null && js(asciiLower(r.s), asciiLower(x))).map((r) => r.id)
              assert(
                show(got) === show(want),
                () => `${name}(${label} ${show(x)}) matched ${show(got)}, JavaScript ${show(want)} of ${show(stored)}`
              )
              if (want.length > 0 && want.length < stored.length - 1) partial++
            }
          }
        } finally {
          clear(f)
        }
        f.intact()
      }
    )
  )
  t.log(`${partial} checks matched some rows but not all`)
  t.true(partial >= out.numRuns / 2, 'too few checks separated matching from non-matching rows')
})

/**
 * A needle LIKE cannot take (one with a NUL: LIKE reads a pattern only up to it) is matched
 * exactly by the literal helpers (instr and byte comparison, compile.ts exactMatchSql), NULs
 * in the stored text included; the placeholder form, whose SQL is already LIKE, refuses such a
 * value with a Left that says to pass it as a literal.
 */
test('a needle with a NUL is matched exactly by contains/startsWith/endsWith; the placeholder form refuses it', (t) => {
  const f = fixture()
  const stored = store(f, ['a\u0000b', 'a\u0000c', 'ab', 'xA\u0000C', 'c'])
  const idsOf = (c: Parameters<typeof filter>[0]): number[] =>
    right('like', f.run(pipe(select(vals), filter(c), orderBy(vals.id), values(vals.id))))
  const [nulB, nulC, , xNulC] = stored.map((r) => r.id) as [number, number, number, number, number]
  t.deepEqual(idsOf(startsWith(vals.s, 'a\u0000c')), [nulC], "only 'a\\0c' starts with 'a\\0c'")
  t.deepEqual(idsOf(startsWith(vals.s, 'a\u0000')), [nulB, nulC])
  t.deepEqual(idsOf(contains(vals.s, '\u0000c')), [nulC, xNulC], 'ASCII case-insensitively, as LIKE')
  t.deepEqual(idsOf(endsWith(vals.s, '\u0000C')), [nulC, xNulC])
  t.deepEqual(idsOf(endsWith(vals.s, 'xa\u0000c')), [xNulC], 'the whole text')
  t.deepEqual(idsOf(endsWith(vals.s, 'zxa\u0000c')), [], 'longer than the text')
  const withoutNul = stored.filter((r) => r.s !== null && !r.s.includes('\u0000')).map((r) => r.id)
  t.deepEqual(idsOf(not(contains(vals.s, '\u0000'))), withoutNul, 'negated (NULL stays out, as with LIKE)')
  const q = pipe(select(vals), filter(startsWith(vals.s, placeholder('x'))), values(vals.id))
  const refused = f.run(q, { x: 'a\u0000c' })
  t.like(refused, { _tag: 'Left', left: { _tag: 'ValidationError' } })
  t.regex(E.isLeft(refused) ? refused.left.message : '', /pass such a needle as a literal string/)
  t.deepEqual(f.run(q, { x: 'a' }), E.right([nulB, nulC, stored[2]!.id]), 'the same statement, a needle LIKE takes')
})

/**
 * LIMIT (kept, measured): with a needle LIKE takes, a NUL in the stored text still ends what
 * LIKE searches (SQLite reads LIKE's operands as C strings), so a stored 'a\0b' does not
 * contain 'b'. The exact form would fix it, but costs 1.6x to 2.2x LIKE's time on every row
 * (instr(lower(x), lower(?)) against LIKE, 50,000 rows): a price every search would pay for
 * text that SQLite applications almost never hold. docs/queries.md states the limit.
 */
test.failing('LIMIT: a NUL in the stored text hides what follows it from contains/startsWith/endsWith', (t) => {
  const f = fixture()
  const stored = store(f, ['a\u0000b', 'a\u0000c', 'ab'])
  const idsOf = (c: Parameters<typeof filter>[0]): number[] =>
    right('like', f.run(pipe(select(vals), filter(c), orderBy(vals.id), values(vals.id))))
  const [nulB, nulC, ab] = stored.map((r) => r.id) as [number, number, number]
  t.deepEqual(idsOf(contains(vals.s, 'b')), [nulB, ab], "'a\\0b' contains 'b'")
  t.deepEqual(idsOf(endsWith(vals.s, 'c')), [nulC], "'a\\0c' ends with 'c'")
})

/**
 * A needle whose LIKE pattern would pass SQLite's limit (50,000 bytes; LIKE would say
 * "pattern too complex") is matched exactly, as `eq` matches a value of any length; the
 * placeholder form refuses it with a Left that says to pass it as a literal.
 */
test('contains/startsWith/endsWith with a needle over 50,000 bytes match (no SQLite pattern limit); the placeholder form refuses it', (t) => {
  const f = fixture()
  const long = 'x'.repeat(60_000)
  const [row, other] = store(f, [long, `y${long}`])
  const ids = (c: Parameters<typeof filter>[0]) => f.run(pipe(select(vals), filter(c), orderBy(vals.id), values(vals.id)))
  t.deepEqual(ids(contains(vals.s, long)), E.right([row!.id, other!.id]))
  t.deepEqual(ids(startsWith(vals.s, long)), E.right([row!.id]))
  t.deepEqual(ids(endsWith(vals.s, long.toUpperCase())), E.right([row!.id, other!.id]))
  t.deepEqual(ids(startsWith(vals.s, `y${long}z`)), E.right([]))
  const refused = f.run(pipe(select(vals), filter(contains(vals.s, placeholder('x'))), values(vals.id)), { x: long })
  t.like(refused, { _tag: 'Left', left: { _tag: 'ValidationError' } })
})

// -------------------------------------------------------------------------------------
// identifiers
// -------------------------------------------------------------------------------------

/** Identifiers: hostile soup, full unicode, injections, spaces only, and long ones (over 255). */
const identifierArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS, '"', '""', '.', 'sqlite_', 'main', 'temp'), maxLength: 10 })
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: injection },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ' ',
      '   ',
      '""',
      '"',
      'sqlite_x',
      'SQLITE_master',
      'fuzz_sentinel',
      'FUZZ_SENTINEL',
      'main',
      'rowid',
      'select',
      '__proto__',
      'constructor'
    )
  },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => 'i'.repeat(n)) }
)

/** What the library refuses up front: empty, NUL, over 255 characters. */
const refusedIdentifier = (name: string): boolean => name.length === 0 || name.includes('\u0000') || name.length > 255
/** SQLite's own refusals: its reserved prefix, and names already taken (ASCII case-insensitively). */
const reserved = (name: string): boolean => /^sqlite_/i.test(name)
const TAKEN = new Set(['fuzz_vals', 'fuzz_sentinel'])
const taken = (name: string): boolean => TAKEN.has(asciiLower(name))

test('random identifiers through sql.identifier are a clear Left or quoted correctly (the table works under that name)', (t) => {
  const f = fixture()
  check(
    t,
    200,
    2_500,
    fc.property(identifierArb, identifierArb, anyString, (name, column, v) => {
      const id = sql.identifier(name)
      const col = sql.identifier(column)
      const create = raw(sql`CREATE TABLE ${id} (${col} TEXT)`)
      const r = f.run(create)
      if (refusedIdentifier(name) || refusedIdentifier(column)) {
        assert(
          E.isLeft(r) && r.left._tag === 'ValidationError' && /invalid identifier/.test(r.left.message),
          () => `expected a Left ValidationError for ${show([name, column])}, got ${show(r)}`
        )
        f.expectLog([], 'a refused identifier runs nothing')
      } else if (reserved(name) || taken(name)) {
        assert(
          E.isLeft(r) && r.left._tag === 'SqliteError' && /reserved for internal use|already exists/.test(r.left.message),
          () => `expected SQLite to refuse ${show(name)}, got ${show(r)}`
        )
      } else {
        right(`create ${show(name)} (${show(column)})`, r)
        f.expectLog([sqlOf(create)], 'create')
        assert(!f.events[0]!.sql.includes('\u0000'), () => 'a NUL reached the SQL text')
        try {
          // The table exists under exactly that name, with exactly that column.
          const names = right(
            'schema',
            f.run(pipe(raw(sql`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ${name}`), values<string>()))
          )
          assert(names.length === 1 && names[0] === name, () => `sqlite_schema holds ${show(names)} for ${show(name)}`)
          const cols = right('columns', f.run(pipe(raw(sql`SELECT name FROM pragma_table_info(${name})`), values<string>())))
          assert(cols.length === 1 && cols[0] === column, () => `pragma_table_info gives ${show(cols)} for ${show(column)}`)
          right('insert', f.run(raw(sql`INSERT INTO ${id} (${col}) VALUES (${v})`)))
          const back = right('select', f.run(pipe(raw(sql`SELECT ${col} AS v FROM ${id} WHERE ${col} = ${v}`), values<string>())))
          assert(back.length === 1 && back[0] === v, () => `read back ${show(back)}`)
        } finally {
          right('drop', f.run(raw(sql`DROP TABLE ${id}`)))
        }
      }
      f.intact()
    })
  )
})

/** Column keys: identifiers, but not `__proto__` (see the failing test below). */
const keyArb = identifierArb.filter((k) => k !== '__proto__')

test('random table() and column names are a clear Left or quoted correctly: create, insert, select, filter, update, delete work', (t) => {
  const f = fixture()
  check(
    t,
    150,
    2_500,
    fc.property(identifierArb, keyArb, fc.option(identifierArb, { nil: undefined }), anyString, (name, key, sqlName, v) => {
      const column = sqlName ?? key
      const tb = table(name, { [key]: text(sqlName) })
      const c = (tb as unknown as Record<string, typeof vals.s>)[key]!
      const create = createTable(tb)
      const r = f.run(create)
      const nameBad = refusedIdentifier(name) || reserved(name)
      const columnBad = refusedIdentifier(column) || reserved(column)
      if (nameBad || columnBad) {
        assert(
          E.isLeft(r) && r.left._tag === 'ValidationError' && /identifier|reserved/.test(r.left.message),
          () => `expected a Left ValidationError about the identifier for ${show({ name, key, sqlName })}, got ${show(r)}`
        )
        f.expectLog([], 'a refused table runs nothing')
        f.intact()
        return
      }
      if (taken(name)) {
        // CREATE TABLE IF NOT EXISTS on an existing table does nothing: only survival to check.
        right('create existing', r)
        f.intact()
        return
      }
      right(`createTable ${show({ name, key, sqlName })}`, r)
      f.expectLog([sqlOf(create)], 'create table')
      try {
        const names = right(
          'schema',
          f.run(pipe(raw(sql`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ${name}`), values<string>()))
        )
        assert(names.length === 1 && names[0] === name, () => `sqlite_schema holds ${show(names)} for ${show(name)}`)
        const cols = right('columns', f.run(pipe(raw(sql`SELECT name FROM pragma_table_info(${name})`), values<string>())))
        assert(cols.length === 1 && cols[0] === column, () => `pragma_table_info gives ${show(cols)} for ${show(column)}`)

        right('insert', f.run(insert(tb, { [key]: v })))
        const sel = f.run(pipe(select(tb), all)) as E.Either<DbError, ReadonlyArray<Record<string, unknown>>>
        if (refusedIdentifier(key)) {
          // A key that cannot be an SQL alias (the column has another SQL name): a clear Left on read.
          assert(
            E.isLeft(sel) && sel.left._tag === 'ValidationError' && /invalid identifier/.test(sel.left.message),
            () => `select with key ${show(key)} gave ${show(sel)}`
          )
          return
        }
        const rows = right('select', sel)
        assert(
          rows.length === 1 && Object.keys(rows[0]!).length === 1 && Object.hasOwn(rows[0]!, key) && rows[0]![key] === v,
          () => `select gave ${show(rows)} for key ${show(key)}`
        )
        assert(Object.getPrototypeOf(rows[0]) === Object.prototype, () => 'a row object lost its prototype')
        const n = right('filter', f.run(pipe(select(tb), filter(eq(c, v)), count)))
        assert(n === 1, () => `filter eq found ${n} rows`)
        const u = right('update', f.run(pipe(update(tb), set({ [key]: `${v}!` }), filter(eq(c, v)))))
        assert(u.changes === 1, () => `update changed ${u.changes}`)
        const d = right('delete', f.run(pipe(deleteFrom(tb), filter(eq(c, `${v}!`)))))
        assert(d.changes === 1, () => `delete removed ${d.changes}`)
      } finally {
        right('drop', f.run(raw(sql`DROP TABLE ${sql.identifier(name)}`)))
      }
      f.intact()
    })
  )
})

/**
 * BUG (src/schema/table.ts, table()): columns are collected in a plain object literal
 * (`const bound = {}; bound[key] = ...`), so a column keyed `__proto__` sets that
 * object's prototype instead of adding a column. The table silently has no column:
 * createTable is Left SqliteError `near ")": syntax error`, insert says
 * `unknown column "__proto__" (the columns of t are )`, select is a syntax error.
 * (The row builder in src/session/rows.ts already guards `__proto__` keys.)
 */
test('a column keyed __proto__ is a column like any other (table(), create, insert, select)', (t) => {
  const f = fixture()
  const tb = table('proto_keys', { ['__proto__']: text() })
  t.deepEqual(Object.keys(tb), ['__proto__'], 'table() keeps the column')
  t.true(E.isRight(f.run(createTable(tb))), 'createTable')
  t.true(E.isRight(f.run(insert(tb, { ['__proto__']: 'v' }))), 'insert')
  const rows = f.run(pipe(select(tb), all)) as E.Either<DbError, ReadonlyArray<Record<string, unknown>>>
  t.true(
    E.isRight(rows) && Object.hasOwn(rows.right[0]!, '__proto__') && rows.right[0]!['__proto__'] === 'v',
    'select reads it back as an own field'
  )
})
