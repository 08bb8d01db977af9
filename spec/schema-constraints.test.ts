/**
 * CHECK constraints (column and table, named, typed or `sql`), DEFAULT from an expression,
 * COLLATE on columns and in ordering, generated columns and partial/expression/ordered
 * indexes: DDL checked against SQLite itself on real files (raw better-sqlite3 writes and
 * reads as the reference), errors, and migrations that round-trip each of them.
 */
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { ConstraintError, Insert, SetValues } from '../src/index.js'
import {
  asc,
  check,
  collate,
  createTable,
  desc,
  eq,
  filter,
  generated,
  gt,
  gte,
  index,
  insert,
  integer,
  isNotNull,
  lower,
  lte,
  orderBy,
  placeholder,
  planMigration,
  real,
  select,
  session,
  set,
  sql,
  table,
  text,
  toSQL,
  uniqueIndex,
  update,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'
import { roundTrip } from './helpers/roundtrip.js'

/** Reads through a connection of its own: the reference for what SQLite holds. */
const rawAll = (file: string, q: string, ...params: unknown[]): unknown[] => {
  const d = new Database(file, { readonly: true })
  try {
    return d.prepare(q).all(...params)
  } finally {
    d.close()
  }
}

const rawRun = (file: string, q: string, ...params: unknown[]): string | undefined => {
  const d = new Database(file)
  try {
    d.prepare(q).run(...params)
    return undefined
  } catch (e) {
    return (e as Error).message
  } finally {
    d.close()
  }
}

// -------------------------------------------------------------------------------------
// CHECK
// -------------------------------------------------------------------------------------

const accounts = table(
  'accounts',
  {
    id: integer().primaryKey(),
    owner: text()
      .notNull()
      .check((o) => sql`length(${o}) > 0`, 'owner_not_empty'),
    balance: integer()
      .notNull()
      .check((b) => gte(b, 0), 'balance_not_negative'),
    low: integer().notNull(),
    high: integer().notNull(),
    note: text().check((n) => sql`${n} <> ${"it's"}`)
  },
  { checks: (c) => [check('low_le_high', lte(c.low, c.high))] }
)

test('CHECK: column and table checks are enforced by SQLite, a failing insert and update name the check', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(accounts)))
  t.deepEqual(s.run(insert(accounts, { owner: 'ann', balance: 5, low: 1, high: 2 })), E.right({ changes: 1, lastInsertRowid: 1 }))

  const cases: Array<[Insert<typeof accounts>, string]> = [
    [{ owner: 'bob', balance: -1, low: 1, high: 2 }, 'balance_not_negative'],
    [{ owner: '', balance: 1, low: 1, high: 2 }, 'owner_not_empty'],
    [{ owner: 'bob', balance: 1, low: 3, high: 2 }, 'low_le_high']
  ]
  for (const [row, name] of cases) {
    const e = unwrapLeft(s.run(insert(accounts, row))) as ConstraintError
    t.is(e._tag, 'ConstraintError')
    t.is(e.kind, 'check')
    t.regex(e.message, new RegExp(name))
    // The reference: the same row written by hand is refused by SQLite, naming the same check.
    t.regex(
      rawRun(db.file, `INSERT INTO accounts (owner, balance, low, high) VALUES (?, ?, ?, ?)`, row.owner, row.balance, row.low, row.high) ??
        '',
      new RegExp(name)
    )
  }
  const upd = unwrapLeft(s.run(pipe(update(accounts), set({ balance: -10 }), filter(eq(accounts.id, 1))))) as ConstraintError
  t.is(upd.kind, 'check')
  t.regex(upd.message, /balance_not_negative/)
  // The literal with a quote is written escaped into the DDL, and holds.
  t.is(unwrapLeft(s.run(insert(accounts, { owner: 'x', balance: 0, low: 0, high: 0, note: "it's" })))._tag, 'ConstraintError')
  t.deepEqual(rawAll(db.file, 'SELECT owner, balance FROM accounts'), [{ owner: 'ann', balance: 5 }])
})

