/**
 * Reading what the pragmas do not report out of stored DDL text: a table's CHECK
 * constraints, its columns' COLLATE and GENERATED clauses, and an index's key text.
 *
 * Both sides of the diff go through this same reader: the live side reads the text in
 * `sqlite_master`, the schema side the text the compiler would write. Texts are compared
 * as token lists (case and quoting of names, whitespace and comments ignored), so a
 * definition written by hand and the same definition written by the compiler compare equal.
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

interface Token {
  /** `id`: a name or keyword (quoted or bare); `str`: a string literal; `op`: anything else. */
  readonly t: 'id' | 'str' | 'op'
  /** Names folded to lower case (SQLite's names are case-insensitive); strings as written. */
  readonly v: string
  /** A quoted name: never a keyword. */
  readonly quoted?: true
  /** Where it is in the text: [at, end). */
  readonly at: number
  readonly end: number
}

/** What a column's definition says beyond the pragmas. */
export interface ColumnText {
  /** COLLATE, upper-cased; undefined for the default (BINARY). */
  readonly collate?: string
  /** `virtual:expr` or `stored:expr`, the expression as normalized text. */
  readonly generated?: string
  /** The generated expression as written (for `pull`). */
  readonly generatedRaw?: { readonly text: string; readonly stored: boolean }
}

/** A CHECK as written (for `pull`). */
export interface RawCheck {
  readonly name?: string
  readonly text: string
}

/** What a CREATE TABLE says beyond the pragmas. */
export interface TableText {
  /** By column name, folded. */
  readonly columns: ReadonlyMap<string, ColumnText>
  /** Every CHECK (column and table), as `name:expr` (name empty when unnamed), sorted. */
  readonly checks: ReadonlyArray<string>
  /** The same CHECKs as written, in order (for `pull`). */
  readonly rawChecks: ReadonlyArray<RawCheck>
}

// -------------------------------------------------------------------------------------
// tokens
// -------------------------------------------------------------------------------------

const OPS = ['->>', '->', '<=', '>=', '<>', '!=', '==', '||', '<<', '>>']

