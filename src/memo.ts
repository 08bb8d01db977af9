/**
 * A memo kept on the memoized object itself, in a non-enumerable symbol-keyed property.
 *
 * Why not a WeakMap: the hot path meets a fresh query value (and a fresh compiled form) on
 * every call when a query is built inline (`eq(users.id, id)`), and a WeakMap entry per
 * short-lived key is an ephemeron the garbage collector must trace: measured, it cost more
 * than compiling the query (a point lookup's compile ran 7x faster without it).
 *
 * Non-enumerable, so that spreading a value into a new one (`{ ...q, [Codecs]: part }`)
 * never carries the memo over to a value it does not describe, and structured clones,
 * JSON and deep equality never see it. Objects that cannot take a property (frozen by
 * their owner) fall back to a WeakMap.
 */
export interface Memo<K extends object, V> {
  readonly get: (key: K) => V | undefined
  readonly set: (key: K, value: V) => V
}

export const memoOnObject = <K extends object, V>(name: string): Memo<K, V> => {
  const slot = Symbol(name)
  const frozen = new WeakMap<K, V>()
  return {
    get: (key) => {
      const own = (key as { [slot]?: V })[slot]
      return own !== undefined ? own : frozen.get(key)
    },
    set: (key, value) => {
      if (Object.isExtensible(key)) Object.defineProperty(key, slot, { value })
      else frozen.set(key, value)
      return value
    }
  }
}
