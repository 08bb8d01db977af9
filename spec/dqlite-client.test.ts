/**
 * The dqlite driver at the protocol level, against the live cluster (scripts/dqlite-cluster.sh
 * start; skipped with one line without it): leader discovery from any server, a follower's
 * 10250, values of every type read back as better-sqlite3 reads them (compared with the same
 * SQL run by better-sqlite3 itself), rows split over several messages, failures as DbErrors by
 * code, BUSY waited out, RETURNING writes kept, the 255-parameter bound, a request timeout
 * against a server that never answers, bad options, and a clean close.
 */
import test from 'ava'
import * as net from 'node:net'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError, RemoteResult, RemoteStatement } from '../src/index.js'
import { dqlite } from '../src/index.js'
import { openConnection } from '../src/driver/dqlite/connection.js'
import {
  Request,
  Response,
  clientRequest,
  decodeFailure,
  decodeNode,
  leaderRequest,
  openRequest,
  sqlRequest,
  decodeDb
} from '../src/driver/dqlite/wire.js'
import { NO_CLUSTER, SERVERS, clusterUp, freshDatabase } from './helpers/dqlite.js'

const stmt = (sql: string, params: RemoteStatement['params'] = [], extra: Partial<RemoteStatement> = {}): RemoteStatement => ({
  sql,
  params,
  rows: /^\s*(SELECT|WITH|VALUES)/i.test(sql) || /RETURNING/i.test(sql),
  write: !/^\s*(SELECT|WITH|VALUES)/i.test(sql),
  ...extra
})

const rowsOf = (r: E.Either<DbError, RemoteResult>): ReadonlyArray<ReadonlyArray<unknown>> => {
  if (E.isLeft(r)) throw new Error(`expected rows, got Left ${r.left._tag}: ${r.left.message}`)
  if (r.right._tag !== 'Rows') throw new Error('expected rows, got changes')
  return r.right.rows
}

const up = await clusterUp()

