/**
 * `excludedAll(table)` in an upsert sets every column but the key from the conflicting row,
 * and leaves generated columns to SQLite (setting one is refused). Checked against the same
 * upsert written by hand through better-sqlite3 on a twin database.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import {
  asc,
  createTable,
  excludedAll,
  generated,
  insert,
  integer,
  onConflictDoUpdate,
  orderBy,
  real,
  select,
  all,
  sql,
  table,
  text
} from '../src/index.js'
import { freshDb } from './fixtures/db.js'
import { tempDbPath } from './helpers/db.js'

const items = table(
  'items',
  { id: integer().primaryKey(), sku: text().notNull().unique(), price: real().notNull(), qty: integer().notNull() },
  { generated: (c) => ({ total: generated(sql<number>`${c.price} * ${c.qty}`, { stored: true, kind: 'real' }) }) }
)

const DDL = `CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, price REAL NOT NULL, qty INTEGER NOT NULL,
  total REAL GENERATED ALWAYS AS (price * qty) STORED)`

const rows = [
  { sku: 'a', price: 2.5, qty: 4 },
  { sku: 'b', price: 1, qty: 1 },
  { sku: 'a', price: 3, qty: 10 },
  { sku: 'c', price: 0.5, qty: 2 },
  { sku: 'b', price: 7, qty: 3 }
]

test('excludedAll leaves generated columns to SQLite: the upsert runs, and reads what the same upsert by hand reads', (t) => {
  const { s } = freshDb()
  const created = s.run(createTable(items))
  t.true(E.isRight(created), JSON.stringify(created))
  const set = excludedAll(items)
  t.deepEqual(Object.keys(set).sort(), ['price', 'qty', 'sku'], 'neither the key nor the generated column is set')
  for (const row of rows) {
    const r = s.run(pipe(insert(items, row), onConflictDoUpdate({ target: items.sku, set: excludedAll(items) })))
    t.true(E.isRight(r), JSON.stringify(r))
  }
  const ours = s.run(pipe(select(items), orderBy(asc(items.id)), all))

  const by = new Database(tempDbPath())
  by.exec(DDL)
  const upsert = by.prepare(
    'INSERT INTO items (sku, price, qty) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET sku = excluded.sku, price = excluded.price, qty = excluded.qty'
  )
  for (const row of rows) upsert.run(row.sku, row.price, row.qty)
  const theirs = by.prepare('SELECT id, sku, price, qty, total FROM items ORDER BY id').all()
  by.close()
  t.deepEqual(ours, E.right(theirs))
})
