/**
 * Property-based tests (fast-check) of names in migrations: table, column, index, view
 * and trigger names full of `$` patterns (`$'`, `` $` ``, `$&`, `$$`, which
 * String.replace expands in a replacement text), quotes, brackets, semicolons, comment
 * markers, line breaks, transaction words and unicode, driven through
 *
 * - `createTable` (the query value) and `planMigration` (create, rebuild with a view and a
 *   trigger on the table, and both down parts), applied as the .sql files `migrate create`
 *   writes (renderSqlMigration, read back by listMigrations);
 * - every operation of a module migration (`op.createTable, dropTable, addColumn,
 *   renameColumn, createIndex, dropIndex, rebuildTable, execute`);
 * - the CLI (`migrate create` + `upgrade` + `check` in a temp project, in-process).
 *
 * Each run checks that an untouched sentinel table (with rows, its definition and its
 * data) survives, and that the schema afterwards is exactly what was asked for: every
 * name spelled as given, every column, type, NOT NULL, default and index in place, the
 * rows kept. The runs always include the names of the issue (`t$'` with a column
 * `(c); DROP TABLE sentinel; --`, `price$$list`).
 *
 * Seeded: FUZZ_SEED=<n> replays a run; the seed is printed. Bounded by runs and time.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import type { AnyTable, Db, DbError, Plan } from '../src/index.js'
import {
  connect,
  createTable,
  index,
  integer,
  migrate,
  migrateAsync,
  migrateDown,
  planMigration,
  session,
  table,
  text,
  uniqueIndex
} from '../src/index.js'
import { release } from '../src/conn/registry.js'
import { quoteIdentifier } from '../src/query/sqltext.js'
import { renderSqlMigration } from '../src/migrate/files.js'
import { runMigrate } from '../src/cli/migrate.js'
import { tempDbPath, tempDir } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const INDEX_URL = pathToFileURL(path.join(root, 'src', 'index.ts')).href

// -------------------------------------------------------------------------------------
// seeding and running properties
// -------------------------------------------------------------------------------------

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff)

class PropertyFailure extends Error {}

const assert = (cond: boolean, message: () => string): void => {
  if (!cond) throw new PropertyFailure(message())
}

const show = (u: unknown): string => JSON.stringify(u, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(u)

const right = <A>(what: string, r: E.Either<DbError, A>): A => {
  if (E.isLeft(r)) throw new PropertyFailure(`${what}: expected Right, got Left ${show(r.left)}`)
  return r.right
}

/** Runs a property with the file's seed, at most `numRuns` runs and `budgetMs`; the fixed `examples` always run first. */
const check = async <Ts extends [unknown, ...unknown[]]>(
  t: ExecutionContext,
  numRuns: number,
  budgetMs: number,
  prop: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  examples: ReadonlyArray<Ts>
): Promise<void> => {
  t.log(`fast-check seed ${SEED} (replay with FUZZ_SEED=${SEED})`)
  const started = Date.now()
  const out = await fc.check(prop, { seed: SEED, numRuns, examples: [...examples], plugins: [fc.interruptAfterTimeLimit(budgetMs)] })
  if (out.failed) {
    const err = out.errorInstance
    t.fail(
      `FUZZ_SEED=${SEED}\n${fc.defaultReportMessage(out) ?? 'property failed'}\nError: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
    )
  } else {
    t.log(`${out.numRuns} runs in ${Date.now() - started} ms${out.interrupted ? ` (stopped by the ${budgetMs} ms budget)` : ''}`)
    t.true(out.numRuns >= examples.length + 3, `only ${out.numRuns} runs were made within ${budgetMs} ms`)
  }
}

// -------------------------------------------------------------------------------------
// names
// -------------------------------------------------------------------------------------

const PIECES = [
  "$'",
  '$`',
  '$&',
  '$$',
  '$1',
  '$<x>',
  '"',
  '""',
  "'",
  '`',
  '[',
  ']',
  ';',
  '--',
  '/*',
  '*/',
  '\n',
  '\r\n',
  '\n-- down\n',
  ' ',
  '\t',
  '(',
  ')',
  ',',
  '.',
  '?',
  ':x',
  '@y',
  '\\',
  '%',
  'é',
  'ß',
  '漢字',
  '🙂',
  '\u2028',
  '\uFEFF',
  'DROP TABLE sentinel',
  '); DROP TABLE sentinel; --',
  'BEGIN',
  'END',
  'COMMIT',
  'TRIGGER',
  'CASE',
  'a',
  'B',
  'x',
  '_',
  '0'
]

const short = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) => p.join(''))
/** 200 to 255 UTF-16 units (the most a name may have), never ending on half a surrogate pair. */
const long = fc
  .tuple(fc.integer({ min: 200, max: 255 }), short)
  .map(([n, s]) => s.repeat(Math.ceil(n / s.length)).slice(0, n))
  .map((s) => (/[\uD800-\uDBFF]$/.test(s) ? s.slice(0, -1) : s))

