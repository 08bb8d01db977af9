/**
 * `fp-lite-orm migrate init | create NAME | upgrade | down | status | check | sql | push`.
 * Exit codes: 0 done (check: in sync), 1 failed (check: the database differs from the
 * schema, or migrations are pending; create / push: the plan would lose data and
 * --allow-data-loss was not given), 2 bad usage.
 *
 * Each subcommand is one entry of SUBCOMMANDS: its usage, its options (parsed strictly by
 * node:util parseArgs, with --config and --help / -h for all), and its runner. The
 * read-only ones (status, check, sql) never create the database file: when it does not
 * exist they look at an empty in-memory database instead.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { SchemaItem } from '../migrate/plan.js'
import { isTrigger } from '../query/trigger.js'
import type { Db } from '../conn/connect.js'
import type { DbError } from '../errors.js'
import type { AnyTable } from '../schema/table.js'
import { connect } from '../conn/connect.js'
import { closeConnection, withConnection } from '../conn/connection.js'
import type { Plan, Rename } from '../migrate/diff.js'
import { describe } from '../migrate/diff.js'
import { listMigrations, renderSqlMigration, slug, timestampName } from '../migrate/files.js'
import { declaredTable, liveTables } from '../migrate/model.js'
import { planMigration } from '../migrate/plan.js'
import { applyStatements, migrateAsync, migrateDown, migrationStatus } from '../migrate/runner.js'
import type { OptionSpecs, ParsedArgs } from './args.js'
import { flag, parse, stringOf, stringsOf } from './args.js'
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
  '                       --ts     write a TypeScript migration module instead.',
  '                       --empty  write an empty migration to fill in by hand.',
  '                       --allow-data-loss   write it even if it drops data.',
  '  upgrade              Apply the pending migrations in one transaction.',
  '  down                 Undo the last applied migration.',
  '  status               List applied and pending migrations (--json for a script).',
  '  check                Exit 1 when the database differs from the schema (for CI).',
  '  sql                  Print the SQL that upgrade would run (a dry run).',
  '  push                 Apply the schema diff to the database directly, without a',
  '                       migration file (for prototyping; --rename, --allow-data-loss).',
  '',
  `The config file (${CONFIG_NAMES[0]}, or .ts/.js) names the database, the migrations`,
  `folder and the schema module: ${JSON.stringify(DEFAULT_CONFIG)}`,
  'Each command takes --config FILE and --help (-h).',
  'Exit codes: 0 done, 1 failed (or, for check, differences found), 2 bad usage.'
]

const fail = (err: Out, e: DbError): number => {
  err(`fp-lite-orm migrate: ${e._tag}: ${e.message}`)
  return 1
}

const usage = (err: Out, message: string): number => {
  err(`fp-lite-orm migrate: ${message}`)
  return 2
}

interface Context {
  readonly cwd: string
  readonly out: Out
  readonly err: Out
}

interface Subcommand {
  /** Its help: the first line is the usage. */
  readonly help: ReadonlyArray<string>
  /** Its options besides --config and --help. */
  readonly options: OptionSpecs
  readonly run: (p: ParsedArgs, ctx: Context) => number | Promise<number>
}

const COMMON: OptionSpecs = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
const RENAME: OptionSpecs = { rename: { type: 'string', multiple: true }, 'allow-data-loss': { type: 'boolean' } }

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

/** `--rename TABLE.OLD=NEW`, each; a usage message for the first malformed one. */
const renamesOf = (p: ParsedArgs): E.Either<string, Rename[]> => {
  const out: Rename[] = []
  for (const spec of stringsOf(p, 'rename')) {
    const m = /^([^.=]+)\.([^=]+)=(.+)$/.exec(spec)
    if (m === null) return E.left(`--rename takes TABLE.OLD=NEW, got ${JSON.stringify(spec)}`)
    out.push({ table: m[1]!, from: m[2]!, to: m[3]! })
  }
  return E.right(out)
}

/**
 * The database for a command. A read-only command on a file that does not exist gets an
 * empty in-memory database instead (what the file would be), so that looking creates nothing.
 */
const withDb = async (c: Config, readOnly: boolean, f: (db: Db, exists: boolean) => number | Promise<number>): Promise<number> => {
  const exists = fs.existsSync(c.db)
  const db = readOnly && !exists ? connect(':memory:') : connect(c.db)
  try {
    return await f(db, exists)
  } finally {
    closeConnection(db)
  }
}

