/**
 * Expressions: every operator run against real rows, with the exact rows it returns,
 * and the edge cases of the contract (NULL comparisons, empty IN lists, LIKE escaping,
 * empty and/or, column-to-column comparisons, encoding by column kind, bad values).
 */
import test from 'ava'
import { pipe } from 'fp-ts/lib/function.js'
import * as E from 'fp-ts/lib/Either.js'
import type { Expr, Session } from '../src/index.js'
import {
  all,
  and,
  between,
  boolean,
  contains,
  createTable,
  endsWith,
  eq,
  filter,
  gt,
  gte,
  inArray,
  insert,
  integer,
  isNotNull,
  isNull,
  like,
  lower,
  lt,
  lte,
  ne,
  not,
  notInArray,
  or,
  orderBy,
  real,
  select,
  session,
  startsWith,
  table,
  text,
  timestamp,
  toSQL,
  upper,
  values
} from '../src/index.js'
import { tempDb, unwrap, unwrapLeft } from './helpers/db.js'

// -------------------------------------------------------------------------------------
// fixtures
// -------------------------------------------------------------------------------------

const people = table('people', {
  id: integer().primaryKey(),
  name: text().notNull(),
  nick: text(),
  age: integer(),
  score: real(),
  active: boolean().notNull().default(true),
  joined: timestamp(),
  a: integer(),
  b: integer()
})

const words = table('words', {
  id: integer().primaryKey(),
  w: text().notNull()
})

const PEOPLE_SQL =
  'SELECT "people"."id", "people"."name", "people"."nick", "people"."age", "people"."score", "people"."active", ' +
  '"people"."joined", "people"."a", "people"."b" FROM "people"'

// One database file for the whole file: every test here only reads.
const s: Session = (() => {
  const db = tempDb()
  const ses = session(db)
  unwrap(ses.run(createTable(people)))
  unwrap(ses.run(createTable(words)))
  unwrap(
    ses.run(
      insert(people, [
        { id: 1, name: 'Ann', nick: 'annie', age: 30, score: 1.5, active: true, joined: new Date('2024-01-01T00:00:00.000Z'), a: 1, b: 1 },
        { id: 2, name: 'bob', nick: null, age: 17, score: null, active: false, joined: new Date('2024-02-01T00:00:00.000Z'), a: 1, b: 2 },
        { id: 3, name: 'Cleo', nick: 'C', age: null, score: 3, active: true, joined: null, a: 5, b: 5 },
        { id: 4, name: 'Dan', nick: 'dan', age: 45, score: 2.25, active: false, joined: new Date('2024-03-15T12:30:00.000Z'), a: 2, b: 1 },
        { id: 5, name: 'Tom', nick: null, age: 18, score: 0, active: true, joined: new Date('2023-12-31T23:59:59.999Z'), a: null, b: 3 }
      ])
    )
  )
  unwrap(
    ses.run(
      insert(words, [
        { id: 1, w: '100%' },
        { id: 2, w: '1000' },
        { id: 3, w: 'a_b' },
        { id: 4, w: 'axb' },
        { id: 5, w: 'a\\b' },
        { id: 6, w: 'ab' },
        { id: 7, w: 'HELLO' },
        { id: 8, w: 'Élan' },
        { id: 9, w: '50%_off' }
      ])
    )
  )
  return ses
})()

/** The ids of the people rows where `cond` holds, in id order. */
const ids = (cond: Expr<boolean | null>): number[] =>
  unwrap(s.run(pipe(select(people), filter(cond), orderBy(people.id), values(people.id))))

/** The words where `cond` holds, in id order. */
const wordsWhere = (cond: Expr<boolean | null>): string[] =>
  unwrap(s.run(pipe(select(words), filter(cond), orderBy(words.id), values(words.w))))

// -------------------------------------------------------------------------------------
// comparison
// -------------------------------------------------------------------------------------

test('eq matches equal values', (t) => {
  t.deepEqual(ids(eq(people.age, 30)), [1])
  t.deepEqual(ids(eq(people.name, 'Tom')), [5])
  t.deepEqual(ids(eq(people.score, 2.25)), [4])
  t.deepEqual(ids(eq(people.name, 'nobody')), [])
})

