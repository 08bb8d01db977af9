/**
 * Migrations from code: introspection of live databases, the schema model, the diff and
 * its SQL (applied from real migration files on real database files), 12-step rebuilds
 * under cascading foreign keys, the runner (transactions, `_lite_migr`, checksums, out of
 * order), module migrations, and the .sql file format.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as iots from 'io-ts'
import type { AnyTable, Db, Plan, Rename } from '../src/index.js'
import {
  all,
  blob,
  boolean,
  connect,
  createTable,
  index,
  integer,
  json,
  migrate,
  migrateAsync,
  migrateDown,
  migrationStatus,
  planMigration,
  raw,
  real,
  session,
  sql,
  table,
  text,
  timestamp,
  transaction,
  uniqueIndex
} from '../src/index.js'
import type { LiveTable, TableModel } from '../src/migrate/model.js'
import { declaredTable, liveTables, normalizeDefault } from '../src/migrate/model.js'
import { diff } from '../src/migrate/diff.js'
import { listMigrations, parseSqlMigration, renderSqlMigration, slug, splitStatements, timestampName } from '../src/migrate/files.js'
import { tablesOf } from '../src/migrate/plan.js'
import { release } from '../src/conn/registry.js'
import { tempDb, tempDir, unwrap, unwrapLeft } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

/** Runs SQL on the file through a connection of its own (as another tool would). */
const exec = (db: Db, sql: string): void => {
  const raw = new Database(db.file)
  try {
    raw.exec(sql)
  } finally {
    raw.close()
  }
}

/** Reads from the file through a connection of its own. */
const query = <A = Record<string, unknown>>(db: Db, sql: string): A[] => {
  const raw = new Database(db.file, { readonly: true })
  try {
    return raw.prepare(sql).all() as A[]
  } finally {
    raw.close()
  }
}

const live = (db: Db): LiveTable[] => {
  const raw = new Database(db.file, { readonly: true })
  try {
    return liveTables(raw)
  } finally {
    raw.close()
  }
}

/** The comparable part of a live table: its model, without the SQL text and the row count. */
const shape = (t: LiveTable): TableModel => ({
  name: t.name,
  columns: t.columns,
  foreignKeys: t.foreignKeys,
  indexes: t.indexes,
  uniques: [...t.uniques].map((u) => [...u].sort()).sort(),
  strict: t.strict,
  withoutRowid: t.withoutRowid
})

const shapes = (db: Db): TableModel[] => live(db).map(shape)

const tableNames = (db: Db): string[] =>
  query<{ name: string }>(db, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).map((r) => r.name)

/** Writes the migration `create` would write for the plan, under `name`, into `dir`. */
const writeMigration = (dir: string, name: string, plan: Plan): string => {
  const file = path.join(dir, `${name}.sql`)
  fs.writeFileSync(file, renderSqlMigration(name, plan, new Date('2024-05-01T12:00:00Z')))
  return file
}

interface Case {
  /** The live database before: SQL run on a fresh file (tables and rows). */
  readonly before: string
  /** The schema after. */
  readonly tables: ReadonlyArray<AnyTable>
  readonly renames?: ReadonlyArray<Rename>
}

interface CaseResult {
  readonly db: Db
  readonly dir: string
  readonly plan: Plan
  readonly text: string
  readonly before: TableModel[]
}

/**
 * One diff kind, the whole way: the live database, the plan, the migration file written
 * and applied by `migrate`, then the plan again (empty), and `migrateDown` back to the
 * shape the database had (checked here too, then re-applied so the caller sees the result).
 */
const applyCase = (t: ExecutionContext, c: Case): CaseResult => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, c.before)
  const before = shapes(db)
  const plan = unwrap(planMigration(db, c.tables, c.renames ?? []))
  const file = writeMigration(dir, '0001_change', plan)
  const text = fs.readFileSync(file, 'utf8')
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_change'])
  t.deepEqual(unwrap(planMigration(db, c.tables)).operations, [], 'after the migration the database matches the schema')
  t.deepEqual(query(db, 'PRAGMA foreign_key_check'), [])
  return { db, dir, plan, text, before }
}

/** Undoes the migration of a case and checks the database is back to its shape before. */
const downAndUp = async (t: ExecutionContext, r: CaseResult): Promise<void> => {
  t.deepEqual(unwrap(await migrateDown(r.db, { dir: r.dir })), { reverted: '0001_change' })
  t.deepEqual(shapes(r.db), r.before, 'down restores the shape the database had')
  t.deepEqual(unwrap(migrate(r.db, { dir: r.dir })).applied, ['0001_change'])
}

/** The statement fails with a message matching `re` (better-sqlite3's errors are not ava's Errors). */
const fails = (t: ExecutionContext, f: () => void, re: RegExp): void => {
  try {
    f()
    t.fail(`expected a failure matching ${re}`)
  } catch (e) {
    t.regex(e instanceof Error || (typeof e === 'object' && e !== null) ? String((e as Error).message) : String(e), re)
  }
}

const tags = (p: Plan): string[] => p.operations.map((o) => o._tag)

// -------------------------------------------------------------------------------------
// schema objects used below
// -------------------------------------------------------------------------------------

