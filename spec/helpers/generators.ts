/**
 * fast-check generators of schemas, rows and query specs (spec/helpers/reference.ts), and the
 * builder that turns a spec into a library query value through the public API only.
 *
 * The builder builds the query value and its TypeScript text in one pass (every step is a
 * call by name on the public module, printed as it is made), so the reproduction a failure
 * prints is exactly what ran. In placeholder mode every value (filter, having, join ON,
 * LIKE patterns, IN lists, limit/offset, insert values, set, upsert set and where) is
 * replaced by `placeholder('pN')` and its value is passed as a parameter instead.
 *
 * Values come mostly from small domains, so that filters, joins, groups and conflicts meet
 * each other's values often, plus the edges: the safe integer range, doubles of any
 * magnitude, -0, empty strings, `%` `_` `\` and quotes, ASCII and non-ASCII case pairs,
 * astral characters, U+FFFF (which sorts below astral ones in UTF-8 but not in UTF-16),
 * NUL, dates from year 1 to 9999 and arbitrary JSON.
 */
import * as fc from 'fast-check'
import * as t from 'io-ts'
import * as lib from '../../src/index.js'
import type { AnyColumn, AnyTable, Query } from '../../src/index.js'
import type {
  Agg,
  Assign,
  CmpOp,
  ColRef,
  ColSpec,
  Cond,
  ConflictSpec,
  DeleteSpec,
  InsertSpec,
  Kind,
  OpSpec,
  Operand,
  OrderSpec,
  Schema,
  SelectSpec,
  StoredRow,
  TableSpec,
  Term,
  Terminal,
  UpdateSpec
} from './reference.js'
import { encode, termKind, valueKey } from './reference.js'

// -------------------------------------------------------------------------------------
// running properties
// -------------------------------------------------------------------------------------

const envInt = (name: string): number | undefined => {
  const v = process.env[name]
  return v === undefined || v === '' ? undefined : Number(v)
}

/** FC_SEED replays a run, FC_PATH (with it) goes straight to a counterexample, FC_RUNS sets the number of cases. */
export const SEED = envInt('FC_SEED') ?? Math.floor(Math.random() * 0x7fffffff)
const RUNS = envInt('FC_RUNS')
const PATH = process.env.FC_PATH

/** The library and the reference disagree (the message is the reproduction). */
export class Mismatch extends Error {}

/** What a property needs of ava's test context. */
export interface Reporter {
  log(...values: ReadonlyArray<unknown>): void
  fail(message?: string): void
  pass(message?: string): void
}

/**
 * Runs a property: `runs` cases within `budgetMs` (or FC_RUNS cases with no time limit),
 * logging the seed; a failure reports the shrunk counterexample (a Mismatch's own message, or
 * the stack of anything else thrown) with the seed and path that replay it.
 */
export const checkProperty = <C>(
  t: Reporter,
  file: string,
  arb: fc.Arbitrary<C>,
  run: (c: C) => void,
  runs: number,
  budgetMs: number
): void => {
  t.log(`seed ${SEED} (replay: FC_SEED=${SEED} npx ava ${file})`)
  const out = fc.check(
    fc.property(arb, (c) => {
      run(c)
    }),
    {
      seed: SEED,
      numRuns: RUNS ?? runs,
      ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
      ...(RUNS === undefined ? { plugins: [fc.interruptAfterTimeLimit(budgetMs)] } : {})
    }
  )
  t.log(`${out.numRuns} cases run${out.interrupted ? ' (stopped at the time budget)' : ''}`)
  if (out.failed) {
    const err = out.errorInstance
    const detail = err instanceof Mismatch ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)
    t.fail(
      `seed ${out.seed}, path ${out.counterexamplePath ?? '?'} (replay: FC_SEED=${out.seed} FC_PATH=${out.counterexamplePath ?? ''} npx ava ${file})\n${detail}`
    )
  } else t.pass()
}

// -------------------------------------------------------------------------------------
// values
// -------------------------------------------------------------------------------------

const weighted = <A>(...xs: ReadonlyArray<readonly [number, fc.Arbitrary<A>]>): fc.Arbitrary<A> =>
  fc.oneof(...xs.filter(([weight]) => weight > 0).map(([weight, arbitrary]) => ({ weight, arbitrary })))

export const intArb: fc.Arbitrary<number> = weighted(
  [8, fc.integer({ min: -2, max: 6 })],
  [1, fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })],
  [1, fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 2 ** 31, -(2 ** 31), 2 ** 32)]
)

export const realArb: fc.Arbitrary<number> = weighted(
  [6, fc.constantFrom(0, -0, 0.5, -1.5, 1, 2, 2.5, 3, 0.1, 0.2, 0.3)],
  [2, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })],
  [1, fc.double({ noNaN: true, noDefaultInfinity: true })]
)

/** Characters that make text interesting to LIKE, to quoting, to case folding and to UTF-8 order. */
const CHARS = ['a', 'A', 'b', 'B', 'z', '%', '_', '\\', "'", '"', ' ', 'é', 'É', 'ß', '😀', '\uffff', '\u{10000}', '0']

const textWords = fc.constantFrom(
  '',
  'a',
  'A',
  'ab',
  'Ab',
  'aB',
  'b',
  'abc',
  'a%b',
  'a_b',
  '%',
  '_',
  '\\',
  "it's",
  '"q"',
  'é',
  'É',
  '😀',
  '\uffff'
)