test('eq returns the exact full rows, decoded by column kind', (t) => {
  t.deepEqual(unwrap(s.run(pipe(select(people), filter(eq(people.id, 2)), all))), [
    { id: 2, name: 'bob', nick: null, age: 17, score: null, active: false, joined: new Date('2024-02-01T00:00:00.000Z'), a: 1, b: 2 }
  ])
  t.deepEqual(unwrap(toSQL(pipe(select(people), filter(eq(people.id, 2)), all))), {
    sql: `${PEOPLE_SQL} WHERE "people"."id" = ?`,
    params: [2]
  })
})

test('ne matches different values and leaves NULLs out (SQL semantics)', (t) => {
  t.deepEqual(ids(ne(people.age, 30)), [2, 4, 5])
  t.deepEqual(ids(ne(people.name, 'Ann')), [2, 3, 4, 5])
})

test('gt gte lt lte', (t) => {
  t.deepEqual(ids(gt(people.age, 18)), [1, 4])
  t.deepEqual(ids(gte(people.age, 18)), [1, 4, 5])
  t.deepEqual(ids(lt(people.age, 18)), [2])
  t.deepEqual(ids(lte(people.age, 18)), [2, 5])
  t.deepEqual(ids(gt(people.score, 1.5)), [3, 4])
  t.deepEqual(ids(lte(people.score, 1.5)), [1, 5])
  // text compares by SQLite's BINARY collation: upper case sorts before lower case
  t.deepEqual(ids(lt(people.name, 'D')), [1, 3])
})

test('a non-integer number may be compared with an integer column', (t) => {
  t.deepEqual(ids(gt(people.age, 17.5)), [1, 4, 5])
  t.deepEqual(ids(lt(people.age, 17.5)), [2])
})

test('between includes both ends', (t) => {
  t.deepEqual(ids(between(people.age, 17, 30)), [1, 2, 5])
  t.deepEqual(ids(between(people.age, 18, 18)), [5])
  t.deepEqual(ids(between(people.age, 46, 99)), [])
  t.deepEqual(ids(between(people.name, 'B', 'Z')), [3, 4, 5])
})

test('inArray and notInArray with values', (t) => {
  t.deepEqual(ids(inArray(people.age, [17, 45, 99])), [2, 4])
  t.deepEqual(ids(inArray(people.name, ['Ann', 'Tom'])), [1, 5])
  // NULL NOT IN (...) is NULL: the row with no age is left out
  t.deepEqual(ids(notInArray(people.age, [17, 45])), [1, 5])
  t.deepEqual(ids(notInArray(people.name, ['Ann', 'Tom'])), [2, 3, 4])
})

test('like uses the pattern as given: % and _ are wildcards', (t) => {
  t.deepEqual(ids(like(people.name, 'c%')), [3])
  t.deepEqual(ids(like(people.name, '_o_')), [2, 5])
  t.deepEqual(ids(like(people.name, '%n')), [1, 4])
  t.deepEqual(wordsWhere(like(words.w, 'a_b')), ['a_b', 'axb', 'a\\b'])
  t.deepEqual(wordsWhere(like(words.w, '100%')), ['100%', '1000'])
})

test('contains, startsWith, endsWith', (t) => {
  t.deepEqual(ids(contains(people.name, 'o')), [2, 3, 5])
  t.deepEqual(ids(startsWith(people.name, 'D')), [4])
  t.deepEqual(ids(endsWith(people.name, 'n')), [1, 4])
  t.deepEqual(ids(contains(people.nick, 'nn')), [1])
  t.deepEqual(ids(startsWith(people.name, '')), [1, 2, 3, 4, 5])
})

test('isNull and isNotNull', (t) => {
  t.deepEqual(ids(isNull(people.age)), [3])
  t.deepEqual(ids(isNull(people.nick)), [2, 5])
  t.deepEqual(ids(isNotNull(people.nick)), [1, 3, 4])
  t.deepEqual(ids(isNotNull(people.joined)), [1, 2, 4, 5])
})

