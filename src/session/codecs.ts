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
import { FieldCodec, compile } from '../query/compile.js'
import { CODEC_THREW, RowDecodeFailure, ioTsIssues } from './rows.js'

type Rec = Record<string, unknown>

/** A json field's codec: found by the compiler through its column, or by its key in the query's codecs. */
const codecOf = (f: OutputField, codecs: CodecsPart): t.Mixed | undefined =>
  f[FieldCodec] ?? (f.codecKey === undefined ? undefined : codecs.columns?.[f.codecKey])

const checkFields = (row: Rec, fields: ReadonlyArray<OutputField>, codecs: CodecsPart, path: string): void => {
  for (const f of fields) {
    const codec = codecOf(f, codecs)
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

/** Whether any field (of the rows or of their preloads) has a json codec to apply. */
const hasFieldCodecs = (fields: ReadonlyArray<OutputField>, preloads: ReadonlyArray<CompiledPreload> | undefined): boolean =>
  fields.some((f) => f[FieldCodec] !== undefined || f.codecKey !== undefined) ||
  (preloads ?? []).some((p) => hasFieldCodecs(p.fields, p.nested))

/** Applies the query's codecs to a result computed without them. */
export const applyCodecs = <A>(q: Query<A>, result: unknown): E.Either<DbError, A> => {
  const compiled = compile(q)
  if (E.isLeft(compiled)) return compiled
  const { mode, fields, preloads } = compiled.right
  const codecs: CodecsPart = q[Codecs] ?? {}
  if (codecs.decoder === undefined && !hasFieldCodecs(fields, preloads)) return E.right(result as A)
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
    const codec = f === undefined ? undefined : codecOf(f, codecs)
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
    return E.left(unexpectedError(e, CODEC_THREW))
  }
}
