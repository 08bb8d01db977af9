/**
 * `studio(options)`: a local web page for a database, served by node:http on 127.0.0.1.
 *
 * Security, in the order a request meets it: the server listens on loopback only; the Host
 * header must name that loopback address (a DNS-rebinding page cannot borrow the browser);
 * every request carries the random token of the printed URL (query `token` or header
 * `x-studio-token`), compared in constant time, else 403; no CORS header is ever sent, so
 * another origin cannot read an answer; POST bodies must be JSON (a plain form cannot send
 * them) and are capped. Reads go through a separate read-only connection; writes exist only
 * with `write: true`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import type { LocalConnection } from '../driver/index.js'
import { pragmaValue } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Db } from '../conn/connect.js'
import { connect } from '../conn/connect.js'
import { closeConnection, withConnection } from '../conn/connection.js'
import type { DbError } from '../errors.js'
import { connectionError, validationError } from '../errors.js'
import { importFile } from '../migrate/load.js'
import { tablesOf } from '../migrate/plan.js'
import type { AnyTable } from '../schema/table.js'
import { toCell } from './cells.js'
import { runEdit } from './edit.js'
import type { EditRequest } from './edit.js'
import type { LiveSchema } from './live.js'
import { readLive, schemaDrift, schemaView } from './live.js'
import { migrationDrift, migrationsView } from './migrations.js'
import type { Refusal } from './model.js'
import { fromDbError, refusal } from './model.js'
import { page } from './page.js'
import { runReadOnly } from './query.js'
import type { QueryRequest } from './query.js'
import type { FilterSpec, RowsRequest } from './rows.js'
import { readRows } from './rows.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What `studio` serves: a database file, and optionally the schema module's tables and the
 * migrations folder (for the drift and the migrations view), a port, and `write`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, integer, session, studio, table, text } from 'fp-lite-orm'
 * import type { StudioOptions } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), body: text().notNull(), author: text() })
 * session(connect('app.db')).run(createTable(table('notes', { id: integer().primaryKey(), body: text().notNull() })))
 * const options: StudioOptions = { db: 'app.db', schema: [notes] }   // the schema module has one column more
 * const s = await studio(options)
 * assert.ok(E.isRight(s))
 * const schema = await fetch(`http://127.0.0.1:${s.right.port}/api/schema`, { headers: { 'x-studio-token': s.right.token } })
 * const { drift } = (await schema.json()) as { drift: Array<{ text: string }> }
 * assert.deepEqual(drift.map((d) => d.text), ['the schema needs: add column notes.author'])
 * await s.right.close()
 * ```
 *
 * @category Migrations
 */
export interface StudioOptions {
  /** The database file (it must exist). */
  readonly db: string
  /** The migrations folder, for the migrations view and the drift. */
  readonly migrations?: string
  /** The schema module's tables, or the module's path (loaded as `fp-lite-orm migrate` loads it). */
  readonly schema?: ReadonlyArray<AnyTable> | string
  /** The port on 127.0.0.1; default 0, a free one. */
  readonly port?: number
  /** Allow row edits (insert, update, delete by key). Default false: every edit is refused with 403. */
  readonly write?: boolean
}

/**
 * A running studio: its URL (token included), port, token, and `close`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, integer, session, studio, table } from 'fp-lite-orm'
 * import type { Studio } from 'fp-lite-orm'
 *
 * session(connect('app.db')).run(createTable(table('t', { id: integer().primaryKey() })))
 * const started = await studio({ db: 'app.db' })
 * assert.ok(E.isRight(started))
 * const s: Studio = started.right
 * assert.equal((await fetch(s.url)).status, 200)                                  // the page
 * assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/schema`)).status, 403) // no token
 * await s.close()
 * ```
 *
 * @category Migrations
 */
export interface Studio {
  /** The page's address, token included: `http://127.0.0.1:PORT/?token=...`. */
  readonly url: string
  readonly port: number
  readonly token: string
  /** Stops the server (open connections too) and closes the studio's database handles. */
  readonly close: () => Promise<void>
}

/** The largest request body accepted. */
export const MAX_BODY_BYTES = 1_000_000

interface Context {
  readonly file: string
  readonly ro: Db
  readonly rw: Db | undefined
  readonly migrations: string | undefined
  readonly declared: { readonly tables: ReadonlyArray<AnyTable> } | { readonly problem: string } | undefined
  readonly token: string
  readonly nonce: string
  port: number
  live?: { readonly version: number; readonly schema: LiveSchema }
}

