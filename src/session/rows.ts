/**
 * Row readers: how the rows of a compiled query become application values.
 *
 * When no field needs decoding, rows come from better-sqlite3 as objects whose keys are
 * already right (the compiler aliases columns to their keys) and are used as they are,
 * without a copy. Otherwise rows are read in array mode and built by a function
 * generated once per row shape: an object literal whose fields apply only the mappings
 * needed (boolean, json, timestamp).
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import type { ColumnKind } from '../schema/column.js'
import { decodeStored } from '../schema/codec.js'
import { contextPath } from '../schema/codec.js'
import type { DecodeIssue } from '../errors.js'
import type { CodecsPart } from '../query/ast.js'
import type { OutputField } from '../query/compile.js'

/** Thrown inside a row builder and caught by the session, which returns it as a DecodeError. */
export class RowDecodeFailure {
  constructor(readonly issues: ReadonlyArray<DecodeIssue>) {}
}

export type Decoder = (stored: unknown) => unknown

const needsDecoding = (kind: ColumnKind | undefined): boolean =>
  kind === 'boolean' || kind === 'json' || kind === 'timestamp'

/** The decoder of one field; null stays null. */
export const fieldDecoder = (f: OutputField, codecs: CodecsPart | undefined): Decoder | undefined => {
  const kind = f.kind
  if (kind === undefined || !needsDecoding(kind)) return undefined
  const codec: t.Mixed | undefined = f.codecKey === undefined ? undefined : codecs?.columns?.[f.codecKey]
  if (kind === 'boolean') {
    return (v) => {
      if (v === null || v === 1 || v === 0) return v === null ? null : v === 1
      throw new RowDecodeFailure([{ path: f.key, expected: '0 or 1 (a boolean)', actual: v }])
    }
  }
  return (v) => {
    if (v === null) return null
    const r = decodeStored(kind, v, codec)
    if (E.isRight(r)) return r.right
    if (kind === 'json' && codec !== undefined && typeof v === 'string') {
      // Report the codec's own errors, with the path inside the JSON value.
      try {
        const inner = codec.decode(JSON.parse(v))
        if (E.isLeft(inner)) throw new RowDecodeFailure(ioTsIssues(inner.left, f.key))
      } catch (e) {
        if (e instanceof RowDecodeFailure) throw e
      }
    }
    throw new RowDecodeFailure([{ path: f.key, expected: r.left, actual: v }])
  }
}

/** io-ts errors as issues, their paths under `prefix`. */
export const ioTsIssues = (errors: t.Errors, prefix = ''): DecodeIssue[] =>
  errors.map((err) => {
    const inner = contextPath(err.context)
    const path = prefix === '' ? inner : inner === '' ? prefix : inner.startsWith('[') ? `${prefix}${inner}` : `${prefix}.${inner}`
    const last = err.context[err.context.length - 1]
    return { path, expected: err.message ?? last?.type.name ?? 'a valid value', actual: err.value }
  })

export interface RowReader {
  /** Read rows as arrays (and build them), or as objects used as they are. */
  readonly raw: boolean
  readonly build: ((row: unknown) => unknown) | undefined
}

type BuilderFactory = (decoders: ReadonlyArray<Decoder | undefined>) => (row: ReadonlyArray<unknown>) => unknown

const factories = new Map<string, BuilderFactory>()

/**
 * One generated function per row shape (keys, and which fields decode):
 * `r => ({ "id": r[0], "active": d1(r[1]) })`. Keys are JSON-quoted, so any key is safe.
 */
const factoryFor = (keys: ReadonlyArray<string>, decoded: ReadonlyArray<boolean>): BuilderFactory => {
  const signature = JSON.stringify([keys, decoded])
  let f = factories.get(signature)
  if (f === undefined) {
    const params = keys.map((_, i) => (decoded[i] === true ? `const d${i} = d[${i}];` : '')).join('')
    // "__proto__" as a plain literal key would set the prototype: write it as a computed key.
    const key = (k: string) => (k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k))
    const fields = keys.map((k, i) => `${key(k)}: ${decoded[i] === true ? `d${i}(r[${i}])` : `r[${i}]`}`).join(', ')
    f = new Function('d', `${params} return function buildRow(r) { return { ${fields} }; };`) as BuilderFactory
    if (factories.size > 1000) factories.clear()
    factories.set(signature, f)
  }
  return f
}

export const rowReader = (fields: ReadonlyArray<OutputField>, codecs: CodecsPart | undefined): RowReader => {
  const decoders = fields.map((f) => fieldDecoder(f, codecs))
  if (decoders.every((d) => d === undefined)) return { raw: false, build: undefined }
  const build = factoryFor(
    fields.map((f) => f.key),
    decoders.map((d) => d !== undefined)
  )(decoders)
  return { raw: true, build: build as (row: unknown) => unknown }
}
