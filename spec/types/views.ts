/**
 * View types, pinned exactly (checked by `tsc` in `npm test`): a view's row is its query's
 * projection, it reads and joins like a table, and writing to it does not compile. The
 * run-time twins are in spec/view.test.ts.
 */
import { pipe } from 'fp-ts/lib/function.js'
import type * as O from 'fp-ts/lib/Option.js'
import {
  all,
  columns,
  deleteFrom,
  eq,
  filter,
  first,
  insert,
  integer,
  join,
  select,
  set,
  table,
  text,
  update,
  view
} from '../../src/index.js'
import type { Row } from '../../src/index.js'
import type { Equal, Expect, ResultOf } from './shapes.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer() })
const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull(), title: text().notNull() })

const adults = view('adults', pipe(select(users), columns({ id: users.id, name: users.name, age: users.age })))
const titles = view('titles', pipe(select(posts), columns({ userId: posts.userId, title: posts.title })))

export type AdultRow = Expect<Equal<Row<typeof adults>, { id: number; name: string; age: number | null }>>

export const read = pipe(select(adults), filter(eq(adults.name, 'Ann')), all)
export type Read = Expect<Equal<ResultOf<typeof read>, Array<{ id: number; name: string; age: number | null }>>>

export const joined = pipe(
  select(users),
  join(titles, eq(titles.userId, users.id)),
  columns({ name: users.name, title: titles.title }),
  first
)
export type Joined = Expect<Equal<ResultOf<typeof joined>, O.Option<{ name: string; title: string }>>>

// @ts-expect-error: insert takes a WritableTable, not a view
export const badInsert = insert(adults, { name: 'x' })
// @ts-expect-error: update takes a WritableTable, not a view
export const badUpdate = pipe(update(adults), set({ name: 'x' }))
// @ts-expect-error: deleteFrom takes a WritableTable, not a view
export const badDelete = deleteFrom(adults)
// A view's columns are its projection's keys, nothing more.
export type NoEmail = Expect<Equal<'email' extends keyof typeof adults ? true : false, false>>
export type HasName = Expect<Equal<'name' extends keyof typeof adults ? true : false, true>>