const RESERVED = ['sentinel', 'note', '_lite_migr', '_fplite_migrating']
const usable = (n: string): boolean =>
  n.length > 0 &&
  !n.toLowerCase().startsWith('sqlite_') &&
  !n.toLowerCase().startsWith('_fplite_new_') &&
  !RESERVED.includes(n.toLowerCase())

const name = fc.oneof({ weight: 8, arbitrary: short }, { weight: 1, arbitrary: long }).filter(usable)

/**
 * `n` names, distinct as SQLite sees them and as the diff does (which folds case with
 * toLowerCase: stricter than SQLite's ASCII-only folding).
 */
const names = (n: number) => fc.uniqueArray(name, { minLength: n, maxLength: n, selector: (s) => s.toLowerCase() })

const q = quoteIdentifier

// -------------------------------------------------------------------------------------
// the database, read through a connection of its own
// -------------------------------------------------------------------------------------

const withRaw = <A>(file: string, f: (db: Database.Database) => A): A => {
  const db = new Database(file)
  try {
    return f(db)
  } finally {
    db.close()
  }
}

type ColumnSpec = [name: string, type: string, notNull: number, dflt: string | null, pk: number]
interface TableSpec {
  readonly columns: ColumnSpec[]
  /** name -> [columns, unique] */
  readonly indexes: Record<string, [string[], number]>
}
interface SchemaSpec {
  readonly tables: Record<string, TableSpec>
  readonly views: string[]
  readonly triggers: string[]
}

