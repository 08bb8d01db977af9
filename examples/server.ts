/**
 * A small HTTP API on Fastify over a users/posts schema, every read and write going
 * through a `workerPool` (reads on reader threads, writes on the writer thread).
 *
 *   npm run example:server                 # 127.0.0.1:3000, ./example.db
 *   PORT=8080 DB=/tmp/app.db npm run example:server
 *
 * In production, start it with node itself, not through `npm run` (npm does not pass a
 * SIGTERM on to its child, so a process manager stopping npm orphans the server):
 *
 *   node --import tsx examples/server.ts   # an installed fp-lite-orm (this repository: add
 *                                          # --conditions=fp-lite-orm-source, or build first)
 *
 * On SIGTERM or SIGINT it stops taking connections, finishes the requests in flight,
 * ends the pool's threads (closing the database cleanly) and exits 0.
 *
 *   GET    /users?limit=&offset=         list (limit at most 100, the default)
 *   GET    /users/:id                    one user
 *   POST   /users                        create   { name, email, age? }
 *   PATCH  /users/:id                    update   { name?, email?, age? }
 *   DELETE /users/:id                    delete (its posts go with it)
 *   GET    /users/:id/posts?limit=&offset=   the user's posts, a page at a time (limit at most 100)
 *   POST   /users/:id/posts              create a post   { title, body? }
 *
 * Errors are the library's `DbError`s, mapped to HTTP statuses (`httpStatus`) with a
 * JSON body `{ error: tag, message }`. Request bodies are checked by the library
 * (`insertCodec`, `set`): bad input is a Left, answered 400, never a crash.
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type * as io from 'io-ts'
import type { DbError, NotFound, Pool, SetValues, ValidationError } from 'fp-lite-orm'
import {
  all,
  connect,
  createTable,
  deleteFrom,
  eq,
  exists,
  filter,
  index,
  insert,
  insertCodec,
  integer,
  limit,
  offset,
  one,
  orderBy,
  placeholder,
  returning,
  select,
  set,
  table,
  text,
  timestamp,
  update,
  workerPool
} from 'fp-lite-orm'

// -------------------------------------------------------------------------------------
// schema
// -------------------------------------------------------------------------------------

export const users = table('users', {
  id: integer().primaryKey(),
  name: text().notNull(),
  email: text().notNull().unique(),
  age: integer(),
  createdAt: timestamp().notNull().defaultNow()
})

export const posts = table(
  'posts',
  {
    id: integer().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text().notNull(),
    body: text(),
    createdAt: timestamp().notNull().defaultNow()
  },
  { indexes: [index('posts_user_id_idx', ['userId'])] }
)

// -------------------------------------------------------------------------------------
// queries: plain values, built once; the per-request values are bound as params
// -------------------------------------------------------------------------------------

const byId = eq(users.id, placeholder('id'))

const listUsers = pipe(select(users), orderBy(users.id), limit(placeholder('limit')), offset(placeholder('offset')), all)
const userById = pipe(select(users), filter(byId), one)
const userExists = pipe(select(users), filter(byId), exists)
/** A page of a user's posts, oldest first. */
const postsOfUser = pipe(
  select(posts),
  filter(eq(posts.userId, placeholder('id'))),
  orderBy(posts.id),
  limit(placeholder('limit')),
  offset(placeholder('offset')),
  all
)
const deleteUser = pipe(deleteFrom(users), filter(byId))

// -------------------------------------------------------------------------------------
// errors -> HTTP
// -------------------------------------------------------------------------------------

/** The HTTP status of a library error. */
export const httpStatus = (e: DbError): number => {
  switch (e._tag) {
    case 'NotFound':
      return 404
    case 'ValidationError':
    case 'DecodeError':
      return 400
    case 'ConstraintError':
      return 409
    case 'BusyError':
      return 503
    default:
      return 500
  }
}

export interface ErrorBody {
  readonly error: string
  readonly message: string
}

const notFound = (message: string): NotFound => ({ _tag: 'NotFound', message })
const invalid = (message: string): ValidationError => ({ _tag: 'ValidationError', message })

/** `one` found no user: say which. */
const noUser =
  (id: string) =>
  (e: DbError): DbError =>
    e._tag === 'NotFound' ? notFound(`No user ${id}.`) : e

