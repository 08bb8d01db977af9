/**
 * Row readers: how the rows of a compiled query become application values.
 *
 * Rows are read in the driver's array mode and built by a function generated once
 * per row shape: one object literal whose fields apply only the mappings needed
 * (boolean, json, timestamp), so no row is built twice. A column of the other kinds is
 * taken as stored after an inline `typeof` check: outside STRICT tables SQLite keeps any
 * value in any column (text in an integer column, a blob in a text one), and such a value
 * is a DecodeError, not a row that lies about its type.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import type { ColumnKind } from '../schema/column.js'
import { UNSAFE_INTEGER, decodeStored } from '../schema/codec.js'
import { contextPath } from '../schema/codec.js'
import type { DecodeIssue } from '../errors.js'
import type { CodecsPart } from '../query/ast.js'
import type { OutputField, OutputGroup } from '../query/compiled.js'
import { FieldCodec } from '../query/compiled.js'
import { recall, remember } from '../lru.js'

/**
 * A user codec (a json column's, or `decode(codec)`) that threw instead of returning a
 * failure: the session reports it as an UnexpectedError that blames the codec.
 */
export class CodecThrew {
  constructor(readonly cause: unknown) {}
}

/** Calls user codec code; a throw becomes a CodecThrew. */
export const callCodec = <A>(f: () => A): A => {
  try {
    return f()
  } catch (e) {
    if (e instanceof RowDecodeFailure) throw e
    throw new CodecThrew(e)
  }
}

/** The message of a codec that threw, the same from a session and a pool. */
export const CODEC_THREW =
  'A codec threw while decoding the result (decode(codec) or a json column codec; an io-ts codec should return a failure, not throw)'

/** Thrown inside a row builder and caught by the session, which returns it as a DecodeError. */
export class RowDecodeFailure {
  constructor(readonly issues: ReadonlyArray<DecodeIssue>) {}
}

export type Decoder = (stored: unknown) => unknown

const needsDecoding = (kind: ColumnKind | undefined): boolean => kind === 'boolean' || kind === 'json' || kind === 'timestamp'

const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** The codec of a json field: found by the compiler through the field's column, or by its key in the query's codecs. */
const codecOf = (f: OutputField, codecs: CodecsPart | undefined): t.Mixed | undefined =>
  f[FieldCodec] ?? (f.codecKey === undefined ? undefined : codecs?.columns?.[f.codecKey])

/** The decoder of a boolean, json or timestamp field; null stays null. */
const kindDecoder = (f: OutputField, kind: 'boolean' | 'json' | 'timestamp', codecs: CodecsPart | undefined): Decoder => {
  if (kind === 'boolean') {
    return (v) => {
      if (v === null || v === 1 || v === 0) return v === null ? null : v === 1
      throw new RowDecodeFailure([{ path: f.key, expected: '0 or 1 (a boolean)', actual: v }])
    }
  }
  const codec = codecOf(f, codecs)
  return (v) => {
    if (v === null) return null
    const r = callCodec(() => decodeStored(kind, v, codec))
    if (E.isRight(r)) return r.right
    if (kind === 'json' && codec !== undefined && typeof v === 'string') {
      // Report the codec's own errors, with the path inside the JSON value.
      let parsed: unknown
      try {
        parsed = JSON.parse(v)
      } catch {
        parsed = undefined
      }
      if (parsed !== undefined) {
        const inner = callCodec(() => codec.decode(parsed))
        if (E.isLeft(inner)) throw new RowDecodeFailure(ioTsIssues(inner.left, f.key))
      }
    }
    throw new RowDecodeFailure([{ path: f.key, expected: r.left, actual: v }])
  }
}

/** A number read for an integer field that it would round: a DecodeError that names the bigint mode. */
const unsafe = (f: OutputField, v: unknown): never => {
  throw new RowDecodeFailure([{ path: f.key, expected: UNSAFE_INTEGER, actual: v }])
}

/**
 * In a statement read with safe integers (because one of its fields is a bigint column),
 * every integer arrives as a bigint: the other fields take it back as a number, and an
 * integer field refuses one it would round. A value of unknown kind keeps its bigint then.
 */