export const textArb: fc.Arbitrary<string> = weighted(
  [5, textWords],
  [4, fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 5 })],
  // Anything well-formed, NUL included (fast-check's 'binary' unit has no lone surrogates).
  [1, fc.string({ unit: 'binary', maxLength: 6 })]
)

/** A needle for contains/startsWith/endsWith: no NUL (the placeholder form refuses one, as documented). */
export const needleArb: fc.Arbitrary<string> = weighted(
  [5, fc.constantFrom('', 'a', 'A', 'b', 'ab', 'B', '%', '_', '\\', 'a%', '_b', 'é', 'É', '😀', "'")],
  [2, fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 3 })]
)

/** A raw LIKE pattern: wildcards meant as wildcards, and now and then a NUL (where SQLite stops reading). */
export const patternArb: fc.Arbitrary<string> = weighted(
  [8, fc.string({ unit: fc.constantFrom('a', 'A', 'b', '%', '_', '\\', 'é', '😀', "'"), maxLength: 4 })],
  [1, fc.string({ unit: fc.constantFrom('a', '%', '_', '\u0000'), maxLength: 4 })]
)

const DATES = [
  '1970-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00.001Z',
  '1999-12-31T23:59:59.999Z',
  '0001-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z'
].map((s) => new Date(s))

export const dateArb: fc.Arbitrary<Date> = weighted(
  [4, fc.constantFrom(...DATES)],
  [1, fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })]
)

export const jsonArb: fc.Arbitrary<unknown> = weighted<unknown>(
  [4, fc.constantFrom<unknown>(1, 2, 'x', 'X', '', [], [1, 2], { a: 1 }, { a: 'x' }, true, false, 0, 1.5)],
  // Top-level JSON null is left out: a json column's null is SQL NULL.
  [1, fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null)]
)

/** A value a column of this kind stores. */
export const valueArb = (kind: Kind): fc.Arbitrary<unknown> => {
  switch (kind) {
    case 'integer':
      return intArb
    case 'real':
      return realArb
    case 'text':
      return textArb
    case 'boolean':
      return fc.boolean()
    case 'timestamp':
      return dateArb
    case 'json':
      return jsonArb
  }
}

/** A value compared with a column of this kind (an integer column may be compared with any number). */
export const compareArb = (kind: Kind): fc.Arbitrary<unknown> =>
  kind === 'integer' ? weighted<unknown>([3, intArb], [1, realArb]) : valueArb(kind)

const chance = (n: number): fc.Arbitrary<boolean> => fc.integer({ min: 1, max: n }).map((x) => x === 1)

// -------------------------------------------------------------------------------------
// schemas and rows
// -------------------------------------------------------------------------------------

const KINDS: ReadonlyArray<Kind> = ['integer', 'real', 'text', 'boolean', 'timestamp', 'json']

const ID: ColSpec = { key: 'id', sqlName: 'id', kind: 'integer', notNull: true, unique: false, primaryKey: true }

const colArb = (key: string): fc.Arbitrary<ColSpec> =>
  fc.constantFrom(...KINDS).chain((kind) =>
    fc
      .record({
        notNull: fc.boolean(),
        unique: chance(4),
        // The SQL name differs from the key now and then (quoted, with a space and a quote).
        sqlName: fc.constantFrom(key, key, `${key}_sql`, `${key} "q"`),
        // A text default goes into the DDL, which cannot hold a NUL (a documented refusal).
        default: fc.option(kind === 'text' ? textArb.filter((x) => !x.includes('\u0000')) : valueArb(kind), { freq: 4 })
      })
      .map(({ notNull, unique, sqlName, default: d }): ColSpec => ({
        key,
        sqlName,
        kind,
        notNull,
        unique,
        ...(d === null ? {} : { default: d })
      }))
  )

export const tableArb = (id: string, fixed: ReadonlyArray<ColSpec> = [], max = 4): fc.Arbitrary<TableSpec> =>
  fc
    .integer({ min: 1, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => colArb(`c${i + 1}`))))
    .map((cols) => ({ id, columns: [ID, ...fixed, ...cols] }))

/** `b.ref`: the column joins use, holding ids of `a` (or not, or null). */
export const REF: ColSpec = { key: 'ref', sqlName: 'ref', kind: 'integer', notNull: false, unique: false }

/** A row of values for a table's columns (every NOT NULL column given). */
const rowArb = (tbl: TableSpec): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      ...tbl.columns.map((c): fc.Arbitrary<readonly [string, unknown]> => {
        // An id clash between initial rows is resolved below (the row gets the next free id).
        if (c.primaryKey === true)
          return weighted([6, fc.integer({ min: 1, max: 8 })], [1, fc.integer({ min: -2, max: 0 })]).map((v) => [c.key, v])
        if (c.key === 'ref') return fc.option(fc.integer({ min: 0, max: 8 }), { freq: 5 }).map((v) => [c.key, v])
        const v = valueArb(c.kind)
        return (c.notNull ? v : fc.option(v, { freq: 4 })).map((x) => [c.key, x])
      })
    )
    .map((entries) => Object.fromEntries(entries))

/**
 * Rows for a table: a clashing id is replaced by the next free one, and a row that clashes
 * with an earlier one on a unique column is dropped.
 */