test('and, or, not and their nesting', (t) => {
  t.deepEqual(ids(and(gt(people.age, 17), eq(people.active, true))), [1, 5])
  t.deepEqual(ids(or(eq(people.id, 1), eq(people.id, 3))), [1, 3])
  t.deepEqual(ids(not(eq(people.active, true))), [2, 4])
  t.deepEqual(ids(and(eq(people.id, 1))), [1])
  t.deepEqual(ids(or(eq(people.id, 4))), [4])
  // (age < 18 OR age > 40) AND NOT active
  t.deepEqual(ids(and(or(lt(people.age, 18), gt(people.age, 40)), not(eq(people.active, true)))), [2, 4])
  // a OR (b AND c): the parentheses are kept
  t.deepEqual(ids(or(eq(people.id, 5), and(eq(people.active, false), gt(people.age, 20)))), [4, 5])
  t.deepEqual(ids(not(or(eq(people.id, 1), isNull(people.age)))), [2, 4, 5])
})

// -------------------------------------------------------------------------------------
// NULL
// -------------------------------------------------------------------------------------

test('eq(col, null) compiles to IS NULL', (t) => {
  const q = pipe(select(people), filter(eq(people.nick, null)), orderBy(people.id), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE "people"."nick" IS NULL ORDER BY "people"."id" ASC',
    params: []
  })
  t.deepEqual(unwrap(s.run(q)), [2, 5])
})

test('ne(col, null) compiles to IS NOT NULL', (t) => {
  const q = pipe(select(people), filter(ne(people.nick, null)), orderBy(people.id), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE "people"."nick" IS NOT NULL ORDER BY "people"."id" ASC',
    params: []
  })
  t.deepEqual(unwrap(s.run(q)), [1, 3, 4])
})

// -------------------------------------------------------------------------------------
// IN with an empty list
// -------------------------------------------------------------------------------------

test('inArray(col, []) matches nothing and is not an error', (t) => {
  const q = pipe(select(people), filter(inArray(people.age, [])), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), { sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE 0', params: [] })
  const r = s.run(q)
  t.true(E.isRight(r))
  t.deepEqual(r, E.right([]))
  // as part of a larger condition it is just false
  t.deepEqual(ids(or(inArray(people.name, []), eq(people.id, 2))), [2])
  t.deepEqual(ids(and(inArray(people.name, []), eq(people.id, 2))), [])
})

test('notInArray(col, []) matches every row, NULLs included', (t) => {
  const q = pipe(select(people), filter(notInArray(people.age, [])), orderBy(people.id), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE 1 ORDER BY "people"."id" ASC',
    params: []
  })
  t.deepEqual(unwrap(s.run(q)), [1, 2, 3, 4, 5])
})

// -------------------------------------------------------------------------------------
// LIKE helpers escape their wildcards
// -------------------------------------------------------------------------------------

test('contains escapes % and _ and \\', (t) => {
  // '0%' is '100%' and '50%_off', never '1000'
  t.deepEqual(wordsWhere(contains(words.w, '0%')), ['100%', '50%_off'])
  t.deepEqual(wordsWhere(contains(words.w, '00%')), ['100%'])
  t.deepEqual(wordsWhere(contains(words.w, '%')), ['100%', '50%_off'])
  t.deepEqual(wordsWhere(contains(words.w, '_')), ['a_b', '50%_off'])
  t.deepEqual(wordsWhere(contains(words.w, 'a_b')), ['a_b'])
  t.deepEqual(wordsWhere(contains(words.w, '\\')), ['a\\b'])
  t.deepEqual(wordsWhere(contains(words.w, 'a\\b')), ['a\\b'])
  t.deepEqual(wordsWhere(contains(words.w, '%_')), ['50%_off'])
})

test('startsWith escapes % and _ and \\', (t) => {
  t.deepEqual(wordsWhere(startsWith(words.w, 'a_')), ['a_b'])
  t.deepEqual(wordsWhere(startsWith(words.w, 'a\\')), ['a\\b'])
  t.deepEqual(wordsWhere(startsWith(words.w, '100%')), ['100%'])
  t.deepEqual(wordsWhere(startsWith(words.w, '%')), [])
  t.deepEqual(wordsWhere(startsWith(words.w, '_')), [])
})

