/**
 * The studio's server over real HTTP on 127.0.0.1: the token, loopback only, no CORS, names
 * from the page checked against the live schema (hostile ones refused with 400, odd real
 * ones served), paging checked against hand-written SQL through better-sqlite3, the
 * read-only query connection, large tables and blobs never sent whole, edits off by default
 * (and, with write, the library's constraint errors), the schema and drift, the
 * migrations, and the CLI stopped by a signal.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- answers are the API's JSON, read field by field and checked against direct reads */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import type { Studio, StudioOptions } from '../src/index.js'
import { connect, integer, migrate, planMigration, studio, table, text } from '../src/index.js'
import { runStudio } from '../src/cli/studio.js'
import { describe } from '../src/migrate/diff.js'
import { tempDbPath, tempDir, unwrap } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: any
  readonly bytes: number
}

const call = async (
  s: Studio,
  pathAndQuery: string,
  init: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = { ...(init.headers ?? {}) }
  if (init.token !== null) headers['x-studio-token'] = init.token ?? s.token
  if (init.body !== undefined) headers['content-type'] ??= 'application/json'
  const r = await fetch(`http://127.0.0.1:${s.port}${pathAndQuery}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) })
  })
  const text = await r.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // the page
  }
  return { status: r.status, headers: r.headers, body, bytes: Buffer.byteLength(text) }
}

const rowsUrl = (q: Record<string, unknown>): string =>
  `/api/rows?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}`

/** A database with a few tables written by hand (not by the library), and its file. */
const shop = (): string => {
  const file = tempDbPath()
  const d = new Database(file)
  d.exec(`
    CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, born INTEGER);
    CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id), title TEXT NOT NULL, pages INTEGER, cover BLOB);
    CREATE INDEX books_author_idx ON books(author_id);
    CREATE TABLE tags (book_id INTEGER NOT NULL REFERENCES books(id), tag TEXT NOT NULL, PRIMARY KEY (book_id, tag)) WITHOUT ROWID;
    CREATE TABLE notes (body TEXT);
    CREATE TABLE "we""ird; DROP TABLE authors; --" ("a b""c" INTEGER PRIMARY KEY, "sel ect" TEXT);
    CREATE VIEW long_books AS SELECT id, title FROM books WHERE pages > 300;
  `)
  d.exec('BEGIN')
  const author = d.prepare('INSERT INTO authors (name, born) VALUES (?, ?)')
  for (let i = 1; i <= 30; i++) author.run(`author ${String(i).padStart(2, '0')}`, i % 4 === 0 ? null : 1900 + i)
  const book = d.prepare('INSERT INTO books (author_id, title, pages) VALUES (?, ?, ?)')
  for (let i = 1; i <= 137; i++) book.run((i % 30) + 1, `book ${i}`, i % 7 === 0 ? null : (i * 37) % 500)
  const tag = d.prepare('INSERT INTO tags VALUES (?, ?)')
  for (let i = 1; i <= 40; i++) for (const t of ['a', 'b', 'c'].slice(0, (i % 3) + 1)) tag.run(i, t)
  for (let i = 0; i < 12; i++) d.prepare('INSERT INTO notes VALUES (?)').run(`note ${i}`)
  d.prepare(`INSERT INTO "we""ird; DROP TABLE authors; --" VALUES (1, 'x'), (2, 'y')`).run()
  d.exec('COMMIT')
  d.close()
  return file
}

const withStudio = async <A>(options: StudioOptions, f: (s: Studio) => Promise<A>): Promise<A> => {
  const s = unwrap(await studio(options))
  try {
    return await f(s)
  } finally {
    await s.close()
  }
}

const direct = <A>(file: string, f: (d: Database.Database) => A): A => {
  const d = new Database(file, { readonly: true })
  try {
    return f(d)
  } finally {
    d.close()
  }
}

/** Every row of a table through the API, following `next` to the end. */
const walk = async (s: Studio, q: Record<string, unknown>): Promise<{ rows: unknown[][]; pages: number; paging: string[] }> => {
  const rows: unknown[][] = []
  const paging: string[] = []
  let start: Record<string, unknown> = {}
  for (let pages = 1; pages < 1000; pages++) {
    const a = await call(s, rowsUrl({ ...q, ...start }))
    if (a.status !== 200) throw new Error(JSON.stringify(a.body))
    rows.push(...(a.body.rows as unknown[][]))
    paging.push(a.body.paging as string)
    if (a.body.next === null) return { rows, pages, paging }
    start = 'after' in a.body.next ? { after: a.body.next.after } : { offset: String(a.body.next.offset) }
  }
  throw new Error('no last page')
}

// -------------------------------------------------------------------------------------
// access
// -------------------------------------------------------------------------------------

test('every request needs the token: none, a wrong one, or a token of another studio is 403; the header or the query parameter passes', async (t) => {
  const file = shop()
  await withStudio({ db: file }, async (s) => {
    t.regex(s.url, new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/\\?token=[A-Za-z0-9_-]{32}$`))
    for (const p of ['/', '/api/schema', rowsUrl({ table: 'books' }), '/api/migrations', '/nope']) {
      t.is((await call(s, p, { token: null })).status, 403, p)
      t.is((await call(s, p, { token: 'x'.repeat(s.token.length) })).status, 403, p)
      t.is((await call(s, p, { token: s.token.slice(1) })).status, 403, p)
    }
    t.is((await call(s, '/api/query', { token: null, body: { sql: 'SELECT 1' } })).status, 403)
    await withStudio({ db: file }, async (other) => {
      t.not(other.token, s.token)
      t.is((await call(s, '/api/schema', { token: other.token })).status, 403)
    })
    t.is((await call(s, '/api/schema')).status, 200)
    const page = await call(s, `/?token=${s.token}`, { token: null })
    t.is(page.status, 200)
    t.regex(page.headers.get('content-type') ?? '', /text\/html/)
    t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'none'/)
    t.is(page.headers.get('referrer-policy'), 'no-referrer')
    t.is((await call(s, `/api/schema?token=${s.token}`, { token: null })).status, 200)
  })
})

