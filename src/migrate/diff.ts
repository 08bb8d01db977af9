/**
 * The diff: what must change for a live database to match the schema, as a list of
 * operations (plain data), each with the SQL that does it and the SQL that undoes it.
 * Changes ALTER TABLE cannot make are table rebuilds (SQLite's 12-step procedure; the
 * runner turns foreign keys off around it and checks them before COMMIT).
 */
import { createHash } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { migrationError } from '../errors.js'
import { columnDefinitionSql, createTableSql, indexStatementSql } from '../query/compile/ddl.js'
import type { TableText } from './ddltext.js'
import { readIndex, readTable, tokenize, tokensText } from './ddltext.js'
import { quoteName } from './names.js'
import type { ColumnModel, DeclaredTable, ForeignKeyModel, IndexModel, LiveTable, LiveTrigger, LiveView, TableModel } from './model.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * One change a migration makes, as plain data: create, drop or rebuild a table, add or
 * rename a column, create or drop an index. `planMigration` lists them in its `Plan`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, integer, planMigration, table, text } from 'fp-lite-orm'
 * import type { Operation } from 'fp-lite-orm'
 *
 * const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
 * const plan = planMigration(connect('app.db'), [users])     // an empty database
 * const ops: ReadonlyArray<Operation> = E.isRight(plan) ? plan.right.operations : []
 * assert.deepEqual(ops, [{ _tag: 'CreateTable', table: 'users' }])
 * ```
 *
 * @category Migrations
 */
export type Operation =
  | { readonly _tag: 'CreateTable'; readonly table: string }
  | { readonly _tag: 'DropTable'; readonly table: string; readonly rows: number }
  | { readonly _tag: 'AddColumn'; readonly table: string; readonly column: string }
  | { readonly _tag: 'RenameColumn'; readonly table: string; readonly from: string; readonly to: string }
  | {
      readonly _tag: 'RebuildTable'
      readonly table: string
      readonly reasons: ReadonlyArray<string>
      /** Kept columns: live name -> new name. */
      readonly copy: ReadonlyArray<{ readonly from: string; readonly to: string }>
      readonly dropped: ReadonlyArray<string>
    }
  | { readonly _tag: 'CreateIndex'; readonly table: string; readonly index: string }
  | { readonly _tag: 'DropIndex'; readonly table: string; readonly index: string }
  | { readonly _tag: 'CreateView'; readonly view: string }
  | { readonly _tag: 'DropView'; readonly view: string }
  | { readonly _tag: 'CreateTrigger'; readonly trigger: string }
  | { readonly _tag: 'DropTrigger'; readonly trigger: string }

/**
 * A column rename the user confirmed (`--rename table.old=new`): never guessed.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { pipe } from 'fp-ts/lib/function.js'
 * import { connect, integer, planMigration, raw, session, sql, table, text } from 'fp-lite-orm'
 * import type { Rename } from 'fp-lite-orm'
 *
 * const db = connect('app.db')
 * session(db).run(raw(sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`))
 * const users = table('users', { id: integer().primaryKey(), fullName: text('full_name').notNull() })
 *
 * const renames: Rename[] = [{ table: 'users', from: 'name', to: 'full_name' }]
 * const plan = planMigration(db, [users], renames)
 * assert.deepEqual(pipe(plan, E.map((p) => p.up)), E.right(['ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"']))
 * ```
 *
 * @category Migrations
 */
export interface Rename {
  readonly table: string
  readonly from: string
  readonly to: string
}

/**
 * What a migration would do: its operations, the SQL that applies them (`up`) and undoes
 * them (`down`), and warnings about data it would lose.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, insert, integer, planMigration, raw, session, sql, table, text } from 'fp-lite-orm'
 * import type { Plan } from 'fp-lite-orm'
 *
 * const db = connect('app.db')
 * const s = session(db)
 * s.run(raw(sql`CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT)`))
 * const postsBefore = table('posts', { id: integer().primaryKey(), title: text().notNull(), body: text() })
 * s.run(insert(postsBefore, { title: 'Hello' }))
 *
 * const posts = table('posts', { id: integer().primaryKey(), body: text() })   // title dropped: a rebuild
 * const plan: E.Either<unknown, Plan> = planMigration(db, [posts])
 * assert.ok(E.isRight(plan))
 * assert.deepEqual(plan.right.operations.map((o) => o._tag), ['RebuildTable'])
 * assert.ok(plan.right.up.length > 0 && plan.right.down.length > 0)
 * assert.match(plan.right.warnings[0]!, /drops column posts.title/)
 * ```
 *
 * @category Migrations
 */