const withConfig = async (p: ParsedArgs, ctx: Context, f: (c: Config) => number | Promise<number>): Promise<number> => {
  const c = await loadConfig(ctx.cwd, stringOf(p, 'config'))
  if (E.isLeft(c)) return fail(ctx.err, c.left)
  return f(c.right)
}

const fold = (s: string): string => s.toLowerCase()

/**
 * What a plan loses: tables dropped with rows in them, and columns dropped from tables with
 * rows. And, for each table, the renames that would keep a dropped column's data: a column
 * dropped and one added of the same declared type (only ever suggested, never assumed).
 */
const lossOf = (db: Db, tables: ReadonlyArray<SchemaItem>, plan: Plan): { readonly lost: string[]; readonly hints: string[] } => {
  const opened = withConnection(db, (h) => E.right(liveTables(h.db)))
  if (E.isLeft(opened)) return { lost: [], hints: [] }
  const live = opened.right
  const rowsOf = (table: string): number => live.find((l) => fold(l.name) === fold(table))?.rows ?? 0
  const lost: string[] = []
  const hints: string[] = []
  for (const op of plan.operations) {
    if (op._tag === 'DropTable' && op.rows > 0) lost.push(`table ${op.table} (${op.rows} row${op.rows === 1 ? '' : 's'})`)
    if (op._tag === 'RebuildTable' && op.dropped.length > 0 && rowsOf(op.table) > 0) {
      lost.push(...op.dropped.map((d) => `column ${op.table}.${d} (${rowsOf(op.table)} row${rowsOf(op.table) === 1 ? '' : 's'})`))
      const declared = tables
        .filter((x): x is AnyTable => !isTrigger(x))
        .map(declaredTable)
        .find((d) => E.isRight(d) && fold(d.right.name) === fold(op.table))
      const before = live.find((l) => fold(l.name) === fold(op.table))
      if (declared === undefined || E.isLeft(declared) || before === undefined) continue
      const added = declared.right.columns.filter((c) => !before.columns.some((b) => fold(b.name) === fold(c.name)))
      for (const d of op.dropped) {
        const type = before.columns.find((b) => fold(b.name) === fold(d))?.type
        const i = added.findIndex((a) => a.type === type)
        if (i < 0) continue
        hints.push(`${op.table}.${d}=${added[i]!.name}`)
        added.splice(i, 1)
      }
    }
  }
  return { lost, hints }
}

/** Refuses a plan that loses data unless --allow-data-loss; returns the exit code to stop with, or undefined to go on. */
const refuseLoss = (
  p: ParsedArgs,
  ctx: Context,
  db: Db,
  tables: ReadonlyArray<SchemaItem>,
  plan: Plan,
  what: string
): number | undefined => {
  const { lost, hints } = lossOf(db, tables, plan)
  if (lost.length === 0) return undefined
  if (flag(p, 'allow-data-loss')) {
    ctx.out(`Data loss allowed (--allow-data-loss): ${lost.join(', ')}.`)
    return undefined
  }
  ctx.err(`fp-lite-orm migrate: the plan drops data: ${lost.join(', ')}. ${what}`)
  plan.warnings.forEach((w) => ctx.err(`  WARNING: ${w}`))
  for (const hint of hints) {
    const [from, to] = hint.split('=') as [string, string]
    ctx.err(`  If ${from} was renamed to ${to}, keep its data with: --rename ${hint}`)
  }
  ctx.err('  To drop the data, run it again with --allow-data-loss.')
  return 1
}

/** The pending migrations (a Left when the folder cannot be read); none when the folder does not exist. */
const pendingOf = (db: Db, c: Config): E.Either<DbError, ReadonlyArray<string>> =>
  fs.existsSync(c.migrations)
    ? E.map((s: { pending: ReadonlyArray<string> }) => s.pending)(migrationStatus(db, { dir: c.migrations }))
    : E.right([])

