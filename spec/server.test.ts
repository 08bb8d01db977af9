/**
 * The example HTTP server (examples/server.ts), started on a random loopback port over a
 * temp database file and driven with real HTTP requests; and once as its own process,
 * started by node directly and stopped with SIGTERM, after which the process has exited
 * and the database file passes SQLite's integrity check.
 */
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import type { AddressInfo } from 'node:net'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DbError } from '../src/index.js'
import { connect, count, eq, filter, insert, select, session } from '../src/index.js'
import type { Server } from '../examples/server.js'
import { buildServer, httpStatus, MAX_PAGE, posts } from '../examples/server.js'
import { tempDbPath, tempDir } from './helpers/db.js'

const dbPath = tempDbPath('server.db')
let server: Server
let base = ''

test.before(async () => {
  server = await buildServer(dbPath)
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  const address = server.app.server.address() as AddressInfo
  base = `http://127.0.0.1:${address.port}`
})

test.after.always(async () => {
  await server?.close()
})

interface Res {
  readonly status: number
  readonly body: unknown
  readonly type: string | null
}

/** One request; `body` is sent as JSON, `raw` as it is (with its content type). */
const call = async (method: string, path: string, options: { body?: unknown; raw?: string; type?: string } = {}): Promise<Res> => {
  const init: RequestInit = { method }
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body)
    init.headers = { 'content-type': 'application/json' }
  } else if (options.raw !== undefined) {
    init.body = options.raw
    init.headers = { 'content-type': options.type ?? 'application/json' }
  }
  const res = await fetch(`${base}${path}`, init)
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), type: res.headers.get('content-type') }
}

type Json = Record<string, unknown>

/** An error answer: the status, and a JSON body of exactly `{ error, message }`. */
const isError = (t: ExecutionContext, res: Res, status: number, tag: string, message?: RegExp): void => {
  t.is(res.status, status, JSON.stringify(res.body))
  t.regex(res.type ?? '', /application\/json/)
  const body = res.body as Json
  t.deepEqual(Object.keys(body).sort(), ['error', 'message'])
  t.is(body.error, tag)
  t.true(typeof body.message === 'string' && body.message.length > 0)
  if (message !== undefined) t.regex(body.message as string, message)
}

let n = 0
/** A user no other test uses. */
const fresh = (extra: Json = {}): Json => {
  const i = ++n
  return { name: `User ${i}`, email: `user${i}@x.io`, ...extra }
}

const create = async (t: ExecutionContext, extra: Json = {}): Promise<Json> => {
  const res = await call('POST', '/users', { body: fresh(extra) })
  t.is(res.status, 201, JSON.stringify(res.body))
  return res.body as Json
}

// -------------------------------------------------------------------------------------
// users
// -------------------------------------------------------------------------------------

test('POST /users creates a user (201); GET /users/:id reads it and GET /users lists it', async (t) => {
  const input = fresh({ age: 30 })
  const res = await call('POST', '/users', { body: input })
  t.is(res.status, 201)
  const user = res.body as Json
  t.is(typeof user.id, 'number')
  t.like(user, { name: input.name, email: input.email, age: 30 })
  t.false(Number.isNaN(Date.parse(user.createdAt as string)), 'createdAt is filled in by the database')

  const read = await call('GET', `/users/${String(user.id)}`)
  t.is(read.status, 200)
  t.deepEqual(read.body, user)

  const list = await call('GET', '/users')
  t.is(list.status, 200)
  t.true(Array.isArray(list.body))
  t.deepEqual(
    (list.body as Json[]).filter((u) => u.id === user.id),
    [user]
  )
  // An optional field left out is null.
  t.is((await create(t)).age, null)
})

// Serial tests run first, alone: these two look at the whole table.
test.serial('GET /users pages with limit and offset, and refuses a bad limit with 400', async (t) => {
  const a = await create(t)
  const b = await create(t)
  const all = (await call('GET', '/users')).body as Json[]
  const ids = all.map((u) => u.id as number)
  t.deepEqual(
    ids,
    [...ids].sort((x, y) => x - y),
    'ordered by id'
  )
  t.true(ids.includes(a.id as number) && ids.includes(b.id as number))

  const page = await call('GET', `/users?limit=1&offset=${ids.indexOf(b.id as number)}`)
  t.is(page.status, 200)
  t.deepEqual(page.body, [b])
  t.deepEqual((await call('GET', '/users?limit=0')).body, [])

  isError(t, await call('GET', '/users?limit=abc'), 400, 'ValidationError', /limit/)
  isError(t, await call('GET', '/users?limit=-1'), 400, 'ValidationError', /limit/)
  isError(t, await call('GET', '/users?offset=1.5'), 400, 'ValidationError', /offset/)
})

