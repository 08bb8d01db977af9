/**
 * Parameter order: query values whose clauses take values in an order other than their SQL
 * text (a select list before its join's ON, upsert SET before WHERE, a window's PARTITION BY,
 * a CTE before the outer query, a RETURNING after the WHERE), each value a literal or a
 * `placeholder` as a random mask says. Every result is compared with hand-written SQL run
 * through better-sqlite3 directly, its values in their obvious (textual) positions, on the
 * same rows: never with the library's own SQL text. Writes run on twin tables (`t` through
 * the library, `t_ref` by hand) and both the returned rows and the tables after must agree.
 *
 * Results are decoded by the kinds the contract promises (DESIGN.md: "Expressions decode by
 * their kind wherever they appear: a scalar() subquery, a window function over a
 * timestamp/boolean/json column, a CTE column, a compound's column"): a timestamp is a Date,
 * a boolean a boolean, a json value its parsed value.
 *
 * FC_SEED / FC_PATH / FC_RUNS replay and lengthen runs as in spec/differential.test.ts.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { DbError, Query, Session } from '../src/index.js'
import {
  all,
  and,
  between,
  boolean,
  columns,
  connect,
  countAll,
  createTable,
  deleteFrom,
  eq,
  exists,
  filter,
  groupBy,
  gt,
  gte,
  having,
  inArray,
  insert,
  integer,
  join,
  json,
  limit,
  lt,
  lte,
  max,
  ne,
  offset,
  onConflictDoUpdate,
  orderBy,
  over,
  placeholder,
  real,
  returning,
  scalar,
  select,
  session,
  set,
  sql,
  sum,
  table,
  text,
  timestamp,
  union,
  update,
  where,
  withQuery
} from '../src/index.js'
import { tempDbPath } from './helpers/db.js'
import * as G from './helpers/generators.js'
import { canon } from './helpers/reference.js'

// -------------------------------------------------------------------------------------
// schema, data and the twin database connection
// -------------------------------------------------------------------------------------

const T = table('t', {
  id: integer().primaryKey(),
  g: text().notNull(),
  v: integer().notNull(),
  r: real(),
  at: timestamp(),
  ok: boolean(),
  doc: json(t.unknown)
})

const U = table('u', {
  id: integer().primaryKey(),
  tId: integer('t_id'),
  w: integer().notNull(),
  label: text(),
  at: timestamp()
})

/** The hand-written DDL of the twin of `t` that hand-written writes run on. */
const T_REF_DDL = 'CREATE TABLE t_ref (id INTEGER PRIMARY KEY, g TEXT NOT NULL, v INTEGER NOT NULL, r REAL, at TEXT, ok INTEGER, doc TEXT)'

interface TRow {
  readonly id: number
  readonly g: string
  readonly v: number
  readonly r: number | null
  readonly at: Date | null
  readonly ok: boolean | null
  readonly doc: unknown
}
interface URow {
  readonly id: number
  readonly tId: number | null
  readonly w: number
  readonly label: string | null
  readonly at: Date | null
}
interface Data {
  readonly t: ReadonlyArray<TRow>
  readonly u: ReadonlyArray<URow>
}

const small = fc.integer({ min: -3, max: 6 })
const word = fc.constantFrom('a', 'b', 'c', 'A', '', '%', "it's")
const maybe = <A>(a: fc.Arbitrary<A>): fc.Arbitrary<A | null> => fc.option(a, { freq: 4 })

const dataArb: fc.Arbitrary<Data> = fc.record({
  t: fc.uniqueArray(
    fc.record({
      id: fc.integer({ min: 1, max: 9 }),
      g: fc.constantFrom('a', 'b', 'c'),
      v: small,
      r: maybe(G.realArb),
      at: maybe(G.dateArb),
      ok: maybe(fc.boolean()),
      doc: maybe(G.jsonArb)
    }),
    { maxLength: 8, selector: (r) => r.id }
  ),
  u: fc.uniqueArray(
    fc.record({
      id: fc.integer({ min: 1, max: 12 }),
      tId: maybe(fc.integer({ min: 0, max: 9 })),
      w: small,
      label: maybe(word),
      at: maybe(G.dateArb)
    }),
    { maxLength: 10, selector: (r) => r.id }
  )
})

