/**
 * Triggers in the schema: trigger(name, { timing, event, on, when, body }) with bodies of
 * query values or sql templates, newOf/oldOf, createTrigger/dropTrigger; checked against
 * the same trigger written by hand on another file; migrations create, recreate and drop
 * them and keep them across a rebuild of their table.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Db } from '../src/index.js'
import {
  createTable,
  createTrigger,
  deleteFrom,
  dropTrigger,
  eq,
  filter,
  insert,
  integer,
  newOf,
  oldOf,
  placeholder,
  planMigration,
  session,
  set,
  sql,
  table,
  text,
  toSQL,
  trigger,
  update
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'
import { roundTrip } from './helpers/roundtrip.js'

const rawAll = (file: string, q: string): unknown[] => {
  const d = new Database(file, { readonly: true })
  try {
    return d.prepare(q).all()
  } finally {
    d.close()
  }
}
const rawExec = (file: string, q: string): string | undefined => {
  const d = new Database(file)
  try {
    d.exec(q)
    return undefined
  } catch (e) {
    return (e as Error).message
  } finally {
    d.close()
  }
}

const stock = table('stock', { id: integer().primaryKey(), sku: text().notNull(), qty: integer().notNull() })
const audit = table('audit', { id: integer().primaryKey(), sku: text().notNull(), delta: integer().notNull(), note: text().notNull() })

const onInsert = trigger('stock_ins', {
  timing: 'after',
  event: 'insert',
  on: stock,
  body: [insert(audit, { sku: newOf(stock.sku), delta: newOf(stock.qty), note: "it's new" })]
})
const onQty = trigger('stock_qty', {
  timing: 'after',
  event: { update: [stock.qty] },
  on: stock,
  when: sql`${newOf(stock.qty)} <> ${oldOf(stock.qty)}`,
  body: [insert(audit, { sku: newOf(stock.sku), delta: sql<number>`${newOf(stock.qty)} - ${oldOf(stock.qty)}`, note: 'qty' })]
})
const noDelete = trigger('stock_keep', {
  timing: 'before',
  event: 'delete',
  on: stock,
  when: sql`${oldOf(stock.qty)} > 0`,
  body: [sql`SELECT RAISE(ABORT, 'stock left: cannot delete')`]
})

const handWritten = `
CREATE TABLE stock (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER NOT NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, delta INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TRIGGER stock_ins AFTER INSERT ON stock BEGIN INSERT INTO audit (sku, delta, note) VALUES (NEW.sku, NEW.qty, 'it''s new'); END;
CREATE TRIGGER stock_qty AFTER UPDATE OF qty ON stock WHEN NEW.qty <> OLD.qty BEGIN INSERT INTO audit (sku, delta, note) VALUES (NEW.sku, NEW.qty - OLD.qty, 'qty'); END;
CREATE TRIGGER stock_keep BEFORE DELETE ON stock WHEN OLD.qty > 0 BEGIN SELECT RAISE(ABORT, 'stock left: cannot delete'); END;
`
const writes = `
INSERT INTO stock (sku, qty) VALUES ('a', 5), ('b', 0);
UPDATE stock SET qty = 7 WHERE sku = 'a';
UPDATE stock SET qty = 7 WHERE sku = 'a';
UPDATE stock SET sku = 'bb' WHERE sku = 'b';
DELETE FROM stock WHERE sku = 'bb';
`

const ours = (): Db => {
  const db = tempDb()
  const s = session(db)
  for (const q of [createTable(stock), createTable(audit), createTrigger(onInsert), createTrigger(onQty), createTrigger(noDelete)])
    unwrap(s.run(q))
  return db
}

test('triggers fire as the same triggers written by hand do (insert, update of a column with WHEN, a RAISE before delete)', (t) => {
  const db = ours()
  const ref = tempDb()
  t.is(rawExec(ref.file, handWritten), undefined)
  t.is(rawExec(db.file, writes), undefined)
  t.is(rawExec(ref.file, writes), undefined)
  const q = 'SELECT sku, delta, note FROM audit ORDER BY id'
  t.deepEqual(rawAll(db.file, q), rawAll(ref.file, q))
  t.deepEqual(rawAll(db.file, q), [
    { sku: 'a', delta: 5, note: "it's new" },
    { sku: 'b', delta: 0, note: "it's new" },
    { sku: 'a', delta: 2, note: 'qty' }
  ])
  // Through a session: the RAISE is a Left naming the trigger's message.
  const s = session(db)
  const e = unwrapLeft(s.run(pipe(deleteFrom(stock), filter(eq(stock.sku, 'a')))))
  t.regex(e.message, /stock left: cannot delete/)
  unwrap(s.run(pipe(update(stock), set({ qty: 0 }), filter(eq(stock.sku, 'a')))))
  unwrap(s.run(pipe(deleteFrom(stock), filter(eq(stock.sku, 'a')))))
  unwrap(s.run(dropTrigger(onInsert)))
  t.deepEqual(rawAll(db.file, `SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name`), [
    { name: 'stock_keep' },
    { name: 'stock_qty' }
  ])
})

test('a bad trigger is a Left, never a throw: placeholder in the body, unknown timing or event, empty body', (t) => {
  const withPlaceholder = trigger('t1', {
    timing: 'after',
    event: 'insert',
    on: stock,
    body: [insert(audit, { sku: placeholder('x'), delta: 1, note: '' })]
  })
  t.regex(unwrapLeft(toSQL(createTrigger(withPlaceholder))).message, /placeholder cannot stand in a trigger/)
  const badTiming = trigger('t2', { timing: 'during' as never, event: 'insert', on: stock, body: [sql`SELECT 1`] })
  t.regex(unwrapLeft(toSQL(createTrigger(badTiming))).message, /unknown timing "during"/)
  const badEvent = trigger('t3', { timing: 'after', event: { update: [] }, on: stock, body: [sql`SELECT 1`] })
  t.regex(unwrapLeft(toSQL(createTrigger(badEvent))).message, /event must be/)
  t.true(E.isLeft(planMigration(tempDb(), [stock, audit, badTiming])))
})

test('migrations: a trigger is created, recreated when it changes, kept across a rebuild of its table, and undone by down', async (t) => {
  const stock2 = table('stock', { id: integer().primaryKey(), sku: text().notNull(), qty: integer().notNull(), bin: text() }, {})
  const stock3 = table('stock', { id: integer().primaryKey(), sku: text(), qty: integer().notNull() })
  const onQty2 = trigger('stock_qty', {
    timing: 'after',
    event: { update: [stock.qty] },
    on: stock,
    body: [insert(audit, { sku: newOf(stock.sku), delta: newOf(stock.qty), note: 'qty2' })]
  })
  const r = roundTrip(t, [stock, audit, onInsert, onQty], [stock2, audit, onInsert, onQty2])
  t.deepEqual(
    r.operations.map((o) => o._tag),
    ['AddColumn', 'DropTrigger', 'CreateTrigger']
  )
  t.is(rawExec(r.db.file, `INSERT INTO stock (sku, qty) VALUES ('z', 1); UPDATE stock SET qty = 3`), undefined)
  t.deepEqual(rawAll(r.db.file, 'SELECT note FROM audit ORDER BY id'), [{ note: "it's new" }, { note: 'qty2' }])
  await r.back()
  // A rebuild of the table (sku becomes nullable) keeps both triggers; check is clean.
  const r2 = roundTrip(t, [stock, audit, onInsert, onQty], [stock3, audit, onInsert, onQty])
  t.deepEqual(
    r2.operations.map((o) => o._tag),
    ['RebuildTable']
  )
  t.deepEqual(rawAll(r2.db.file, `SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name`), [
    { name: 'stock_ins' },
    { name: 'stock_qty' }
  ])
  t.is(rawExec(r2.db.file, `INSERT INTO stock (sku, qty) VALUES (NULL, 1)`), 'NOT NULL constraint failed: audit.sku')
  await r2.back()
  // Dropped from the schema: dropped from the database (while the schema still declares a trigger).
  const plan = unwrap(planMigration(r2.db, [stock, audit, onInsert]))
  t.deepEqual(plan.operations, [{ _tag: 'DropTrigger', trigger: 'stock_qty' }])
})
