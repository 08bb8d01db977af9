/**
 * The structural compile cache (src/query/shape.ts): query values built fresh on every call,
 * of random shapes, each shape met with several value vectors. For every value vector:
 * - the SQL and params through the cache (the shape learnt from earlier vectors) equal the
 *   full compile's (the cache cleared first, on another value built the same way);
 * - the rows equal hand-written SQL run through better-sqlite3 directly, its values in their
 *   textual positions (never the library's SQL text).
 * Plus the edges: same-named tables of different schemas, values that a shape must not
 * bypass (a refused limit), long inArray lists (a parameter made from values), placeholders
 * beside values, the bound.
 *
 * FC_SEED / FC_PATH / FC_RUNS replay and lengthen runs as in spec/differential.test.ts.
 */
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import test from 'ava'
import Database from 'better-sqlite3'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Expr, Query } from '../src/index.js'
import {
  all,
  and,
  between,
  connect,
  contains,
  count,
  createTable,
  eq,
  filter,
  first,
  gt,
  inArray,
  integer,
  join,
  limit,
  lt,
  ne,
  not,
  offset,
  or,
  orderBy,
  placeholder,
  returning,
  select,
  session,
  set,
  sql,
  table,
  text,
  toSQL,
  update
} from '../src/index.js'
import { shapes } from '../src/query/compile.js'
import { BUCKET_KEYS, SHAPE_CAPACITY, shapeCache } from '../src/query/shape.js'
import { compileUncached } from '../src/query/compile/statement.js'
import { tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'
import { Mismatch, SEED, checkProperty } from './helpers/generators.js'

const T = table('t', { id: integer().primaryKey(), g: text().notNull(), v: integer().notNull() })
const U = table('u', { id: integer().primaryKey(), tId: integer('t_id'), w: integer().notNull() })

const setup = () => {
  const path = tempDbPath()
  const s = session(connect(path, { pragmas: { synchronous: 'OFF' } }))
  unwrap(s.run(createTable(T)))
  unwrap(s.run(createTable(U)))
  const raw = new Database(path)
  raw.pragma('busy_timeout = 5000')
  // Rows from a fixed LCG: the same for every run, values in the small range the conditions draw from.
  let x = 7
  const next = (n: number) => (x = (x * 1103515245 + 12345) % 2147483648) % n
  raw.transaction(() => {
    const it = raw.prepare('INSERT INTO t (id, g, v) VALUES (?, ?, ?)')
    for (let i = 1; i <= 12; i++) it.run(i, ['a', 'b', 'ab', 'Ba', 'c'][next(5)], next(9) - 2)
    const iu = raw.prepare('INSERT INTO u (id, t_id, w) VALUES (?, ?, ?)')
    for (let i = 1; i <= 15; i++) iu.run(i, next(14), next(9) - 2)
  })()
  return { s, raw }
}

// -------------------------------------------------------------------------------------
// random shapes: each builds a query value from a value vector, and the same by hand
// -------------------------------------------------------------------------------------

/** Values are taken in the order the builder meets them; the hand-written SQL keeps its own order. */
class Values {
  i = 0
  constructor(readonly vs: ReadonlyArray<number>) {}
  take(): number {
    return this.vs[this.i++ % this.vs.length]!
  }
}

interface Built {
  readonly e: Expr<boolean>
  readonly sql: string
  readonly ps: ReadonlyArray<unknown>
}

type Cond = (v: Values, joined: boolean) => Built

const col = (name: 'id' | 'v' | 'w', joined: boolean) =>
  name === 'w' && joined
    ? { c: U.w as Expr<number>, s: 'u.w' }
    : name === 'id'
      ? { c: T.id as Expr<number>, s: 't.id' }
      : { c: T.v as Expr<number>, s: 't.v' }

const leafArb: fc.Arbitrary<Cond> = fc.oneof(
  fc
    .tuple(fc.constantFrom('=', '>', '<', '<>' as const), fc.constantFrom('id', 'v', 'w' as const))
    .map(([op, name]): Cond => (v, joined) => {
      const { c, s } = col(name, joined)
      const x = v.take()
      const e = op === '=' ? eq(c, x) : op === '>' ? gt(c, x) : op === '<' ? lt(c, x) : ne(c, x)
      return { e, sql: `${s} ${op} ?`, ps: [x] }
    }),
  fc.constantFrom('id', 'v' as const).map((name): Cond => (v, joined) => {
    const { c, s } = col(name, joined)
    const lo = v.take()
    const hi = v.take()
    return { e: between(c, lo, hi), sql: `${s} BETWEEN ? AND ?`, ps: [lo, hi] }
  }),
  fc.integer({ min: 1, max: 5 }).map((n): Cond => (v) => {
    const xs = Array.from({ length: n }, () => v.take())
    return { e: inArray(T.v, xs), sql: `t.v IN (${xs.map(() => '?').join(', ')})`, ps: xs }
  }),
  // Past 100 values inArray binds one JSON array, a parameter made from the values: not learnt, still right.
  fc.constant<Cond>((v) => {
    const xs = Array.from({ length: 120 }, (_, i) => (i % 7 === 0 ? v.take() : 100 + i))
    return { e: inArray(T.id, xs), sql: `t.id IN (SELECT value FROM json_each(?))`, ps: [JSON.stringify(xs)] }
  }),
  fc
    .constantFrom('a', 'b', 'B', '%' as const)
    .map((needle): Cond => () => ({ e: contains(T.g, needle), sql: `instr(lower(t.g), lower(?)) > 0`, ps: [needle] })),
  // A sql template: values inside native SQL, in its text order.
  fc.constant<Cond>((v) => {
    const a = v.take()
    const b = v.take()
    return { e: sql<boolean>`${T.v} + ${a} > ${b}`, sql: `t.v + ? > ?`, ps: [a, b] }
  })
)

const condArb: fc.Arbitrary<Cond> = fc.letrec<{ cond: Cond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.tuple(fc.constantFrom('and', 'or' as const), tie('cond'), tie('cond')).map(([op, a, b]): Cond => (v, joined) => {
      const x = a(v, joined)
      const y = b(v, joined)
      return { e: op === 'and' ? and(x.e, y.e) : or(x.e, y.e), sql: `(${x.sql}) ${op.toUpperCase()} (${y.sql})`, ps: [...x.ps, ...y.ps] }
    }),
    tie('cond').map((a): Cond => (v, joined) => {
      const x = a(v, joined)
      return { e: not(x.e), sql: `NOT (${x.sql})`, ps: x.ps }
    })
  )
})).cond

