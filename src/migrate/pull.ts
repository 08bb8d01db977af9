/**
 * `pull`: a schema module for an existing database. Every table, column (type, NOT NULL,
 * default, collation, generated expression), key, foreign key, CHECK, index and trigger
 * that the schema API can express is written so that `migrate create` right after finds
 * nothing to change; what it cannot express is said, in the module and in `notes`.
 */
import type { LocalConnection } from '../driver/index.js'
import { mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import type { Db } from '../conn/connect.js'
import { withConnection } from '../conn/connection.js'
import type { ColumnKind } from '../schema/column.js'
import { readIndexRaw, readTable } from './ddltext.js'
import type { LiveTable } from './model.js'
import { liveTables, liveTriggers, liveViews } from './model.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What `pull` writes: the module's source, and what it could not express.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, pull, raw, session, sql } from 'fp-lite-orm'
 * import type { Pulled } from 'fp-lite-orm'
 *
 * const db = connect('shop.db')
 * session(db).run(raw(sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL COLLATE NOCASE)`))
 * const pulled: E.Either<unknown, Pulled> = pull(db)
 * assert.ok(E.isRight(pulled) && pulled.right.source.includes(`name: text('name').notNull().collate('NOCASE').sqlType('VARCHAR(40)')`))
 * ```
 *
 * @category Migrations
 */
export interface Pulled {
  /** A TypeScript module exporting the tables and triggers. */
  readonly source: string
  /** What the module does not hold, one line each (also written at its top). */
  readonly notes: ReadonlyArray<string>
}

// -------------------------------------------------------------------------------------
// writing
// -------------------------------------------------------------------------------------

/** SQLite's affinity rules (section 3.1 of its datatype page), as a kind. */
const kindOfType = (declared: string): ColumnKind => {
  const t = declared.toUpperCase()
  if (t.includes('INT')) return 'integer'
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text'
  if (t === '' || t.includes('BLOB')) return 'blob'
  return 'real'
}

const BUILDER: Record<string, string> = { integer: 'integer', text: 'text', blob: 'blob', real: 'real' }
const OWN_TYPE: Record<string, string> = { integer: 'INTEGER', text: 'TEXT', blob: 'BLOB', real: 'REAL' }

const str = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`
/** SQL text inside a `sql` template: backquotes, backslashes and `${` escaped. */
const tpl = (s: string): string => `sql\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``
const key = (s: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : str(s))

const varNames = (names: ReadonlyArray<string>, reserved: ReadonlySet<string>): Map<string, string> => {
  const used = new Set(reserved)
  const out = new Map<string, string>()
  for (const n of names) {
    const base = n.replace(/[^A-Za-z0-9_$]/g, '_').replace(/^([0-9])/, '_$1') || '_'
    let v = base
    for (let i = 2; used.has(v); i++) v = `${base}${i}`
    used.add(v)
    out.set(n, v)
  }
  return out
}

const RESERVED = new Set([
  'sql',
  'table',
  'index',
  'uniqueIndex',
  'check',
  'generated',
  'integer',
  'text',
  'real',
  'blob',
  'rawTrigger',
  'default'
])

const tableSource = (t: LiveTable, vars: ReadonlyMap<string, string>, notes: string[]): string => {
  const text = readTable(t.sql)
  const pkCols = t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)
  const singlePk = pkCols.length === 1 ? pkCols[0]!.name : undefined
  const fkByColumn = new Map<string, LiveTable['foreignKeys'][number]>()
  for (const fk of t.foreignKeys) {
    if (fk.columns.length === 1) fkByColumn.set(fk.columns[0]!.toLowerCase(), fk)
    else
      notes.push(
        `${t.name}: the foreign key (${fk.columns.join(', ')}) -> ${fk.table} has several columns; the schema API has none such (left out)`
      )
  }
  const uniqueCols = new Set(t.uniques.filter((u) => u.length === 1).map((u) => u[0]!.toLowerCase()))
  for (const u of t.uniques.filter((x) => x.length > 1))
    notes.push(`${t.name}: the UNIQUE (${u.join(', ')}) constraint has several columns; declare it as a uniqueIndex to keep it (left out)`)
  const base: string[] = []
  const gen: string[] = []
  for (const c of t.columns) {
    const extra = text.columns.get(c.name.toLowerCase()) ?? {}
    const kind = kindOfType(c.type)
    let b = `${BUILDER[kind]}(${str(c.name)})`
    if (extra.generatedRaw !== undefined) {
      const opts = [
        `kind: '${kind}'`,
        extra.generatedRaw.stored ? 'stored: true' : '',
        c.type !== OWN_TYPE[kind] ? `sqlType: ${str(c.type)}` : ''
      ]
      gen.push(`    ${key(c.name)}: generated(${tpl(extra.generatedRaw.text)}, { ${opts.filter((o) => o !== '').join(', ')} })`)
      continue
    }
    if (c.name === singlePk) {
      b += '.primaryKey()'
      const rowid = c.type === 'INTEGER' && !t.withoutRowid
      if (!rowid && !c.notNull) notes.push(`${t.name}.${c.name}: a primary key that allows NULL (SQLite's legacy rule) is written NOT NULL`)
    } else if (c.notNull) b += '.notNull()'
    if (uniqueCols.has(c.name.toLowerCase())) b += '.unique()'
    if (c.default !== null) b += `.defaultExpr(${tpl(c.default)})`
    if (extra.collate !== undefined) b += `.collate(${str(extra.collate)})`
    const fk = fkByColumn.get(c.name.toLowerCase())
    if (fk !== undefined) {
      const target = vars.get(fk.table) ?? vars.get([...vars.keys()].find((k) => k.toLowerCase() === fk.table.toLowerCase()) ?? '')
      const actions = [
        fk.onDelete !== 'NO ACTION' ? `onDelete: ${str(fk.onDelete.toLowerCase())}` : '',
        fk.onUpdate !== 'NO ACTION' ? `onUpdate: ${str(fk.onUpdate.toLowerCase())}` : ''
      ].filter((x) => x !== '')
      if (target === undefined) notes.push(`${t.name}.${c.name} references ${fk.table}, which is not a table of the database (left out)`)
      else b += `.references(() => columnOf(${target}, ${str(fk.to[0]!)})${actions.length > 0 ? `, { ${actions.join(', ')} }` : ''})`
    }
    if (c.type !== OWN_TYPE[kind]) b += `.sqlType(${str(c.type)})`
    base.push(`    ${key(c.name)}: ${b}`)
  }
  const options: string[] = []
  if (pkCols.length > 1) options.push(`    primaryKey: [${pkCols.map((c) => str(c.name)).join(', ')}]`)
  if (t.strict) options.push('    strict: true')
  if (t.withoutRowid) options.push('    withoutRowid: true')
  if (gen.length > 0) options.push(`    generated: () => ({\n  ${gen.join(',\n  ')}\n    })`)
  if (text.rawChecks.length > 0)
    options.push(
      `    checks: () => [\n${text.rawChecks.map((k) => `      check(${k.name === undefined ? 'undefined' : str(k.name)}, ${tpl(k.text)})`).join(',\n')}\n    ]`
    )
  const indexes = t.indexes.map((ix, i) => {
    const sqlText =
      t.indexSql.find((x) =>
        new RegExp(`INDEX\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?["\`[]?${ix.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(x)
      ) ??
      t.indexSql[i] ??
      ''
    const raw = readIndexRaw(sqlText)
    const fn = ix.unique ? 'uniqueIndex' : 'index'
    const plain =
      ix.columns.every((c) => c !== null && /^"?[^"]*"?$/.test(c)) &&
      raw !== undefined &&
      raw.where === undefined &&
      !/\b(DESC|ASC|COLLATE)\b|\(/i.test(raw.keys)
    if (plain || raw === undefined) return `      ${fn}(${str(ix.name)}, [${ix.columns.map((c) => str(String(c))).join(', ')}])`
    return `      ${fn}(${str(ix.name)}, [${tpl(raw.keys)}]${raw.where === undefined ? '' : `, { where: ${tpl(raw.where)} }`})`
  })
  if (indexes.length > 0) options.push(`    indexes: () => [\n${indexes.join(',\n')}\n    ]`)
  const v = vars.get(t.name)!
  return `export const ${v}: AnyTable = table(\n  ${str(t.name)},\n  {\n${base.join(',\n')}\n  }${options.length > 0 ? `,\n  {\n${options.join(',\n')}\n  }` : ''}\n)\n`
}

/**
 * The schema module of a live database.
 * @internal (the handle's type is the driver's)
 */
export const pullFrom = (db: LocalConnection): Pulled => {
  const notes: string[] = []
  const tables = liveTables(db)
  const triggers = liveTriggers(db)
  const vars = varNames([...tables.map((t) => t.name), ...triggers.map((t) => t.name)], RESERVED)
  const parts = tables.map((t) => tableSource(t, vars, notes))
  for (const tr of triggers)
    parts.push(`export const ${vars.get(tr.name)!} = rawTrigger(${str(tr.name)}, ${str(tr.table)}, ${str(tr.sql)})\n`)
  for (const v of liveViews(db))
    notes.push(
      `view ${v.name}: a view is declared from a query value, which pull cannot write from SQL text; it is left out (migrations leave live views alone while the schema declares none)`
    )
  const body = parts.join('\n')
  const used = ['blob', 'check', 'generated', 'index', 'integer', 'rawTrigger', 'real', 'sql', 'table', 'text', 'uniqueIndex'].filter((f) =>
    new RegExp(`\\b${f}[(\`]`).test(body)
  )
  const refs = body.includes('columnOf(')
  const head = [
    `// Written by fp-lite-orm pull: the schema of an existing database.`,
    ...notes.map((n) => `// NOTE: ${n}`),
    `import type { ${refs ? 'AnyColumn, ' : ''}AnyTable } from 'fp-lite-orm'`,
    `import { ${[...used, ...(refs ? ['tableInfo'] : [])].sort().join(', ')} } from 'fp-lite-orm'`,
    ...(refs
      ? [
          '',
          `/** A column by SQL name, for foreign keys (tables may refer to each other in any order). */`,
          `const columnOf = (t: AnyTable, name: string): AnyColumn => tableInfo(t).columns.find((c) => c.name === name)!`
        ]
      : [])
  ]
  return { source: `${head.join('\n')}\n\n${body}`, notes }
}

/**
 * A schema module (TypeScript source) for an existing database: every table, column, key,
 * index, CHECK and trigger the schema API can express, so that planning a migration right
 * after finds no change. A file that is not an SQLite database is a Left `ConnectionError`.
 *
 * @param db - an existing database, from `connect(...)`; a file that is not an SQLite database is a Left
 *   `ConnectionError`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict'
 * import * as fs from 'node:fs'
 * import * as E from 'fp-ts/lib/Either.js'
 * import { connect, pull } from 'fp-lite-orm'
 *
 * fs.writeFileSync('notes.txt', 'not a database, just some text that is long enough to be read as a header')
 * const r = pull(connect('notes.txt'))
 * assert.ok(E.isLeft(r) && r.left._tag === 'ConnectionError')
 * ```
 *
 * @category Migrations
 */
export const pull = (db: Db): E.Either<DbError, Pulled> =>
  withConnection(db, (h) => {
    try {
      return E.right(pullFrom(h.db))
    } catch (e) {
      return E.left(mapError(e))
    }
  })
