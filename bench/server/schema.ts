/**
 * The server benchmark's database: one table of items, seeded, and its slow report.
 */
import Database from 'better-sqlite3'
import { integer, real, table, text } from '../../src/index.js'
import { prng } from '../generate.js'

export const items = table('items', {
  id: integer().primaryKey(),
  grp: integer().notNull(),
  price: real().notNull(),
  name: text().notNull()
})

/**
 * A report: every item against the items of its group with a lower price (a self join with
 * no index to use), summed per group. Its cost grows with ITEMS^2 / GROUPS; the sizes below
 * put it at 60-130 ms on a 2-core machine.
 */
export const REPORT_SQL =
  'SELECT a.grp AS grp, count(*) AS n, sum(a.price - b.price) AS spread FROM items a JOIN items b ON b.grp = a.grp AND b.price < a.price WHERE a.id <= 3400 AND b.id <= 3400 GROUP BY a.grp ORDER BY a.grp'

/** Creates the database with `rows` items (seeded: every run gets the same file). */
export const createItems = (file: string, rows: number, seed = 42): void => {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, price REAL NOT NULL, name TEXT NOT NULL)')
  const next = prng(seed)
  const ins = db.prepare('INSERT INTO items (id, grp, price, name) VALUES (?, ?, ?, ?)')
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) ins.run(i, Math.floor(next() * 20), Math.round(next() * 100_000) / 100, `item ${i}`)
  })()
  db.close()
}
