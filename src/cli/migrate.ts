/**
 * `fp-lite-orm migrate init | create NAME | upgrade | down | status | check | sql`.
 * Exit codes: 0 done (check: in sync), 1 failed (check: the database differs from the
 * schema, or migrations are pending), 2 bad usage.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { connect } from '../conn/connect.js'
import { release } from '../conn/registry.js'
import type { Rename } from '../migrate/diff.js'
import { describe } from '../migrate/diff.js'
import { listMigrations, renderSqlMigration, slug, timestampName } from '../migrate/files.js'
import { planMigration } from '../migrate/plan.js'
import { migrateAsync, migrateDown, migrationStatus } from '../migrate/runner.js'
import type { Config } from './config.js'
import { CONFIG_NAMES, DEFAULT_CONFIG, loadConfig, loadSchema } from './config.js'

type Out = (line: string) => void

export const MIGRATE_HELP = [
  'Usage: fp-lite-orm migrate <command> [--config FILE]',
  '',
  '  init                 Write fp-lite-orm.config.json and create the migrations folder.',
  '  create NAME          Diff the schema module against the database and write',
  '                       migrations/YYYYMMDDHHMMSS_NAME.sql (with a -- down part).',
  '                       --rename TABLE.OLD=NEW   a column rename (never guessed).',
  '  upgrade              Apply the pending migrations in one transaction.',
  '  down                 Undo the last applied migration.',
  '  status               List applied and pending migrations.',
  '  check                Exit 1 when the database differs from the schema (for CI).',
  '  sql                  Print the SQL that upgrade would run (a dry run).',
  '',
  `The config file (${CONFIG_NAMES[0]}, or .ts/.js) names the database, the migrations`,
  `folder and the schema module: ${JSON.stringify(DEFAULT_CONFIG)}`,
  'Exit codes: 0 done, 1 failed (or, for check, differences found), 2 bad usage.'
]

const fail = (err: Out, e: DbError): number => {
  err(`fp-lite-orm migrate: ${e._tag}: ${e.message}`)
  return 1
}

interface Parsed {
  readonly command: string | undefined
  readonly positional: string[]
  readonly config?: string
  readonly renames: Rename[]
  readonly problem?: string
}

const parse = (args: ReadonlyArray<string>): Parsed => {
  const positional: string[] = []
  const renames: Rename[] = []
  let config: string | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--config') {
      config = args[++i]
      if (config === undefined) return { command: undefined, positional, renames, problem: '--config needs a file' }
    } else if (a === '--rename') {
      const spec = args[++i] ?? ''
      const m = /^([^.=]+)\.([^=]+)=(.+)$/.exec(spec)
      if (m === null)
        return { command: undefined, positional, renames, problem: `--rename takes TABLE.OLD=NEW, got ${JSON.stringify(spec)}` }
      renames.push({ table: m[1]!, from: m[2]!, to: m[3]! })
    } else if (a.startsWith('--')) return { command: undefined, positional, renames, problem: `unknown option ${a}` }
    else positional.push(a)
  }
  const [command, ...rest] = positional
  return { command, positional: rest, renames, ...(config === undefined ? {} : { config }) }
}

const withConfig = async (cwd: string, p: Parsed, err: Out, f: (c: Config) => number | Promise<number>): Promise<number> => {
  const c = await loadConfig(cwd, p.config)
  if (E.isLeft(c)) return fail(err, c.left)
  const db = connect(c.right.db)
  try {
    return await f(c.right)
  } finally {
    release(db)
  }
}

/** Runs `migrate ...`; returns the exit code. */
export const runMigrate = async (args: ReadonlyArray<string>, cwd: string, out: Out, err: Out): Promise<number> => {
  const p = parse(args)
  if (p.problem !== undefined) {
    err(`fp-lite-orm migrate: ${p.problem}`)
    return 2
  }
  switch (p.command) {
    case undefined:
    case 'help':
      MIGRATE_HELP.forEach(out)
      return p.command === undefined && args.length > 0 ? 2 : 0
    case 'init': {
      const file = path.join(cwd, CONFIG_NAMES[0]!)
      if (fs.existsSync(file)) out(`${CONFIG_NAMES[0]} already exists: left as it is.`)
      else {
        fs.writeFileSync(file, `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`)
        out(`Wrote ${CONFIG_NAMES[0]}: ${JSON.stringify(DEFAULT_CONFIG)}`)
      }
      const c = await loadConfig(cwd, p.config)
      const dir = E.isRight(c) ? c.right.migrations : path.resolve(cwd, DEFAULT_CONFIG.migrations)
      fs.mkdirSync(dir, { recursive: true })
      out(`Migrations folder: ${path.relative(cwd, dir) || '.'}`)
      out('Next: export your tables from the schema module, then run `fp-lite-orm migrate create init`.')
      return 0
    }
    case 'create':
      if (p.positional.length !== 1) {
        err('fp-lite-orm migrate: create takes one NAME (e.g. `migrate create add_users`)')
        return 2
      }
      return withConfig(cwd, p, err, async (c) => {
        const name = slug(p.positional[0]!)
        if (name === '') {
          err('fp-lite-orm migrate: the migration name must contain letters or digits')
          return 2
        }
        const db = connect(c.db)
        const status = migrationStatus(db, { dir: c.migrations })
        if (E.isLeft(status)) return fail(err, status.left)
        if (status.right.pending.length > 0) {
          err(
            `fp-lite-orm migrate: ${status.right.pending.length} migration(s) are pending (${status.right.pending.join(', ')}): run \`migrate upgrade\` first, so the new one is diffed against an up-to-date database.`
          )
          return 1
        }
        const tables = await loadSchema(c.schema)
        if (E.isLeft(tables)) return fail(err, tables.left)
        const plan = planMigration(db, tables.right, p.renames)
        if (E.isLeft(plan)) return fail(err, plan.left)
        if (plan.right.operations.length === 0) {
          out('No changes: the database already matches the schema. No migration written.')
          return 0
        }
        const now = new Date()
        const fileName = `${timestampName(now)}_${name}.sql`
        const file = path.join(c.migrations, fileName)
        fs.writeFileSync(file, renderSqlMigration(fileName.replace(/\.sql$/, ''), plan.right, now))
        out(`Wrote ${path.relative(cwd, file)}:`)
        plan.right.operations.forEach((op) => out(`  ${describe(op)}`))
        plan.right.warnings.forEach((w) => out(`  WARNING: ${w}`))
        return 0
      })
    case 'upgrade':
      return withConfig(cwd, p, err, async (c) => {
        const r = await migrateAsync(connect(c.db), { dir: c.migrations })
        if (E.isLeft(r)) return fail(err, r.left)
        if (r.right.applied.length === 0) out('Nothing to apply: the database is up to date.')
        else {
          out(`Applied ${r.right.applied.length} migration(s):`)
          r.right.applied.forEach((n) =>
            out(`  ${n}${r.right.outOfOrder.includes(n) ? '   (out of order: it sorts before one applied earlier)' : ''}`)
          )
        }
        return 0
      })
    case 'down':
      return withConfig(cwd, p, err, async (c) => {
        const r = await migrateDown(connect(c.db), { dir: c.migrations })
        if (E.isLeft(r)) return fail(err, r.left)
        out(r.right.reverted === undefined ? 'Nothing to undo: no migration is applied.' : `Undid ${r.right.reverted}.`)
        return 0
      })
    case 'status':
      return withConfig(cwd, p, err, (c) => {
        const s = migrationStatus(connect(c.db), { dir: c.migrations })
        if (E.isLeft(s)) return fail(err, s.left)
        const { applied, pending, edited, missing } = s.right
        out(`Applied (${applied.length}):`)
        applied.forEach((a) =>
          out(
            `  ${a.name}   ${a.appliedAt}${edited.includes(a.name) ? '   EDITED since applied' : ''}${missing.includes(a.name) ? '   FILE MISSING' : ''}`
          )
        )
        out(`Pending (${pending.length}):`)
        pending.forEach((n) => out(`  ${n}`))
        return 0
      })
    case 'check':
      return withConfig(cwd, p, err, async (c) => {
        const db = connect(c.db)
        const s = migrationStatus(db, { dir: c.migrations })
        if (E.isLeft(s)) return fail(err, s.left)
        const tables = await loadSchema(c.schema)
        if (E.isLeft(tables)) return fail(err, tables.left)
        const plan = planMigration(db, tables.right)
        if (E.isLeft(plan)) return fail(err, plan.left)
        const problems = [
          ...s.right.pending.map((n) => `pending migration ${n}`),
          ...s.right.edited.map((n) => `applied migration ${n} was edited`),
          ...plan.right.operations.map((op) => `the schema needs: ${describe(op)}`),
          ...plan.right.warnings.map((w) => `warning: ${w}`)
        ]
        if (problems.length === 0) {
          out('In sync: the database matches the schema and no migration is pending.')
          return 0
        }
        err('The database and the schema differ:')
        problems.forEach((x) => err(`  ${x}`))
        return 1
      })
    case 'sql':
      return withConfig(cwd, p, err, (c) => {
        const s = migrationStatus(connect(c.db), { dir: c.migrations })
        if (E.isLeft(s)) return fail(err, s.left)
        const files = listMigrations(c.migrations)
        if (E.isLeft(files)) return fail(err, files.left)
        const pending = files.right.filter((f) => s.right.pending.includes(f.name))
        if (pending.length === 0) out('-- Nothing pending: upgrade would run no SQL.')
        for (const f of pending) {
          out(`-- ${f.name}`)
          if (f.kind === 'sql') f.up.forEach((sql) => out(`${sql};`))
          else out(`-- (a module: runs up(op) from ${path.relative(cwd, f.file)})`)
        }
        return 0
      })
    default:
      err(`fp-lite-orm migrate: unknown command ${JSON.stringify(p.command)}`)
      MIGRATE_HELP.forEach(err)
      return 2
  }
}