export interface Plan {
  readonly operations: ReadonlyArray<Operation>
  /** The SQL statements of the migration, in order. */
  readonly up: ReadonlyArray<string>
  /** The SQL that undoes it, in order. */
  readonly down: ReadonlyArray<string>
  /** What a person should know before applying it (data that would be lost, ...). */
  readonly warnings: ReadonlyArray<string>
}

// -------------------------------------------------------------------------------------
// comparison
// -------------------------------------------------------------------------------------

const sameColumn = (a: ColumnModel, b: ColumnModel): boolean =>
  a.type === b.type && a.notNull === b.notNull && a.default === b.default && a.pk === b.pk

const fkKey = (f: ForeignKeyModel): string => JSON.stringify([f.columns.map(fold), fold(f.table), f.to.map(fold), f.onDelete, f.onUpdate])
const uniqueKey = (u: ReadonlyArray<string>): string => JSON.stringify(u.map(fold).sort())
const indexKey = (i: IndexModel): string => JSON.stringify([i.columns.map(fold), i.unique])

const sameSet = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>, key: (x: A) => string): boolean => {
  const ka = a.map(key).sort()
  const kb = b.map(key).sort()
  return ka.length === kb.length && ka.every((k, i) => k === kb[i])
}

/** Why a table cannot be altered in place (empty: it can). Columns are compared after renames. */
const rebuildReasons = (live: TableModel, want: DeclaredTable, renamed: ReadonlyMap<string, string>): string[] => {
  const reasons: string[] = []
  const wantByName = new Map(want.columns.map((c) => [fold(c.name), c]))
  for (const c of live.columns) {
    const target = wantByName.get(fold(renamed.get(c.name) ?? c.name))
    if (target === undefined) reasons.push(`drops column ${c.name}`)
    else if (!sameColumn(c, target)) {
      const what = [
        c.type !== target.type ? `type ${c.type || '(none)'} -> ${target.type}` : '',
        c.notNull !== target.notNull ? (target.notNull ? 'becomes NOT NULL' : 'becomes nullable') : '',
        c.default !== target.default ? `default ${c.default ?? 'none'} -> ${target.default ?? 'none'}` : '',
        c.pk !== target.pk ? 'primary key changes' : ''
      ].filter((x) => x !== '')
      reasons.push(`changes column ${target.name} (${what.join(', ')})`)
    }
  }
  if (!sameSet(live.foreignKeys, want.foreignKeys, fkKey)) reasons.push('changes foreign keys')
  if (!sameSet(live.uniques, want.uniques, uniqueKey)) reasons.push('changes UNIQUE constraints')
  if (live.strict !== want.strict) reasons.push(want.strict ? 'becomes STRICT' : 'stops being STRICT')
  if (live.withoutRowid !== want.withoutRowid) reasons.push(want.withoutRowid ? 'becomes WITHOUT ROWID' : 'gets a rowid')
  return reasons
}

/**
 * What the pragmas do not show, read from the DDL texts of both sides: CHECKs, collations
 * and generated columns. SQLite can ALTER none of them: each is a rebuild.
 */
const textReasons = (have: TableText, want: TableText, renamed: ReadonlyMap<string, string>): string[] => {
  const reasons: string[] = []
  const liveByWanted = new Map([...have.columns].map(([name, c]) => [fold(renamedTo(renamed, name)), c]))
  for (const [name, w] of want.columns) {
    const h = liveByWanted.get(name)
    if (h === undefined) continue
    if ((h.collate ?? 'BINARY') !== (w.collate ?? 'BINARY'))
      reasons.push(`changes the collation of ${name} (${h.collate ?? 'BINARY'} -> ${w.collate ?? 'BINARY'})`)
    if (h.generated !== w.generated) reasons.push(`changes the generated expression of ${name}`)
  }
  if (have.checks.join('\n') !== want.checks.join('\n')) reasons.push('changes CHECK constraints')
  return reasons
}

/** A live column's name after a confirmed rename (renames are keyed by the live spelling, folded here). */
const renamedTo = (renamed: ReadonlyMap<string, string>, name: string): string => {
  for (const [from, to] of renamed) if (fold(from) === fold(name)) return to
  return name
}