test('CHECK: a placeholder, a column of another table or a subquery in DDL is a Left before any SQL, naming where', (t) => {
  const other = table('other', { id: integer().primaryKey() })
  const withPlaceholder = table('p1', { n: integer().check((n) => gt(n, placeholder('min'))) })
  const withForeign = table('p2', { n: integer() }, { checks: () => [check('c', gt(other.id, 0))] })
  const withSub = table('p3', { n: integer() }, { checks: (c) => [check('c', sql`${c.n} IN ${select(other)}`)] })
  t.regex(unwrapLeft(toSQL(createTable(withPlaceholder))).message, /check .*p1\.n.*placeholder\("min"\) cannot stand in DDL/)
  t.regex(unwrapLeft(toSQL(createTable(withForeign))).message, /check c of p2: it reads other\.id, a column of another table/)
  t.regex(unwrapLeft(toSQL(createTable(withSub))).message, /subquery/)
})

// -------------------------------------------------------------------------------------
// DEFAULT from an expression, COLLATE
// -------------------------------------------------------------------------------------

test('DEFAULT from an expression: SQLite computes it for rows that leave the column out (by hand and through insert)', (t) => {
  const tickets = table('tickets', {
    id: integer().primaryKey(),
    code: text()
      .notNull()
      .defaultExpr(sql`'T-' || hex(randomblob(4))`),
    year: integer()
      .notNull()
      .defaultExpr(sql`CAST(strftime('%Y', 'now') AS INTEGER)`)
  })
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(tickets)))
  unwrap(s.run(insert(tickets, [{}, { code: 'mine' }])))
  t.is(rawRun(db.file, 'INSERT INTO tickets DEFAULT VALUES'), undefined)
  const rows = rawAll(db.file, 'SELECT code, year FROM tickets ORDER BY id') as Array<{ code: string; year: number }>
  t.is(rows.length, 3)
  t.regex(rows[0]!.code, /^T-[0-9A-F]{8}$/)
  t.is(rows[1]!.code, 'mine')
  t.regex(rows[2]!.code, /^T-[0-9A-F]{8}$/)
  t.true(rows.every((r) => r.year === new Date().getUTCFullYear()))
  const readsColumn = table('d', { a: integer(), b: integer().defaultExpr(sql`1`) })
  const bad = table('d2', { a: integer(), b: integer().defaultExpr(readsColumn.a) })
  t.regex(unwrapLeft(toSQL(createTable(bad))).message, /default of d2\.b: it reads the column d\.a, and a DEFAULT may read no column/)
})

test('COLLATE on a column: comparisons and ordering follow it, like SQLite by hand; collate() orders by another', (t) => {
  const tags = table('tags', { id: integer().primaryKey(), label: text().notNull().collate('NOCASE'), code: text().collate('RTRIM') })
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(tags)))
  unwrap(s.run(insert(tags, [{ label: 'b', code: 'x  ' }, { label: 'A' }, { label: 'a' }, { label: 'B' }])))
  const ours = unwrap(s.run(pipe(select(tags), filter(eq(tags.label, 'a')), orderBy(tags.id), values(tags.id))))
  t.deepEqual(
    ours,
    (rawAll(db.file, `SELECT id FROM tags WHERE label = 'a' ORDER BY id`) as Array<{ id: number }>).map((r) => r.id)
  )
  t.deepEqual(ours, [2, 3])
  t.deepEqual(unwrap(s.run(pipe(select(tags), filter(eq(tags.code, 'x')), values(tags.id)))), [1])
  const binary = unwrap(s.run(pipe(select(tags), orderBy(asc(collate(tags.label, 'BINARY')), asc(tags.id)), values(tags.label))))
  t.deepEqual(
    binary,
    (rawAll(db.file, 'SELECT label FROM tags ORDER BY label COLLATE BINARY, id') as Array<{ label: string }>).map((r) => r.label)
  )
  t.deepEqual(binary, ['A', 'B', 'a', 'b'])
  const bad = unwrapLeft(toSQL(pipe(select(tags), orderBy(asc(collate(tags.label, 'NO CASE; DROP'))), values(tags.id))))
  t.regex(bad.message, /not a collation name/)
  t.regex(unwrapLeft(toSQL(createTable(table('c', { a: text().collate('x y') })))).message, /not a collation name/)
})

