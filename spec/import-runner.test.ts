/**
 * examples/import-orders.ts end to end, as a child process (node with tsx, the way it is
 * run) on a real database file: a whole import in batches with its progress lines; a bad
 * row in the middle of a batch, which stops the run naming the line and the reason and
 * leaves the database exactly as the previous batch left it; the resumed run after the
 * row is fixed; a file whose committed part changed; and --dry-run, which writes nothing.
 * Expected rows come from the CSV and lookups through better-sqlite3 directly.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { connect, createTable, session } from '../src/index.js'
import { release } from '../src/conn/registry.js'
import { customers, importProgress, orders, products } from '../examples/import-orders.js'
import { tempDir } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SCRIPT = path.join(root, 'examples', 'import-orders.ts')

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const runImport = (...args: ReadonlyArray<string>): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=fp-lite-orm-source', SCRIPT, ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

/** A shop database with two customers and three products (the tables through the library, the rows through SQL). */
const shop = (): string => {
  const file = path.join(tempDir(), 'shop.db')
  const db = connect(file)
  const s = session(db)
  for (const t of [customers, products, orders, importProgress]) if (E.isLeft(s.run(createTable(t)))) throw new Error('set-up')
  release(db)
  const raw = new Database(file)
  raw.exec(`INSERT INTO customers (id, name, email) VALUES (1, 'Ada', 'ada@x.io'), (2, 'Alan', 'alan@x.io');
            INSERT INTO products (id, sku, name, price) VALUES (10, 'TEA', 'Tea', 4.5), (11, 'MUG', 'Mug', 9), (12, 'POT', 'Pot', 20);`)
  raw.close()
  return file
}

const HEADER = 'customer_email,sku,quantity,unit_price,placed_at,status'
const ROWS = [
  'ada@x.io,TEA,2,4.5,2024-01-01T10:00:00.000Z,paid',
  'alan@x.io,MUG,1,9,2024-01-02T10:00:00.000Z,',
  'ada@x.io,POT,1,19.5,2024-01-03T10:00:00.000Z,shipped',
  'alan@x.io,TEA,3,4.5,2024-01-04T10:00:00.000Z,paid',
  'ada@x.io,MUG,4,8.75,2024-01-05T10:00:00.000Z,paid',
  '"alan@x.io",POT,1,20,2024-01-06T10:00:00.000Z,"refunded, in part"',
  'ada@x.io,TEA,5,4,2024-01-07T10:00:00.000Z,paid'
]

const csv = (rows: ReadonlyArray<string>): string => `${[HEADER, ...rows].join('\n')}\n`

/** The orders rows a CSV should give, looked up with SQL of our own (not through the library). */
const expectedOrders = (file: string, rows: ReadonlyArray<string>): Array<Record<string, unknown>> => {
  const raw = new Database(file, { readonly: true })
  try {
    return rows.map((line, i) => {
      const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''))
      const [email, sku, quantity, unitPrice, placedAt, status] = cells
      const c = raw.prepare('SELECT id FROM customers WHERE email = ?').get(email) as { id: number }
      const p = raw.prepare('SELECT id FROM products WHERE sku = ?').get(sku) as { id: number }
      return {
        id: i + 1,
        customer_id: c.id,
        product_id: p.id,
        quantity: Number(quantity),
        unit_price: Number(unitPrice),
        status: status === '' ? 'paid' : status,
        details: null,
        placed_at: placedAt
      }
    })
  } finally {
    raw.close()
  }
}

const dump = (file: string, sql: string): unknown[] => {
  const raw = new Database(file, { readonly: true })
  try {
    return raw.prepare(sql).all()
  } finally {
    raw.close()
  }
}
const ordersOf = (file: string): unknown[] => dump(file, 'SELECT * FROM orders ORDER BY id')
const progressOf = (file: string): unknown[] => dump(file, 'SELECT source, line, rows FROM import_progress')

const writeCsv = (rows: ReadonlyArray<string>): string => {
  const file = path.join(tempDir(), 'orders.csv')
  fs.writeFileSync(file, csv(rows))
  return file
}

test('a whole file in batches: every row imported as the CSV says, one progress line per batch, the last line recorded; a second run imports nothing', async (t) => {
  t.timeout(180_000)
  const db = shop()
  const file = writeCsv(ROWS)
  const r = await runImport(file, db, '--batch', '3')
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^Imported 7 row\(s\) in 3 batch\(es\)\.\n$/)
  const progress = r.stderr.trim().split('\n')
  t.is(progress.length, 3, r.stderr)
  t.deepEqual(
    progress.map((l) => /^imported (\d+)\/7 rows, \d+ rows\/s, \d+\.\d s left$/.exec(l)?.[1]),
    ['3', '6', '7']
  )
  t.deepEqual(ordersOf(db), expectedOrders(db, ROWS))
  t.deepEqual(progressOf(db), [{ source: file, line: 8, rows: 7 }])

  const again = await runImport(file, db, '--batch', '3')
  t.is(again.code, 0, again.stderr)
  t.regex(again.stdout, /^Imported 0 row\(s\) in 0 batch\(es\), resuming after 7 row\(s\) committed earlier\.\n$/)
  t.deepEqual(ordersOf(db), expectedOrders(db, ROWS), 'nothing twice')
})

