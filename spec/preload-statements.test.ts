/**
 * A preload's statement count does not grow with the number of parents (issue #21, the cost
 * curves: "statements constant, time linear"): 10 to 20,000 parents, each with two children,
 * are loaded with the same number of statements, counted by the connection's log, and every
 * parent gets exactly its children (checked against a grouping of a hand-written query run
 * through better-sqlite3 directly). No time is asserted.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { all, connect, createTable, hasMany, integer, orderBy, preload, select, session, table, text } from '../src/index.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const parents = table('parents', { id: integer().primaryKey(), name: text().notNull() })
const kids = table('kids', { id: integer().primaryKey(), parentId: integer().notNull(), name: text().notNull() })
const parentKids = hasMany(parents, kids, kids.parentId)

test('a hasMany preload runs the same number of statements for 10 to 20,000 parents, and groups right', (t) => {
  t.timeout(120_000)
  const counts: Array<readonly [number, number]> = []
  for (const n of [10, 100, 1_000, 20_000]) {
    const file = tempDbPath()
    const setUp = session(connect(file))
    unwrap(setUp.run(createTable(parents)))
    unwrap(setUp.run(createTable(kids)))
    setUp.close()
    const raw = new Database(file)
    const insP = raw.prepare('INSERT INTO parents (id, name) VALUES (?, ?)')
    const insK = raw.prepare('INSERT INTO kids (parentId, name) VALUES (?, ?)')
    raw.transaction(() => {
      for (let i = 1; i <= n; i++) {
        insP.run(i, `p${i}`)
        insK.run(i, `k${i}a`)
        insK.run(i, `k${i}b`)
      }
    })()
    const sqls: string[] = []
    const s = session(connect(file, { log: (e) => void sqls.push(e.sql) }))
    const got = s.run(pipe(select(parents), orderBy(parents.id), preload('kids', parentKids), all))
    s.close()
    const byParent = new Map<number, unknown[]>()
    for (const k of raw.prepare('SELECT id, parentId, name FROM kids ORDER BY id').all() as Array<{ id: number; parentId: number }>)
      byParent.set(k.parentId, [...(byParent.get(k.parentId) ?? []), k])
    const expected = (raw.prepare('SELECT id, name FROM parents ORDER BY id').all() as Array<{ id: number; name: string }>).map((p) => ({
      ...p,
      kids: byParent.get(p.id) ?? []
    }))
    raw.close()
    t.true(E.isRight(got))
    const rows = unwrap(got) as ReadonlyArray<{ id: number; kids: ReadonlyArray<{ id: number }> }>
    t.deepEqual(
      rows.map((r) => ({ ...r, kids: [...r.kids].sort((a, b) => a.id - b.id) })),
      expected,
      `${n} parents`
    )
    counts.push([n, sqls.length])
  }
  t.log(`statements per preload: ${counts.map(([n, c]) => `${n} parents: ${c}`).join(', ')}`)
  t.true(
    counts.every(([, c]) => c === counts[0]![1]),
    `the statement count changed with the parents: ${JSON.stringify(counts)}`
  )
})
