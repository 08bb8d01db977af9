/**
 * A migration round trip for schema features: create v1, diff after an edit to v2,
 * upgrade, check clean, down back to v1 (checked clean against v1), on a real file.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ExecutionContext } from 'ava'
import type { Db, Operation, Plan } from '../../src/index.js'
import { migrate, migrateDown, planMigration } from '../../src/index.js'
import type { SchemaItem } from '../../src/migrate/plan.js'
import { renderSqlMigration } from '../../src/migrate/files.js'
import { tempDb, tempDir, unwrap } from './db.js'

const write = (dir: string, name: string, plan: Plan): void =>
  fs.writeFileSync(path.join(dir, `${name}.sql`), renderSqlMigration(name, plan, new Date('2024-05-01T12:00:00Z')))

export interface RoundTrip {
  readonly db: Db
  readonly dir: string
  /** The operations of the v1 -> v2 migration. */
  readonly operations: ReadonlyArray<Operation>
  readonly plan: Plan
}

/** v1 created, then v2 planned and applied; `back` runs the down step and checks v1 again. */
export const roundTrip = (
  t: ExecutionContext,
  v1: ReadonlyArray<SchemaItem>,
  v2: ReadonlyArray<SchemaItem>,
  between?: (db: Db) => void
): RoundTrip & { readonly back: () => Promise<void> } => {
  const db = tempDb()
  const dir = tempDir()
  const first = unwrap(planMigration(db, v1))
  write(dir, '0001_v1', first)
  unwrap(migrate(db, { dir }))
  t.deepEqual(unwrap(planMigration(db, v1)).operations, [], 'v1 applied: check is clean')
  between?.(db)
  const plan = unwrap(planMigration(db, v2))
  t.true(plan.operations.length > 0, 'the edit is seen by the diff')
  write(dir, '0002_v2', plan)
  unwrap(migrate(db, { dir }))
  t.deepEqual(unwrap(planMigration(db, v2)).operations, [], 'v2 applied: check is clean')
  return {
    db,
    dir,
    operations: plan.operations,
    plan,
    back: async () => {
      t.is(unwrap(await migrateDown(db, { dir })).reverted, '0002_v2')
      t.deepEqual(unwrap(planMigration(db, v1)).operations, [], 'down: the database is v1 again')
    }
  }
}