type Answer = { readonly status: number; readonly body: unknown } | Refusal

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const sameToken = (given: string | null | undefined, token: string): boolean => {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

const handleOf = (ctx: Context): E.Either<DbError, LocalConnection> => withConnection(ctx.ro, (h) => E.right(h.db))

/** The live schema, re-read only when `schema_version` moved (reading it counts every table's rows). */
const liveOf = (ctx: Context, h: LocalConnection): E.Either<DbError, LiveSchema> => {
  const version = Number(pragmaValue(h, 'schema_version'))
  if (ctx.live !== undefined && ctx.live.version === version) return E.right(ctx.live.schema)
  const declared = ctx.declared !== undefined && 'tables' in ctx.declared ? ctx.declared.tables : []
  const live = readLive(h, declared)
  if (E.isRight(live)) ctx.live = { version, schema: live.right }
  return live
}

const parseJson = (text: string | null, what: string): E.Either<DbError, unknown> => {
  if (text === null) return E.right(undefined)
  try {
    return E.right(JSON.parse(text))
  } catch {
    return E.left(validationError(`${what} must be JSON`, what))
  }
}

const answer = (r: E.Either<DbError, unknown>): Answer => (E.isLeft(r) ? fromDbError(r.left) : { status: 200, body: r.right })

// -------------------------------------------------------------------------------------
// routes
// -------------------------------------------------------------------------------------

const schemaRoute = (ctx: Context, h: LocalConnection): Answer => {
  const live = liveOf(ctx, h)
  if (E.isLeft(live)) return fromDbError(live.left)
  const migrations = migrationsView(h, ctx.migrations)
  let driftProblem: string | undefined
  const drift = [...migrationDrift(migrations)]
  if (ctx.declared !== undefined && 'tables' in ctx.declared) {
    const d = schemaDrift(ctx.ro, ctx.declared.tables)
    if (E.isLeft(d)) driftProblem = d.left.message
    else drift.push(...d.right)
  }
  return { status: 200, body: schemaView(live.right, ctx.file, ctx.rw !== undefined, ctx.declared, drift, driftProblem) }
}

const rowsRoute = (ctx: Context, h: LocalConnection, q: URLSearchParams): Answer => {
  const live = liveOf(ctx, h)
  if (E.isLeft(live)) return fromDbError(live.left)
  const filters = parseJson(q.get('filters'), 'filters')
  const after = parseJson(q.get('after'), 'after')
  if (E.isLeft(filters)) return fromDbError(filters.left)
  if (E.isLeft(after)) return fromDbError(after.left)
  if (filters.right !== undefined && !Array.isArray(filters.right))
    return fromDbError(validationError('filters must be a JSON list', 'filters'))
  const num = (k: string) => (q.get(k) === null ? undefined : Number(q.get(k)))
  const request: RowsRequest = {
    table: q.get('table') ?? '',
    ...(q.get('sort') === null ? {} : { sort: q.get('sort')! }),
    ...(q.get('dir') === null ? {} : { dir: q.get('dir') as 'asc' | 'desc' }),
    ...(num('size') === undefined ? {} : { size: num('size')! }),
    ...(after.right !== undefined
      ? { start: { after: after.right as never } }
      : num('offset') === undefined
        ? {}
        : { start: { offset: num('offset')! } }),
    filters: (filters.right ?? []) as FilterSpec[]
  }
  return answer(readRows(h, live.right, request))
}

const editRoute = (ctx: Context, h: LocalConnection, body: unknown): Answer => {
  if (ctx.rw === undefined)
    return refusal(403, 'ReadOnly', 'Editing is off: start the studio with --write (studio({ write: true })) to edit rows.')
  const live = liveOf(ctx, h)
  if (E.isLeft(live)) return fromDbError(live.left)
  const r = runEdit(ctx.rw, live.right, (body ?? {}) as EditRequest)
  if (E.isLeft(r)) return fromDbError(r.left)
  return { status: 200, body: { changes: r.right.changes, lastInsertRowid: toCell(r.right.lastInsertRowid) } }
}

const route = (ctx: Context, method: string, url: URL, body: unknown): Answer => {
  const h = handleOf(ctx)
  if (E.isLeft(h)) return fromDbError(h.left)
  const get = method === 'GET' || method === 'HEAD'
  switch (url.pathname) {
    case '/api/schema':
      return get ? schemaRoute(ctx, h.right) : refusal(405, 'MethodNotAllowed', 'GET /api/schema')
    case '/api/rows':
      return get ? rowsRoute(ctx, h.right, url.searchParams) : refusal(405, 'MethodNotAllowed', 'GET /api/rows')
    case '/api/migrations':
      return get ? { status: 200, body: migrationsView(h.right, ctx.migrations) } : refusal(405, 'MethodNotAllowed', 'GET /api/migrations')
    case '/api/query':
      return method === 'POST'
        ? answer(runReadOnly(h.right, (body ?? {}) as QueryRequest))
        : refusal(405, 'MethodNotAllowed', 'POST /api/query')
    case '/api/edit':
      return method === 'POST' ? editRoute(ctx, h.right, body) : refusal(405, 'MethodNotAllowed', 'POST /api/edit')
    default:
      return refusal(404, 'NotFound', `no such page: ${url.pathname}`)
  }
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The token is in the page's URL: never send it on as a Referer.
  'referrer-policy': 'no-referrer'
}

const sendJson = (res: http.ServerResponse, a: Answer): void => {
  const body = 'error' in a ? { error: a.error } : a.body
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  res.writeHead(a.status, { ...HEADERS, 'content-type': 'application/json; charset=utf-8' })
  res.end(text)
}

const readBody = (req: http.IncomingMessage): Promise<E.Either<Refusal, string>> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES && !done) {
        done = true
        resolve(E.left(refusal(413, 'TooLarge', `the request body is larger than ${MAX_BODY_BYTES} bytes`)))
        req.resume()
      } else if (!done) chunks.push(c)
    })
    req.on('end', () => {
      if (!done) resolve(E.right(Buffer.concat(chunks).toString('utf8')))
      done = true
    })
    req.on('error', () => {
      if (!done) resolve(E.left(refusal(400, 'BadRequest', 'the request body could not be read')))
      done = true
    })
  })