test('endsWith escapes % and _ and \\', (t) => {
  t.deepEqual(wordsWhere(endsWith(words.w, '%')), ['100%'])
  t.deepEqual(wordsWhere(endsWith(words.w, '_b')), ['a_b'])
  t.deepEqual(wordsWhere(endsWith(words.w, '\\b')), ['a\\b'])
  t.deepEqual(wordsWhere(endsWith(words.w, '_')), [])
})

test('LIKE helpers bind an escaped pattern with an ESCAPE clause', (t) => {
  const q = pipe(select(words), filter(contains(words.w, '5%_\\')), values(words.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: `SELECT "words"."id" AS "value" FROM "words" WHERE "words"."w" LIKE ? ESCAPE '\\'`,
    params: ['%5\\%\\_\\\\%']
  })
  t.deepEqual(unwrap(toSQL(pipe(select(words), filter(startsWith(words.w, 'x_')), values(words.id)))).params, ['x\\_%'])
  t.deepEqual(unwrap(toSQL(pipe(select(words), filter(endsWith(words.w, 'x%')), values(words.id)))).params, ['%x\\%'])
})

test('LIKE is case-insensitive for ASCII letters only (SQLite without ICU)', (t) => {
  t.deepEqual(wordsWhere(like(words.w, 'hello')), ['HELLO'])
  t.deepEqual(wordsWhere(contains(words.w, 'ell')), ['HELLO'])
  t.deepEqual(wordsWhere(startsWith(words.w, 'A_B')), ['a_b'])
  t.deepEqual(ids(startsWith(people.name, 'b')), [2])
  t.deepEqual(ids(startsWith(people.name, 'B')), [2])
  // non-ASCII letters are not folded: 'é' does not match 'É'
  t.deepEqual(wordsWhere(startsWith(words.w, 'É')), ['Élan'])
  t.deepEqual(wordsWhere(startsWith(words.w, 'é')), [])
  // eq is exact (BINARY collation)
  t.deepEqual(wordsWhere(eq(words.w, 'hello')), [])
})

// -------------------------------------------------------------------------------------
// and() / or() with no arguments
// -------------------------------------------------------------------------------------

test('and() is true and or() is false', (t) => {
  t.deepEqual(ids(and()), [1, 2, 3, 4, 5])
  t.deepEqual(ids(or()), [])
  t.deepEqual(ids(not(and())), [])
  t.deepEqual(ids(not(or())), [1, 2, 3, 4, 5])
  t.deepEqual(ids(and(and(), eq(people.id, 3))), [3])
  t.deepEqual(ids(or(or(), eq(people.id, 3))), [3])
  t.is(unwrap(toSQL(pipe(select(people), filter(and()), values(people.id)))).sql, 'SELECT "people"."id" AS "value" FROM "people" WHERE 1')
  t.is(unwrap(toSQL(pipe(select(people), filter(or()), values(people.id)))).sql, 'SELECT "people"."id" AS "value" FROM "people" WHERE 0')
})

// -------------------------------------------------------------------------------------
// columns and expressions on either side
// -------------------------------------------------------------------------------------

test('column-to-column comparison', (t) => {
  t.deepEqual(ids(eq(people.a, people.b)), [1, 3])
  t.deepEqual(ids(gt(people.a, people.b)), [4])
  t.deepEqual(ids(lt(people.a, people.b)), [2])
  t.deepEqual(ids(ne(people.a, people.b)), [2, 4])
  t.deepEqual(ids(between(people.b, people.a, people.a)), [1, 3])
  const q = pipe(select(people), filter(eq(people.a, people.b)), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE "people"."a" = "people"."b"',
    params: []
  })
})