/** A migration module: `up(op)` and `down(op)` running the plan's statements (or nothing yet, for --empty). */
const renderTsMigration = (name: string, plan: Plan | undefined, generatedAt: Date): string => {
  const body = (statements: ReadonlyArray<string>, placeholder: string): string[] =>
    statements.length === 0 ? [`  // ${placeholder}`] : statements.map((s) => `  op.execute(${JSON.stringify(s)})`)
  return [
    plan === undefined
      ? `// Migration ${name}, written empty by fp-lite-orm on ${generatedAt.toISOString()}: fill in up and down.`
      : `// Migration ${name}, generated by fp-lite-orm on ${generatedAt.toISOString()} from the schema.`,
    ...(plan?.operations ?? []).map((op) => `//   ${describe(op)}`),
    ...(plan?.warnings ?? []).map((w) => `// WARNING: ${w}`),
    "import type { MigrationOps } from 'fp-lite-orm'",
    '',
    'export function up(op: MigrationOps): void {',
    ...body(plan?.up ?? [], "op.execute('ALTER TABLE ...')"),
    '}',
    '',
    'export function down(op: MigrationOps): void {',
    ...body(plan?.down ?? [], 'what undoes up'),
    '}',
    ''
  ].join('\n')
}

const renderEmptySql = (name: string, generatedAt: Date): string =>
  [
    `-- Migration ${name}, written empty by fp-lite-orm on ${generatedAt.toISOString()}: write its SQL below,`,
    '-- and what undoes it after the -- down line.',
    '',
    '',
    '-- down',
    ''
  ].join('\n')

/**
 * The plan `create` and `push` act on: none while migrations are pending, the schema
 * module diffed against the database, and a data-losing plan refused unless the user says
 * so. An exit code instead when there is nothing to act on.
 */
const planToApply = async (
  p: ParsedArgs,
  ctx: Context,
  c: Config,
  db: Db,
  renames: ReadonlyArray<Rename>,
  say: { readonly pending: string; readonly none: string; readonly refused: string }
): Promise<Plan | number> => {
  const pending = pendingOf(db, c)
  if (E.isLeft(pending)) return fail(ctx.err, pending.left)
  if (pending.right.length > 0) {
    ctx.err(
      `fp-lite-orm migrate: ${pending.right.length} migration(s) are pending (${pending.right.join(', ')}): run \`migrate upgrade\` first${say.pending === '' ? '.' : `, ${say.pending}`}`
    )
    return 1
  }
  const tables = await loadSchema(c.schema)
  if (E.isLeft(tables)) return fail(ctx.err, tables.left)
  const plan = planMigration(db, tables.right, renames)
  if (E.isLeft(plan)) return fail(ctx.err, plan.left)
  if (plan.right.operations.length === 0) {
    ctx.out(say.none)
    return 0
  }
  return refuseLoss(p, ctx, db, tables.right, plan.right, say.refused) ?? plan.right
}

// -------------------------------------------------------------------------------------
// subcommands
// -------------------------------------------------------------------------------------

const init: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate init [--config FILE]',
    '',
    `Writes ${CONFIG_NAMES[0]} (unless it exists) and creates the migrations folder.`
  ],
  options: {},
  run: async (p, { cwd, out }) => {
    const file = path.join(cwd, CONFIG_NAMES[0]!)
    if (fs.existsSync(file)) out(`${CONFIG_NAMES[0]} already exists: left as it is.`)
    else {
      fs.writeFileSync(file, `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`)
      out(`Wrote ${CONFIG_NAMES[0]}: ${JSON.stringify(DEFAULT_CONFIG)}`)
    }
    const c = await loadConfig(cwd, stringOf(p, 'config'))
    const dir = E.isRight(c) ? c.right.migrations : path.resolve(cwd, DEFAULT_CONFIG.migrations)
    fs.mkdirSync(dir, { recursive: true })
    out(`Migrations folder: ${path.relative(cwd, dir) || '.'}`)
    out('Next: export your tables from the schema module, then run `fp-lite-orm migrate create init`.')
    return 0
  }
}