export const rowsArb = (tbl: TableSpec, maxLength = 10): fc.Arbitrary<Array<Record<string, unknown>>> =>
  fc.array(rowArb(tbl), { maxLength, size: '+1' }).map((rows) => {
    const keys = tbl.columns.filter((c) => c.unique)
    const seen = new Map(keys.map((c) => [c.key, new Set<string>()]))
    const ids = new Set<number>()
    const out: Array<Record<string, unknown>> = []
    for (const r of rows) {
      const ks = keys.map((c) => [c.key, encode(c.kind, r[c.key])] as const)
      if (ks.some(([k, v]) => v !== null && seen.get(k)!.has(valueKey(v)))) continue
      for (const [k, v] of ks) if (v !== null) seen.get(k)!.add(valueKey(v))
      let id = r.id as number
      while (ids.has(id)) id = Math.max(...ids) + 1
      ids.add(id)
      out.push({ ...r, id })
    }
    return out
  })

/** Rows as SQLite stores them. */
export const storedRows = (tbl: TableSpec, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): StoredRow[] =>
  rows.map((r) => Object.fromEntries(tbl.columns.map((c) => [c.key, encode(c.kind, r[c.key] ?? null)])))

// -------------------------------------------------------------------------------------
// conditions
// -------------------------------------------------------------------------------------

/** The initial rows of a case, by table: conditions and inserts draw values from them. */
export type Data = Readonly<Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>>

/** A column a condition may use, with the values it holds (so that conditions meet the data). */
export interface ScopeCol {
  readonly ref: ColRef
  readonly kind: Kind
  readonly pool: ReadonlyArray<unknown>
}

export const scopeOf = (schema: Schema, tables: ReadonlyArray<string>, data: Data = {}): ScopeCol[] =>
  tables.flatMap((tid) =>
    (schema[tid]?.columns ?? []).map((c) => ({
      ref: { t: tid, key: c.key },
      kind: c.kind,
      pool: (data[tid] ?? []).map((r) => r[c.key]).filter((v) => v !== null && v !== undefined)
    }))
  )

/** A value to compare with a column: often one it holds, else any of its kind. */
const poolArb = (kind: Kind, pool: ReadonlyArray<unknown>): fc.Arbitrary<unknown> =>
  pool.length === 0 ? compareArb(kind) : weighted<unknown>([3, fc.constantFrom(...pool)], [2, compareArb(kind)])

const numeric = (k: Kind): boolean => k === 'integer' || k === 'real'

/** Kinds that compare with each other without conversions (the library's types allow these). */
const comparable = (a: Kind, b: Kind): boolean => a === b || (numeric(a) && numeric(b))

const CMP_OPS: ReadonlyArray<CmpOp> = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte']

const operandArb = (kind: Kind, pool: ReadonlyArray<unknown>, others: ReadonlyArray<ScopeCol>): fc.Arbitrary<Operand> => {
  const cols = others.filter((o) => comparable(kind, o.kind))
  return weighted<Operand>(
    [8, poolArb(kind, pool).map((value) => ({ value }))],
    [1, fc.constant({ value: null })],
    ...(cols.length === 0 ? [] : ([[2, fc.constantFrom(...cols).map((c) => ({ col: c.ref }))]] as const))
  )
}

const leafFor = (left: Term, kind: Kind, pool: ReadonlyArray<unknown>, scope: ReadonlyArray<ScopeCol>): fc.Arbitrary<Cond> => {
  const options: Array<readonly [number, fc.Arbitrary<Cond>]> = [
    [
      6,
      fc
        .record({ op: fc.constantFrom(...CMP_OPS), right: operandArb(kind, pool, scope) })
        .map(({ op, right }): Cond => ({ tag: 'cmp', op, left, right }))
    ],
    [
      2,
      fc
        .record({ low: operandArb(kind, pool, scope), high: operandArb(kind, pool, scope) })
        .map(({ low, high }): Cond => ({ tag: 'between', left, low, high }))
    ],
    [
      2,
      fc
        .record({ negated: fc.boolean(), list: fc.array(weighted([8, poolArb(kind, pool)], [1, fc.constant(null)]), { maxLength: 4 }) })
        .map(({ negated, list }): Cond => ({ tag: 'in', negated, left, list }))
    ],
    [2, fc.boolean().map((negated): Cond => ({ tag: 'isNull', negated, left }))]
  ]
  if (kind === 'text' && 'col' in left) {
    options.push([2, patternArb.map((pattern): Cond => ({ tag: 'like', left, pattern }))])
    options.push([
      3,
      fc
        .record({ tag: fc.constantFrom('contains' as const, 'startsWith' as const, 'endsWith' as const), needle: needleArb })
        .map(({ tag, needle }): Cond => ({ tag, left, needle }))
    ])
  }
  return weighted(...options)
}

const leafArb = (scope: ReadonlyArray<ScopeCol>): fc.Arbitrary<Cond> =>
  fc.constantFrom(...scope).chain((sc) => leafFor({ col: sc.ref }, sc.kind, sc.pool, scope))

const combine = (leaf: fc.Arbitrary<Cond>, depth: number): fc.Arbitrary<Cond> => {
  if (depth <= 0) return leaf
  const sub = combine(leaf, depth - 1)
  return weighted<Cond>(
    [5, leaf],
    [2, fc.record({ tag: fc.constantFrom('and' as const, 'or' as const), items: fc.array(sub, { maxLength: 3 }) })],
    [1, sub.map((item): Cond => ({ tag: 'not', item }))]
  )
}