test('no CORS: no answer carries Access-Control headers, even to a request from another origin or a preflight', async (t) => {
  await withStudio({ db: shop() }, async (s) => {
    for (const a of [
      await call(s, '/api/schema', { headers: { origin: 'http://evil.example' } }),
      await call(s, '/api/schema', { token: null, headers: { origin: 'http://evil.example' } }),
      await call(s, '/api/query', { body: { sql: 'SELECT 1' }, headers: { origin: 'http://evil.example' } })
    ]) {
      t.deepEqual(
        [...a.headers.keys()].filter((k) => k.startsWith('access-control')),
        []
      )
    }
    const preflight = await fetch(`http://127.0.0.1:${s.port}/api/query`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' }
    })
    t.is(preflight.status, 403)
    t.deepEqual(
      [...preflight.headers.keys()].filter((k) => k.startsWith('access-control')),
      []
    )
  })
})

test('it listens on 127.0.0.1 only, and refuses a request whose Host is not that address (DNS rebinding)', async (t) => {
  await withStudio({ db: shop() }, async (s) => {
    // Another address of this machine does not reach it.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && i.family === 'IPv4' && !i.internal)
      .map((i) => i!.address)
    for (const address of others) {
      const refused = await new Promise<boolean>((resolve) => {
        const c = net.connect({ host: address, port: s.port })
        c.once('connect', () => (c.destroy(), resolve(false)))
        c.once('error', () => resolve(true))
      })
      t.true(refused, address)
    }
    const v6 = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '::1', port: s.port })
      c.once('connect', () => (c.destroy(), resolve(false)))
      c.once('error', () => resolve(true))
    })
    t.true(v6, '::1')
    const rebound = await new Promise<number>((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port: s.port,
            path: '/api/schema',
            headers: { host: `attacker.example:${s.port}`, 'x-studio-token': s.token }
          },
          (r) => {
            r.resume()
            resolve(r.statusCode ?? 0)
          }
        )
        .on('error', reject)
    })
    t.is(rebound, 403)
    t.is((await call(s, '/api/schema')).status, 200)
  })
})

// -------------------------------------------------------------------------------------
// names
// -------------------------------------------------------------------------------------