const narrow =
  (f: OutputField, next: Decoder | undefined): Decoder =>
  (v) => {
    if (typeof v === 'bigint') {
      const n = Number(v)
      if (!Number.isSafeInteger(n)) {
        if (f.kind === undefined || f.kind === 'any') return next === undefined ? v : next(v)
        unsafe(f, v)
      }
      return next === undefined ? n : next(n)
    }
    return next === undefined ? v : next(v)
  }

const bigintField =
  (f: OutputField): Decoder =>
  (v) => {
    if (v === null || typeof v === 'bigint') return v
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
    throw new RowDecodeFailure([{ path: f.key, expected: 'an integer (bigint)', actual: v }])
  }

/** An integer field read as a number: its value must be one a double holds exactly. */
const safeNumber =
  (f: OutputField): Decoder =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && (v > MAX_SAFE || v < -MAX_SAFE) ? unsafe(f, v) : v

/**
 * The decoder of one field when it is read alone (value, values) or in full; undefined when
 * the value is taken as it is.
 */
export const fieldDecoder = (f: OutputField, codecs: CodecsPart | undefined, safeIntegers = false): Decoder | undefined => {
  const kind = f.kind
  if (kind === 'bigint') return bigintField(f)
  const decode = kind !== undefined && needsDecoding(kind) ? kindDecoder(f, kind as 'boolean' | 'json' | 'timestamp', codecs) : undefined
  if (safeIntegers) return narrow(f, decode)
  return kind === 'integer' ? safeNumber(f) : decode
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
  /** Read integers as bigints (a bigint column is among the fields): the driver's safeIntegers. */
  readonly safeIntegers: boolean
  readonly build: ((row: unknown) => unknown) | undefined
}

type BuilderFactory = (decoders: ReadonlyArray<Decoder | undefined>) => (row: ReadonlyArray<unknown>) => unknown

/** Generated row builders by layout signature: the library's one LRU policy (src/lru.ts). */
const factories = new Map<string, BuilderFactory>()
const FACTORY_CAPACITY = 1000

/** A property name in generated code: JSON-quoted; `__proto__` computed, so it cannot set the prototype. */
const prop = (k: string): string => (k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k))

/**
 * How the builder takes a field: decoded (`d`); checked inline as an integer column, an
 * integer expression, a number, text or a blob (`i`, `j`, `n`, `s`, `b`), with `d` reporting
 * a mismatch; or as it is.
 */
type Take = 'd' | 'i' | 'j' | 'n' | 's' | 'b' | ''

type Check = Exclude<Take, 'd' | ''>

/** The inline test of a checked field; `d${i}` is then the function that reports a mismatch. */
const CHECKS: Record<Check, (v: string) => string> = {
  i: (v) => `(typeof ${v} === "number" ? ${v} <= ${MAX_SAFE} && ${v} >= -${MAX_SAFE} : ${v} === null)`,
  j: (v) => `(typeof ${v} !== "number" || (${v} <= ${MAX_SAFE} && ${v} >= -${MAX_SAFE}))`,
  n: (v) => `typeof ${v} === "number" || ${v} === null || typeof ${v} === "bigint"`,
  s: (v) => `typeof ${v} === "string" || ${v} === null`,
  b: (v) => `${v} instanceof Uint8Array || ${v} === null`
}

const cell = (i: number, take: Take): string =>
  take === 'd' ? `d${i}(r[${i}])` : take === '' ? `r[${i}]` : `(${CHECKS[take](`r[${i}]`)} ? r[${i}] : d${i}(r[${i}]))`

/** The inline check of a field taken as stored (a table column of a plain kind, or an integer expression). */
const checkOf = (f: OutputField): Take => {
  if (f.kind === 'integer') return f.column === true ? 'i' : 'j'
  if (f.column !== true) return ''
  return f.kind === 'real' ? 'n' : f.kind === 'text' ? 's' : f.kind === 'blob' ? 'b' : ''
}

/** The mismatch report of a checked field (called only when its inline check fails). */
const mismatch =
  (f: OutputField, expected: string): Decoder =>
  (v) => {
    if (typeof v === 'number' && f.kind === 'integer' && Number.isInteger(v)) unsafe(f, v)
    throw new RowDecodeFailure([{ path: f.key, expected, actual: v }])
  }

