/**
 * A reference model of what fp-lite-orm's queries mean, over plain arrays of objects: the
 * oracle of spec/differential.test.ts. It imports nothing from the library, so a bug there
 * cannot hide here.
 *
 * Queries and writes are described by small plain specs (below); spec/helpers/generators.ts
 * turns the same spec into a library query value, and this module evaluates it with SQLite's
 * semantics, each settled against sqlite3 itself through better-sqlite3 (see the notes at
 * each rule):
 *
 * - NULL is three-valued: a comparison with NULL is NULL, `NOT NULL` is NULL, a WHERE keeps
 *   only true. `x IN ()` is false and `x NOT IN ()` true even for a NULL x.
 * - Numbers compare by value (integer against real too) and sort before text; text compares
 *   by its UTF-8 bytes (BINARY), which is code point order, not JavaScript's UTF-16 order.
 * - ORDER BY puts NULLs first ascending and last descending, unless NULLS FIRST/LAST says.
 * - LIKE folds ASCII letters only, `_` is one character, and sees text and pattern only up to
 *   their first NUL (sqlite3 reads both as C strings).
 * - sum() of integers is an exact integer (NULL for no values); sum() of reals is SQLite's
 *   Kahan-Babuska-Neumaier sum (checked bit for bit against sqlite3 on 3,000 random groups);
 *   avg() is real.
 * - A REAL column stores -0 as 0. A new rowid is the largest rowid + 1 (1 in an empty table),
 *   negative or not.
 * - An upsert runs the first ON CONFLICT clause whose target the row conflicts on (a clause
 *   with no target matches any conflict); a conflict no clause names is an error.
 *
 * Where the library's contract says more than SQL does, the contract rules:
 * `contains/startsWith/endsWith` mean "the text contains the needle" (ASCII case-insensitive;
 * stored text is read up to its first NUL, the documented limit),
 * `eq(x, v)` means `x = v` whether v is a literal or a placeholder's value, and a plain
 * integer result beyond Number.MAX_SAFE_INTEGER is a DecodeError, never a rounded number.
 */

// -------------------------------------------------------------------------------------
// schema and values
// -------------------------------------------------------------------------------------

export type Kind = 'integer' | 'real' | 'text' | 'boolean' | 'timestamp' | 'json'

/** A value as SQLite holds it. bigint only for an aggregate beyond 2^53 (which must not decode). */
export type Stored = number | bigint | string | null

export interface ColSpec {
  readonly key: string
  /** The SQL name (the key unless the schema renames it). */
  readonly sqlName: string
  readonly kind: Kind
  readonly notNull: boolean
  readonly unique: boolean
  /** A default value (a value of the kind) for inserts that leave the column out. */
  readonly default?: unknown
  readonly primaryKey?: boolean
}

/** A table: its first column is always `id`, an INTEGER PRIMARY KEY. */
export interface TableSpec {
  /** The logical name ('a', 'b'); the physical name is chosen per run. */
  readonly id: string
  readonly columns: ReadonlyArray<ColSpec>
}

export type StoredRow = Readonly<Record<string, Stored>>

/** Tables by logical name, rows in any order. */
export type Model = Readonly<Record<string, ReadonlyArray<StoredRow>>>

export type Schema = Readonly<Record<string, TableSpec>>

/** How the library stores a value of a kind (what a literal or a bound value becomes). */
export const encode = (kind: Kind, v: unknown): Stored => {
  if (v === null) return null
  switch (kind) {
    case 'integer':
    case 'real':
      // A REAL column keeps -0 as 0 (and -0 = 0 in every comparison anyway).
      return (v as number) === 0 ? 0 : (v as number)
    case 'text':
      return v as string
    case 'boolean':
      return v === true ? 1 : 0
    case 'timestamp':
      return (v as Date).toISOString()
    case 'json':
      return JSON.stringify(v)
  }
}

/** What a stored value of a kind reads back as. */
export const decode = (kind: Kind, s: Stored): unknown => {
  if (s === null) return null
  switch (kind) {
    case 'boolean':
      return s === 1
    case 'timestamp':
      return new Date(s as string)
    case 'json':
      return JSON.parse(s as string) as unknown
    default:
      return s
  }
}

// -------------------------------------------------------------------------------------
// comparison
// -------------------------------------------------------------------------------------

