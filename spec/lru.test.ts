/**
 * The one LRU (src/lru.ts), used by the statement cache, the pool's shape caches and the
 * compiler's interned row shapes: checked against a tiny reference model (an array in
 * recency order) on random operations, with the seed printed.
 */
import test from 'ava'
import { recall, remember } from '../src/lru.js'
import { StatementCache } from '../src/conn/statements.js'
import type { LocalConnection } from '../src/driver/index.js'

/** A small deterministic generator (mulberry32), so a failing seed replays. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296
}

for (const lazy of [false, true])
  test(
    lazy
      ? 'recall given the capacity moves nothing while the map has room, and is a recency list once full'
      : 'recall and remember behave as a recency list cut at the capacity',
    (t) => {
      const seed = Number(process.env.LRU_SEED ?? Date.now() % 1_000_000)
      t.log(`seed ${seed} (LRU_SEED=${seed} replays it)`)
      const next = random(seed)
      for (let round = 0; round < 50; round++) {
        const capacity = 1 + Math.floor(next() * 6)
        const lru = new Map<number, string>()
        let model: Array<[number, string]> = [] // least recently used first (first in, while not full)
        for (let step = 0; step < 200; step++) {
          const key = Math.floor(next() * 10)
          if (next() < 0.5) {
            const got = lazy ? recall(lru, key, capacity) : recall(lru, key)
            const at = model.findIndex(([k]) => k === key)
            t.is(got, at === -1 ? undefined : model[at]![1], `seed ${seed}: recall ${key}`)
            if (at !== -1 && (!lazy || model.length >= capacity)) model = [...model.slice(0, at), ...model.slice(at + 1), model[at]!]
          } else {
            const v = `v${step}`
            t.is(remember(lru, key, v, capacity), v)
            model = [...model.filter(([k]) => k !== key), [key, v]]
            if (model.length > capacity) model = model.slice(model.length - capacity)
          }
          t.deepEqual([...lru.entries()], model, `seed ${seed}: round ${round} step ${step}`)
          t.true(lru.size <= capacity)
        }
      }
    }
  )

test('the statement cache keeps the most recently used statements within its capacity, through the shared LRU', (t) => {
  const prepared: string[] = []
  const db = {
    prepare: (sql: string) => {
      prepared.push(sql)
      return { reader: true }
    }
  } as unknown as LocalConnection
  const cache = new StatementCache(db, 2)
  cache.get('a')
  cache.get('b')
  cache.get('a') // a is now the most recently used
  cache.get('c') // evicts b
  t.is(cache.size, 2)
  cache.get('a')
  cache.get('b') // prepared again
  t.deepEqual(prepared, ['a', 'b', 'c', 'b'])
})