export const tokenize = (sql: string): Token[] => {
  const out: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const ch = sql[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? n : nl + 1
      continue
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? n : close + 2
      continue
    }
    if (ch === '"' || ch === '`' || ch === "'") {
      let j = i + 1
      let text = ''
      for (;;) {
        const k = sql.indexOf(ch, j)
        if (k < 0) {
          text += sql.slice(j)
          j = n
          break
        }
        text += sql.slice(j, k)
        if (sql[k + 1] === ch) {
          text += ch
          j = k + 2
          continue
        }
        j = k + 1
        break
      }
      out.push(
        ch === "'"
          ? { t: 'str', v: `'${text.replace(/'/g, "''")}'`, at: i, end: j }
          : { t: 'id', v: text.toLowerCase(), quoted: true, at: i, end: j }
      )
      i = j
      continue
    }
    if (ch === '[') {
      const close = sql.indexOf(']', i + 1)
      out.push({ t: 'id', v: sql.slice(i + 1, close < 0 ? n : close).toLowerCase(), quoted: true, at: i, end: close < 0 ? n : close + 1 })
      i = close < 0 ? n : close + 1
      continue
    }
    const rest = sql.slice(i, i + 300)
    const m = /^[0-9]/.test(ch)
      ? /^(?:0[xX][0-9a-fA-F]+|[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?)/.exec(rest)
      : /^[A-Za-z_$\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(rest)
    if (m !== null) {
      out.push({ t: 'id', v: m[0].toLowerCase(), at: i, end: i + m[0].length })
      i += m[0].length
      continue
    }
    const op = OPS.find((o) => sql.startsWith(o, i)) ?? ch
    out.push({ t: 'op', v: op, at: i, end: i + op.length })
    i += op.length
  }
  return out
}

/** Tokens as one comparable text. */
export const tokensText = (ts: ReadonlyArray<Token>): string => ts.map((x) => (x.t === 'id' ? `"${x.v}"` : x.v)).join(' ')

/** The index just past the parenthesis group opened at `open`. */
const groupEnd = (ts: ReadonlyArray<Token>, open: number): number => {
  let depth = 0
  for (let i = open; i < ts.length; i++) {
    if (ts[i]!.t !== 'op') continue
    if (ts[i]!.v === '(') depth++
    else if (ts[i]!.v === ')' && --depth === 0) return i + 1
  }
  return ts.length
}

/** The tokens inside a group, without redundant outer parentheses. */
const inner = (ts: ReadonlyArray<Token>): ReadonlyArray<Token> => {
  let x = ts
  while (x.length >= 2 && x[0]!.v === '(' && x[0]!.t === 'op' && groupEnd(x, 0) === x.length) x = x.slice(1, -1)
  return x
}

/** An expression's normalized text (for texts the compiler and people write). */
export const expressionText = (sql: string): string => tokensText(inner(tokenize(sql)))

/** Splits tokens at top-level commas. */
const splitTop = (ts: ReadonlyArray<Token>): Token[][] => {
  const parts: Token[][] = [[]]
  let depth = 0
  for (const x of ts) {
    if (x.t === 'op' && x.v === '(') depth++
    else if (x.t === 'op' && x.v === ')') depth--
    if (depth === 0 && x.t === 'op' && x.v === ',') parts.push([])
    else parts[parts.length - 1]!.push(x)
  }
  return parts.filter((p) => p.length > 0)
}

const isWord = (x: Token | undefined, w: string): boolean => x !== undefined && x.t === 'id' && x.quoted !== true && x.v === w

// -------------------------------------------------------------------------------------
// readers
// -------------------------------------------------------------------------------------

/** Reads constraints out of a definition's tokens (a column's, after its name, or a table constraint). */
const readClauses = (ts: ReadonlyArray<Token>, checks: string[], sql: string, raw: RawCheck[]): ColumnText => {
  let name = ''
  let collate: string | undefined
  let generated: string | undefined
  let generatedRaw: ColumnText['generatedRaw']
  const rawInner = (open: number, end: number): string => sql.slice(ts[open]!.end, ts[end - 1]!.at).trim()
  let i = 0
  while (i < ts.length) {
    const x = ts[i]!
    if (isWord(x, 'constraint')) {
      name = ts[i + 1]?.v ?? ''
      i += 2
      continue
    }
    if (isWord(x, 'check') && ts[i + 1]?.v === '(') {
      const end = groupEnd(ts, i + 1)
      checks.push(`${name}:${tokensText(inner(ts.slice(i + 1, end)))}`)
      raw.push({ ...(name === '' ? {} : { name }), text: rawInner(i + 1, end) })
      name = ''
      i = end
      continue
    }
    if (isWord(x, 'collate') && ts[i + 1] !== undefined) {
      collate = ts[i + 1]!.v.toUpperCase()
      i += 2
      continue
    }
    if (isWord(x, 'as') && ts[i + 1]?.v === '(') {
      const end = groupEnd(ts, i + 1)
      const stored = isWord(ts[end], 'stored')
      generated = `${stored ? 'stored' : 'virtual'}:${tokensText(inner(ts.slice(i + 1, end)))}`
      generatedRaw = { text: rawInner(i + 1, end), stored }
      i = end
      continue
    }
    if (x.t === 'op' && x.v === '(') {
      i = groupEnd(ts, i)
      continue
    }
    i++
  }
  // BINARY is the default: saying it changes nothing.
  return {
    ...(collate === undefined || collate === 'BINARY' ? {} : { collate }),
    ...(generated === undefined ? {} : { generated, generatedRaw: generatedRaw! })
  }
}

const TABLE_CONSTRAINT = new Set(['constraint', 'primary', 'unique', 'check', 'foreign'])

/** The CHECKs, collations and generated columns of a CREATE TABLE text. */
export const readTable = (sql: string): TableText => {
  const ts = tokenize(sql)
  const open = ts.findIndex((x) => x.t === 'op' && x.v === '(')
  const columns = new Map<string, ColumnText>()
  const checks: string[] = []
  const rawChecks: RawCheck[] = []
  if (open < 0) return { columns, checks, rawChecks }
  const body = ts.slice(open + 1, groupEnd(ts, open) - 1)
  for (const part of splitTop(body)) {
    const head = part[0]!
    if (head.t === 'id' && head.quoted !== true && TABLE_CONSTRAINT.has(head.v)) {
      readClauses(part, checks, sql, rawChecks)
      continue
    }
    columns.set(head.v, readClauses(part.slice(1), checks, sql, rawChecks))
  }
  return { columns, checks: checks.sort(), rawChecks }
}

/** An index's name and its definition after the table's name (`unique:(keys) where ...`), normalized. */
export const readIndex = (sql: string): { readonly name: string; readonly key: string } | undefined => {
  const ts = tokenize(sql)
  const on = ts.findIndex((x) => isWord(x, 'on'))
  if (on < 1) return undefined
  const unique = ts.slice(0, on).some((x) => isWord(x, 'unique'))
  // The name is the last token before ON (a schema prefix comes before it, with a dot).
  return { name: ts[on - 1]!.v, key: `${unique ? 'unique' : 'index'}:${tokensText(ts.slice(on + 2))}` }
}

/** An index's parts as written, for `pull`: its key list's text and its WHERE text. */
export const readIndexRaw = (sql: string): { readonly keys: string; readonly where?: string } | undefined => {
  const ts = tokenize(sql)
  const on = ts.findIndex((x) => isWord(x, 'on'))
  const open = ts.findIndex((x, i) => i > on && x.t === 'op' && x.v === '(')
  if (on < 1 || open < 0) return undefined
  const end = groupEnd(ts, open)
  const keys = sql.slice(ts[open]!.end, ts[end - 1]!.at).trim()
  const w = ts.findIndex((x, i) => i >= end && isWord(x, 'where'))
  return w < 0 ? { keys } : { keys, where: sql.slice(ts[w]!.end).trim() }
}

// -------------------------------------------------------------------------------------
// FTS5
// -------------------------------------------------------------------------------------

/** A name as written in SQL (quoted or bare), unquoted. */
export const unquote = (s: string): string => {
  const t = s.trim()
  const q = t[0]
  if ((q === '"' || q === '`' || q === "'") && t.endsWith(q))
    return t
      .slice(1, -1)
      .split(q + q)
      .join(q)
  if (q === '[' && t.endsWith(']')) return t.slice(1, -1)
  return t
}

/** The arguments of `USING fts5(...)`, split at the commas outside quotes and parentheses. */
export const ftsArgs = (sqlText: string): string[] | undefined => {
  const m = /\bUSING\s+fts5\s*\(/i.exec(sqlText)
  if (m === null) return undefined
  const out: string[] = []
  let depth = 0
  let quote: string | undefined
  let cur = ''
  for (const ch of sqlText.slice(m.index + m[0].length)) {
    if (quote !== undefined) {
      cur += ch
      if (ch === quote) quote = undefined
      continue
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch
    else if (ch === '[') quote = ']'
    else if (ch === '(') depth++
    else if (ch === ')') {
      if (depth === 0) {
        out.push(cur.trim())
        return out
      }
      depth--
    } else if (ch === ',' && depth === 0) {
      out.push(cur.trim())
      cur = ''
      continue
    }
    cur += ch
  }
  return undefined
}

/**
 * A CREATE VIRTUAL TABLE ... USING fts5(...) as comparable text: its columns and options
 * unquoted and folded, options sorted (SQLite keeps the text as written: `content='t'` by
 * hand and `content="t"` from the schema are the same index). Undefined when unreadable.
 */
export const ftsKey = (sqlText: string): string | undefined => {
  const args = ftsArgs(sqlText)
  if (args === undefined) return undefined
  const columns: string[] = []
  const options: string[] = []
  for (const a of args) {
    const o = /^([A-Za-z_]+)\s*=\s*(.+)$/s.exec(a)
    if (o !== null) options.push(`${o[1]!.toLowerCase()}=${unquote(o[2]!).toLowerCase()}`)
    else
      columns.push(
        a
          .split(/\s+/)
          .map((w, i) => (i === 0 ? unquote(w) : w))
          .join(' ')
          .toLowerCase()
      )
  }
  return JSON.stringify([columns, options.sort()])
}
