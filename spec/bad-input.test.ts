/**
 * A catalogue of bad inputs across the whole API. Each case runs against a fresh
 * database holding committed rows, and checks that:
 *
 * - nothing throws;
 * - the result is a Left of a specific DbError `_tag`;
 * - the message says what went wrong and where (the table, column, param, option,
 *   statement or file);
 * - inputs caught before SQL run no statement at all (seen through connect's `log`);
 * - nothing committed is lost (every row, read back through another connection, is
 *   as it was).
 *
 * The same catalogue is the table in docs/errors.md; the last test checks that every
 * case here has its row there. Cases marked `bug` expose a behaviour that contradicts
 * DESIGN.md or the issue; they are `test.failing` until src/ is fixed.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import Database from 'better-sqlite3'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { Db, DbError, LogEvent, Query, Session } from '../src/index.js'
import {
  all,
  and,
  blob,
  columns,
  hasMany,
  join,
  onConflictDoNothing,
  preload,
  union,
  values,
  withQuery,
  boolean,
  connect,
  contains,
  count,
  createTable,
  decode,
  deleteFrom,
  eq,
  filter,
  first,
  inArray,
  insert,
  integer,
  json,
  limit,
  migrate,
  not,
  notInArray,
  offset,
  one,
  or,
  placeholder,
  raw,
  real,
  select,
  session,
  set,
  sql,
  table,
  text,
  timestamp,
  transaction,
  update,
  workerPool
} from '../src/index.js'
import { tempDir, unwrap } from './helpers/db.js'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

// -------------------------------------------------------------------------------------
// the schema and the database every case starts from
// -------------------------------------------------------------------------------------

const items = table('items', {
  id: integer().primaryKey(),
  sku: text().notNull().unique(),
  name: text().notNull(),
  qty: integer(),
  price: real(),
  active: boolean(),
  at: timestamp(),
  data: blob(),
  prefs: json(t.type({ theme: t.string }))
})

const parts = table('parts', {
  id: integer().primaryKey(),
  itemId: integer()
    .notNull()
    .references(() => items.id),
  label: text().notNull()
})

/** A table whose column types SQLite does not enforce (not STRICT): it can hold a stored value of the wrong kind. */
const loose = table('loose', { id: integer().primaryKey(), qty: integer() })

/** A table object from another schema: it was never created in this database. */
const ghost = table('ghost', { id: integer().primaryKey(), name: text() })

interface Env {
  readonly dir: string
  readonly file: string
  /** The database with a log (every statement lands in `events`) and a short busy timeout. */
  readonly db: Db
  readonly s: Session
  readonly events: LogEvent[]
}

const setup = (): Env => {
  const dir = tempDir()
  const file = path.join(dir, 'app.db')
  const events: LogEvent[] = []
  const db = connect(file, { busyTimeoutMs: 100, log: (e) => events.push(e) })
  const s = session(db)
  for (const q of [createTable(items), createTable(parts), createTable(loose)] as Array<Query<unknown>>) unwrap(s.run(q))
  unwrap(
    s.run(
      insert(items, [
        { sku: 'A-1', name: 'anvil', qty: 3, price: 9.5, active: true, at: new Date('2024-01-02T03:04:05.000Z'), prefs: { theme: 'dark' } },
        { sku: 'B-2', name: 'bucket', qty: 1 },
        { sku: 'C-3', name: 'crate', qty: null, data: Buffer.from([1, 2, 3]) }
      ])
    )
  )
  unwrap(
    s.run(
      insert(parts, [
        { itemId: 1, label: 'handle' },
        { itemId: 1, label: 'base' }
      ])
    )
  )
  unwrap(s.run(insert(loose, { qty: 7 })))
  return { dir, file, db, s, events }
}

/**
 * Every committed row of every table, read through a connection of its own (another
 * handle): what a crash or another process would see. Keyed by table name.
 */
