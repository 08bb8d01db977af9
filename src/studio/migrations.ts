/**
 * The migrations view: what `_lite_migr` records and what the folder holds, read the way
 * `migrate status` reads them (src/migrate's listMigrations and checksums) but without
 * creating `_lite_migr` (migrationStatus does, and the studio only looks).
 */
import type { LocalConnection } from '../driver/index.js'
import { firstValue, mapError } from '../driver/index.js'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { listMigrations } from '../migrate/files.js'
import type { MigrationFile } from '../migrate/files.js'
import { quoteName } from '../migrate/names.js'
import type { AppliedMigration } from '../migrate/runner.js'
import { MIGRATIONS_TABLE } from '../migrate/runner.js'
import type { DriftItem, MigrationView, MigrationsView } from './model.js'

/** The rows of `_lite_migr`, or none when it does not exist yet. */
export const appliedMigrations = (h: LocalConnection): E.Either<DbError, AppliedMigration[]> => {
  try {
    const exists = firstValue(h, `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`, MIGRATIONS_TABLE) !== undefined
    if (!exists) return E.right([])
    return E.right(
      h
        .prepare(`SELECT name, checksum, applied_at AS appliedAt FROM ${quoteName(MIGRATIONS_TABLE)} ORDER BY applied_at, name`)
        .all() as AppliedMigration[]
    )
  } catch (e) {
    return E.left(mapError(e))
  }
}

/** Applied migrations in the order they were applied, then the pending ones in name order. */
export const migrationsView = (h: LocalConnection, folder: string | undefined): MigrationsView => {
  const applied = appliedMigrations(h)
  if (E.isLeft(applied)) return { migrations: [], problem: applied.left.message }
  const files = folder === undefined ? E.right<DbError, MigrationFile[]>([]) : listMigrations(folder)
  const byName = new Map((E.isRight(files) ? files.right : []).map((f) => [f.name, f] as const))
  const appliedNames = new Set(applied.right.map((a) => a.name))
  const sqlOf = (f: MigrationFile | undefined) =>
    f === undefined ? { up: [] } : { kind: f.kind, up: f.up, ...(f.down === undefined ? {} : { down: f.down }) }
  const migrations: MigrationView[] = [
    ...applied.right.map((a) => {
      const f = byName.get(a.name)
      return {
        name: a.name,
        state: 'applied' as const,
        appliedAt: a.appliedAt,
        checksum: a.checksum,
        ...(f === undefined ? {} : { fileChecksum: f.checksum }),
        edited: f !== undefined && f.checksum !== a.checksum,
        missing: folder !== undefined && E.isRight(files) && f === undefined,
        ...sqlOf(f)
      }
    }),
    ...[...byName.values()]
      .filter((f) => !appliedNames.has(f.name))
      .map((f) => ({ name: f.name, state: 'pending' as const, checksum: f.checksum, edited: false, missing: false, ...sqlOf(f) }))
  ]
  return {
    ...(folder === undefined ? {} : { folder }),
    ...(E.isLeft(files) ? { problem: files.left.message } : {}),
    migrations
  }
}

/** The migration part of what `migrate check` reports: pending migrations and edited ones. */
export const migrationDrift = (v: MigrationsView): DriftItem[] => [
  ...v.migrations.filter((m) => m.state === 'pending').map((m) => ({ kind: 'pending' as const, text: `pending migration ${m.name}` })),
  ...v.migrations.filter((m) => m.edited).map((m) => ({ kind: 'edited' as const, text: `applied migration ${m.name} was edited` }))
]
