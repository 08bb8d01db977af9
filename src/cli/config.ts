/**
 * The migration CLI's configuration: `fp-lite-orm.config.json` (or `.ts` / `.js` /
 * `.mjs`, default-exporting the same object) naming the database, the migrations
 * folder and the schema module. Paths are relative to the config file.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { DbError } from '../errors.js'
import { migrationError } from '../errors.js'
import type { SchemaItem } from '../migrate/plan.js'
import { importFile } from '../migrate/load.js'
import { schemaItemsOf } from '../migrate/plan.js'

export interface Config {
  /** The database file, absolute. */
  readonly db: string
  /** The migrations folder, absolute. */
  readonly migrations: string
  /** The schema module, absolute. */
  readonly schema: string
  /** The config file read. */
  readonly file: string
}

export const CONFIG_NAMES = ['fp-lite-orm.config.json', 'fp-lite-orm.config.ts', 'fp-lite-orm.config.js', 'fp-lite-orm.config.mjs']

export const DEFAULT_CONFIG = { db: 'app.db', migrations: './migrations', schema: './src/schema.ts' }

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Finds and reads the config: `explicit` if given, else the first of CONFIG_NAMES in `cwd`. */
export const loadConfig = async (cwd: string, explicit?: string): Promise<E.Either<DbError, Config>> => {
  const file =
    explicit !== undefined ? path.resolve(cwd, explicit) : CONFIG_NAMES.map((n) => path.join(cwd, n)).find((f) => fs.existsSync(f))
  if (file === undefined || !fs.existsSync(file)) {
    return E.left(
      migrationError(
        `No config file: looked for ${explicit ?? CONFIG_NAMES.join(', ')} in ${cwd}. Run \`fp-lite-orm migrate init\` to write one, or pass --config FILE.`
      )
    )
  }
  let raw: unknown
  try {
    raw = file.endsWith('.json') ? JSON.parse(fs.readFileSync(file, 'utf8')) : (await importFile(file)).default
  } catch (e) {
    return E.left(migrationError(`The config file ${file} could not be read: ${errorText(e)}`))
  }
  const c = raw as Partial<Record<'db' | 'migrations' | 'schema', unknown>>
  const missing = (['db', 'migrations', 'schema'] as const).filter((k) => typeof c?.[k] !== 'string' || c[k].length === 0)
  if (missing.length > 0) {
    return E.left(
      migrationError(
        `The config file ${file} must name ${missing.map((m) => `"${m}"`).join(', ')} (strings), e.g. ${JSON.stringify(DEFAULT_CONFIG)}.`
      )
    )
  }
  const dir = path.dirname(file)
  return E.right({
    db: path.resolve(dir, c.db as string),
    migrations: path.resolve(dir, c.migrations as string),
    schema: path.resolve(dir, c.schema as string),
    file
  })
}

/** Imports the schema module and collects the tables it exports. */
export const loadSchema = async (schema: string): Promise<E.Either<DbError, SchemaItem[]>> => {
  if (!fs.existsSync(schema)) return E.left(migrationError(`The schema module ${schema} does not exist: fix "schema" in the config.`))
  try {
    const mod = await importFile(schema)
    const tables = schemaItemsOf(mod)
    if (tables.length === 0)
      return E.left(migrationError(`The schema module ${schema} exports no tables: export the values table(...) returns.`))
    return E.right(tables)
  } catch (e) {
    return E.left(migrationError(`The schema module ${schema} failed to import: ${errorText(e)}`, undefined, e))
  }
}