const handler = (ctx: Context) => async (req: http.IncomingMessage, res: http.ServerResponse) => {
  try {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${ctx.port}` && host !== `localhost:${ctx.port}`)
      return sendJson(res, refusal(403, 'Forbidden', `the studio answers only requests for 127.0.0.1:${ctx.port}`))
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${ctx.port}`)
    const header = req.headers['x-studio-token']
    if (!sameToken(url.searchParams.get('token') ?? (Array.isArray(header) ? header[0] : header), ctx.token))
      return sendJson(res, refusal(403, 'Forbidden', 'a valid token is required: open the URL the studio printed'))
    const method = req.method ?? 'GET'
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, refusal(405, 'MethodNotAllowed', 'GET /'))
      res.writeHead(200, {
        ...HEADERS,
        'content-type': 'text/html; charset=utf-8',
        // Only the page's own script and style run; it talks to this server only.
        'content-security-policy': `default-src 'none'; script-src 'nonce-${ctx.nonce}'; style-src 'nonce-${ctx.nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
      })
      return void res.end(page(ctx.nonce))
    }
    let body: unknown
    if (method === 'POST') {
      const type = req.headers['content-type'] ?? ''
      if (!/^application\/json\b/i.test(type))
        return sendJson(res, refusal(415, 'UnsupportedMediaType', 'POST bodies must be application/json'))
      const text = await readBody(req)
      if (E.isLeft(text)) return sendJson(res, text.left)
      const parsed = parseJson(text.right, 'the request body')
      if (E.isLeft(parsed)) return sendJson(res, fromDbError(parsed.left))
      body = parsed.right
    }
    return sendJson(res, route(ctx, method, url, body))
  } catch (e) {
    // A bug in the studio: answer it, keep serving.
    return sendJson(res, refusal(500, 'UnexpectedError', e instanceof Error ? e.message : String(e)))
  }
}

const loadDeclared = async (schema: StudioOptions['schema']): Promise<Context['declared']> => {
  if (schema === undefined) return undefined
  if (typeof schema !== 'string') return { tables: schema }
  if (!fs.existsSync(schema)) return { problem: `The schema module ${schema} does not exist: fix "schema" in the config.` }
  try {
    const tables = tablesOf(await importFile(path.resolve(schema)))
    return tables.length === 0 ? { problem: `The schema module ${schema} exports no tables.` } : { tables }
  } catch (e) {
    return { problem: `The schema module ${schema} failed to import: ${e instanceof Error ? e.message : String(e)}` }
  }
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/**
 * Starts the studio for a database file: Right with its URL and `close`, or Left when the
 * file cannot be opened or the port cannot be had.
 *
 * @param options - `StudioOptions`: the database file `db` (it must exist), `migrations`, `schema`, `port` (on 127.0.0.1; 0,
 *   the default, for a free one), `write` (row edits, off by default).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, insert, integer, session, createTable, studio, table, text } from 'fp-lite-orm'
 *
 * const notes = table('notes', { id: integer().primaryKey(), body: text().notNull() })
 * const s = session(connect('app.db'))
 * s.run(createTable(notes))
 * s.run(insert(notes, [{ body: 'one' }, { body: 'two' }, { body: 'three' }]))
 *
 * const started = await studio({ db: 'app.db' })      // read-only; { write: true } allows edits
 * assert.ok(E.isRight(started))
 * const { url, port, token, close } = started.right
 * assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
 * const page = await fetch(`http://127.0.0.1:${port}/api/rows?table=notes&size=2&token=${token}`)
 * const rows = (await page.json()) as { rows: unknown[][]; next: unknown }
 * assert.deepEqual(rows.rows, [[1, 'one'], [2, 'two']])
 * assert.deepEqual(rows.next, { after: [2] })          // keyset: the next page starts after id 2
 * await close()
 * ```
 *
 * @category Migrations
 */
export const studio = async (options: StudioOptions): Promise<E.Either<DbError, Studio>> => {
  const port = options.port ?? 0
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    return E.left(validationError(`port must be a whole number from 0 to 65535, got ${String(options.port)}`, 'port'))
  if (typeof options.db !== 'string' || options.db === '' || options.db === ':memory:')
    return E.left(
      validationError('db must be the path of a database file (an in-memory database has nothing to look at from another connection)', 'db')
    )
  const file = path.resolve(options.db)
  // query_only: a second fence behind readonly; it also gives the studio a handle of its own in the registry.
  const ro = connect(file, { readonly: true, pragmas: { query_only: 1 } })
  // Both handles opened now, so a file that cannot be opened fails the start, not the first request.
  const opened = withConnection(ro, () => E.right(undefined))
  if (E.isLeft(opened)) return opened
  const rw = options.write === true ? connect(file) : undefined
  if (rw !== undefined) {
    const w = withConnection(rw, () => E.right(undefined))
    if (E.isLeft(w)) {
      closeConnection(ro)
      return w
    }
  }
  const declared = await loadDeclared(options.schema)
  const ctx: Context = {
    file,
    ro,
    rw,
    migrations: options.migrations === undefined ? undefined : path.resolve(options.migrations),
    declared,
    token: randomBytes(24).toString('base64url'),
    nonce: randomBytes(16).toString('base64'),
    port
  }
  const server = http.createServer((req, res) => void handler(ctx)(req, res))
  // Node closes an idle keep-alive socket after 5 s, and a browser or fetch reusing it at that
  // moment gets a reset ("fetch failed"): on a busy machine (the page waits on a long query) that
  // race is real. A local tool can keep sockets a minute; close() ends them all anyway.
  server.keepAliveTimeout = 60_000
  const listening = await new Promise<E.Either<DbError, number>>((resolve) => {
    server.once('error', (e) =>
      resolve(E.left(connectionError(`127.0.0.1:${port}`, `The studio cannot listen on 127.0.0.1:${port}: ${e.message}`, e)))
    )
    server.listen(port, '127.0.0.1', () => resolve(E.right((server.address() as AddressInfo).port)))
  })
  const closeHandles = () => {
    closeConnection(ro)
    if (rw !== undefined) closeConnection(rw)
  }
  if (E.isLeft(listening)) {
    closeHandles()
    return listening
  }
  ctx.port = listening.right
  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        closeHandles()
        resolve()
      })
      server.closeAllConnections()
    }))
  return E.right({ url: `http://127.0.0.1:${ctx.port}/?token=${ctx.token}`, port: ctx.port, token: ctx.token, close })
}