/** A UTF-16 unit mapped so that unit order is code point (= UTF-8 byte) order for well-formed text. */
const unitRank = (c: number): number => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c)

/** BINARY collation: UTF-8 bytes, a prefix first. */
export const compareText = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return unitRank(x) - unitRank(y)
  }
  return a.length - b.length
}

/** SQLite's order of two non-null values: numbers by value, before text. */
export const compareValues = (a: Stored, b: Stored): number => {
  const an = typeof a === 'number' || typeof a === 'bigint'
  const bn = typeof b === 'number' || typeof b === 'bigint'
  if (an && bn) return a < b ? -1 : a > b ? 1 : 0
  if (an) return -1
  if (bn) return 1
  return compareText(a as string, b as string)
}

/** A key under which values SQLite holds equal (DISTINCT, GROUP BY, UNIQUE) are equal. */
export const valueKey = (v: Stored): string =>
  v === null ? 'z' : typeof v === 'string' ? `s${v}` : `n${typeof v === 'bigint' ? v.toString() : String(v === 0 ? 0 : v)}`

const rowKey = (vs: ReadonlyArray<Stored>): string => JSON.stringify(vs.map(valueKey))

// -------------------------------------------------------------------------------------
// query specs (shared with generators.ts, which builds library queries from them)
// -------------------------------------------------------------------------------------

/** A column of a table in the query, or of `excluded` (the proposed row of an upsert). */
export interface ColRef {
  readonly t: string
  readonly key: string
}

export type Agg =
  { readonly fn: 'countAll' } | { readonly fn: 'count' | 'countDistinct' | 'sum' | 'avg' | 'min' | 'max'; readonly col: ColRef }

export type Term = { readonly col: ColRef } | { readonly agg: Agg }

/** The other side of an operator: a value (null included) or a column. */
export type Operand = { readonly value: unknown } | { readonly col: ColRef }

export type CmpOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'

export type Cond =
  | { readonly tag: 'cmp'; readonly op: CmpOp; readonly left: Term; readonly right: Operand }
  | { readonly tag: 'between'; readonly left: Term; readonly low: Operand; readonly high: Operand }
  | { readonly tag: 'in'; readonly negated: boolean; readonly left: Term; readonly list: ReadonlyArray<unknown> }
  | { readonly tag: 'like'; readonly left: Term; readonly pattern: string }
  | { readonly tag: 'contains' | 'startsWith' | 'endsWith'; readonly left: Term; readonly needle: string }
  | { readonly tag: 'isNull'; readonly negated: boolean; readonly left: Term }
  | { readonly tag: 'and' | 'or'; readonly items: ReadonlyArray<Cond> }
  | { readonly tag: 'not'; readonly item: Cond }

export interface OrderSpec {
  readonly term: Term
  readonly dir: 'asc' | 'desc'
  readonly nulls?: 'first' | 'last'
}

export type Terminal =
  { readonly tag: 'all' | 'first' | 'one' | 'count' | 'exists' } | { readonly tag: 'value' | 'values'; readonly col: ColRef }

export interface SelectSpec {
  readonly op: 'select'
  readonly from: string
  readonly join?: { readonly kind: 'inner' | 'left'; readonly table: string; readonly on: Cond }
  readonly where: ReadonlyArray<Cond>
  readonly projection?: ReadonlyArray<{ readonly key: string; readonly term: Term }>
  readonly groupBy: ReadonlyArray<ColRef>
  readonly having: ReadonlyArray<Cond>
  readonly distinct: boolean
  /** Rows that tie under it may come in any order (see `Outcome.runs`). */
  readonly orderBy: ReadonlyArray<OrderSpec>
  readonly limit?: number
  readonly offset?: number
  readonly terminal: Terminal
}

/** `set` of an update or of DO UPDATE: a value, a column of the row, or `excluded(col)`. */
export interface Assign {
  readonly key: string
  readonly value: Operand
}

export type ConflictSpec =
  | { readonly tag: 'nothing'; readonly target?: string }
  | { readonly tag: 'update'; readonly target: string; readonly set: ReadonlyArray<Assign>; readonly where?: Cond }