const committedTables = (file: string): Map<string, string> => {
  const raw = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const tables = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]
    return new Map(
      tables.map((name) => [
        name,
        JSON.stringify(raw.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`).all(), (_k, v: unknown) =>
          typeof v === 'bigint' ? `${v}n` : v
        )
      ])
    )
  } finally {
    raw.close()
  }
}

const committed = (file: string): string => JSON.stringify([...committedTables(file)])

// -------------------------------------------------------------------------------------
// the catalogue
// -------------------------------------------------------------------------------------

type Tag = DbError['_tag']

interface Case {
  /** The bad input, as the docs table names it (no `|`). */
  readonly input: string
  readonly tag: Tag
  /** What went wrong: each must appear in the message. */
  readonly what: ReadonlyArray<string | RegExp>
  /** Where: the table, column, param, option, statement or file; each must appear in the message (or in `path`). */
  readonly where: ReadonlyArray<string | RegExp>
  /** What to do about it (for docs/errors.md). */
  readonly advice: string
  /** Caught before SQL: no statement may run. */
  readonly noSql?: boolean
  /** The ValidationError's `path`, when it has one. */
  readonly path?: string
  /** Further checks on the error. */
  readonly check?: (e: DbError, env: Env) => ReadonlyArray<[boolean, string]>
  /** Tables the failed call may create (bookkeeping tables); every other table must be as it was. */
  readonly creates?: ReadonlyArray<string>
  /** Tables the case itself writes to as its set-up (around the library), exempt from the "nothing lost" check. */
  readonly arranges?: ReadonlyArray<string>
  /** Set when the behaviour is a bug in src/: what is wrong (the test is `test.failing`). */
  readonly bug?: string
  readonly run: (env: Env) => E.Either<DbError, unknown> | Promise<E.Either<DbError, unknown>>
}

const byId = (id: number) => filter(eq(items.id, id))
const qtyParam = pipe(select(items), filter(eq(items.qty, placeholder('qty'))), all)

const limitCases: ReadonlyArray<Case> = (
  [
    ['limit', -1, '-1 (number)'],
    ['limit', 1.5, '1.5 (number)'],
    ['limit', Number.NaN, 'NaN (number)'],
    ['limit', Number.POSITIVE_INFINITY, 'Infinity (number)'],
    ['limit', 2 ** 53, '9007199254740992 (number)'],
    ['offset', -1, '-1 (number)'],
    ['offset', 0.5, '0.5 (number)'],
    ['offset', Number.NaN, 'NaN (number)'],
    ['offset', 2 ** 60, '(number)']
  ] as const
).map(([which, n, shown]): Case => ({
  input: `${which}(${Object.is(n, Number.NaN) ? 'NaN' : n === Number.POSITIVE_INFINITY ? 'Infinity' : n === 2 ** 53 ? '2 ** 53' : n === 2 ** 60 ? '2 ** 60' : n})`,
  tag: 'ValidationError',
  what: ['takes a whole number >= 0', shown],
  where: [`${which} `],
  advice: `Give ${which} a whole number from 0 to Number.MAX_SAFE_INTEGER (or a placeholder bound to one).`,
  noSql: true,
  run: ({ s }) => s.run(pipe(select(items), which === 'limit' ? limit(n) : offset(n), all))
}))

const notQueries: ReadonlyArray<[string, unknown]> = [
  ['a number (run(42))', 42],
  ['null', null],
  ['undefined', undefined],
  ['an SQL string', 'SELECT * FROM items'],
  ['a select with no terminal', select(items)],
  ['a table object', items],
  ['a function', () => pipe(select(items), all)]
]

const CASES: ReadonlyArray<Case> = [
  // ---------------------------------------------------------------- wrong types
  {
    input: 'insert: a number into a text column',
    tag: 'ValidationError',
    what: ['expected a string', 'got 5 (number)'],
    where: ['insert into items', 'row 0', 'column name'],
    advice: 'Pass a value of the column kind (see Row/Insert types); convert before inserting.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 5 as never }))
  },
  {
    input: 'insert: a fraction into an integer column',
    tag: 'ValidationError',
    what: ['a safe integer', 'got 1.5'],
    where: ['insert into items', 'row 0', 'column qty'],
    advice: 'Round it, or declare the column real().',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', qty: 1.5 }))
  },
  {
    input: 'insert: NaN into a real column',
    tag: 'ValidationError',
    what: ['a finite number', 'NaN'],
    where: ['insert into items', 'column price'],
    advice: 'NaN and Infinity cannot be stored faithfully: store null, or check the computation.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', price: Number.NaN }))
  },
  {
    input: 'insert: Infinity into a real column',
    tag: 'ValidationError',
    what: ['a finite number', 'Infinity'],
    where: ['insert into items', 'column price'],
    advice: 'Store null or a finite number.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', price: Number.POSITIVE_INFINITY }))
  },
  {
    input: 'insert: 1 into a boolean column',
    tag: 'ValidationError',
    what: ['a boolean', 'got 1 (number)'],
    where: ['insert into items', 'column active'],
    advice: 'Pass true/false (the library stores 0/1 itself).',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', active: 1 as never }))
  },
  {
    input: 'insert: an Invalid Date into a timestamp column',
    tag: 'ValidationError',
    what: ['a valid Date', 'Invalid Date'],
    where: ['insert into items', 'column at'],
    advice: 'Check the date parsing before inserting (isNaN(d.getTime())).',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', at: new Date('not a date') }))
  },
  {
    input: 'insert: a string into a blob column',
    tag: 'ValidationError',
    what: ['a Uint8Array or Buffer', 'got "bytes" (string)'],
    where: ['insert into items', 'column data'],
    advice: 'Pass a Buffer or Uint8Array (Buffer.from(text) for text bytes).',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', data: 'bytes' as never }))
  },
  {
    input: "insert: a value the json column's codec refuses",
    tag: 'ValidationError',
    what: ['a value of { theme: string }', 'got {"theme":1}'],
    where: ['insert into items', 'column prefs'],
    advice: "Give a value of the codec's type, or widen the codec.",
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', prefs: { theme: 1 } as never }))
  },
  {
    input: 'insert: a bigint beyond 64 bits',
    tag: 'ValidationError',
    what: ['refused before it ran', 'too big'],
    where: ['INSERT INTO "items"'],
    advice: 'SQLite integers are 64-bit: store larger numbers as text.',
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', qty: (2n ** 70n) as never }))
  },
  {
    input: 'insert: a row that is not an object',
    tag: 'ValidationError',
    what: ['expected an object with the columns of items', 'got 5 (number)'],
    where: ['insert into items', 'row 0'],
    advice: 'Pass an object (or an array of objects) keyed by the schema keys.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, 5 as never))
  },
  {
    input: 'set(): a wrong type',
    tag: 'ValidationError',
    what: ['expected null or a safe integer', 'got "many" (string)'],
    where: ['update items set', 'column qty'],
    advice: 'Pass a value of the column kind, an expression, or a placeholder.',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ qty: 'many' as never }), byId(1)))
  },
  {
    input: 'set(): not an object',
    tag: 'ValidationError',
    what: ['takes an object of columns', 'got 5 (number)'],
    where: ['update items set'],
    advice: 'Pass { column: value, ... }.',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set(5 as never), byId(1)))
  },
  {
    input: 'filter: a string compared with an integer column',
    tag: 'ValidationError',
    what: ['expected a number (not NaN)', 'got "three" (string)'],
    where: ['for items.qty'],
    advice: 'Compare with a value of the column kind (parse user input first).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter(eq(items.qty, 'three' as never)), all))
  },
  {
    input: 'filter: undefined as a value',
    tag: 'ValidationError',
    what: ['undefined is not a value', 'use null for SQL NULL'],
    where: ['for items.name'],
    advice: 'Use null for SQL NULL, or leave the condition out.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter(eq(items.name, undefined as never)), all))
  },
  {
    input: 'inArray with something that is not an array',
    tag: 'ValidationError',
    what: ['expects an array, a placeholder or a select', 'got 5 (number)'],
    where: ['inArray'],
    advice: 'Pass an array (empty is fine: it matches nothing).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter(inArray(items.id, 5 as never)), all))
  },
  {
    input: 'contains with a number',
    tag: 'ValidationError',
    what: ['expects a string or a placeholder', 'got 5 (number)'],
    where: ['contains'],
    advice: 'Pass the text to look for (String(n) for a number).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter(contains(items.name, 5 as never)), all))
  },
  {
    input: 'filter with a value that is not a condition',
    tag: 'ValidationError',
    what: ['expected a column or an expression', 'got "1=1; DROP TABLE items" (string)'],
    where: ['filter'],
    advice: 'Pass an expression (eq, and, ...) or a sql template; a plain string is never taken as SQL.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter('1=1; DROP TABLE items' as never), all))
  },

  // ---------------------------------------------------------------- unknown columns
  {
    input: 'insert: an unknown column',
    tag: 'ValidationError',
    what: ['unknown column "colour"', 'the columns of items are id, sku, name'],
    where: ['insert into items', 'row 0'],
    advice: 'Use the schema keys (not SQL names); fix the typo or add the column to the schema and a migration.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: 'x', colour: 'red' } as never))
  },
  {
    input: 'set(): an unknown column',
    tag: 'ValidationError',
    what: ['unknown column "colour"', 'the columns of items are'],
    where: ['update items set'],
    advice: 'Use the schema keys of the table being updated.',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ colour: 'red' } as never), byId(1)))
  },
  {
    input: 'filter on a column of a table that is not in the query',
    tag: 'ValidationError',
    what: ['column ghost.name is not in scope'],
    where: ['can read items'],
    advice: 'Join the table first (join(ghost, ...)), or filter on a column of the selected table.',
    noSql: true,
    // @ts-expect-error a type error too: ghost is not in the query
    run: ({ s }) => s.run(pipe(select(items), filter(eq(ghost.name, 'x')), all))
  },

  // ---------------------------------------------------------------- null into notNull
  {
    input: 'insert: null into a notNull column',
    tag: 'ValidationError',
    what: ['is NOT NULL, got null'],
    where: ['insert into items', 'row 0', 'column name'],
    advice: 'Give a value, or declare the column nullable (and migrate).',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: null as never }))
  },
  {
    input: 'insert: a required column left out',
    tag: 'ValidationError',
    what: ['missing required column name'],
    where: ['insert into items', 'row 1'],
    advice: 'Give every notNull column without a default.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, [{ sku: 'X', name: 'x' }, { sku: 'Y' } as never]))
  },
  {
    input: 'set(): null into a notNull column',
    tag: 'ValidationError',
    what: ['is NOT NULL, got null'],
    where: ['update items set', 'column name'],
    advice: 'Give a value, or declare the column nullable.',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ name: null as never }), byId(1)))
  },
  {
    input: 'a placeholder bound to null for a notNull column',
    tag: 'ValidationError',
    what: ['the column is NOT NULL', 'got null'],
    where: ['placeholder "name"', 'items.name'],
    path: 'params.name',
    advice: 'Bind a value; null only where the column allows it.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'X', name: placeholder('name') }), { name: null })
  },
  {
    input: 'raw SQL writing NULL into a NOT NULL column',
    tag: 'ConstraintError',
    what: ['NOT NULL constraint failed', 'the column requires a value'],
    where: ['items.name'],
    advice: 'Give a value in the SQL; the insert() builder would have caught it before SQL.',
    check: (e) => [
      [
        e._tag === 'ConstraintError' && e.kind === 'notNull' && e.table === 'items' && e.columns.join() === 'name',
        'kind notNull on items.name'
      ]
    ],
    run: ({ s }) => s.run(raw(sql`INSERT INTO ${items} (sku, name) VALUES (${'X'}, ${null})`))
  },

  // ---------------------------------------------------------------- limit / offset
  ...limitCases,
  {
    input: 'limit(placeholder) bound to -1',
    tag: 'ValidationError',
    what: ['expected a whole number >= 0', 'got -1 (number)'],
    where: ['placeholder "n"', 'for limit'],
    path: 'params.n',
    advice: 'Bind a whole number >= 0.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), limit(placeholder('n')), all), { n: -1 })
  },
  {
    input: "limit(placeholder) bound to the string '3'",
    tag: 'ValidationError',
    what: ['expected a whole number >= 0', 'got "3" (string)'],
    where: ['placeholder "n"', 'for limit'],
    path: 'params.n',
    advice: 'Parse query-string numbers before binding them (Number(x)).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), limit(placeholder('n')), all), { n: '3' })
  },
  {
    input: 'offset(placeholder) bound to 1.5',
    tag: 'ValidationError',
    what: ['expected a whole number >= 0', 'got 1.5 (number)'],
    where: ['placeholder "n"', 'for offset'],
    path: 'params.n',
    advice: 'Bind a whole number >= 0.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), offset(placeholder('n')), all), { n: 1.5 })
  },

  // ---------------------------------------------------------------- tables and identifiers
  {
    input: 'select from a table of another schema, never created',
    tag: 'SqliteError',
    what: ['no such table'],
    where: ['ghost'],
    advice: 'Create it (createTable or a migration) in this database, or connect to the database that has it.',
    check: (e) => [[e._tag === 'SqliteError' && e.sql?.includes('FROM "ghost"') === true, 'sql names the table']],
    run: ({ s }) => s.run(pipe(select(ghost), all))
  },
  {
    input: 'insert into a table never created',
    tag: 'SqliteError',
    what: ['no such table'],
    where: ['ghost'],
    advice: 'Create the table first.',
    run: ({ s }) => s.run(insert(ghost, { name: 'boo' }))
  },
  {
    input: 'update of a table never created',
    tag: 'SqliteError',
    what: ['no such table'],
    where: ['ghost'],
    advice: 'Create the table first.',
    run: ({ s }) => s.run(pipe(update(ghost), set({ name: 'boo' }), filter(eq(ghost.id, 1))))
  },
  {
    input: 'delete from a table never created',
    tag: 'SqliteError',
    what: ['no such table'],
    where: ['ghost'],
    advice: 'Create the table first.',
    run: ({ s }) => s.run(pipe(deleteFrom(ghost), filter(eq(ghost.id, 1))))
  },
  {
    input: 'a table whose name holds a NUL character',
    tag: 'ValidationError',
    what: ['cannot contain a NUL character'],
    where: ['table name'],
    advice: 'Use another name (any other text is quoted safely).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(table('bad\u0000name', { id: integer() })), all))
  },
  {
    input: 'a table name over 255 characters',
    tag: 'ValidationError',
    what: ['at most 255 characters'],
    where: ['table name'],
    advice: 'Use a shorter name.',
    noSql: true,
    run: ({ s }) => s.run(createTable(table('t'.repeat(300), { id: integer() })))
  },
  {
    input: 'a table name beginning with sqlite_',
    tag: 'ValidationError',
    what: ['reserved by SQLite'],
    where: ['table name "sqlite_things"'],
    advice: 'Use another name.',
    noSql: true,
    run: ({ s }) => s.run(createTable(table('sqlite_things', { id: integer() })))
  },
  {
    input: "sql.identifier('')",
    tag: 'ValidationError',
    what: ['must be a non-empty string'],
    where: ['invalid identifier ""'],
    advice: 'Pass a non-empty name (identifiers from user input: check them against a list first).',
    noSql: true,
    run: ({ s }) => s.run(pipe(raw(sql`SELECT * FROM ${sql.identifier('')}`), all))
  },
  {
    input: 'sql.identifier with a NUL character',
    tag: 'ValidationError',
    what: ['cannot contain a NUL character'],
    where: ['invalid identifier'],
    advice: 'Use another name.',
    noSql: true,
    run: ({ s }) => s.run(pipe(raw(sql`SELECT * FROM ${sql.identifier('items\u0000; DROP TABLE items')}`), all))
  },

  // ---------------------------------------------------------------- native SQL
  {
    input: 'raw SQL holding two statements',
    tag: 'ValidationError',
    what: ['refused before it ran', 'more than one statement'],
    where: ['SELECT 1; DELETE FROM items'],
    advice: 'One statement per raw(); run several in a transaction.',
    check: (_e, env) => [[env.events.every((e) => !/DELETE/.test(e.sql) || e.error !== undefined), 'the DELETE never ran']],
    run: ({ s }) => s.run(pipe(raw(sql`SELECT 1; DELETE FROM items`), all))
  },
  {
    input: 'raw() given a string instead of a sql template',
    tag: 'ValidationError',
    what: ['takes a sql`...` template'],
    where: ['raw()'],
    advice: 'Write raw(sql followed by a template literal): values in the template are bound, never spliced.',
    noSql: true,
    run: ({ s }) => s.run(raw('DELETE FROM items' as never))
  },
  {
    input: 'raw SQL naming a missing table',
    tag: 'SqliteError',
    what: ['no such table: nowhere'],
    where: ['(in: SELECT * FROM nowhere)'],
    advice: 'Fix the SQL; the message quotes the statement.',
    run: ({ s }) => s.run(pipe(raw(sql`SELECT * FROM nowhere`), all))
  },

  // ---------------------------------------------------------------- guarded writes
  {
    input: 'update with no filter',
    tag: 'ValidationError',
    what: ['has no filter', 'nothing was changed'],
    where: ['update items'],
    advice: 'Add filter(...), or pipe through allRows to update every row on purpose.',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ qty: 0 })))
  },
  {
    input: 'delete with no filter',
    tag: 'ValidationError',
    what: ['has no filter', 'nothing was changed'],
    where: ['delete from items'],
    advice: 'Add filter(...), or pipe through allRows to delete every row on purpose.',
    noSql: true,
    run: ({ s }) => s.run(deleteFrom(items))
  },
  {
    input: 'update with set() of no column',
    tag: 'ValidationError',
    what: ['names no column'],
    where: ['update items'],
    advice: 'Give at least one column (set(changed(a, b)) makes an empty change a no-op).',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ name: undefined }), byId(1)))
  },

  // ---------------------------------------------------------------- constraints
  {
    input: 'insert: a duplicate of a unique column',
    tag: 'ConstraintError',
    what: ['UNIQUE constraint failed', 'a row with the same value already exists'],
    where: ['items.sku'],
    advice: 'Use another value, or onConflictDoNothing()/onConflictDoUpdate(...).',
    check: (e) => [[e._tag === 'ConstraintError' && e.kind === 'unique' && e.columns.join() === 'sku', 'kind unique on sku']],
    run: ({ s }) => s.run(insert(items, { sku: 'A-1', name: 'again' }))
  },
  {
    input: 'insert: a foreign key to a missing parent',
    tag: 'ConstraintError',
    what: ['FOREIGN KEY constraint failed', 'insert the parent first'],
    where: ['table parts'],
    advice: 'Insert the parent row first (or in the same transaction, before the child).',
    check: (e) => [[e._tag === 'ConstraintError' && e.kind === 'foreignKey', 'kind foreignKey']],
    run: ({ s }) => s.run(insert(parts, { itemId: 999, label: 'orphan' }))
  },
  {
    input: 'a multi-row insert whose last row breaks a constraint',
    tag: 'ConstraintError',
    what: ['UNIQUE constraint failed'],
    where: ['items.sku'],
    advice: 'Nothing of the batch was written (one transaction): fix the row and insert the batch again.',
    check: (_e, env) => {
      const other = session(connect(env.file, { busyTimeoutMs: 1000 }))
      const n = other.run(pipe(select(items), filter(eq(items.sku, 'NEW-1')), count))
      other.close()
      return [[E.isRight(n) && n.right === 0, 'the first rows of the batch were rolled back']]
    },
    run: ({ s }) =>
      s.run(
        insert(items, [
          { sku: 'NEW-1', name: 'fine' },
          { sku: 'NEW-2', name: 'fine' },
          { sku: 'A-1', name: 'dup' }
        ])
      )
  },

  // ---------------------------------------------------------------- reading
  {
    input: 'one() with no row',
    tag: 'NotFound',
    what: ['returned no row where exactly one was expected'],
    where: ['(one)'],
    advice: 'Use first for an optional row, or handle NotFound (e.g. as HTTP 404).',
    check: (e) => [[e._tag === 'NotFound' && e.sql?.includes('FROM "items"') === true, 'sql given']],
    run: ({ s }) => s.run(pipe(select(items), byId(999), one))
  },
  {
    input: 'one() with several rows',
    tag: 'TooManyRows',
    what: ['more than one row where exactly one was expected'],
    where: ['(one)'],
    advice: 'Narrow the filter (a unique column), or use first or all.',
    run: ({ s }) => s.run(pipe(select(items), one))
  },
  {
    input: 'decode(codec) that the rows do not satisfy',
    tag: 'DecodeError',
    what: ['did not decode', 'expected number'],
    where: ['[0].name'],
    advice: "Fix the codec, or the data; issues[] lists each bad field's path.",
    check: (e) => [[e._tag === 'DecodeError' && e.issues[0]?.path === '[0].name', 'issue path [0].name']],
    run: ({ s }) => s.run(pipe(select(items), decode(t.type({ name: t.number })), all))
  },
  {
    input: 'a stored value of the wrong kind (text in an integer column)',
    tag: 'DecodeError',
    what: ['did not decode', 'expected a number', 'got "seven" (string)'],
    where: ['[1].qty'],
    advice: 'Repair the data (it was written around the library), or make the table strict: true.',
    arranges: ['loose'],
    run: ({ s }) => {
      const w = s.run(raw(sql`INSERT INTO ${loose} (qty) VALUES (${'seven'})`))
      return E.isLeft(w) ? w : s.run(pipe(select(loose), all))
    }
  },

  {
    input: 'a plain integer column holding a value past 2^53',
    tag: 'DecodeError',
    what: ['did not decode', 'Number.MAX_SAFE_INTEGER', "integer({ mode: 'bigint' })"],
    where: ['[1].qty'],
    advice: "Declare the column integer({ mode: 'bigint' }) to read all 64 bits as bigint; a number would be rounded.",
    arranges: ['loose'],
    run: ({ s }) => {
      const w = s.run(raw(sql`INSERT INTO ${loose} (qty) VALUES (9007199254740993)`))
      return E.isLeft(w) ? w : s.run(pipe(select(loose), all))
    }
  },

  // ---------------------------------------------------------------- checked by the compiler
  {
    input: 'a union whose members have different keys',
    tag: 'ValidationError',
    what: ['must have the same keys', 'member 2 has'],
    where: ['the first has a'],
    advice: 'Project each member with columns({...}) under the same keys (their order may differ: they are aligned by key).',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), columns({ a: items.name }), union(pipe(select(items), columns({ b: items.name }))), all))
  },
  {
    input: 'a union whose members read a key differently (a timestamp and text)',
    tag: 'ValidationError',
    what: ['disagree on how', 'timestamp in the first, text in member 2'],
    where: ['a'],
    advice: 'Project values of one kind under each key, or say how it reads with sql.as(kind)`...`.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), columns({ a: items.at }), union(pipe(select(items), columns({ a: items.name }))), all))
  },
  {
    input: 'values(expr) on a union, of an expression no member projects',
    tag: 'ValidationError',
    what: ["reads one of the union's result columns", 'the result has a'],
    where: ['on a union'],
    advice: 'Pass a column the members project (any member’s), or project the expression in every member.',
    noSql: true,
    run: ({ s }) =>
      s.run(pipe(select(items), columns({ a: items.name }), union(pipe(select(items), columns({ a: items.name }))), values(items.sku)))
  },
  {
    input: 'withQuery over a join without columns()',
    tag: 'ValidationError',
    what: ['withQuery over a join needs columns'],
    where: ['withQuery'],
    advice: 'Project the columns the CTE needs under unique keys: columns({ ... }) (a type error too).',
    noSql: true,
    run: ({ s }) => {
      const joined = pipe(select(parts), join(items, eq(items.id, parts.itemId))) as unknown as ReturnType<typeof select<typeof parts>>
      return s.run(pipe(select(withQuery('c', joined)), all))
    }
  },
  {
    input: 'preload of a relation on a query of another table',
    tag: 'ValidationError',
    what: ['the relation loads onto rows of items', 'the query reads parts'],
    where: ['preload parts'],
    advice: 'Preload it on a select of the relation’s parent table (a type error too).',
    noSql: true,
    // @ts-expect-error a type error too: the relation loads onto items rows
    run: ({ s }) => s.run(pipe(select(parts), preload('parts', hasMany(items, parts, parts.itemId)), all))
  },
  {
    input: 'an ON CONFLICT clause without target before another clause',
    tag: 'ValidationError',
    what: ['only the last ON CONFLICT clause may leave out its target'],
    where: ['insert into items'],
    advice: 'Name the conflicting columns of every clause but the last: onConflictDoNothing(items.sku).',
    noSql: true,
    run: ({ s }) => s.run(pipe(insert(items, { sku: 'A1', name: 'x' }), onConflictDoNothing(), onConflictDoNothing(items.sku)))
  },
  {
    input: 'set(): null for an INTEGER PRIMARY KEY',
    tag: 'ValidationError',
    what: ['is NOT NULL, got null'],
    where: ['update items set', 'column id'],
    advice: 'Give the row a key (null picks a new rowid only in an insert).',
    noSql: true,
    run: ({ s }) => s.run(pipe(update(items), set({ id: null as never }), byId(1)))
  },
  {
    input: 'insert: a json value holding NaN or Infinity',
    tag: 'ValidationError',
    what: ['without NaN or Infinity', 'stored as null'],
    where: ['insert into items', 'column prefs'],
    advice: 'JSON has no NaN or Infinity: store null, or a finite number, or a string.',
    noSql: true,
    run: ({ s }) => s.run(insert(items, { sku: 'N1', name: 'x', prefs: { theme: 'dark', score: Number.NaN } as never }))
  },
  {
    input: 'an expression nested more than 1000 levels deep',
    tag: 'ValidationError',
    what: ['nests more than 1000 levels deep', "SQLite's limit on expression depth"],
    where: ['and(a, b, c, ...)', 'inArray'],
    advice: 'Build long chains flat: and(...)/or(...) take any number of conditions, inArray replaces chains of eq.',
    noSql: true,
    run: ({ s }) => {
      let e = eq(items.id, 1)
      for (let i = 0; i < 1500; i++) e = not(e)
      return s.run(pipe(select(items), filter(e), all))
    }
  },
  {
    input: 'a value that throws when read (a Proxy whose traps throw)',
    tag: 'ValidationError',
    what: ['threw when read'],
    where: ['insert into items'],
    advice: 'Pass plain objects and values (read a Proxy or getters into a plain object first).',
    noSql: true,
    run: ({ s }) =>
      s.run(
        insert(
          items,
          new Proxy(
            {},
            {
              ownKeys: () => {
                throw new Error('trap')
              }
            }
          ) as never
        )
      )
  },
  {
    input: 'limit() on an insert',
    tag: 'ValidationError',
    what: ['limit() applies to a select, an update or a delete'],
    where: ['limit'],
    advice: 'Limit the select, update or delete; an insert writes the rows it is given.',
    noSql: true,
    run: ({ s }) => s.run(pipe(insert(items, { sku: 'L1', name: 'x' }) as never, limit(1)))
  },

  // ---------------------------------------------------------------- params
  {
    input: 'params: a value of the wrong type',
    tag: 'ValidationError',
    what: ['Bad value', 'expected a number (not NaN)', 'got "3" (string)'],
    where: ['placeholder "qty"', 'items.qty'],
    path: 'params.qty',
    advice: 'Bind a value of the kind of what the placeholder stands for.',
    noSql: true,
    run: ({ s }) => s.run(qtyParam, { qty: '3' } as never)
  },
  {
    input: 'params: a placeholder left unbound',
    tag: 'ValidationError',
    what: ['Missing value for placeholder'],
    where: ['"qty"'],
    path: 'params.qty',
    advice: 'Pass every placeholder: s.run(q, { qty: ... }).',
    noSql: true,
    run: ({ s }) => s.run(qtyParam, {} as never)
  },
  {
    input: 'params: an object where a string is expected',
    tag: 'ValidationError',
    what: ['expected a string', 'got {}'],
    where: ['placeholder "name"', 'items.name'],
    path: 'params.name',
    advice: 'Bind a string.',
    noSql: true,
    run: ({ s }) => s.run(pipe(select(items), filter(eq(items.name, placeholder('name'))), all), { name: {} } as never)
  },
  {
    input: 'params: a string instead of an object',
    tag: 'ValidationError',
    what: ['Missing value for placeholder'],
    where: ['"qty"'],
    advice: 'Pass params as an object: { qty: 3 }.',
    noSql: true,
    run: ({ s }) => s.run(qtyParam, '3' as never)
  },
  {
    input: 'params: null instead of an object',
    tag: 'ValidationError',
    what: ['placeholder'],
    where: ['"qty"'],
    advice: 'Pass params as an object: { qty: 3 }.',
    noSql: true,
    run: ({ s }) => s.run(qtyParam, null as never)
  },

  // ---------------------------------------------------------------- values that are not queries
  ...notQueries.map(([label, value]): Case => ({
    input: `run() given ${label} instead of a query`,
    tag: 'ValidationError',
    what: ['Expected a query value'],
    where: ['with a terminal (all, first, one'],
    advice: 'Finish the select with a terminal (all, first, one, count, ...) and pass the query value.',
    noSql: true,
    run: ({ s }) => s.run(value as never)
  })),
  {
    input: "run() given an object that only looks like a query ({ _tag: 'Query' })",
    tag: 'ValidationError',
    what: ['malformed'],
    where: ['The query value'],
    advice: 'Build queries with the library constructors (or structuredClone/JSON round-trip a real one).',
    noSql: true,
    run: ({ s }) => s.run({ _tag: 'Query', mode: 'all', statement: { _tag: 'Select' } } as never)
  },
  {
    input: 'stream() given a query that does not end in all',
    tag: 'ValidationError',
    what: ['stream takes a query ending in all'],
    where: ['stream'],
    advice: 'Stream pipe(select(t), ..., all); use run for count/first/one.',
    noSql: true,
    run: ({ s }) => s.stream(pipe(select(items), count) as never)
  },
  {
    input: 'transaction() given a list holding a non-query',
    tag: 'ValidationError',
    what: ['Expected a query value'],
    where: ['with a terminal'],
    advice: 'Pass query values only; the transaction was rolled back.',
    run: ({ db }) => transaction(db, [insert(items, { sku: 'T-1', name: 'in tx' }), 42 as never])
  },
  {
    input: 'transaction() given neither a callback nor a list',
    tag: 'ValidationError',
    what: ['takes a callback (tx) => Either, or a list of query values'],
    where: ['transaction'],
    advice: 'Pass (tx) => Either or [q1, q2, ...].',
    noSql: true,
    run: ({ db }) => transaction(db, 5 as never)
  },

  // ---------------------------------------------------------------- structuredClone'd queries
  {
    input: 'a structuredClone of an insert with null in a notNull column',
    tag: 'ValidationError',
    what: ['is NOT NULL, got null'],
    where: ['insert into items', 'column name'],
    advice: 'The problem travels with the query value: fix the values where the query is built.',
    noSql: true,
    run: ({ s }) => s.run(structuredClone(insert(items, { sku: 'X', name: null as never })))
  },
  {
    input: 'a structuredClone of a query run with params of the wrong type',
    tag: 'ValidationError',
    what: ['Bad value', 'got "3" (string)'],
    where: ['placeholder "qty"', 'items.qty'],
    path: 'params.qty',
    advice: 'Placeholder encodings survive the clone: bind values of the right kind.',
    noSql: true,
    run: ({ s }) => s.run(structuredClone(qtyParam), { qty: '3' } as never)
  },
  {
    input: 'a JSON round trip of an update with no filter',
    tag: 'ValidationError',
    what: ['has no filter'],
    where: ['update items'],
    advice: 'Add a filter before sending the query.',
    noSql: true,
    run: ({ s }) => s.run(JSON.parse(JSON.stringify(pipe(update(items), set({ qty: 1 })))) as Query<unknown>)
  },
  {
    input: 'a structuredClone of a select from a table never created',
    tag: 'SqliteError',
    what: ['no such table'],
    where: ['ghost'],
    advice: 'Create the table in the database the query runs against.',
    run: ({ s }) => s.run(structuredClone(pipe(select(ghost), all)))
  },
  {
    input: 'a structuredClone of an insert that breaks a unique column',
    tag: 'ConstraintError',
    what: ['UNIQUE constraint failed'],
    where: ['items.sku'],
    advice: 'Without the schema part a cloned insert is checked by SQLite only; handle the conflict as usual.',
    run: ({ s }) => s.run(structuredClone(insert(items, { sku: 'B-2', name: 'dup' })))
  },

  // ---------------------------------------------------------------- transactions
  {
    input: 'a transaction callback that throws',
    tag: 'UnexpectedError',
    what: ['threw', 'rolled back', 'boom'],
    where: ['The transaction callback'],
    advice: 'Return E.left(...) for expected failures; the thrown value is in the error cause. Nothing was committed.',
    check: (e) => [[e._tag === 'UnexpectedError' && e.cause instanceof Error && e.cause.message === 'boom', 'the cause is carried']],
    run: ({ db }) =>
      transaction(db, (tx) => {
        unwrap(tx.run(insert(items, { sku: 'T-1', name: 'in tx' })))
        throw new Error('boom')
      })
  },
  {
    input: 'a transaction callback that returns a Promise',
    tag: 'ValidationError',
    what: ['returned a Promise', 'Transactions are synchronous', 'rolled back'],
    where: ['The transaction callback'],
    advice: 'Do the async work before or after; return an Either from the callback (or use pool.batch).',
    run: ({ db }) =>
      // eslint-disable-next-line @typescript-eslint/require-await -- the bad input under test: an async callback
      transaction(db, (async (tx: Session) => {
        tx.run(insert(items, { sku: 'T-1', name: 'in tx' }))
        return E.right(1)
      }) as never)
  },
  {
    input: 'a tx used after its transaction ended',
    tag: 'ValidationError',
    what: ['This transaction has ended'],
    where: ['a tx may only be used inside its callback'],
    advice: 'Use tx only inside the callback; start a new transaction for later work.',
    check: (_e, env) => [[env.events.every((x) => !x.sql.startsWith('INSERT')), 'the late insert never ran']],
    run: ({ db }) => {
      let saved: Session | undefined
      unwrap(transaction(db, (tx) => ((saved = tx), E.right(undefined))))
      return saved!.run(insert(items, { sku: 'T-1', name: 'late' }))
    }
  },
  {
    input: 'a write while a stream is open on the same thread',
    tag: 'ValidationError',
    what: ['still reading a stream', 'Finish (or break out of) the loop'],
    where: ['INSERT INTO "items"'],
    advice: 'Collect what you need, leave the loop, then write (or write from another connection).',
    run: ({ s }) => {
      const it = s.stream(pipe(select(items), all))
      if (E.isLeft(it)) return it
      for (const _row of it.right) return s.run(insert(items, { sku: 'S-1', name: 'while streaming' }))
      return E.right('no rows')
    }
  },
  {
    input: 'a write lock held by another connection past busyTimeoutMs',
    tag: 'BusyError',
    what: ['locked by another connection', 'raise busyTimeoutMs'],
    where: ['INSERT INTO "items"'],
    advice: 'Retry (retryOnBusy around the whole transaction), shorten the other writer, or raise busyTimeoutMs.',
    check: (e) => [[e._tag === 'BusyError' && e.code === 'SQLITE_BUSY', 'code SQLITE_BUSY']],
    run: ({ s, file }) => {
      const other = new Database(file)
      other.exec('BEGIN IMMEDIATE')
      try {
        return s.run(insert(items, { sku: 'L-1', name: 'blocked' }))
      } finally {
        other.exec('ROLLBACK')
        other.close()
      }
    }
  },

  // ---------------------------------------------------------------- connections and files
  {
    input: 'a read-only connection asked to insert',
    tag: 'SqliteError',
    what: ['attempt to write a readonly database'],
    where: ['INSERT INTO "items"'],
    advice: 'Write through a connection opened without readonly: true.',
    check: (e) => [[e._tag === 'SqliteError' && e.code.startsWith('SQLITE_READONLY'), 'code SQLITE_READONLY']],
    run: ({ file }) => session(connect(file, { readonly: true })).run(insert(items, { sku: 'R-1', name: 'ro' }))
  },
  {
    input: 'a read-only connection asked to update',
    tag: 'SqliteError',
    what: ['attempt to write a readonly database'],
    where: ['UPDATE "items"'],
    advice: 'Write through a connection opened without readonly: true.',
    run: ({ file }) => session(connect(file, { readonly: true })).run(pipe(update(items), set({ qty: 0 }), byId(1)))
  },
  {
    input: 'a read-only connection asked to run a write transaction',
    tag: 'SqliteError',
    what: ['attempt to write a readonly database'],
    where: ['DELETE FROM "parts"'],
    advice: 'Write through a connection opened without readonly: true.',
    run: ({ file }) => transaction(connect(file, { readonly: true }), [pipe(deleteFrom(parts), filter(eq(parts.id, 1)))])
  },
  {
    input: 'a read-only connection to a file that does not exist',
    tag: 'ConnectionError',
    what: ['read-only', 'the file does not exist'],
    where: ['missing.db'],
    advice: 'Check the path; a read-only connection never creates the file.',
    check: (e, env) => [[e._tag === 'ConnectionError' && e.path === path.join(env.dir, 'missing.db'), 'path given']],
    run: ({ dir }) => session(connect(path.join(dir, 'missing.db'), { readonly: true })).run(pipe(select(items), count))
  },
  {
    input: 'a database file that is not SQLite',
    tag: 'ConnectionError',
    what: ['not a SQLite database'],
    where: ['notes.txt'],
    advice: 'Point connect() at the right file; the file was left untouched.',
    check: (e, env) => [
      [e._tag === 'ConnectionError' && e.path === path.join(env.dir, 'notes.txt'), 'path given'],
      [fs.readFileSync(path.join(env.dir, 'notes.txt'), 'utf8').startsWith('Dear diary'), 'the file is untouched']
    ],
    run: ({ dir }) => {
      const file = path.join(dir, 'notes.txt')
      fs.writeFileSync(file, 'Dear diary, this is not a database at all. '.repeat(100))
      return session(connect(file)).run(pipe(select(items), count))
    }
  },
  ...[0.5, 0.05].map((fraction): Case => ({
    input: `a database file truncated to ${fraction * 100}% of its size`,
    tag: 'ConnectionError',
    what: [/malformed|corrupt/i],
    where: ['truncated.db'],
    advice: 'The file is damaged: restore it from a backup (sqlite3 .recover may save part of it).',
    check: (e, env) => [[e._tag === 'ConnectionError' && e.path === path.join(env.dir, 'truncated.db'), 'path given']],
    run: ({ dir }) => {
      const file = path.join(dir, 'truncated.db')
      // A real database of a few hundred pages, closed cleanly (its WAL folded in), then cut short.
      const w = session(connect(file))
      unwrap(w.run(createTable(items)))
      unwrap(
        w.run(
          insert(
            items,
            Array.from({ length: 3000 }, (_, i) => ({ sku: `S-${i}`, name: `item ${i} ${'x'.repeat(100)}` }))
          )
        )
      )
      w.close()
      fs.truncateSync(file, Math.floor(fs.statSync(file).size * fraction))
      const r = session(connect(file))
      const results: Array<E.Either<DbError, unknown>> = [
        r.run(pipe(select(items), count)),
        r.run(pipe(select(items), all)),
        r.run(insert(items, { sku: 'new', name: 'new' }))
      ]
      r.close()
      // Every query on it is a Left; report the first.
      return results.find((x) => E.isRight(x)) ?? results[0]!
    }
  })),
  {
    input: 'a database path that is a folder',
    tag: 'ConnectionError',
    what: ['it is a folder, not a file'],
    where: ['sub'],
    advice: 'Name a file inside the folder.',
    run: ({ dir }) => {
      fs.mkdirSync(path.join(dir, 'sub'))
      return session(connect(path.join(dir, 'sub'))).run(pipe(select(items), count))
    }
  },
  {
    input: 'a database path in a folder that does not exist',
    tag: 'ConnectionError',
    what: ['does not exist', 'Create it first'],
    where: ['nowhere'],
    advice: 'Create the folder first (fs.mkdirSync(dir, { recursive: true })).',
    run: ({ dir }) => session(connect(path.join(dir, 'nowhere', 'x.db'))).run(pipe(select(items), count))
  },
  {
    input: 'a pragma name that is not a word',
    tag: 'ValidationError',
    what: ['invalid pragma name', 'use letters, digits and _'],
    where: ['cache_size; DROP TABLE items'],
    path: 'pragmas.cache_size; DROP TABLE items',
    advice: 'Use a real PRAGMA name.',
    noSql: true,
    run: ({ file }) => session(connect(file, { pragmas: { 'cache_size; DROP TABLE items': 1 } })).run(pipe(select(items), count))
  },
  {
    input: 'a pragma value that is not a number or a word',
    tag: 'ValidationError',
    what: ['invalid value for pragma'],
    where: ['cache_size'],
    path: 'pragmas.cache_size',
    advice: 'Give a number or a single word.',
    noSql: true,
    run: ({ file }) => session(connect(file, { pragmas: { cache_size: "1; ATTACH 'x' AS y" } })).run(pipe(select(items), count))
  },
  {
    input: 'a negative busyTimeoutMs',
    tag: 'ConnectionError',
    what: ['Cannot open database', 'timeout'],
    where: ['app.db'],
    advice: 'Give busyTimeoutMs a whole number >= 0 (milliseconds).',
    run: ({ file }) => session(connect(file, { busyTimeoutMs: -5 })).run(pipe(select(items), count))
  },
  {
    input: 'migrate() with a migrations folder that does not exist',
    tag: 'MigrationError',
    what: ['does not exist'],
    where: ['no-migrations'],
    advice: 'Create it (npx fp-lite-orm migrate init) or point the migrations option at the right folder.',
    run: ({ db, dir }) => migrate(db, { dir: path.join(dir, 'no-migrations') })
  },

  // ---------------------------------------------------------------- the worker pool
  {
    input: 'a closed pool asked to run a query',
    tag: 'ValidationError',
    what: ['The pool is closed'],
    where: ['workerPool'],
    advice: 'Create a new workerPool (close only at shutdown).',
    noSql: true,
    run: async ({ db }) => {
      const pool = workerPool(db, { readers: 1 })
      await pool.close()
      return pool.run(pipe(select(items), count))()
    }
  },
  {
    input: 'a closed pool asked to run a batch',
    tag: 'ValidationError',
    what: ['The pool is closed'],
    where: ['workerPool'],
    advice: 'Create a new workerPool.',
    noSql: true,
    run: async ({ db }) => {
      const pool = workerPool(db, { readers: 1 })
      await pool.close()
      return pool.batch([insert(items, { sku: 'P-1', name: 'pool' })])()
    }
  },
  {
    input: 'pool.run() given a value that is not a query',
    tag: 'ValidationError',
    what: ['Expected a query value'],
    where: ['with a terminal'],
    advice: 'Pass a finished query value.',
    noSql: true,
    run: async ({ db }) => {
      const pool = workerPool(db, { readers: 1 })
      try {
        return await pool.run(42 as never)()
      } finally {
        await pool.close()
      }
    }
  },
  {
    input: 'pool.run() with a param that cannot cross threads (a function)',
    tag: 'ValidationError',
    what: ['could not be sent to a worker thread', 'plain data'],
    where: ['worker thread'],
    advice: 'Bind plain values (numbers, strings, Dates, arrays, Buffers).',
    noSql: true,
    run: async ({ db }) => {
      const pool = workerPool(db, { readers: 1 })
      try {
        return await pool.run(qtyParam, { qty: () => 3 } as never)()
      } finally {
        await pool.close()
      }
    }
  }
]

// -------------------------------------------------------------------------------------
// running the catalogue
// -------------------------------------------------------------------------------------

/** The message, or the error's own `path` / `sql` fields, which say where. */
const mentions = (e: DbError, part: string | RegExp): boolean => {
  const field = (k: 'path' | 'sql'): string => {
    const v = (e as { readonly path?: unknown; readonly sql?: unknown })[k]
    return typeof v === 'string' ? v : ''
  }
  const texts = [e.message, field('path'), field('sql')]
  return texts.some((x) => (typeof part === 'string' ? x.includes(part) : part.test(x)))
}

const runCase = async (t: ExecutionContext, c: Case): Promise<void> => {
  const env = setup()
  const before = committedTables(env.file)
  env.events.length = 0
  let r: E.Either<DbError, unknown>
  try {
    r = await c.run(env)
  } catch (e) {
    t.fail(`it threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return
  }
  if (!t.true(E.isLeft(r), `expected a Left ${c.tag}, got ${JSON.stringify(r)}`) || E.isRight(r)) return
  const e = r.left
  t.is(e._tag, c.tag, `the error is ${e._tag}: ${e.message}`)
  for (const part of c.what) t.true(mentions(e, part), `the message says what: ${String(part)} (message: ${e.message})`)
  for (const part of c.where) t.true(mentions(e, part), `the message says where: ${String(part)} (message: ${e.message})`)
  if (c.path !== undefined) t.is((e as { path?: string }).path, c.path, 'path')
  if (c.noSql === true) {
    // The only statements allowed are the set-up of a fresh connection (none are logged).
    t.deepEqual(
      env.events.map((x) => x.sql),
      [],
      'caught before SQL: no statement ran'
    )
  }
  for (const [ok, what] of c.check?.(e, env) ?? []) t.true(ok, what)
  env.s.close()
  const after = committedTables(env.file)
  for (const [name, rows] of before) {
    if (c.arranges?.includes(name) !== true) t.is(after.get(name), rows, `nothing committed in ${name} was lost or changed`)
  }
  const added = [...after.keys()].filter((name) => !before.has(name))
  t.deepEqual(added, [...(c.creates ?? [])], 'no table was created or dropped')
}

for (const c of CASES) {
  const title = `${c.input} -> Left ${c.tag}`
  if (c.bug === undefined) test(title, (t) => runCase(t, c))
  else
    test.failing(`BUG: ${title}`, async (t) => {
      t.log(c.bug)
      await runCase(t, c)
    })
}

test('every case has what, where and advice, and no two share a name', (t) => {
  const names = new Set<string>()
  for (const c of CASES) {
    t.true(c.what.length > 0 && c.where.length > 0 && c.advice.length > 0, c.input)
    t.false(names.has(c.input), `duplicate case ${c.input}`)
    t.false(c.input.includes('|'), `${c.input} cannot sit in a Markdown table`)
    names.add(c.input)
  }
})

// -------------------------------------------------------------------------------------
// inputs that are not errors, and behaviours documented by test
// -------------------------------------------------------------------------------------

test('and() with no argument is true and or() is false, inArray(col, []) false and notInArray(col, []) true: not errors', (t) => {
  const { s, file } = setup()
  const before = committed(file)
  t.is(unwrap(s.run(pipe(select(items), filter(and()), count))), 3, 'and() matches every row')
  t.is(unwrap(s.run(pipe(select(items), filter(or()), count))), 0, 'or() matches none')
  t.is(unwrap(s.run(pipe(select(items), filter(not(or())), count))), 3, 'not(or()) matches every row')
  t.is(unwrap(s.run(pipe(select(items), filter(not(and())), count))), 0, 'not(and()) matches none')
  t.is(unwrap(s.run(pipe(select(items), filter(or(and(), eq(items.id, 1))), count))), 3)
  t.is(unwrap(s.run(pipe(select(items), filter(and(or(), eq(items.id, 1))), count))), 0)
  t.is(unwrap(s.run(pipe(select(items), filter(inArray(items.id, [])), count))), 0, 'inArray(col, []) is false')
  t.is(unwrap(s.run(pipe(select(items), filter(notInArray(items.id, [])), count))), 3, 'notInArray(col, []) is true')
  // As the filter of a write: and() is a filter (so the update is allowed) that matches every row.
  t.is(unwrap(s.run(pipe(update(items), set({ qty: 5 }), filter(or())))).changes, 0)
  t.is(committed(file), before, 'or() changed nothing')
  t.is(unwrap(s.run(pipe(update(items), set({ qty: 5 }), filter(and())))).changes, 3)
  s.close()
})

test('a closed session: the next run reopens the handle, and nothing committed is lost', (t) => {
  const { s, db, file } = setup()
  const before = JSON.parse(committedTables(file).get('items')!) as unknown[]
  s.close()
  s.close() // closing twice is harmless
  t.is(unwrap(s.run(pipe(select(items), count))), 3, 'run after close reopens')
  const other = session(db)
  other.close() // a session on the same db and thread shares (and closes) the handle
  t.is(unwrap(s.run(insert(items, { sku: 'D-4', name: 'after reopen' }))).changes, 1)
  s.close()
  const after = session(connect(file))
  t.is(unwrap(after.run(pipe(select(items), count))), 4)
  t.deepEqual(
    (JSON.parse(committedTables(file).get('items')!) as unknown[]).slice(0, 3),
    before,
    'the rows committed before the close are all there'
  )
  after.close()
})

test('structuredClone and JSON round trips of queries run identically', (t) => {
  const { s } = setup()
  const read = pipe(select(items), filter(eq(items.qty, placeholder('qty'))), all)
  t.deepEqual(s.run(structuredClone(read), { qty: 3 }), s.run(read, { qty: 3 }))
  const byName = pipe(select(items), filter(eq(items.name, 'anvil')), first)
  t.deepEqual(s.run(JSON.parse(JSON.stringify(byName)) as typeof byName), s.run(byName))
  const ins = insert(items, { sku: 'CL-1', name: 'cloned', at: new Date('2020-01-01T00:00:00.000Z') })
  t.is(unwrap(s.run(structuredClone(ins))).changes, 1)
  const row = unwrap(s.run(pipe(select(items), filter(eq(items.sku, 'CL-1')), one)))
  t.deepEqual(row.at, new Date('2020-01-01T00:00:00.000Z'))
  t.true(row.active === null && row.prefs === null)
  s.close()
})

test('a database file with no permission (chmod 000) is a Left ConnectionError naming the path', (t) => {
  if (process.getuid?.() === 0) {
    // Permissions are not enforced for root: the open would succeed and prove nothing.
    t.log('skipped: running as root, where file permissions are not enforced')
    t.pass()
    return
  }
  if (process.platform === 'win32') {
    t.log('skipped: chmod 000 does not deny reading on Windows')
    t.pass()
    return
  }
  const { dir, file, s } = setup()
  s.close()
  const before = committed(file)
  fs.chmodSync(file, 0o000)
  try {
    let r: E.Either<DbError, number>
    try {
      r = session(connect(file)).run(pipe(select(items), count))
    } catch (e) {
      t.fail(`it threw: ${String(e)}`)
      return
    }
    t.true(E.isLeft(r))
    if (E.isLeft(r)) {
      t.is(r.left._tag, 'ConnectionError')
      t.true(r.left.message.includes(file), r.left.message)
      t.regex(r.left.message, /readable|permission|unable to open/i)
    }
  } finally {
    fs.chmodSync(file, 0o644)
  }
  t.is(committed(file), before)
  t.truthy(dir)
})

test('the catalogue is documented: every case has its row in docs/errors.md', (t) => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8')
  // The table's rows as cells (Prettier pads them to line the columns up).
  const rows = doc
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()))
  for (const c of CASES) {
    const row = rows.find((cells) => cells[1] === c.input)
    if (t.truthy(row, `docs/errors.md has no row for: ${c.input}`) && row !== undefined) {
      t.is(row[2], c.tag, `the row for ${c.input} names ${c.tag}`)
    }
  }
  for (const extra of ['and() / or() with no argument', 'run() on a closed session', 'a database file with no permission (chmod 000)']) {
    t.true(
      rows.some((cells) => cells[1] === extra),
      extra
    )
  }
})

