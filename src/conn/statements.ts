/**
 * A bounded cache of prepared statements per handle, keyed by SQL text, least
 * recently used evicted first. Every repeated query thereby runs as a prepared
 * statement without the user asking. The policy is src/lru.ts's, shared with the query
 * shape cache.
 */
import type { LocalConnection, LocalStatement } from '../driver/index.js'
import { Lru } from '../lru.js'

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
  readonly #entries: Lru<string, CachedStatement>

  constructor(db: LocalConnection, capacity: number) {
    this.#db = db
    this.#entries = new Lru(capacity)
  }

  /** The prepared statement for `sql`, preparing it on a miss. Throws what `prepare` throws. */
  get(sql: string): CachedStatement {
    const hit = this.#entries.get(sql)
    if (hit !== undefined) return hit
    const stmt = this.#db.prepare(sql)
    return this.#entries.set(sql, { stmt, reader: stmt.reader, raw: false, safeIntegers: false })
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#entries.clear()
  }
}