/** ALTER TABLE ADD COLUMN can add a column that is not a key, not unique, and has a constant default if NOT NULL. */
const addable = (c: ColumnModel, want: DeclaredTable): boolean => {
  const def = want.definitions.find((d) => d.name === c.name)
  if (def === undefined || c.pk > 0 || def.unique || def.generated !== undefined || (def.checks?.length ?? 0) > 0) return false
  if (def.default?._tag === 'Expr') return false // not a constant: SQLite refuses it in ADD COLUMN
  if (def.default?._tag === 'Now') return false // not a constant: SQLite refuses it in ADD COLUMN
  if (c.notNull && c.default === null) return false
  if (def.references !== undefined && c.default !== null) return false
  return true
}

// -------------------------------------------------------------------------------------
// SQL
// -------------------------------------------------------------------------------------

const q = quoteName

const TEMP_PREFIX = '_fplite_new_'
/** The rebuild's temporary table; a long name is shortened (identifiers are at most 255 characters), uniquely. */
const tempName = (table: string): string =>
  TEMP_PREFIX.length + table.length <= 255 ? `${TEMP_PREFIX}${table}` : `${TEMP_PREFIX}${createHash('sha256').update(table).digest('hex')}`

/** SQLite's identifiers are case-insensitive (for ASCII): `Users` and `users` are one table. */
const fold = (name: string): string => name.toLowerCase()

/**
 * The head of a stored CREATE TABLE up to its name. SQLite stores the text as written
 * but for the head (`CREATE TABLE`, no TEMP, no IF NOT EXISTS); the name may be quoted
 * any of four ways, or bare, or qualified by a schema.
 */