test('names from the page are checked against the live schema: hostile tables, columns, operators are 400 and change nothing', async (t) => {
  const file = shop()
  const before = direct(file, (d) => d.prepare(`SELECT type, name, sql FROM sqlite_schema ORDER BY name`).all())
  await withStudio({ db: file }, async (s) => {
    const hostile: Array<Record<string, unknown>> = [
      { table: 'books; DROP TABLE authors' },
      { table: 'books"' },
      { table: 'sqlite_schema' },
      { table: '_lite_migr' },
      { table: '' },
      { table: 'books', sort: 'title; DROP TABLE authors' },
      { table: 'books', sort: 'id', dir: 'asc; DROP TABLE authors' },
      { table: 'books', sort: 'rowid"' },
      { table: 'books', filters: [{ column: '1=1) OR (1', op: 'eq', value: 1 }] },
      { table: 'books', filters: [{ column: 'title', op: 'eq) OR 1=1 --', value: 1 }] },
      { table: 'books', filters: [{ column: 'title', op: 'eq', value: { $blob: { size: 1, hex: '00' } } }] },
      { table: 'books', filters: [{ column: 'title', op: 'inArray', value: 'x' }] },
      { table: 'books', filters: { column: 'title' } },
      { table: 'books', filters: 'not json[' },
      { table: 'books', size: 0 },
      { table: 'books', size: 100000 },
      { table: 'books', offset: -1 },
      { table: 'books', after: [1, 2, 3] },
      { table: 'long_books', after: [1] }
    ]
    for (const q of hostile) {
      const a = await call(s, rowsUrl(q))
      t.is(a.status, 400, JSON.stringify(q))
      t.is(a.body.error._tag, 'ValidationError', JSON.stringify(q))
      t.is(typeof a.body.error.message, 'string')
    }
    const unknown = await call(s, rowsUrl({ table: 'nope' }))
    t.regex(unknown.body.error.message, /unknown table "nope": the database has authors, books/)
    const badColumn = await call(s, rowsUrl({ table: 'books', sort: 'nope' }))
    t.regex(badColumn.body.error.message, /unknown column "nope" in sort: books has id, author_id, title, pages, cover/)
  })
  t.deepEqual(
    direct(file, (d) => d.prepare(`SELECT type, name, sql FROM sqlite_schema ORDER BY name`).all()),
    before
  )
  t.is(
    direct(file, (d) => d.prepare('SELECT count(*) FROM authors').pluck().get()),
    30
  )
})

test('a table and columns with quotes, spaces and SQL in their names are served like any other', async (t) => {
  const file = shop()
  const name = 'we"ird; DROP TABLE authors; --'
  await withStudio({ db: file }, async (s) => {
    const a = await call(s, rowsUrl({ table: name, sort: 'a b"c', dir: 'desc', filters: [{ column: 'sel ect', op: 'ne', value: 'z' }] }))
    t.is(a.status, 200, JSON.stringify(a.body))
    const expected = direct(file, (d) =>
      d.prepare(`SELECT * FROM "we""ird; DROP TABLE authors; --" WHERE "sel ect" <> 'z' ORDER BY "a b""c" DESC`).raw().all()
    )
    t.deepEqual(a.body.rows, expected)
    t.deepEqual(
      a.body.columns.map((c: { name: string }) => c.name),
      ['a b"c', 'sel ect']
    )
  })
  t.is(
    direct(file, (d) => d.prepare('SELECT count(*) FROM authors').pluck().get()),
    30
  )
})

// -------------------------------------------------------------------------------------
// paging, sorting, filters
// -------------------------------------------------------------------------------------

test('paging walks every row once in the order asked, by keyset where there is a key and non-null ordering, by offset otherwise', async (t) => {
  const file = shop()
  await withStudio({ db: file }, async (s) => {
    const all = (sql: string, ...params: unknown[]) =>
      direct(file, (d) =>
        d
          .prepare(sql)
          .raw()
          .all(...params)
      )
    // By the key (keyset), 10 a page.
    const byId = await walk(s, { table: 'books', size: '10' })
    t.deepEqual(byId.rows, all('SELECT id, author_id, title, pages, cover FROM books ORDER BY id'))
    t.is(byId.pages, 14)
    t.deepEqual([...new Set(byId.paging)], ['keyset'])
    // Descending by a NOT NULL column, ties broken by the key (keyset).
    const byAuthor = await walk(s, { table: 'books', size: '7', sort: 'author_id', dir: 'desc' })
    t.deepEqual(byAuthor.rows, all('SELECT * FROM books ORDER BY author_id DESC, id DESC'))
    t.deepEqual([...new Set(byAuthor.paging)], ['keyset'])
    // A nullable column cannot carry a keyset cursor: offset.
    const byPages = await walk(s, { table: 'books', size: '9', sort: 'pages' })
    t.deepEqual(byPages.rows, all('SELECT * FROM books ORDER BY pages ASC, id ASC'))
    t.deepEqual([...new Set(byPages.paging)], ['offset'])
    // A composite key (WITHOUT ROWID).
    const tags = await walk(s, { table: 'tags', size: '4' })
    t.deepEqual(tags.rows, all('SELECT * FROM tags ORDER BY book_id, tag'))
    t.deepEqual([...new Set(tags.paging)], ['keyset'])
    // No declared key: the rowid, shown as a column.
    const notes = await walk(s, { table: 'notes', size: '5' })
    t.deepEqual(notes.rows, all('SELECT rowid, body FROM notes ORDER BY rowid'))
    // A view: offset.
    const view = await walk(s, { table: 'long_books', size: '8', sort: 'title' })
    t.deepEqual(view.rows, all('SELECT * FROM long_books ORDER BY title'))
    t.deepEqual([...new Set(view.paging)], ['offset'])
  })
})