interface ShapeSpec {
  readonly joined: boolean
  readonly where: ReadonlyArray<Cond>
  readonly terminal: 'all' | 'first' | 'count'
  readonly limit: boolean
  readonly offset: boolean
}

const shapeArb: fc.Arbitrary<ShapeSpec> = fc.record({
  joined: fc.boolean(),
  where: fc.array(condArb, { maxLength: 3 }),
  terminal: fc.constantFrom('all', 'first', 'count' as const),
  limit: fc.boolean(),
  offset: fc.boolean()
})

interface Case {
  readonly q: Query<unknown>
  readonly sql: string
  readonly ps: ReadonlyArray<unknown>
}

/** The query value for one value vector, and the hand-written SQL giving the ids it should read. */
const build = (spec: ShapeSpec, vs: ReadonlyArray<number>): Case => {
  const v = new Values(vs)
  // The join's ON takes a value: it comes before WHERE's in the text.
  const on = spec.joined ? v.take() : 0
  const conds = spec.where.map((c) => c(v, spec.joined))
  const lim = spec.limit ? Math.abs(v.take()) : undefined
  const off = spec.offset ? Math.abs(v.take()) : undefined
  // Typed loosely: the shape is chosen at run time.
  const base = (spec.joined ? pipe(select(T), join(U, and(eq(U.tId, T.id), gt(U.w, on)))) : select(T)) as unknown as ReturnType<
    typeof select<typeof T>
  >
  const filtered = conds.length === 0 ? base : pipe(base, filter(conds.length === 1 ? conds[0]!.e : and(...conds.map((c) => c.e))))
  const ordered = spec.joined ? pipe(filtered, orderBy(T.id, U.id)) : pipe(filtered, orderBy(T.id))
  const limited = lim === undefined ? ordered : pipe(ordered, limit(lim))
  const paged = off === undefined ? limited : pipe(limited, offset(off))
  const q = (
    spec.terminal === 'all' ? all(paged as never) : spec.terminal === 'first' ? first(paged as never) : count(paged as never)
  ) as Query<unknown>
  const from = spec.joined ? 't JOIN u ON u.t_id = t.id AND u.w > ?' : 't'
  const where = conds.length === 0 ? '' : ` WHERE ${conds.map((c) => `(${c.sql})`).join(' AND ')}`
  const order = spec.joined ? ' ORDER BY t.id, u.id' : ' ORDER BY t.id'
  const limitSql =
    spec.terminal === 'first'
      ? ` LIMIT ${lim === undefined ? '1' : 'min(?, 1)'}`
      : lim === undefined
        ? off === undefined
          ? ''
          : ' LIMIT -1'
        : ' LIMIT ?'
  const offsetSql = off === undefined ? '' : ' OFFSET ?'
  const inner = `SELECT t.id AS id FROM ${from}${where}${order}${limitSql}${offsetSql}`
  const ps = [
    ...(spec.joined ? [on] : []),
    ...conds.flatMap((c) => c.ps),
    ...(lim === undefined ? [] : [lim]),
    ...(off === undefined ? [] : [off])
  ]
  return { q, sql: spec.terminal === 'count' ? `SELECT count(*) AS n FROM (${inner})` : inner, ps }
}