if (!up) {
  test.skip(NO_CLUSTER, () => undefined)
} else {
  test('finds the leader from any one server, and runs there', async (t) => {
    for (const server of SERVERS) {
      const d = dqlite({ servers: [server], database: freshDatabase('leader') })
      t.deepEqual(rowsOf(await d.run(stmt('SELECT 1 + 1'))), [[2]])
      t.true(SERVERS.includes(d.leader()!), `${server} led to ${d.leader()}`)
      await d.close()
    }
  })

  test('a follower answers a statement with 10250 (not leader): the code the driver rediscovers on', async (t) => {
    const probe = await openConnection(SERVERS[0]!, 2000)
    const leader = decodeNode((await probe.call(leaderRequest(), 2000)).body).address
    probe.close()
    const follower = SERVERS.find((s) => s !== leader)!
    const c = await openConnection(follower, 2000)
    try {
      t.is((await c.call(clientRequest(0n), 2000)).type, Response.Welcome)
      const db = await c.call(openRequest(freshDatabase('follower')), 2000)
      t.is(db.type, Response.Db)
      const m = await c.call(sqlRequest(Request.QuerySql, decodeDb(db.body), 'SELECT 1', []), 2000)
      t.is(m.type, Response.Failure)
      t.is(decodeFailure(m.body).code, 10250)
    } finally {
      c.close()
    }
  })

  test('values of every type come back as better-sqlite3 reads the same SQL (numbers, safe integers, text, blobs, NULL)', async (t) => {
    const d = dqlite({ servers: SERVERS, database: freshDatabase('types') })
    const local = new Database(':memory:')
    try {
      const ddl = 'CREATE TABLE v (i INTEGER, r REAL, s TEXT, b BLOB, n, d DATETIME, flag BOOLEAN)'
      t.true(E.isRight(await d.run(stmt(ddl))))
      local.exec(ddl)
      const ins = 'INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?)'
      const rows: ReadonlyArray<ReadonlyArray<null | number | bigint | string | Uint8Array>> = [
        [1, 1.5, 'ascii', new Uint8Array([0, 1, 255]), null, '2024-01-02T03:04:05.678Z', 1],
        [9007199254740993n, -0.0, 'ünïcödé ☃ 😀', new Uint8Array([]), 42, null, 0],
        [-9223372036854775808n, 1e308, '', new Uint8Array(17).fill(7), 'x', '2024-01-02', 2],
        [null, null, null, null, null, null, 1]
      ]
      for (const r of rows) {
        t.true(E.isRight(await d.run(stmt(ins, r))))
        local.prepare(ins).run(...r)
      }
      for (const safe of [false, true]) {
        const q = 'SELECT i, r, s, b, n, d, flag, typeof(i), typeof(r), ? / 2 FROM v ORDER BY rowid'
        const remote = rowsOf(await d.run(stmt(q, [3], { safeIntegers: safe })))
        const want = local.prepare(q).raw(true).safeIntegers(safe).all(3)
        t.deepEqual(remote, want, `safeIntegers ${safe}`)
      }
      // An engine fact pinned: a NULL in a column declared BOOLEAN (not a type the library
      // declares) reads as 0 through dqlite; one declared DATETIME reads as NULL.
      await d.run(stmt('INSERT INTO v (d, flag) VALUES (NULL, NULL)'))
      t.deepEqual(rowsOf(await d.run(stmt('SELECT d, flag, flag IS NULL FROM v WHERE rowid = 5'))), [[null, 0, 1]])
    } finally {
      local.close()
      await d.close()
    }
  })

  test('a result of thousands of rows arrives in several messages and is read whole', async (t) => {
    const d = dqlite({ servers: SERVERS, database: freshDatabase('rows') })
    try {
      const q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x, printf('%0200d', x) FROM c"
      const rows = rowsOf(await d.run(stmt(q)))
      t.is(rows.length, 20000)
      t.deepEqual(rows[19999], [20000, String(20000).padStart(200, '0')])
      t.true(rows.every((r, i) => r[0] === i + 1))
    } finally {
      await d.close()
    }
  })

  test('failures are DbErrors by SQLite code: syntax, constraint by kind, and the driver goes on', async (t) => {
    const d = dqlite({ servers: SERVERS, database: freshDatabase('errors') })
    try {
      const bad = await d.run(stmt('SELEC 1'))
      t.true(E.isLeft(bad) && bad.left._tag === 'SqliteError' && bad.left.code === 'SQLITE_ERROR' && /syntax error/.test(bad.left.message))
      await d.run(stmt('CREATE TABLE u (id INTEGER PRIMARY KEY, e TEXT NOT NULL UNIQUE)'))
      await d.run(stmt('INSERT INTO u (e) VALUES (?)', ['a']))
      const dup = await d.run(stmt('INSERT INTO u (e) VALUES (?)', ['a']))
      t.true(
        E.isLeft(dup) && dup.left._tag === 'ConstraintError' && dup.left.kind === 'unique' && dup.left.code === 'SQLITE_CONSTRAINT_UNIQUE'
      )
      const nn = await d.run(stmt('INSERT INTO u (e) VALUES (NULL)'))
      t.true(E.isLeft(nn) && nn.left._tag === 'ConstraintError' && nn.left.kind === 'notNull')
      t.deepEqual(rowsOf(await d.run(stmt('SELECT count(*) FROM u'))), [[1]])
    } finally {
      await d.close()
    }
  })

  test('a write with RETURNING is kept (run inside BEGIN IMMEDIATE ... COMMIT), and the next write works', async (t) => {
    const name = freshDatabase('returning')
    const d = dqlite({ servers: SERVERS, database: name })
    const other = dqlite({ servers: SERVERS, database: name })
    try {
      await d.run(stmt('CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)'))
      t.deepEqual(rowsOf(await d.run(stmt('INSERT INTO r (v) VALUES (?) RETURNING id, v', ['a']))), [[1, 'a']])
      t.true(E.isRight(await d.run(stmt('INSERT INTO r (v) VALUES (?)', ['b']))))
      // Read through another connection: the write committed.
      t.deepEqual(rowsOf(await other.run(stmt('SELECT id, v FROM r ORDER BY id'))), [
        [1, 'a'],
        [2, 'b']
      ])
    } finally {
      await d.close()
      await other.close()
    }
  })

  test('BUSY comes back at once from the engine: a write waits (bounded) for another connection’s transaction', async (t) => {
    const name = freshDatabase('busy')
    const holder = dqlite({ servers: SERVERS, database: name })
    const writer = dqlite({ servers: SERVERS, database: name, timeoutMs: 5000 })
    try {
      await holder.run(stmt('CREATE TABLE b (id INTEGER PRIMARY KEY)'))
      let began = 0
      const held = holder.transaction(async (tx) => {
        await tx.run(stmt('INSERT INTO b DEFAULT VALUES'))
        began = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 400))
        return E.right('held')
      }, 5000)
      while (began === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      const w = await writer.run(stmt('INSERT INTO b DEFAULT VALUES'))
      const waited = Date.now() - began
      t.deepEqual(await held, E.right('held'))
      t.true(E.isRight(w), JSON.stringify(w))
      t.true(waited >= 300, `the write waited ${waited} ms for the lock`)
      t.deepEqual(rowsOf(await writer.run(stmt('SELECT count(*) FROM b'))), [[2]])

      // Past the driver's timeout, BUSY is a Left BusyError.
      const impatient = dqlite({ servers: SERVERS, database: name, timeoutMs: 200 })
      const longHold = holder.transaction(async (tx) => {
        await tx.run(stmt('INSERT INTO b DEFAULT VALUES'))
        await new Promise((resolve) => setTimeout(resolve, 600))
        return E.left<DbError>({ _tag: 'ValidationError', message: 'roll back' })
      }, 5000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const refused = await impatient.run(stmt('INSERT INTO b DEFAULT VALUES'))
      t.true(E.isLeft(refused) && refused.left._tag === 'BusyError', JSON.stringify(refused))
      t.true(E.isLeft(await longHold))
      await impatient.close()
    } finally {
      await holder.close()
      await writer.close()
    }
  })

  test('more than 255 params is a Left before anything is sent; 255 run', async (t) => {
    const d = dqlite({ servers: SERVERS, database: freshDatabase('params') })
    try {
      const list = (n: number) => Array.from({ length: n }, (_, i) => i)
      const sql = (n: number) =>
        `SELECT ${list(n)
          .map(() => '?')
          .join(' + ')}`
      const ok = await d.run(stmt(sql(255), list(255)))
      t.deepEqual(rowsOf(ok), [[(254 * 255) / 2]])
      const tooMany = await d.run(stmt(sql(256), list(256)))
      t.true(E.isLeft(tooMany) && tooMany.left._tag === 'ValidationError' && /255 parameters/.test(tooMany.left.message))
    } finally {
      await d.close()
    }
  })

  test('a server that never answers: a Left within timeoutMs, and close resolves', async (t) => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as net.AddressInfo).port
    const d = dqlite({ servers: [`127.0.0.1:${port}`], database: 'x', timeoutMs: 300 })
    try {
      const began = Date.now()
      const r = await d.run(stmt('SELECT 1'))
      t.true(E.isLeft(r) && r.left._tag === 'ConnectionError', JSON.stringify(r))
      t.true(Date.now() - began < 1500)
    } finally {
      await d.close()
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  test('bad options are a Left on every call; close is clean and later calls are Lefts', async (t) => {
    const bad = dqlite({ servers: [], database: 'x' })
    const r = await bad.run(stmt('SELECT 1'))
    t.true(E.isLeft(r) && r.left._tag === 'ValidationError' && r.left.path === 'options.servers')
    await bad.close()
    const d = dqlite({ servers: SERVERS, database: freshDatabase('close') })
    t.true(E.isRight(await d.run(stmt('SELECT 1'))))
    await Promise.all([d.close(), d.close()])
    const after = await d.run(stmt('SELECT 1'))
    t.true(E.isLeft(after) && after.left._tag === 'ValidationError' && /closed/.test(after.left.message))
  })
}