test('a bad row mid-batch: exit 1 naming the line and the reason, the database exactly as the batch before left it; fixed, the run resumes after the last committed batch', async (t) => {
  t.timeout(180_000)
  const db = shop()
  // Line 6 of the file (the 5th row) is the middle of the second batch (lines 5 to 7).
  const broken = ROWS.map((row, i) => (i === 4 ? row.replace(',MUG,', ',NOPE,') : row))
  const file = writeCsv(broken)
  const r = await runImport(file, db, '--batch', '3')
  t.is(r.code, 1)
  t.regex(r.stderr, new RegExp(`stopped at line 6 of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no product with SKU "NOPE"`))
  t.regex(r.stderr, /That batch was rolled back/)
  // As after the first batch, and nothing of the second (line 5 was written, then rolled back).
  t.deepEqual(ordersOf(db), expectedOrders(db, ROWS.slice(0, 3)))
  t.deepEqual(progressOf(db), [{ source: file, line: 4, rows: 3 }])
  t.deepEqual(dump(db, 'PRAGMA foreign_key_check'), [])

  // Other bad rows, each reported by line and reason (a fresh database each time: nothing committed).
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['ada@x.io,TEA,two,4.5,2024-01-01T10:00:00.000Z,paid', /line 2 .*: quantity must be a positive whole number, got "two"/],
    ['ada@x.io,TEA,1,4.5,yesterday,paid', /line 2 .*: placed_at must be an ISO date, got "yesterday"/],
    ['nobody@x.io,TEA,1,4.5,2024-01-01T10:00:00.000Z,paid', /line 2 .*: no customer with email "nobody@x\.io"/],
    ['ada@x.io,TEA,1,4.5', /line 2 .*: 4 fields, the header has 6/]
  ]
  for (const [row, message] of cases) {
    const other = shop()
    const bad = await runImport(writeCsv([row]), other)
    t.is(bad.code, 1, row)
    t.regex(bad.stderr, message)
    t.deepEqual(ordersOf(other), [], row)
  }

  // Fixed: the run skips the committed rows and imports the rest.
  fs.writeFileSync(file, csv(ROWS))
  const resumed = await runImport(file, db, '--batch', '3')
  t.is(resumed.code, 0, resumed.stderr)
  t.regex(resumed.stdout, /^Imported 4 row\(s\) in 2 batch\(es\), resuming after 3 row\(s\) committed earlier\.\n$/)
  t.deepEqual(ordersOf(db), expectedOrders(db, ROWS))
  t.deepEqual(progressOf(db), [{ source: file, line: 8, rows: 7 }])

  // A file whose committed part changed is refused, not imported twice or half.
  fs.writeFileSync(file, csv(['ada@x.io,TEA,9,4.5,2024-01-01T10:00:00.000Z,paid', ...ROWS.slice(1)]))
  const changed = await runImport(file, db, '--batch', '3')
  t.is(changed.code, 1)
  t.regex(changed.stderr, /the file changed at or before line 8/)
  t.deepEqual(ordersOf(db), expectedOrders(db, ROWS))
})

test('--dry-run checks every row and writes nothing (a bad row is still reported by line)', async (t) => {
  t.timeout(180_000)
  const db = shop()
  const before = [ordersOf(db), progressOf(db)]
  const ok = await runImport(writeCsv(ROWS), db, '--dry-run', '--batch', '2')
  t.is(ok.code, 0, ok.stderr)
  t.regex(ok.stdout, /^Dry run: checked 7 row\(s\) in 4 batch\(es\)\.\n$/)
  t.regex(ok.stderr, /^checked 2\/7 rows/)
  t.deepEqual([ordersOf(db), progressOf(db)], before)
  const bad = await runImport(writeCsv([...ROWS.slice(0, 6), 'ada@x.io,TEA,0,4,2024-01-07T10:00:00.000Z,paid']), db, '--dry-run')
  t.is(bad.code, 1)
  t.regex(bad.stderr, /stopped at line 8 .*: quantity must be a positive whole number, got "0"\nDry run: nothing was written\./)
  t.deepEqual([ordersOf(db), progressOf(db)], before)
})
