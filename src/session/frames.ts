/**
 * The transactions whose callbacks are running on this thread, and how each can end
 * before its callback returns. DESIGN.md: whatever ends a transaction early (a session
 * closed inside it, a COMMIT / END / ROLLBACK in raw SQL, a savepoint released or rolled
 * back past by hand, SQLite rolling back after an error), every later statement in the
 * callback is a Left and nothing after the end commits on its own.
 *
 * Without this a statement after the end would run in autocommit mode (or on a freshly
 * reopened handle) and commit by itself, while the transaction reports a Left.
 *
 * SQLite says whether a transaction is open (`inTransaction`) but not which savepoints
 * are, so the savepoint stack is modelled here: the library's levels and the user's own
 * `SAVEPOINT`s, updated from each statement that succeeded (RELEASE and ROLLBACK TO name
 * the level they end). Module state is per thread, like the handle registry.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import type { Handle } from '../conn/registry.js'
import { current } from '../conn/registry.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** How a level ended before its callback returned. */
export type FrameEnd =
  /** The handle was closed (session.close()), which rolled the whole transaction back. */
  | 'closed'
  /** The transaction is over: COMMIT / END / ROLLBACK in raw SQL, or SQLite rolled back after an error. */
  | 'ended'
  /** This savepoint was released, or rolled back past, by hand. */
  | 'released'

/** One running `transaction` / `readTransaction` callback. */
export interface Frame {
  readonly db: Db
  readonly handle: Handle
  /** The savepoint of a nested level; undefined for the outermost (BEGIN). */
  readonly savepoint: string | undefined
  /** Set once, when the end is first seen; an ended level never comes back (a later BEGIN is another transaction). */
  end: FrameEnd | undefined
}

/** A savepoint as SQLite holds it: one of the library's levels, or one the user opened in raw SQL. */
interface Level {
  /** The name, lower-cased (SQLite matches savepoint names without regard to case); undefined for BEGIN. */
  readonly name: string | undefined
  readonly frame: Frame | undefined
}

/**
 * By `Db.key`: the callbacks running on that database, outermost first. A statement in a
 * callback belongs to the innermost one, whatever SQLite's savepoints say (a savepoint
 * released by hand leaves its callback running, and refusing).
 *
 * An entry whose list is empty is kept, not deleted: a Map that loses its last entry
 * shrinks and grows again on the next `set`, and that churn was a microsecond of every
 * transaction (a third of its own overhead). Empty entries are swept once there are many
 * (KEPT_EMPTY), so a process opening many databases keeps a bounded map.
 */
const running = new Map<string, Frame[]>()

/** By `Db.key`: the savepoints open on that handle as SQLite holds them, outermost first. */
const stacks = new Map<string, Level[]>()

/** How many frames are running on this thread, over every database. */
let runningCount = 0

const KEPT_EMPTY = 64

// -------------------------------------------------------------------------------------
// levels
// -------------------------------------------------------------------------------------

/** True while some transaction callback runs on this thread (the one check on the hot path). */
export const watching = (): boolean => runningCount !== 0

/** The level of the innermost callback running on the database, if any. */
export const innermost = (db: Db): Frame | undefined => {
  const frames = running.get(db.key)
  return frames === undefined ? undefined : frames[frames.length - 1]
}

/** Opens a level for a callback about to run (after its BEGIN or SAVEPOINT succeeded). */
export const enter = (db: Db, handle: Handle, savepoint: string | undefined): Frame => {
  const frame: Frame = { db, handle, savepoint, end: undefined }
  const frames = running.get(db.key)
  if (frames === undefined) running.set(db.key, [frame])
  else frames.push(frame)
  runningCount++
  const level: Level = { name: savepoint?.toLowerCase(), frame }
  const levels = stacks.get(db.key)
  if (levels === undefined) stacks.set(db.key, [level])
  else levels.push(level)
  return frame
}

/**
 * Closes the level of a callback that returned: its COMMIT or RELEASE (or ROLLBACK) ends
 * whatever savepoints the user opened above it too.
 */