const USERS_SQL = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER);
INSERT INTO users (id, name, email, age) VALUES (1, 'Ada', 'ada@x.io', 36), (2, 'Alan', NULL, 41);`

const usersRows = (db: Db) => query(db, 'SELECT id, name, email, age FROM users ORDER BY id')
const USERS_ROWS = [
  { id: 1, name: 'Ada', email: 'ada@x.io', age: 36 },
  { id: 2, name: 'Alan', email: null, age: 41 }
]

const users = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer() })

// -------------------------------------------------------------------------------------
// introspection and the model
// -------------------------------------------------------------------------------------

test('introspection reads tables, declared types, NOT NULL, defaults, keys, uniques, indexes, foreign keys, STRICT and WITHOUT ROWID', (t) => {
  const db = tempDb()
  exec(
    db,
    `CREATE TABLE parent (id INTEGER PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', code TEXT UNIQUE, n REAL DEFAULT (1.5), at TEXT DEFAULT (strftime('%s', 'now')));
     CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL, note TEXT);
     CREATE INDEX child_parent_idx ON child (parent_id);
     CREATE UNIQUE INDEX child_note_idx ON child (note, parent_id);
     CREATE TABLE kv (a TEXT, b INTEGER, v BLOB, PRIMARY KEY (a, b), UNIQUE (b, v)) STRICT, WITHOUT ROWID;
     CREATE TABLE pair (x INTEGER, y INTEGER, z ANY, PRIMARY KEY (y, x), FOREIGN KEY (x, y) REFERENCES kv (a, b) ON DELETE RESTRICT) STRICT;
     INSERT INTO parent (id, name) VALUES (1, 'p'), (2, 'q');`
  )
  const byName = new Map(live(db).map((x) => [x.name, x]))
  t.deepEqual([...byName.keys()], ['child', 'kv', 'pair', 'parent'])
  const parent = byName.get('parent')!
  t.deepEqual(parent.columns, [
    { name: 'id', type: 'INTEGER', notNull: false, default: null, pk: 1 },
    { name: 'name', type: 'VARCHAR(20)', notNull: true, default: "'x'", pk: 0 },
    { name: 'code', type: 'TEXT', notNull: false, default: null, pk: 0 },
    { name: 'n', type: 'REAL', notNull: false, default: '1.5', pk: 0 },
    { name: 'at', type: 'TEXT', notNull: false, default: "strftime('%s', 'now')", pk: 0 }
  ])
  t.deepEqual(parent.uniques, [['code']])
  t.is(parent.rows, 2)
  t.false(parent.strict)
  t.false(parent.withoutRowid)
  t.regex(parent.sql, /^CREATE TABLE parent/)

  const child = byName.get('child')!
  t.deepEqual(child.foreignKeys, [{ columns: ['parent_id'], table: 'parent', to: ['id'], onDelete: 'CASCADE', onUpdate: 'SET NULL' }])
  t.deepEqual(child.indexes, [
    { name: 'child_note_idx', columns: ['note', 'parent_id'], unique: true },
    { name: 'child_parent_idx', columns: ['parent_id'], unique: false }
  ])
  t.deepEqual(child.uniques, [], 'a unique index is an index, not a UNIQUE constraint')
  t.is(child.indexSql.length, 2)

  const kv = byName.get('kv')!
  t.true(kv.strict)
  t.true(kv.withoutRowid)
  t.deepEqual(
    kv.columns.map((c) => [c.name, c.pk, c.notNull]),
    [
      ['a', 1, true],
      ['b', 2, true],
      ['v', 0, false]
    ]
  )
  t.deepEqual(kv.uniques, [['b', 'v']])

  const pair = byName.get('pair')!
  t.deepEqual(
    pair.columns.map((c) => [c.name, c.pk]),
    [
      ['x', 2],
      ['y', 1],
      ['z', 0]
    ],
    'pk is the position in the composite key'
  )
  t.deepEqual(pair.foreignKeys, [{ columns: ['x', 'y'], table: 'kv', to: ['a', 'b'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' }])
  t.true(pair.strict)
  t.false(pair.withoutRowid)
})

test('introspection leaves out _lite_migr and SQLite’s own tables', (t) => {
  const db = tempDb()
  exec(db, `CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT); ANALYZE;`)
  unwrap(migrate(db, { dir: tempDir() }))
  t.true(tableNames(db).includes('_lite_migr'))
  t.true(tableNames(db).includes('sqlite_sequence'))
  t.deepEqual(
    live(db).map((x) => x.name),
    ['a']
  )
})

test('the model of schema objects is the model introspection reads back from the table createTable made', (t) => {
  const db = tempDb()
  const s = session(db)
  const parents = table('parents', { id: integer().primaryKey(), code: text().notNull().unique() })
  const items = table(
    'items',
    {
      id: integer().primaryKey(),
      parentId: integer('parent_id')
        .notNull()
        .references(() => parents.id, { onDelete: 'cascade', onUpdate: 'restrict' }),
      label: text().notNull().default("it's"),
      weight: real().default(-2.5),
      done: boolean().notNull().default(false),
      meta: json(iots.unknown),
      data: blob(),
      createdAt: timestamp('created_at').notNull().defaultNow()
    },
    { indexes: [index('items_parent_idx', ['parentId']), uniqueIndex('items_label_idx', ['label', 'parentId'])] }
  )
  const links = table('links', { from: integer(), to: integer(), w: real().notNull() }, { primaryKey: ['from', 'to'], strict: true })
  const words = table('words', { word: text().primaryKey(), n: integer().notNull() }, { withoutRowid: true })
  for (const x of [parents, items, links, words]) unwrap(s.run(createTable(x)))
  const fromDb = new Map(live(db).map((x) => [x.name, shape(x)]))
  for (const x of [parents, items, links, words]) {
    const d = unwrap(declaredTable(x))
    const model: TableModel = {
      name: d.name,
      columns: d.columns,
      foreignKeys: d.foreignKeys,
      indexes: [...d.indexes].sort((a, b) => a.name.localeCompare(b.name)),
      uniques: [...d.uniques].map((u) => [...u].sort()).sort(),
      strict: d.strict,
      withoutRowid: d.withoutRowid
    }
    t.deepEqual(model, fromDb.get(d.name), d.name)
  }
  t.deepEqual(unwrap(planMigration(db, [parents, items, links, words])).operations, [])
})

test('normalizeDefault removes outer parentheses only when they wrap the whole expression', (t) => {
  t.is(normalizeDefault(null), null)
  t.is(normalizeDefault('(1)'), '1')
  t.is(normalizeDefault("((strftime('%s', 'now')))"), "strftime('%s', 'now')")
  t.is(normalizeDefault('(1) + (2)'), '(1) + (2)')
  t.is(normalizeDefault("(')(')"), "')('")
})

test('a faulty schema object is a Left from declaredTable and planMigration, never a throw', (t) => {
  const bad = table('bad', { id: integer().primaryKey(), x: text() }, { primaryKey: ['nope' as 'x'] })
  t.is(unwrapLeft(declaredTable(bad))._tag, 'MigrationError')
  const db = tempDb()
  t.regex(unwrapLeft(planMigration(db, [bad])).message, /bad/)
  t.regex(unwrapLeft(planMigration(db, [users, users])).message, /declares the table users twice/)
})

test('tablesOf collects exported tables (also in a default export or an object), not aliases', (t) => {
  const a = table('a', { id: integer().primaryKey() })
  const b = table('b', { id: integer().primaryKey() })
  const c = table('c', { id: integer().primaryKey() })
  const found = tablesOf({ a, default: { b }, list: [c, a], n: 1, s: 'x', nothing: null })
  t.deepEqual(found.map((x) => unwrap(declaredTable(x)).name).sort(), ['a', 'b', 'c'])
})

// -------------------------------------------------------------------------------------
// each diff kind, written to a file and applied
// -------------------------------------------------------------------------------------

test('create table (from an empty database): CREATE TABLE and its indexes; down drops them', async (t) => {
  const posts = table(
    'posts',
    {
      id: integer().primaryKey(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      title: text().notNull()
    },
    { indexes: [index('posts_user_idx', ['userId'])] }
  )
  const r = applyCase(t, { before: '', tables: [users, posts] })
  t.deepEqual(tags(r.plan), ['CreateTable', 'CreateTable'])
  t.deepEqual(r.plan.warnings, [])
  t.regex(r.text, /--\s+create table users\n--\s+create table posts\n/)
  t.regex(
    r.text,
    /CREATE TABLE "posts" \([\s\S]*REFERENCES "users" \("id"\) ON DELETE CASCADE[\s\S]*\);\nCREATE INDEX "posts_user_idx" ON "posts" \("user_id"\);/
  )
  t.deepEqual(
    live(r.db).map((x) => x.name),
    ['posts', 'users']
  )
  t.deepEqual(live(r.db).find((x) => x.name === 'posts')!.indexes, [{ name: 'posts_user_idx', columns: ['user_id'], unique: false }])
  await downAndUp(t, r)
})

test('drop table: DROP TABLE, with a warning when it holds rows; down recreates it empty', async (t) => {
  const r = applyCase(t, {
    before: `${USERS_SQL} CREATE TABLE old_logs (id INTEGER PRIMARY KEY, line TEXT NOT NULL); CREATE INDEX old_logs_line ON old_logs (line);
             INSERT INTO old_logs (line) VALUES ('a'), ('b'), ('c');`,
    tables: [users]
  })
  t.deepEqual(r.plan.operations, [{ _tag: 'DropTable', table: 'old_logs', rows: 3 }])
  t.deepEqual(r.plan.up, ['DROP TABLE "old_logs"'])
  t.deepEqual(r.plan.warnings, ['drops table old_logs, which holds 3 rows: they are lost (down recreates the table empty)'])
  t.regex(r.text, /-- WARNING: drops table old_logs, which holds 3 rows/)
  t.false(tableNames(r.db).includes('old_logs'))
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  await downAndUp(t, r)
})

test('add column: ALTER TABLE ADD COLUMN (nullable, or NOT NULL with a constant default), rows kept, no rebuild', async (t) => {
  const wider = table('users', {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text(),
    age: integer(),
    nickname: text(),
    score: integer().notNull().default(10)
  })
  const r = applyCase(t, { before: USERS_SQL, tables: [wider] })
  t.deepEqual(r.plan.operations, [
    { _tag: 'AddColumn', table: 'users', column: 'nickname' },
    { _tag: 'AddColumn', table: 'users', column: 'score' }
  ])
  t.true(
    r.plan.up.every((s) => s.startsWith('ALTER TABLE "users" ADD COLUMN')),
    r.plan.up.join('\n')
  )
  t.deepEqual(r.plan.warnings, [])
  t.deepEqual(
    query(r.db, 'SELECT id, name, email, age, nickname, score FROM users ORDER BY id'),
    USERS_ROWS.map((u) => ({ ...u, nickname: null, score: 10 }))
  )
  await downAndUp(t, r)
})

test('rename column: only when confirmed; RENAME COLUMN keeps the values, and an index on it follows', async (t) => {
  const renamed = table(
    'users',
    { id: integer().primaryKey(), fullName: text('full_name').notNull(), email: text(), age: integer() },
    { indexes: [index('users_name_idx', ['fullName'])] }
  )
  const r = applyCase(t, {
    before: `${USERS_SQL} CREATE INDEX users_name_idx ON users (name);`,
    tables: [renamed],
    renames: [{ table: 'users', from: 'name', to: 'full_name' }]
  })
  t.deepEqual(r.plan.up, [
    'DROP INDEX "users_name_idx"',
    'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"',
    'CREATE INDEX "users_name_idx" ON "users" ("full_name")'
  ])
  t.deepEqual(r.plan.down, [
    'DROP INDEX "users_name_idx"',
    'ALTER TABLE "users" RENAME COLUMN "full_name" TO "name"',
    'CREATE INDEX "users_name_idx" ON "users" ("name")'
  ])
  t.is(r.plan.operations.filter((o) => o._tag === 'RenameColumn').length, 1)
  t.deepEqual(r.plan.warnings, [])
  t.deepEqual(
    query(r.db, 'SELECT id, full_name, email, age FROM users ORDER BY id'),
    USERS_ROWS.map(({ name, ...u }) => ({ id: u.id, full_name: name, email: u.email, age: u.age }))
  )
  await downAndUp(t, r)
})

test('rename column: without --rename it is never guessed; the plan drops and adds, and warns about the data', (t) => {
  const db = tempDb()
  exec(db, USERS_SQL)
  const renamed = table('users', { id: integer().primaryKey(), fullName: text('full_name'), email: text(), age: integer() })
  const plan = unwrap(planMigration(db, [renamed]))
  t.false(plan.operations.some((o) => o._tag === 'RenameColumn'))
  t.is(plan.operations.length, 1)
  const op = plan.operations[0]!
  t.true(op._tag === 'RebuildTable' && op.dropped.includes('name') && !op.copy.some((c) => c.from === 'name'))
  t.deepEqual(plan.warnings, ['drops column users.name, which hold data in 2 rows: those values are lost'])
  t.regex(renderSqlMigration('x', plan, new Date()), /-- WARNING: drops column users\.name/)
})

test('a rename that names a missing table or column is a Left saying which', (t) => {
  const db = tempDb()
  exec(db, USERS_SQL)
  const renamed = table('users', { id: integer().primaryKey(), fullName: text('full_name'), email: text(), age: integer() })
  t.regex(unwrapLeft(planMigration(db, [renamed], [{ table: 'nope', from: 'name', to: 'full_name' }])).message, /no table nope/)
  t.regex(
    unwrapLeft(planMigration(db, [renamed], [{ table: 'users', from: 'nick', to: 'full_name' }])).message,
    /database's users has no column nick/
  )
  t.regex(
    unwrapLeft(planMigration(db, [renamed], [{ table: 'users', from: 'name', to: 'fname' }])).message,
    /schema's users has no column fname/
  )
})

/** A rebuild case on the users table: the one operation, its reasons, the rows kept. */
const rebuildCase = (t: ExecutionContext, after: AnyTable, before = USERS_SQL): CaseResult => {
  const r = applyCase(t, { before, tables: [after] })
  t.deepEqual(tags(r.plan), ['RebuildTable'])
  // The 12 steps, less the ones the runner does (foreign keys off, transaction, check).
  t.regex(r.plan.up[0]!, /^CREATE TABLE "_fplite_new_users" \(/)
  t.regex(
    r.plan.up.join('\n'),
    /INSERT INTO "_fplite_new_users" \([^)]*\) SELECT [^\n]* FROM "users"\nDROP TABLE "users"\nALTER TABLE "_fplite_new_users" RENAME TO "users"/
  )
  t.false(tableNames(r.db).includes('_fplite_new_users'))
  return r
}

const reasons = (p: Plan): ReadonlyArray<string> => {
  const op = p.operations[0]
  return op?._tag === 'RebuildTable' ? op.reasons : []
}

test('rebuild for a nullability change (both ways), with a warning for the new NOT NULL', async (t) => {
  const after = table('users', { id: integer().primaryKey(), name: text(), email: text(), age: integer().notNull() })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ['changes column name (becomes nullable)', 'changes column age (becomes NOT NULL)'])
  t.deepEqual(r.plan.warnings, ['users.age becomes NOT NULL: the migration fails if a row of users holds NULL there'])
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  t.true(live(r.db)[0]!.columns.find((c) => c.name === 'age')!.notNull)
  await downAndUp(t, r)
})

test('rebuild for a default change', async (t) => {
  const after = table('users', {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().default('none'),
    age: integer().default(18)
  })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ["changes column email (default none -> 'none')", 'changes column age (default none -> 18)'])
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  exec(r.db, `INSERT INTO users (id, name) VALUES (3, 'Grace')`)
  t.deepEqual(query(r.db, 'SELECT email, age FROM users WHERE id = 3'), [{ email: 'none', age: 18 }])
  exec(r.db, `DELETE FROM users WHERE id = 3`)
  await downAndUp(t, r)
})

test('rebuild for a type change: values converted by the new affinity', async (t) => {
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: real() })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ['changes column age (type INTEGER -> REAL)'])
  t.deepEqual(query(r.db, `SELECT age, typeof(age) AS kind FROM users ORDER BY id`), [
    { age: 36, kind: 'real' },
    { age: 41, kind: 'real' }
  ])
  await downAndUp(t, r)
  t.deepEqual(query(r.db, `SELECT typeof(age) AS kind FROM users ORDER BY id`), [{ kind: 'real' }, { kind: 'real' }])
})

test('rebuild for an added foreign key with ON DELETE CASCADE: it is in force afterwards', (t) => {
  const posts = table('posts', {
    id: integer().primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text().notNull()
  })
  const db = tempDb()
  const dir = tempDir()
  exec(
    db,
    `${USERS_SQL} CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL);
            INSERT INTO posts VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');`
  )
  const plan = unwrap(planMigration(db, [users, posts]))
  t.deepEqual(plan.operations, [
    {
      _tag: 'RebuildTable',
      table: 'posts',
      reasons: ['changes foreign keys'],
      copy: ['id', 'user_id', 'title'].map((c) => ({ from: c, to: c })),
      dropped: []
    }
  ])
  writeMigration(dir, '0001_fk', plan)
  unwrap(migrate(db, { dir }))
  t.deepEqual(unwrap(planMigration(db, [users, posts])).operations, [])
  t.deepEqual(live(db).find((x) => x.name === 'posts')!.foreignKeys, [
    { columns: ['user_id'], table: 'users', to: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }
  ])
  t.is(query(db, 'SELECT count(*) AS n FROM posts')[0]!.n, 3)
  // The constraint is in force: deleting a user cascades (through the library's connection).
  unwrap(session(db).run(raw(sql`DELETE FROM users WHERE id = ${1}`)))
  t.deepEqual(query(db, 'SELECT id FROM posts'), [{ id: 3 }])
})

