/**
 * Typed placeholders: a query's parameters are inferred from where each placeholder
 * stands (checked by `tsc` in `npm test`); spec/placeholders-typed.test.ts runs the same
 * values and checks that every value these types accept binds, and null with them.
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  all,
  and,
  boolean,
  connect,
  contains,
  count,
  eq,
  exists,
  filter,
  first,
  gt,
  integer,
  join,
  limit,
  lte,
  placeholder,
  select,
  session,
  table,
  text,
  timestamp,
  values,
  workerPool
} from '../../src/index.js'
import type { Needs, ParamsOf } from '../../src/index.js'
import type { Equal, Expect } from './shapes.js'

export const people = table('people', {
  id: integer().primaryKey(),
  name: text().notNull(),
  active: boolean().notNull(),
  born: timestamp(),
  score: integer({ mode: 'bigint' })
})
export const pets = table('pets', { id: integer().primaryKey(), ownerId: integer('owner_id').notNull(), kind: text().notNull() })

type NeedsOf<Q> = Q extends Needs<infer P> ? P : never

export const byId = pipe(select(people), filter(eq(people.id, placeholder('id'))), first)
export type ById = Expect<Equal<NeedsOf<typeof byId>, { readonly id: number | null }>>

export const byKinds = pipe(
  select(people),
  filter(and(eq(people.name, placeholder('name')), eq(people.active, placeholder('active')), gt(people.born, placeholder('after')))),
  filter(lte(people.score, placeholder('max'))),
  count
)
export type ByKinds = Expect<
  Equal<
    NeedsOf<typeof byKinds>,
    { readonly name: string | null; readonly active: boolean | null; readonly after: Date | null; readonly max: bigint | number | null }
  >
>

// Through a join condition, and from a correlated subquery up to the outer query.
export const joined = pipe(select(people), join(pets, eq(pets.ownerId, people.id)), filter(eq(pets.kind, placeholder('kind'))), all)
export type Joined = Expect<Equal<NeedsOf<typeof joined>, { readonly kind: string | null }>>
export const owners = pipe(
  select(people),
  filter(exists(pipe(select(pets), filter(eq(pets.ownerId, people.id)), filter(eq(pets.kind, placeholder('kind')))))),
  values(people.name)
)
export type Owners = Expect<Equal<NeedsOf<typeof owners>, { readonly kind: string | null }>>

// A LIKE helper's placeholder is text (not null: there is nothing to look for); where the types cannot see a placeholder at all
// (limit), it is checked when the query runs.
export const search = pipe(select(people), filter(contains(people.name, placeholder('q'))), limit(placeholder('n')), all)
export type Search = Expect<Equal<NeedsOf<typeof search>, { readonly q: string }>>

export const plain = pipe(select(people), all)
export type Plain = Expect<Equal<NeedsOf<typeof plain>, unknown>>

export type FromMarks = Expect<Equal<ParamsOf<'people' | '?id=number' | '?q'>, { readonly id: number | null; readonly q: unknown }>>

export const misuse = (): void => {
  const s = session(connect(':memory:'))
  s.run(byId, { id: 1 })
  s.run(byId, { id: null })
  // @ts-expect-error a misspelt name
  s.run(byId, { idd: 1 })
  // @ts-expect-error a value of the wrong type
  s.run(byId, { id: 'x' })
  // @ts-expect-error the parameters are required
  s.run(byId)
  // @ts-expect-error a Date where a boolean stands
  s.run(byKinds, { name: 'a', active: new Date(), after: null, max: 1n })
  s.run(byKinds, { name: 'a', active: true, after: new Date(), max: 10 })
  s.run(search, { q: 'an', n: 5 }) // n: a placeholder the types do not see, checked at run time
  s.run(plain)
  const pool = workerPool(connect(':memory:'))
  void pool.run(byId, { id: 2 })
  // @ts-expect-error the pool's run is typed the same way
  void pool.run(byId, { id: '2' })
}