const create: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate create NAME [--rename TABLE.OLD=NEW]... [--ts] [--empty] [--allow-data-loss] [--config FILE]',
    '',
    'Diffs the schema module against the database and writes migrations/YYYYMMDDHHMMSS_NAME.sql',
    '(or .ts with --ts) with the statements and a -- down part that undoes them.',
    '  --rename TABLE.OLD=NEW   the column OLD was renamed to NEW (kept, with its data); never guessed.',
    '  --ts                     a TypeScript module exporting up(op) and down(op).',
    '  --empty                  an empty migration to write by hand (no diff).',
    '  --allow-data-loss        write it even though it drops tables or columns holding data.'
  ],
  options: { ...RENAME, ts: { type: 'boolean' }, empty: { type: 'boolean' } },
  run: (p, ctx) => {
    const { cwd, out, err } = ctx
    if (p.positionals.length !== 1) return usage(err, 'create takes one NAME (e.g. `migrate create add_users`)')
    const renames = renamesOf(p)
    if (E.isLeft(renames)) return usage(err, renames.left)
    const name = slug(p.positionals[0]!)
    if (name === '') return usage(err, 'the migration name must contain letters or digits')
    const ext = flag(p, 'ts') ? '.ts' : '.sql'
    return withConfig(p, ctx, async (c) => {
      const now = new Date()
      const base = `${timestampName(now)}_${name}`
      const file = path.join(c.migrations, `${base}${ext}`)
      if (flag(p, 'empty')) {
        fs.mkdirSync(c.migrations, { recursive: true })
        fs.writeFileSync(file, ext === '.ts' ? renderTsMigration(base, undefined, now) : renderEmptySql(base, now))
        out(`Wrote ${path.relative(cwd, file)} (empty: write its up and down parts).`)
        return 0
      }
      return withDb(c, false, async (db) => {
        const plan = await planToApply(p, ctx, c, db, renames.right, {
          pending: 'so the new one is diffed against an up-to-date database.',
          none: 'No changes: the database already matches the schema. No migration written.',
          refused: 'No migration written.'
        })
        if (typeof plan === 'number') return plan
        fs.mkdirSync(c.migrations, { recursive: true })
        fs.writeFileSync(file, ext === '.ts' ? renderTsMigration(base, plan, now) : renderSqlMigration(base, plan, now))
        out(`Wrote ${path.relative(cwd, file)}:`)
        plan.operations.forEach((op) => out(`  ${describe(op)}`))
        plan.warnings.forEach((w) => out(`  WARNING: ${w}`))
        return 0
      })
    })
  }
}

const upgrade: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate upgrade [--config FILE]',
    '',
    'Applies the pending migrations in name order, all in one transaction (all or none),',
    'printing a line as each one runs.'
  ],
  options: {},
  run: (p, ctx) =>
    withConfig(p, ctx, (c) =>
      withDb(c, false, async (db) => {
        const { out } = ctx
        const r = await migrateAsync(db, {
          dir: c.migrations,
          onApplied: (name, i, n, ms) => {
            if (i === 0) out(`Applying ${n} migration(s) in one transaction:`)
            out(`  [${i + 1}/${n}] ${name}   ${ms.toFixed(0)} ms`)
          }
        })
        if (E.isLeft(r)) return fail(ctx.err, r.left)
        if (r.right.applied.length === 0) out('Nothing to apply: the database is up to date.')
        else {
          // (Committed: the summary every script so far reads.)
          out(`Applied ${r.right.applied.length} migration(s):`)
          r.right.applied.forEach((n) =>
            out(`  ${n}${r.right.outOfOrder.includes(n) ? '   (out of order: it sorts before one applied earlier)' : ''}`)
          )
        }
        return 0
      })
    )
}

const down: Subcommand = {
  help: ['Usage: fp-lite-orm migrate down [--config FILE]', '', 'Undoes the last applied migration (its -- down part, or its down(op)).'],
  options: {},
  run: (p, ctx) =>
    withConfig(p, ctx, (c) =>
      withDb(c, false, async (db) => {
        const r = await migrateDown(db, { dir: c.migrations })
        if (E.isLeft(r)) return fail(ctx.err, r.left)
        ctx.out(r.right.reverted === undefined ? 'Nothing to undo: no migration is applied.' : `Undid ${r.right.reverted}.`)
        return 0
      })
    )
}

