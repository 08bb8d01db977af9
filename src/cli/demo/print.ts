/** How the demo prints: values as cells or JSON lines, rows as a small aligned table. */
import * as O from 'fp-ts/lib/Option.js'
import type { DbError } from '../../index.js'

// -------------------------------------------------------------------------------------
// printing
// -------------------------------------------------------------------------------------

export type Out = (line: string) => void

/** A value as a cell or a JSON-ish word: Dates as ISO, reals to at most 2 decimals. */
export const cell = (v: unknown): string => {
  if (v === null || v === undefined) return 'null'
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100)
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** One value as a JSON line (Dates become ISO text through their toJSON). */
export const jsonLine = (v: unknown): string => JSON.stringify(v)

export const showOption = <A>(o: O.Option<A>, show: (a: A) => string = jsonLine): string =>
  O.isSome(o) ? `some(${show(o.value)})` : 'none'

export const showLeft = (e: DbError): string => `Left ${e._tag}: ${e.message}`

/** Rows as a small aligned table; numbers right-aligned. */
export const printTable = (out: Out, rows: ReadonlyArray<object>): void => {
  const first = rows[0]
  if (first === undefined) {
    out('(no rows)')
    return
  }
  const keys = Object.keys(first)
  const cells = rows.map((r) => keys.map((k) => cell((r as Record<string, unknown>)[k])))
  const numeric = keys.map((k) => rows.every((r) => typeof (r as Record<string, unknown>)[k] === 'number'))
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i]!.length)))
  const line = (cs: ReadonlyArray<string>) =>
    cs
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  out(line(keys))
  out(line(widths.map((w) => '-'.repeat(w))))
  for (const c of cells) out(line(c))
  out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`)
}