/** The ids a result holds (rows of t, or joined rows nesting t), or its count. */
const idsOf = (terminal: ShapeSpec['terminal'], r: unknown): unknown => {
  if (terminal === 'count') return r
  const rows =
    terminal === 'first'
      ? (r as { _tag: string; value?: unknown })._tag === 'Some'
        ? [(r as { value: unknown }).value]
        : []
      : (r as unknown[])
  return rows.map((row) => {
    const o = row as { id?: number; t?: { id: number } }
    return o.t !== undefined ? o.t.id : o.id
  })
}

const expected = (raw: Database.Database, terminal: ShapeSpec['terminal'], c: Case): unknown =>
  terminal === 'count'
    ? (raw.prepare(c.sql).get(...c.ps) as { n: number }).n
    : (raw.prepare(c.sql).all(...c.ps) as Array<{ id: number }>).map((r) => r.id)

test('fresh values of random shapes: the same SQL and params as the full compile, the same rows as hand-written SQL', (t) => {
  const { s, raw } = setup()
  const vectors = fc.array(fc.array(fc.integer({ min: -3, max: 9 }), { minLength: 12, maxLength: 12 }), { minLength: 4, maxLength: 6 })
  checkProperty(
    t,
    'spec/shape-cache.test.ts',
    fc.tuple(shapeArb, vectors),
    ([spec, vss]) => {
      // The reference SQL text of each vector: the full compile, the cache emptied first.
      const full = vss.map((vs) => {
        shapes.clear()
        return toSQL(build(spec, vs).q)
      })
      shapes.clear()
      vss.forEach((vs, i) => {
        const c = build(spec, vs)
        const got = toSQL(c.q)
        if (JSON.stringify(got) !== JSON.stringify(full[i])) {
          throw new Mismatch(`vector ${i}: through the cache ${JSON.stringify(got)}\nfull compile ${JSON.stringify(full[i])}`)
        }
        // A value built anew (not the one compiled above): the session's own fast path.
        const r = s.run(build(spec, vs).q)
        if (E.isLeft(r)) throw new Mismatch(`vector ${i}: ${r.left.message}`)
        const want = expected(raw, spec.terminal, c)
        const have = idsOf(spec.terminal, r.right)
        if (JSON.stringify(have) !== JSON.stringify(want)) {
          throw new Mismatch(
            `vector ${i} ${JSON.stringify(vs)}: ids ${JSON.stringify(have)}, hand-written SQL ${JSON.stringify(want)}\n${c.sql} ${JSON.stringify(c.ps)}`
          )
        }
      })
    },
    150,
    20_000
  )
  raw.close()
})

test('a shape is learnt on its second meeting and then answers without compiling', (t) => {
  const { s } = setup()
  shapes.clear()
  const byId = (id: number) => pipe(select(T), filter(eq(T.id, id)), first)
  unwrap(s.run(byId(1)))
  unwrap(s.run(byId(2)))
  const hit = shapes.direct(byId(3))
  t.truthy(hit)
  t.deepEqual(hit?.params, [3])
  // The very same SQL string object each time: the statement cache hashes nothing new.
  t.is(hit?.compiled.statements[0]?.sql, shapes.direct(byId(4) as Query<unknown>)?.compiled.statements[0]?.sql)
  t.log(`seed ${SEED}`)
})