/** Every table (with columns and explicit indexes), view and trigger, by exact name; SQLite's own and the runner's left out. */
const schemaOf = (file: string): SchemaSpec =>
  withRaw(file, (db) => {
    const objects = db.prepare(`SELECT type, name FROM sqlite_schema ORDER BY name`).all() as Array<{ type: string; name: string }>
    const of = (type: string) => objects.filter((o) => o.type === type && !o.name.startsWith('sqlite_') && o.name !== '_lite_migr')
    const tables: Record<string, TableSpec> = {}
    for (const { name: tn } of of('table')) {
      const columns = (
        db.prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?)`).all(tn) as Array<Record<string, unknown>>
      ).map((c) => [c.name, c.type, c.notnull, c.dflt_value, c.pk] as ColumnSpec)
      const indexes: Record<string, [string[], number]> = {}
      for (const ix of db.prepare(`SELECT name, "unique" FROM pragma_index_list(?) WHERE origin = 'c'`).all(tn) as Array<{
        name: string
        unique: number
      }>) {
        const cols = (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(ix.name) as Array<{ name: string }>).map(
          (c) => c.name
        )
        indexes[ix.name] = [cols, ix.unique]
      }
      tables[tn] = { columns, indexes }
    }
    return { tables, views: of('view').map((v) => v.name), triggers: of('trigger').map((v) => v.name) }
  })

const SENTINEL_ROWS = [
  { id: 1, note: 'keep me' },
  { id: 2, note: "and me; DROP TABLE sentinel; --'" }
]
const sentinel = table('sentinel', { id: integer().primaryKey(), note: text().notNull() })
const SENTINEL_SPEC: TableSpec = {
  columns: [
    ['id', 'INTEGER', 0, null, 1],
    ['note', 'TEXT', 1, null, 0]
  ],
  indexes: {}
}

/** A fresh database file holding the sentinel table and its rows; returns its definition as stored. */
const withSentinel = (file: string): string =>
  withRaw(file, (db) => {
    db.exec(`CREATE TABLE sentinel (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
    const ins = db.prepare(`INSERT INTO sentinel (id, note) VALUES (?, ?)`)
    for (const r of SENTINEL_ROWS) ins.run(r.id, r.note)
    return db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'sentinel'`).pluck().get() as string
  })

const sentinelIntact = (file: string, definition: string, when: string): void =>
  withRaw(file, (db) => {
    const sql = db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'sentinel'`).pluck().get()
    assert(sql === definition, () => `${when}: the sentinel's definition changed or it is gone: ${show(sql)}`)
    const rows = db.prepare(`SELECT id, note FROM sentinel ORDER BY id`).all()
    assert(show(rows) === show(SENTINEL_ROWS), () => `${when}: the sentinel's rows changed: ${show(rows)}`)
  })

const sameSchema = (file: string, want: SchemaSpec, when: string): void => {
  const got = schemaOf(file)
  const norm = (s: SchemaSpec) =>
    show({
      tables: Object.keys(s.tables)
        .sort()
        .map((k) => [k, s.tables[k]!.columns, Object.entries(s.tables[k]!.indexes).sort(([x], [y]) => (x < y ? -1 : 1))]),
      views: [...s.views].sort(),
      triggers: [...s.triggers].sort()
    })
  assert(norm(got) === norm(want), () => `${when}: the schema is not what was asked for.\n  got:  ${norm(got)}\n  want: ${norm(want)}`)
}

/**
 * Columns in the order a table built from an object literal has them: JavaScript puts
 * integer-like keys ("0", "7") first, in numeric order, whatever the literal's order.
 */
const inOrder = (columns: ReadonlyArray<ColumnSpec>): ColumnSpec[] => Object.values(Object.fromEntries(columns.map((c) => [c[0], c])))

const rowsOf = (file: string, sql: string): unknown[] => withRaw(file, (db) => db.prepare(sql).all())

/** Writes a plan as `migrate create` does (its comment lines name every object) and applies it. */
const applyPlan = (db: Db, dir: string, fileName: string, plan: Plan): string[] => {
  fs.writeFileSync(path.join(dir, `${fileName}.sql`), renderSqlMigration(fileName, plan, new Date()))
  return right(`migrate ${fileName}`, migrate(db, { dir })).applied
}

const inSync = (db: Db, tables: ReadonlyArray<AnyTable>, when: string): void => {
  const plan = right(`planMigration ${when}`, planMigration(db, tables))
  assert(plan.operations.length === 0, () => `${when}: the database and the schema still differ: ${show(plan.operations)}`)
}

// -------------------------------------------------------------------------------------
// createTable and planMigration: create, rebuild, down
// -------------------------------------------------------------------------------------

/** The names of the issue, always tried first. */
const ISSUE_A: Array<[string[]]> = [[["t$'", 'id', '(c); DROP TABLE sentinel; --', 'b', 'ix', 'v', 'tr', 'price$$list', 'ix2', 'c', 'ix3']]]

test.serial(
  'createTable and planMigration (create, rebuild with a view and a trigger, both down parts) with hostile names: the sentinel survives, the schema is as asked',
  async (t) => {
    t.timeout(60_000)
    await check(
      t,
      40,
      6_000,
      fc.asyncProperty(names(11), async ([tn, pk, a, b, ix, vn, trn, un, ix2, c, ix3]) => {
        const file = tempDbPath()
        const dir = tempDir()
        const definition = withSentinel(file)
        const db = connect(file)
        try {
          // 1. createTable, the query value.
          const t1 = table(tn!, { [pk!]: integer().primaryKey(), [a!]: text(), [b!]: text() }, { indexes: [index(ix!, [a!])] })
          right('createTable', session(db).run(createTable(t1)))
          const t1Spec: TableSpec = {
            columns: inOrder([
              [pk!, 'INTEGER', 0, null, 1],
              [a!, 'TEXT', 0, null, 0],
              [b!, 'TEXT', 0, null, 0]
            ]),
            indexes: { [ix!]: [[a!], 0] }
          }
          sameSchema(file, { tables: { sentinel: SENTINEL_SPEC, [tn!]: t1Spec }, views: [], triggers: [] }, 'after createTable')
          sentinelIntact(file, definition, 'after createTable')

          // 2. planMigration creates a second table (CREATE TABLE and CREATE INDEX from createTableSql).
          const u = table(
            un!,
            { [pk!]: integer().primaryKey(), [c!]: text().notNull().default(') --') },
            { indexes: [uniqueIndex(ix2!, [c!])] }
          )
          const uSpec: TableSpec = {
            columns: inOrder([
              [pk!, 'INTEGER', 0, null, 1],
              [c!, 'TEXT', 1, "') --'", 0]
            ]),
            indexes: { [ix2!]: [[c!], 1] }
          }
          const create = right('plan create', planMigration(db, [sentinel, t1, u]))
          assert(show(create.operations.map((o) => o._tag)) === show(['CreateTable']), () => `plan create: ${show(create.operations)}`)
          applyPlan(db, dir, '0001_create', create)
          sameSchema(
            file,
            { tables: { sentinel: SENTINEL_SPEC, [tn!]: t1Spec, [un!]: uSpec }, views: [], triggers: [] },
            'after the create plan'
          )
          sentinelIntact(file, definition, 'after the create plan')

          // 3. A row, a view reading the table and a trigger on it; then a rebuild (a NOT NULL
          //    column with a default, a new column, a new unique index).
          withRaw(file, (raw) => {
            raw.exec(`INSERT INTO ${q(tn!)} (${q(pk!)}, ${q(a!)}, ${q(b!)}) VALUES (1, 'x', 'y')`)
            raw.exec(`CREATE VIEW ${q(vn!)} AS SELECT ${q(a!)} AS ${q(b!)} FROM ${q(tn!)}`)
            raw.exec(
              `CREATE TRIGGER ${q(trn!)} AFTER INSERT ON ${q(tn!)} BEGIN UPDATE ${q(tn!)} SET ${q(b!)} = 'trig' WHERE ${q(pk!)} = new.${q(pk!)}; END`
            )
          })
          const t2 = table(
            tn!,
            { [pk!]: integer().primaryKey(), [a!]: text().notNull().default("$'"), [b!]: text(), [c!]: integer() },
            { indexes: [index(ix!, [a!]), uniqueIndex(ix3!, [b!])] }
          )
          const rebuild = right('plan rebuild', planMigration(db, [sentinel, t2, u]))
          assert(show(rebuild.operations.map((o) => o._tag)) === show(['RebuildTable']), () => `plan rebuild: ${show(rebuild.operations)}`)
          applyPlan(db, dir, '0002_rebuild', rebuild)
          const t2Spec: TableSpec = {
            columns: inOrder([
              [pk!, 'INTEGER', 0, null, 1],
              [a!, 'TEXT', 1, "'$'''", 0],
              [b!, 'TEXT', 0, null, 0],
              [c!, 'INTEGER', 0, null, 0]
            ]),
            indexes: { [ix!]: [[a!], 0], [ix3!]: [[b!], 1] }
          }
          sameSchema(
            file,
            { tables: { sentinel: SENTINEL_SPEC, [tn!]: t2Spec, [un!]: uSpec }, views: [vn!], triggers: [trn!] },
            'after the rebuild'
          )
          sentinelIntact(file, definition, 'after the rebuild')
          inSync(db, [sentinel, t2, u], 'after the rebuild')
          withRaw(file, (raw) => raw.exec(`INSERT INTO ${q(tn!)} (${q(pk!)}, ${q(a!)}) VALUES (2, 'z')`))
          const rows = rowsOf(file, `SELECT ${q(pk!)} AS k, ${q(a!)} AS a, ${q(b!)} AS b, ${q(c!)} AS c FROM ${q(tn!)} ORDER BY 1`)
          assert(
            show(rows) ===
              show([
                { k: 1, a: 'x', b: 'y', c: null },
                { k: 2, a: 'z', b: 'trig', c: null }
              ]),
            () => `after the rebuild, the rows (kept, and the trigger fired): ${show(rows)}`
          )
          const viewed = rowsOf(file, `SELECT * FROM ${q(vn!)} ORDER BY 1`)
          assert(show(viewed) === show([{ [b!]: 'x' }, { [b!]: 'z' }]), () => `after the rebuild, the view reads ${show(viewed)}`)

          // 4. Both down parts: the rebuild back (from the stored definition, renamed), then the drop.
          right('migrateDown (the rebuild)', await migrateDown(db, { dir }))
          sameSchema(
            file,
            { tables: { sentinel: SENTINEL_SPEC, [tn!]: t1Spec, [un!]: uSpec }, views: [vn!], triggers: [trn!] },
            'after undoing the rebuild'
          )
          sentinelIntact(file, definition, 'after undoing the rebuild')
          const back = rowsOf(file, `SELECT ${q(pk!)} AS k, ${q(a!)} AS a, ${q(b!)} AS b FROM ${q(tn!)} ORDER BY 1`)
          assert(
            show(back) ===
              show([
                { k: 1, a: 'x', b: 'y' },
                { k: 2, a: 'z', b: 'trig' }
              ]),
            () => `after undoing the rebuild, the rows: ${show(back)}`
          )
          right('migrateDown (the create)', await migrateDown(db, { dir }))
          sameSchema(
            file,
            { tables: { sentinel: SENTINEL_SPEC, [tn!]: t1Spec }, views: [vn!], triggers: [trn!] },
            'after undoing the create'
          )
          sentinelIntact(file, definition, 'after undoing the create')
        } finally {
          release(db)
        }
      }),
      ISSUE_A
    )
  }
)

// -------------------------------------------------------------------------------------
// every operation of a module migration
// -------------------------------------------------------------------------------------

/**
 * A module migration using every `op` on the names (given as JSON, so any text is a
 * plain string literal): create, insert through execute, add a column, rename one,
 * create and drop indexes, rebuild, and create and drop a second table.
 */
const opsModule = (n: Record<string, string>): string => `
import { index, integer, table, text } from ${JSON.stringify(INDEX_URL)}
const N = ${JSON.stringify(n)}
const Q = ${JSON.stringify(Object.fromEntries(Object.entries(n).map(([k, v]) => [k, q(v)])))}
const t1 = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text(), [N.b]: text() }, { indexes: [index(N.ix1, [N.a])] })
const t2 = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text(), [N.b]: text(), [N.c]: text() })
const t3 = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text(), [N.b2]: text(), [N.c]: text() })
const t4 = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text().notNull().default("$&"), [N.b2]: text(), [N.c]: text() }, { indexes: [index(N.ix2, [N.c])] })
const other = table(N.other, { [N.pk]: integer().primaryKey(), [N.a]: text() }, { indexes: [index(N.ix3, [N.a])] })
export function up(op) {
  op.createTable(t1)
  op.execute(\`INSERT INTO \${Q.tn} (\${Q.pk}, \${Q.a}, \${Q.b}) VALUES (1, 'x', 'y')\`)
  op.addColumn(t2, N.c)
  op.renameColumn(N.tn, N.b, N.b2)
  op.createIndex(t3, index(N.ix2, [N.c]))
  op.dropIndex(N.ix1)
  op.rebuildTable(t4)
  op.createTable(other)
  op.dropTable(N.other)
}
`

const ISSUE_B: Array<[string[]]> = [
  [["t$'", 'id', '(c); DROP TABLE sentinel; --', "b$'", 'b2$`', 'c$&', 'ix$$', "ix2$'", 'price$$list', 'ix3']]
]

test.serial('every operation of a module migration with hostile names: the sentinel survives, the schema is as asked', async (t) => {
  t.timeout(60_000)
  await check(
    t,
    40,
    6_000,
    fc.asyncProperty(names(10), async ([tn, pk, a, b, b2, c, ix1, ix2, other, ix3]) => {
      const file = tempDbPath()
      const dir = tempDir()
      const definition = withSentinel(file)
      fs.writeFileSync(
        path.join(dir, '0001_ops.mjs'),
        opsModule({ tn: tn!, pk: pk!, a: a!, b: b!, b2: b2!, c: c!, ix1: ix1!, ix2: ix2!, other: other!, ix3: ix3! })
      )
      const db = connect(file)
      try {
        const applied = right('migrateAsync', await migrateAsync(db, { dir })).applied
        assert(show(applied) === show(['0001_ops']), () => `applied ${show(applied)}`)
        const spec: TableSpec = {
          columns: inOrder([
            [pk!, 'INTEGER', 0, null, 1],
            [a!, 'TEXT', 1, "'$&'", 0],
            [b2!, 'TEXT', 0, null, 0],
            [c!, 'TEXT', 0, null, 0]
          ]),
          indexes: { [ix2!]: [[c!], 0] }
        }
        sameSchema(file, { tables: { sentinel: SENTINEL_SPEC, [tn!]: spec }, views: [], triggers: [] }, 'after the module migration')
        sentinelIntact(file, definition, 'after the module migration')
        const rows = rowsOf(file, `SELECT ${q(pk!)} AS k, ${q(a!)} AS a, ${q(b2!)} AS b, ${q(c!)} AS c FROM ${q(tn!)}`)
        assert(show(rows) === show([{ k: 1, a: 'x', b: 'y', c: null }]), () => `the row: ${show(rows)}`)
        const t4 = table(
          tn!,
          { [pk!]: integer().primaryKey(), [a!]: text().notNull().default('$&'), [b2!]: text(), [c!]: text() },
          { indexes: [index(ix2!, [c!])] }
        )
        inSync(db, [sentinel, t4], 'after the module migration')
      } finally {
        release(db)
      }
    }),
    ISSUE_B
  )
})

// -------------------------------------------------------------------------------------
// the CLI: migrate create, upgrade, check
// -------------------------------------------------------------------------------------

/** A schema module declaring the sentinel and `source`'s tables, the names as JSON. */
const schemaModule = (n: Record<string, string>, tables: string): string => `
import { index, integer, table, text, uniqueIndex } from 'fp-lite-orm'
const N = ${JSON.stringify(n)}
export const sentinel = table('sentinel', { id: integer().primaryKey(), note: text().notNull() })
${tables}
`

const cli = async (cwd: string, ...args: string[]): Promise<{ code: number; out: string }> => {
  let out = ''
  const code = await runMigrate(
    args,
    cwd,
    (l) => (out += `${l}\n`),
    (l) => (out += `${l}\n`)
  )
  return { code, out }
}

const ok = async (cwd: string, ...args: string[]): Promise<string> => {
  const r = await cli(cwd, ...args)
  assert(r.code === 0, () => `migrate ${args.join(' ')} exited ${r.code}:\n${r.out}`)
  return r.out
}

const ISSUE_C: Array<[string[]]> = [[["t$'", 'id', '(c); DROP TABLE sentinel; --', 'b\n-- down\nDROP TABLE sentinel;', 'ix$`', "ix2$'"]]]

test.serial('the CLI (migrate create, upgrade, check) with hostile names: the sentinel survives, the schema is as asked', async (t) => {
  t.timeout(60_000)
  await check(
    t,
    30,
    8_000,
    fc.asyncProperty(names(6), async ([tn, pk, a, b, ix, ix2]) => {
      const cwd = tempDir()
      fs.writeFileSync(path.join(cwd, 'package.json'), '{"type":"module"}\n')
      fs.mkdirSync(path.join(cwd, 'node_modules'))
      fs.symlinkSync(root, path.join(cwd, 'node_modules', 'fp-lite-orm'), 'dir')
      fs.mkdirSync(path.join(cwd, 'migrations'))
      fs.mkdirSync(path.join(cwd, 'src'))
      const config = (schema: string) =>
        fs.writeFileSync(path.join(cwd, 'fp-lite-orm.config.json'), JSON.stringify({ db: 'app.db', migrations: './migrations', schema }))
      const n = { tn: tn!, pk: pk!, a: a!, b: b!, ix: ix!, ix2: ix2! }
      fs.writeFileSync(
        path.join(cwd, 'src', 'v1.ts'),
        schemaModule(
          n,
          `export const t = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text(), [N.b]: text() }, { indexes: [index(N.ix, [N.a])] })`
        )
      )
      fs.writeFileSync(
        path.join(cwd, 'src', 'v2.ts'),
        schemaModule(
          n,
          `export const t = table(N.tn, { [N.pk]: integer().primaryKey(), [N.a]: text().notNull().default("$'"), [N.b]: integer() }, { indexes: [index(N.ix, [N.a]), uniqueIndex(N.ix2, [N.b])] })`
        )
      )
      const file = path.join(cwd, 'app.db')
      const definition = withSentinel(file)

      config('./src/v1.ts')
      await ok(cwd, 'create', 'init')
      await ok(cwd, 'upgrade')
      await ok(cwd, 'check')
      const v1: TableSpec = {
        columns: inOrder([
          [pk!, 'INTEGER', 0, null, 1],
          [a!, 'TEXT', 0, null, 0],
          [b!, 'TEXT', 0, null, 0]
        ]),
        indexes: { [ix!]: [[a!], 0] }
      }
      sameSchema(file, { tables: { sentinel: SENTINEL_SPEC, [tn!]: v1 }, views: [], triggers: [] }, 'after create + upgrade')
      sentinelIntact(file, definition, 'after create + upgrade')
      withRaw(file, (raw) => raw.exec(`INSERT INTO ${q(tn!)} (${q(pk!)}, ${q(a!)}, ${q(b!)}) VALUES (1, 'x', '7')`))

      config('./src/v2.ts')
      await ok(cwd, 'create', 'rebuild')
      await ok(cwd, 'upgrade')
      await ok(cwd, 'check')
      const v2: TableSpec = {
        columns: inOrder([
          [pk!, 'INTEGER', 0, null, 1],
          [a!, 'TEXT', 1, "'$'''", 0],
          [b!, 'INTEGER', 0, null, 0]
        ]),
        indexes: { [ix!]: [[a!], 0], [ix2!]: [[b!], 1] }
      }
      sameSchema(file, { tables: { sentinel: SENTINEL_SPEC, [tn!]: v2 }, views: [], triggers: [] }, 'after the rebuild')
      sentinelIntact(file, definition, 'after the rebuild')
      const rows = rowsOf(file, `SELECT ${q(pk!)} AS k, ${q(a!)} AS a, ${q(b!)} AS b FROM ${q(tn!)}`)
      assert(show(rows) === show([{ k: 1, a: 'x', b: 7 }]), () => `after the rebuild, the row: ${show(rows)}`)
    }),
    ISSUE_C
  )
})

// -------------------------------------------------------------------------------------
// the cases of the issue, exactly
// -------------------------------------------------------------------------------------

test.serial(
  'the issue: rebuilding t$\' (index on a column "(c); DROP TABLE sentinel; --", a table t(c) beside it) never drops the sentinel; price$$list keeps its index',
  async (t) => {
    const evil = '(c); DROP TABLE sentinel; --'
    const tq = table("t$'", { id: integer().primaryKey(), [evil]: text().notNull().default('') }, { indexes: [index('ix', [evil])] })
    const price = table('price$$list', { id: integer().primaryKey(), p: text().notNull().default('') }, { indexes: [index('px', ['p'])] })
    const priceAsIs = table('price$$list', { id: integer().primaryKey(), p: text() })
    const plain = table('t', { c: text() })
    const moduleOf = (source: string): string =>
      [
        `import { index, integer, table, text } from ${JSON.stringify(INDEX_URL)}`,
        `const evil = ${JSON.stringify(evil)}`,
        `export const up = (op) => op.rebuildTable(${source})`
      ].join('\n')
    for (const via of ['planMigration', 'op.rebuildTable'] as const) {
      const file = tempDbPath()
      const dir = tempDir()
      const definition = withSentinel(file)
      withRaw(file, (raw) => {
        // A table `t` with a column `c`: what the broken index statement would run against.
        raw.exec(`CREATE TABLE t (c TEXT)`)
        raw.exec(`CREATE TABLE "t$'" (id INTEGER PRIMARY KEY, ${q(evil)} TEXT)`)
        raw.exec(`CREATE TABLE "price$$list" (id INTEGER PRIMARY KEY, p TEXT)`)
      })
      const db = connect(file)
      try {
        // 1. t$': the index statement became `CREATE INDEX "ix" ON "t"(c); DROP TABLE sentinel; --...`, and succeeded.
        if (via === 'planMigration') {
          const plan = unwrapPlan(planMigration(db, [sentinel, plain, tq, priceAsIs]))
          t.deepEqual(
            plan.operations.map((o) => o._tag),
            ['RebuildTable']
          )
          t.deepEqual(applyPlan(db, dir, '0001_t', plan), ['0001_t'])
        } else {
          fs.writeFileSync(
            path.join(dir, '0001_t.mjs'),
            moduleOf(
              `table("t$'", { id: integer().primaryKey(), [evil]: text().notNull().default('') }, { indexes: [index('ix', [evil])] })`
            )
          )
          t.deepEqual(await migrateAsync(db, { dir }), E.right({ applied: ['0001_t'], outOfOrder: [] }))
        }
        t.notThrows(() => sentinelIntact(file, definition, via), via)
        t.deepEqual(schemaOf(file).tables["t$'"]?.indexes, { ix: [[evil], 0] }, via)
        t.deepEqual(schemaOf(file).tables.t?.indexes, {}, `${via}: nothing was indexed on t`)
        // 2. price$$list: its index went to price$list.
        if (via === 'planMigration') applyPlan(db, dir, '0002_price', unwrapPlan(planMigration(db, [sentinel, plain, tq, price])))
        else {
          fs.writeFileSync(
            path.join(dir, '0002_price.mjs'),
            moduleOf(
              `table('price$$list', { id: integer().primaryKey(), p: text().notNull().default('') }, { indexes: [index('px', ['p'])] })`
            )
          )
          t.deepEqual(await migrateAsync(db, { dir }), E.right({ applied: ['0002_price'], outOfOrder: [] }))
        }
        t.deepEqual(schemaOf(file).tables['price$$list']?.indexes, { px: [['p'], 0] }, via)
        t.deepEqual(Object.keys(schemaOf(file).tables).sort(), ['price$$list', 'sentinel', 't', "t$'"], via)
        t.notThrows(() => sentinelIntact(file, definition, via), via)
      } finally {
        release(db)
      }
    }
  }
)

const unwrapPlan = (p: E.Either<DbError, Plan>): Plan => right('planMigration', p)