const sendResult = <A>(reply: FastifyReply, result: E.Either<DbError, A>, status = 200): FastifyReply =>
  E.isRight(result)
    ? reply.code(status).send(result.right)
    : reply.code(httpStatus(result.left)).send({ error: result.left._tag, message: result.left.message } satisfies ErrorBody)

// -------------------------------------------------------------------------------------
// request input
// -------------------------------------------------------------------------------------

/**
 * A path or query value for an integer placeholder: digits become a number, anything
 * else is passed as it is, for the library to refuse (a Left ValidationError).
 */
// Typed as the number the placeholder asks for; text that is not a whole number goes on as it
// came, and the library answers a ValidationError that quotes it.
const intParam = (s: string | undefined, fallback: number): number =>
  s === undefined ? fallback : /^-?\d{1,15}$/.test(s) ? Number(s) : (s as unknown as number)

/** The most rows one request reads: a client asking for more gets this many (and pages on). */
export const MAX_PAGE = 100

/** A `limit` query value: at most MAX_PAGE (the default); anything not a whole number is left for the library to refuse. */
const pageSize = (s: string | undefined): number | string => {
  const n = intParam(s, MAX_PAGE)
  return typeof n === 'number' && n > MAX_PAGE ? MAX_PAGE : n
}

/** The body as an object holding only the fields a client may write; the rest are the server's. */
const clientFields = (body: unknown, serverFields: ReadonlyArray<string>): E.Either<DbError, Record<string, unknown>> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return E.left(invalid('The request body must be a JSON object.'))
  }
  const managed = Object.keys(body).filter((k) => serverFields.includes(k))
  return managed.length > 0
    ? E.left(invalid(`${managed.join(', ')} ${managed.length > 1 ? 'are' : 'is'} set by the server, not by the request.`))
    : E.right(body as Record<string, unknown>)
}

