/**
 * `fp-lite-orm studio [--port N] [--write] [--config FILE] [--db FILE]`: serves the studio
 * for the config's database (with its schema module and migrations folder) until Ctrl-C or
 * SIGTERM, then closes the server and the database handles and returns.
 * Exit codes: 0 stopped by a signal, 1 the studio could not start, 2 bad usage.
 */
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { StudioOptions } from '../studio/server.js'
import { studio } from '../studio/server.js'
import { CONFIG_NAMES, loadConfig } from './config.js'

type Out = (line: string) => void

export const STUDIO_HELP = [
  'Usage: fp-lite-orm studio [--port N] [--write] [--config FILE] [--db FILE]',
  '',
  'Serves a page on 127.0.0.1 to look at the database of the config file: a schema diagram',
  'with the drift `migrate check` reports, table rows, read-only SQL, the migrations.',
  'Open the printed URL (it holds the access token). Ctrl-C stops it.',
  '',
  '  --port N        The port (default: a free one).',
  '  --write         Allow editing rows (off by default).',
  `  --config FILE   The config file (default: ${CONFIG_NAMES[0]} in this folder).`,
  '  --db FILE       Look at this database file instead (no config needed).'
]

interface Parsed {
  readonly port?: number
  readonly write: boolean
  readonly config?: string
  readonly db?: string
  readonly help: boolean
}

const parse = (args: ReadonlyArray<string>): E.Either<string, Parsed> => {
  let parsed: Parsed = { write: false, help: false }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const value = () => args[++i]
    if (a === '--help' || a === '-h') parsed = { ...parsed, help: true }
    else if (a === '--write') parsed = { ...parsed, write: true }
    else if (a === '--port') {
      const v = value()
      const n = Number(v)
      if (v === undefined || !/^\d+$/.test(v) || n > 65535)
        return E.left(`--port takes a port number (0 to 65535), got ${JSON.stringify(v ?? '')}`)
      parsed = { ...parsed, port: n }
    } else if (a === '--config' || a === '--db') {
      const v = value()
      if (v === undefined || v === '') return E.left(`${a} needs a file`)
      parsed = a === '--config' ? { ...parsed, config: v } : { ...parsed, db: v }
    } else return E.left(`unknown argument ${JSON.stringify(a)}`)
  }
  return E.right(parsed)
}

/** Waits for SIGINT or SIGTERM (or `stop`, for embedding), whichever comes first. */
const untilStopped = (stop?: Promise<void>): Promise<string> =>
  new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(signal)
    }
    const onInt = on('SIGINT')
    const onTerm = on('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    void stop?.then(on('stop'))
  })

/** Runs `studio ...`; returns the exit code once it is stopped. */
export const runStudio = async (args: ReadonlyArray<string>, cwd: string, out: Out, err: Out, stop?: Promise<void>): Promise<number> => {
  const p = parse(args)
  if (E.isLeft(p)) {
    err(`fp-lite-orm studio: ${p.left}`)
    STUDIO_HELP.forEach(err)
    return 2
  }
  if (p.right.help) {
    STUDIO_HELP.forEach(out)
    return 0
  }
  let options: StudioOptions
  if (p.right.db !== undefined && p.right.config === undefined) options = { db: path.resolve(cwd, p.right.db) }
  else {
    const c = await loadConfig(cwd, p.right.config)
    if (E.isLeft(c)) {
      err(`fp-lite-orm studio: ${c.left._tag}: ${c.left.message}`)
      return 1
    }
    options = {
      db: p.right.db === undefined ? c.right.db : path.resolve(cwd, p.right.db),
      migrations: c.right.migrations,
      schema: c.right.schema
    }
  }
  const s = await studio({ ...options, write: p.right.write, ...(p.right.port === undefined ? {} : { port: p.right.port }) })
  if (E.isLeft(s)) {
    err(`fp-lite-orm studio: ${s.left._tag}: ${s.left.message}`)
    return 1
  }
  out(`fp-lite-orm studio for ${options.db}${p.right.write ? ' (rows may be edited)' : ' (read-only)'}:`)
  out(`  ${s.right.url}`)
  out('Press Ctrl-C to stop.')
  const why = await untilStopped(stop)
  await s.right.close()
  out(`Stopped (${why}).`)
  return 0
}