const CREATE_TABLE_HEAD =
  /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\s(."'`[]+)\s*\.\s*)?(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\s(."'`[]+)/i

/**
 * `CREATE TABLE "x" (...)` of the live table under another name, for a rebuild back. Built
 * from the parts (the new head, then the stored text after the old name), never with
 * String.replace, whose replacement text would expand `$'`, `$&` and `$$` inside a name.
 */
const renameCreate = (sql: string, name: string): string => {
  const head = CREATE_TABLE_HEAD.exec(sql)
  if (head === null)
    throw migrationError(`Cannot read the name in the stored definition of a table, to rebuild it back: ${sql.slice(0, 200)}`)
  return `CREATE TABLE ${q(name)}${sql.slice(head[0].length)}`
}

/**
 * SQLite's 12-step rebuild (foreign keys are off around it): create the new table under a
 * temporary name, copy the kept columns, drop the old table (its indexes and triggers go
 * with it), rename, then recreate indexes and triggers.
 */
const rebuildSql = (
  table: string,
  create: string,
  indexes: ReadonlyArray<string>,
  triggers: ReadonlyArray<string>,
  copy: ReadonlyArray<{ from: string; to: string }>
): string[] => {
  const tmp = tempName(table)
  const steps = [create]
  if (copy.length > 0) {
    steps.push(
      `INSERT INTO ${q(tmp)} (${copy.map((c) => q(c.to)).join(', ')}) SELECT ${copy.map((c) => q(c.from)).join(', ')} FROM ${q(table)}`
    )
  }
  steps.push(`DROP TABLE ${q(table)}`, `ALTER TABLE ${q(tmp)} RENAME TO ${q(table)}`, ...indexes, ...triggers)
  return steps
}

const indexSql = (table: string, i: IndexModel): string =>
  `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${q(i.name)} ON ${q(table)} (${i.columns.map(q).join(', ')})`

// -------------------------------------------------------------------------------------
// the diff
// -------------------------------------------------------------------------------------

/** What turns `live` into `declared`. */
export const diff = (
  declared: ReadonlyArray<DeclaredTable>,
  live: ReadonlyArray<LiveTable>,
  renames: ReadonlyArray<Rename> = [],
  views: ReadonlyArray<LiveView> = [],
  declaredViews?: ReadonlyArray<DeclaredView>,
  triggers: { readonly live: ReadonlyArray<LiveTrigger>; readonly declared?: ReadonlyArray<DeclaredTrigger> } = { live: [] }
): E.Either<DbError, Plan> => {
  try {
    const liveByName = new Map(live.map((t) => [fold(t.name), t]))
    const declaredNames = new Set(declared.map((t) => fold(t.name)))
    const operations: Operation[] = []
    let rebuilt = false
    const up: string[] = []
    const downSteps: string[][] = []
    const warnings: string[] = []
    const must = <A>(e: E.Either<DbError, A>): A => {
      if (E.isLeft(e)) throw e.left
      return e.right
    }

    for (const r of renames) {
      const t = liveByName.get(fold(r.table))
      const w = declared.find((d) => fold(d.name) === fold(r.table))
      if (t === undefined || w === undefined)
        throw migrationError(`--rename ${r.table}.${r.from}=${r.to}: there is no table ${r.table} in both the database and the schema`)
      if (!t.columns.some((c) => fold(c.name) === fold(r.from)))
        throw migrationError(`--rename ${r.table}.${r.from}=${r.to}: the database's ${r.table} has no column ${r.from}`)
      if (!w.columns.some((c) => fold(c.name) === fold(r.to)))
        throw migrationError(`--rename ${r.table}.${r.from}=${r.to}: the schema's ${r.table} has no column ${r.to}`)
    }

    for (const want of declared) {
      const have = liveByName.get(fold(want.name))
      const ddl = must(createTableSql(want.statement, { ifNotExists: false }))
      if (have === undefined) {
        operations.push({ _tag: 'CreateTable', table: want.name })
        up.push(ddl.table, ...ddl.indexes)
        downSteps.push([`DROP TABLE ${q(want.name)}`])
        continue
      }
      // Renames are keyed by the live column's own spelling.
      const renamed = new Map(
        renames
          .filter((r) => fold(r.table) === fold(want.name))
          .map((r) => [have.columns.find((c) => fold(c.name) === fold(r.from))?.name ?? r.from, r.to])
      )
      const wantText = readTable(ddl.table)
      const haveText = readTable(have.sql)
      const reasons = [...rebuildReasons(have, want, renamed), ...textReasons(haveText, wantText, renamed)]
      const isGenerated = (name: string): boolean =>
        wantText.columns.get(fold(name))?.generated !== undefined || haveText.columns.get(fold(name))?.generated !== undefined
      const liveNames = new Set(have.columns.map((c) => fold(renamed.get(c.name) ?? c.name)))
      const added = want.columns.filter((c) => !liveNames.has(fold(c.name)))
      const canAlter = reasons.length === 0 && added.every((c) => addable(c, want))
      if (canAlter) {
        // Dropped indexes go first and new ones last, so each runs against the columns
        // it names (before renames, and after them); the down part undoes in reverse.
        const haveIx = new Map(have.indexes.map((i) => [fold(i.name), i]))
        const wantIx = new Map(want.indexes.map((i) => [fold(i.name), i]))
        // Index definitions as text (expression keys, directions, collations, WHERE): both
        // sides' texts read the same way; the live text also recreates a dropped index as it was.
        const liveIndexText = new Map(
          have.indexSql.flatMap((sql) => {
            const r = readIndex(sql)
            return r === undefined ? [] : [[fold(r.name), { key: r.key, sql }] as const]
          })
        )
        const wantIndexSql = new Map(want.statement.indexes.map((i) => [fold(i.name), must(indexStatementSql(want.name, i))] as const))
        const sameIndex = (key: string, h: IndexModel, w: IndexModel): boolean => {
          const lt = liveIndexText.get(key)
          const wt = wantIndexSql.get(key)
          const wk = wt === undefined ? undefined : readIndex(wt)?.key
          return lt !== undefined && wk !== undefined ? lt.key === wk : indexKey(h) === indexKey(w)
        }
        for (const [key, i] of haveIx) {
          const w = wantIx.get(key)
          if (w === undefined || !sameIndex(key, i, w)) {
            operations.push({ _tag: 'DropIndex', table: want.name, index: i.name })
            up.push(`DROP INDEX ${q(i.name)}`)
            // Recreated as the schema would write it when that is the same index, else as it was written.
            const plain = indexSql(want.name, i)
            const lt = liveIndexText.get(key)
            downSteps.push([lt === undefined || readIndex(plain)?.key === lt.key ? plain : lt.sql])
          }
        }
        for (const [from, to] of renamed) {
          operations.push({ _tag: 'RenameColumn', table: want.name, from, to })
          up.push(`ALTER TABLE ${q(want.name)} RENAME COLUMN ${q(from)} TO ${q(to)}`)
          downSteps.push([`ALTER TABLE ${q(want.name)} RENAME COLUMN ${q(to)} TO ${q(from)}`])
        }
        for (const c of added) {
          const def = want.definitions.find((d) => d.name === c.name)!
          operations.push({ _tag: 'AddColumn', table: want.name, column: c.name })
          up.push(`ALTER TABLE ${q(want.name)} ADD COLUMN ${must(columnDefinitionSql(def))}`)
          downSteps.push([`ALTER TABLE ${q(want.name)} DROP COLUMN ${q(c.name)}`])
        }
        for (const [key, i] of wantIx) {
          const h = haveIx.get(key)
          if (h === undefined || !sameIndex(key, h, i)) {
            operations.push({ _tag: 'CreateIndex', table: want.name, index: i.name })
            up.push(wantIndexSql.get(key) ?? indexSql(want.name, i))
            downSteps.push([`DROP INDEX ${q(i.name)}`])
          }
        }
        continue
      }
      // A rebuild: copy the columns both sides have (after renames); new columns take their defaults.
      const wantNames = new Map(want.columns.map((c) => [fold(c.name), c.name]))
      // Generated columns are computed, never copied (SQLite refuses a write to them).
      const copy = have.columns.flatMap((c) => {
        const to = wantNames.get(fold(renamed.get(c.name) ?? c.name))
        return to === undefined || isGenerated(c.name) || isGenerated(to) ? [] : [{ from: c.name, to }]
      })
      const dropped = have.columns.filter((c) => !wantNames.has(fold(renamed.get(c.name) ?? c.name))).map((c) => c.name)
      const allReasons = [...reasons, ...added.map((c) => `adds column ${c.name}`), ...[...renamed].map(([f, t]) => `renames ${f} to ${t}`)]
      operations.push({ _tag: 'RebuildTable', table: want.name, reasons: allReasons, copy, dropped })
      const tmp = must(createTableSql(want.statement, { name: tempName(want.name), ifNotExists: false }))
      rebuilt = true
      up.push(...rebuildSql(want.name, tmp.table, tmp.indexes, have.triggers, copy))
      downSteps.push(
        rebuildSql(
          want.name,
          renameCreate(have.sql, tempName(want.name)),
          have.indexSql,
          have.triggers,
          copy.map((c) => ({ from: c.to, to: c.from }))
        )
      )
      if (dropped.length > 0 && have.rows > 0) {
        warnings.push(
          `drops column${dropped.length > 1 ? 's' : ''} ${dropped.map((d) => `${want.name}.${d}`).join(', ')}, which hold data in ${have.rows} row${have.rows === 1 ? '' : 's'}: those values are lost`
        )
      }
      for (const c of want.columns) {
        const before = have.columns.find((x) => fold(renamed.get(x.name) ?? x.name) === fold(c.name))
        if (c.notNull && (before === undefined ? c.default === null : !before.notNull) && have.rows > 0) {
          warnings.push(
            `${want.name}.${c.name} becomes NOT NULL${before === undefined ? ' without a default' : ''}: the migration fails if a row of ${want.name} holds NULL there`
          )
        }
      }
    }

    for (const t of live) {
      if (declaredNames.has(fold(t.name))) continue
      operations.push({ _tag: 'DropTable', table: t.name, rows: t.rows })
      up.push(`DROP TABLE ${q(t.name)}`)
      downSteps.push([t.sql, ...t.indexSql])
      if (t.rows > 0)
        warnings.push(
          `drops table ${t.name}, which holds ${t.rows} row${t.rows === 1 ? '' : 's'}: they are lost (down recreates the table empty)`
        )
    }

    // Views. A view reading a rebuilt table breaks while the table is swapped, and one
    // reading a dropped or renamed column would stop the ALTER: views to change, and every
    // view around a rebuild, are dropped first and created last (the down part likewise).
    // The schema manages views once it declares one; until then, live views are kept as they are.
    const v = viewChanges(views, declaredViews, rebuilt)
    for (const name of v.dropped) operations.push({ _tag: 'DropView', view: name })
    for (const name of v.created) operations.push({ _tag: 'CreateView', view: name })
    // Triggers change after the tables (a rebuild recreates its table's live triggers, which
    // are then replaced), and are undone before them (a rebuild back drops and restores them).
    const tr = triggerChanges(triggers.live, triggers.declared)
    for (const x of tr.dropped) operations.push({ _tag: 'DropTrigger', trigger: x })
    for (const x of tr.created) operations.push({ _tag: 'CreateTrigger', trigger: x })
    return E.right({
      operations,
      up: [...v.upDrops, ...up, ...tr.up, ...v.upCreates],
      down: [...v.downDrops, ...tr.down, ...downSteps.reverse().flat(), ...v.downCreates],
      warnings
    })
  } catch (e) {
    if (typeof e === 'object' && e !== null && '_tag' in e) return E.left(e as DbError)
    return E.left(migrationError(`The diff failed: ${e instanceof Error ? e.message : String(e)}`))
  }
}

/** A view as the schema declares it: its name and the CREATE VIEW the migration writes. */
export interface DeclaredView {
  readonly name: string
  readonly sql: string
}

/** A CREATE VIEW's comparable text: tokens, without IF NOT EXISTS. */
const viewText = (sql: string): string => tokensText(tokenize(sql).filter((x, i, all) => !(i < 6 && isHeadNoise(all, i))))

const isHeadNoise = (ts: ReadonlyArray<{ readonly v: string }>, i: number): boolean => {
  const w = ts[i]!.v
  return (w === 'if' && ts[i + 1]?.v === 'not') || (w === 'not' && ts[i - 1]?.v === 'if') || (w === 'exists' && ts[i - 1]?.v === 'not')
}

/** Which views to drop before the table changes and create after, up and down. */
const viewChanges = (live: ReadonlyArray<LiveView>, declared: ReadonlyArray<DeclaredView> | undefined, rebuilt: boolean) => {
  const liveBy = new Map(live.map((x) => [fold(x.name), x]))
  const target = declared ?? live
  const targetBy = new Map(target.map((x) => [fold(x.name), x]))
  const changed = (name: string): boolean => {
    const a = liveBy.get(name)
    const b = targetBy.get(name)
    return a === undefined || b === undefined || viewText(a.sql) !== viewText(b.sql)
  }
  // Around a rebuild every view goes and comes back; otherwise only the ones that differ.
  const drop = live.filter((x) => rebuilt || changed(fold(x.name)))
  const create = target.filter((x) => rebuilt || changed(fold(x.name)))
  return {
    dropped: drop.filter((x) => changed(fold(x.name))).map((x) => x.name),
    created: create.filter((x) => changed(fold(x.name))).map((x) => x.name),
    upDrops: drop.map((x) => `DROP VIEW ${q(x.name)}`),
    upCreates: create.map((x) => x.sql),
    downDrops: [...create].reverse().map((x) => `DROP VIEW ${q(x.name)}`),
    downCreates: drop.map((x) => x.sql)
  }
}

/** A trigger as the schema declares it: its name, its table, and its CREATE TRIGGER. */
export interface DeclaredTrigger {
  readonly name: string
  readonly table: string
  readonly sql: string
}

/** Which triggers change: the schema manages them once it declares one (as views). */
const triggerChanges = (live: ReadonlyArray<LiveTrigger>, declared: ReadonlyArray<DeclaredTrigger> | undefined) => {
  if (declared === undefined) return { dropped: [], created: [], up: [], down: [] }
  const liveBy = new Map(live.map((x) => [fold(x.name), x]))
  const wantBy = new Map(declared.map((x) => [fold(x.name), x]))
  const same = (a: { readonly sql: string }, b: { readonly sql: string }) => viewText(a.sql) === viewText(b.sql)
  const drop = live.filter((x) => {
    const w = wantBy.get(fold(x.name))
    return w === undefined || !same(x, w)
  })
  const create = declared.filter((x) => {
    const l = liveBy.get(fold(x.name))
    return l === undefined || !same(l, x)
  })
  return {
    dropped: drop.map((x) => x.name),
    created: create.map((x) => x.name),
    up: [...drop.map((x) => `DROP TRIGGER IF EXISTS ${q(x.name)}`), ...create.map((x) => x.sql)],
    down: [...create.map((x) => `DROP TRIGGER IF EXISTS ${q(x.name)}`), ...drop.map((x) => x.sql)]
  }
}

/** A one-line description of an operation, for progress lines and file comments. */
export const describe = (op: Operation): string => {
  switch (op._tag) {
    case 'CreateTable':
      return `create table ${op.table}`
    case 'DropTable':
      return `drop table ${op.table}${op.rows > 0 ? ` (${op.rows} row${op.rows === 1 ? '' : 's'})` : ''}`
    case 'AddColumn':
      return `add column ${op.table}.${op.column}`
    case 'RenameColumn':
      return `rename column ${op.table}.${op.from} to ${op.to}`
    case 'RebuildTable':
      return `rebuild table ${op.table}: ${op.reasons.join('; ')}`
    case 'CreateIndex':
      return `create index ${op.index} on ${op.table}`
    case 'DropIndex':
      return `drop index ${op.index} on ${op.table}`
    case 'CreateView':
      return `create view ${op.view}`
    case 'DropView':
      return `drop view ${op.view}`
    case 'CreateTrigger':
      return `create trigger ${op.trigger}`
    case 'DropTrigger':
      return `drop trigger ${op.trigger}`
  }
}