test('GET /users/:id: 404 for a missing user, 400 for an id that is not an integer', async (t) => {
  isError(t, await call('GET', '/users/999999'), 404, 'NotFound', /No user 999999/)
  isError(t, await call('GET', '/users/abc'), 400, 'ValidationError', /id/)
  isError(t, await call('GET', '/users/1.5'), 400, 'ValidationError')
})

test.serial('POST /users refuses bad bodies with 400, and writes nothing', async (t) => {
  const before = ((await call('GET', '/users')).body as Json[]).length
  const bad = async (options: { body?: unknown; raw?: string; type?: string }, message?: RegExp) =>
    isError(t, await call('POST', '/users', options), 400, 'ValidationError', message)

  await bad({ body: { name: 'No Email' } }, /email/) // a missing required field
  await bad({ body: { name: 42, email: 'n@x.io' } }, /name/) // wrong types
  await bad({ body: { name: 'N', email: 'n@x.io', age: 'old' } }, /age/)
  await bad({ body: { name: 'N', email: 'n@x.io', age: 1.5 } }, /age/)
  await bad({ body: { name: null, email: 'n@x.io' } }, /name/)
  await bad({ body: { name: 'N', email: 'n@x.io', role: 'admin' } }, /role/) // an unknown field
  await bad({ body: { name: 'N', email: 'n@x.io', id: 7 } }, /id is set by the server/) // the server's fields
  await bad({ body: { name: 'N', email: 'n@x.io', createdAt: '2020-01-01' } }, /createdAt/)
  await bad({ body: [1, 2] }, /JSON object/) // not an object
  await bad({ body: 'text' }, /JSON object/)
  await bad({ raw: '{"name": ' }, /JSON/) // malformed JSON
  await bad({}, /JSON object/) // no body at all

  t.is(((await call('GET', '/users')).body as Json[]).length, before)
})

test('POST /users with an email already taken is 409 ConstraintError', async (t) => {
  const user = await create(t)
  isError(t, await call('POST', '/users', { body: { name: 'Other', email: user.email } }), 409, 'ConstraintError', /email/)
})

test('PATCH /users/:id updates, with 400 for bad values, 404 for a missing user, 409 for a taken email', async (t) => {
  const user = await create(t, { age: 20 })
  const other = await create(t)
  const id = String(user.id)

  const ok = await call('PATCH', `/users/${id}`, { body: { age: 21, name: 'Renamed' } })
  t.is(ok.status, 200)
  t.deepEqual(ok.body, { ...user, age: 21, name: 'Renamed' })
  t.deepEqual((await call('GET', `/users/${id}`)).body, ok.body)
  // null clears a nullable column
  t.is(((await call('PATCH', `/users/${id}`, { body: { age: null } })).body as Json).age, null)

  isError(t, await call('PATCH', `/users/${id}`, { body: { age: 'x' } }), 400, 'ValidationError', /age/)
  isError(t, await call('PATCH', `/users/${id}`, { body: { name: null } }), 400, 'ValidationError', /name/)
  isError(t, await call('PATCH', `/users/${id}`, { body: { role: 'admin' } }), 400, 'ValidationError', /role/)
  isError(t, await call('PATCH', `/users/${id}`, { body: {} }), 400, 'ValidationError')
  isError(t, await call('PATCH', `/users/${id}`, { body: { id: 5 } }), 400, 'ValidationError', /set by the server/)
  isError(t, await call('PATCH', `/users/${id}`, { body: [] }), 400, 'ValidationError')
  isError(t, await call('PATCH', `/users/${id}`, { body: { email: other.email } }), 409, 'ConstraintError')
  isError(t, await call('PATCH', '/users/999999', { body: { age: 1 } }), 404, 'NotFound')
  isError(t, await call('PATCH', '/users/abc', { body: { age: 1 } }), 400, 'ValidationError')

  // None of the refused changes were made.
  t.deepEqual((await call('GET', `/users/${id}`)).body, { ...user, age: null, name: 'Renamed' })
})

