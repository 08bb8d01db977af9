/**
 * Migration files: `NAME.sql` (plain SQL; a line `-- down` starts the optional part
 * that undoes it) or `NAME.ts` / `NAME.js` (a module exporting `up(op)` and optionally
 * `down(op)`). Applied in name order; `create` names them `YYYYMMDDHHMMSS_name.sql`.
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { migrationError } from '../errors.js'
import type { Plan } from './diff.js'
import { describe } from './diff.js'

export interface MigrationFile {
  /** The file name without its extension: what `_lite_migr` records. */
  readonly name: string
  readonly file: string
  readonly kind: 'sql' | 'module'
  readonly checksum: string
  /** For .sql files: the statements of the up and down parts. */
  readonly up: ReadonlyArray<string>
  readonly down: ReadonlyArray<string> | undefined
}

const EXTENSIONS = ['.sql', '.ts', '.js', '.mjs'] as const

/** The migration files of a folder, in name order. Left when the folder is missing or names clash. */
export const listMigrations = (dir: string): E.Either<DbError, MigrationFile[]> => {
  let entries: string[]
  try {
    if (!fs.statSync(dir).isDirectory()) return E.left(migrationError(`The migrations folder ${dir} is not a folder.`))
    entries = fs.readdirSync(dir)
  } catch {
    return E.left(
      migrationError(
        `The migrations folder ${dir} does not exist. Create it (fp-lite-orm migrate init) or point "migrations" at the right place.`
      )
    )
  }
  const files: MigrationFile[] = []
  const seen = new Map<string, string>()
  for (const entry of entries.sort()) {
    const ext = EXTENSIONS.find((x) => entry.endsWith(x) && !entry.endsWith('.d.ts'))
    if (ext === undefined) continue
    const name = entry.slice(0, -ext.length)
    const other = seen.get(name)
    if (other !== undefined) return E.left(migrationError(`Two migrations are named ${name} (${other} and ${entry}): rename one.`, name))
    seen.set(name, entry)
    const file = path.join(dir, entry)
    const text = fs.readFileSync(file, 'utf8')
    const checksum = createHash('sha256').update(text).digest('hex')
    if (ext === '.sql') {
      const { up, down } = parseSqlMigration(text)
      files.push({ name, file, kind: 'sql', checksum, up, down })
    } else files.push({ name, file, kind: 'module', checksum, up: [], down: undefined })
  }
  return E.right(files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
}

/** Splits a .sql migration at its `-- down` line. */
export const parseSqlMigration = (text: string): { readonly up: string[]; readonly down: string[] | undefined } => {
  const lines = text.split(/\r?\n/)
  const at = lines.findIndex((l) => /^\s*--\s*down\s*$/i.test(l))
  const upText = at < 0 ? text : lines.slice(0, at).join('\n')
  const downText = at < 0 ? undefined : lines.slice(at + 1).join('\n')
  return { up: splitStatements(upText), down: downText === undefined ? undefined : splitStatements(downText) }
}

/**
 * SQL text -> statements, split at `;` outside quotes, comments and trigger bodies,
 * so that a failing statement can be named. Comment-only pieces are dropped.
 */
export const splitStatements = (sql: string): string[] => {
  const out: string[] = []
  let start = 0
  let i = 0
  let depthBeginEnd = 0
  const n = sql.length
  const push = (end: number) => {
    const piece = sql.slice(start, end).trim()
    if (stripComments(piece).trim() !== '') out.push(piece)
    start = end + 1
  }
  while (i < n) {
    const ch = sql[i]!
    if (ch === "'" || ch === '"' || ch === '`') {
      const close = sql.indexOf(ch, i + 1)
      i = close < 0 ? n : close + 1
      // a doubled quote inside is just two quoted runs in a row: the loop handles it
      continue
    }
    if (ch === '[') {
      const close = sql.indexOf(']', i + 1)
      i = close < 0 ? n : close + 1
      continue
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? n : nl + 1
      continue
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? n : close + 2
      continue
    }
    if (/[A-Za-z]/.test(ch) && (i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]!))) {
      const word = /^[A-Za-z_]+/.exec(sql.slice(i, i + 10))?.[0]?.toUpperCase() ?? ''
      // Trigger bodies hold `;` between BEGIN and END.
      if (word === 'BEGIN' && /\bTRIGGER\b/i.test(stripComments(sql.slice(start, i)))) depthBeginEnd++
      else if (word === 'CASE' && depthBeginEnd > 0) depthBeginEnd++
      else if (word === 'END' && depthBeginEnd > 0) depthBeginEnd--
      i += Math.max(1, word.length)
      continue
    }
    if (ch === ';' && depthBeginEnd === 0) push(i)
    i++
  }
  push(n)
  return out
}

const stripComments = (s: string): string => s.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '')

/** `20240501120000` for a date, in UTC. */
export const timestampName = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14)

/** The text of a generated .sql migration: what it does, warnings, the up part, `-- down`, the down part. */
export const renderSqlMigration = (name: string, plan: Plan, generatedAt: Date): string => {
  const lines = [
    `-- Migration ${name}, generated by fp-lite-orm on ${generatedAt.toISOString()} from the schema.`,
    ...plan.operations.map((op) => `--   ${describe(op)}`),
    ...(plan.warnings.length > 0 ? ['--', ...plan.warnings.map((w) => `-- WARNING: ${w}`)] : []),
    '',
    ...plan.up.map((s) => `${s};`),
    '',
    '-- down',
    ...plan.down.map((s) => `${s};`),
    ''
  ]
  return lines.join('\n')
}

/** A migration name as a file-name-safe slug. */
export const slug = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
