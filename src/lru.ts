/**
 * A bounded map, least recently used entry evicted first: the one cache policy of the
 * library's caches keyed by something users make without limit (SQL texts, query shapes).
 *
 * A `Map` keeps insertion order, so re-inserting an entry on a hit marks it most recently
 * used and the first key is the one to evict. The entry met last is answered before the
 * map is consulted: a loop over one query meets the same key again and again.
 */
export class Lru<K, V> {
  readonly #capacity: number
  readonly #entries = new Map<K, V>()
  #lastKey: K | undefined
  #last: V | undefined

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity)
  }

  get(key: K): V | undefined {
    if (key === this.#lastKey && this.#last !== undefined) return this.#last
    const hit = this.#entries.get(key)
    if (hit === undefined) return undefined
    this.#lastKey = key
    this.#last = hit
    this.#entries.delete(key)
    this.#entries.set(key, hit)
    return hit
  }

  set(key: K, value: V): V {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    this.#lastKey = key
    this.#last = value
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) {
        if (oldest.value === this.#lastKey) this.#forgetLast()
        this.#entries.delete(oldest.value)
      }
    }
    return value
  }

  get size(): number {
    return this.#entries.size
  }

  get capacity(): number {
    return this.#capacity
  }

  clear(): void {
    this.#forgetLast()
    this.#entries.clear()
  }

  #forgetLast(): void {
    this.#lastKey = undefined
    this.#last = undefined
  }
}
