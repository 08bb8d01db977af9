/**
 * Statement logging: every statement is logged in the order it runs (a preload after the
 * query whose rows gave its keys; the implicit BEGIN IMMEDIATE / COMMIT or SAVEPOINT /
 * RELEASE of a write of several statements), and `log: 'console'` (`consoleLog`) prints
 * each with its SQL, params and duration. The order is checked against SQLite's own
 * record of what ran: a user function the statements call, in the order SQLite calls it.
 */
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { ConnectOptions, LogEvent } from '../src/index.js'
import {
  all,
  connect,
  consoleLog,
  createTable,
  eq,
  filter,
  first,
  hasMany,
  insert,
  integer,
  orderBy,
  preload,
  raw,
  select,
  session,
  sql,
  table,
  text,
  transaction
} from '../src/index.js'
import { acquire } from '../src/conn/registry.js'
import { tempDb, tempDir, unwrap } from './helpers/db.js'
import { users } from './fixtures/tables.js'

const posts = table('posts', {
  id: integer().primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id),
  title: text().notNull()
})
const userPosts = hasMany(users, posts, posts.userId)
const bare = table('bare', { id: integer().primaryKey(), note: text() })

const recorded = (options: ConnectOptions = {}) => {
  const events: LogEvent[] = []
  const db = tempDb({ ...options, log: (e) => events.push(e) })
  const s = session(db)
  for (const t of [users, posts, bare]) unwrap(s.run(createTable(t)))
  unwrap(s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }])))
  unwrap(
    s.run(
      insert(posts, [
        { userId: 1, title: 'a1' },
        { userId: 2, title: 'b1' },
        { userId: 1, title: 'a2' }
      ])
    )
  )
  events.length = 0
  return { db, s, events }
}

test('a preload is logged after the query whose rows gave its keys, each with its own duration', (t) => {
  const { s, events } = recorded()
  const rows = unwrap(s.run(pipe(select(users), orderBy(users.id), preload('posts', userPosts), all)))
  t.deepEqual(
    rows.map((u) => [u.name, u.posts.map((p) => p.title)]),
    [
      ['Ann', ['a1', 'a2']],
      ['Bob', ['b1']]
    ]
  )
  t.is(events.length, 2)
  t.regex(events[0]!.sql, /^SELECT .* FROM "users"/)
  t.deepEqual(events[0]!.params, [])
  t.regex(events[1]!.sql, /FROM "posts"/)
  // The preload's keys are the ids the first statement returned (one JSON array).
  t.deepEqual(JSON.parse(events[1]!.params[0] as string), [1, 2])
  for (const e of events) t.true(e.durationMs >= 0 && e.error === undefined)
  s.close()
})

test('the log order is the order SQLite ran the statements in', (t) => {
  // What SQLite ran, recorded from inside it: a user function the query's filter calls per row.
  const ran: string[] = []
  const db = tempDb({ log: (e) => ran.push(`log ${/FROM "posts"/.test(e.sql) ? 'posts' : 'users'}`) })
  const s = session(db)
  for (const tb of [users, posts]) unwrap(s.run(createTable(tb)))
  unwrap(s.run(insert(users, [{ name: 'Ann' }, { name: 'Bob' }])))
  unwrap(
    s.run(
      insert(posts, [
        { userId: 1, title: 'a1' },
        { userId: 2, title: 'b1' }
      ])
    )
  )
  const engine = unwrap(acquire(db)).db as unknown as Database.Database
  engine.function('mark', (id: unknown) => {
    ran.push(`ran users ${String(id)}`)
    return 1
  })
  ran.length = 0
  const rows = unwrap(
    s.run(pipe(select(users), filter(sql<boolean>`mark(${users.id}) = 1`), orderBy(users.id), preload('posts', userPosts), all))
  )
  t.deepEqual(
    rows.map((u) => u.posts.length),
    [1, 1]
  )
  // The query ran (SQLite called mark per row), was logged, and only then its preload ran and was logged.
  t.deepEqual(ran, ['ran users 1', 'ran users 2', 'log users', 'log posts'])
  s.close()
})