test('filters are the DSL operators, values typed by the column; each matches hand-written SQL, and the total counts the matches', async (t) => {
  const file = shop()
  await withStudio({ db: file }, async (s) => {
    const cases: Array<[Array<Record<string, unknown>>, string, unknown[]]> = [
      [[{ column: 'pages', op: 'gt', value: '300' }], 'pages > ?', [300]],
      [[{ column: 'pages', op: 'gte', value: 300 }], 'pages >= ?', [300]],
      [
        [
          { column: 'pages', op: 'lt', value: '100' },
          { column: 'author_id', op: 'ne', value: '3' }
        ],
        'pages < ? AND author_id <> ?',
        [100, 3]
      ],
      [[{ column: 'pages', op: 'lte', value: '100.5' }], 'pages <= ?', [100.5]],
      [[{ column: 'pages', op: 'isNull' }], 'pages IS NULL', []],
      [[{ column: 'pages', op: 'isNotNull' }], 'pages IS NOT NULL', []],
      [[{ column: 'pages', op: 'eq', value: null }], 'pages IS NULL', []],
      [[{ column: 'title', op: 'eq', value: 'book 12' }], 'title = ?', ['book 12']],
      [[{ column: 'title', op: 'like', value: 'book 1_' }], 'title LIKE ?', ['book 1_']],
      [[{ column: 'title', op: 'startsWith', value: 'book 1' }], `title LIKE 'book 1%'`, []],
      [[{ column: 'title', op: 'endsWith', value: '7' }], `title LIKE '%7'`, []],
      [[{ column: 'title', op: 'contains', value: '_' }], `instr(title, '_') > 0`, []],
      [[{ column: 'author_id', op: 'inArray', value: ['1', 2, '3'] }], 'author_id IN (1, 2, 3)', []],
      [[{ column: 'id', op: 'gt', value: '9007199254740993' }], 'id > 9007199254740993', []]
    ]
    for (const [filters, where, params] of cases) {
      const expected = direct(file, (d) =>
        d
          .prepare(`SELECT * FROM books WHERE ${where} ORDER BY id`)
          .raw()
          .all(...params)
      )
      const got = await walk(s, { table: 'books', size: '25', filters })
      t.deepEqual(got.rows, expected, where)
      const first = await call(s, rowsUrl({ table: 'books', size: '25', filters }))
      t.is(first.body.total, expected.length, where)
    }
  })
})

