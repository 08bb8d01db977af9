/**
 * Codecs applied after the fact: a query run in another thread (a pool worker) comes
 * back with its rows decoded by kind but without its codecs, which are functions and
 * cannot cross threads. This applies them in the calling thread: json column codecs,
 * on the row, its joined parts and its preloaded rows, then `decode(codec)`.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type * as t from 'io-ts'
import type { DbError } from '../errors.js'
import { decodeError, unexpectedError } from '../errors.js'
import type { CodecsPart, Query } from '../query/ast.js'
import { Codecs } from '../query/ast.js'
import type { CompiledPreload, OutputField } from '../query/compile.js'
import { compile } from '../query/compile.js'
import { RowDecodeFailure, ioTsIssues } from './rows.js'

type Rec = Record<string, unknown>

const checkFields = (row: Rec, fields: ReadonlyArray<OutputField>, codecs: CodecsPart, path: string): void => {
  for (const f of fields) {
    if (f.codecKey === undefined) continue
    const codec: t.Mixed | undefined = codecs.columns?.[f.codecKey]
    if (codec === undefined) continue
    const holder = f.group === undefined ? row : (row[f.group] as Rec | null)
    if (holder === null || holder === undefined) continue
    const v = holder[f.key]
    if (v === null || v === undefined) continue
    const r = codec.decode(v)
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, `${path}${f.group === undefined ? '' : `${f.group}.`}${f.key}`))
    holder[f.key] = r.right
  }
}

const checkPreloads = (row: Rec, preloads: ReadonlyArray<CompiledPreload>, codecs: CodecsPart, path: string): void => {
  for (const pl of preloads) {
    const v = row[pl.name]
    const related = Array.isArray(v) ? (v as Rec[]) : v === null || v === undefined ? [] : [v as Rec]
    related.forEach((r, i) => {
      const at = `${path}${pl.name}${Array.isArray(v) ? `[${i}]` : ''}.`
      checkFields(r, pl.fields, codecs, at)
      checkPreloads(r, pl.nested, codecs, at)
    })
  }
}

/** True when the query carries codecs that a worker could not apply. */
export const hasCodecs = (q: Query<unknown>): boolean => {
  const c = q[Codecs]
  return c !== undefined && (c.decoder !== undefined || (c.columns !== undefined && Object.keys(c.columns).length > 0))
}

/** Applies the query's codecs to a result computed without them. */
export const applyCodecs = <A>(q: Query<A>, result: unknown): E.Either<DbError, A> => {
  const codecs = q[Codecs]
  if (codecs === undefined) return E.right(result as A)
  const compiled = compile(q)
  if (E.isLeft(compiled)) return compiled
  const { mode, fields, preloads } = compiled.right
  const finishRow = (row: unknown, path: string): unknown => {
    if (typeof row === 'object' && row !== null) {
      checkFields(row as Rec, fields, codecs, path)
      if (preloads !== undefined) checkPreloads(row as Rec, preloads, codecs, path)
    }
    if (codecs.decoder === undefined) return row
    const r = codecs.decoder.decode(row)
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left, path.replace(/\.$/, '')))
    return r.right
  }
  const finishValue = (v: unknown): unknown => {
    const f = fields[0]
    const codec = f?.codecKey === undefined ? undefined : codecs.columns?.[f.codecKey]
    if (codec === undefined || v === null || v === undefined) return v
    const r = codec.decode(v)
    if (E.isLeft(r)) throw new RowDecodeFailure(ioTsIssues(r.left))
    return r.right
  }
  try {
    switch (mode) {
      case 'all':
        return E.right((result as unknown[]).map((row, i) => finishRow(row, `[${i}].`)) as A)
      case 'first':
      case 'one': {
        if (mode === 'first') {
          const o = result as O.Option<unknown>
          return E.right((O.isSome(o) ? O.some(finishRow(o.value, '')) : o) as A)
        }
        return E.right(finishRow(result, '') as A)
      }
      case 'value': {
        const o = result as O.Option<unknown>
        return E.right((O.isSome(o) ? O.some(finishValue(o.value)) : o) as A)
      }
      case 'values':
        return E.right((result as unknown[]).map(finishValue) as A)
      default:
        return E.right(result as A)
    }
  } catch (e) {
    if (e instanceof RowDecodeFailure) return E.left(decodeError(e.issues))
    // A codec is user code: one that throws instead of failing is a Left, as in a session,
    // never a throw (in a pool it would reject the TaskEither).
    return E.left(
      unexpectedError(
        e,
        'A codec threw while decoding the result (decode(codec) or a json column codec; an io-ts codec should return a failure, not throw)'
      )
    )
  }
}
