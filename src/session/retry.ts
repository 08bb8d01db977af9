/**
 * Retrying work that found the database locked. SQLite already waits `busyTimeoutMs`
 * for a lock before failing; this adds bounded retries with exponential backoff and
 * jitter on top, for writers that contend for long stretches.
 *
 *   retryOnBusy(() => transaction(db, (tx) => ...), { attempts: 5 })
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'

/**
 * How `retryOnBusy` retries: how many runs in all, and the pauses between them.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { retryOnBusy } from 'fp-lite-orm'
 * import type { DbError, RetryOptions } from 'fp-lite-orm'
 *
 * const options: RetryOptions = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }
 * let calls = 0
 * const alwaysBusy = (): E.Either<DbError, never> => {
 *   calls++
 *   return E.left({ _tag: 'BusyError', code: 'SQLITE_BUSY', message: 'locked' })
 * }
 * assert.ok(E.isLeft(retryOnBusy(alwaysBusy, options)))
 * assert.equal(calls, 3)
 * ```
 *
 * @category Sessions
 */
export interface RetryOptions {
  /** How many times to run the work in all (default 5). */
  readonly attempts?: number | undefined
  /** The first pause, doubled each time (default 20 ms). */
  readonly baseDelayMs?: number | undefined
  /** The longest pause (default 1000 ms). */
  readonly maxDelayMs?: number | undefined
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** A synchronous pause that does not spin (the API is synchronous, like the local driver). */
const sleep = (ms: number): void => {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms)
}

const isBusy = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as DbError)._tag === 'BusyError'

/**
 * Runs `work` again while it returns a Left `BusyError`, at most `attempts` times in all,
 * pausing between tries. Run it around a whole transaction, never inside one: a
 * transaction that met a busy error must start over to see the other writer's work.
 *
 * @param work - the whole unit of work to retry (a transaction, not one statement inside it), returning an Either; only a
 *   Left `BusyError` is retried.
 * @param options - `RetryOptions`: `attempts` in all (default 5), `baseDelayMs` and `maxDelayMs` of the exponential pause
 *   between tries.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, createTable, insert, integer, retryOnBusy, session, table, transaction } from 'fp-lite-orm'
 *
 * const t = table('t', { id: integer().primaryKey() })
 * const db = connect('app.db', { busyTimeoutMs: 1000 })
 * session(db).run(createTable(t))
 *
 * // Around the whole transaction, never inside it.
 * const r = retryOnBusy(() => transaction(db, (tx) => pipe(tx.run(insert(t, {})), E.chain(() => tx.run(insert(t, {}))))), { attempts: 5 })
 * assert.ok(E.isRight(r))
 * ```
 *
 * @category Sessions
 */
export const retryOnBusy = <E, A>(work: () => E.Either<E, A>, options: RetryOptions = {}): E.Either<E, A> => {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 5))
  const base = Math.max(0, options.baseDelayMs ?? 20)
  const max = Math.max(base, options.maxDelayMs ?? 1000)
  let out = work()
  for (let i = 1; i < attempts && E.isLeft(out) && isBusy(out.left); i++) {
    const delay = Math.min(max, base * 2 ** (i - 1))
    sleep(delay / 2 + Math.random() * (delay / 2))
    out = work()
  }
  return out
}