test('a large table is paged, not loaded whole: a page of a 200k-row table is small, and a deep keyset page seeks by the key; a 1 MB blob is sent as its size and 32 bytes', async (t) => {
  const file = shop()
  const d = new Database(file)
  d.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  d.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) INSERT INTO big SELECT i, printf('value %06d', i) FROM n`
  ).run()
  const blob = Buffer.alloc(1_000_000, 0xab)
  d.prepare('UPDATE books SET cover = ? WHERE id = 1').run(blob)
  d.close()
  await withStudio({ db: file }, async (s) => {
    const first = await call(s, rowsUrl({ table: 'big', size: '50' }))
    t.is(first.body.rows.length, 50)
    t.is(first.body.total, 200000)
    t.true(first.bytes < 10_000, `${first.bytes} bytes`)
    t.regex(first.body.sql, /LIMIT \?/)
    // Deep in the table, keyset seeks to the cursor through the key (no offset scan): SQLite's own plan says so.
    const deep = await call(s, rowsUrl({ table: 'big', size: '50', after: [199_900] }))
    t.deepEqual(
      deep.body.rows.map((r: unknown[]) => r[0]),
      Array.from({ length: 50 }, (_, i) => 199_901 + i)
    )
    t.notRegex(deep.body.sql, /OFFSET/)
    const plan = direct(file, (d) => d.prepare(`EXPLAIN QUERY PLAN ${deep.body.sql}`).all(199_900, 51) as Array<{ detail: string }>)
    t.deepEqual(
      plan.map((p) => p.detail),
      ['SEARCH big USING INTEGER PRIMARY KEY (rowid>?)']
    )
    // The query view cuts a huge result at a page.
    const q = await call(s, '/api/query', { body: { sql: 'SELECT * FROM big' } })
    t.is(q.body.rows.length, 200)
    t.true(q.body.more)
    const q2 = await call(s, '/api/query', { body: { sql: 'SELECT * FROM big', offset: 199_990 } })
    t.deepEqual(
      q2.body.rows.map((r: unknown[]) => r[0]),
      Array.from({ length: 10 }, (_, i) => 199_991 + i)
    )
    t.false(q2.body.more)
    // A blob: size and preview only.
    const b = await call(s, rowsUrl({ table: 'books', size: '1' }))
    t.deepEqual(b.body.rows[0][4], { $blob: { size: 1_000_000, hex: 'ab'.repeat(32) } })
    t.true(b.bytes < 5_000)
  })
})

// -------------------------------------------------------------------------------------
// query view
// -------------------------------------------------------------------------------------

test('the query view runs reads with timing and the plan as a tree, and refuses every write before it runs: the file is unchanged', async (t) => {
  const file = shop()
  const digest = () => createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  const before = digest()
  await withStudio({ db: file }, async (s) => {
    const r = await call(s, '/api/query', {
      body: {
        sql: 'SELECT a.name, count(*) AS n FROM books b JOIN authors a ON a.id = b.author_id WHERE b.pages > 100 GROUP BY a.name ORDER BY n DESC, a.name'
      }
    })
    t.is(r.status, 200)
    t.deepEqual(r.body.columns, ['name', 'n'])
    t.deepEqual(
      r.body.rows,
      direct(file, (d) =>
        d
          .prepare(
            'SELECT a.name, count(*) AS n FROM books b JOIN authors a ON a.id = b.author_id WHERE b.pages > 100 GROUP BY a.name ORDER BY n DESC, a.name'
          )
          .raw()
          .all()
      )
    )
    t.is(typeof r.body.durationMs, 'number')
    const detail = (nodes: Array<{ detail: string; children: unknown[] }>): string[] =>
      nodes.flatMap((n) => [n.detail, ...detail(n.children as Array<{ detail: string; children: unknown[] }>)])
    t.true(detail(r.body.plan).some((d) => /SCAN|SEARCH/.test(d)))
    const nested = await call(s, '/api/query', {
      body: { sql: 'SELECT * FROM books WHERE author_id IN (SELECT id FROM authors WHERE born > 1910)' }
    })
    t.true(
      nested.body.plan.some((n: { children: unknown[] }) => n.children.length > 0),
      JSON.stringify(nested.body.plan)
    )

    for (const sql of [
      'DELETE FROM books',
      'UPDATE authors SET name = name',
      "INSERT INTO notes VALUES ('x')",
      'DROP TABLE notes',
      'CREATE TABLE x (a)',
      'BEGIN',
      'BEGIN IMMEDIATE',
      'PRAGMA user_version = 5',
      "ATTACH DATABASE 'other.db' AS other",
      'VACUUM',
      'WITH x AS (SELECT 1) DELETE FROM books'
    ]) {
      const a = await call(s, '/api/query', { body: { sql } })
      t.is(a.status, 400, sql)
      t.regex(a.body.error.message, /read-only|readonly|returns no rows/i, sql)
    }
    const two = await call(s, '/api/query', { body: { sql: 'SELECT 1; DELETE FROM books' } })
    t.is(two.status, 400)
    const broken = await call(s, '/api/query', { body: { sql: 'SELEC 1' } })
    t.is(broken.status, 400)
    t.is(broken.body.error._tag, 'SqliteError')
    // Still reading after all that (no transaction was left open on the handle).
    t.deepEqual((await call(s, '/api/query', { body: { sql: 'SELECT count(*) FROM books' } })).body.rows, [[137]])
  })
  t.is(digest(), before)
})

test('the query connection itself is read-only: a write that got past the statement check would still be refused by SQLite', async (t) => {
  const file = shop()
  await withStudio({ db: file }, async () => {
    // The studio's handle in this thread's registry: the same descriptor gives the same handle.
    const { acquire } = await import('../src/conn/registry.js')
    const h = unwrap(acquire(connect(path.resolve(file), { readonly: true, pragmas: { query_only: 1 } })))
    t.true(h.db.readonly)
    let code: unknown
    try {
      h.db.prepare('DELETE FROM books').run()
    } catch (e) {
      code = (e as { code?: unknown }).code
    }
    t.is(code, 'SQLITE_READONLY')
  })
})

test('body limits: a POST that is not JSON is 415, a body past 1 MB is 413, bad JSON is 400', async (t) => {
  await withStudio({ db: shop() }, async (s) => {
    t.is(
      (await call(s, '/api/query', { body: 'sql=SELECT 1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status,
      415
    )
    t.is((await call(s, '/api/query', { body: { sql: `SELECT '${'x'.repeat(1_100_000)}'` } })).status, 413)
    t.is((await call(s, '/api/query', { body: '{"sql": ' })).status, 400)
    t.is((await call(s, '/api/schema', { body: {} })).status, 405)
  })
})

// -------------------------------------------------------------------------------------
// edits
// -------------------------------------------------------------------------------------

test('editing is off by default: every edit is 403 and the database is unchanged', async (t) => {
  const file = shop()
  const before = direct(file, (d) => d.prepare('SELECT * FROM authors ORDER BY id').all())
  await withStudio({ db: file }, async (s) => {
    t.false((await call(s, '/api/schema')).body.write)
    for (const body of [
      { action: 'insert', table: 'authors', values: { name: 'new' } },
      { action: 'update', table: 'authors', key: { id: 1 }, values: { name: 'x' } },
      { action: 'delete', table: 'authors', key: { id: 1 } }
    ]) {
      const a = await call(s, '/api/edit', { body })
      t.is(a.status, 403)
      t.regex(a.body.error.message, /--write/)
    }
  })
  t.deepEqual(
    direct(file, (d) => d.prepare('SELECT * FROM authors ORDER BY id').all()),
    before
  )
})

test('with write: insert, update and delete by key run as query values; constraint errors come back as the library reports them', async (t) => {
  const file = shop()
  await withStudio({ db: file, write: true }, async (s) => {
    t.true((await call(s, '/api/schema')).body.write)
    const ins = await call(s, '/api/edit', { body: { action: 'insert', table: 'authors', values: { name: 'Ursula', born: '1929' } } })
    t.is(ins.status, 200, JSON.stringify(ins.body))
    t.deepEqual(ins.body, { changes: 1, lastInsertRowid: 31 })
    t.deepEqual(
      direct(file, (d) => d.prepare('SELECT name, born FROM authors WHERE id = 31').get()),
      { name: 'Ursula', born: 1929 }
    )
    const upd = await call(s, '/api/edit', { body: { action: 'update', table: 'authors', key: { id: '31' }, values: { born: null } } })
    t.deepEqual(upd.body, { changes: 1, lastInsertRowid: 31 })
    t.is(
      direct(file, (d) => d.prepare('SELECT born FROM authors WHERE id = 31').pluck().get()),
      null
    )
    // Composite key.
    const tag = await call(s, '/api/edit', { body: { action: 'delete', table: 'tags', key: { book_id: 1, tag: 'a' } } })
    t.is(tag.body.changes, 1)
    t.is(
      direct(file, (d) => d.prepare(`SELECT count(*) FROM tags WHERE book_id = 1 AND tag = 'a'`).pluck().get()),
      0
    )

    const dup = await call(s, '/api/edit', { body: { action: 'insert', table: 'authors', values: { name: 'author 01' } } })
    t.is(dup.status, 409)
    t.like(dup.body.error, { _tag: 'ConstraintError', kind: 'unique' })
    const orphan = await call(s, '/api/edit', { body: { action: 'insert', table: 'books', values: { author_id: 999, title: 'x' } } })
    t.is(orphan.status, 409)
    t.like(orphan.body.error, { _tag: 'ConstraintError', kind: 'foreignKey' })
    const notNull = await call(s, '/api/edit', { body: { action: 'update', table: 'books', key: { id: 1 }, values: { title: null } } })
    t.like(notNull.body.error, { _tag: 'ConstraintError', kind: 'notNull' })

    for (const body of [
      { action: 'delete', table: 'authors' },
      { action: 'delete', table: 'authors', key: {} },
      { action: 'delete', table: 'authors', key: { name: 'author 01' } },
      { action: 'delete', table: 'authors', key: { id: 1, name: 'x' } },
      { action: 'update', table: 'authors', key: { id: 1 }, values: {} },
      { action: 'update', table: 'authors', key: { id: 1 }, values: { 'name" = 1; --': 'x' } },
      { action: 'delete', table: 'long_books', key: { id: 1 } },
      { action: 'drop', table: 'authors', key: { id: 1 } },
      { action: 'insert', table: 'authors"', values: { name: 'x' } }
    ]) {
      const a = await call(s, '/api/edit', { body })
      t.is(a.status, 400, JSON.stringify(body))
      t.is(a.body.error._tag, 'ValidationError', JSON.stringify(body))
    }
    t.is(
      direct(file, (d) => d.prepare('SELECT count(*) FROM authors').pluck().get()),
      31
    )
  })
})

// -------------------------------------------------------------------------------------
// schema, drift, migrations
// -------------------------------------------------------------------------------------

test('the schema: tables, views, columns, keys, foreign keys and indexes as the PRAGMAs report them', async (t) => {
  const file = shop()
  await withStudio({ db: file }, async (s) => {
    const a = (await call(s, '/api/schema')).body
    const names = direct(file, (d) =>
      d.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all()
    )
    t.deepEqual(
      a.tables.map((x: { name: string }) => x.name),
      names
    )
    t.deepEqual(
      a.views.map((x: { name: string }) => x.name),
      ['long_books']
    )
    const books = a.tables.find((x: { name: string }) => x.name === 'books')
    const info = direct(file, (d) => d.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info('books')`).all()) as Array<{
      name: string
      type: string
      notnull: number
      pk: number
    }>
    t.deepEqual(
      books.columns.map((c: { name: string; type: string; notNull: boolean; pk: number }) => [c.name, c.type, c.notNull, c.pk]),
      info.map((c) => [c.name, c.type, c.notnull === 1, c.pk])
    )
    t.deepEqual(
      books.columns.map((c: { kind: string }) => c.kind),
      ['integer', 'integer', 'text', 'integer', 'blob']
    )
    t.deepEqual(books.foreignKeys, [{ columns: ['author_id'], table: 'authors', to: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' }])
    t.deepEqual(books.indexes, [{ name: 'books_author_idx', columns: ['author_id'], unique: false }])
    const tags = a.tables.find((x: { name: string }) => x.name === 'tags')
    t.deepEqual(tags.primaryKey, ['book_id', 'tag'])
    t.true(tags.withoutRowid)
    t.deepEqual(a.drift, [])
    t.is(a.declared, undefined)
  })
})