test('tables named alike in different schemas are different shapes (kinds and codecs by table identity)', (t) => {
  const path = tempDbPath()
  const s = session(connect(path))
  const asText = table('x', { id: integer().primaryKey(), a: text() })
  const asInt = table('x', { id: integer().primaryKey(), a: integer() })
  unwrap(s.run(createTable(asText)))
  const raw = new Database(path)
  raw.prepare('INSERT INTO x (id, a) VALUES (1, ?)').run('7')
  shapes.clear()
  for (let i = 0; i < 3; i++) {
    // A text column reads its text; the same name read as an integer column refuses a text value (a DecodeError).
    t.deepEqual(s.run(pipe(select(asText), filter(eq(asText.id, 1)), first)), E.right({ _tag: 'Some', value: { id: 1, a: '7' } }) as never)
    t.is(unwrapLeft(s.run(pipe(select(asInt), filter(eq(asInt.id, 1)), first)))._tag, 'DecodeError')
  }
  raw.close()
})

test('a value the compiler refuses is refused on every call, whatever shape was learnt', (t) => {
  const { s } = setup()
  shapes.clear()
  const page = (n: number) => pipe(select(T), orderBy(T.id), limit(n), all)
  for (let i = 0; i < 3; i++) t.is((unwrap(s.run(page(2))) as unknown[]).length, 2)
  t.is(unwrapLeft(s.run(page(-1)))._tag, 'ValidationError')
  t.is(unwrapLeft(s.run(page(1.5)))._tag, 'ValidationError')
  t.is((unwrap(s.run(page(3))) as unknown[]).length, 3)
})

test('placeholders beside values in fresh values: each bound where it stands', (t) => {
  const { s, raw } = setup()
  shapes.clear()
  for (let i = 0; i < 6; i++) {
    const lo = (i % 4) - 2
    const q = pipe(select(T), filter(and(gt(T.v, lo), lt(T.id, placeholder('hi')))), orderBy(T.id), all)
    const want = (raw.prepare('SELECT id FROM t WHERE v > ? AND id < ? ORDER BY id').all(lo, 4 + i) as Array<{ id: number }>).map(
      (r) => r.id
    )
    t.deepEqual(
      (unwrap(s.run(q, { hi: 4 + i })) as Array<{ id: number }>).map((r) => r.id),
      want
    )
  }
})

test('fresh updates with values in SET, WHERE and RETURNING agree with hand-written SQL on a twin table', (t) => {
  const { s, raw } = setup()
  raw.exec('CREATE TABLE t_ref AS SELECT * FROM t')
  shapes.clear()
  for (let i = 0; i < 8; i++) {
    const q = pipe(update(T), set({ v: i * 3 }), filter(and(eq(T.id, (i % 5) + 1), gt(T.v, i - 4))), returning({ id: T.id, v: T.v }))
    const got = unwrap(s.run(q)) as Array<{ id: number; v: number }>
    const want = raw.prepare('UPDATE t_ref SET v = ? WHERE id = ? AND v > ? RETURNING id, v').all(i * 3, (i % 5) + 1, i - 4)
    t.deepEqual(got, want as never)
  }
  t.deepEqual(raw.prepare('SELECT * FROM t ORDER BY id').all(), raw.prepare('SELECT * FROM t_ref ORDER BY id').all())
})

test(`the cache keeps at most ${SHAPE_CAPACITY} shapes`, (t) => {
  const { s } = setup()
  shapes.clear()
  // 2 * capacity shapes (an inArray list's length by the number of extra conditions), each met twice.
  for (let n = 0; n < 2 * SHAPE_CAPACITY; n++) {
    const xs = Array.from({ length: (n % 40) + 1 }, (_, i) => i)
    const extra = Array.from({ length: Math.floor(n / 40) }, (_, i) => gt(T.v, -10 - i))
    const q = () => pipe(select(T), filter(and(inArray(T.id, xs), ...extra)), count)
    unwrap(s.run(q()))
    unwrap(s.run(q()))
  }
  t.true(shapes.size() <= SHAPE_CAPACITY)
})