/** A condition over the columns of `scope`, nested up to `depth` and/or/not levels. */
export const condArb = (scope: ReadonlyArray<ScopeCol>, depth = 2): fc.Arbitrary<Cond> => combine(leafArb(scope), depth)

/** The conditions of a WHERE (several filter() calls are AND-ed): mostly none or one. */
export const whereArb = (scope: ReadonlyArray<ScopeCol>, depth = 2): fc.Arbitrary<Cond[]> =>
  weighted<Cond[]>(
    [3, fc.constant([])],
    [5, condArb(scope, depth).map((c) => [c])],
    [2, fc.array(condArb(scope, depth), { minLength: 2, maxLength: 3 })]
  )

// -------------------------------------------------------------------------------------
// selects
// -------------------------------------------------------------------------------------

const orderTermArb = (term: Term): fc.Arbitrary<OrderSpec> =>
  fc
    .record({
      dir: fc.constantFrom('asc' as const, 'desc' as const),
      nulls: fc.option(fc.constantFrom('first' as const, 'last' as const), { freq: 3 })
    })
    .map(({ dir, nulls }) => ({ term, dir, ...(nulls === null ? {} : { nulls }) }))

const idOrder = (t: string): OrderSpec => ({ term: { col: { t, key: 'id' } }, dir: 'asc' })

/** Restricts what needs a determined order (limit, offset, first, value) to queries that have one. */
const needsOrder = (terminal: Terminal): boolean => terminal.tag === 'first' || terminal.tag === 'value'

interface SelectDraft {
  readonly where: ReadonlyArray<Cond>
  readonly projection: ReadonlyArray<ScopeCol> | null
  readonly distinct: boolean
  readonly userOrder: ReadonlyArray<OrderSpec>
  readonly total: boolean
  readonly limit: number | null
  readonly offset: number | null
  readonly terminal: Terminal
}

const terminalArb = (scope: ReadonlyArray<ScopeCol>): fc.Arbitrary<Terminal> =>
  weighted<Terminal>(
    [6, fc.constant({ tag: 'all' as const })],
    [1, fc.constantFrom({ tag: 'first' as const }, { tag: 'one' as const }, { tag: 'count' as const }, { tag: 'exists' as const })],
    [1, fc.record({ tag: fc.constantFrom('value' as const, 'values' as const), col: fc.constantFrom(...scope.map((s) => s.ref)) })]
  )

/** A select over `from` (joined to `join` when given) with no aggregates. */
export const selectArb = (
  schema: Schema,
  data: Data,
  from: string,
  join?: { table: string; kind: 'inner' | 'left' | 'both'; on: fc.Arbitrary<Cond> }
): fc.Arbitrary<SelectSpec> => {
  const tables = join === undefined ? [from] : [from, join.table]
  const scope = scopeOf(schema, tables, data)
  const draft = fc.record({
    where: whereArb(scope),
    projection: fc.option(
      fc.uniqueArray(fc.constantFrom(...scope), { minLength: 1, maxLength: 4, selector: (s) => `${s.ref.t}.${s.ref.key}` }),
      {
        freq: 3
      }
    ),
    distinct: chance(4),
    userOrder: fc.array(
      fc.constantFrom(...scope).chain((s) => orderTermArb({ col: s.ref })),
      { maxLength: 3 }
    ),
    total: fc.boolean(),
    limit: fc.option(fc.nat(5), { freq: 3 }),
    offset: fc.option(fc.nat(4), { freq: 4 }),
    terminal: terminalArb(scope)
  })
  const joinArb =
    join === undefined
      ? fc.constant(undefined)
      : fc.record({ kind: join.kind === 'both' ? fc.constantFrom('inner' as const, 'left' as const) : fc.constant(join.kind), on: join.on })
  return fc
    .tuple(draft, joinArb)
    .chain(([d, j]) => finishSelect(d, from, tables, j === undefined ? undefined : { ...j, table: join!.table }))
}

const finishSelect = (d: SelectDraft, from: string, tables: ReadonlyArray<string>, join: SelectSpec['join']): fc.Arbitrary<SelectSpec> => {
  const single = d.terminal.tag === 'value' || d.terminal.tag === 'values' ? d.terminal.col : undefined
  const projection =
    single === undefined && d.projection !== null ? d.projection.map((s, i) => ({ key: `k${i}`, term: { col: s.ref } })) : undefined
  // With DISTINCT on a projection, ORDER BY may use only what is projected (then it is total).
  const distinctCols: ReadonlyArray<Term> | undefined = !d.distinct
    ? undefined
    : single !== undefined
      ? [{ col: single }]
      : projection !== undefined
        ? projection.map((f) => f.term)
        : undefined
  const orderArb: fc.Arbitrary<{ orderBy: ReadonlyArray<OrderSpec>; total: boolean }> =
    distinctCols !== undefined
      ? d.total
        ? fc.tuple(...distinctCols.map(orderTermArb)).map((orderBy) => ({ orderBy, total: true }))
        : fc.constant({ orderBy: [], total: false })
      : fc.constant({ orderBy: d.total ? [...d.userOrder, ...tables.map(idOrder)] : d.userOrder, total: d.total })
  return orderArb.map(({ orderBy, total }): SelectSpec => {
    const terminal = !total && needsOrder(d.terminal) ? { tag: 'all' as const } : d.terminal
    return {
      op: 'select',
      from,
      ...(join === undefined ? {} : { join }),
      where: d.where,
      ...(projection === undefined ? {} : { projection }),
      groupBy: [],
      having: [],
      distinct: d.distinct,
      orderBy,
      ...(total && d.limit !== null ? { limit: d.limit } : {}),
      ...(total && d.offset !== null ? { offset: d.offset } : {}),
      terminal
    }
  })
}

