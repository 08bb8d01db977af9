/**
 * Hostile values through the builders: a polluted Object.prototype, Proxies whose traps
 * throw, NaN inside json, chains and nests past SQLite's expression depth. Each is a clear
 * Left (or the right rows), never a throw and never a wrong write. Expected rows are read
 * back with better-sqlite3 directly.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as io from 'io-ts'
import {
  all,
  and,
  boolean,
  columns,
  connect,
  count,
  createTable,
  eq,
  filter,
  gt,
  inArray,
  insert,
  integer,
  json,
  not,
  or,
  orderBy,
  select,
  session,
  set,
  sql,
  table,
  text,
  update,
  values
} from '../src/index.js'
import { tempDbPath, unwrap, unwrapLeft } from './helpers/db.js'

const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  isAdmin: boolean('is_admin').notNull().default(false),
  note: text()
})

const fresh = () => {
  const file = tempDbPath()
  const s = session(connect(file))
  unwrap(s.run(createTable(users)))
  return { s, file }
}

const stored = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT id, name, is_admin, note FROM users ORDER BY id').all()
  } finally {
    db.close()
  }
}

test("insert reads only a row's own properties: a polluted Object.prototype does not reach the table", (t) => {
  const { s, file } = fresh()
  const proto = Object.prototype as Record<string, unknown>
  proto.isAdmin = true
  proto.note = 'injected'
  try {
    unwrap(s.run(insert(users, { name: 'Ann' })))
    unwrap(s.run(insert(users, [{ name: 'Bob' }, { name: 'Cy', note: 'own' }])))
    // Rows without a prototype, and rows whose values sit on their prototype (not their own).
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { name: 'Di' })
    unwrap(s.run(insert(users, bare as { name: string })))
    const inherited = Object.create({ name: 'Eve', isAdmin: true }) as { name: string }
    const refused = unwrapLeft(s.run(insert(users, inherited)))
    t.is(refused._tag, 'ValidationError')
    t.regex(refused.message, /missing required column name/)
  } finally {
    delete proto.isAdmin
    delete proto.note
  }
  t.deepEqual(stored(file), [
    { id: 1, name: 'Ann', is_admin: 0, note: null },
    { id: 2, name: 'Bob', is_admin: 0, note: null },
    { id: 3, name: 'Cy', is_admin: 0, note: 'own' },
    { id: 4, name: 'Di', is_admin: 0, note: null }
  ])
})

const throwing = (): object =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error('trap get')
      },
      has: () => {
        throw new Error('trap has')
      },
      ownKeys: () => {
        throw new Error('trap ownKeys')
      },
      getOwnPropertyDescriptor: () => {
        throw new Error('trap descriptor')
      },
      getPrototypeOf: () => {
        throw new Error('trap prototype')
      }
    }
  )

test('builders given a Proxy whose traps throw return a query that is a Left, never a throw', (t) => {
  const { s, file } = fresh()
  unwrap(s.run(insert(users, { name: 'Ann' })))
  const p = throwing()
  const cases = {
    insertRow: () => insert(users, p as never),
    insertRows: () => insert(users, [{ name: 'x' }, p] as never),
    insertValue: () => insert(users, { name: p } as never),
    eq: () => pipe(select(users), filter(eq(users.name, p as never)), count),
    inArray: () => pipe(select(users), filter(inArray(users.id, [1, p] as never)), count),
    inArrayList: () =>
      pipe(
        select(users),
        filter(
          inArray(
            users.id,
            new Proxy([1], {
              get: () => {
                throw new Error('list')
              }
            }) as never
          )
        ),
        count
      ),
    set: () => pipe(update(users), set(p as never), filter(eq(users.id, 1))),
    setValue: () => pipe(update(users), set({ name: p as never }), filter(eq(users.id, 1))),
    filter: () => pipe(select(users), filter(p as never), count),
    columns: () => pipe(select(users), columns(p as never), all),
    sqlArg: () => pipe(select(users), filter(sql<boolean>`${users.id} = ${p}`), count)
  }
  for (const [name, build] of Object.entries(cases)) {
    let q
    t.notThrows(() => {
      q = build()
    }, name)
    const r = s.run(q as never)
    t.true(E.isLeft(r), name)
    if (E.isLeft(r)) {
      t.is(r.left._tag, 'ValidationError', name)
      t.regex(r.left.message, /threw/, name)
    }
  }
  t.deepEqual(stored(file), [{ id: 1, name: 'Ann', is_admin: 0, note: null }])
})

test('a json value holding NaN or Infinity is refused on the way in; the table stays readable', (t) => {
  const file = tempDbPath()
  const s = session(connect(file))
  const points = table('points', { id: integer().primaryKey(), p: json(io.type({ x: io.number })).notNull() })
  unwrap(s.run(createTable(points)))
  unwrap(s.run(insert(points, { p: { x: 1 } })))
  for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const e = unwrapLeft(s.run(insert(points, { p: { x } })))
    t.is(e._tag, 'ValidationError')
    t.regex(e.message, /NaN or Infinity/)
    const u = unwrapLeft(s.run(pipe(update(points), set({ p: { x } }), filter(eq(points.id, 1)))))
    t.is(u._tag, 'ValidationError')
  }
  t.deepEqual(s.run(pipe(select(points), values(points.p))), E.right([{ x: 1 }]))
})

test("flat and() / or() chains of thousands of terms compile within SQLite's expression depth", (t) => {
  const { s } = fresh()
  unwrap(
    s.run(
      insert(
        users,
        Array.from({ length: 30 }, (_, i) => ({ name: `u${i + 1}` }))
      )
    )
  )
  for (const n of [999, 1000, 5000]) {
    const anyOf = or(...Array.from({ length: n }, (_, i) => eq(users.id, i * 3)))
    const expected = Array.from({ length: 30 }, (_, i) => i + 1).filter((id) => id % 3 === 0 && id / 3 < n)
    t.deepEqual(s.run(pipe(select(users), filter(anyOf), orderBy(users.id), values(users.id))), E.right(expected), `or of ${n}`)
    const allOf = and(...Array.from({ length: n }, (_, i) => gt(users.id, i % 10)))
    t.deepEqual(
      s.run(pipe(select(users), filter(allOf), orderBy(users.id), values(users.id))),
      E.right(Array.from({ length: 30 }, (_, i) => i + 1).filter((id) => id > Math.min(9, n - 1))),
      `and of ${n}`
    )
  }
})

test('nesting past the depth limit is a ValidationError that states the limit and how to restructure', (t) => {
  const { s } = fresh()
  for (const depth of [2_000, 100_000]) {
    let e = eq(users.id, 1)
    for (let i = 0; i < depth; i++) e = not(e)
    const r = unwrapLeft(s.run(pipe(select(users), filter(e), count)))
    t.is(r._tag, 'ValidationError')
    t.regex(r.message, /more than 1000 levels/)
    t.regex(r.message, /and\(|inArray/)
  }
  // Within the limit it runs.
  let ok = eq(users.id, 1)
  for (let i = 0; i < 500; i++) ok = not(ok)
  t.true(E.isRight(s.run(pipe(select(users), filter(ok), count))))
})