test('100,000 fresh values of 1,000 shapes: the heap does not grow past the cache bound', (t) => {
  // As spec/memory.test.ts: a gc function without --expose-gc on the command line.
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  shapes.clear()
  // 1,000 shapes: an inArray list of 1..25 values by 0..39 extra conditions.
  const build = (n: number, salt: number) => {
    const xs = Array.from({ length: (n % 25) + 1 }, (_, i) => i + salt)
    const extra = Array.from({ length: Math.floor(n / 25) % 40 }, (_, i) => gt(T.v, salt - i))
    return pipe(select(T), filter(and(inArray(T.id, xs), ...extra)), count)
  }
  const pass = (salt: number) => {
    for (let n = 0; n < 1000; n++) if (E.isLeft(toSQL(build(n, salt)))) throw new Error(`shape ${n} did not compile`)
  }
  // Warm-up: every shape met twice, so every one is learnt.
  pass(0)
  pass(1)
  gc()
  const before = process.memoryUsage().heapUsed
  for (let round = 2; round < 100; round++) pass(round)
  gc()
  const growth = process.memoryUsage().heapUsed - before
  t.log(`heap growth over 98,000 more values: ${Math.round(growth / 1024)} KB; ${shapes.size()} shapes kept`)
  t.true(shapes.size() <= SHAPE_CAPACITY)
  t.true(growth < 16 * 1024 * 1024, `the heap grew by ${Math.round(growth / 1024 / 1024)} MB`)
})

test('keys whose hashes collide stay apart: every value compiles to what the full compiler gives, and the bucket stays bounded', (t) => {
  const { s, raw } = setup()
  // Every key in one bucket: the keys are told apart by their atoms alone.
  const colliding = shapeCache(compileUncached, SHAPE_CAPACITY, () => 0)
  // Shapes that differ only in sql text of the same length and ends, in an operator, in a
  // column, and in a list's length: more of them than a bucket keeps (BUCKET_KEYS).
  const shapesOf: ReadonlyArray<readonly [string, (k: number) => Query<unknown>, (k: number) => unknown[]]> = [
    [
      'v + 1 > k',
      (k) => pipe(select(T), filter(sql<boolean>`${T.v} + 1 > ${k}`), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE v + 1 > ? ORDER BY id').all(k)
    ],
    [
      'v + 2 > k',
      (k) => pipe(select(T), filter(sql<boolean>`${T.v} + 2 > ${k}`), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE v + 2 > ? ORDER BY id').all(k)
    ],
    [
      'v > k',
      (k) => pipe(select(T), filter(gt(T.v, k)), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE v > ? ORDER BY id').all(k)
    ],
    [
      'v < k',
      (k) => pipe(select(T), filter(lt(T.v, k)), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE v < ? ORDER BY id').all(k)
    ],
    [
      'id < k',
      (k) => pipe(select(T), filter(lt(T.id, k)), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE id < ? ORDER BY id').all(k)
    ],
    [
      'id in (k, k+1)',
      (k) => pipe(select(T), filter(inArray(T.id, [k, k + 1])), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE id IN (?, ?) ORDER BY id').all(k, k + 1)
    ],
    [
      'id in (k)',
      (k) => pipe(select(T), filter(inArray(T.id, [k])), orderBy(T.id), all),
      (k) => raw.prepare('SELECT * FROM t WHERE id IN (?) ORDER BY id').all(k)
    ]
  ]
  t.true(shapesOf.length > BUCKET_KEYS)
  for (let round = 0; round < 4; round++)
    for (const [name, build, byHand] of shapesOf)
      for (const k of [round - 1, round + 3]) {
        const viaCache = unwrap(colliding.compile(build(k)))
        const viaFull = unwrap(compileUncached(build(k)))
        t.deepEqual(viaCache.statements, viaFull.statements, `${name}, k = ${k}, round ${round}`)
        // And the rows of that very compiled statement, beside hand-written SQL.
        const st = viaCache.statements[0]!
        t.deepEqual(raw.prepare(st.sql).all(...(st.params as unknown[])), byHand(k), `${name}, k = ${k}`)
      }
  t.true(colliding.size() <= BUCKET_KEYS, `${colliding.size()} keys kept in the one bucket`)
  s.close()
  raw.close()
})