/** An aggregate over the columns of `scope` (the library's types allow sum/avg on numbers only). */
const aggArb = (scope: ReadonlyArray<ScopeCol>): fc.Arbitrary<Agg> => {
  const nums = scope.filter((s) => numeric(s.kind))
  return weighted<Agg>(
    [2, fc.constant({ fn: 'countAll' as const })],
    [
      3,
      fc.record({
        fn: fc.constantFrom('count' as const, 'countDistinct' as const, 'min' as const, 'max' as const),
        col: fc.constantFrom(...scope.map((s) => s.ref))
      })
    ],
    ...(nums.length === 0
      ? []
      : ([
          [4, fc.record({ fn: fc.constantFrom('sum' as const, 'avg' as const), col: fc.constantFrom(...nums.map((s) => s.ref)) })]
        ] as const))
  )
}

/** A grouped select: group columns and aggregates, HAVING over both, ordered by the groups (or not at all). */
export const aggregateArb = (
  schema: Schema,
  data: Data,
  from: string,
  join?: { table: string; on: fc.Arbitrary<Cond> }
): fc.Arbitrary<SelectSpec> => {
  const tables = join === undefined ? [from] : [from, join.table]
  const scope = scopeOf(schema, tables, data)
  return fc
    .record({
      where: whereArb(scope, 1),
      groups: fc.uniqueArray(fc.constantFrom(...scope), { maxLength: 2, selector: (s) => `${s.ref.t}.${s.ref.key}` }),
      aggs: fc.array(aggArb(scope), { minLength: 1, maxLength: 3 }),
      ordered: fc.boolean(),
      limit: fc.option(fc.nat(3), { freq: 4 }),
      offset: fc.option(fc.nat(2), { freq: 6 }),
      terminal: weighted<Terminal>(
        [5, fc.constant({ tag: 'all' as const })],
        [1, fc.constantFrom({ tag: 'count' as const }, { tag: 'exists' as const }, { tag: 'first' as const })]
      ),
      join:
        join === undefined ? fc.constant(undefined) : fc.record({ kind: fc.constantFrom('inner' as const, 'left' as const), on: join.on })
    })
    .chain((d) => {
      const groupScope: ScopeCol[] = d.groups
      const aggTerms = d.aggs.map((agg): { agg: Agg } => ({ agg }))
      const havingLeaf = weighted<Cond>(
        [3, fc.constantFrom(...aggTerms).chain((term) => leafFor(term, termKind(schema, term), [], []))],
        ...(groupScope.length === 0 ? [] : ([[1, leafArb(groupScope)]] as const))
      )
      const orderArb = d.ordered && d.groups.length > 0 ? fc.tuple(...d.groups.map((g) => orderTermArb({ col: g.ref }))) : fc.constant([])
      const havingArb = weighted<Cond[]>(
        [3, fc.constant([])],
        [4, combine(havingLeaf, 1).map((c) => [c])],
        [1, fc.array(combine(havingLeaf, 1), { minLength: 2, maxLength: 2 })]
      )
      return fc.tuple(havingArb, orderArb).map(([having, orderBy]): SelectSpec => {
        // One row without GROUP BY; otherwise the order is total only when it names every group column.
        const total = d.groups.length === 0 || orderBy.length === d.groups.length
        const terminal = !total && needsOrder(d.terminal) ? { tag: 'all' as const } : d.terminal
        return {
          op: 'select',
          from,
          ...(d.join === undefined ? {} : { join: { ...d.join, table: join!.table } }),
          where: d.where,
          projection: [
            ...d.groups.map((g, i) => ({ key: `g${i}`, term: { col: g.ref } })),
            ...aggTerms.map((term, i) => ({ key: `a${i}`, term }))
          ],
          groupBy: d.groups.map((g) => g.ref),
          having,
          distinct: false,
          orderBy,
          // Without GROUP BY there is one row: offset past it now and then, not most of the time.
          ...(total && d.limit !== null ? { limit: d.limit } : {}),
          ...(total && d.offset !== null && (d.groups.length > 0 || d.offset === 1) ? { offset: d.offset } : {}),
          terminal
        }
      })
    })
}

/** `b.ref = a.id`, sometimes AND-ed with a condition over both tables (values in the ON clause). */
export const joinOnArb = (schema: Schema, data: Data, a: string, b: string): fc.Arbitrary<Cond> => {
  const link: Cond = { tag: 'cmp', op: 'eq', left: { col: { t: b, key: 'ref' } }, right: { col: { t: a, key: 'id' } } }
  return fc
    .option(condArb(scopeOf(schema, [a, b], data), 1), { freq: 2 })
    .map((extra) => (extra === null ? link : { tag: 'and', items: [link, extra] }))
}

