/**
 * Result shapes, pinned twice: each query value here has its result type asserted exactly
 * (checked by `tsc` in `npm test`), and spec/result-shapes.test.ts runs the same values and
 * checks that every row has exactly the keys and the JavaScript kinds these types say.
 * A shape added here without a run-time twin fails that test.
 */
import type * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as io from 'io-ts'
import {
  all,
  boolean,
  columns,
  count,
  countAll,
  eq,
  exists,
  filter,
  first,
  integer,
  join,
  json,
  leftJoin,
  max,
  over,
  returning,
  scalar,
  select,
  sql,
  sum,
  table,
  text,
  timestamp,
  union,
  unionAll,
  update,
  set,
  value,
  values,
  withQuery,
  withRecursive,
  insert,
  lower,
  gt,
  isNull,
  or
} from '../../src/index.js'
import type { Query } from '../../src/index.js'

// -------------------------------------------------------------------------------------
// type-level assertions
// -------------------------------------------------------------------------------------

/** True when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
export type Expect<T extends true> = T
export type ResultOf<Q> = Q extends Query<infer A> ? A : never

// -------------------------------------------------------------------------------------
// schema
// -------------------------------------------------------------------------------------

export const Prefs = io.type({ theme: io.string })

export const events = table('events', {
  id: integer().primaryKey(),
  at: timestamp().notNull(),
  done: boolean().notNull(),
  prefs: json(Prefs).notNull(),
  big: integer({ mode: 'bigint' }).notNull(),
  note: text()
})

export const owners = table('owners', { id: integer().primaryKey(), name: text().notNull() })

/**
 * What a value is at run time, as the result-shapes test checks it: a JavaScript kind, a
 * row (exact keys), a list of one shape, an Option, or one of several.
 */
export type Shape =
  | 'number'
  | 'string'
  | 'boolean'
  | 'bigint'
  | 'Date'
  | 'null'
  | { readonly row: Readonly<Record<string, Shape>> }
  | { readonly list: Shape }
  | { readonly option: Shape }
  | { readonly oneOf: ReadonlyArray<Shape> }

const nullable = (s: Shape): Shape => ({ oneOf: [s, 'null'] })
const prefsShape: Shape = { row: { theme: 'string' } }
const eventRow: Shape = {
  row: { id: 'number', at: 'Date', done: 'boolean', prefs: prefsShape, big: 'bigint', note: nullable('string') }
}

// -------------------------------------------------------------------------------------
// the shapes
// -------------------------------------------------------------------------------------

export const tableRows = pipe(select(events), all)
export type TableRows = Expect<
  Equal<
    ResultOf<typeof tableRows>,
    Array<{ id: number; at: Date; done: boolean; prefs: { theme: string }; big: bigint; note: string | null }>
  >
>

export const scalarSubquery = pipe(
  select(events),
  columns({
    id: events.id,
    latest: scalar(pipe(select(events), columns({ at: max(events.at) }))),
    prefs: scalar(pipe(select(events), filter(eq(events.id, 1)), columns({ p: events.prefs }))),
    done: scalar(pipe(select(events), filter(eq(events.id, 1)), columns({ d: events.done })))
  }),
  all
)
export type ScalarSubquery = Expect<
  Equal<ResultOf<typeof scalarSubquery>, Array<{ id: number; latest: Date | null; prefs: { theme: string } | null; done: boolean | null }>>
>

export const windowed = pipe(
  select(events),
  columns({
    id: events.id,
    anyDone: over(max(events.done)),
    last: over(max(events.at)),
    p: over(max(events.prefs)),
    n: over(sum(events.id))
  }),
  all
)
export type Windowed = Expect<
  Equal<
    ResultOf<typeof windowed>,
    Array<{ id: number; anyDone: boolean | null; last: Date | null; p: { theme: string } | null; n: number | null }>
  >
>

const cte = withQuery('ev', pipe(select(events), columns({ id: events.id, at: events.at, done: events.done, prefs: events.prefs })))
export const cteRows = pipe(select(cte), all)
export type CteRows = Expect<Equal<ResultOf<typeof cteRows>, Array<{ id: number; at: Date; done: boolean; prefs: { theme: string } }>>>

const whole = withQuery('ev_all', select(events))
export const wholeCte = pipe(select(whole), first)
export type WholeCte = Expect<
  Equal<
    ResultOf<typeof wholeCte>,
    O.Option<{ id: number; at: Date; done: boolean; prefs: { theme: string }; big: bigint; note: string | null }>
  >
>

export const joinedCte = pipe(select(owners), join(cte, eq(cte.id, owners.id)), all)
export type JoinedCte = Expect<
  Equal<
    ResultOf<typeof joinedCte>,
    Array<{ owners: { id: number; name: string }; ev: { id: number; at: Date; done: boolean; prefs: { theme: string } } }>
  >
>

export const leftJoined = pipe(select(owners), leftJoin(events, eq(events.id, owners.id)), all)
export type LeftJoined = Expect<
  Equal<
    ResultOf<typeof leftJoined>,
    Array<{
      owners: { id: number; name: string }
      events: { id: number; at: Date; done: boolean; prefs: { theme: string }; big: bigint; note: string | null } | null
    }>
  >
>

