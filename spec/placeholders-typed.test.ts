/**
 * The run-time twin of spec/types/placeholders.ts: every value the types accept for a
 * placeholder binds (null included where the types say so), and every name the types
 * require is one the query cannot run without.
 */
import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import { connect, createTable, insert, session } from '../src/index.js'
import type { Query } from '../src/index.js'
import { byId, byKinds, joined, owners, people, pets, plain, search } from './types/placeholders.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const seeded = () => {
  const s = session(connect(tempDbPath()))
  unwrap(s.run(createTable(people)))
  unwrap(s.run(createTable(pets)))
  unwrap(
    s.run(
      insert(people, [
        { name: 'Ann', active: true, born: new Date('1990-01-01T00:00:00Z'), score: 10n },
        { name: 'Bob', active: false, born: null, score: null }
      ])
    )
  )
  unwrap(s.run(insert(pets, [{ ownerId: 1, kind: 'cat' }])))
  return s
}

/** Runs `q` with `params` as an untyped caller would (the type test pins the typed call). */
const loose = (s: ReturnType<typeof seeded>, q: Query<unknown>, params: Record<string, unknown>) => s.run(q, params)

test('every value the types accept binds, null where they allow it', (t) => {
  const s = seeded()
  t.deepEqual(
    s.run(byId, { id: 1 }),
    E.right({ _tag: 'Some', value: { id: 1, name: 'Ann', active: true, born: new Date('1990-01-01T00:00:00Z'), score: 10n } })
  )
  t.deepEqual(s.run(byId, { id: null }), E.right({ _tag: 'None' }))
  t.deepEqual(s.run(byKinds, { name: 'Ann', active: true, after: new Date('1980-01-01T00:00:00Z'), max: 10n }), E.right(1))
  t.deepEqual(s.run(byKinds, { name: 'Ann', active: true, after: new Date('1980-01-01T00:00:00Z'), max: 10 }), E.right(1))
  t.deepEqual(s.run(byKinds, { name: null, active: null, after: null, max: null }), E.right(0))
  t.is(unwrap(s.run(joined, { kind: 'cat' })).length, 1)
  t.deepEqual(s.run(owners, { kind: 'cat' }), E.right(['Ann']))
  t.deepEqual(s.run(owners, { kind: null }), E.right([]))
  t.is(unwrap(s.run(search, { q: 'n', n: 5 })).length, 1)
  t.is(unwrap(s.run(plain)).length, 2)
})

test('every name the types require is needed at run time: leaving one out is a Left naming it', (t) => {
  const s = seeded()
  const full: ReadonlyArray<readonly [Query<unknown>, Record<string, unknown>]> = [
    [byId, { id: 1 }],
    [byKinds, { name: 'Ann', active: true, after: null, max: 1 }],
    [joined, { kind: 'cat' }],
    [owners, { kind: 'cat' }],
    [search, { q: 'A', n: 1 }]
  ]
  for (const [q, params] of full) {
    t.true(E.isRight(loose(s, q, params)))
    for (const name of Object.keys(params)) {
      const { [name]: _, ...rest } = params
      const r = loose(s, q, rest)
      t.true(E.isLeft(r) && r.left._tag === 'ValidationError' && r.left.message.includes(`"${name}"`), name)
    }
  }
})

test('a LIKE helper refuses null at run time, as its type says', (t) => {
  const r = loose(seeded(), search, { q: null, n: 1 })
  t.true(E.isLeft(r) && r.left._tag === 'ValidationError')
})