test('a write of several statements logs its implicit BEGIN IMMEDIATE and COMMIT around them', (t) => {
  const { db, s, events } = recorded()
  // Rows of defaults only: one INSERT per row, run as one transaction.
  unwrap(s.run(insert(bare, [{}, {}, {}])))
  t.deepEqual(
    events.map((e) => e.sql.split(' ')[0]),
    ['BEGIN', 'INSERT', 'INSERT', 'INSERT', 'COMMIT']
  )
  t.is(events[0]!.sql, 'BEGIN IMMEDIATE')
  s.close()
  const check = new Database(db.file, { readonly: true })
  t.is((check.prepare('SELECT count(*) AS n FROM bare').get() as { n: number }).n, 3)
  check.close()
})

test('inside a transaction, a write of several statements is a savepoint, logged too', (t) => {
  const { s, events } = recorded()
  const r = transaction(s, (tx) => tx.run(insert(bare, [{}, {}])))
  t.true(E.isRight(r))
  const verbs = events.map((e) => e.sql.replace(/"[^"]*"/g, '"x"'))
  t.deepEqual(verbs, [
    'BEGIN IMMEDIATE',
    'SAVEPOINT "x"',
    'INSERT INTO "x" DEFAULT VALUES',
    'INSERT INTO "x" DEFAULT VALUES',
    'RELEASE "x"',
    'COMMIT'
  ])
  s.close()
})

test('a failed statement of a multi-statement write is logged with its error, then the ROLLBACK', (t) => {
  const { s, events } = recorded()
  unwrap(s.run(raw(sql`CREATE UNIQUE INDEX one_note ON bare (note)`)))
  events.length = 0
  const r = s.run(insert(bare, [{ note: 'x' }, { note: 'x' }]))
  t.true(E.isLeft(r) && r.left._tag === 'ConstraintError')
  t.deepEqual(
    events.map((e) => [e.sql.split(' ')[0], e.error === undefined]),
    [
      ['BEGIN', true],
      ['INSERT', true],
      ['INSERT', false],
      ['ROLLBACK', true]
    ]
  )
  s.close()
})

test.serial("log: 'console' prints each statement's SQL, params and duration in ms", (t) => {
  const lines: string[] = []
  const original = console.log
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '))
  try {
    const db = tempDb({ log: 'console' })
    t.is(db.log, consoleLog)
    const s = session(db)
    unwrap(s.run(createTable(users)))
    unwrap(s.run(insert(users, { name: 'Ann' })))
    lines.length = 0
    unwrap(s.run(pipe(select(users), filter(eq(users.name, 'Ann')), first)))
    s.close()
  } finally {
    console.log = original
  }
  t.is(lines.length, 1)
  const line = lines[0]!
  t.regex(line, /^\[fp-lite-orm\] \d+\.\d{3} ms {2}SELECT .* FROM "users" WHERE .*= \?( LIMIT 1)? -- \["Ann"\]$/)
})

test.serial('consoleLog shows a failure, bigints and bytes readably', (t) => {
  const lines: string[] = []
  const original = console.log
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '))
  try {
    consoleLog({ sql: 'SELECT ?, ?, ?', params: [12n, new Uint8Array(3), null], durationMs: 1.5, error: 'no such table: x' })
  } finally {
    console.log = original
  }
  t.deepEqual(lines, ['[fp-lite-orm] 1.500 ms  SELECT ?, ?, ? -- [12n, <3 bytes>, null] -- failed: no such table: x'])
})

test('connect options take undefined for every optional property, under exactOptionalPropertyTypes', (t) => {
  const options: ConnectOptions = {
    readonly: undefined,
    busyTimeoutMs: undefined,
    pragmas: undefined,
    log: undefined,
    statementCacheSize: undefined
  }
  const db = connect(':memory:', options)
  t.is(db.log, undefined)
  t.is(db.busyTimeoutMs, 5000)
  // The project compiles without the flag, so check this one file with it.
  const dir = tempDir()
  const file = path.join(dir, 'exact.ts')
  const src = pathToFileURL(path.resolve('src/index.ts')).pathname
  fs.writeFileSync(
    file,
    `import { connect, consoleLog } from ${JSON.stringify(src.replace(/\.ts$/, '.js'))}\n` +
      `const maybe = (b: boolean) => (b ? consoleLog : undefined)\n` +
      `export const a = connect(':memory:', { log: maybe(true), busyTimeoutMs: undefined, readonly: undefined, pragmas: undefined, statementCacheSize: undefined })\n` +
      `export const b = connect(':memory:', { log: 'console' })\n`
  )
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node']
  })
  const problems = ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  t.deepEqual(problems, [])
})