test('operators over expressions', (t) => {
  t.deepEqual(ids(eq(lower(people.name), 'tom')), [5])
  t.deepEqual(ids(eq(upper(people.nick), 'DAN')), [4])
  t.deepEqual(ids(inArray(lower(people.name), ['ann', 'bob'])), [1, 2])
  t.deepEqual(ids(startsWith(lower(people.name), 'c')), [3])
  t.deepEqual(ids(eq(upper(people.nick), upper(people.name))), [4])
  const q = pipe(select(people), filter(eq(lower(people.name), 'tom')), values(people.id))
  t.deepEqual(unwrap(toSQL(q)), {
    sql: 'SELECT "people"."id" AS "value" FROM "people" WHERE lower("people"."name") = ?',
    params: ['tom']
  })
})

// -------------------------------------------------------------------------------------
// values are encoded by the kind of the column they are compared with
// -------------------------------------------------------------------------------------

test('a Date compared with a timestamp column is bound as ISO text', (t) => {
  const when = new Date('2024-02-01T00:00:00.000Z')
  const q = pipe(select(people), filter(eq(people.joined, when)), values(people.id))
  t.deepEqual(unwrap(toSQL(q)).params, ['2024-02-01T00:00:00.000Z'])
  t.deepEqual(unwrap(s.run(q)), [2])
  t.deepEqual(ids(gt(people.joined, new Date('2024-01-15T00:00:00Z'))), [2, 4])
  t.deepEqual(ids(lt(people.joined, new Date('2024-01-01T00:00:00Z'))), [5])
  t.deepEqual(ids(between(people.joined, new Date('2023-12-31T23:59:59.999Z'), new Date('2024-01-01T00:00:00Z'))), [1, 5])
  t.deepEqual(ids(inArray(people.joined, [new Date('2024-03-15T12:30:00.000Z'), new Date('2000-01-01T00:00:00Z')])), [4])
})

test('a boolean compared with a boolean column is bound as 0/1', (t) => {
  const q = pipe(select(people), filter(eq(people.active, false)), orderBy(people.id), values(people.id))
  t.deepEqual(unwrap(toSQL(q)).params, [0])
  t.deepEqual(unwrap(s.run(q)), [2, 4])
  t.deepEqual(ids(eq(people.active, true)), [1, 3, 5])
  t.deepEqual(ids(ne(people.active, true)), [2, 4])
  t.deepEqual(ids(inArray(people.active, [true])), [1, 3, 5])
  t.deepEqual(unwrap(toSQL(pipe(select(people), filter(inArray(people.active, [true, false])), values(people.id)))).params, [1, 0])
})

// -------------------------------------------------------------------------------------
// bad values: Left ValidationError when run, never a throw when built
// -------------------------------------------------------------------------------------

test('a wrong-typed value is Left ValidationError when run', (t) => {
  const cases: ReadonlyArray<Expr<boolean>> = [
    eq(people.age, 'x' as never),
    gt(people.age, 'x' as never),
    eq(people.name, 5 as never),
    eq(people.active, 1 as never),
    lt(people.joined, '2024-01-01' as never),
    eq(people.joined, new Date('not a date') as never),
    eq(people.score, Number.NaN),
    between(people.age, 1, 'z' as never),
    inArray(people.age, [1, 'x' as never]),
    notInArray(people.active, ['yes' as never])
  ]
  for (const cond of cases) {
    const q = pipe(select(people), filter(cond), values(people.id))
    const err = unwrapLeft(s.run(q))
    t.is(err._tag, 'ValidationError')
    t.is(unwrapLeft(toSQL(q))._tag, 'ValidationError')
  }
  const err = unwrapLeft(s.run(pipe(select(people), filter(eq(people.age, 'x' as never)), values(people.id))))
  t.regex(err.message, /people\.age/)
  t.regex(err.message, /"x"/)
})

test('undefined as a value is Left ValidationError when run', (t) => {
  for (const cond of [
    eq(people.age, undefined as never),
    ne(people.name, undefined as never),
    gte(people.joined, undefined as never),
    inArray(people.age, [undefined as never])
  ]) {
    const err = unwrapLeft(s.run(pipe(select(people), filter(cond), values(people.id))))
    t.is(err._tag, 'ValidationError')
    t.regex(err.message, /undefined/)
  }
})