// -------------------------------------------------------------------------------------
// generated columns
// -------------------------------------------------------------------------------------

const items = table(
  'items',
  { id: integer().primaryKey(), name: text().notNull(), price: real().notNull(), qty: integer().notNull() },
  {
    generated: (c) => ({
      total: generated(sql<number>`${c.price} * ${c.qty}`, { stored: true, kind: 'real' }),
      key: generated(lower(c.name))
    }),
    indexes: (c) => [index('items_key_idx', [c.key])]
  }
)

test('generated columns: VIRTUAL and STORED, read like columns, typed from the expression, equal to SQLite computing them by hand', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(items)))
  unwrap(
    s.run(
      insert(items, [
        { name: 'Pen', price: 1.5, qty: 4 },
        { name: 'INK', price: 2, qty: 3 }
      ])
    )
  )
  const totals: number[] = unwrap(s.run(pipe(select(items), orderBy(items.id), values(items.total))))
  const keys: string[] = unwrap(s.run(pipe(select(items), orderBy(items.id), values(items.key))))
  const ref = rawAll(db.file, 'SELECT price * qty AS total, lower(name) AS key FROM items ORDER BY id') as Array<{
    total: number
    key: string
  }>
  t.deepEqual(
    totals,
    ref.map((r) => r.total)
  )
  t.deepEqual(
    keys,
    ref.map((r) => r.key)
  )
  const xinfo = rawAll(db.file, `SELECT name, hidden FROM pragma_table_xinfo('items') WHERE hidden > 0 ORDER BY name`)
  t.deepEqual(xinfo, [
    { name: 'key', hidden: 2 },
    { name: 'total', hidden: 3 }
  ])
  // Filters use them (and the index on the virtual one).
  t.deepEqual(unwrap(s.run(pipe(select(items), filter(eq(items.key, 'ink')), values(items.id)))), [2])
})

test('generated columns: an insert or set() naming one is a type error and a Left before any SQL', (t) => {
  const s = session(tempDb())
  unwrap(s.run(createTable(items)))
  // @ts-expect-error a generated column is not part of Insert
  const row: Insert<typeof items> = { name: 'x', price: 1, qty: 1, total: 5 }
  t.regex(unwrapLeft(s.run(insert(items, row))).message, /items\.total is a generated column/)
  // @ts-expect-error nor of set()
  const change: SetValues<typeof items> = { key: 'y' }
  const e = unwrapLeft(s.run(pipe(update(items), set(change), filter(eq(items.id, 1)))))
  t.is(e._tag, 'ValidationError')
  t.regex(e.message, /key is a generated column/)
})

// -------------------------------------------------------------------------------------
// indexes
// -------------------------------------------------------------------------------------

const events = table(
  'events',
  { id: integer().primaryKey(), kind: text().notNull(), at: integer().notNull(), email: text(), deleted: integer() },
  {
    indexes: (c) => [
      index('events_live_idx', ['kind', desc(c.at)], { where: sql`${c.deleted} IS NULL` }),
      uniqueIndex('events_email_uq', [lower(c.email)], { where: isNotNull(c.email) }),
      index('events_kind_nocase_idx', [asc(collate(c.kind, 'NOCASE'))])
    ]
  }
)