test('rebuild for an added foreign key fails, and changes nothing, when existing rows violate it', (t) => {
  const posts = table('posts', {
    id: integer().primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    title: text().notNull()
  })
  const db = tempDb()
  const dir = tempDir()
  exec(
    db,
    `${USERS_SQL} CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL);
            INSERT INTO posts VALUES (1, 1, 'a'), (2, 99, 'orphan');`
  )
  const before = shapes(db)
  writeMigration(dir, '0001_fk', unwrap(planMigration(db, [users, posts])))
  const e = unwrapLeft(migrate(db, { dir }))
  t.is(e._tag, 'MigrationError')
  t.regex(e.message, /1 foreign key violation\(s\) \(posts row 2 -> users\); nothing was applied/)
  t.deepEqual(shapes(db), before)
  t.deepEqual(query(db, 'SELECT * FROM _lite_migr'), [])
  t.is(query(db, 'SELECT count(*) AS n FROM posts')[0]!.n, 2)
})

test('rebuild for a dropped column: the other columns kept, a warning about the lost values', async (t) => {
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text() })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ['drops column age'])
  t.deepEqual(r.plan.warnings, ['drops column users.age, which hold data in 2 rows: those values are lost'])
  t.regex(r.text, /-- WARNING: drops column users\.age, which hold data in 2 rows: those values are lost\n/)
  t.deepEqual(
    query(r.db, 'SELECT * FROM users ORDER BY id'),
    USERS_ROWS.map(({ age: _age, ...u }) => u)
  )
  unwrap(await migrateDown(r.db, { dir: r.dir }))
  t.deepEqual(shapes(r.db), r.before)
  t.deepEqual(
    usersRows(r.db),
    USERS_ROWS.map((u) => ({ ...u, age: null })),
    'down brings the column back, empty'
  )
})

test('no warning for a dropped column of an empty table', (t) => {
  const db = tempDb()
  exec(db, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER)`)
  const plan = unwrap(planMigration(db, [table('users', { id: integer().primaryKey(), name: text().notNull(), email: text() })]))
  t.deepEqual(tags(plan), ['RebuildTable'])
  t.deepEqual(plan.warnings, [])
})

test('rebuild for a UNIQUE change: the constraint is in force afterwards', async (t) => {
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text().unique(), age: integer() })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ['changes UNIQUE constraints'])
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  fails(t, () => exec(r.db, `INSERT INTO users (name, email) VALUES ('Copy', 'ada@x.io')`), /UNIQUE constraint failed: users.email/)
  await downAndUp(t, r)
})

test('rebuild for STRICT, both ways', async (t) => {
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer() }, { strict: true })
  const r = rebuildCase(t, after)
  t.deepEqual(reasons(r.plan), ['becomes STRICT'])
  t.true(live(r.db)[0]!.strict)
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  fails(t, () => exec(r.db, `INSERT INTO users (name, age) VALUES ('x', 'not a number')`), /cannot store TEXT value in INTEGER column/)
  await downAndUp(t, r)

  const back = rebuildCase(
    t,
    users,
    `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER) STRICT;
    INSERT INTO users (id, name, email, age) VALUES (1, 'Ada', 'ada@x.io', 36), (2, 'Alan', NULL, 41);`
  )
  t.deepEqual(reasons(back.plan), ['stops being STRICT'])
  t.false(live(back.db)[0]!.strict)
})

test('rebuild for WITHOUT ROWID (a text key), both ways', async (t) => {
  const before = `CREATE TABLE users (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
    INSERT INTO users VALUES ('a', 'Ada'), ('b', 'Alan');`
  const words = table('users', { id: text().primaryKey(), name: text().notNull() }, { withoutRowid: true })
  const r = rebuildCase(t, words, before)
  t.deepEqual(reasons(r.plan), ['becomes WITHOUT ROWID'])
  t.true(live(r.db)[0]!.withoutRowid)
  t.deepEqual(query(r.db, 'SELECT * FROM users ORDER BY id'), [
    { id: 'a', name: 'Ada' },
    { id: 'b', name: 'Alan' }
  ])
  await downAndUp(t, r)
  const back = rebuildCase(
    t,
    table('users', { id: text().primaryKey(), name: text().notNull() }),
    `CREATE TABLE users (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL) WITHOUT ROWID; INSERT INTO users VALUES ('a', 'Ada');`
  )
  t.deepEqual(reasons(back.plan), ['gets a rowid'])
})

test('several changes to one table are one rebuild, with every reason; a confirmed rename inside a rebuild keeps its values', async (t) => {
  const after = table('users', {
    id: integer().primaryKey(),
    fullName: text('full_name').notNull(),
    email: text().notNull().default(''),
    joined: text().notNull().default('2024-01-01')
  })
  const r = applyCase(t, {
    before: USERS_SQL.replace('NULL, 41', "'alan@x.io', 41"),
    tables: [after],
    renames: [{ table: 'users', from: 'name', to: 'full_name' }]
  })
  t.deepEqual(tags(r.plan), ['RebuildTable'])
  t.deepEqual(reasons(r.plan), [
    "changes column email (becomes NOT NULL, default none -> '')",
    'drops column age',
    'adds column joined',
    'renames name to full_name'
  ])
  t.deepEqual(query(r.db, 'SELECT * FROM users ORDER BY id'), [
    { id: 1, full_name: 'Ada', email: 'ada@x.io', joined: '2024-01-01' },
    { id: 2, full_name: 'Alan', email: 'alan@x.io', joined: '2024-01-01' }
  ])
  await downAndUp(t, r)
})

test('a column ALTER cannot add (NOT NULL without default, UNIQUE, defaultNow) is added by a rebuild', (t) => {
  const db = tempDb()
  exec(db, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER)`)
  const base = { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer() }
  const variants: ReadonlyArray<[string, AnyTable]> = [
    ['unique', table('users', { ...base, code: text().unique() })],
    ['defaultNow', table('users', { ...base, at: timestamp().notNull().defaultNow() })],
    ['NOT NULL without default', table('users', { ...base, n: integer().notNull() })]
  ]
  for (const [what, after] of variants) t.deepEqual(tags(unwrap(planMigration(db, [after]))), ['RebuildTable'], what)
})

test('add and drop index, and an index whose columns changed (dropped first, created after)', async (t) => {
  const before = `${USERS_SQL} CREATE INDEX users_email_idx ON users (email); CREATE INDEX users_name_idx ON users (name);`
  const after = table(
    'users',
    { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer() },
    {
      indexes: [index('users_age_idx', ['age']), uniqueIndex('users_name_idx', ['name', 'email'])]
    }
  )
  const r = applyCase(t, { before, tables: [after] })
  t.deepEqual(r.plan.operations, [
    { _tag: 'DropIndex', table: 'users', index: 'users_email_idx' },
    { _tag: 'DropIndex', table: 'users', index: 'users_name_idx' },
    { _tag: 'CreateIndex', table: 'users', index: 'users_age_idx' },
    { _tag: 'CreateIndex', table: 'users', index: 'users_name_idx' }
  ])
  t.deepEqual(r.plan.up, [
    'DROP INDEX "users_email_idx"',
    'DROP INDEX "users_name_idx"',
    'CREATE INDEX "users_age_idx" ON "users" ("age")',
    'CREATE UNIQUE INDEX "users_name_idx" ON "users" ("name", "email")'
  ])
  t.deepEqual(live(r.db)[0]!.indexes, [
    { name: 'users_age_idx', columns: ['age'], unique: false },
    { name: 'users_name_idx', columns: ['name', 'email'], unique: true }
  ])
  t.deepEqual(usersRows(r.db), USERS_ROWS)
  await downAndUp(t, r)
})

