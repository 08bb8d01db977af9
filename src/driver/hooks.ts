/**
 * User-defined SQL functions, as data a connection registers when it opens: scalar
 * functions (`db.function`) and aggregates (`db.aggregate`) with better-sqlite3's options.
 * They live in a module of their own (see src/conn/functions.ts) because functions cannot
 * be posted to a pool's threads: each thread imports the module and registers its list.
 */

import { isFunctionName } from '../schema/function-name.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The values SQLite passes to and takes from a JavaScript function.
 *
 * @example
 * ```ts
 * import type { SqlArg } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SqlArg
 * ```
 *
 * @category Sessions
 */
export type SqlArg = number | bigint | string | Uint8Array | null

/**
 * How SQLite may call a function: `deterministic` (same arguments, same result: allowed in
 * indexes and generated columns, and computed once per statement when its arguments are
 * constant), `varargs` (any number of arguments), `directOnly` (only from top-level SQL,
 * never from a view, trigger or schema expression), `safeIntegers` (integers arrive as bigints).
 *
 * @example
 * ```ts
 * import type { SqlFunctionOptions } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SqlFunctionOptions
 * ```
 *
 * @category Sessions
 */
export interface SqlFunctionOptions {
  readonly deterministic?: boolean | undefined
  readonly varargs?: boolean | undefined
  readonly directOnly?: boolean | undefined
  readonly safeIntegers?: boolean | undefined
}

/**
 * A scalar function: one result per row.
 *
 * @example
 * ```ts
 * import type { ScalarFunction } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = ScalarFunction
 * ```
 *
 * @category Sessions
 */
export interface ScalarFunction {
  readonly _tag: 'ScalarFunction'
  readonly name: string
  /** The function: SQL values in, an SQL value (or a boolean, stored as 1/0) out. */
  readonly fn: (...args: ReadonlyArray<never>) => unknown
  readonly options: SqlFunctionOptions
}

/**
 * An aggregate (and, with `inverse`, window) function: `start` is the first accumulator
 * (a value, or a function making one per group), `step` folds each row in, `result` turns
 * the accumulator into the result (the accumulator itself when left out).
 *
 * @example
 * ```ts
 * import type { AggregateFunction } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = AggregateFunction
 * ```
 *
 * @category Sessions
 */
export interface AggregateFunction {
  readonly _tag: 'AggregateFunction'
  readonly name: string
  readonly start?: unknown
  /** Folds one row's arguments into the accumulator, and returns the new accumulator. */
  readonly step: (acc: never, ...args: ReadonlyArray<never>) => unknown
  /** Takes a row out again (window functions over a moving frame). */
  readonly inverse?: ((acc: never, ...args: ReadonlyArray<never>) => unknown) | undefined
  /** The accumulator as the result; the accumulator itself when left out. */
  readonly result?: ((acc: never) => unknown) | undefined
  readonly options: SqlFunctionOptions
}

/**
 * A user-defined function a connection registers when it opens.
 *
 * @example
 * ```ts
 * import type { SqlFunction } from 'fp-lite-orm'
 *
 * // A type the signatures refer to, exported so that declaration files can name it.
 * export type Shown = SqlFunction
 * ```
 *
 * @category Sessions
 */
export type SqlFunction = ScalarFunction | AggregateFunction

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A scalar SQL function for a functions module (see `connect`'s `functions` option).
 *
 * @param name - the SQL name (letters, digits and _), called in queries with `udf(name, ...)`.
 * @param fn - the function: its `length` is the SQL arity unless `varargs`; a throw is a Left `UnexpectedError`.
 * @param options - better-sqlite3's: `deterministic`, `varargs`, `directOnly`, `safeIntegers`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { scalarFunction } from 'fp-lite-orm'
 *
 * export const half = scalarFunction('half', (x: number | null) => (x === null ? null : x / 2), { deterministic: true })
 * assert.equal(half.name, 'half')
 * ```
 *
 * @category Sessions
 */
export const scalarFunction = <A extends ReadonlyArray<SqlArg>>(
  name: string,
  fn: (...args: A) => SqlArg | boolean,
  options: SqlFunctionOptions = {}
): ScalarFunction => ({ _tag: 'ScalarFunction', name, fn: fn, options })

/**
 * An aggregate SQL function for a functions module (see `connect`'s `functions` option).
 *
 * @param name - the SQL name (letters, digits and _), called in queries with `udf(name, ...)`.
 * @param spec - `start` (a value, or a function making one per group), `step`, and optionally `result` and `inverse`.
 * @param options - better-sqlite3's: `deterministic`, `varargs`, `directOnly`, `safeIntegers`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { aggregateFunction } from 'fp-lite-orm'
 *
 * export const product = aggregateFunction('product', {
 *   start: 1,
 *   step: (acc: number, x: number | null) => (x === null ? acc : acc * x)
 * })
 * assert.equal(product._tag, 'AggregateFunction')
 * ```
 *
 * @category Sessions
 */
export const aggregateFunction = <Acc, A extends ReadonlyArray<SqlArg>>(
  name: string,
  spec: {
    readonly start?: Acc | (() => Acc)
    readonly step: (acc: Acc, ...args: A) => Acc
    readonly inverse?: (acc: Acc, ...args: A) => Acc
    readonly result?: (acc: Acc) => SqlArg | boolean
  },
  options: SqlFunctionOptions = {}
): AggregateFunction => ({
  _tag: 'AggregateFunction',
  name,
  ...(spec.start === undefined ? {} : { start: spec.start }),
  step: spec.step as unknown as AggregateFunction['step'],
  ...(spec.inverse === undefined ? {} : { inverse: spec.inverse as unknown as AggregateFunction['inverse'] }),
  ...(spec.result === undefined ? {} : { result: spec.result }),
  options
})

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

/** Why a list exported by a functions module is not one, or undefined. */
export const sqlFunctionsProblem = (list: unknown): string | undefined => {
  if (!Array.isArray(list))
    return 'its export `functions` (or default export) must be an array of scalarFunction(...) / aggregateFunction(...)'
  const seen = new Set<string>()
  for (const [i, f] of list.entries()) {
    const tag = (f as { _tag?: unknown } | null)?._tag
    if (tag !== 'ScalarFunction' && tag !== 'AggregateFunction') return `item ${i} is not a scalarFunction(...) or aggregateFunction(...)`
    const { name } = f as SqlFunction
    if (!isFunctionName(name))
      return `item ${i}: ${JSON.stringify(name)} is not a function name (letters, digits and _, not starting with a digit)`
    if (seen.has(name)) return `the function ${name} is listed twice`
    seen.add(name)
  }
  return undefined
}

/**
 * What a user function threw, marked so the driver maps it to an UnexpectedError naming the
 * function (better-sqlite3 rethrows it as is, so a TypeError would look like a bind error).
 */
export class UserFunctionError extends Error {
  constructor(
    readonly fn: string,
    readonly thrown: unknown
  ) {
    super(thrown instanceof Error ? thrown.message : String(thrown))
    this.name = 'UserFunctionError'
  }
}
