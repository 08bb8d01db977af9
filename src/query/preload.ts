/**
 * `preload(name, relation, ...nested)`: loads related rows onto each row of a select,
 * with one extra query per relation (never one per row), and nested preloads on the
 * related rows in turn.
 *
 *   pipe(select(orders), preload('lines', orderLines, preload('product', lineProduct)), all)
 */
import type * as t from 'io-ts'
import type { AnyRelation, Relation } from '../schema/relations.js'
import type { Row } from '../schema/table.js'
import { tableInfo } from '../schema/table.js'
import type { PreloadNode, SelectQuery } from './ast.js'
import { Codecs } from './ast.js'
import { tableCodecs } from './select.js'

type Simplify<A> = { [K in keyof A]: A[K] } & {}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/** What nested preloads add to each related row. */
type NestedOf<P extends ReadonlyArray<AnyPreload>> = P extends readonly [] ? unknown : UnionToIntersection<{ [K in keyof P]: Added<P[K]> }[number]>

type Added<P> = P extends Preload<infer N, infer V> ? { [K in N]: V } : never

/** What a relation loads: a list for hasMany, a row or null for hasOne and belongsTo. */
export type Loaded<R, Nested> =
  R extends Relation<unknown, infer T, infer C> ? (C extends 'many' ? Array<Simplify<Row<T> & Nested>> : Simplify<Row<T> & Nested> | null) : never

/** A preload: a combinator on selects, which also carries its plain description (for nesting). */
export interface Preload<N extends string, V> {
  <A, Ts>(q: SelectQuery<A, Ts>): SelectQuery<Simplify<A & { [K in N]: V }>, Ts>
  readonly node: PreloadNode
  /** json codecs of every table it loads, nested ones included. */
  readonly codecs: Readonly<Record<string, t.Mixed>>
}

export type AnyPreload = Preload<string, unknown>

/**
 * Loads `relation` into the field `name` of every row: `Row[]` for hasMany (`[]` when
 * none), `Row | null` for hasOne and belongsTo. `nested` preloads apply to the related
 * rows. Works on `select(table)` rows read with `all`, `first` or `one`.
 */
export const preload = <N extends string, R extends AnyRelation, const P extends ReadonlyArray<AnyPreload>>(
  name: N,
  relation: R,
  ...nested: P
): Preload<N, Loaded<R, NestedOf<P>>> => {
  const node: PreloadNode = { _tag: 'Preload', name, relation: relation.node, nested: nested.map((p) => p.node) }
  const codecs = Object.assign({}, tableCodecs(tableInfo(relation.target).columns), ...nested.map((p) => p.codecs)) as Record<string, t.Mixed>
  const apply = <A, Ts>(q: SelectQuery<A, Ts>) => {
    const withNode = { ...q, preload: [...(q.preload ?? []), node] }
    return (Object.keys(codecs).length === 0
      ? withNode
      : { ...withNode, [Codecs]: { ...q[Codecs], columns: { ...q[Codecs]?.columns, ...codecs } } }) as never
  }
  return Object.assign(apply, { node, codecs }) as unknown as Preload<N, Loaded<R, NestedOf<P>>>
}
