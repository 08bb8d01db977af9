/**
 * The server of the server benchmark (bench/server/run.ts starts it as a child process):
 * Fastify on 127.0.0.1, one of three variants answering the same two routes.
 *
 *   GET /item/:id   one row by primary key (a point read: the request a server does most)
 *   GET /report     a slow aggregate over the whole table (60-130 ms on the bench machine)
 *
 * Variants: `raw` (better-sqlite3 prepared statements in the handler), `session` (a synchronous
 * fp-lite-orm session, queries built per call), `pool` (a workerPool, the same queries).
 *
 *   node --import tsx --conditions=fp-lite-orm-source bench/server/app.ts <variant> <db file> [readers]
 *
 * Prints `listening <port>` on stdout when ready; exits when its stdin closes (so a parent that
 * dies cannot leave it running) or on SIGTERM.
 */
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import { all, connect, eq, filter, first, raw, select, session, sql, workerPool } from '../../src/index.js'
import { REPORT_SQL, items } from './schema.js'

type Variant = 'raw' | 'session' | 'pool'

interface Handlers {
  readonly item: (id: number) => unknown
  readonly report: () => unknown
  readonly close: () => Promise<void> | void
  readonly ready?: () => Promise<void>
}

const fail = (e: { readonly message: string }): never => {
  throw new Error(e.message)
}

const rawHandlers = (file: string): Handlers => {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  const byId = db.prepare('SELECT id, grp, price, name FROM items WHERE id = ?')
  const report = db.prepare(REPORT_SQL)
  return { item: (id) => byId.get(id) ?? null, report: () => report.all(), close: () => void db.close() }
}

const itemQuery = (id: number) => pipe(select(items), filter(eq(items.id, id)), first)
// The report's text is shared with the raw variant: a template of one string, no value in it.
const reportQuery = pipe(raw(sql([REPORT_SQL] as unknown as TemplateStringsArray)), all)

const sessionHandlers = (file: string): Handlers => {
  const s = session(connect(file))
  return {
    item: (id) => pipe(s.run(itemQuery(id)), E.getOrElseW(fail), O.toNullable),
    report: () => pipe(s.run(reportQuery), E.getOrElseW(fail)),
    close: () => s.close()
  }
}

const poolHandlers = (file: string, readers: number): Handlers => {
  const pool = workerPool(connect(file), { readers })
  return {
    // Every reader thread started and the point read's shape measured before the server listens.
    ready: async () => {
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: readers * 2 }, (_, i) => pool.run(itemQuery(i + 1))()))
    },
    item: async (id) => pipe(await pool.run(itemQuery(id))(), E.getOrElseW(fail), O.toNullable),
    report: async () => pipe(await pool.run(reportQuery)(), E.getOrElseW(fail)),
    close: () => pool.close()
  }
}

const main = async (): Promise<void> => {
  const [variant, file, readersArg] = process.argv.slice(2) as [Variant, string, string | undefined]
  const h =
    variant === 'raw' ? rawHandlers(file) : variant === 'session' ? sessionHandlers(file) : poolHandlers(file, Number(readersArg ?? '2'))
  await h.ready?.()
  const app = Fastify({ logger: false })
  app.get<{ Params: { id: string } }>('/item/:id', (req) => Promise.resolve(h.item(Number(req.params.id))))
  app.get('/report', async () => {
    const rows = (await h.report()) as ReadonlyArray<unknown>
    return { groups: rows.length }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await app.close()
    await h.close()
    process.exit(0)
  }
  process.stdin.on('end', () => void stop())
  process.stdin.on('close', () => void stop())
  process.stdin.resume()
  process.on('SIGTERM', () => void stop())
  process.stdout.write(`listening ${port}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`server failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