test('composite primary key: created, and a rebuild when the key changes', async (t) => {
  const memberships = table(
    'memberships',
    { userId: integer('user_id'), groupId: integer('group_id'), role: text().notNull().default('member') },
    { primaryKey: ['groupId', 'userId'] }
  )
  const created = applyCase(t, { before: '', tables: [memberships] })
  t.deepEqual(tags(created.plan), ['CreateTable'])
  t.regex(created.plan.up[0]!, /PRIMARY KEY \("group_id", "user_id"\)/)
  t.deepEqual(
    live(created.db)[0]!.columns.map((c) => [c.name, c.pk]),
    [
      ['user_id', 2],
      ['group_id', 1],
      ['role', 0]
    ]
  )

  const r = applyCase(t, {
    before: `CREATE TABLE memberships (user_id INTEGER NOT NULL, group_id INTEGER NOT NULL, role TEXT NOT NULL DEFAULT 'member');
             INSERT INTO memberships VALUES (1, 10, 'owner'), (2, 10, 'member'), (1, 20, 'member');`,
    tables: [memberships]
  })
  t.deepEqual(reasons(r.plan), ['changes column user_id (primary key changes)', 'changes column group_id (primary key changes)'])
  t.is(query(r.db, 'SELECT count(*) AS n FROM memberships')[0]!.n, 3)
  fails(t, () => exec(r.db, `INSERT INTO memberships (user_id, group_id) VALUES (1, 10)`), /UNIQUE constraint failed/)
  await downAndUp(t, r)
})

// -------------------------------------------------------------------------------------
// rebuilds and foreign keys
// -------------------------------------------------------------------------------------