export interface InsertSpec {
  readonly op: 'insert'
  readonly table: string
  /** Values by key; a missing key is left out of the insert (default, auto id or NULL). */
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly conflicts: ReadonlyArray<ConflictSpec>
}

export interface UpdateSpec {
  readonly op: 'update'
  readonly table: string
  readonly set: ReadonlyArray<Assign>
  readonly where: ReadonlyArray<Cond>
  readonly allRows: boolean
}

export interface DeleteSpec {
  readonly op: 'delete'
  readonly table: string
  readonly where: ReadonlyArray<Cond>
  readonly allRows: boolean
}

export type OpSpec = SelectSpec | InsertSpec | UpdateSpec | DeleteSpec

// -------------------------------------------------------------------------------------
// kinds of terms
// -------------------------------------------------------------------------------------

export const colSpec = (schema: Schema, ref: ColRef, excludedTable?: string): ColSpec => {
  const t = ref.t === 'excluded' ? excludedTable : ref.t
  const c = t === undefined ? undefined : schema[t]?.columns.find((x) => x.key === ref.key)
  if (c === undefined) throw new Error(`reference model: no column ${ref.t}.${ref.key}`)
  return c
}

/** How a term's values are encoded and decoded (the library's `kindOf`). */
export const termKind = (schema: Schema, term: Term, excludedTable?: string): Kind => {
  if ('col' in term) return colSpec(schema, term.col, excludedTable).kind
  const a = term.agg
  switch (a.fn) {
    case 'countAll':
    case 'count':
    case 'countDistinct':
      return 'integer'
    case 'avg':
      return 'real'
    case 'sum':
      return colSpec(schema, a.col).kind === 'integer' ? 'integer' : 'real'
    case 'min':
    case 'max':
      return colSpec(schema, a.col).kind
  }
}

// -------------------------------------------------------------------------------------
// evaluation of conditions
// -------------------------------------------------------------------------------------

type TV = boolean | null

/** The rows a condition sees: each table's row, null for the missing side of a left join. */
export type Scope = Readonly<Record<string, StoredRow | null>>

interface Ctx {
  readonly schema: Schema
  readonly col: (r: ColRef) => Stored
  readonly agg: (a: Agg) => Stored
  /** The table `excluded` stands for (upserts). */
  readonly excludedTable?: string
}

const rowCtx = (schema: Schema, scope: Scope, excludedTable?: string): Ctx => ({
  schema,
  col: (r) => {
    if (!(r.t in scope)) throw new Error(`reference model: table ${r.t} is not in scope`)
    const row = scope[r.t]
    return row === null || row === undefined ? null : (row[r.key] ?? null)
  },
  agg: () => {
    throw new Error('reference model: an aggregate outside a group')
  },
  ...(excludedTable === undefined ? {} : { excludedTable })
})

const and3 = (a: TV, b: TV): TV => (a === false || b === false ? false : a === null || b === null ? null : true)
const or3 = (a: TV, b: TV): TV => (a === true || b === true ? true : a === null || b === null ? null : false)
const not3 = (a: TV): TV => (a === null ? null : !a)

const cmp3 = (op: CmpOp, a: Stored, b: Stored): TV => {
  if (a === null || b === null) return null
  const c = compareValues(a, b)
  switch (op) {
    case 'eq':
      return c === 0
    case 'ne':
      return c !== 0
    case 'gt':
      return c > 0
    case 'gte':
      return c >= 0
    case 'lt':
      return c < 0
    case 'lte':
      return c <= 0
  }
}

const termValue = (ctx: Ctx, t: Term): Stored => ('col' in t ? ctx.col(t.col) : ctx.agg(t.agg))

const operandValue = (ctx: Ctx, o: Operand, kind: Kind): Stored => ('col' in o ? ctx.col(o.col) : encode(kind, o.value))

/** ASCII-only case folding, as SQLite's LIKE does. */
export const foldAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

const upToNul = (s: string): string => {
  const i = s.indexOf('\u0000')
  return i < 0 ? s : s.slice(0, i)
}

