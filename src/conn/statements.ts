/**
 * A bounded cache of prepared statements per handle, keyed by SQL text, least
 * recently used evicted first. Every repeated query thereby runs as a prepared
 * statement without the user asking.
 */
import type { LocalConnection, LocalStatement } from '../driver/index.js'
import { recall, remember } from '../lru.js'

export interface CachedStatement {
  readonly stmt: LocalStatement
  /** Whether the statement returns rows (only those can switch to array mode). */
  readonly reader: boolean
  /** The row mode the statement is currently in (the driver keeps it per statement). */
  raw: boolean
  /** Whether it reads integers as bigints (the driver's safeIntegers, also per statement). */
  safeIntegers: boolean
}

export class StatementCache {
  readonly #db: LocalConnection
  readonly #capacity: number
  readonly #entries = new Map<string, CachedStatement>()
  #lastSql: string | undefined
  #last: CachedStatement | undefined

  constructor(db: LocalConnection, capacity: number) {
    this.#db = db
    this.#capacity = Math.max(1, capacity)
  }

  /** The prepared statement for `sql`, preparing it on a miss. Throws what `prepare` throws. */
  get(sql: string): CachedStatement {
    // The same statement again (a loop over one query): already the most recently used.
    if (sql === this.#lastSql && this.#last !== undefined) return this.#last
    let entry = recall(this.#entries, sql, this.#capacity)
    if (entry === undefined) {
      const stmt = this.#db.prepare(sql)
      entry = remember(this.#entries, sql, { stmt, reader: stmt.reader, raw: false, safeIntegers: false }, this.#capacity)
    }
    this.#lastSql = sql
    this.#last = entry
    return entry
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#lastSql = undefined
    this.#last = undefined
    this.#entries.clear()
  }
}