// -------------------------------------------------------------------------------------
// writes
// -------------------------------------------------------------------------------------

/** Values for an insert: optional columns left out or given; now and then a bad null (a ValidationError). */
const insertRowArb = (tbl: TableSpec, data: Data): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      ...tbl.columns.map((c): fc.Arbitrary<readonly [string, unknown]> => {
        if (c.primaryKey === true) return fc.option(fc.integer({ min: -2, max: 14 }), { freq: 3 }).map((v) => [c.key, v ?? undefined])
        // A unique column often gets a value it already holds: a conflict.
        const held = c.unique ? (data[tbl.id] ?? []).map((r) => r[c.key]).filter((v) => v !== null && v !== undefined) : []
        const any = c.key === 'ref' ? fc.integer({ min: -1, max: 8 }) : valueArb(c.kind)
        const given = held.length === 0 ? any : weighted<unknown>([1, fc.constantFrom(...held)], [2, any])
        const optional = !c.notNull || c.default !== undefined
        return weighted<unknown>(
          [30, given],
          [optional ? 10 : 0, fc.constant(undefined)],
          [c.notNull ? 0 : 10, fc.constant(null)],
          // A NOT NULL column given null or left out with no default: a ValidationError, rarely.
          [c.notNull ? 1 : 0, fc.constantFrom(null, undefined)]
        ).map((v) => [c.key, v])
      })
    )
    .map((entries) => Object.fromEntries(entries.filter(([, v]) => v !== undefined)))

const assignArb = (c: ColSpec, sources: ReadonlyArray<ScopeCol>): fc.Arbitrary<Assign> => {
  // A unique column (or the id) is set only to a constant: then checking the final state is
  // exactly SQLite's row-by-row check, whatever order it visits rows in.
  const keyLike = c.primaryKey === true || c.unique
  const copies = keyLike ? [] : sources.filter((s) => comparable(c.kind, s.kind))
  const given =
    c.key === 'ref' ? fc.integer({ min: -1, max: 8 }) : c.primaryKey === true ? fc.integer({ min: -2, max: 14 }) : valueArb(c.kind)
  return weighted<Operand>(
    [24, given.map((value) => ({ value }))],
    // A literal null into a NOT NULL column is a ValidationError (rarely, on purpose).
    [c.notNull ? 1 : 12, fc.constant({ value: null })],
    [copies.length === 0 ? 0 : 12, fc.constantFrom(...(copies.length === 0 ? sources : copies)).map((s) => ({ col: s.ref }))]
  ).map((value) => ({ key: c.key, value }))
}

/** One to three assignments, mostly to columns other than the id. */
const setArb = (tbl: TableSpec, sources: ReadonlyArray<ScopeCol>): fc.Arbitrary<Assign[]> => {
  const cols = tbl.columns.filter((c) => c.primaryKey !== true)
  const pick = weighted([8, fc.constantFrom(...cols)], [1, fc.constant(tbl.columns[0]!)])
  return fc
    .uniqueArray(pick, { minLength: 1, maxLength: 3, selector: (c) => c.key })
    .chain((cs) => fc.tuple(...cs.map((c) => assignArb(c, sources))))
}

export const insertArb = (
  tbl: TableSpec,
  data: Data,
  conflicts: fc.Arbitrary<ReadonlyArray<ConflictSpec>> = fc.constant([])
): fc.Arbitrary<InsertSpec> =>
  fc.record({ rows: fc.array(insertRowArb(tbl, data), { minLength: 1, maxLength: 3 }), conflicts }).map(({ rows, conflicts: cs }) => ({
    op: 'insert',
    table: tbl.id,
    rows,
    conflicts: cs
  }))

/** One to two ON CONFLICT clauses; only the last may have no target (as SQLite requires). */
export const conflictsArb = (schema: Schema, data: Data, tbl: TableSpec): fc.Arbitrary<ConflictSpec[]> => {
  const targets = tbl.columns.filter((c) => c.primaryKey === true || c.unique).map((c) => c.key)
  const own = scopeOf(schema, [tbl.id], data)
  const excludedScope = own.map((s) => ({ ...s, ref: { t: 'excluded', key: s.ref.key } }))
  const clause = (last: boolean): fc.Arbitrary<ConflictSpec> =>
    weighted<ConflictSpec>(
      [
        2,
        (last ? fc.option(fc.constantFrom(...targets), { freq: 2 }) : fc.constantFrom(...targets)).map((target): ConflictSpec =>
          target === null ? { tag: 'nothing' } : { tag: 'nothing', target }
        )
      ],
      [
        5,
        fc
          .record({
            target: fc.constantFrom(...targets),
            set: setArb(tbl, [...own, ...excludedScope]),
            where: fc.option(condArb([...own, ...excludedScope], 1), { freq: 2 })
          })
          .map(({ target, set, where }): ConflictSpec => ({ tag: 'update', target, set, ...(where === null ? {} : { where }) }))
      ]
    )
  return weighted<ConflictSpec[]>([3, clause(true).map((c) => [c])], [1, fc.tuple(clause(false), clause(true)).map((cs) => [...cs])])
}

