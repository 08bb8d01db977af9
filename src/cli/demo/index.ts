/**
 * `fp-lite-orm demo [path]`: the library's main job on an embedded default.
 *
 * It creates a small shop database (customers, products, orders) through its migrations
 * (the checked-in .sql files in ../demo-migrations/, written from the schema objects of schema.ts by
 * the library's own diff), fills it with sample rows the first time, and runs
 * representative queries, printing each under a heading with the code that built it.
 * Everything goes through the public API, exactly as an application would use it.
 *
 * Running it again on the same file applies no migration (they are recorded in
 * `_lite_migr`), inserts nothing (each table is seeded only while it is empty) and prints
 * the same query results: the expected failures shown (a bad insert, a duplicate email,
 * a missing parent row) are refused before anything is written.
 *
 * The folder: schema.ts (the tables), data.ts (the sample rows), steps.ts (the queries
 * and what each step prints), print.ts (the printing); this file sets up and runs them.
 */
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { AnyTable, Db, DbError, InsertValues, Session } from '../../index.js'
import { connect, count, createTable, insert, migrate, select, session, toSQL } from '../../index.js'
import { customers, products, orders, DEMO_MIGRATIONS } from './schema.js'
import { sampleCustomers, sampleProducts, sampleOrders } from './data.js'
import type { Out } from './print.js'
import { steps } from './steps.js'

// -------------------------------------------------------------------------------------
// set-up
// -------------------------------------------------------------------------------------

/** Inserts the sample rows into a table that is still empty; returns what it did. */
const seed = <T extends AnyTable>(s: Session, name: string, t: T, rows: ReadonlyArray<InsertValues<T>>): E.Either<DbError, string> =>
  pipe(
    s.run(pipe(select(t), count)),
    E.chain((n) =>
      n > 0
        ? E.right(`${name.padEnd(10)} kept the ${n} rows already there`)
        : pipe(
            s.run(insert(t, rows)),
            E.map((r) => `${name.padEnd(10)} inserted ${r.changes} rows`)
          )
    )
  )

const setUp = (db: Db, s: Session, out: Out): E.Either<DbError, void> =>
  pipe(
    migrate(db, { dir: DEMO_MIGRATIONS }),
    // A file an earlier demo made (with createTable, before it had migrations) holds the
    // tables but no record of the migration: say so rather than only "already exists".
    E.mapLeft((e): DbError =>
      e._tag === 'MigrationError' && /already exists/.test(e.message)
        ? {
            ...e,
            message: `${e.message}\nThis file holds demo tables that no recorded migration made (an older demo created them): remove it, or run the demo on another path.`
          }
        : e
    ),
    E.map(({ applied }) =>
      out(
        applied.length > 0
          ? `Tables: migrate(db, { dir: 'demo-migrations' }) applied ${applied.join(', ')} (customers, products, orders, with their indexes).`
          : "Tables: migrate(db, { dir: 'demo-migrations' }) found nothing pending (recorded in _lite_migr by an earlier run)."
      )
    ),
    E.chain(() => toSQL(createTable(orders))),
    E.map((ddl) => {
      out('The orders table, as createTable(orders) compiles it (the migration holds the same definition):')
      for (const l of ddl.sql.split('\n')) out(`  ${l}`)
      out('Sample data (each table is filled only while it is empty):')
    }),
    E.chain(() => seed(s, 'customers', customers, sampleCustomers)),
    E.map((l) => out(`  ${l}`)),
    E.chain(() => seed(s, 'products', products, sampleProducts)),
    E.map((l) => out(`  ${l}`)),
    E.chain(() => seed(s, 'orders', orders, sampleOrders)),
    E.map((l) => out(`  ${l}`))
  )

const runSteps = (s: Session, out: Out, file: string): E.Either<DbError, void> =>
  steps.reduce<E.Either<DbError, void>>(
    (acc, step, i) =>
      pipe(
        acc,
        E.chain(() => {
          out('')
          out(`── ${i + 1}. ${step.title}`)
          for (const c of step.code) out(`  › ${c}`)
          return step.run(s, out, file)
        })
      ),
    E.right(undefined)
  )

// -------------------------------------------------------------------------------------
// entry point
// -------------------------------------------------------------------------------------

/** The default database file, relative to the working directory. */
export const DEFAULT_DEMO_PATH = './demo.db'

/**
 * Runs the demo against the database file at `file` (created when missing), writing
 * readable lines to `out`. A Left is a real failure (the file cannot be opened, a query
 * went wrong); the failures the demo shows on purpose are part of its output.
 */
export const runDemo = (file: string, out: Out): E.Either<DbError, void> => {
  const db = connect(file)
  const s = session(db)
  try {
    out(`fp-lite-orm demo: a small shop in ${db.file}`)
    return pipe(
      setUp(db, s, out),
      E.chain(() => runSteps(s, out, db.file)),
      E.map(() => {
        out('')
        out(`Done: ${steps.length} steps. The data stays in ${path.basename(db.file)}; run the demo again and the results are the same.`)
      })
    )
  } finally {
    s.close()
  }
}

// What the command, the specs and the studio's browser test use of the demo.
export { customers, demoTables, DEMO_MIGRATIONS, orders, products } from './schema.js'