test('indexes: partial, expression and DESC/collated keys; SQLite uses and enforces them', (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(events)))
  const stored = rawAll(db.file, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' ORDER BY name`)
  t.deepEqual(stored, [
    { name: 'events_email_uq', sql: 'CREATE UNIQUE INDEX "events_email_uq" ON "events" (lower("email")) WHERE "email" IS NOT NULL' },
    { name: 'events_kind_nocase_idx', sql: 'CREATE INDEX "events_kind_nocase_idx" ON "events" ("kind" COLLATE NOCASE)' },
    { name: 'events_live_idx', sql: 'CREATE INDEX "events_live_idx" ON "events" ("kind", "at" DESC) WHERE "deleted" IS NULL' }
  ])
  unwrap(
    s.run(
      insert(events, [
        { kind: 'a', at: 1, email: 'Ann@x.io' },
        { kind: 'a', at: 2 },
        { kind: 'a', at: 3 }
      ])
    )
  )
  const dup = unwrapLeft(s.run(insert(events, { kind: 'b', at: 1, email: 'ann@X.IO' }))) as ConstraintError
  t.is(dup.kind, 'unique')
  const plan = rawAll(db.file, `EXPLAIN QUERY PLAN SELECT id FROM events WHERE kind = 'a' AND deleted IS NULL ORDER BY at DESC`) as Array<{
    detail: string
  }>
  t.true(
    plan.some((p) => p.detail.includes('events_live_idx')),
    JSON.stringify(plan)
  )
  t.regex(
    unwrapLeft(toSQL(createTable(table('x', { a: integer() }, { indexes: (c) => [index('x_i', [desc(c.a, { nulls: 'last' })])] }))))
      .message,
    /NULLs/
  )
})

// -------------------------------------------------------------------------------------
// migrations round-trip each feature
// -------------------------------------------------------------------------------------

test('migrations: adding, changing and dropping CHECKs rebuilds the table, keeps rows, and goes back down', async (t) => {
  const v1 = table('acct', { id: integer().primaryKey(), balance: integer().notNull() })
  const v2 = table(
    'acct',
    {
      id: integer().primaryKey(),
      balance: integer()
        .notNull()
        .check((b) => gte(b, 0), 'acct_balance_ok')
    },
    { checks: (c) => [check('acct_id_pos', gt(c.id, 0))] }
  )
  const r = roundTrip(t, [v1], [v2], (db) => void rawRun(db.file, 'INSERT INTO acct (balance) VALUES (7)'))
  t.deepEqual(
    r.operations.map((o) => o._tag),
    ['RebuildTable']
  )
  t.regex(rawRun(r.db.file, 'INSERT INTO acct (balance) VALUES (-1)') ?? '', /acct_balance_ok/)
  t.deepEqual(rawAll(r.db.file, 'SELECT balance FROM acct'), [{ balance: 7 }])
  // A changed check is seen too.
  const v3 = table(
    'acct',
    {
      id: integer().primaryKey(),
      balance: integer()
        .notNull()
        .check((b) => gte(b, 10), 'acct_balance_ok')
    },
    {
      checks: (c) => [check('acct_id_pos', gt(c.id, 0))]
    }
  )
  t.true(unwrap(planMigration(r.db, [v3])).operations.length > 0)
  await r.back()
  t.is(rawRun(r.db.file, 'INSERT INTO acct (balance) VALUES (-1)'), undefined)
})

