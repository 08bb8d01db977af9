/**
 * A pool worker: one thread, one connection (from this thread's own registry), running
 * what the pool posts and posting back the results. Every run goes through the session
 * (`collectQuery`, `collectBound`, `collectBatch`), so errors, transactions and log events
 * are a session's. Codecs do not cross threads: a read comes back collected (rows built,
 * relations preloaded) and the pool finishes it in the calling thread (assemble.ts).
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { unexpectedError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { closeConnection } from '../conn/connection.js'
import { raw } from '../query/raw.js'
import { sql } from '../query/sql.js'
import { collectBound, collectQuery, runQuery } from '../session/session.js'
import { collectBatch } from '../session/transaction.js'
import type { Reply, Request, ShapeDef, ShapeStats, WorkerSetup } from './protocol.js'
import { recall, remember } from '../lru.js'

const setup = workerData as WorkerSetup
const port = parentPort
if (port === null) throw new Error('src/pool/worker.ts runs as a worker thread of workerPool()')

const db: Db = setup.log ? { ...setup.db, log: (event) => port.postMessage({ _tag: 'Log', event } satisfies Reply) } : setup.db

/**
 * The shapes this worker was told, by id, least recently used first. The pool mirrors it
 * (same bound, same order of use) to know when to send a definition again. A shape dropped
 * here leaves its prepared statement in the handle's own bounded cache.
 */
const shapes = new Map<number, ShapeDef>()

/** Posts a result; one that cannot be cloned (an odd thrown cause) is posted as text. */
const reply = (id: number, result: E.Either<DbError, unknown>, ms?: number): void => {
  try {
    port.postMessage((ms === undefined ? { _tag: 'Result', id, result } : { _tag: 'Result', id, result, ms }) satisfies Reply)
  } catch (e) {
    const safe = E.isLeft(result)
      ? E.left({ ...result.left, ...('cause' in result.left ? { cause: String(result.left.cause) } : {}) })
      : E.left(unexpectedError(e, 'The result could not be sent back from the worker'))
    port.postMessage({ _tag: 'Result', id, result: safe } satisfies Reply)
  }
}

port.on('message', (m: Request) => {
  switch (m._tag) {
    case 'Exec': {
      const def = m.define === undefined ? recall(shapes, m.shape) : remember(shapes, m.shape, m.define, setup.shapeCacheSize)
      if (def === undefined) {
        port.postMessage({ _tag: 'Unknown', id: m.id } satisfies Reply)
        return
      }
      // Timed for the pool's scheduling (long runs are kept off one reader).
      const t0 = performance.now()
      const result = guarded(() => collectBound(db, def.compiled, m.params))
      reply(m.id, result, performance.now() - t0)
      return
    }
    case 'Run':
      reply(
        m.id,
        guarded(() => collectQuery(db, m.query, m.params))
      )
      return
    case 'Batch':
      reply(
        m.id,
        guarded(() => collectBatch(db, m.queries))
      )
      return
    case 'TxBegin':
      reply(
        m.id,
        guarded(() => runQuery(db, raw(sql`BEGIN IMMEDIATE`)))
      )
      return
    case 'TxEnd':
      reply(
        m.id,
        guarded(() => endTransaction(m.commit))
      )
      return
    case 'Stats':
      reply(m.id, E.right({ held: shapes.size, capacity: setup.shapeCacheSize } satisfies ShapeStats))
      return
    case 'Close':
      closeConnection(db)
      port.close()
      return
  }
})

// Last: the pool counts this thread as started (and restarts it after a crash) from here on.
port.postMessage({ _tag: 'Ready' } satisfies Reply)

function guarded(f: () => E.Either<DbError, unknown>): E.Either<DbError, unknown> {
  try {
    return f()
  } catch (e) {
    return E.left(unexpectedError(e, 'The worker threw'))
  }
}

/**
 * COMMIT or ROLLBACK of `pool.transaction`. A COMMIT that fails (a deferred foreign key) leaves
 * the transaction open: it is rolled back so the writer is usable after. A ROLLBACK of a
 * transaction SQLite already ended (after some errors it rolls back by itself) is no failure.
 */
function endTransaction(commit: boolean): E.Either<DbError, unknown> {
  if (commit) {
    const r = runQuery(db, raw(sql`COMMIT`))
    if (E.isLeft(r)) runQuery(db, raw(sql`ROLLBACK`))
    return r
  }
  runQuery(db, raw(sql`ROLLBACK`))
  return E.right(undefined)
}