const FAMILY_SQL = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER);
  CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, title TEXT NOT NULL);
  CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE, body TEXT NOT NULL);
  CREATE TABLE profiles (user_id INTEGER REFERENCES users (id) ON DELETE SET NULL, bio TEXT);
  INSERT INTO users (id, name, email, age) VALUES (1, 'Ada', 'ada@x.io', 36), (2, 'Alan', NULL, 41);
  INSERT INTO posts VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
  INSERT INTO comments VALUES (1, 1, 'x'), (2, 3, 'y');
  INSERT INTO profiles VALUES (1, 'first'), (2, 'second');`

const familyTables = (parent: AnyTable & { readonly id: typeof users.id }) => {
  const posts = table('posts', {
    id: integer().primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => parent.id, { onDelete: 'cascade' }),
    title: text().notNull()
  })
  const comments = table('comments', {
    id: integer().primaryKey(),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    body: text().notNull()
  })
  const profiles = table('profiles', { userId: integer('user_id').references(() => parent.id, { onDelete: 'set null' }), bio: text() })
  return [parent, posts, comments, profiles]
}

const familyRows = (db: Db) => ({
  posts: query(db, 'SELECT * FROM posts ORDER BY id'),
  comments: query(db, 'SELECT * FROM comments ORDER BY id'),
  profiles: query(db, 'SELECT * FROM profiles ORDER BY rowid')
})

test('rebuilding a parent never fires ON DELETE CASCADE (or SET NULL): the children and grandchildren survive, up and down', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, FAMILY_SQL)
  const rows = familyRows(db)
  const rebuilt = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer().notNull().default(0) })
  const tables = familyTables(rebuilt)
  const plan = unwrap(planMigration(db, tables))
  t.deepEqual(
    plan.operations.map((o) => `${o._tag} ${'table' in o ? o.table : ''}`),
    ['RebuildTable users']
  )
  t.true(plan.up.includes('DROP TABLE "users"'))
  writeMigration(dir, '0001_rebuild_users', plan)

  // The control: the same statements with foreign keys on would have emptied the children.
  const control = tempDb()
  exec(control, FAMILY_SQL)
  exec(control, `PRAGMA foreign_keys = ON; BEGIN; ${plan.up.join(';\n')}; COMMIT;`)
  t.deepEqual(familyRows(control), {
    posts: [],
    comments: [],
    profiles: [
      { user_id: null, bio: 'first' },
      { user_id: null, bio: 'second' }
    ]
  })

  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_rebuild_users'])
  t.deepEqual(familyRows(db), rows, 'no child row was deleted or nulled')
  t.deepEqual(usersRows(db), USERS_ROWS)
  t.deepEqual(query(db, 'PRAGMA foreign_key_check'), [])
  t.deepEqual(unwrap(planMigration(db, tables)).operations, [])

  // Foreign keys are back on in the library's connection: an orphan is refused, a delete cascades.
  const s = session(db)
  t.is(unwrapLeft(s.run(raw(sql`INSERT INTO posts (user_id, title) VALUES (${99}, ${'orphan'})`)))._tag, 'ConstraintError')

  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0001_rebuild_users' })
  t.deepEqual(familyRows(db), rows, 'nor on the way back')
  t.deepEqual(query(db, 'PRAGMA foreign_key_check'), [])

  unwrap(s.run(raw(sql`DELETE FROM users WHERE id = ${2}`)))
  t.deepEqual(
    query(db, 'SELECT id FROM posts ORDER BY id').map((r) => r.id),
    [1, 2]
  )
  t.deepEqual(
    query(db, 'SELECT id FROM comments ORDER BY id').map((r) => r.id),
    [1]
  )
  t.deepEqual(query(db, 'SELECT * FROM profiles ORDER BY rowid'), [
    { user_id: 1, bio: 'first' },
    { user_id: null, bio: 'second' }
  ])
})

test('migrations run with foreign keys off: a statement deleting parents does not cascade, and the check before COMMIT refuses the orphans', (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, FAMILY_SQL)
  fs.writeFileSync(path.join(dir, '0001_delete_ada.sql'), `DELETE FROM users WHERE id = 1;\n`)
  const e = unwrapLeft(migrate(db, { dir }))
  t.regex(e.message, /3 foreign key violation\(s\) \(.*posts row 1 -> users.*\); nothing was applied/)
  t.deepEqual(usersRows(db), USERS_ROWS)
  t.deepEqual(query(db, 'SELECT * FROM _lite_migr'), [])
})

test('migrate inside a transaction is refused (foreign keys cannot be turned off there)', (t) => {
  const db = tempDb()
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, '0001_a.sql'), `CREATE TABLE a (id INTEGER PRIMARY KEY);\n`)
  const r = transaction(db, () => migrate(db, { dir }))
  t.regex(unwrapLeft(r).message, /cannot run inside a transaction/)
  t.false(tableNames(db).includes('a'))
})

// Known gaps, written as the behaviour the issue asks for (see the report).

test('a WITHOUT ROWID table with an INTEGER PRIMARY KEY is in sync right after createTable (its key is NOT NULL there)', (t) => {
  const db = tempDb()
  const counters = table('counters', { id: integer().primaryKey(), n: integer().notNull() }, { withoutRowid: true })
  unwrap(session(db).run(createTable(counters)))
  t.deepEqual(unwrap(planMigration(db, [counters])).operations, [])
})

test('introspection resolves `REFERENCES parent` without columns to the parent’s primary key', (t) => {
  const db = tempDb()
  exec(
    db,
    `CREATE TABLE parent (code TEXT PRIMARY KEY NOT NULL); CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT REFERENCES parent);`
  )
  t.deepEqual(live(db).find((x) => x.name === 'child')!.foreignKeys, [
    { columns: ['code'], table: 'parent', to: ['code'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' }
  ])
})

test('a rebuild keeps the triggers of the table (12-step procedure, step 8)', (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(
    db,
    `${USERS_SQL} CREATE TABLE audit (line TEXT);
    CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES (new.name); END;`
  )
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer().notNull().default(0) })
  writeMigration(dir, '0001_rebuild', unwrap(planMigration(db, [after, table('audit', { line: text() })])))
  unwrap(migrate(db, { dir }))
  t.deepEqual(query(db, `SELECT name FROM sqlite_schema WHERE type = 'trigger'`), [{ name: 'users_audit' }])
})

test('a rebuild works when a view reads the table (12-step procedure: views are dropped and recreated)', (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, `${USERS_SQL} CREATE VIEW adults AS SELECT name FROM users WHERE age >= 18;`)
  const after = table('users', { id: integer().primaryKey(), name: text().notNull(), email: text(), age: integer().notNull().default(0) })
  writeMigration(dir, '0001_rebuild', unwrap(planMigration(db, [after])))
  const r = migrate(db, { dir })
  t.true(E.isRight(r), E.isLeft(r) ? r.left.message : '')
  t.deepEqual(query(db, `SELECT name FROM adults ORDER BY name`), [{ name: 'Ada' }, { name: 'Alan' }])
})

test('a live table whose name differs from the schema’s only in case is the same table to SQLite: the migration applies', (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, `CREATE TABLE Users (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO Users (name) VALUES ('Ada');`)
  const lower = table('users', { id: integer().primaryKey(), name: text().notNull() })
  writeMigration(dir, '0001_case', unwrap(planMigration(db, [lower])))
  const r = migrate(db, { dir })
  t.true(E.isRight(r), E.isLeft(r) ? r.left.message : '')
  t.deepEqual(query(db, 'SELECT name FROM users'), [{ name: 'Ada' }])
})

// -------------------------------------------------------------------------------------
// the runner
// -------------------------------------------------------------------------------------

const write = (dir: string, file: string, text: string): string => {
  fs.writeFileSync(path.join(dir, file), text)
  return path.join(dir, file)
}

test('migrate creates _lite_migr even when nothing is pending; a missing folder is Left MigrationError', (t) => {
  const db = tempDb()
  t.deepEqual(unwrap(migrate(db, { dir: tempDir() })), { applied: [], outOfOrder: [] })
  t.deepEqual(
    query(db, `PRAGMA table_info(_lite_migr)`).map((c) => c.name),
    ['name', 'checksum', 'applied_at']
  )
  const missing = path.join(tempDir(), 'no-such-folder')
  const e = unwrapLeft(migrate(db, { dir: missing }))
  t.is(e._tag, 'MigrationError')
  t.true(e.message.includes(missing))
  t.is(unwrapLeft(migrationStatus(db, { dir: missing }))._tag, 'MigrationError')
  t.regex(unwrapLeft(migrate(db, { dir: write(tempDir(), 'a-file.sql', '') })).message, /is not a folder/)
})

test('pending migrations apply in name order, in one go, and are recorded with their checksum and time', (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(
    dir,
    '0002_posts.sql',
    `CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n-- down\nDROP TABLE posts;\n`
  )
  write(
    dir,
    '0001_users.sql',
    `-- the first one\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('a;b');\n`
  )
  write(dir, 'README.md', 'not a migration')
  write(dir, 'types.d.ts', 'export {}')
  const started = new Date().toISOString()
  t.deepEqual(unwrap(migrate(db, dir)), { applied: ['0001_users', '0002_posts'], outOfOrder: [] })
  const rows = query<{ name: string; checksum: string; applied_at: string }>(db, 'SELECT * FROM _lite_migr ORDER BY name')
  t.deepEqual(
    rows.map((r) => r.name),
    ['0001_users', '0002_posts']
  )
  const files = unwrap(listMigrations(dir))
  t.deepEqual(
    rows.map((r) => r.checksum),
    files.map((f) => f.checksum)
  )
  t.regex(rows[0]!.checksum, /^[0-9a-f]{64}$/)
  t.true(rows.every((r) => r.applied_at >= started && !Number.isNaN(Date.parse(r.applied_at))))
  t.deepEqual(query(db, 'SELECT name FROM users'), [{ name: 'a;b' }])
  t.deepEqual(unwrap(migrate(db, { dir })), { applied: [], outOfOrder: [] }, 'a second run applies nothing')
  const status = unwrap(migrationStatus(db, { dir }))
  t.deepEqual(status.pending, [])
  t.deepEqual(
    status.applied.map((a) => a.name),
    ['0001_users', '0002_posts']
  )
})

test('a migration failing halfway: nothing is applied, the database is unchanged, the failing statement is named', (t) => {
  const db = tempDb()
  const dir = tempDir()
  exec(db, USERS_SQL)
  write(dir, '0001_ok.sql', `CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\nINSERT INTO tags (label) VALUES ('x');\n`)
  write(
    dir,
    '0002_bad.sql',
    `ALTER TABLE users ADD COLUMN nickname TEXT;\nUPDATE users SET nickname = name;\nINSERT INTO nowhere VALUES (1);\nDROP TABLE users;\n`
  )
  const before = shapes(db)
  const e = unwrapLeft(migrate(db, { dir }))
  t.is(e._tag, 'MigrationError')
  t.is(e._tag === 'MigrationError' ? e.migration : undefined, '0002_bad')
  t.regex(e.message, /Migration 0002_bad failed at: INSERT INTO nowhere VALUES \(1\)/)
  t.regex(e.message, /no such table: nowhere/)
  t.regex(e.message, /Nothing was applied/)
  t.deepEqual(shapes(db), before)
  t.deepEqual(usersRows(db), USERS_ROWS)
  t.deepEqual(query(db, 'SELECT * FROM _lite_migr'), [])
  t.deepEqual(unwrap(migrationStatus(db, { dir })).pending, ['0001_ok', '0002_bad'])
  // Fixed, it applies both.
  write(dir, '0002_bad.sql', `ALTER TABLE users ADD COLUMN nickname TEXT;\nUPDATE users SET nickname = name;\n`)
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_ok', '0002_bad'])
  t.deepEqual(query(db, 'SELECT nickname FROM users ORDER BY id'), [{ nickname: 'Ada' }, { nickname: 'Alan' }])
})

test('a migration merged out of order is applied and reported, never skipped', (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '20240101000000_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);')
  write(dir, '20240301000000_c.sql', 'CREATE TABLE c (id INTEGER PRIMARY KEY);')
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['20240101000000_a', '20240301000000_c'])
  write(dir, '20240201000000_b.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);')
  write(dir, '20240401000000_d.sql', 'CREATE TABLE d (id INTEGER PRIMARY KEY);')
  t.deepEqual(unwrap(migrationStatus(db, { dir })).pending, ['20240201000000_b', '20240401000000_d'])
  t.deepEqual(unwrap(migrate(db, { dir })), { applied: ['20240201000000_b', '20240401000000_d'], outOfOrder: ['20240201000000_b'] })
  t.deepEqual(
    tableNames(db).filter((n) => n.length === 1),
    ['a', 'b', 'c', 'd']
  )
})

test('an applied migration whose file was edited: refused (checksum), nothing else applied; status says which', (t) => {
  const db = tempDb()
  const dir = tempDir()
  const first = write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
  unwrap(migrate(db, { dir }))
  fs.appendFileSync(first, 'ALTER TABLE a ADD COLUMN x TEXT;\n')
  write(dir, '0002_b.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n')
  const e = unwrapLeft(migrate(db, { dir }))
  t.is(e._tag, 'MigrationError')
  t.regex(e.message, /Applied migration 0001_a changed after being applied \(checksum mismatch\)/)
  t.false(tableNames(db).includes('b'))
  const status = unwrap(migrationStatus(db, { dir }))
  t.deepEqual(status.edited, ['0001_a'])
  t.deepEqual(status.pending, ['0002_b'])
  // A removed file is reported as missing.
  fs.rmSync(first)
  t.deepEqual(unwrap(migrationStatus(db, { dir })).missing, ['0001_a'])
})

test('migrateDown steps back one migration at a time, running its -- down part; nothing to undo is not an error', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\n')
  write(
    dir,
    '0002_b.sql',
    'CREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE INDEX b_id ON b (id);\n\n  -- DOWN  \nDROP INDEX b_id;\nDROP TABLE b;\n'
  )
  unwrap(migrate(db, { dir }))
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0002_b' })
  t.deepEqual(
    tableNames(db).filter((n) => n.length === 1),
    ['a']
  )
  t.deepEqual(unwrap(migrationStatus(db, { dir })).pending, ['0002_b'])
  t.deepEqual(unwrap(await migrateDown(db, dir)), { reverted: '0001_a' })
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: undefined })
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_a', '0002_b'])
})

test('migrateDown refuses a migration without a -- down part, or whose file is gone, and a failing down part changes nothing', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\nDROP TABLE nope;\n')
  write(dir, '0002_b.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n')
  unwrap(migrate(db, { dir }))
  t.regex(unwrapLeft(await migrateDown(db, { dir })).message, /0002_b has no "-- down" part/)
  fs.rmSync(path.join(dir, '0002_b.sql'))
  t.regex(unwrapLeft(await migrateDown(db, { dir })).message, /0002_b has no file any more/)
  exec(db, `DELETE FROM _lite_migr WHERE name = '0002_b'`)
  const e = unwrapLeft(await migrateDown(db, { dir }))
  t.regex(e.message, /Migration 0001_a failed at: DROP TABLE nope/)
  t.true(tableNames(db).includes('a'))
  t.deepEqual(
    unwrap(migrationStatus(db, { dir })).applied.map((a) => a.name),
    ['0001_a']
  )
})

test('a folder with pending module migrations needs migrateAsync; migrate says so', (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
  write(dir, '0002_b.mjs', "export function up(op) { op.execute('CREATE TABLE b (id INTEGER PRIMARY KEY)') }\n")
  t.regex(unwrapLeft(migrate(db, { dir })).message, /0002_b are modules .*migrateAsync/)
  t.false(tableNames(db).includes('a'), 'nothing applied')
})

// -------------------------------------------------------------------------------------
// module migrations
// -------------------------------------------------------------------------------------

const MODULES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'migrate-modules')

test('module migrations (.ts with up(op)/down(op)) and .sql files apply through migrateAsync in one transaction, and step back', async (t) => {
  const db = tempDb()
  const v2 = await import('./fixtures/migrate-modules/0002_change.js')
  const v1 = await import('./fixtures/migrate-modules/0001_shop.js')
  t.deepEqual(unwrap(await migrateAsync(db, { dir: MODULES })), { applied: ['0001_shop', '0002_change', '0003_cities'], outOfOrder: [] })
  t.deepEqual(unwrap(planMigration(db, [v2.customers, v2.orders])).operations, [], 'the database is the schema of 0002')
  t.deepEqual(query(db, 'SELECT * FROM customers ORDER BY id'), [
    { id: 1, full_name: 'Ada', city: 'London' },
    { id: 2, full_name: 'Alan', city: null }
  ])
  t.deepEqual(query(db, 'SELECT * FROM orders ORDER BY id'), [
    { id: 1, customer_id: 1, total: 10 },
    { id: 2, customer_id: 1, total: 20 },
    { id: 3, customer_id: 2, total: 30 }
  ])
  t.deepEqual(
    query(db, 'SELECT name FROM _lite_migr ORDER BY name').map((r) => r.name),
    ['0001_shop', '0002_change', '0003_cities']
  )
  t.deepEqual(unwrap(await migrateAsync(db, MODULES)), { applied: [], outOfOrder: [] })

  t.deepEqual(unwrap(await migrateDown(db, { dir: MODULES })), { reverted: '0003_cities' })
  t.deepEqual(unwrap(await migrateDown(db, { dir: MODULES })), { reverted: '0002_change' })
  t.deepEqual(unwrap(planMigration(db, [v1.customers, v1.orders])).operations, [], 'down(op) brought back the schema of 0001')
  t.is(query(db, 'SELECT count(*) AS n FROM orders')[0]!.n, 3)
  t.deepEqual(unwrap(await migrateDown(db, { dir: MODULES })), { reverted: '0001_shop' })
  t.deepEqual(live(db), [])
  t.deepEqual(unwrap(migrationStatus(db, { dir: MODULES })).pending, ['0001_shop', '0002_change', '0003_cities'])
})

/** A temp folder where a migration module may `import ... from 'fp-lite-orm'` (the package, linked). */
const moduleDir = (): string => {
  const dir = tempDir()
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n')
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(path.resolve(MODULES, '..', '..', '..'), path.join(dir, 'node_modules', 'fp-lite-orm'), 'dir')
  fs.mkdirSync(path.join(dir, 'migrations'))
  return path.join(dir, 'migrations')
}

test('a .js module importing the package, in a folder of its own, applies through migrateAsync', async (t) => {
  const db = tempDb()
  const dir = moduleDir()
  write(
    dir,
    '0001_notes.js',
    `import { table, integer, text } from 'fp-lite-orm'
export const notes = table('notes', { id: integer().primaryKey(), body: text().notNull().default('') })
export const up = (op) => { op.createTable(notes); op.execute("INSERT INTO notes (body) VALUES ('hello')") }
export const down = (op) => op.dropTable('notes')
`
  )
  t.deepEqual(unwrap(await migrateAsync(db, { dir })).applied, ['0001_notes'])
  t.deepEqual(query(db, 'SELECT * FROM notes'), [{ id: 1, body: 'hello' }])
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0001_notes' })
  t.false(tableNames(db).includes('notes'))
})

test('module migrations that fail: a throw, a failing statement, a Promise, no up, a file that does not load: nothing applied', async (t) => {
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    [
      'throws',
      `export function up(op) { op.execute('CREATE TABLE x (id INTEGER)'); throw new Error('boom') }`,
      /Migration 0002_throws threw in up\(op\): boom; nothing was applied/
    ],
    [
      'bad_sql',
      `export function up(op) { op.execute('CREATE TABLE x (id INTEGER)'); op.execute('INSERT INTO nowhere VALUES (1)') }`,
      /Migration 0002_bad_sql failed at: INSERT INTO nowhere VALUES \(1\)/
    ],
    ['async', `export async function up(op) { op.execute('CREATE TABLE x (id INTEGER)') }`, /up\(op\) must be synchronous/],
    ['no_up', `export function down(op) {}`, /0002_no_up\.mjs exports no up\(op\) function/],
    ['syntax', `export function up(op) {`, /0002_syntax\.mjs could not be loaded/],
    ['bad_op', `export function up(op) { op.addColumn({}, 'x') }`, /Migration 0002_bad_op threw in up\(op\)/],
    [
      'bad_name',
      `export function up(op) { op.execute('CREATE TABLE x (id INTEGER)'); op.dropTable('') }`,
      /^Migration 0002_bad_name threw in up\(op\): Cannot name "" in SQL: invalid identifier "": an identifier must be a non-empty string; nothing was applied/
    ],
    [
      'long_name',
      `export function up(op) { op.renameColumn('a', 'id', 'x'.repeat(256)) }`,
      /Cannot name "x{256}" in SQL: .*at most 255 characters/
    ]
  ]
  for (const [name, source, message] of cases) {
    const db = tempDb()
    const dir = tempDir()
    write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
    write(dir, `0002_${name}.mjs`, `${source}\n`)
    const e = unwrapLeft(await migrateAsync(db, { dir }))
    t.is(e._tag, 'MigrationError', name)
    t.regex(e.message, message, name)
    t.deepEqual(
      tableNames(db).filter((n) => n !== '_lite_migr'),
      [],
      `${name}: nothing applied`
    )
  }
})

test('a module default-exporting { up, down } works too', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(
    dir,
    '0001_a.mjs',
    `export default { up: (op) => op.execute('CREATE TABLE a (id INTEGER PRIMARY KEY)'), down: (op) => op.dropTable('a') }\n`
  )
  t.deepEqual(unwrap(await migrateAsync(db, { dir })).applied, ['0001_a'])
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0001_a' })
  t.false(tableNames(db).includes('a'))
})

// -------------------------------------------------------------------------------------
// migration files
// -------------------------------------------------------------------------------------

test('splitStatements splits at ; outside quotes, comments and trigger bodies, and drops comment-only pieces', (t) => {
  const sqlText = `-- a comment; with a semicolon
CREATE TABLE "a;b" (x TEXT DEFAULT 'it''s; fine', [y;z] INTEGER, \`w;\` TEXT);
/* a block; comment */
INSERT INTO "a;b" (x) VALUES ('1;2'); -- trailing; comment
CREATE TRIGGER t AFTER INSERT ON "a;b" BEGIN
  UPDATE "a;b" SET x = CASE WHEN new.x = 'a' THEN 'b;' ELSE 'c' END WHERE rowid = new.rowid;
  DELETE FROM "a;b" WHERE x IS NULL;
END;
-- only a comment at the end;
`
  const parts = splitStatements(sqlText)
  t.is(parts.length, 3, parts.join('\n----\n'))
  t.true(parts[0]!.endsWith('`w;` TEXT)'))
  t.is(parts[1], `/* a block; comment */\nINSERT INTO "a;b" (x) VALUES ('1;2')`)
  t.regex(parts[2]!, /^-- trailing; comment\nCREATE TRIGGER t[\s\S]*END$/)
  // Each piece runs as it is.
  const db = tempDb()
  for (const p of parts) exec(db, p)
  exec(db, `INSERT INTO "a;b" (x) VALUES ('a')`)
  t.deepEqual(query(db, `SELECT x FROM "a;b" ORDER BY rowid`), [{ x: '1;2' }, { x: 'b;' }])
  t.deepEqual(splitStatements('  \n-- nothing\n;;'), [])
})

test('parseSqlMigration splits at the -- down line (any case, CRLF too); without one there is no down part', (t) => {
  t.deepEqual(parseSqlMigration('CREATE TABLE a (x);\r\n-- Down\r\nDROP TABLE a;\r\n'), {
    up: ['CREATE TABLE a (x)'],
    down: ['DROP TABLE a']
  })
  t.deepEqual(parseSqlMigration('CREATE TABLE a (x);\nCREATE TABLE b (x);'), {
    up: ['CREATE TABLE a (x)', 'CREATE TABLE b (x)'],
    down: undefined
  })
  t.deepEqual(parseSqlMigration('CREATE TABLE a (x); -- down the line\n--down\n'), { up: ['CREATE TABLE a (x)'], down: [] })
})

test('a generated migration file reads well and parses back into the plan’s statements', (t) => {
  const db = tempDb()
  exec(db, `${USERS_SQL} CREATE TABLE gone (id INTEGER PRIMARY KEY); INSERT INTO gone VALUES (1);`)
  const after = table(
    'users',
    { id: integer().primaryKey(), name: text().notNull(), email: text().unique() },
    { indexes: [index('users_name_idx', ['name'])] }
  )
  const plan = unwrap(planMigration(db, [after]))
  const body = renderSqlMigration('20240501120000_tidy', plan, new Date('2024-05-01T12:00:00.000Z'))
  const lines = body.split('\n')
  t.is(lines[0], '-- Migration 20240501120000_tidy, generated by fp-lite-orm on 2024-05-01T12:00:00.000Z from the schema.')
  t.is(lines[1], '--   rebuild table users: drops column age; changes UNIQUE constraints')
  t.is(lines[2], '--   drop table gone (1 row)')
  t.is(lines[3], '--')
  t.is(lines[4], '-- WARNING: drops column users.age, which hold data in 2 rows: those values are lost')
  t.is(lines[5], '-- WARNING: drops table gone, which holds 1 row: they are lost (down recreates the table empty)')
  // The header comments ride along with the first statement, which runs as it is.
  const parsed = parseSqlMigration(body)
  const withoutComments = (x: string) => x.replace(/^(--[^\n]*\n|\s*\n)*/, '')
  t.deepEqual({ up: parsed.up.map(withoutComments), down: parsed.down }, { up: [...plan.up], down: [...plan.down] })
})

test('file names: timestampName is UTC to the second; slug makes a name safe', (t) => {
  t.is(timestampName(new Date('2024-05-01T02:03:04.567Z')), '20240501020304')
  t.is(slug('  Add users & posts!  '), 'add_users_posts')
  t.is(slug('---'), '')
})

test('listMigrations: .sql/.ts/.js/.mjs files in name order with checksums; two files of one name are a Left', (t) => {
  const dir = tempDir()
  write(dir, '0002_b.ts', 'export function up() {}')
  write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER);\n-- down\nDROP TABLE a;')
  write(dir, '0003_c.mjs', 'export function up(op) {}')
  write(dir, 'notes.txt', 'x')
  write(dir, 'x.d.ts', 'export {}')
  const files = unwrap(listMigrations(dir))
  t.deepEqual(
    files.map((f) => [f.name, f.kind]),
    [
      ['0001_a', 'sql'],
      ['0002_b', 'module'],
      ['0003_c', 'module']
    ]
  )
  t.deepEqual(files[0]!.up, ['CREATE TABLE a (id INTEGER)'])
  t.deepEqual(files[0]!.down, ['DROP TABLE a'])
  t.not(files[1]!.checksum, files[2]!.checksum)
  write(dir, '0001_a.js', 'export function up() {}')
  t.regex(unwrapLeft(listMigrations(dir)).message, /Two migrations are named 0001_a \(0001_a\.js and 0001_a\.sql\)/)
})

