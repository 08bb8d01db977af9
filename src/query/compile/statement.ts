/**
 * A query value -> its compiled form, uncached: one case per statement kind. Failures
 * thrown anywhere in the compiler (CompileFailure, a stack overflow) become Lefts here.
 */
import * as E from 'fp-ts/lib/Either.js'
import { absurd } from 'fp-ts/lib/function.js'
import type { DbError } from '../../errors.js'
import { validationError } from '../../errors.js'
import type { DeleteStatement, InsertStatement, Query, ResultMode, UpdateStatement } from '../ast.js'
import type { Compiled, OutputField, OutputGroup } from '../compiled.js'
import { CompileFailure, MAX_DEPTH } from '../sqltext.js'
import { SqlBuilder } from './builder.js'
import { createTableStatements } from './ddl.js'
import { COUNT_FIELDS, EXISTS_FIELDS, outputField } from './fields.js'
import { memoizedFields, rowShape } from './rowshape.js'
import { ROW_MODES, compilePreloads } from './preload.js'
import { selectSql } from './select.js'
import { deleteStatements, insertStatements, rawStatement, updateStatements } from './write.js'

// -------------------------------------------------------------------------------------
// interpreters
// -------------------------------------------------------------------------------------

/** No fields (writes without RETURNING, DDL, native SQL's rows): one array, so its shape is found by identity. */
const NO_FIELDS: ReadonlyArray<OutputField> = memoizedFields([])

/** Native SQL's rows are taken as they come, but count and exists have a known field. */
const rawFields = (mode: ResultMode): ReadonlyArray<OutputField> =>
  mode === 'count' ? COUNT_FIELDS : mode === 'exists' ? EXISTS_FIELDS : NO_FIELDS

const returningFields = (s: InsertStatement | UpdateStatement | DeleteStatement): ReadonlyArray<OutputField> =>
  s.returning === undefined || s.returning.length === 0 ? NO_FIELDS : s.returning.map((f) => outputField(f.key, f.expr))

/** The rows' layout, interned: the compiled form carries the shape's own field and group arrays. */
const layout = (fields: ReadonlyArray<OutputField>, groups?: ReadonlyArray<OutputGroup>): Pick<Compiled, 'fields' | 'groups' | 'shape'> => {
  const shape = rowShape(fields, groups)
  return shape.groups === undefined ? { fields: shape.fields, shape } : { fields: shape.fields, groups: shape.groups, shape }
}

export const compileUncached = (q: Query<unknown>): E.Either<DbError, Compiled> => {
  try {
    const s = q.statement
    switch (s._tag) {
      case 'Select': {
        const b = new SqlBuilder(selectSql)
        const { fields, groups } = selectSql(s, q.mode, b)
        // Written out rather than spread from layout(): this is the read path's hot case.
        const shape = rowShape(fields, groups)
        const statements = [b.statement()]
        const compiled: Compiled =
          shape.groups === undefined
            ? { mode: q.mode, statements, fields: shape.fields, shape, transactional: false }
            : { mode: q.mode, statements, fields: shape.fields, groups: shape.groups, shape, transactional: false }
        const preloads = s.preload !== undefined && s.preload.length > 0 && ROW_MODES.has(q.mode) ? compilePreloads(s) : undefined
        return E.right(preloads === undefined ? compiled : { ...compiled, preloads })
      }
      case 'Insert': {
        const statements = insertStatements(s)
        return E.right({
          mode: q.mode,
          statements,
          ...layout(returningFields(s)),
          table: s.table.name,
          transactional: statements.length > 1
        })
      }
      case 'Update':
      case 'Delete': {
        const statements = s._tag === 'Update' ? updateStatements(s) : deleteStatements(s)
        return E.right({ mode: q.mode, statements, ...layout(returningFields(s)), table: s.table.name, transactional: false })
      }
      case 'Raw':
        return E.right({ mode: q.mode, statements: [rawStatement(s, q.mode)], ...layout(rawFields(q.mode)), transactional: false })
      case 'CreateTable':
        return E.right({ mode: q.mode, statements: createTableStatements(s), ...layout(NO_FIELDS), table: s.name, transactional: true })
      default:
        return absurd(s)
    }
  } catch (e) {
    if (e instanceof CompileFailure) return E.left(validationError(e.message, e.path))
    if (e instanceof RangeError) {
      // The JavaScript stack ran out before the depth check (a deep value in a place the check does not count).
      return E.left(
        validationError(
          `The query nests more than ${MAX_DEPTH} levels deep (SQLite's limit on expression depth; here the JavaScript stack ran out first: ${e.message}). ` +
            'Build long chains flat: and(a, b, c, ...) and or(...) take any number of conditions, and inArray(col, list) replaces a chain of eq(...) alternatives.'
        )
      )
    }
    return E.left(validationError(`The query value is malformed: ${e instanceof Error ? e.message : String(e)}`))
  }
}
