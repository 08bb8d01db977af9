/**
 * Failover on a private 3-node dqlite cluster (ports 9101-9103, started and stopped here, so
 * that killing its nodes disturbs no other spec): a bounded write loop while the leader is
 * killed (every write that returned Right is there afterwards, none twice, and the pool
 * writes again once a new leader is elected); a follower killed (no effect); the whole
 * cluster down (a Left within the timeout, never a hang; close() resolves). Killed nodes are
 * started again. Needs dqlite-demo (skipped, with one line, when no cluster is up).
 */
import test from 'ava'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError } from '../src/index.js'
import { all, createTable, dqlite, insert, integer, remotePool, select, table, text } from '../src/index.js'
import { NO_CLUSTER, clusterUp, freshDatabase } from './helpers/dqlite.js'

const BASE = 9100
const SERVERS = [1, 2, 3].map((n) => `127.0.0.1:${BASE + n}`)
const DIR = `.tmp/dqlite-${BASE}`

const script = (...args: string[]): string =>
  execFileSync('bash', ['scripts/dqlite-cluster.sh', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, DQLITE_PORT_BASE: String(BASE) }
  })

const nodeOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1)) - BASE

const kill = (n: number): void => {
  const pid = Number(fs.readFileSync(`${DIR}/n${n}.pid`, 'utf8').trim())
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

const events = table('events', { id: integer().primaryKey(), tag: text().notNull() })

const up = await clusterUp()

if (!up) {
  test.skip(NO_CLUSTER, () => undefined)
} else {
  test.before(() => {
    script('start')
  })
  test.after.always(() => {
    script('stop')
  })

  /** Starts again every node that is down (restart-node leaves a live one alone). */
  const reviveAll = (): void => {
    for (const n of [1, 2, 3]) script('restart-node', String(n))
  }

  const countsOf = async (pool: ReturnType<typeof remotePool>) => {
    const stored = await pool.run(pipe(select(events), all))()
    const counts = new Map<string, number>()
    if (E.isRight(stored)) for (const row of stored.right) counts.set(row.tag, (counts.get(row.tag) ?? 0) + 1)
    return { stored, counts }
  }

  test.serial(
    'the leader killed mid-loop: every Right write is there once, no write twice, writes resume after the election',
    async (t) => {
      const driver = dqlite({ servers: SERVERS, database: freshDatabase('failover'), timeoutMs: 15_000 })
      const pool = remotePool(driver)
      try {
        t.true(E.isRight(await pool.run(createTable(events))()))
        let killed: number | undefined
        const started = Date.now()
        const outcomes: Array<{ tag: string; r: E.Either<DbError, unknown> }> = []
        const rightsAfterKill = () => outcomes.filter((o, i) => i >= 20 && E.isRight(o.r)).length
        for (let i = 0; i < 400 && Date.now() - started < 45_000 && !(killed !== undefined && rightsAfterKill() >= 15); i++) {
          if (i === 20) {
            const leader = driver.leader()
            if (leader === undefined) return t.fail('no leader known after 20 writes')
            killed = nodeOf(leader)
            kill(killed)
          }
          const tag = `w${i}`
          outcomes.push({ tag, r: await pool.run(insert(events, { tag }))() })
        }
        const rights = outcomes.filter((o) => E.isRight(o.r)).map((o) => o.tag)
        const lefts = outcomes.flatMap((o) => (E.isLeft(o.r) ? [o.r.left] : []))
        t.log(
          `${outcomes.length} writes: ${rights.length} Right, ${lefts.length} Left; killed node ${killed}; new leader ${driver.leader()}`
        )
        for (const l of lefts) t.log(`  Left: ${l._tag}: ${l.message.slice(0, 160)}`)
        // A Left says the outcome is unknown or that no leader answered: a ConnectionError, never a wrong success.
        for (const l of lefts) t.is(l._tag, 'ConnectionError')
        t.true(rightsAfterKill() >= 15, 'the pool wrote again after the election')
        t.not(driver.leader(), SERVERS[(killed ?? 1) - 1], 'a new leader')
        const { stored, counts } = await countsOf(pool)
        t.true(E.isRight(stored))
        for (const tag of rights) t.is(counts.get(tag), 1, `${tag} returned Right and is stored once`)
        for (const [tag, c] of counts) t.is(c, 1, `${tag} is stored once`)
        const tried = new Set(outcomes.map((o) => o.tag))
        for (const tag of counts.keys()) t.true(tried.has(tag), `${tag} was written by the loop`)
      } finally {
        await pool.close()
        reviveAll()
      }
    }
  )

  test.serial('a follower killed: no effect on the pool', async (t) => {
    const driver = dqlite({ servers: SERVERS, database: freshDatabase('follower'), timeoutMs: 15_000 })
    const pool = remotePool(driver)
    try {
      t.true(E.isRight(await pool.run(createTable(events))()))
      const leader = driver.leader()
      if (leader === undefined) return t.fail('no leader known')
      const follower = [1, 2, 3].find((n) => n !== nodeOf(leader))!
      const outcomes: Array<E.Either<DbError, unknown>> = []
      for (let i = 0; i < 40; i++) {
        if (i === 10) kill(follower)
        outcomes.push(await pool.run(insert(events, { tag: `f${i}` }))())
      }
      t.deepEqual(
        outcomes.filter((r) => E.isLeft(r)),
        []
      )
      t.is(driver.leader(), leader)
      const { counts } = await countsOf(pool)
      t.is(counts.size, 40)
    } finally {
      await pool.close()
      reviveAll()
    }
  })

  test.serial('the whole cluster down: a Left within the timeout, never a hang; close() resolves', async (t) => {
    const driver = dqlite({ servers: SERVERS, database: freshDatabase('down'), timeoutMs: 2_000 })
    const pool = remotePool(driver)
    try {
      t.true(E.isRight(await pool.run(createTable(events))()))
      for (const n of [1, 2, 3]) kill(n)
      const began = Date.now()
      const [w, r] = await Promise.all([pool.run(insert(events, { tag: 'x' }))(), pool.run(pipe(select(events), all))()])
      const took = Date.now() - began
      t.true(E.isLeft(w) && w.left._tag === 'ConnectionError', JSON.stringify(w))
      t.true(E.isLeft(r) && r.left._tag === 'ConnectionError', JSON.stringify(r))
      // Two calls one after the other on one connection, each bounded by timeoutMs.
      t.true(took < 2 * 2_000 + 1_500, `answered in ${took} ms`)
      const closing = Date.now()
      await pool.close()
      t.true(Date.now() - closing < 1_000)
      const after = await pool.run(pipe(select(events), all))()
      t.true(E.isLeft(after) && after.left._tag === 'ValidationError')
    } finally {
      // The last test: test.after.always stops what is left of this private cluster.
      await pool.close()
    }
  })
}
