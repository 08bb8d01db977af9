/**
 * A pool worker: one thread, one connection (from this thread's own registry), running
 * the query values the pool posts and posting back their results. Codecs do not cross
 * threads; the pool applies them to the results in the calling thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { unexpectedError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { release } from '../conn/registry.js'
import { runQuery } from '../session/session.js'
import { transaction } from '../session/transaction.js'
import type { Reply, Request, WorkerSetup } from './protocol.js'

const setup = workerData as WorkerSetup
const port = parentPort
if (port === null) throw new Error('src/pool/worker.ts runs as a worker thread of workerPool()')

const db: Db = setup.log
  ? { ...setup.db, log: (event) => port.postMessage({ _tag: 'Log', event } satisfies Reply) }
  : setup.db

/** Posts a result; one that cannot be cloned (an odd thrown cause) is posted as text. */
const reply = (id: number, result: E.Either<DbError, unknown>): void => {
  try {
    port.postMessage({ _tag: 'Result', id, result } satisfies Reply)
  } catch (e) {
    const safe = E.isLeft(result)
      ? E.left({ ...result.left, ...('cause' in result.left ? { cause: String(result.left.cause) } : {}) })
      : E.left(unexpectedError(e, 'The result could not be sent back from the worker'))
    port.postMessage({ _tag: 'Result', id, result: safe } satisfies Reply)
  }
}

port.on('message', (m: Request) => {
  switch (m._tag) {
    case 'Run':
      reply(m.id, guarded(() => runQuery(db, m.query, m.params)))
      return
    case 'Batch':
      reply(m.id, guarded(() => transaction(db, m.queries)))
      return
    case 'Close':
      release(db)
      port.close()
      return
  }
})

function guarded(f: () => E.Either<DbError, unknown>): E.Either<DbError, unknown> {
  try {
    return f()
  } catch (e) {
    return E.left(unexpectedError(e, 'The worker threw'))
  }
}
