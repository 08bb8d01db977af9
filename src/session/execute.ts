/**
 * Executors: for a compiled form that lives on (a shape of the structural compile cache,
 * or the compiled form of a query value run again, such as a placeholder query), the read
 * is chosen once: its plan, its row mode and its row builder. Each run then is the driver's
 * call and the builder, with no plan, no mode switch and no intermediate array; the only
 * Either is the result.
 *
 * Only the common one-statement reads have one: `first` and `all` (and count/exists),
 * without preloads and without `decode(codec)`, with no log. Everything else (and a
 * compiled form run with other codecs than its executor's) goes the general way.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type { SqlValue } from '../schema/column.js'
import type { DbError } from '../errors.js'
import type { CodecsPart } from '../query/ast.js'
import type { Compiled } from '../query/compiled.js'
import type { LocalStatement } from '../driver/index.js'
import { memoOnObject } from '../memo.js'
import type { Fetch, Plan } from './assemble.js'
import { finishRows, planOf, readModeOf, toNumber } from './assemble.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** A read chosen once: `run` takes the prepared statement (in `raw`/`safeIntegers` mode) and the bound values. */
export interface Executor {
  /** The codecs it was made for (by identity): another query's codecs take the general way. */
  readonly codecs: CodecsPart | undefined
  readonly raw: boolean
  readonly safeIntegers: boolean
  /** Throws what the driver and the row builder throw (the caller maps it, as for any read). */
  readonly run: (stmt: LocalStatement, params: ReadonlyArray<SqlValue>) => E.Either<DbError, unknown>
}

const NONE: E.Either<DbError, unknown> = E.right(O.none)
const NO_PRELOADS: Fetch = () => []

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const make = (compiled: Compiled, codecs: CodecsPart | undefined): Executor | null => {
  if (compiled.statements.length !== 1 || compiled.preloads !== undefined || codecs?.decoder !== undefined) return null
  const plan: Plan = planOf(compiled, codecs)
  const mode = readModeOf(plan)
  const build = plan.reader.build
  const at = (run: Executor['run']): Executor => ({ codecs, raw: mode.raw, safeIntegers: mode.safeIntegers, run })
  switch (compiled.mode) {
    case 'first':
      return at((stmt, params) => {
        const row = stmt.get(...params)
        return row === undefined ? NONE : E.right(O.some(build === undefined ? row : build(row)))
      })
    case 'all':
      // finishRows without preloads or a decoder only builds, in place (and names the row of a decode error).
      return at((stmt, params) => E.right(finishRows(stmt.all(...params), plan, true, NO_PRELOADS)))
    case 'count':
      return at((stmt, params) => E.right(toNumber((stmt.get(...params) as [number | bigint])[0])))
    case 'exists':
      return at((stmt, params) => E.right((stmt.get(...params) as [number])[0] === 1))
    default:
      return null
  }
}

/** Executors by compiled form, kept on it (memo.ts); `null`: the form has none. */
const executors = memoOnObject<Compiled, Executor | null>('fp-lite-orm/executor')

/** The executor of a compiled form that lives on, made on first use; undefined when it has none. */
export const executorOf = (compiled: Compiled, codecs: CodecsPart | undefined): Executor | undefined => {
  let x = executors.get(compiled)
  if (x === undefined) x = executors.set(compiled, make(compiled, codecs))
  return x === null || x.codecs !== codecs ? undefined : x
}