test('with a schema module: its tables beside the database, and the drift migrate check reports (same operations, same text)', async (t) => {
  const dir = tempDir()
  const file = path.join(dir, 'app.db')
  const migrations = path.join(dir, 'migrations')
  fs.mkdirSync(migrations)
  fs.writeFileSync(
    path.join(migrations, '0001_users.sql'),
    'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n-- down\nDROP TABLE users;\n'
  )
  unwrap(migrate(connect(file), { dir: migrations }))
  fs.writeFileSync(path.join(migrations, '0002_posts.sql'), 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n')
  const users = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text() })
  const posts = table('posts', { id: integer().primaryKey(), title: text() })
  const expected = unwrap(planMigration(connect(file), [users, posts]))
  await withStudio({ db: file, schema: [users, posts], migrations }, async (s) => {
    const a = (await call(s, '/api/schema')).body
    t.deepEqual(
      a.declared.map((x: { name: string }) => x.name),
      ['users', 'posts']
    )
    t.deepEqual(
      a.declared[0].columns.map((c: { name: string; kind: string }) => [c.name, c.kind]),
      [
        ['id', 'integer'],
        ['name', 'text'],
        ['email', 'text']
      ]
    )
    t.deepEqual(
      a.drift.map((d: { text: string }) => d.text),
      [
        'pending migration 0002_posts',
        ...expected.operations.map((op) => `the schema needs: ${describe(op)}`),
        ...expected.warnings.map((w) => `warning: ${w}`)
      ]
    )
    t.true(a.drift.some((d: { table?: string }) => d.table === 'users'))
  })
  // Looking did not write: _lite_migr still lists one migration, posts is not created.
  t.deepEqual(
    direct(file, (d) => d.prepare('SELECT name FROM _lite_migr').pluck().all()),
    ['0001_users']
  )
})

