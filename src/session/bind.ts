/**
 * Binding placeholders: a bound value is encoded and checked exactly as a literal in
 * the same position would have been when the query was built.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import type { SqlValue } from '../schema/column.js'
import { encodeLoose, encodeValue } from '../schema/codec.js'
import type { DbError } from '../errors.js'
import { describeValue, validationError } from '../errors.js'
import type { CodecsPart, Encoding } from '../query/ast.js'
import type { CompiledStatement } from '../query/compiled.js'
import { jsonArrayOf } from '../query/sqltext.js'
import { LIKE_PATTERN_LIMIT, escapeLike, likeCanTake } from '../query/expr.js'

/**
 * The values for a query's placeholders, by name.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, count, createTable, filter, gte, insert, integer, placeholder, select, session, table, timestamp } from 'fp-lite-orm'
 * import type { Params, Query } from 'fp-lite-orm'
 *
 * const events = table('events', { id: integer().primaryKey(), at: timestamp().notNull() })
 * const since = pipe(select(events), filter(gte(events.at, placeholder('since'))), count)
 * const s = session(connect(':memory:'))
 * s.run(createTable(events))
 * s.run(insert(events, [{ at: new Date('2024-01-01T00:00:00Z') }, { at: new Date('2024-06-01T00:00:00Z') }]))
 *
 * const params: Params = { since: new Date('2024-03-01T00:00:00Z') }   // encoded like a literal: ISO text
 * assert.deepEqual(s.run(since, { since: new Date('2024-03-01T00:00:00Z') }), E.right(1))
 * assert.deepEqual(s.run(since as Query<number>, params), E.right(1))   // a query whose placeholders the types do not know
 * ```
 *
 * @category Sessions
 */
export type Params = Readonly<Record<string, unknown>>

/**
 * `run`'s parameters for a query whose placeholders need `P` (see `ParamsOf`): an object
 * with those keys and types (more keys may come along, for placeholders the types cannot
 * see), or nothing at all when the types know of no placeholder.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { connect, eq, filter, first, integer, placeholder, select, session, table } from 'fp-lite-orm'
 * import type { ParamsFor } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey() })
 * const byId = pipe(select(users), filter(eq(users.id, placeholder('id'))), first)
 * const args: ParamsFor<{ readonly id: number | null }> = [{ id: 1 }]
 * // @ts-expect-error a misspelt name
 * const typo: ParamsFor<{ readonly id: number | null }> = [{ idd: 1 }]
 * void session(connect(':memory:')).run(byId, ...args); void typo
 * ```
 *
 * @category Queries
 */
export type ParamsFor<P> = unknown extends P ? [params?: Params] : [params: P & Params]

const encodeOne = (v: unknown, enc: Encoding | undefined, codecs: CodecsPart | undefined): E.Either<string, SqlValue> => {
  if (enc === undefined || enc.loose === true) return encodeLoose(v)
  if (enc.count === true) {
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? E.right(v) : E.left('a whole number >= 0')
  }
  if (enc.like !== undefined) {
    if (typeof v !== 'string') return E.left('a string')
    const x = escapeLike(v)
    const pattern = enc.like === 'contains' ? `%${x}%` : enc.like === 'startsWith' ? `${x}%` : `%${x}`
    // The statement is already LIKE: a needle it cannot take is refused, not silently mismatched.
    if (!likeCanTake(pattern)) {
      return E.left(
        `a string without NUL characters whose pattern fits SQLite's LIKE limit (${LIKE_PATTERN_LIMIT} bytes); pass such a needle as a literal string, which ${enc.like} matches exactly`
      )
    }
    return E.right(pattern)
  }
  if (v === null) return enc.notNull === true ? E.left('a value (the column is NOT NULL)') : E.right(null)
  const codec: t.Mixed | undefined = enc.codecKey === undefined ? undefined : codecs?.columns?.[enc.codecKey]
  return encodeValue(enc.kind, v, enc.mode, codec)
}

const encodeList = (v: unknown, enc: Encoding, codecs: CodecsPart | undefined): E.Either<string, SqlValue> => {
  if (!Array.isArray(v)) return E.left('an array')
  const out: SqlValue[] = []
  for (const item of v) {
    const r = encodeOne(item, { ...enc, list: false }, codecs)
    if (E.isLeft(r)) return E.left(`an array of ${r.left}`)
    if (r.right instanceof Uint8Array) return E.left('an array of values other than blobs (blobs cannot travel as JSON)')
    out.push(r.right)
  }
  // Bigints keep every digit in the JSON text (SQLite reads them as 64-bit integers).
  return E.right(jsonArrayOf(out))
}

/** The statement's parameters with its placeholders filled from `params`. */
export const bindParams = (
  s: CompiledStatement,
  params: Params | undefined,
  codecs: CodecsPart | undefined
): E.Either<DbError, ReadonlyArray<SqlValue>> => {
  const slots = s.slots
  if (slots === undefined) return E.right(s.params)
  const out = s.params.slice()
  for (const { index, placeholder } of slots) {
    const name = placeholder.name
    if (
      typeof params !== 'object' ||
      params === null ||
      !Object.prototype.hasOwnProperty.call(params, name) ||
      params[name] === undefined
    ) {
      const names = [...new Set(slots.map((x) => x.placeholder.name))].join(', ')
      return E.left(
        validationError(
          `Missing value for placeholder ${JSON.stringify(name)}: the query needs ${names}. Pass them when running it: s.run(q, { ${name}: ... }).`,
          `params.${name}`
        )
      )
    }
    const v = params[name]
    const enc = placeholder.encoding
    const r = enc?.list === true ? encodeList(v, enc, codecs) : encodeOne(v, enc, codecs)
    if (E.isLeft(r)) {
      const target = enc?.target === undefined ? '' : ` (for ${enc.target})`
      return E.left(
        validationError(
          `Bad value for placeholder ${JSON.stringify(name)}${target}: expected ${r.left}, got ${describeValue(v)}.`,
          `params.${name}`
        )
      )
    }
    out[index] = r.right
  }
  return E.right(out)
}