/** SQLite's LIKE without ESCAPE: `%` any run, `_` one character, ASCII case-insensitive. */
export const likeMatch = (text: string, pattern: string): boolean => {
  const s = [...foldAscii(upToNul(text))]
  const p = [...foldAscii(upToNul(pattern))]
  // dp[j]: whether p[0..i) matches s[0..j)
  let dp: boolean[] = Array.from({ length: s.length + 1 }, (_, j) => j === 0)
  for (const pc of p) {
    const next: boolean[] = Array.from({ length: s.length + 1 }, () => false)
    if (pc === '%') {
      let any = false
      for (let j = 0; j <= s.length; j++) {
        any = any || dp[j] === true
        next[j] = any
      }
    } else {
      for (let j = 1; j <= s.length; j++) next[j] = dp[j - 1] === true && (pc === '_' || pc === s[j - 1])
    }
    dp = next
  }
  return dp[s.length] === true
}

export const evalCond = (ctx: Ctx, c: Cond): TV => {
  switch (c.tag) {
    case 'cmp': {
      const kind = termKind(ctx.schema, c.left, ctx.excludedTable)
      const l = termValue(ctx, c.left)
      // eq/ne with a null value are IS NULL / IS NOT NULL (the documented rule).
      if (!('col' in c.right) && c.right.value === null && (c.op === 'eq' || c.op === 'ne')) return c.op === 'eq' ? l === null : l !== null
      return cmp3(c.op, l, operandValue(ctx, c.right, kind))
    }
    case 'between': {
      const kind = termKind(ctx.schema, c.left, ctx.excludedTable)
      const l = termValue(ctx, c.left)
      return and3(cmp3('gte', l, operandValue(ctx, c.low, kind)), cmp3('lte', l, operandValue(ctx, c.high, kind)))
    }
    case 'in': {
      if (c.list.length === 0) return c.negated
      const kind = termKind(ctx.schema, c.left, ctx.excludedTable)
      const l = termValue(ctx, c.left)
      if (l === null) return null
      const items = c.list.map((v) => encode(kind, v))
      const found: TV = items.some((v) => v !== null && compareValues(l, v) === 0) ? true : items.some((v) => v === null) ? null : false
      return c.negated ? not3(found) : found
    }
    case 'like': {
      const l = termValue(ctx, c.left)
      return l === null ? null : likeMatch(String(l), c.pattern)
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const l = termValue(ctx, c.left)
      if (l === null) return null
      // The one documented limit (README "Limits", docs/errors.md, the test.failing in
      // spec/fuzz.test.ts): the LIKE helpers read stored text up to its first NUL, as
      // SQLite's LIKE does; reading past it would cost ~1.8x on every scan (measured).
      const h = foldAscii(upToNul(String(l)))
      const n = foldAscii(c.needle)
      return c.tag === 'contains' ? h.includes(n) : c.tag === 'startsWith' ? h.startsWith(n) : h.endsWith(n)
    }
    case 'isNull': {
      const isNull = termValue(ctx, c.left) === null
      return c.negated ? !isNull : isNull
    }
    case 'and':
      return c.items.reduce<TV>((acc, x) => and3(acc, evalCond(ctx, x)), true)
    case 'or':
      return c.items.reduce<TV>((acc, x) => or3(acc, evalCond(ctx, x)), false)
    case 'not':
      return not3(evalCond(ctx, c.item))
  }
}

// -------------------------------------------------------------------------------------
// aggregates
// -------------------------------------------------------------------------------------

/** SQLite's sum of REAL values: Kahan-Babuska-Neumaier, the error term dropped when it overflowed. */
export const kbnSum = (xs: ReadonlyArray<number>): number => {
  let s = 0
  let err = 0
  for (const r of xs) {
    const t = s + r
    err += Math.abs(s) > Math.abs(r) ? s - t + r : r - t + s
    s = t
  }
  return Number.isFinite(err) ? s + err : s
}

const exactInt = (b: bigint): number | bigint =>
  b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b

const aggregate = (schema: Schema, a: Agg, rows: ReadonlyArray<Scope>): Stored => {
  if (a.fn === 'countAll') return rows.length
  const vals = rows.map((s) => rowCtx(schema, s).col(a.col)).filter((v): v is number | string => v !== null)
  const kind = colSpec(schema, a.col).kind
  switch (a.fn) {
    case 'count':
      return vals.length
    case 'countDistinct':
      return new Set(vals.map(valueKey)).size
    case 'sum':
    case 'avg': {
      if (vals.length === 0) return null
      const nums = vals as number[]
      if (kind === 'integer') {
        const total = nums.reduce((acc, x) => acc + BigInt(x), 0n)
        return a.fn === 'sum' ? exactInt(total) : Number(total) / nums.length
      }
      const total = kbnSum(nums)
      return a.fn === 'sum' ? total : total / nums.length
    }
    case 'min':
    case 'max': {
      if (vals.length === 0) return null
      return vals.reduce((best, v) => (a.fn === 'min' ? (compareValues(v, best) < 0 ? v : best) : compareValues(v, best) > 0 ? v : best))
    }
  }
}

