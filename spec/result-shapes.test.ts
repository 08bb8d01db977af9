/**
 * The run-time twin of spec/types/shapes.ts: every query value there, run against a real
 * file, gives values of exactly the shape its type states (keys, JavaScript kinds, null
 * only where the type allows it). The data is chosen so that each nullable field is
 * non-null somewhere, and vice versa where the data allows.
 */
import test from 'ava'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { connect, createTable, insert, session, workerPool } from '../src/index.js'
import { tempDbPath, unwrap } from './helpers/db.js'
import type { Shape } from './types/shapes.js'
import { events, owners, shapes } from './types/shapes.js'

/** Where `v` differs from `shape` (empty: it matches). */
const mismatches = (v: unknown, shape: Shape, at: string): string[] => {
  if (typeof shape === 'string') {
    const ok =
      shape === 'null'
        ? v === null
        : shape === 'Date'
          ? v instanceof Date && !Number.isNaN(v.getTime())
          : typeof v === shape && !(shape === 'number' && !Number.isFinite(v))
    return ok ? [] : [`${at}: expected ${shape}, got ${v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v} ${String(v)}`]
  }
  if ('oneOf' in shape) {
    const each = shape.oneOf.map((s) => mismatches(v, s, at))
    return each.some((m) => m.length === 0) ? [] : each.flat()
  }
  if ('list' in shape) {
    if (!Array.isArray(v)) return [`${at}: expected an array`]
    return v.flatMap((x, i) => mismatches(x, shape.list, `${at}[${i}]`))
  }
  if ('option' in shape) {
    const tag = typeof v === 'object' && v !== null ? (v as { _tag?: unknown })._tag : undefined
    if (tag !== 'Some' && tag !== 'None') return [`${at}: expected an Option`]
    const o = v as O.Option<unknown>
    return O.isSome(o) ? mismatches(o.value, shape.option, `${at}.value`) : []
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return [`${at}: expected a row object`]
  const keys = Object.keys(v).sort()
  const expected = Object.keys(shape.row).sort()
  if (JSON.stringify(keys) !== JSON.stringify(expected)) return [`${at}: keys ${keys.join(',')} instead of ${expected.join(',')}`]
  return expected.flatMap((k) => mismatches((v as Record<string, unknown>)[k], shape.row[k]!, `${at}.${k}`))
}

const seeded = (file = tempDbPath()) => {
  const s = session(connect(file))
  unwrap(s.run(createTable(events)))
  unwrap(s.run(createTable(owners)))
  unwrap(
    s.run(
      insert(events, [
        { id: 1, at: new Date('2024-01-01T00:00:00.000Z'), done: false, prefs: { theme: 'dark' }, big: 9007199254740993n, note: null },
        { id: 2, at: new Date('2024-06-01T00:00:00.000Z'), done: true, prefs: { theme: 'light' }, big: -5n, note: 'n' }
      ])
    )
  )
  unwrap(
    s.run(
      insert(owners, [
        { id: 1, name: 'Ann' },
        { id: 3, name: 'Cy' }
      ])
    )
  )
  return s
}

test('every result shape of spec/types/shapes.ts holds at run time', (t) => {
  for (const { name, query, shape } of shapes) {
    const s = seeded()
    const r = s.run(query)
    if (!t.true(E.isRight(r), `${name}: ${E.isLeft(r) ? r.left.message : ''}`) || E.isLeft(r)) continue
    t.deepEqual(mismatches(r.right, shape, name), [], name)
    // A shape that reads no rows checks nothing: every list here has rows.
    if (typeof shape === 'object' && 'list' in shape) t.true((r.right as unknown[]).length > 0, `${name} read no rows`)
  }
})

test('the shape checker itself tells matching and mismatching values apart', (t) => {
  t.deepEqual(mismatches({ a: 1 }, { row: { a: 'number' } }, 'x'), [])
  t.notDeepEqual(mismatches({ a: '1' }, { row: { a: 'number' } }, 'x'), [])
  t.notDeepEqual(mismatches({ a: 1, b: 2 }, { row: { a: 'number' } }, 'x'), [])
  t.notDeepEqual(mismatches('2024-01-01T00:00:00.000Z', 'Date', 'x'), [])
  t.notDeepEqual(mismatches(1, 'boolean', 'x'), [])
  t.notDeepEqual(mismatches(null, 'Date', 'x'), [])
  t.deepEqual(mismatches(null, { oneOf: ['Date', 'null'] }, 'x'), [])
  t.notDeepEqual(mismatches(5, 'bigint', 'x'), [])
})

test('the worker pool gives the same values as a session for every shape (codecs applied in the calling thread)', async (t) => {
  const file = tempDbPath()
  const s = seeded(file)
  const pool = workerPool(connect(file), { readers: 1 })
  try {
    for (const { name, query } of shapes) {
      if (query.mode === 'run' || name === 'returning') continue // writes change the data the next shape reads
      t.deepEqual(await pool.run(query)(), s.run(query), name)
    }
  } finally {
    await pool.close()
  }
})
