/**
 * Row edits (only with `--write`): insert, update and delete by key, each a query value of
 * the library run through a session, so values are checked and bound as everywhere else and
 * a broken constraint comes back as the library's ConstraintError.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../conn/connect.js'
import type { DbError } from '../errors.js'
import { validationError } from '../errors.js'
import type { Condition } from '../query/expr.js'
import { and, eq } from '../query/expr.js'
import { filter } from '../query/filter.js'
import { insert } from '../query/insert.js'
import type { WriteResult } from '../query/ast.js'
import { deleteFrom, set, update } from '../query/write.js'
import type { SqlValue } from '../schema/column.js'
import { session } from '../session/session.js'
import type { LiveSchema } from './live.js'
import type { LiveTableObject } from './rows.js'
import { columnOf, findRelation, liveTableObject, valueFor } from './rows.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export interface EditRequest {
  readonly action: 'insert' | 'update' | 'delete'
  readonly table: string
  /** Column values to write (insert, update). */
  readonly values?: Readonly<Record<string, unknown>>
  /** The key of the row to change (update, delete): one value per key column. */
  readonly key?: Readonly<Record<string, unknown>>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const valuesOf = (o: LiveTableObject, given: unknown, where: string): E.Either<DbError, Record<string, SqlValue>> => {
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    return E.left(validationError(`${where} must be an object of column values`, where))
  const out = Object.create(null) as Record<string, SqlValue>
  for (const [name, u] of Object.entries(given)) {
    const c = columnOf(o, name, where)
    if (E.isLeft(c)) return c
    const v = valueFor(
      o.views.find((x) => x.name === name)!,
      u,
      `${where}.${name}`
    )
    if (E.isLeft(v)) return v
    out[name] = v.right
  }
  return E.right(out)
}

const keyCondition = (o: LiveTableObject, given: unknown): E.Either<DbError, Condition> => {
  if (o.key.length === 0) return E.left(validationError(`${o.source.name} has no key to find a row by: it cannot be edited here`, 'key'))
  const values = valuesOf(o, given, 'key')
  if (E.isLeft(values)) return values
  const names = Object.keys(values.right)
  if (names.length !== o.key.length || o.key.some((k) => !(k in values.right) || values.right[k] === null))
    return E.left(validationError(`key must give exactly the key columns of ${o.source.name} (${o.key.join(', ')}), non-null`, 'key'))
  return E.right(and(...o.key.map((k) => eq(o.columns.get(k)!, values.right[k]!))))
}

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** Runs one edit on the writable connection; Left as the library reports it. */
export const runEdit = (db: Db, live: LiveSchema, r: EditRequest): E.Either<DbError, WriteResult> => {
  const found = findRelation(live, r.table)
  if (E.isLeft(found)) return found
  if (!live.tables.some((t) => t.name === r.table)) return E.left(validationError(`${r.table} is a view: only tables are edited`, 'table'))
  const o = liveTableObject(found.right)
  const s = session(db)
  switch (r.action) {
    case 'insert':
      return pipe(
        valuesOf(o, r.values ?? {}, 'values'),
        E.chain((values) => s.run(insert(o.table, values as never)))
      )
    case 'update':
      return pipe(
        keyCondition(o, r.key),
        E.chain((where) =>
          pipe(
            valuesOf(o, r.values, 'values'),
            E.chain((values) =>
              Object.keys(values).length === 0
                ? E.left(validationError('values must name at least one column to change', 'values'))
                : s.run(pipe(update(o.table), set(values as never), filter(where)))
            )
          )
        )
      )
    case 'delete':
      return pipe(
        keyCondition(o, r.key),
        E.chain((where) => s.run(pipe(deleteFrom(o.table), filter(where))))
      )
    default:
      return E.left(
        validationError(`action must be insert, update or delete, got ${JSON.stringify((r as { action?: unknown }).action)}`, 'action')
      )
  }
}