const groupCtx = (schema: Schema, rows: ReadonlyArray<Scope>): Ctx => ({
  schema,
  // A grouped column has one value per group; outside GROUP BY the generator uses none.
  col: (r) => (rows.length === 0 ? null : rowCtx(schema, rows[0]!).col(r)),
  agg: (a) => aggregate(schema, a, rows)
})

// -------------------------------------------------------------------------------------
// results
// -------------------------------------------------------------------------------------

/** What a query value should give: a Right value, or a Left of this `_tag`. */
export type Outcome =
  | {
      readonly ok: true
      readonly value: unknown
      /**
       * For a list: the sizes of its runs of rows that ORDER BY ties (so any order within a
       * run is right). A total order gives runs of one; no ORDER BY, one run of everything.
       */
      readonly runs?: ReadonlyArray<number>
    }
  | { readonly ok: false; readonly tag: string; readonly why: string }

export const right = (value: unknown, runs?: ReadonlyArray<number>): Outcome =>
  runs === undefined ? { ok: true, value } : { ok: true, value, runs }
export const left = (tag: string, why: string): Outcome => ({ ok: false, tag, why })

/**
 * A canonical text of a result value, equal for values the library may return for the same
 * answer (object keys in any order) and different otherwise (a Date is not its ISO string,
 * 1 is not '1', a missing key is not null).
 */
export const canon = (v: unknown): string =>
  JSON.stringify(v, function (this: unknown, k: string, x: unknown): unknown {
    // JSON.stringify calls toJSON before the replacer: read the raw value from the holder
    // (for the top level, a wrapper { '': v }).
    const raw = (this as Record<string, unknown>)[k]
    if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? 'Invalid Date' : raw.toISOString() }
    if (typeof raw === 'bigint') return { $bigint: raw.toString() }
    if (raw === undefined) return { $undefined: true }
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { $number: String(raw) }
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const o = raw as Record<string, unknown>
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((key) => [key, o[key]])
      )
    }
    return x
  })

/** fp-ts Option values, spelled out so that this module needs nothing of fp-ts. */
export const some = (value: unknown): unknown => ({ _tag: 'Some', value })
export const none: unknown = { _tag: 'None' }

/** One output row: its stored values with their kinds, and what ORDER BY sees. */
interface Item {
  readonly ctx: Ctx
  readonly fields: ReadonlyArray<{ readonly key: string; readonly kind: Kind; readonly value: Stored; readonly group?: string }>
  /** A nested group that is null as a whole (the missing side of a left join). */
  readonly nullGroups: ReadonlySet<string>
}

/** A result the library must refuse to decode (carried out of the row loop). */
class Undecodable extends Error {}

const decodeField = (key: string, kind: Kind, v: Stored): unknown => {
  if (typeof v === 'bigint') throw new Undecodable(`${key} = ${v} is beyond Number.MAX_SAFE_INTEGER`)
  return decode(kind, v)
}

const decodeItem = (item: Item, names: Readonly<Record<string, string>>): unknown => {
  const out: Record<string, unknown> = {}
  for (const f of item.fields) {
    if (f.group === undefined) out[f.key] = decodeField(f.key, f.kind, f.value)
    else {
      const g = names[f.group] ?? f.group
      if (item.nullGroups.has(f.group)) out[g] = null
      else ((out[g] ??= {}) as Record<string, unknown>)[f.key] = decodeField(f.key, f.kind, f.value)
    }
  }
  return out
}