export const leave = (frame: Frame): void => {
  const key = frame.db.key
  const frames = running.get(key)
  if (frames !== undefined) {
    const at = frames.lastIndexOf(frame)
    if (at >= 0) {
      runningCount -= frames.length - at
      frames.length = at
    }
  }
  const levels = stacks.get(key)
  if (levels !== undefined) {
    // The outermost level: nothing the user opened by hand outlives it.
    const at = frames === undefined || frames.length === 0 ? 0 : levels.findIndex((l) => l.frame === frame)
    if (at >= 0) levels.length = at
  }
  if (running.size > KEPT_EMPTY) sweep()
}

/** Forgets the databases with nothing running (see `running`). */
const sweep = (): void => {
  for (const [key, frames] of running)
    if (frames.length === 0) {
      running.delete(key)
      stacks.delete(key)
    }
}

const endAll = (levels: ReadonlyArray<Level>, end: FrameEnd): void => {
  for (const l of levels) if (l.frame !== undefined) l.frame.end ??= end
}

/**
 * How the level has ended, or undefined while it is open. Seen here first for a closed
 * handle (closing ends every level of the transaction with it).
 */
export const endOf = (frame: Frame): FrameEnd | undefined => {
  if (frame.end !== undefined) return frame.end
  const h = frame.handle
  const end: FrameEnd | undefined = !h.db.open || current(frame.db) !== h ? 'closed' : !h.db.inTransaction ? 'ended' : undefined
  if (end !== undefined) {
    // Closed or ended, the whole transaction is over: every running level with it.
    for (const f of running.get(frame.db.key) ?? []) f.end ??= end
    frame.end = end
  }
  return end
}

// -------------------------------------------------------------------------------------
// statements
// -------------------------------------------------------------------------------------

/**
 * Updates the levels after a statement ran on `h` inside a running callback: `sql` when it
 * succeeded (it may have opened, released or rolled back to a savepoint), undefined when it
 * failed (SQLite may have rolled the whole transaction back).
 */
export const observe = (h: Handle, sql: string | undefined): void => {
  const levels = stacks.get(h.key)
  const frames = running.get(h.key)
  if (levels === undefined || frames === undefined || frames[0]?.handle !== h) return
  if (!h.db.open || !h.db.inTransaction) {
    for (const f of frames) f.end ??= h.db.open ? 'ended' : 'closed'
    levels.length = 0
    return
  }
  if (sql === undefined) return
  const control = savepointControl(sql)
  if (control === undefined) return
  if (control.verb === 'savepoint') {
    levels.push({ name: control.name, frame: undefined })
    return
  }
  let at = -1
  for (let i = levels.length - 1; i >= 0 && at < 0; i--) if (levels[i]!.name === control.name) at = i
  if (at < 0) return // not a savepoint this model knows: SQLite refused it, or it was opened outside any callback
  // RELEASE ends the named savepoint and every one inside it; ROLLBACK TO keeps the named one.
  const cut = control.verb === 'release' ? at : at + 1
  endAll(levels.slice(cut), 'released')
  levels.length = cut
}

/** SAVEPOINT x, RELEASE [SAVEPOINT] x and ROLLBACK [TRANSACTION] TO [SAVEPOINT] x, with x lower-cased. */
const savepointControl = (sql: string): { readonly verb: 'savepoint' | 'release' | 'rollbackTo'; readonly name: string } | undefined => {
  // Cheap refusal of the common case: most statements start with none of these letters.
  const lead = /^\s*([A-Za-z])/.exec(sql)?.[1]?.toLowerCase()
  if (lead !== undefined && lead !== 's' && lead !== 'r') return undefined
  const [first, ...rest] = leadingWords(sql, 5)
  switch (first) {
    case 'savepoint':
      return rest[0] === undefined ? undefined : { verb: 'savepoint', name: rest[0] }
    case 'release': {
      const name = rest[0] === 'savepoint' ? rest[1] : rest[0]
      return name === undefined ? undefined : { verb: 'release', name }
    }
    case 'rollback': {
      let i = rest[0] === 'transaction' ? 1 : 0
      if (rest[i] !== 'to') return undefined
      i++
      if (rest[i] === 'savepoint') i++
      const name = rest[i]
      return name === undefined ? undefined : { verb: 'rollbackTo', name }
    }
    default:
      return undefined
  }
}

