/**
 * RENAME COLUMN and what reads the column: SQLite rewrites the text of views and triggers
 * that name it. Declared views and triggers are dropped before the rename and created from
 * the schema after it (up), and the old ones restored after the rename back (down), so
 * `check` is clean on both sides and they keep working. A view the schema does not declare
 * is SQLite's to rewrite, and stays working. Checked with SQL by hand through better-sqlite3.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import type { Rename } from '../src/index.js'
import {
  columns,
  filter,
  gt,
  insert,
  integer,
  migrate,
  migrateDown,
  newOf,
  planMigration,
  select,
  table,
  text,
  trigger,
  view
} from '../src/index.js'
import { renderSqlMigration } from '../src/migrate/files.js'
import type { SchemaItem } from '../src/migrate/plan.js'
import { tempDb, tempDir, unwrap } from './helpers/db.js'

const log = table('log', { id: integer().primaryKey(), v: text() })

/** The schema with the customers' name column stored as `col`. */
const schema = (col: string, withTrigger = true): SchemaItem[] => {
  const c = table('customers', { id: integer().primaryKey(), name: text(col).notNull(), age: integer() })
  const adults = view('adults', pipe(select(c), columns({ id: c.id, name: c.name }), filter(gt(c.age, 17))))
  const onInsert = trigger('customers_log', { timing: 'after', event: 'insert', on: c, body: [insert(log, { v: newOf(c.name) })] })
  return withTrigger ? [c, log, adults, onInsert] : [c, log, adults]
}

const byHand = (file: string, q: string, ...params: unknown[]): unknown[] => {
  const d = new Database(file)
  try {
    const s = d.prepare(q)
    return s.reader ? s.all(...params) : [s.run(...params).changes]
  } finally {
    d.close()
  }
}

const apply = (dir: string, name: string, db: ReturnType<typeof tempDb>, items: SchemaItem[], renames: Rename[] = []) => {
  const plan = unwrap(planMigration(db, items, renames))
  fs.writeFileSync(path.join(dir, `${name}.sql`), renderSqlMigration(name, plan, new Date('2024-05-01T12:00:00Z')))
  unwrap(migrate(db, { dir }))
  return plan
}

test('a column a declared view and trigger read is renamed: check is clean after up and after down, and both still work', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  apply(dir, '0001_v1', db, schema('name'))
  byHand(db.file, 'INSERT INTO customers (name, age) VALUES (?, ?), (?, ?)', 'Ann', 30, 'Kid', 9)
  const renames: Rename[] = [{ table: 'customers', from: 'name', to: 'full_name' }]
  const plan = apply(dir, '0002_v2', db, schema('full_name'), renames)
  t.true(plan.operations.some((o) => o._tag === 'RenameColumn'))
  t.false(plan.operations.some((o) => o._tag === 'RebuildTable'))
  t.deepEqual(unwrap(planMigration(db, schema('full_name'))).operations, [], 'check is clean after the rename')
  // The view reads the renamed column; the trigger writes it.
  t.deepEqual(
    byHand(db.file, 'SELECT id, name FROM adults ORDER BY id'),
    byHand(db.file, 'SELECT id, full_name AS name FROM customers WHERE age > 17 ORDER BY id')
  )
  byHand(db.file, 'INSERT INTO customers (full_name, age) VALUES (?, ?)', 'Bea', 40)
  t.deepEqual(byHand(db.file, 'SELECT v FROM log ORDER BY id'), [{ v: 'Ann' }, { v: 'Kid' }, { v: 'Bea' }])

  t.is(unwrap(await migrateDown(db, { dir })).reverted, '0002_v2')
  t.deepEqual(unwrap(planMigration(db, schema('name'))).operations, [], 'check is clean after down')
  t.deepEqual(byHand(db.file, 'SELECT name FROM adults ORDER BY id'), [{ name: 'Ann' }, { name: 'Bea' }])
  byHand(db.file, 'INSERT INTO customers (name, age) VALUES (?, ?)', 'Cy', 50)
  t.deepEqual(byHand(db.file, 'SELECT v FROM log ORDER BY id DESC LIMIT 1'), [{ v: 'Cy' }])
})

test('a column renamed inside a table rebuild: the declared trigger and view come back from the schema, up and down', async (t) => {
  const db = tempDb()
  const dir = tempDir()
  apply(dir, '0001_v1', db, schema('name'))
  byHand(db.file, 'INSERT INTO customers (name, age) VALUES (?, ?)', 'Ann', 30)
  // The rename plus a new NOT NULL column without default forces a rebuild.
  const c2 = table('customers', {
    id: integer().primaryKey(),
    name: text('full_name').notNull(),
    age: integer(),
    tier: integer().notNull().default(1)
  })
  const v2: SchemaItem[] = [
    c2,
    log,
    view('adults', pipe(select(c2), columns({ id: c2.id, name: c2.name }), filter(gt(c2.age, 17)))),
    trigger('customers_log', { timing: 'after', event: 'insert', on: c2, body: [insert(log, { v: newOf(c2.name) })] })
  ]
  const renames: Rename[] = [{ table: 'customers', from: 'name', to: 'full_name' }]
  unwrap(planMigration(db, v2, renames))
  apply(dir, '0002_v2', db, v2, renames)
  t.deepEqual(unwrap(planMigration(db, v2)).operations, [])
  byHand(db.file, 'INSERT INTO customers (full_name, age) VALUES (?, ?)', 'Bea', 40)
  t.deepEqual(byHand(db.file, 'SELECT name FROM adults ORDER BY id'), [{ name: 'Ann' }, { name: 'Bea' }])
  t.deepEqual(byHand(db.file, 'SELECT v FROM log ORDER BY id'), [{ v: 'Ann' }, { v: 'Bea' }])
  t.is(unwrap(await migrateDown(db, { dir })).reverted, '0002_v2')
  t.deepEqual(unwrap(planMigration(db, schema('name'))).operations, [])
})

test('a view the schema does not declare is rewritten by SQLite and keeps working; check stays clean', (t) => {
  const db = tempDb()
  const dir = tempDir()
  const c1 = table('customers', { id: integer().primaryKey(), name: text().notNull() })
  apply(dir, '0001_v1', db, [c1])
  byHand(db.file, 'CREATE VIEW names AS SELECT name FROM customers')
  byHand(db.file, 'INSERT INTO customers (name) VALUES (?)', 'Ann')
  const c2 = table('customers', { id: integer().primaryKey(), name: text('full_name').notNull() })
  apply(dir, '0002_v2', db, [c2], [{ table: 'customers', from: 'name', to: 'full_name' }])
  t.deepEqual(unwrap(planMigration(db, [c2])).operations, [])
  // SQLite's rewrite names the view's column after the new name, as the table's own SELECT would.
  t.deepEqual(byHand(db.file, 'SELECT * FROM names'), byHand(db.file, 'SELECT full_name FROM customers'))
  t.deepEqual(byHand(db.file, 'SELECT * FROM names'), [{ full_name: 'Ann' }])
})
