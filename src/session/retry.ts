/**
 * Retrying work that found the database locked. SQLite already waits `busyTimeoutMs`
 * for a lock before failing; this adds bounded retries with exponential backoff and
 * jitter on top, for writers that contend for long stretches.
 *
 *   retryOnBusy(() => transaction(db, (tx) => ...), { attempts: 5 })
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'

export interface RetryOptions {
  /** How many times to run the work in all (default 5). */
  readonly attempts?: number
  /** The first pause, doubled each time (default 20 ms). */
  readonly baseDelayMs?: number
  /** The longest pause (default 1000 ms). */
  readonly maxDelayMs?: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** A synchronous pause that does not spin (the API is synchronous, like better-sqlite3's). */
const sleep = (ms: number): void => {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms)
}

const isBusy = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as DbError)._tag === 'BusyError'

/**
 * Runs `work` again while it returns a Left `BusyError`, at most `attempts` times in all,
 * pausing between tries. Run it around a whole transaction, never inside one: a
 * transaction that met a busy error must start over to see the other writer's work.
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