test('DELETE /users/:id: 204, then 404; 400 for a bad id; the posts go with the user', async (t) => {
  const user = await create(t)
  const id = String(user.id)
  t.is((await call('POST', `/users/${id}/posts`, { body: { title: 'Bye' } })).status, 201)

  const res = await call('DELETE', `/users/${id}`)
  t.is(res.status, 204)
  t.is(res.body, undefined)
  isError(t, await call('GET', `/users/${id}`), 404, 'NotFound')
  isError(t, await call('DELETE', `/users/${id}`), 404, 'NotFound')
  isError(t, await call('DELETE', '/users/abc'), 400, 'ValidationError')

  // ON DELETE CASCADE: checked on the file itself, from this thread.
  const s = session(connect(dbPath))
  t.deepEqual(s.run(pipe(select(posts), filter(eq(posts.userId, user.id as number)), count)), E.right(0))
  s.close()
})

// -------------------------------------------------------------------------------------
// posts
// -------------------------------------------------------------------------------------

test('POST and GET /users/:id/posts, with 404 for a missing user and 400 for bad input', async (t) => {
  const user = await create(t)
  const id = String(user.id)
  t.deepEqual((await call('GET', `/users/${id}/posts`)).body, [])

  const first = await call('POST', `/users/${id}/posts`, { body: { title: 'Hello', body: 'First post' } })
  t.is(first.status, 201)
  t.like(first.body, { userId: user.id, title: 'Hello', body: 'First post' })
  const second = await call('POST', `/users/${id}/posts`, { body: { title: 'Again' } })
  t.is(second.status, 201)
  t.is((second.body as Json).body, null)

  const list = await call('GET', `/users/${id}/posts`)
  t.is(list.status, 200)
  t.deepEqual(list.body, [first.body, second.body])

  isError(t, await call('GET', '/users/999999/posts'), 404, 'NotFound', /No user/)
  isError(t, await call('POST', '/users/999999/posts', { body: { title: 'x' } }), 404, 'NotFound', /No user/)
  isError(t, await call('GET', '/users/abc/posts'), 400, 'ValidationError')
  isError(t, await call('POST', '/users/abc/posts', { body: { title: 'x' } }), 400, 'ValidationError')
  isError(t, await call('POST', `/users/${id}/posts`, { body: {} }), 400, 'ValidationError', /title/)
  isError(t, await call('POST', `/users/${id}/posts`, { body: { title: 3 } }), 400, 'ValidationError', /title/)
  isError(t, await call('POST', `/users/${id}/posts`, { body: { title: 'x', tags: [] } }), 400, 'ValidationError', /tags/)
  isError(t, await call('POST', `/users/${id}/posts`, { body: { title: 'x', userId: 1 } }), 400, 'ValidationError', /userId/)

  t.is(((await call('GET', `/users/${id}/posts`)).body as Json[]).length, 2, 'nothing refused was written')
})

test('GET /users/:id/posts pages with limit and offset; every limit is capped at MAX_PAGE', async (t) => {
  const user = await create(t)
  const id = user.id as number
  // More posts than a page holds, written straight to the file (the server's pool sees them).
  const s = session(connect(dbPath))
  const titles = Array.from({ length: MAX_PAGE + 5 }, (_, i) => `post ${i}`)
  t.true(
    E.isRight(
      s.run(
        insert(
          posts,
          titles.map((title) => ({ userId: id, title }))
        )
      )
    )
  )
  const expected = new Database(dbPath, { readonly: true })
  const ids = (expected.prepare('SELECT id FROM posts WHERE "userId" = ? ORDER BY id').all(id) as Array<{ id: number }>).map((r) => r.id)
  expected.close()
  const idsOf = (res: Res): number[] => (res.body as Json[]).map((p) => p.id as number)

  const first = await call('GET', `/users/${id}/posts?limit=2`)
  t.is(first.status, 200)
  t.deepEqual(idsOf(first), ids.slice(0, 2))
  t.deepEqual(idsOf(await call('GET', `/users/${id}/posts?limit=2&offset=2`)), ids.slice(2, 4))
  t.deepEqual(idsOf(await call('GET', `/users/${id}/posts`)), ids.slice(0, MAX_PAGE), 'the default page is MAX_PAGE')
  t.deepEqual(idsOf(await call('GET', `/users/${id}/posts?limit=100000`)), ids.slice(0, MAX_PAGE), 'a larger limit is capped')
  t.deepEqual(idsOf(await call('GET', `/users/${id}/posts?offset=${MAX_PAGE}&limit=100000`)), ids.slice(MAX_PAGE))
  t.true(((await call('GET', '/users?limit=100000')).body as Json[]).length <= MAX_PAGE, '/users caps its limit too')
  isError(t, await call('GET', `/users/${id}/posts?limit=abc`), 400, 'ValidationError', /limit/)
  isError(t, await call('GET', `/users/${id}/posts?offset=-1`), 400, 'ValidationError', /offset/)
})