test('migrations: applied ones with their recorded checksum and time, pending ones with their SQL, an edited file flagged', async (t) => {
  const dir = tempDir()
  const file = path.join(dir, 'app.db')
  const migrations = path.join(dir, 'migrations')
  fs.mkdirSync(migrations)
  const first = 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\n'
  fs.writeFileSync(path.join(migrations, '0001_a.sql'), first)
  unwrap(migrate(connect(file), { dir: migrations }))
  fs.writeFileSync(path.join(migrations, '0001_a.sql'), `${first}-- edited\n`)
  const second = 'CREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE INDEX b_id ON b(id);\n'
  fs.writeFileSync(path.join(migrations, '0002_b.sql'), second)
  const sha = (s: string) => createHash('sha256').update(s).digest('hex')
  const recorded = direct(file, (d) => d.prepare('SELECT name, checksum, applied_at FROM _lite_migr').all()) as Array<{
    name: string
    checksum: string
    applied_at: string
  }>
  await withStudio({ db: file, migrations }, async (s) => {
    const m = (await call(s, '/api/migrations')).body
    t.is(m.migrations.length, 2)
    t.like(m.migrations[0], {
      name: '0001_a',
      state: 'applied',
      appliedAt: recorded[0]!.applied_at,
      checksum: sha(first),
      fileChecksum: sha(`${first}-- edited\n`),
      edited: true,
      missing: false
    })
    t.like(m.migrations[1], { name: '0002_b', state: 'pending', checksum: sha(second), edited: false })
    t.deepEqual(m.migrations[1].up, ['CREATE TABLE b (id INTEGER PRIMARY KEY)', 'CREATE INDEX b_id ON b(id)'])
    t.deepEqual(m.migrations[0].down, ['DROP TABLE a'])
  })
})