export const updateArb = (schema: Schema, data: Data, tbl: TableSpec): fc.Arbitrary<UpdateSpec> => {
  const scope = scopeOf(schema, [tbl.id], data)
  return fc
    .record({ set: setArb(tbl, scope), where: whereArb(scope), allRows: weighted([4, fc.constant(true)], [1, fc.constant(false)]) })
    .map(({ set, where, allRows }) => ({ op: 'update', table: tbl.id, set, where, allRows: where.length === 0 && allRows }))
}

export const deleteArb = (schema: Schema, data: Data, tbl: TableSpec): fc.Arbitrary<DeleteSpec> => {
  const scope = scopeOf(schema, [tbl.id], data)
  return fc
    .record({ where: whereArb(scope), allRows: weighted([4, fc.constant(true)], [1, fc.constant(false)]) })
    .map(({ where, allRows }) => ({ op: 'delete', table: tbl.id, where, allRows: where.length === 0 && allRows }))
}

// -------------------------------------------------------------------------------------
// the builder: spec -> library value and its TypeScript text
// -------------------------------------------------------------------------------------

/** A library value together with the TypeScript that makes it. */
export interface D {
  readonly v: unknown
  readonly s: string
}

type Fn = (...args: ReadonlyArray<unknown>) => unknown

const LIB = lib as unknown as Readonly<Record<string, unknown>>

const fnOf = (name: string): Fn => {
  const f = LIB[name]
  if (typeof f !== 'function') throw new Error(`the public API has no function ${name}`)
  return f as Fn
}

/** A call of a public function by name. */
export const call = (name: string, ...args: ReadonlyArray<D>): D => ({
  v: fnOf(name)(...args.map((a) => a.v)),
  s: `${name}(${args.map((a) => a.s).join(', ')})`
})

/** A public value used as it is (`all`, `distinct`, `count`, ...). */
export const ref = (name: string): D => ({ v: LIB[name], s: name })

export const pipeD = (start: D, ...steps: ReadonlyArray<D>): D => ({
  v: steps.reduce((acc, f) => (f.v as Fn)(acc), start.v),
  s: `pipe(${[start.s, ...steps.map((f) => f.s)].join(', ')})`
})

export const arr = (items: ReadonlyArray<D>): D => ({ v: items.map((i) => i.v), s: `[${items.map((i) => i.s).join(', ')}]` })

const propName = (k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k))

export const obj = (entries: ReadonlyArray<readonly [string, D]>): D => ({
  v: Object.fromEntries(entries.map(([k, d]) => [k, d.v])),
  s: entries.length === 0 ? '{}' : `{ ${entries.map(([k, d]) => `${propName(k)}: ${d.s}`).join(', ')} }`
})