const orderCompare =
  (orderBy: ReadonlyArray<OrderSpec>) =>
  (a: Item, b: Item): number => {
    for (const o of orderBy) {
      const x = termValue(a.ctx, o.term)
      const y = termValue(b.ctx, o.term)
      if (x === null && y === null) continue
      const nullsFirst = o.nulls === undefined ? o.dir === 'asc' : o.nulls === 'first'
      if (x === null) return nullsFirst ? -1 : 1
      if (y === null) return nullsFirst ? 1 : -1
      const c = compareValues(x, y)
      if (c !== 0) return o.dir === 'asc' ? c : -c
    }
    return 0
  }

/** Whether the query aggregates (GROUP BY, HAVING or an aggregate in its columns). */
export const isAggregate = (q: SelectSpec): boolean =>
  q.groupBy.length > 0 || q.having.length > 0 || (q.projection ?? []).some((f) => 'agg' in f.term)

/**
 * The rows a select gives, in order (when `q.total`; otherwise in the reference's order, to
 * be compared as a multiset), decoded; or why the library must refuse them.
 */
export const evalSelect = (schema: Schema, model: Model, q: SelectSpec, names: Readonly<Record<string, string>>): Outcome => {
  const rowsOf = (t: string): ReadonlyArray<StoredRow> => model[t] ?? []
  // FROM and JOIN
  let scopes: Scope[] = rowsOf(q.from).map((r) => ({ [q.from]: r }))
  const join = q.join
  if (join !== undefined) {
    scopes = scopes.flatMap((s) => {
      const matches = rowsOf(join.table)
        .map((r) => ({ ...s, [join.table]: r }))
        .filter((x) => evalCond(rowCtx(schema, x), join.on) === true)
      return matches.length > 0 || join.kind === 'inner' ? matches : [{ ...s, [join.table]: null }]
    })
  }
  // WHERE
  scopes = scopes.filter((s) => q.where.every((c) => evalCond(rowCtx(schema, s), c) === true))

  const tables = join === undefined ? [q.from] : [q.from, join.table]
  const terminal = q.terminal
  // value(col) / values(col) replace the selection with that one column.
  const projection =
    terminal.tag === 'value' || terminal.tag === 'values' ? [{ key: 'value', term: { col: terminal.col } as Term }] : q.projection
  const itemOf = (ctx: Ctx): Item => {
    if (projection !== undefined) {
      return {
        ctx,
        fields: projection.map((f) => ({ key: f.key, kind: termKind(schema, f.term), value: termValue(ctx, f.term) })),
        nullGroups: new Set()
      }
    }
    const nested = tables.length > 1
    const fields = tables.flatMap((t) =>
      (schema[t]?.columns ?? []).map((c) => ({
        key: c.key,
        kind: c.kind,
        value: ctx.col({ t, key: c.key }),
        ...(nested ? { group: t } : {})
      }))
    )
    const nullGroups = new Set(tables.filter((t) => nested && ctx.col({ t, key: 'id' }) === null))
    return { ctx, fields, nullGroups }
  }

  let items: Item[]
  if (isAggregate(q)) {
    const groups = new Map<string, Scope[]>()
    if (q.groupBy.length === 0) groups.set('', scopes)
    for (const s of q.groupBy.length === 0 ? [] : scopes) {
      const k = rowKey(q.groupBy.map((g) => rowCtx(schema, s).col(g)))
      const list = groups.get(k)
      if (list === undefined) groups.set(k, [s])
      else list.push(s)
    }
    items = [...groups.values()]
      .map((rows) => groupCtx(schema, rows))
      .filter((ctx) => q.having.every((c) => evalCond(ctx, c) === true))
      .map(itemOf)
  } else {
    items = scopes.map((s) => itemOf(rowCtx(schema, s)))
  }
  if (q.distinct) {
    const seen = new Set<string>()
    items = items.filter((it) => {
      const k = rowKey(it.fields.map((f) => f.value))
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
  }
  items = [...items].sort(orderCompare(q.orderBy))
  const start = q.offset ?? 0
  items = items.slice(start, q.limit === undefined ? undefined : start + q.limit)
  const cmp = orderCompare(q.orderBy)
  const runs: number[] = []
  items.forEach((it, i) => {
    if (i > 0 && cmp(items[i - 1]!, it) === 0) runs[runs.length - 1]! += 1
    else runs.push(1)
  })

  try {
    switch (terminal.tag) {
      case 'all':
        return right(
          items.map((it) => decodeItem(it, names)),
          runs
        )
      case 'first':
        return right(items.length === 0 ? none : some(decodeItem(items[0]!, names)))
      case 'one':
        if (items.length === 0) return left('NotFound', 'no row')
        if (items.length > 1) return left('TooManyRows', `${items.length} rows`)
        return right(decodeItem(items[0]!, names))
      case 'count':
        return right(items.length)
      case 'exists':
        return right(items.length > 0)
      case 'value': {
        const f = items[0]?.fields[0]
        return right(f === undefined ? none : some(decodeField(f.key, f.kind, f.value)))
      }
      case 'values':
        return right(
          items.map((it) => decodeField('value', it.fields[0]!.kind, it.fields[0]!.value)),
          runs
        )
    }
  } catch (e) {
    if (e instanceof Undecodable) return left('DecodeError', e.message)
    throw e
  }
}

// -------------------------------------------------------------------------------------
// writes
// -------------------------------------------------------------------------------------

export interface WriteOutcome {
  readonly outcome: Outcome
  /** The tables after the write (unchanged after a Left). */
  readonly model: Model
  /** The rowid the result must report, when the last row of an insert was inserted. */
  readonly lastInsertRowid?: number
}

const keysOf = (t: TableSpec): ReadonlyArray<ColSpec> => t.columns.filter((c) => c.primaryKey === true || c.unique)

/** The first other row that holds the same non-null value in a unique column (or the primary key). */
const clash = (rows: ReadonlyArray<StoredRow>, row: StoredRow, col: ColSpec, skip?: StoredRow): StoredRow | undefined => {
  const v = row[col.key] ?? null
  if (v === null) return undefined
  return rows.find((r) => r !== skip && r[col.key] !== null && compareValues(r[col.key] ?? null, v) === 0)
}

const nullInNotNull = (t: TableSpec, row: StoredRow): ColSpec | undefined =>
  t.columns.find((c) => c.notNull && (row[c.key] ?? null) === null)

const tableOf = (schema: Schema, id: string): TableSpec => {
  const t = schema[id]
  if (t === undefined) throw new Error(`reference model: no table ${id}`)
  return t
}

/** `set` checked as the library checks it before any SQL: a literal null into a NOT NULL column is refused. */
const badAssign = (t: TableSpec, set: ReadonlyArray<Assign>): string | undefined => {
  for (const a of set) {
    const c = t.columns.find((x) => x.key === a.key)
    if (c === undefined) return `unknown column ${a.key}`
    if (!('col' in a.value) && a.value.value === null && c.notNull) return `null into NOT NULL ${a.key}`
  }
  return undefined
}

const applySet = (t: TableSpec, set: ReadonlyArray<Assign>, ctx: Ctx, old: StoredRow): StoredRow => {
  const out: Record<string, Stored> = { ...old }
  for (const a of set) {
    const c = t.columns.find((x) => x.key === a.key)!
    out[a.key] = 'col' in a.value ? ctx.col(a.value.col) : encode(c.kind, a.value.value)
  }
  return out
}

export const evalInsert = (schema: Schema, model: Model, w: InsertSpec): WriteOutcome => {
  const t = tableOf(schema, w.table)
  const fail = (tag: string, why: string): WriteOutcome => ({ outcome: left(tag, why), model })
  // Checked before any SQL: required columns, NOT NULL, and the conflict clauses' set.
  for (const [i, row] of w.rows.entries()) {
    for (const c of t.columns) {
      const v = row[c.key]
      if (v === undefined && c.notNull && c.default === undefined && c.primaryKey !== true)
        return fail('ValidationError', `row ${i}: ${c.key} missing`)
      if (v === null && c.notNull) return fail('ValidationError', `row ${i}: null into NOT NULL ${c.key}`)
    }
  }
  for (const cl of w.conflicts) {
    if (cl.tag === 'update') {
      const bad = badAssign(t, cl.set)
      if (bad !== undefined) return fail('ValidationError', `on conflict do update: ${bad}`)
    }
  }
  let rows: StoredRow[] = [...(model[w.table] ?? [])]
  let changes = 0
  let last: number | undefined
  for (const [i, given] of w.rows.entries()) {
    const proposed: Record<string, Stored> = {}
    for (const c of t.columns) {
      const v = given[c.key]
      if (v !== undefined) proposed[c.key] = encode(c.kind, v)
      else if (c.default !== undefined) proposed[c.key] = encode(c.kind, c.default)
      // SQLite's new rowid: the largest + 1, negative or not; 1 in an empty table.
      else if (c.primaryKey === true) proposed[c.key] = rows.length === 0 ? 1 : Math.max(...rows.map((r) => r[c.key] as number)) + 1
      else proposed[c.key] = null
    }
    const conflicted = keysOf(t).filter((c) => clash(rows, proposed, c) !== undefined)
    if (conflicted.length === 0) {
      rows.push(proposed)
      changes++
      last = proposed.id as number
      continue
    }
    last = undefined
    const clause = w.conflicts.find((cl) => cl.target === undefined || conflicted.some((c) => c.key === cl.target))
    if (clause === undefined) return fail('ConstraintError', `row ${i} conflicts on ${conflicted.map((c) => c.key).join(', ')}`)
    if (clause.tag === 'nothing') continue
    const target = t.columns.find((c) => c.key === clause.target)!
    const existing = clash(rows, proposed, target)!
    const ctx = rowCtx(schema, { [w.table]: existing, excluded: proposed }, w.table)
    if (clause.where !== undefined && evalCond(ctx, clause.where) !== true) continue
    const updated = applySet(t, clause.set, ctx, existing)
    const nn = nullInNotNull(t, updated)
    if (nn !== undefined) return fail('ConstraintError', `row ${i}: do update sets NOT NULL ${nn.key} to null`)
    const others = rows.filter((r) => r !== existing)
    const dup = keysOf(t).find((c) => clash(others, updated, c) !== undefined)
    if (dup !== undefined) return fail('ConstraintError', `row ${i}: do update makes ${dup.key} clash`)
    rows = rows.map((r) => (r === existing ? updated : r))
    changes++
  }
  return {
    outcome: right({ changes }),
    model: { ...model, [w.table]: rows },
    ...(last === undefined ? {} : { lastInsertRowid: last })
  }
}

export const evalUpdate = (schema: Schema, model: Model, w: UpdateSpec): WriteOutcome => {
  const t = tableOf(schema, w.table)
  const fail = (tag: string, why: string): WriteOutcome => ({ outcome: left(tag, why), model })
  const bad = badAssign(t, w.set)
  if (bad !== undefined) return fail('ValidationError', bad)
  if (w.where.length === 0 && !w.allRows) return fail('ValidationError', 'update without filter')
  const before = model[w.table] ?? []
  const matched = new Set(before.filter((r) => w.where.every((c) => evalCond(rowCtx(schema, { [w.table]: r }), c) === true)))
  const after = before.map((r) => (matched.has(r) ? applySet(t, w.set, rowCtx(schema, { [w.table]: r }), r) : r))
  for (const r of after) {
    const nn = nullInNotNull(t, r)
    if (nn !== undefined) return fail('ConstraintError', `NOT NULL ${nn.key} set to null`)
  }
  // The generator sets unique columns only to constants, so checking the final state is
  // what SQLite's row-by-row check gives, whatever order it visits the rows in.
  for (const c of keysOf(t)) {
    const seen = new Set<string>()
    for (const r of after) {
      const v = r[c.key] ?? null
      if (v === null) continue
      const k = valueKey(v)
      if (seen.has(k)) return fail('ConstraintError', `${c.key} clashes`)
      seen.add(k)
    }
  }
  return { outcome: right({ changes: matched.size }), model: { ...model, [w.table]: after } }
}

export const evalDelete = (schema: Schema, model: Model, w: DeleteSpec): WriteOutcome => {
  if (w.where.length === 0 && !w.allRows) return { outcome: left('ValidationError', 'delete without filter'), model }
  const before = model[w.table] ?? []
  const kept = before.filter((r) => !w.where.every((c) => evalCond(rowCtx(schema, { [w.table]: r }), c) === true))
  return { outcome: right({ changes: before.length - kept.length }), model: { ...model, [w.table]: kept } }
}

/** The rows of a table as SQLite would list them by id. */
export const byId = (rows: ReadonlyArray<StoredRow>): StoredRow[] => [...rows].sort((a, b) => compareValues(a.id ?? null, b.id ?? null))

export const rowScope = (t: string, r: StoredRow): Scope => ({ [t]: r })