/** io-ts errors as one message: `age: expected null or an integer; role: unknown column ...`. */
const describe = (errors: io.Errors): string =>
  errors
    .map((e) => {
      const at = e.context
        .map((c) => c.key)
        .filter((k) => k !== '')
        .join('.')
      return `${at === '' ? 'body' : at}: ${e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? 'a valid value'}`}`
    })
    .join('; ')

/** Checks a body with a codec (the library's `insertCodec`): a Left ValidationError naming each bad field. */
const checked = <A>(codec: io.Decoder<unknown, A>, body: unknown): E.Either<DbError, A> =>
  pipe(
    codec.decode(body),
    E.mapLeft((errors) => invalid(`Invalid request body: ${describe(errors)}.`))
  )

const newUser = insertCodec(users)
const newPost = insertCodec(posts)

// -------------------------------------------------------------------------------------
// the server
// -------------------------------------------------------------------------------------

export interface ServerOptions {
  /** Reader threads of the pool (default 2). */
  readonly readers?: number
  /** The most queries in flight before requests get 503 (the pool's maxQueue). */
  readonly maxQueue?: number
  /** Fastify's request logging (default off). */
  readonly logger?: boolean
}

export interface Server {
  readonly app: FastifyInstance
  readonly pool: Pool
  /** Stops the HTTP server, then drains and ends the pool's threads. */
  readonly close: () => Promise<void>
}

/** The API over the database file at `dbPath`, its tables created if missing. Not listening yet. */
export const buildServer = async (dbPath: string, options: ServerOptions = {}): Promise<Server> => {
  const pool = workerPool(connect(dbPath), {
    readers: options.readers ?? 2,
    ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue })
  })
  const created = await pool.batch([createTable(users), createTable(posts)])()
  if (E.isLeft(created)) {
    await pool.close()
    throw new Error(`Cannot set up the database ${dbPath}: ${created.left.message}`)
  }

  const app = Fastify({ logger: options.logger ?? false })

  // While closing, every answer ends its connection. A keep-alive socket whose request was in
  // flight when close began is not idle when Node closes the idle ones, so without this it
  // holds app.close() open until the client lets go (Fastify keeps sockets alive for 72 s).
  let shuttingDown = false
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) void reply.header('connection', 'close')
    done(null, payload)
  })

  // Fastify's own refusals (malformed JSON, an unsupported content type, ...) in the same shape.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500
    const tag = status === 400 ? 'ValidationError' : status < 500 ? (error.code ?? 'HttpError') : 'UnexpectedError'
    return reply.code(status).send({ error: tag, message: error.message } satisfies ErrorBody)
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NotFound', message: `No route ${request.method} ${request.url}.` } satisfies ErrorBody)
  )

  app.get<{ Querystring: { limit?: string; offset?: string } }>('/users', async (request, reply) =>
    sendResult(reply, await pool.run(listUsers, { limit: pageSize(request.query.limit), offset: intParam(request.query.offset, 0) })())
  )

  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const id = request.params.id
    const user = await pool.run(userById, { id: intParam(id, 0) })()
    return sendResult(reply, pipe(user, E.mapLeft(noUser(id))))
  })

  app.post('/users', async (request, reply) => {
    const row = pipe(
      clientFields(request.body, ['id', 'createdAt']),
      E.chain((body) => checked(newUser, body))
    )
    if (E.isLeft(row)) return sendResult(reply, row)
    const created = await pool.run(pipe(insert(users, row.right), returning()))()
    return sendResult(
      reply,
      pipe(
        created,
        E.map((rows) => rows[0])
      ),
      201
    )
  })

  app.patch<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const changes = clientFields(request.body, ['id', 'createdAt'])
    if (E.isLeft(changes)) return sendResult(reply, changes)
    // `set` checks every value by its column (type, NOT NULL, unknown column): a Left when run.
    const q = pipe(update(users), set(changes.right as SetValues<typeof users>), filter(byId), returning())
    const id = request.params.id
    const updated = await pool.run(q, { id: intParam(id, 0) })()
    return sendResult(
      reply,
      pipe(
        updated,
        E.chain((rows) => (rows[0] === undefined ? E.left(notFound(`No user ${id}.`)) : E.right(rows[0])))
      )
    )
  })

  app.delete<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const id = request.params.id
    const deleted = await pool.run(deleteUser, { id: intParam(id, 0) })()
    if (E.isLeft(deleted)) return sendResult(reply, deleted)
    if (deleted.right.changes === 0) return sendResult(reply, E.left(notFound(`No user ${id}.`)))
    return reply.code(204).send()
  })

  app.get<{ Params: { id: string }; Querystring: { limit?: string; offset?: string } }>('/users/:id/posts', async (request, reply) => {
    const id = request.params.id
    // The user first: no posts for a missing user is a 404, not an empty page.
    const found = await pool.run(userExists, { id: intParam(id, 0) })()
    if (E.isLeft(found)) return sendResult(reply, found)
    if (!found.right) return sendResult(reply, E.left(notFound(`No user ${id}.`)))
    const page = { id: intParam(id, 0), limit: pageSize(request.query.limit), offset: intParam(request.query.offset, 0) }
    return sendResult(reply, await pool.run(postsOfUser, page)())
  })

  app.post<{ Params: { id: string } }>('/users/:id/posts', async (request, reply) => {
    const id = request.params.id
    const body = clientFields(request.body, ['id', 'userId', 'createdAt'])
    if (E.isLeft(body)) return sendResult(reply, body)
    // The user first: a bad id is the library's 400, a missing one 404.
    const found = await pool.run(userExists, { id: intParam(id, 0) })()
    if (E.isLeft(found)) return sendResult(reply, found)
    if (!found.right) return sendResult(reply, E.left(notFound(`No user ${id}.`)))
    const row = checked(newPost, { ...body.right, userId: Number(id) })
    if (E.isLeft(row)) return sendResult(reply, row)
    const created = await pool.run(pipe(insert(posts, row.right), returning()))()
    return sendResult(
      reply,
      pipe(
        created,
        E.map((rows) => rows[0]),
        // The user was deleted in between: its posts cannot be created.
        E.mapLeft((e) => (e._tag === 'ConstraintError' && e.kind === 'foreignKey' ? notFound(`No user ${id}.`) : e))
      ),
      201
    )
  })

  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      shuttingDown = true
      await app.close()
      await pool.close()
    })())

  return { app, pool, close }
}

// -------------------------------------------------------------------------------------
// run directly: npm run example:server
// -------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const port = Number(process.env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`)
  const dbPath = process.env.DB ?? './example.db'
  const server = await buildServer(dbPath)
  const address = await server.app.listen({ port, host: '127.0.0.1' })
  console.log(`fp-lite-orm example server listening on ${address} (database ${path.resolve(dbPath)})`)

  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal}: closing the server and the pool`)
    // Should closing ever hang, do not hang with it.
    setTimeout(() => process.exit(1), 10_000).unref()
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e)
        process.exit(1)
      }
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

const entry = process.argv[1]
if (entry !== undefined && path.resolve(entry) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  })
}