export const compound = pipe(
  select(events),
  columns({ at: events.at, label: events.note }),
  unionAll(pipe(select(events), columns({ label: sql<string>`'x'`, at: events.at }))),
  all
)
export type Compound = Expect<Equal<ResultOf<typeof compound>, Array<{ at: Date; label: string | null } | { label: string; at: Date }>>>

export const compoundValues = pipe(
  select(events),
  columns({ d: events.done }),
  union(pipe(select(events), columns({ d: events.done }))),
  values(events.done)
)
export type CompoundValues = Expect<Equal<ResultOf<typeof compoundValues>, boolean[]>>

const tree = withRecursive(
  'tree',
  pipe(select(events), filter(eq(events.id, 1)), columns({ id: events.id, depth: sql<number>`0` })),
  (self) =>
    pipe(
      select(events),
      join(self, eq(events.id, sql<number>`${self.id} + 1`)),
      columns({ id: events.id, depth: sql<number>`${self.depth} + 1` })
    )
)
export const recursive = pipe(select(tree), all)
export type Recursive = Expect<Equal<ResultOf<typeof recursive>, Array<{ id: number; depth: number }>>>

export const counted = pipe(select(events), count)
export type Counted = Expect<Equal<ResultOf<typeof counted>, number>>

export const existing = pipe(select(events), exists)
export type Existing = Expect<Equal<ResultOf<typeof existing>, boolean>>

export const oneValue = pipe(select(events), value(events.at))
export type OneValue = Expect<Equal<ResultOf<typeof oneValue>, O.Option<Date>>>

export const bigValues = pipe(select(events), values(events.big))
export type BigValues = Expect<Equal<ResultOf<typeof bigValues>, bigint[]>>

export const aggregate = pipe(select(events), columns({ n: countAll(), total: sum(events.id) }), first)
export type Aggregate = Expect<Equal<ResultOf<typeof aggregate>, O.Option<{ n: number; total: number | null }>>>

export const returned = pipe(update(events), set({ note: 'n' }), filter(eq(events.id, 1)), returning({ at: events.at, done: events.done }))
export type Returned = Expect<Equal<ResultOf<typeof returned>, Array<{ at: Date; done: boolean }>>>

export const projectedConditions = pipe(
  select(events),
  columns({
    late: gt(events.at, new Date('2024-03-01T00:00:00Z')),
    noNote: isNull(events.note),
    either: or(eq(events.id, 1), eq(events.done, true))
  }),
  all
)
export type ProjectedConditions = Expect<
  Equal<ResultOf<typeof projectedConditions>, Array<{ late: boolean; noNote: boolean; either: boolean }>>
>

/** Each query above with the run-time shape of its result (the test runs every one). */
export const shapes: ReadonlyArray<{ readonly name: string; readonly query: Query<unknown>; readonly shape: Shape }> = [
  { name: 'table rows', query: tableRows, shape: { list: eventRow } },
  {
    name: 'scalar subqueries',
    query: scalarSubquery,
    shape: { list: { row: { id: 'number', latest: nullable('Date'), prefs: nullable(prefsShape), done: nullable('boolean') } } }
  },
  {
    name: 'window functions',
    query: windowed,
    shape: {
      list: { row: { id: 'number', anyDone: nullable('boolean'), last: nullable('Date'), p: nullable(prefsShape), n: nullable('number') } }
    }
  },
  { name: 'CTE rows', query: cteRows, shape: { list: { row: { id: 'number', at: 'Date', done: 'boolean', prefs: prefsShape } } } },
  { name: 'a whole-table CTE', query: wholeCte, shape: { option: eventRow } },
  {
    name: 'a joined CTE',
    query: joinedCte,
    shape: {
      list: {
        row: {
          owners: { row: { id: 'number', name: 'string' } },
          ev: { row: { id: 'number', at: 'Date', done: 'boolean', prefs: prefsShape } }
        }
      }
    }
  },
  {
    name: 'a left join',
    query: leftJoined,
    shape: { list: { row: { owners: { row: { id: 'number', name: 'string' } }, events: nullable(eventRow) } } }
  },
  { name: 'a compound', query: compound, shape: { list: { row: { at: 'Date', label: nullable('string') } } } },
  { name: 'values of a compound', query: compoundValues, shape: { list: 'boolean' } },
  { name: 'a recursive CTE', query: recursive, shape: { list: { row: { id: 'number', depth: 'number' } } } },
  { name: 'count', query: counted, shape: 'number' },
  { name: 'exists', query: existing, shape: 'boolean' },
  { name: 'value', query: oneValue, shape: { option: 'Date' } },
  { name: 'bigint values', query: bigValues, shape: { list: 'bigint' } },
  { name: 'aggregates', query: aggregate, shape: { option: { row: { n: 'number', total: nullable('number') } } } },
  { name: 'returning', query: returned, shape: { list: { row: { at: 'Date', done: 'boolean' } } } },
  {
    name: 'projected conditions',
    query: projectedConditions,
    shape: { list: { row: { late: 'boolean', noNote: 'boolean', either: 'boolean' } } }
  }
]

// Insert values may be expressions of the column's type (sql templates typed by their parameter, functions).
export const insertedWithExpr = insert(owners, { name: sql<string>`upper(${'ann'})` })
export const insertedWithFn = insert(owners, { name: lower(sql<string>`'ANN'`) })
// @ts-expect-error an expression of another type
export const insertedWrong = insert(owners, { name: sql<number>`1` })
