/**
 * Reading SQL text the way SQLite does, as far as a migration runner must: where the
 * statements end (at `;` outside quotes, comments and trigger bodies), where a file's
 * `-- down` line is, and which statements control transactions. One scanner serves all
 * three, so that a `;`, a `-- down` or a `COMMIT` inside a quoted name, a string or a
 * comment is never taken for the real thing.
 */

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** One statement of a SQL text. */
export interface SqlStatement {
  /** Its text, trimmed, with the comments before it (they ride along and run harmlessly). */
  readonly text: string
  /** Where its first word is, in the scanned text: what a line number points at. */
  readonly offset: number
  /** Its first words (outside quotes and comments), upper-cased: enough to tell what it does. */
  readonly words: ReadonlyArray<string>
}

/** A statement that begins or ends a transaction, found in a migration. */
export interface TransactionControl {
  /** BEGIN, COMMIT, END or ROLLBACK. */
  readonly keyword: string
  /** 1-based line of the statement in the text scanned. */
  readonly line: number
  readonly statement: string
}

// -------------------------------------------------------------------------------------
// scanning
// -------------------------------------------------------------------------------------

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/

/** The end of the quoted run or comment starting at `i`, or undefined when none starts there. */
const skipAt = (sql: string, i: number): number | undefined => {
  const ch = sql[i]
  const n = sql.length
  if (ch === "'" || ch === '"' || ch === '`') {
    // A doubled quote inside is two quoted runs in a row: the caller's loop handles it.
    const close = sql.indexOf(ch, i + 1)
    return close < 0 ? n : close + 1
  }
  if (ch === '[') {
    const close = sql.indexOf(']', i + 1)
    return close < 0 ? n : close + 1
  }
  if (ch === '-' && sql[i + 1] === '-') {
    const nl = sql.indexOf('\n', i)
    return nl < 0 ? n : nl + 1
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2)
    return close < 0 ? n : close + 2
  }
  return undefined
}

const isBlank = (s: string): boolean => s.trim() === ''

/**
 * The statements of `sql` between `from` and `to`, split at `;` outside quotes, comments
 * and trigger bodies (`CREATE TRIGGER ... BEGIN ...; ...; END`, with CASE ... END inside).
 * Pieces holding only comments are dropped.
 */
export const scanStatements = (sql: string, from = 0, to = sql.length): SqlStatement[] => {
  const out: SqlStatement[] = []
  let start = from
  let words: string[] = []
  let firstWordAt = -1
  let sawTrigger = false
  let depth = 0
  const push = (end: number) => {
    // A piece with nothing but blanks and comments is no statement.
    if (firstWordAt >= 0) out.push({ text: sql.slice(start, end).trim(), offset: firstWordAt, words })
    start = end + 1
    words = []
    firstWordAt = -1
    sawTrigger = false
    depth = 0
  }
  let i = from
  while (i < to) {
    const skipped = skipAt(sql, i)
    if (skipped !== undefined) {
      const ch = sql[i]
      // A quoted run is part of the statement (a quoted first word counts as its start).
      if (firstWordAt < 0 && (ch === "'" || ch === '"' || ch === '`' || ch === '[')) firstWordAt = i
      i = Math.min(skipped, to)
      continue
    }
    const ch = sql[i]!
    if (WORD_CHAR.test(ch)) {
      let j = i + 1
      while (j < to && WORD_CHAR.test(sql[j]!)) j++
      const word = sql.slice(i, j).toUpperCase()
      if (firstWordAt < 0) firstWordAt = i
      if (words.length < 4) words.push(word)
      if (word === 'TRIGGER' && depth === 0) sawTrigger = true
      else if (word === 'BEGIN' && sawTrigger) depth++
      else if (word === 'CASE' && depth > 0) depth++
      else if (word === 'END' && depth > 0) depth--
      i = j
      continue
    }
    if (ch === ';' && depth === 0) push(i)
    else if (firstWordAt < 0 && !/\s/.test(ch)) firstWordAt = i
    i++
  }
  push(to)
  return out
}

/**
 * Where the `-- down` line of a .sql migration is (`start` of the line, `end` after it),
 * or undefined. Only a real comment line counts: not text inside a quoted name, a string
 * or a block comment that happens to read `-- down`.
 */
export const findDownLine = (sql: string): { readonly start: number; readonly end: number } | undefined => {
  let i = 0
  const n = sql.length
  while (i < n) {
    const skipped = skipAt(sql, i)
    if (skipped === undefined) {
      i++
      continue
    }
    if (sql[i] === '-') {
      const lineStart = sql.lastIndexOf('\n', i - 1) + 1
      const comment = sql.slice(i, skipped).replace(/\r?\n$/, '')
      if (isBlank(sql.slice(lineStart, i)) && /^--\s*down\s*$/i.test(comment)) return { start: lineStart, end: skipped }
    }
    i = skipped
  }
  return undefined
}

/**
 * BEGIN, COMMIT, END or ROLLBACK when the statement begins or ends a transaction, else
 * undefined. SAVEPOINT, RELEASE and ROLLBACK TO are not: inside the runner's transaction
 * they nest, and cannot end it.
 */
export const transactionKeyword = (s: SqlStatement): string | undefined => {
  const [a, b, c] = s.words
  switch (a) {
    case 'BEGIN':
    case 'COMMIT':
    case 'END':
      return a
    case 'ROLLBACK':
      return b === 'TO' || (b === 'TRANSACTION' && c === 'TO') ? undefined : a
    default:
      return undefined
  }
}

/** 1-based line of an offset. */
export const lineAt = (sql: string, offset: number): number => {
  let line = 1
  for (let i = sql.indexOf('\n'); i >= 0 && i < offset; i = sql.indexOf('\n', i + 1)) line++
  return line
}

/** The statements of `sql` that begin or end a transaction, with their lines. */
export const transactionControl = (sql: string, statements: ReadonlyArray<SqlStatement>): TransactionControl[] =>
  statements.flatMap((s) => {
    const keyword = transactionKeyword(s)
    return keyword === undefined ? [] : [{ keyword, line: lineAt(sql, s.offset), statement: s.text }]
  })