test('migrations: collation, generated columns and DEFAULT expressions round-trip', async (t) => {
  const v1 = table('g', { id: integer().primaryKey(), name: text().notNull(), qty: integer().notNull() })
  const v2 = table(
    'g',
    {
      id: integer().primaryKey(),
      name: text().notNull().collate('NOCASE'),
      qty: integer().notNull(),
      tag: text().defaultExpr(sql`lower('X')`)
    },
    {
      generated: (c) => ({
        double: generated(sql<number>`${c.qty} * 2`, { kind: 'integer' }),
        up: generated(sql.as('text')<string>`upper(${c.name})`, { stored: true })
      })
    }
  )
  const r = roundTrip(t, [v1], [v2], (db) => void rawRun(db.file, "INSERT INTO g (name, qty) VALUES ('ann', 2)"))
  t.deepEqual(rawAll(r.db.file, 'SELECT name, qty, tag, double, up FROM g'), [{ name: 'ann', qty: 2, tag: 'x', double: 4, up: 'ANN' }])
  t.deepEqual(rawAll(r.db.file, "SELECT count(*) AS n FROM g WHERE name = 'ANN'"), [{ n: 1 }])
  const v3 = table(
    'g',
    {
      id: integer().primaryKey(),
      name: text().notNull().collate('NOCASE'),
      qty: integer().notNull(),
      tag: text().defaultExpr(sql`lower('X')`)
    },
    {
      generated: (c) => ({
        double: generated(sql<number>`${c.qty} * 3`, { kind: 'integer' }),
        up: generated(sql.as('text')<string>`upper(${c.name})`, { stored: true })
      })
    }
  )
  const changed = unwrap(planMigration(r.db, [v3]))
  t.deepEqual(
    changed.operations.map((o) => o._tag),
    ['RebuildTable']
  )
  t.regex(JSON.stringify(changed.operations), /generated expression of double/)
  await r.back()
  t.deepEqual(rawAll(r.db.file, 'SELECT * FROM g'), [{ id: 1, name: 'ann', qty: 2 }])
})

test('migrations: partial, expression and ordered indexes are created, changed and dropped without a rebuild', async (t) => {
  const v1 = table(
    'ev',
    { id: integer().primaryKey(), kind: text().notNull(), at: integer().notNull(), email: text() },
    {
      indexes: (c) => [index('ev_kind', ['kind']), index('ev_email', [lower(c.email)])]
    }
  )
  const v2 = table(
    'ev',
    { id: integer().primaryKey(), kind: text().notNull(), at: integer().notNull(), email: text() },
    {
      indexes: (c) => [index('ev_kind', ['kind', desc(c.at)], { where: isNotNull(c.email) }), index('ev_email', [lower(c.email)])]
    }
  )
  const r = roundTrip(t, [v1], [v2])
  t.deepEqual(
    r.operations.map((o) => `${o._tag}`),
    ['DropIndex', 'CreateIndex']
  )
  t.deepEqual(rawAll(r.db.file, `SELECT sql FROM sqlite_schema WHERE name = 'ev_kind'`), [
    { sql: 'CREATE INDEX "ev_kind" ON "ev" ("kind", "at" DESC) WHERE "email" IS NOT NULL' }
  ])
  await r.back()
  t.deepEqual(rawAll(r.db.file, `SELECT sql FROM sqlite_schema WHERE name = 'ev_kind'`), [
    { sql: 'CREATE INDEX "ev_kind" ON "ev" ("kind")' }
  ])
})

test('check: an index or CHECK written by hand the same way as the schema is no drift; a different one is', (t) => {
  const db = tempDb()
  rawRun(db.file, 'CREATE TABLE h (id INTEGER PRIMARY KEY, n INTEGER CHECK(n>0), s TEXT COLLATE nocase)')
  rawRun(db.file, 'CREATE INDEX h_s ON h(lower(s)) WHERE n > 1')
  const same = table(
    'h',
    { id: integer().primaryKey(), n: integer().check((n) => gt(n, 0)), s: text().collate('NOCASE') },
    {
      indexes: (c) => [index('h_s', [lower(c.s)], { where: gt(c.n, 1) })]
    }
  )
  t.deepEqual(unwrap(planMigration(db, [same])).operations, [])
  const other = table(
    'h',
    { id: integer().primaryKey(), n: integer().check((n) => gt(n, 1)), s: text().collate('NOCASE') },
    {
      indexes: (c) => [index('h_s', [lower(c.s)], { where: gt(c.n, 2) })]
    }
  )
  t.deepEqual(
    unwrap(planMigration(db, [other])).operations.map((o) => o._tag),
    ['RebuildTable']
  )
})
