/**
 * SQLite result codes as numbers (what a remote engine reports) and their names (what
 * better-sqlite3 reports and `fromSqliteCode` in errors.ts maps to a DbError). Turning a
 * remote failure into a DbError is then the same mapping as a local one: one place decides
 * which code is a ConstraintError, a BusyError or a SqliteError.
 */
import type { DbError } from '../errors.js'
import { fromSqliteCode } from '../errors.js'

/** Primary result codes (the low byte of an extended code). */
const PRIMARY: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB'
}

/** The extended codes a DbError distinguishes (constraints by kind, busy variants), and dqlite's own. */
const EXTENDED: Readonly<Record<number, string>> = {
  261: 'SQLITE_BUSY_RECOVERY',
  517: 'SQLITE_BUSY_SNAPSHOT',
  773: 'SQLITE_BUSY_TIMEOUT',
  262: 'SQLITE_LOCKED_SHAREDCACHE',
  275: 'SQLITE_CONSTRAINT_CHECK',
  531: 'SQLITE_CONSTRAINT_COMMITHOOK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1043: 'SQLITE_CONSTRAINT_FUNCTION',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  1811: 'SQLITE_CONSTRAINT_TRIGGER',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
  2323: 'SQLITE_CONSTRAINT_VTAB',
  2579: 'SQLITE_CONSTRAINT_ROWID',
  3091: 'SQLITE_CONSTRAINT_DATATYPE',
  1032: 'SQLITE_READONLY_DBMOVED',
  // dqlite: the node is not the leader (a statement sent to a follower), or lost leadership mid-request.
  10250: 'SQLITE_IOERR_NOT_LEADER',
  10506: 'SQLITE_IOERR_LEADERSHIP_LOST',
  8202: 'SQLITE_IOERR_NOT_LEADER',
  8458: 'SQLITE_IOERR_LEADERSHIP_LOST'
}

/** The name of a numeric result code: `2067` -> `SQLITE_CONSTRAINT_UNIQUE`, an unknown extended code -> its primary's name. */
export const codeName = (code: number): string =>
  EXTENDED[code] ?? (code === 0 ? 'SQLITE_ERROR' : (PRIMARY[code & 0xff] ?? `SQLITE_ERROR_${code}`))

/**
 * A failure a remote engine reported (a result code and its message) as the DbError a local
 * run of the same statement gives: the mapping is errors.ts's, by the code's name.
 */
export const remoteError = (code: number, message: string, sql?: string, context?: { readonly table?: string }): DbError =>
  fromSqliteCode({ code: codeName(code), message }, sql, context)