/** A value as TypeScript source. */
export const printValue = (v: unknown): string => {
  if (v === undefined) return 'undefined'
  if (v === null) return 'null'
  if (v instanceof Date) return `new Date(${JSON.stringify(v.toISOString())})`
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(printValue).join(', ')}]`
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${propName(k)}: ${printValue(x)}`).join(', ')} }`
  }
  return typeof v === 'boolean' ? String(v) : typeof v
}

export const lit = (v: unknown): D => ({ v, s: printValue(v) })

/** Where values go: literally, or as placeholders whose values are collected as params. */
export class Binder {
  readonly params: Record<string, unknown> = {}
  private n = 0
  constructor(readonly mode: 'literal' | 'placeholder') {}
  val(v: unknown): D {
    if (this.mode === 'literal') return lit(v)
    const name = `p${this.n++}`
    this.params[name] = v
    return call('placeholder', lit(name))
  }
}

/** A library table of a spec, under its physical name, with the TypeScript that defines it. */
export const buildTable = (tbl: TableSpec, physical: string): D => {
  const col = (c: ColSpec): D => {
    const name = c.sqlName === c.key ? [] : [lit(c.sqlName)]
    let b: D =
      c.kind === 'json'
        ? {
            v: lib.json(t.unknown, c.sqlName === c.key ? undefined : c.sqlName),
            s: `json(t.unknown${name.map((n) => `, ${n.s}`).join('')})`
          }
        : call(c.kind, ...name)
    const method = (m: string, ...args: ReadonlyArray<D>): D => ({
      v: ((b.v as Record<string, Fn>)[m] as Fn)(...args.map((a) => a.v)),
      s: `${b.s}.${m}(${args.map((a) => a.s).join(', ')})`
    })
    if (c.primaryKey === true) b = method('primaryKey')
    if (c.notNull && c.primaryKey !== true) b = method('notNull')
    if (c.unique) b = method('unique')
    if (c.default !== undefined) b = method('default', lit(c.default))
    return b
  }
  return call('table', lit(physical), obj(tbl.columns.map((c) => [c.key, col(c)])))
}

export interface Env {
  /** Library tables by logical name. */
  readonly tables: Readonly<Record<string, D>>
  readonly bind: Binder
  /** The table an upsert writes (what `excluded(...)` refers to). */
  readonly target?: string
}

const columnD = (env: Env, r: ColRef): D => {
  if (r.t === 'excluded') {
    if (env.target === undefined) throw new Error('excluded() outside an upsert')
    return call('excluded', columnD(env, { t: env.target, key: r.key }))
  }
  const tbl = env.tables[r.t]
  if (tbl === undefined) throw new Error(`no table ${r.t}`)
  return { v: (tbl.v as Record<string, AnyColumn>)[r.key], s: `${tbl.s}.${propName(r.key)}` }
}

const aggD = (env: Env, a: Agg): D => {
  switch (a.fn) {
    case 'countAll':
      return call('countAll')
    case 'count':
      return call('countOf', columnD(env, a.col))
    case 'countDistinct':
      return call('countOf', columnD(env, a.col), obj([['distinct', lit(true)]]))
    default:
      return call(a.fn, columnD(env, a.col))
  }
}

const termD = (env: Env, t: Term): D => ('col' in t ? columnD(env, t.col) : aggD(env, t.agg))

const operandD = (env: Env, o: Operand): D => ('col' in o ? columnD(env, o.col) : env.bind.val(o.value))

export const condD = (env: Env, c: Cond): D => {
  switch (c.tag) {
    case 'cmp':
      return call(c.op, termD(env, c.left), operandD(env, c.right))
    case 'between':
      return call('between', termD(env, c.left), operandD(env, c.low), operandD(env, c.high))
    case 'in':
      // The placeholder form binds the whole list as one value.
      return call(
        c.negated ? 'notInArray' : 'inArray',
        termD(env, c.left),
        env.bind.mode === 'literal' ? lit(c.list) : env.bind.val(c.list)
      )
    case 'like':
      return call('like', termD(env, c.left), env.bind.val(c.pattern))
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return call(c.tag, termD(env, c.left), env.bind.val(c.needle))
    case 'isNull':
      return call(c.negated ? 'isNotNull' : 'isNull', termD(env, c.left))
    case 'and':
    case 'or':
      return call(c.tag, ...c.items.map((x) => condD(env, x)))
    case 'not':
      return call('not', condD(env, c.item))
  }
}

const orderD = (env: Env, o: OrderSpec): D =>
  call(o.dir, termD(env, o.term), ...(o.nulls === undefined ? [] : [obj([['nulls', lit(o.nulls)]])]))

export const selectD = (env: Env, q: SelectSpec): D => {
  const steps: D[] = []
  if (q.join !== undefined)
    steps.push(call(q.join.kind === 'inner' ? 'join' : 'leftJoin', env.tables[q.join.table]!, condD(env, q.join.on)))
  for (const w of q.where) steps.push(call('filter', condD(env, w)))
  if (q.projection !== undefined) steps.push(call('columns', obj(q.projection.map((f) => [f.key, termD(env, f.term)]))))
  if (q.groupBy.length > 0) steps.push(call('groupBy', ...q.groupBy.map((g) => columnD(env, g))))
  for (const h of q.having) steps.push(call('having', condD(env, h)))
  if (q.distinct) steps.push(ref('distinct'))
  if (q.orderBy.length > 0) steps.push(call('orderBy', ...q.orderBy.map((o) => orderD(env, o))))
  if (q.limit !== undefined) steps.push(call('limit', env.bind.val(q.limit)))
  if (q.offset !== undefined) steps.push(call('offset', env.bind.val(q.offset)))
  const term = q.terminal
  steps.push(term.tag === 'value' || term.tag === 'values' ? call(term.tag, columnD(env, term.col)) : ref(term.tag))
  return pipeD(call('select', env.tables[q.from]!), ...steps)
}

const setD = (env: Env, set: ReadonlyArray<Assign>): D => obj(set.map((a) => [a.key, operandD(env, a.value)]))

export const insertD = (env: Env, w: InsertSpec): D => {
  const rows = w.rows.map((r) => obj(Object.entries(r).map(([k, v]) => [k, env.bind.val(v)])))
  const ins = call('insert', env.tables[w.table]!, rows.length === 1 ? rows[0]! : arr(rows))
  const inner: Env = { ...env, target: w.table }
  const steps = w.conflicts.map((cl) => {
    const target = cl.target === undefined ? [] : [columnD(env, { t: w.table, key: cl.target })]
    if (cl.tag === 'nothing') return call('onConflictDoNothing', ...target)
    const entries: Array<readonly [string, D]> = [
      ['target', target[0]!],
      ['set', setD(inner, cl.set)]
    ]
    if (cl.where !== undefined) entries.push(['where', condD(inner, cl.where)])
    return call('onConflictDoUpdate', obj(entries))
  })
  return steps.length === 0 ? ins : pipeD(ins, ...steps)
}

export const updateD = (env: Env, w: UpdateSpec): D => {
  const steps: D[] = [call('set', setD(env, w.set))]
  for (const c of w.where) steps.push(call('filter', condD(env, c)))
  if (w.allRows) steps.push(ref('allRows'))
  return pipeD(call('update', env.tables[w.table]!), ...steps)
}

export const deleteD = (env: Env, w: DeleteSpec): D => {
  const steps: D[] = []
  for (const c of w.where) steps.push(call('filter', condD(env, c)))
  if (w.allRows) steps.push(ref('allRows'))
  return pipeD(call('deleteFrom', env.tables[w.table]!), ...steps)
}

export const opD = (env: Env, op: OpSpec): D => {
  switch (op.op) {
    case 'select':
      return selectD(env, op)
    case 'insert':
      return insertD(env, op)
    case 'update':
      return updateD(env, op)
    case 'delete':
      return deleteD(env, op)
  }
}

/** The library table behind a built table value. */
export const tableOf = (d: D): AnyTable => d.v as AnyTable

/** The query value behind a built query. */
export const queryOf = (d: D): Query<unknown> => d.v as Query<unknown>