// -------------------------------------------------------------------------------------
// the rest
// -------------------------------------------------------------------------------------

test('an unknown route is a 404 in the same JSON shape', async (t) => {
  isError(t, await call('GET', '/nope'), 404, 'NotFound', /GET \/nope/)
  isError(t, await call('PUT', '/users/1'), 404, 'NotFound')
})

test('httpStatus maps every error tag', (t) => {
  const statuses = (
    [
      'NotFound',
      'ValidationError',
      'DecodeError',
      'ConstraintError',
      'BusyError',
      'SqliteError',
      'ConnectionError',
      'TooManyRows',
      'MigrationError',
      'UnexpectedError'
    ] as const
  ).map((tag) => [tag, httpStatus({ _tag: tag, message: 'x' } as DbError)])
  t.deepEqual(Object.fromEntries(statuses), {
    NotFound: 404,
    ValidationError: 400,
    DecodeError: 400,
    ConstraintError: 409,
    BusyError: 503,
    SqliteError: 500,
    ConnectionError: 500,
    TooManyRows: 500,
    MigrationError: 500,
    UnexpectedError: 500
  })
})

test('buildServer over a path that cannot be a database rejects, saying why', async (t) => {
  const folder = tempDir()
  const err = await t.throwsAsync(buildServer(folder, { readers: 1 }))
  t.regex(err?.message ?? '', /Cannot set up the database/)
  t.regex(err?.message ?? '', /folder/)
})

test('started by node directly, the server stops on SIGTERM: the process exits 0 and the database passes integrity_check', async (t) => {
  t.timeout(120_000)
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const file = tempDbPath('signal.db')
  // What a process manager runs: node itself (no npm in between to swallow the signal).
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=fp-lite-orm-source', path.join(root, 'examples', 'server.ts')], {
    cwd: root,
    env: { ...process.env, PORT: '0', DB: file, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (code, signal) => resolve([code, signal]))
  )
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const m = /listening on (http:\/\/\S+)/.exec(stdout)
      if (m !== null) resolve(m[1]!)
    })
    void exited.then(() => reject(new Error(`the server exited before listening\n${stdout}\n${stderr}`)))
  })
  // Some writes, one still in flight when the signal comes.
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${address}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `U${i}`, email: `u${i}@x.io` })
    })
    t.is(res.status, 201)
  }
  const inFlight = fetch(`${address}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Last', email: 'last@x.io' })
  }).then(
    (r) => r.status,
    () => 'refused'
  )
  child.kill('SIGTERM')
  const [code, signal] = await exited
  t.is(code, 0, stderr)
  t.is(signal, null)
  t.regex(stdout, /SIGTERM: closing the server and the pool/)
  const last = await inFlight
  const db = new Database(file, { readonly: true })
  try {
    t.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }])
    const names = (db.prepare('SELECT name FROM users ORDER BY id').all() as Array<{ name: string }>).map((r) => r.name)
    // The in-flight write either finished before the server closed (201, and it is there) or never started.
    t.deepEqual(names, last === 201 ? ['U0', 'U1', 'U2', 'U3', 'U4', 'Last'] : ['U0', 'U1', 'U2', 'U3', 'U4'])
  } finally {
    db.close()
  }
})