/** What a value is bound as in hand-written SQL. */
const bindable = (v: unknown): number | string | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? v.toISOString()
      : typeof v === 'boolean'
        ? Number(v)
        : typeof v === 'number' || typeof v === 'string'
          ? v
          : JSON.stringify(v)

interface Harness {
  readonly s: Session
  readonly raw: Database.Database
}

const harness = (): Harness => {
  const path = tempDbPath()
  const s = session(connect(path, { pragmas: { synchronous: 'OFF' } }))
  for (const q of [createTable(T), createTable(U)]) {
    const r = s.run(q)
    if (E.isLeft(r)) throw new Error(`set-up failed: ${r.left.message}`)
  }
  const raw = new Database(path)
  raw.pragma('busy_timeout = 5000')
  raw.exec(T_REF_DDL)
  return { s, raw }
}

/** Loads the same rows into t, t_ref and u (through better-sqlite3, not the library). */
const load = (h: Harness, d: Data): void => {
  h.raw.transaction(() => {
    for (const name of ['t', 't_ref', 'u']) h.raw.exec(`DELETE FROM ${name}`)
    for (const name of ['t', 't_ref']) {
      const ins = h.raw.prepare(`INSERT INTO ${name} (id, g, v, r, at, ok, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      for (const r of d.t) ins.run(r.id, r.g, r.v, r.r, bindable(r.at), bindable(r.ok), r.doc === null ? null : JSON.stringify(r.doc))
    }
    const ins = h.raw.prepare('INSERT INTO u (id, t_id, w, label, at) VALUES (?, ?, ?, ?, ?)')
    for (const r of d.u) ins.run(r.id, r.tId, r.w, r.label, bindable(r.at))
  })()
}

// -------------------------------------------------------------------------------------
// literal or placeholder, by a mask
// -------------------------------------------------------------------------------------

/** Puts value i in the query as a literal or (mask[i]) as placeholder('p<i>'), collecting params. */
class Mix {
  readonly params: Record<string, unknown> = {}
  constructor(
    readonly values: ReadonlyArray<unknown>,
    readonly mask: ReadonlyArray<boolean>
  ) {}
  /** Value i, typed as the position expects it (a placeholder fits wherever a value does). */
  at<A>(i: number): A {
    const v = this.values[i]
    if (this.mask[i] !== true) return v as A
    this.params[`p${i}`] = v
    return placeholder(`p${i}`) as unknown as A
  }
  /** How the query is printed in a failure. */
  describe(): string {
    return this.values.map((v, i) => `${i}: ${this.mask[i] === true ? `placeholder('p${i}') = ` : ''}${G.printValue(v)}`).join(', ')
  }
}

const maskArb = (n: number): fc.Arbitrary<boolean[]> => fc.array(fc.boolean(), { minLength: n, maxLength: n })

// -------------------------------------------------------------------------------------
// decoding hand-written results by kind, and comparing
// -------------------------------------------------------------------------------------

type Kind = 'number' | 'text' | 'timestamp' | 'boolean' | 'json'

const decodeCell = (kind: Kind, v: unknown): unknown =>
  v === null
    ? null
    : kind === 'timestamp'
      ? new Date(v as string)
      : kind === 'boolean'
        ? v === 1
        : kind === 'json'
          ? (JSON.parse(v as string) as unknown)
          : v

/** Runs hand-written SQL through better-sqlite3 and decodes its columns by the kinds given (in order). */
const byHand = (h: Harness, text: string, params: ReadonlyArray<unknown>, kinds: ReadonlyArray<readonly [string, Kind]>): unknown[] => {
  const rows = h.raw
    .prepare(text)
    .raw(true)
    .all(...params.map(bindable)) as unknown[][]
  return rows.map((r) => Object.fromEntries(kinds.map(([key, kind], i) => [key, decodeCell(kind, r[i])])))
}

const sorted = (rows: ReadonlyArray<unknown>): string[] => rows.map(canon).sort()

interface Run {
  readonly what: string
  readonly mix: Mix
  readonly got: E.Either<DbError, unknown>
  readonly expected: ReadonlyArray<unknown>
  /** Whether row order is part of the result (an ORDER BY), or the rows are a multiset. */
  readonly ordered: boolean
  readonly data: Data
}

const compare = (r: Run): void => {
  const fail = (why: string, got: string): never => {
    throw new G.Mismatch(
      [
        `${r.what}: ${why}`,
        `values: ${r.mix.describe()}`,
        `data: ${G.printValue(r.data)}`,
        `expected: ${canon(r.expected).slice(0, 1500)}`,
        `got:      ${got.slice(0, 1500)}`
      ].join('\n')
    )
  }
  if (E.isLeft(r.got))
    return fail('a Left where the hand-written SQL has rows', `Left ${r.got.left._tag}: ${r.got.left.message.slice(0, 600)}`)
  const rows = r.got.right
  if (!Array.isArray(rows)) return fail('not a list of rows', canon(rows))
  const same = r.ordered ? canon(rows) === canon(r.expected) : canon(sorted(rows)) === canon(sorted(r.expected))
  if (!same) fail('different rows', canon(rows))
}

const property = <V>(title: string, arb: fc.Arbitrary<V>, run: (h: Harness, v: V) => void, runs = 100): void => {
  test(title, (tc: ExecutionContext) => {
    const h = harness()
    try {
      G.checkProperty(tc, 'spec/param-order.test.ts', arb, (v) => run(h, v), runs, 4000)
    } finally {
      h.s.close()
      h.raw.close()
    }
  })
}

const values = <A extends ReadonlyArray<unknown>>(arbs: { [K in keyof A]: fc.Arbitrary<A[K]> }): fc.Arbitrary<{
  data: Data
  vs: A
  mask: boolean[]
}> =>
  fc.record({
    data: dataArb,
    vs: fc.tuple(...(arbs as unknown as Array<fc.Arbitrary<unknown>>)) as unknown as fc.Arbitrary<A>,
    mask: maskArb(arbs.length)
  })

const runQ = (h: Harness, q: Query<unknown>, mix: Mix): E.Either<DbError, unknown> => h.s.run(q, mix.params)

// -------------------------------------------------------------------------------------
// reads
// -------------------------------------------------------------------------------------

property(
  'select: values in the select list, join ON, filter, where(sql``), having, limit and offset',
  values<[number, number, number, number, number, number, number, number]>([
    small,
    small,
    small,
    small,
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 2 }),
    fc.nat(4),
    fc.nat(2)
  ]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      select(T),
      join(U, and(eq(U.tId, T.id), gt(U.w, m.at<number>(0)))),
      filter(lte(T.v, m.at<number>(1))),
      where(sql`${T.v} + ${m.at<number>(2)} > ${m.at<number>(3)}`),
      columns({ g: T.g, s: sum(U.w), x: sql<number>`max(${T.v}) * ${m.at<number>(4)}` }),
      groupBy(T.g),
      having(gte(countAll(), m.at<number>(5))),
      orderBy(T.g),
      limit(m.at<number>(6)),
      offset(m.at<number>(7)),
      all
    )
    const expected = byHand(
      h,
      `SELECT t.g, sum(u.w), max(t.v) * ? FROM t JOIN u ON u.t_id = t.id AND u.w > ?
       WHERE t.v <= ? AND t.v + ? > ? GROUP BY t.g HAVING count(*) >= ? ORDER BY t.g LIMIT ? OFFSET ?`,
      [vs[4], vs[0], vs[1], vs[2], vs[3], vs[5], vs[6], vs[7]],
      [
        ['g', 'text'],
        ['s', 'number'],
        ['x', 'number']
      ]
    )
    compare({ what: 'select with join/filter/having/limit', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
  }
)

property(
  'window functions: values in the function and in PARTITION BY',
  values<[number, string, number]>([fc.integer({ min: 1, max: 20 }), fc.constantFrom('-', 'x', ''), small]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      select(T),
      columns({
        id: T.id,
        w: over(sum(sql<number>`${T.v} * ${m.at<number>(0)}`), { partitionBy: [sql`${T.g} || ${m.at<string>(1)}`], orderBy: [T.id] })
      }),
      filter(gt(T.v, m.at<number>(2))),
      orderBy(T.id),
      all
    )
    const expected = byHand(
      h,
      `SELECT id, sum(v * ?) OVER (PARTITION BY g || ? ORDER BY id) FROM t WHERE v > ? ORDER BY id`,
      [vs[0], vs[1], vs[2]],
      [
        ['id', 'number'],
        ['w', 'number']
      ]
    )
    compare({ what: 'window function', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
  }
)

property('window functions over timestamp, boolean and json columns decode by kind', values<[number]>([small]), (h, { data, vs, mask }) => {
  load(h, data)
  const m = new Mix(vs, mask)
  const q = pipe(
    select(T),
    columns({
      id: T.id,
      last: over(max(T.at), { partitionBy: [T.g] }),
      any: over(max(T.ok), { partitionBy: [T.g] }),
      doc: over(max(T.doc), { partitionBy: [T.g] })
    }),
    filter(gt(T.v, m.at<number>(0))),
    orderBy(T.id),
    all
  )
  const expected = byHand(
    h,
    `SELECT id, max(at) OVER (PARTITION BY g), max(ok) OVER (PARTITION BY g), max(doc) OVER (PARTITION BY g) FROM t WHERE v > ? ORDER BY id`,
    [vs[0]],
    [
      ['id', 'number'],
      ['last', 'timestamp'],
      ['any', 'boolean'],
      ['doc', 'json']
    ]
  )
  compare({ what: 'window functions decoded by kind', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
})

property(
  'CTE (withQuery): values inside the CTE and in the outer query; CTE columns decoded by kind',
  values<[number, number, number, number]>([small, small, small, fc.nat(5)]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const c = withQuery(
      'c',
      pipe(
        select(T),
        filter(gt(T.v, m.at<number>(0))),
        columns({ id: T.id, g: T.g, v2: sql<number>`${T.v} + ${m.at<number>(1)}`, at: T.at, ok: T.ok, doc: T.doc })
      )
    )
    const q = pipe(select(c), filter(lt(c.v2, m.at<number>(2))), orderBy(c.id), limit(m.at<number>(3)), all)
    const expected = byHand(
      h,
      `WITH c AS (SELECT id, g, v + ? AS v2, at, ok, doc FROM t WHERE v > ?)
       SELECT id, g, v2, at, ok, doc FROM c WHERE v2 < ? ORDER BY id LIMIT ?`,
      [vs[1], vs[0], vs[2], vs[3]],
      [
        ['id', 'number'],
        ['g', 'text'],
        ['v2', 'number'],
        ['at', 'timestamp'],
        ['ok', 'boolean'],
        ['doc', 'json']
      ]
    )
    compare({ what: 'CTE', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
  }
)

property(
  'subqueries: values in scalar(), exists() and inArray(col, select)',
  values<[number, number, number, number]>([small, small, small, small]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      select(T),
      columns({
        id: T.id,
        n: scalar(pipe(select(U), filter(and(eq(U.tId, T.id), gt(U.w, m.at<number>(0)))), columns({ n: countAll() })))
      }),
      filter(exists(pipe(select(U), filter(and(eq(U.tId, T.id), lt(U.w, m.at<number>(1))))))),
      filter(inArray(T.id, pipe(select(U), filter(gte(U.w, m.at<number>(2))), columns({ r: U.tId })))),
      filter(gt(T.v, m.at<number>(3))),
      orderBy(T.id),
      all
    )
    const expected = byHand(
      h,
      `SELECT t.id, (SELECT count(*) FROM u WHERE u.t_id = t.id AND u.w > ?)
       FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id AND u.w < ?) AND t.id IN (SELECT u.t_id FROM u WHERE u.w >= ?) AND t.v > ?
       ORDER BY t.id`,
      [vs[0], vs[1], vs[2], vs[3]],
      [
        ['id', 'number'],
        ['n', 'number']
      ]
    )
    compare({ what: 'subqueries', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
  }
)

property('scalar() subqueries over timestamp and boolean columns decode by kind', values<[number]>([small]), (h, { data, vs, mask }) => {
  load(h, data)
  const m = new Mix(vs, mask)
  const q = pipe(
    select(T),
    columns({
      id: T.id,
      latest: scalar(pipe(select(U), filter(and(eq(U.tId, T.id), gt(U.w, m.at<number>(0)))), columns({ m: max(U.at) }))),
      ok: scalar(pipe(select(T), columns({ m: max(T.ok) })))
    }),
    orderBy(T.id),
    all
  )
  const expected = byHand(
    h,
    `SELECT t.id, (SELECT max(u.at) FROM u WHERE u.t_id = t.id AND u.w > ?), (SELECT max(t2.ok) FROM t AS t2) FROM t ORDER BY t.id`,
    [vs[0]],
    [
      ['id', 'number'],
      ['latest', 'timestamp'],
      ['ok', 'boolean']
    ]
  )
  compare({ what: 'scalar() decoded by kind', mix: m, got: runQ(h, q, m), expected, ordered: true, data })
})

/** A union whose second member writes the same keys in the same order, or in another order. */
const unionProperty = (title: string, reordered: boolean): void =>
  property(title, values<[number, string, number]>([small, word, small]), (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const first = pipe(
      select(T),
      filter(gt(T.v, m.at<number>(0))),
      columns({ id: T.id, k: sql<string>`${T.g} || ${m.at<string>(1)}`, at: T.at })
    )
    const base = pipe(select(U), filter(lt(U.w, m.at<number>(2))))
    // The same columns by key; only the order they are written in differs.
    const second = reordered
      ? pipe(base, columns({ at: U.at, k: U.label, id: U.id }))
      : pipe(base, columns({ id: U.id, k: U.label, at: U.at }))
    const q = pipe(first, union(second), all)
    const expected = byHand(
      h,
      `SELECT id, g || ? AS k, at FROM t WHERE v > ? UNION SELECT id, label, at FROM u WHERE w < ?`,
      [vs[1], vs[0], vs[2]],
      [
        ['id', 'number'],
        ['k', 'text'],
        ['at', 'timestamp']
      ]
    )
    compare({
      what: `union${reordered ? ' (second member keys reordered)' : ''}`,
      mix: m,
      got: runQ(h, q, m),
      expected,
      ordered: false,
      data
    })
  })

unionProperty('union: values in both members; its columns decode by kind', false)
unionProperty('union: a member that writes the same keys in another order gives each key its own value', true)

// -------------------------------------------------------------------------------------
// writes, on twin tables
// -------------------------------------------------------------------------------------

const T_COLUMNS: ReadonlyArray<readonly [string, Kind]> = [
  ['id', 'number'],
  ['g', 'text'],
  ['v', 'number'],
  ['r', 'number'],
  ['at', 'timestamp'],
  ['ok', 'boolean'],
  ['doc', 'json']
]

/** After a write, t (written by the library) and t_ref (written by hand) hold the same rows. */
const sameTables = (h: Harness, r: Pick<Run, 'what' | 'mix' | 'data'>): void => {
  const read = (name: string) => byHand(h, `SELECT id, g, v, r, at, ok, doc FROM ${name} ORDER BY id`, [], T_COLUMNS)
  const lib = read('t')
  const ref = read('t_ref')
  if (canon(lib) !== canon(ref)) {
    throw new G.Mismatch(
      [
        `${r.what}: t and t_ref differ after the write`,
        `values: ${r.mix.describe()}`,
        `data: ${G.printValue(r.data)}`,
        `t_ref: ${canon(ref).slice(0, 1500)}`,
        `t:     ${canon(lib).slice(0, 1500)}`
      ].join('\n')
    )
  }
}

/** Runs hand-written write SQL with RETURNING on t_ref. */
const writeByHand = (
  h: Harness,
  text: string,
  params: ReadonlyArray<unknown>,
  kinds: ReadonlyArray<readonly [string, Kind]>
): unknown[] | string => {
  try {
    return byHand(h, text, params, kinds)
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

property(
  'update: values in set (plain and sql``), filter and returning',
  values<[number, string, number, string, number, Date]>([
    small,
    word,
    small,
    fc.constantFrom('a', 'b', 'c'),
    fc.integer({ min: 1, max: 9 }),
    G.dateArb
  ]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      update(T),
      set({ v: m.at<number>(0), g: sql<string>`${T.g} || ${m.at<string>(1)}`, at: m.at<Date>(5) }),
      filter(and(gt(T.v, m.at<number>(2)), ne(T.g, m.at<string>(3)))),
      returning({ id: T.id, v: T.v, z: sql<number>`${T.v} * ${m.at<number>(4)}`, at: T.at, ok: T.ok })
    )
    const expected = writeByHand(
      h,
      `UPDATE t_ref SET v = ?, g = g || ?, at = ? WHERE v > ? AND g <> ? RETURNING id, v, v * ?, at, ok`,
      [vs[0], vs[1], vs[5], vs[2], vs[3], vs[4]],
      [
        ['id', 'number'],
        ['v', 'number'],
        ['z', 'number'],
        ['at', 'timestamp'],
        ['ok', 'boolean']
      ]
    )
    if (typeof expected === 'string') throw new Error(`the hand-written update failed: ${expected}`)
    const run = { what: 'update ... returning', mix: m, data }
    compare({ ...run, got: runQ(h, q, m), expected, ordered: false })
    sameTables(h, run)
  }
)

property(
  'insert values with onConflictDoUpdate (values in set and where) and returning',
  values<[number, string, number, number, string, number, boolean]>([
    fc.integer({ min: 1, max: 10 }),
    fc.constantFrom('a', 'b', 'c'),
    small,
    small,
    word,
    small,
    fc.boolean()
  ]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      insert(T, { id: m.at<number>(0), g: m.at<string>(1), v: m.at<number>(2), ok: m.at<boolean>(6) }),
      onConflictDoUpdate({
        target: T.id,
        set: { v: m.at<number>(3), g: sql<string>`${T.g} || ${m.at<string>(4)}` },
        where: lt(T.v, m.at<number>(5))
      }),
      returning({ id: T.id, g: T.g, v: T.v, ok: T.ok })
    )
    const expected = writeByHand(
      h,
      `INSERT INTO t_ref (id, g, v, ok) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = ?, g = t_ref.g || ? WHERE t_ref.v < ? RETURNING id, g, v, ok`,
      [vs[0], vs[1], vs[2], vs[6], vs[3], vs[4], vs[5]],
      [
        ['id', 'number'],
        ['g', 'text'],
        ['v', 'number'],
        ['ok', 'boolean']
      ]
    )
    if (typeof expected === 'string') throw new Error(`the hand-written upsert failed: ${expected}`)
    const run = { what: 'insert ... on conflict do update ... returning', mix: m, data }
    compare({ ...run, got: runQ(h, q, m), expected, ordered: false })
    sameTables(h, run)
  }
)

property(
  'deleteFrom: values in filter and in returning',
  values<[number, number, number]>([small, small, small]),
  (h, { data, vs, mask }) => {
    load(h, data)
    const m = new Mix(vs, mask)
    const q = pipe(
      deleteFrom(T),
      filter(between(T.v, m.at<number>(0), m.at<number>(1))),
      returning({ id: T.id, x: sql<number>`${T.v} - ${m.at<number>(2)}`, doc: T.doc })
    )
    const expected = writeByHand(
      h,
      `DELETE FROM t_ref WHERE v BETWEEN ? AND ? RETURNING id, v - ?, doc`,
      [vs[0], vs[1], vs[2]],
      [
        ['id', 'number'],
        ['x', 'number'],
        ['doc', 'json']
      ]
    )
    if (typeof expected === 'string') throw new Error(`the hand-written delete failed: ${expected}`)
    const run = { what: 'delete ... returning', mix: m, data }
    compare({ ...run, got: runQ(h, q, m), expected, ordered: false })
    sameTables(h, run)
  }
)