test('diff is pure: the same models give the same plan, and an empty schema drops every table', (t) => {
  const db = tempDb()
  exec(db, USERS_SQL)
  const l = live(db)
  const d = [unwrap(declaredTable(users))]
  t.deepEqual(unwrap(diff(d, l)), { operations: [], up: [], down: [], warnings: [] })
  const dropAll = unwrap(diff([], l))
  t.deepEqual(dropAll.operations, [{ _tag: 'DropTable', table: 'users', rows: 2 }])
  t.deepEqual(dropAll.down, [l[0]!.sql])
})

// -------------------------------------------------------------------------------------
// transaction control inside migrations
// -------------------------------------------------------------------------------------

test('a .sql migration with BEGIN, COMMIT, END or ROLLBACK is refused before anything runs, naming the file and the line', async (t) => {
  const cases: ReadonlyArray<[string, string, number]> = [
    ['COMMIT;', 'COMMIT', 3],
    ['commit transaction;', 'COMMIT', 3],
    ['END;', 'END', 3],
    ['  end   TRANSACTION ;', 'END', 3],
    ['BEGIN;', 'BEGIN', 3],
    ['BEGIN IMMEDIATE TRANSACTION;', 'BEGIN', 3],
    ['/* a comment first */ ROLLBACK;', 'ROLLBACK', 3],
    ['-- a comment line\nROLLBACK TRANSACTION;', 'ROLLBACK', 4]
  ]
  for (const [statement, keyword, line] of cases) {
    const db = tempDb()
    const dir = tempDir()
    write(dir, '0001_ok.sql', 'CREATE TABLE ok (id INTEGER PRIMARY KEY);\n')
    // The issue's case: COMMIT, then a failure. It once left `a` committed and unrecorded, and said "Nothing was applied".
    const file = write(
      dir,
      '0002_tx.sql',
      `CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\n${statement}\nINSERT INTO nowhere VALUES (1);\n`
    )
    const e = unwrapLeft(migrate(db, { dir }))
    t.is(e._tag, 'MigrationError', statement)
    t.is(e._tag === 'MigrationError' ? e.migration : undefined, '0002_tx', statement)
    t.true(
      e.message.includes(`Migration 0002_tx (${file}, line ${line}): ${keyword} would end the migration's transaction`),
      `${statement}: ${e.message}`
    )
    t.regex(e.message, /Nothing was applied/, statement)
    t.deepEqual(tableNames(db), [], `${statement}: nothing ran, not even 0001_ok (nor the CREATE of _lite_migr)`)
    const viaAsync = unwrapLeft(await migrateAsync(db, { dir }))
    t.is(viaAsync.message, e.message, `${statement}: migrateAsync refuses it the same way`)
  }
  // Fixed, the folder applies once.
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_tx.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\nCOMMIT;\n')
  t.regex(unwrapLeft(migrate(db, { dir })).message, /line 2\): COMMIT/)
  write(dir, '0001_tx.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\n')
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_tx'])
  t.deepEqual(query(db, 'SELECT id FROM a'), [{ id: 1 }])
})

