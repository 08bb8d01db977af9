/**
 * Cells between SQLite and the page. JSON holds numbers, strings and null; what it cannot
 * (an integer past 2^53, a blob, an infinite real) travels tagged, and a blob only as its
 * size and the first bytes: a page of rows never carries a whole large blob.
 */
import type { SqlValue } from '../schema/column.js'
import type { Cell } from './model.js'

/** How many bytes of a blob the page sees (as hex). */
export const BLOB_PREVIEW_BYTES = 32

/** A stored value as the page receives it. */
export const toCell = (v: unknown): Cell => {
  if (v === null || v === undefined || typeof v === 'string') return v ?? null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : { $bigint: v.toString() }
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $real: String(v) }
  if (v instanceof Uint8Array) return { $blob: { size: v.length, hex: Buffer.from(v.subarray(0, BLOB_PREVIEW_BYTES)).toString('hex') } }
  // better-sqlite3 reads nothing else; a value of another type is shown as its JSON.
  return JSON.stringify(v) ?? null
}

/**
 * A value from the page as a bound parameter: JSON scalars as they are (a boolean as 0/1),
 * a tagged bigint as a bigint; undefined for anything else (an object, a blob preview).
 */
export const fromCell = (u: unknown): SqlValue | undefined => {
  if (u === null || typeof u === 'string') return u
  if (typeof u === 'number') return Number.isFinite(u) ? u : undefined
  if (typeof u === 'boolean') return u ? 1 : 0
  if (typeof u === 'object' && u !== null && Object.keys(u).length === 1) {
    const o = u as { $bigint?: unknown; $real?: unknown }
    if (typeof o.$bigint === 'string' && /^-?\d{1,19}$/.test(o.$bigint)) return BigInt(o.$bigint)
    if (o.$real === 'Infinity' || o.$real === '-Infinity') return Number(o.$real)
  }
  return undefined
}