// -------------------------------------------------------------------------------------
// the command
// -------------------------------------------------------------------------------------

test('fp-lite-orm studio prints its URL, serves, and stops cleanly on SIGINT and SIGTERM; bad arguments are exit 2', async (t) => {
  t.timeout(90_000)
  const file = shop()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'studio', '--db', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    child.stderr.resume()
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 60_000)
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(stdout)
        if (m !== null) {
          clearTimeout(timer)
          resolve(m[0])
        }
      })
    })
    const token = new URL(url).searchParams.get('token')!
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      const r = await fetch(url.replace('/?', '/api/schema?'))
      t.is(r.status, 200)
      t.is(((await r.json()) as { tables: unknown[] }).tables.length, 5)
      t.is((await fetch(url.replace(token, 'x'))).status, 403)
    } finally {
      child.kill(signal)
    }
    t.is(await closed, 0, signal)
    t.regex(stdout, new RegExp(`Stopped \\(${signal}\\)`))
    await t.throwsAsync(fetch(url))
  }
  const bad = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'studio', '--port', 'abc'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  bad.stdout.resume()
  bad.stderr.resume()
  t.is(await new Promise<number | null>((resolve) => bad.on('close', resolve)), 2)
})

test('with a config file: the .ts schema module and the migrations folder it names are read as migrate reads them', async (t) => {
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n')
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'fp-lite-orm'), 'dir')
  fs.mkdirSync(path.join(dir, 'src'))
  fs.mkdirSync(path.join(dir, 'db'))
  fs.writeFileSync(path.join(dir, 'studio.config.json'), JSON.stringify({ db: 'data.db', migrations: './db', schema: './src/schema.ts' }))
  fs.writeFileSync(
    path.join(dir, 'src', 'schema.ts'),
    "import { boolean, integer, table, text } from 'fp-lite-orm'\nexport const flags = table('flags', { id: integer().primaryKey(), name: text().notNull(), on: boolean().notNull() })\n"
  )
  fs.writeFileSync(
    path.join(dir, 'db', '0001_flags.sql'),
    'CREATE TABLE flags (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "on" INTEGER NOT NULL);\n'
  )
  unwrap(migrate(connect(path.join(dir, 'data.db')), { dir: path.join(dir, 'db') }))
  const lines: string[] = []
  let stop!: () => void
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  const done = runStudio(
    ['--config', 'studio.config.json'],
    dir,
    (l) => lines.push(l),
    (l) => lines.push(l),
    stopped
  )
  for (let i = 0; i < 200 && !lines.some((l) => l.includes('token=')); i++) await new Promise((r) => setTimeout(r, 50))
  const url = /http:\/\/\S+/.exec(lines.join('\n'))?.[0]
  try {
    t.truthy(url, lines.join('\n'))
    const schema = (await (await fetch(url!.replace('/?', '/api/schema?'))).json()) as any
    t.is(schema.declaredProblem, undefined)
    t.deepEqual(
      schema.declared[0].columns.map((c: { name: string; kind: string }) => [c.name, c.kind]),
      [
        ['id', 'integer'],
        ['name', 'text'],
        ['on', 'boolean']
      ]
    )
    // The live column is a plain INTEGER; the schema module says boolean, and the page shows it so.
    t.is(schema.tables[0].columns[2].kind, 'boolean')
    const migrations = (await (await fetch(url!.replace('/?', '/api/migrations?'))).json()) as any
    t.deepEqual(
      migrations.migrations.map((m: { name: string; state: string }) => [m.name, m.state]),
      [['0001_flags', 'applied']]
    )
  } finally {
    stop()
  }
  t.is(await done, 0)
  t.regex(lines.join('\n'), /Stopped \(stop\)/)
})

test('studio() refuses what it cannot serve with a Left: a missing file, a bad port, a port in use', async (t) => {
  const missing = await studio({ db: path.join(tempDir(), 'nope.db') })
  t.true(E.isLeft(missing) && missing.left._tag === 'ConnectionError')
  const badPort = await studio({ db: shop(), port: 70000 })
  t.true(E.isLeft(badPort) && badPort.left._tag === 'ValidationError')
  await withStudio({ db: shop() }, async (s) => {
    const taken = await studio({ db: shop(), port: s.port })
    t.true(E.isLeft(taken) && taken.left._tag === 'ConnectionError' && /cannot listen/.test(taken.left.message))
  })
})
