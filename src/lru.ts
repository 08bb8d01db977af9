/**
 * The one least-recently-used bound of the library: a plain `Map` (which keeps insertion
 * order) read with `recall` and written with `remember`. Used by the statement cache
 * (conn/statements.ts), the pool's and its workers' shape caches (pool/), and the
 * compiler's interned row shapes (query/compile/shapes.ts), so they all evict alike.
 *
 * Functions over a Map rather than a class: the callers keep their own fast paths in front
 * (the statement cache's "same SQL as last time"), and a worker's cache stays a Map that
 * nothing else has to know about.
 */

/**
 * Looks `key` up and marks it most recently used. Given the `capacity` the map is kept at,
 * a hit moves nothing while the map has room: nothing is evicted before it is full, so
 * the order matters only from then on (least recently used once full, first in before).
 * That spares the hot path the move, a delete and a set that leave a hole which the Map
 * soon rehashes away: most of the cost of a hit on a small map.
 */
export const recall = <K, V>(lru: Map<K, V>, key: K, capacity?: number): V | undefined => {
  const v = lru.get(key)
  if (v !== undefined && (capacity === undefined || lru.size >= capacity)) {
    // Re-inserted to move it last: a Map keeps insertion order.
    lru.delete(key)
    lru.set(key, v)
  }
  return v
}

/** Adds `key` as most recently used, dropping the least recently used past `capacity` (at least 1). */
export const remember = <K, V>(lru: Map<K, V>, key: K, v: V, capacity: number): V => {
  lru.delete(key)
  lru.set(key, v)
  if (lru.size > Math.max(1, capacity)) {
    const oldest = lru.keys().next()
    if (oldest.done !== true) lru.delete(oldest.value)
  }
  return v
}