const status: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate status [--json] [--config FILE]',
    '',
    'Lists the applied migrations (with when, and whether the file was edited or removed since)',
    'and the pending ones. --json prints one JSON object instead:',
    '  { "database", "exists", "applied": [{ "name", "appliedAt", "edited", "missing" }], "pending" }',
    'Does not create the database file.'
  ],
  options: { json: { type: 'boolean' } },
  run: (p, ctx) =>
    withConfig(p, ctx, (c) =>
      withDb(c, true, (db, exists) => {
        const { out } = ctx
        const s = migrationStatus(db, { dir: c.migrations })
        if (E.isLeft(s)) return fail(ctx.err, s.left)
        const { applied, pending, edited, missing } = s.right
        if (flag(p, 'json')) {
          out(
            JSON.stringify({
              database: c.db,
              exists,
              applied: applied.map((a) => ({
                name: a.name,
                appliedAt: a.appliedAt,
                edited: edited.includes(a.name),
                missing: missing.includes(a.name)
              })),
              pending
            })
          )
          return 0
        }
        if (!exists) out(`(The database ${path.relative(ctx.cwd, c.db)} does not exist yet: upgrade creates it.)`)
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
    )
}

const check: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate check [--config FILE]',
    '',
    'Exits 1 when migrations are pending, an applied one was edited, or the database differs',
    'from the schema module (for CI). Does not create the database file.'
  ],
  options: {},
  run: (p, ctx) =>
    withConfig(p, ctx, (c) =>
      withDb(c, true, async (db, exists) => {
        const { out, err } = ctx
        const s = migrationStatus(db, { dir: c.migrations })
        if (E.isLeft(s)) return fail(err, s.left)
        const tables = await loadSchema(c.schema)
        if (E.isLeft(tables)) return fail(err, tables.left)
        const plan = planMigration(db, tables.right)
        if (E.isLeft(plan)) return fail(err, plan.left)
        const problems = [
          ...(exists ? [] : [`the database ${path.relative(ctx.cwd, c.db)} does not exist`]),
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
    )
}

const sql: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate sql [--config FILE]',
    '',
    'Prints the SQL upgrade would run (a dry run). Does not create the database file.'
  ],
  options: {},
  run: (p, ctx) =>
    withConfig(p, ctx, (c) =>
      withDb(c, true, (db) => {
        const { out, err, cwd } = ctx
        const s = migrationStatus(db, { dir: c.migrations })
        if (E.isLeft(s)) return fail(err, s.left)
        const files = listMigrations(c.migrations)
        if (E.isLeft(files)) return fail(err, files.left)
        const pending = files.right.filter((f) => s.right.pending.includes(f.name))
        if (pending.length === 0) out('-- Nothing pending: upgrade would run no SQL.')
        for (const f of pending) {
          out(`-- ${f.name}`)
          if (f.kind === 'sql') f.up.forEach((x) => out(`${x};`))
          else out(`-- (a module: runs up(op) from ${path.relative(cwd, f.file)})`)
        }
        return 0
      })
    )
}

const push: Subcommand = {
  help: [
    'Usage: fp-lite-orm migrate push [--rename TABLE.OLD=NEW]... [--allow-data-loss] [--config FILE]',
    '',
    'Applies the diff between the schema module and the database directly, in one transaction,',
    'without writing or recording a migration: for prototyping. The same rules as create: a',
    'plan that drops data is refused unless --allow-data-loss, and pending migrations first.'
  ],
  options: RENAME,
  run: (p, ctx) => {
    const { out, err } = ctx
    if (p.positionals.length > 0) return usage(err, `push takes no argument, got ${JSON.stringify(p.positionals[0])}`)
    const renames = renamesOf(p)
    if (E.isLeft(renames)) return usage(err, renames.left)
    return withConfig(p, ctx, (c) =>
      withDb(c, false, async (db) => {
        const plan = await planToApply(p, ctx, c, db, renames.right, {
          pending: '',
          none: 'No changes: the database already matches the schema.',
          refused: 'Nothing was changed.'
        })
        if (typeof plan === 'number') return plan
        // Applied as a migration is (runner.ts), without recording one.
        const done = applyStatements(db, plan.up)
        if (E.isLeft(done)) {
          err(`fp-lite-orm migrate: push failed: ${done.left.message}`)
          return 1
        }
        out('Pushed (no migration file written or recorded):')
        plan.operations.forEach((op) => out(`  ${describe(op)}`))
        return 0
      })
    )
  }
}

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = { init, create, upgrade, down, status, check, sql, push }

/** Runs `migrate ...`; returns the exit code. */
export const runMigrate = async (args: ReadonlyArray<string>, cwd: string, out: Out, err: Out): Promise<number> => {
  const [name, ...rest] = args
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    MIGRATE_HELP.forEach(out)
    return 0
  }
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined
  if (sub === undefined) {
    err(`fp-lite-orm migrate: ${name.startsWith('-') ? `unknown option ${name}` : `unknown command ${JSON.stringify(name)}`}`)
    MIGRATE_HELP.forEach(err)
    return 2
  }
  const p = parse(rest, { ...COMMON, ...sub.options })
  if (E.isLeft(p)) return usage(err, `${name}: ${p.left}`)
  if (flag(p.right, 'help')) {
    sub.help.forEach(out)
    return 0
  }
  if (sub !== create && sub !== push && p.right.positionals.length > 0)
    return usage(err, `${name} takes no argument, got ${JSON.stringify(p.right.positionals[0])}`)
  return sub.run(p.right, { cwd, out, err })
}