test('the -- down part is held to the same rule: migrateDown refuses a COMMIT there, naming the line, and undoes nothing', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\nCOMMIT;\n')
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_a'])
  const e = unwrapLeft(await migrateDown(db, { dir }))
  t.regex(e.message, /Migration 0001_a \(.*0001_a\.sql, line 4, in its -- down part\): COMMIT would end the migration's transaction/)
  t.true(tableNames(db).includes('a'))
  t.deepEqual(unwrap(migrationStatus(db, { dir })).pending, [])
})

test('BEGIN, COMMIT, END and ROLLBACK inside strings, quoted names, comments and trigger bodies, and SAVEPOINT / RELEASE / ROLLBACK TO, all work', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(
    dir,
    '0001_words.sql',
    `-- COMMIT; in a comment is only a comment
/* BEGIN; ROLLBACK; END; */
CREATE TABLE log (msg TEXT, "commit" TEXT, [end] TEXT);
INSERT INTO log (msg) VALUES ('BEGIN; COMMIT; END; ROLLBACK;');
CREATE TRIGGER log_ai AFTER INSERT ON log BEGIN
  UPDATE log SET "commit" = CASE WHEN new.msg = 'z' THEN 'END' ELSE 'begin' END WHERE rowid = new.rowid;
END;
SAVEPOINT sp;
INSERT INTO log (msg) VALUES ('rolled back to the savepoint');
ROLLBACK TO sp;
ROLLBACK TRANSACTION TO SAVEPOINT sp;
INSERT INTO log (msg) VALUES ('z');
RELEASE sp;
CREATE TABLE "BEGIN" (x TEXT);
INSERT INTO "BEGIN" (x) VALUES ('COMMIT');
-- down
DROP TABLE "BEGIN";
DROP TABLE log;
`
  )
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_words'])
  t.deepEqual(query(db, 'SELECT msg, "commit" AS c FROM log ORDER BY rowid'), [
    { msg: 'BEGIN; COMMIT; END; ROLLBACK;', c: null },
    { msg: 'z', c: 'END' }
  ])
  t.deepEqual(query(db, `SELECT name FROM sqlite_schema WHERE type = 'trigger'`), [{ name: 'log_ai' }])
  // A module may put the same words in op.execute.
  write(
    dir,
    '0002_module.mjs',
    `export function up(op) {
  op.execute("CREATE TRIGGER log_bi BEFORE INSERT ON log BEGIN SELECT CASE WHEN new.msg = 'END' THEN RAISE(ABORT, 'no END; please') END; END")
  op.execute("SAVEPOINT s; INSERT INTO log (msg) VALUES ('COMMIT'); RELEASE s")
}
export function down(op) { op.execute('DROP TRIGGER log_bi') }
`
  )
  t.deepEqual(unwrap(await migrateAsync(db, { dir })).applied, ['0002_module'])
  t.deepEqual(query(db, `SELECT count(*) AS n FROM log WHERE msg = 'COMMIT'`), [{ n: 1 }])
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0002_module' })
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0001_words' })
  t.deepEqual(
    tableNames(db).filter((n) => n !== '_lite_migr'),
    []
  )
})

test('a module migration whose op.execute holds COMMIT or BEGIN is refused (the file named, and the line of its SQL); nothing applied', async (t) => {
  for (const [sqlText, keyword] of [
    ['INSERT INTO a VALUES (1);\\nCOMMIT', 'COMMIT'],
    ['BEGIN TRANSACTION', 'BEGIN'],
    ['end', 'END'],
    ['ROLLBACK', 'ROLLBACK']
  ] as const) {
    const db = tempDb()
    const dir = tempDir()
    write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
    const file = write(dir, '0002_m.mjs', `export function up(op) { op.execute('INSERT INTO a VALUES (2)'); op.execute("${sqlText}") }\n`)
    const e = unwrapLeft(await migrateAsync(db, { dir }))
    t.is(e._tag === 'MigrationError' ? e.migration : undefined, '0002_m', sqlText)
    t.true(e.message.startsWith(`Migration 0002_m (${file}): the SQL given to op.execute holds ${keyword} (its line `), e.message)
    t.regex(e.message, /Nothing was applied/)
    t.deepEqual(
      tableNames(db).filter((n) => n !== '_lite_migr'),
      [],
      sqlText
    )
  }
})

/** A module migration that ends the runner's transaction behind its back: `statement` on the same connection. */
const sideChannel = (dbFile: string, statement: 'COMMIT' | 'ROLLBACK'): string => `
import { connect, raw, session, sql } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)}
export function up(op) {
  op.execute('CREATE TABLE b (id INTEGER PRIMARY KEY)')
  op.execute('INSERT INTO b VALUES (1)')
  const r = session(connect(${JSON.stringify(dbFile)})).run(raw(sql\`${statement}\`))
  if (r._tag !== 'Right') throw new Error('the side channel failed: ' + JSON.stringify(r.left))
  op.execute('CREATE TABLE c (id INTEGER PRIMARY KEY)')
}
`

test('a transaction ended behind the runner’s back (COMMIT on the same connection) is detected: the Left says exactly what is committed, nothing more runs', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_first.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
  write(dir, '0002_commits.mjs', sideChannel(db.file, 'COMMIT'))
  write(dir, '0003_later.sql', 'CREATE TABLE d (id INTEGER PRIMARY KEY);\n')
  const e = unwrapLeft(await migrateAsync(db, { dir }))
  t.is(e._tag, 'MigrationError')
  t.is(e._tag === 'MigrationError' ? e.migration : undefined, '0002_commits')
  t.regex(
    e.message,
    /^Migration 0002_commits ended the migration's transaction \(before this statement, outside the runner\), and what ran before that point is COMMITTED: /
  )
  t.regex(e.message, /migrations? 0001_first \(applied and recorded in _lite_migr\)/)
  t.regex(
    e.message,
    /2 statements of 0002_commits, which is NOT recorded \(running it again would apply them twice\):\n {2}1\. CREATE TABLE b \(id INTEGER PRIMARY KEY\)\n {2}2\. INSERT INTO b VALUES \(1\)\n/
  )
  t.regex(e.message, /Nothing after it ran, and foreign keys were not checked/)
  // Exactly that is in the database: 0001 and its record, 0002's first two statements; not c, not 0003.
  t.deepEqual(tableNames(db), ['_lite_migr', 'a', 'b'])
  t.deepEqual(query(db, 'SELECT id FROM b'), [{ id: 1 }])
  t.deepEqual(
    query<{ name: string }>(db, 'SELECT name FROM _lite_migr').map((r) => r.name),
    ['0001_first']
  )
  // The handle is usable afterwards: foreign keys back on, no transaction left open.
  t.deepEqual(session(db).run(pipe(raw(sql`PRAGMA foreign_keys`), all)), E.right([{ foreign_keys: 1 }]))
  t.deepEqual(session(db).run(pipe(raw(sql`SELECT count(*) AS n FROM b`), all)), E.right([{ n: 1 }]))
})

test('a transaction rolled back behind the runner’s back is detected too: the Left says nothing was applied', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  write(dir, '0001_first.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n')
  write(dir, '0002_rolls_back.mjs', sideChannel(db.file, 'ROLLBACK'))
  const e = unwrapLeft(await migrateAsync(db, { dir }))
  t.regex(
    e.message,
    /^Migration 0002_rolls_back ended the migration's transaction \(.*\) with a rollback: everything this run did is undone, nothing was applied or recorded/
  )
  t.deepEqual(tableNames(db), ['_lite_migr'])
  t.deepEqual(query(db, 'SELECT * FROM _lite_migr'), [])
})