// The Markdown rows of docs/errors.md, written out: FP_LITE_ERRORS_TABLE=/tmp/rows.md npx ava spec/bad-input.test.ts
if (process.env.FP_LITE_ERRORS_TABLE !== undefined) {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const code = (x: string) => (x.includes('`') ? `\`\` ${x} \`\`` : `\`${x}\``)
  const excerpt = (c: Case) => [...c.what, ...c.where].map((p) => code(esc(typeof p === 'string' ? p : p.source))).join(', ')
  const rows = CASES.map(
    (c) => `| ${c.input} | ${c.tag} | ${excerpt(c)} | ${esc(c.advice)}${c.bug === undefined ? '' : ' **Bug:** see below.'} |`
  )
  fs.writeFileSync(process.env.FP_LITE_ERRORS_TABLE, `${rows.join('\n')}\n`)
}

test('stored values of the wrong kind in a non-STRICT table are a DecodeError for integer, real, text and blob columns', (t) => {
  const db = connect(path.join(tempDir(), 'kinds.db'))
  const s = session(db)
  const kinds = table('kinds', { id: integer().primaryKey(), n: integer(), r: real(), s: text(), b: blob() })
  unwrap(s.run(createTable(kinds)))
  unwrap(s.run(insert(kinds, { n: 1, r: 1.5, s: 'ok', b: Buffer.from([1]) })))
  // Written around the library: each column of row 2 gets a value SQLite keeps as it is.
  const wrong = [
    { column: 'n', value: 'seven', expected: 'a number' },
    { column: 'r', value: Buffer.from('x'), expected: 'a number' },
    { column: 's', value: Buffer.from([0xff]), expected: 'text' },
    { column: 'b', value: 'not bytes', expected: 'a blob' }
  ] as const
  for (const w of wrong) {
    unwrap(s.run(raw(sql`DELETE FROM ${kinds} WHERE ${kinds.id} = 2`)))
    unwrap(s.run(raw(sql`INSERT INTO ${kinds} (id, ${sql.identifier(w.column)}) VALUES (2, ${w.value})`)))
    const r = s.run(pipe(select(kinds), all))
    t.like(r, { _tag: 'Left', left: { _tag: 'DecodeError' } }, w.column)
    if (E.isLeft(r) && r.left._tag === 'DecodeError') {
      t.like(r.left.issues[0], { path: `[1].${w.column}`, expected: w.expected }, w.column)
    }
  }
  // Row 1 alone reads as it is.
  t.deepEqual(s.run(pipe(select(kinds), filter(eq(kinds.id, 1)), all)), E.right([{ id: 1, n: 1, r: 1.5, s: 'ok', b: Buffer.from([1]) }]))
  s.close()
})