const EXPECTED: Record<Check, string> = { i: 'a number', j: 'a number', n: 'a number', s: 'text', b: 'a blob' }

/**
 * One generated function per row shape (keys, groups, and which fields decode):
 * `r => ({ "id": r[0], "active": d1(r[1]) })`, or for joined rows
 * `r => ({ "users": { ... }, "posts": r[3] === null && r[4] === null ? null : { ... } })`.
 */
const factoryFor = (
  fields: ReadonlyArray<OutputField>,
  groups: ReadonlyArray<OutputGroup> | undefined,
  takes: ReadonlyArray<Take>
): BuilderFactory => {
  const signature = JSON.stringify([fields.map((f) => [f.key, f.group ?? null, f.path ?? null]), groups ?? null, takes])
  let f = recall(factories, signature)
  if (f === undefined) {
    const locals = fields.map((_, i) => (takes[i] !== '' ? `const d${i} = d[${i}];` : '')).join('')
    let body: string
    if (groups === undefined) {
      body = nestedLiteral(
        fields.map((x, i) => ({ path: x.path ?? [x.key], code: cell(i, takes[i] ?? '') })),
        0
      )
    } else {
      body = `{ ${groups
        .map((g) => {
          const idx = fields.flatMap((x, i) => (x.group === g.key ? [i] : []))
          const obj = `{ ${idx.map((i) => `${prop(fields[i]!.key)}: ${cell(i, takes[i] ?? '')}`).join(', ')} }`
          const missing = idx.map((i) => `r[${i}] === null`).join(' && ')
          return `${prop(g.key)}: ${g.nullable && idx.length > 0 ? `(${missing}) ? null : ${obj}` : obj}`
        })
        .join(', ')} }`
    }
    // Generated code, on purpose: one straight-line builder per row shape is what makes
    // reading rows as arrays pay off (bench/ANALYSIS.md). Its text holds only column
    // positions and JSON-quoted keys from the schema, never a value.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    f = new Function('d', `${locals} return function buildRow(r) { return ${body}; };`) as BuilderFactory
    remember(factories, signature, f, FACTORY_CAPACITY)
  }
  return f
}

/**
 * The object literal of a row whose fields sit at paths (a nested projection): fields that
 * share a first key become one nested literal, in the order they first appear.
 */
const nestedLiteral = (items: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly code: string }>, depth: number): string => {
  const order: string[] = []
  const byKey = new Map<string, Array<{ readonly path: ReadonlyArray<string>; readonly code: string }>>()
  for (const it of items) {
    const k = it.path[depth]!
    let list = byKey.get(k)
    if (list === undefined) byKey.set(k, (list = []))
    if (list.length === 0) order.push(k)
    list.push(it)
  }
  return `{ ${order
    .map((k) => {
      const list = byKey.get(k)!
      const leaf = list.length === 1 && list[0]!.path.length === depth + 1
      return `${prop(k)}: ${leaf ? list[0]!.code : nestedLiteral(list, depth + 1)}`
    })
    .join(', ')} }`
}

export const rowReader = (
  fields: ReadonlyArray<OutputField>,
  groups: ReadonlyArray<OutputGroup> | undefined,
  codecs: CodecsPart | undefined
): RowReader => {
  // Native SQL has no known fields: its rows are taken as the driver builds them.
  if (fields.length === 0) return { raw: false, safeIntegers: false, build: undefined }
  const safeIntegers = fields.some((f) => f.kind === 'bigint')
  // Safe integers: every field goes through its decoder (integers arrive as bigints).
  const decoded = fields.map((f) => (safeIntegers || f.kind !== 'integer' ? fieldDecoder(f, codecs, safeIntegers) : undefined))
  const takes = fields.map((f, i): Take => (decoded[i] !== undefined ? 'd' : checkOf(f)))
  const decoders = takes.map((take, i) => (take === 'd' || take === '' ? decoded[i] : mismatch(fields[i]!, EXPECTED[take])))
  // Rows are otherwise read as arrays: the driver builds row objects in C++ property by
  // property, which is slower than one generated object literal per row (measured about
  // 1.4x on wide reads, 1.7x on point lookups).
  const build = factoryFor(fields, groups, takes)(decoders)
  return { raw: true, safeIntegers, build: build as (row: unknown) => unknown }
}