// -------------------------------------------------------------------------------------
// another connection holding the write lock
// -------------------------------------------------------------------------------------

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface ChildProcess {
  /** Resolves with the first line of stdout `pred` accepts (rejects after `ms`, or if the child ends first). */
  readonly line: (pred: (l: string) => boolean, ms: number) => Promise<string>
  readonly send: (text: string) => void
  readonly exited: Promise<number | null>
}

/** A child process running a spec fixture through tsx, killed when the test ends. */
const child = (t: ExecutionContext, script: string, args: ReadonlyArray<string>): ChildProcess => {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=fp-lite-orm-source', script, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe']
  })
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  const lines: string[] = []
  let stderr = ''
  let ended = false
  const waiters = new Set<() => void>()
  let partial = ''
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    waiters.forEach((w) => w())
  })
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((resolve) =>
    proc.once('close', (code) => {
      ended = true
      waiters.forEach((w) => w())
      resolve(code)
    })
  )
  const line = (pred: (l: string) => boolean, ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no matching line within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`)),
        ms
      )
      const done = (e: Error | undefined, l?: string) => {
        clearTimeout(timer)
        waiters.delete(check)
        if (e === undefined) resolve(l!)
        else reject(e)
      }
      const check = () => {
        const l = lines.find(pred)
        if (l !== undefined) done(undefined, l)
        else if (ended) done(new Error(`the child ended; stdout: ${lines.join(' | ')}; stderr: ${stderr}`))
      }
      waiters.add(check)
      check()
    })
  return { line, send: (text) => proc.stdin.write(text), exited }
}

const HOLDER = 'spec/fixtures/migrate-lock-holder.ts'

// Serial: a synchronous migrate blocks this process's event loop, and a concurrent test's
// wait would shift when this one sees the holder's lines.

test.serial(
  'migrate waits for another connection’s write lock within busyWaitMs: released in time, the migration applies once',
  async (t) => {
    t.timeout(60_000)
    const db = tempDb({ busyTimeoutMs: 100 })
    const dir = tempDir()
    write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\n')
    exec(db, 'CREATE TABLE warm (x)') // the file exists, in WAL mode, before the holder opens it
    const holder = child(t, HOLDER, [db.file, '1500'])
    await holder.line((l) => l === 'locked', 30_000)
    const started = Date.now()
    const r = migrate(db, { dir, busyWaitMs: 10_000 })
    const waited = Date.now() - started
    t.deepEqual(r, E.right({ applied: ['0001_a'], outOfOrder: [] }))
    t.log(`waited ${waited} ms for a lock held 1500 ms`)
    t.true(waited >= 300, `it waited for the lock (${waited} ms), longer than the connection's busy timeout of 100 ms`)
    t.is(await holder.exited, 0)
    t.deepEqual(query(db, 'SELECT id FROM a'), [{ id: 1 }])
    t.deepEqual(
      query<{ name: string }>(db, 'SELECT name FROM _lite_migr').map((r) => r.name),
      ['0001_a']
    )
  }
)

test.serial(
  'migrate, migrateAsync and migrateDown give a Left BusyError (never a throw) when the lock outlives busyWaitMs; nothing is applied',
  async (t) => {
    t.timeout(60_000)
    const db = tempDb({ busyTimeoutMs: 100 })
    const dir = tempDir()
    write(dir, '0001_a.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- down\nDROP TABLE a;\n')
    t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_a'])
    write(dir, '0002_b.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n')
    const holder = child(t, HOLDER, [db.file, '20000'])
    await holder.line((l) => l === 'locked', 30_000)
    const runs: ReadonlyArray<[string, () => Promise<E.Either<unknown, unknown>> | E.Either<unknown, unknown>]> = [
      ['migrate', () => migrate(db, { dir, busyWaitMs: 400 })],
      ['migrateAsync', () => migrateAsync(db, { dir, busyWaitMs: 400 })],
      ['migrateDown', () => migrateDown(db, { dir, busyWaitMs: 400 })]
    ]
    for (const [what, run] of runs) {
      const started = Date.now()
      let r: E.Either<unknown, unknown> | undefined
      await t.notThrowsAsync(async () => {
        r = await run()
      }, what)
      const waited = Date.now() - started
      const e = unwrapLeft(r!) as { _tag: string; message: string }
      t.is(e._tag, 'BusyError', what)
      t.regex(e.message, /held the database's write lock for longer than busyWaitMs \(400 ms\), so no migration was applied/, what)
      t.true(waited >= 350 && waited < 5_000, `${what} waited ${waited} ms: about busyWaitMs`)
    }
    t.false(tableNames(db).includes('b'))
    t.true(tableNames(db).includes('a'))
    t.deepEqual(
      query<{ name: string }>(db, 'SELECT name FROM _lite_migr').map((r) => r.name),
      ['0001_a']
    )
    t.is(unwrapLeft(migrate(db, { dir, busyWaitMs: -1 }))._tag, 'ValidationError')
  }
)

/**
 * Two processes started together on one database and one folder; `recorded`: whether
 * `_lite_migr` exists already (as after an earlier start-up: both then read what is
 * pending without waiting for each other, and race for the write lock with it).
 */
const twoProcesses = async (t: ExecutionContext, recorded: boolean): Promise<void> => {
  const file = path.join(tempDir(), 'shared.db')
  const dir = tempDir()
  write(dir, '0001_items.sql', 'CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n')
  // Long enough (300k rows) that the second process arrives while the first holds the lock.
  write(
    dir,
    '0002_fill.sql',
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) INSERT INTO items (n) SELECT x FROM c;\n'
  )
  write(dir, '0003_index.sql', 'CREATE INDEX items_n ON items (n);\n')
  if (recorded) {
    const setup = connect(file)
    t.deepEqual(migrate(setup, { dir: tempDir() }), E.right({ applied: [], outOfOrder: [] }))
    release(setup)
  }
  const children = [child(t, 'spec/fixtures/migrate-child.ts', [file, dir]), child(t, 'spec/fixtures/migrate-child.ts', [file, dir])]
  await Promise.all(children.map((c) => c.line((l) => l === 'ready', 30_000)))
  children.forEach((c) => c.send('go\n'))
  const results = await Promise.all(
    children.map(async (c) => JSON.parse((await c.line((l) => l.startsWith('done '), 45_000)).slice(5)) as { result: unknown; ms: number })
  )
  t.log(results.map((r) => `${JSON.stringify(r.result)} in ${r.ms} ms`).join('\n'))
  const applied = results.map((r) => unwrap(r.result as E.Either<unknown, { applied: string[] }>).applied)
  t.deepEqual([...applied.flat()].sort(), ['0001_items', '0002_fill', '0003_index'], 'every migration applied by exactly one of them')
  const raw = new Database(file, { readonly: true })
  try {
    t.deepEqual(raw.prepare('SELECT count(*) AS n, count(DISTINCT n) AS d FROM items').get(), { n: 300000, d: 300000 })
    t.deepEqual(
      (raw.prepare('SELECT name FROM _lite_migr ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name),
      ['0001_items', '0002_fill', '0003_index']
    )
  } finally {
    raw.close()
  }
  t.deepEqual(await Promise.all(children.map((c) => c.exited)), [0, 0])
}

test.serial(
  'two processes migrating the same database at once (records table there): each migration applied exactly once, both succeed',
  async (t) => {
    t.timeout(60_000)
    await twoProcesses(t, true)
  }
)

test.serial('two processes migrating a brand-new database at once: each migration applied exactly once, both succeed', async (t) => {
  t.timeout(60_000)
  await twoProcesses(t, false)
})

test('a table whose name is 255 characters long is rebuilt (its temporary name is shortened) and rebuilt back', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  const name = `${'long'.repeat(63)}end` // 255 characters
  t.is(name.length, 255)
  exec(db, `CREATE TABLE "${name}" (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO "${name}" VALUES (1, 'x');`)
  const after = table(name, { id: integer().primaryKey(), a: text().notNull().default('') })
  const plan = unwrap(planMigration(db, [after]))
  t.deepEqual(
    plan.operations.map((o) => o._tag),
    ['RebuildTable']
  )
  writeMigration(dir, '0001_rebuild', plan)
  t.deepEqual(unwrap(migrate(db, { dir })).applied, ['0001_rebuild'])
  t.deepEqual(query(db, `SELECT id, a FROM "${name}"`), [{ id: 1, a: 'x' }])
  t.deepEqual(unwrap(planMigration(db, [after])).operations, [])
  t.deepEqual(unwrap(await migrateDown(db, { dir })), { reverted: '0001_rebuild' })
  t.deepEqual(
    live(db)
      .find((l) => l.name === name)
      ?.columns.map((c) => [c.name, c.notNull]),
    [
      ['id', false],
      ['a', false]
    ]
  )
})

test('a live table whose name the quoting function refuses (over 255 characters, made by raw SQL) is a clear Left from planMigration and from op.rebuildTable', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  const long = 'y'.repeat(300)
  exec(db, `CREATE TABLE "${long}" (id INTEGER PRIMARY KEY); CREATE TABLE x (id INTEGER PRIMARY KEY);`)
  const x = table('x', { id: integer().primaryKey(), a: text().notNull().default('') })
  t.regex(unwrapLeft(planMigration(db, [x])).message, /^Cannot name "y{300}" in SQL: .*at most 255 characters/)
  write(
    dir,
    '0001_rebuild.mjs',
    `import { integer, table, text } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)}
export const up = (op) => op.rebuildTable(table('x', { id: integer().primaryKey(), a: text().notNull().default('') }))
`
  )
  const e = unwrapLeft(await migrateAsync(db, { dir }))
  t.regex(
    e.message,
    /^Migration 0001_rebuild threw in up\(op\): Cannot name "y{300}" in SQL: .*at most 255 characters; nothing was applied/
  )
})