/**
 * The first `n` words of a statement, lower-cased, comments skipped, quoted identifiers
 * unquoted (a keyword and a quoted name compare alike: SQLite matches savepoint names
 * without regard to case). Stops at anything else (an operator, a `;`).
 */
const leadingWords = (sql: string, n: number): string[] => {
  const words: string[] = []
  let i = 0
  while (words.length < n && i < sql.length) {
    const c = sql[i]!
    if (/\s/.test(c)) i++
    else if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? sql.length : close + 2
    } else if (c === '"' || c === '`' || c === "'" || c === '[') {
      const end = c === '[' ? ']' : c
      let word = ''
      let j = i + 1
      for (; j < sql.length; j++) {
        if (sql[j] !== end) word += sql[j]
        else if (end !== ']' && sql[j + 1] === end) word += sql[j++]
        else break
      }
      words.push(word.toLowerCase())
      i = j + 1
    } else {
      const m = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i, i + 256))
      if (m === null) break
      words.push(m[0].toLowerCase())
      i += m[0].length
    }
  }
  return words
}

// -------------------------------------------------------------------------------------
// refusals
// -------------------------------------------------------------------------------------

/** Why a statement (or a nested transaction) in an ended level is not run. */
export const refused = (end: FrameEnd): DbError => validationError(`${endedBefore(end)} This statement was not run. ${advice(end)}`)

/** What the transaction returns when its callback gave Right but the level had ended. */
export const endedResult = (end: FrameEnd): DbError => validationError(`${endedBefore(end)} ${advice(end)}`)

/** What the statement that ended its own level returns (what it did stands). */
export const endedBy = (end: FrameEnd): DbError =>
  validationError(
    end === 'released'
      ? 'This statement ended the savepoint of its nested transaction (RELEASE or ROLLBACK TO in raw SQL): what it did stands, ' +
          'every later statement of that nested transaction is refused, and it returns a Left. ' +
          advice(end)
      : end === 'ended'
        ? 'This statement ended the transaction early (COMMIT, END or ROLLBACK in raw SQL): what it did stands, every later ' +
          'statement in the callback is refused, and the transaction returns a Left. ' +
          advice(end)
        : `${endedBefore(end)} ${advice(end)}`
  )

const endedBefore = (end: FrameEnd): string => {
  switch (end) {
    case 'closed':
      return (
        "The session was closed inside this transaction's callback: session.close() closes this thread's connection to the " +
        'database, which rolled the transaction back, and nothing after the close is committed.'
      )
    case 'ended':
      return (
        'This transaction was already ended inside its callback (by a COMMIT, END or ROLLBACK in raw SQL, or by SQLite rolling ' +
        'it back after an error), and nothing after the end is committed.'
      )
    case 'released':
      return 'This savepoint (a nested transaction) was already ended inside its callback, by a RELEASE or ROLLBACK TO in raw SQL.'
  }
}

const advice = (end: FrameEnd): string =>
  end === 'closed'
    ? 'Close sessions after the transaction, not inside it.'
    : 'End a transaction by returning from its callback: Right commits (releases a savepoint), Left rolls back.'

/**
 * Runs a statement in the level: refused when the level has ended, and a Left when this
 * very statement ended it (a raw COMMIT), so that a chain of statements stops there.
 */
export const inFrame = <A>(frame: Frame, run: () => E.Either<DbError, A>): E.Either<DbError, A> => {
  const before = endOf(frame)
  if (before !== undefined) return E.left(refused(before))
  const out = run()
  const after = endOf(frame)
  return after === undefined || E.isLeft(out) ? out : E.left(endedBy(after))
}
