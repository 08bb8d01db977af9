/**
 * The `fp-lite-orm` command. Loading this module runs it with `process.argv`, sets
 * `process.exitCode` and returns: 0 on success, 1 when the command failed (a Left),
 * 2 for a usage error (an unknown command, unexpected arguments).
 *
 * bin/fp-lite-orm.js loads it (compiled, or through tsx); `npm run demo` runs it with tsx.
 */
import * as E from 'fp-ts/lib/Either.js'
import { DEFAULT_DEMO_PATH, runDemo } from './demo.js'
import { runMigrate } from './migrate.js'
import { runPull } from './pull.js'

type Out = (line: string) => void

const HELP = [
  'fp-lite-orm: a functional query DSL for SQLite (better-sqlite3, fp-ts, io-ts)',
  '',
  'Usage:',
  '  fp-lite-orm demo [path]   Create a small shop database at path (default ./demo.db),',
  '                            fill it with sample rows the first time, and run example',
  '                            queries, printing each with the code that built it.',
  '                            Running it again keeps the data and prints the same results.',
  '  fp-lite-orm help          Show this help (also --help, -h).',
  '',
  '  fp-lite-orm migrate ...   Schema migrations: init, create NAME, upgrade, down, status,',
  '                            check, sql (fp-lite-orm migrate help for details).',
  '',
  'Exit codes: 0 success, 1 the command failed, 2 unknown command or bad arguments.'
]

const usageError = (err: Out, message: string): number => {
  err(`fp-lite-orm: ${message}`)
  err('Run `fp-lite-orm --help` to see the commands.')
  return 2
}

/** Runs one command line; returns the exit code. */
const main = async (argv: ReadonlyArray<string>, out: Out, err: Out): Promise<number> => {
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      HELP.forEach((l) => out(l))
      return 0
    case 'demo': {
      if (rest.includes('--help') || rest.includes('-h')) {
        out('Usage: fp-lite-orm demo [path]   (the database file; default ./demo.db)')
        return 0
      }
      if (rest.length > 1) return usageError(err, `demo takes at most one argument (the database path), got ${rest.length}`)
      const r = runDemo(rest[0] ?? DEFAULT_DEMO_PATH, out)
      if (E.isLeft(r)) {
        err(`fp-lite-orm demo failed: ${r.left._tag}: ${r.left.message}`)
        return 1
      }
      return 0
    }
    case 'migrate':
      return runMigrate(rest, process.cwd(), out, err)
    case 'pull': return runPull(rest, process.cwd(), out, err) // prettier-ignore
    default:
      return usageError(err, `unknown command ${JSON.stringify(command)}.`)
  }
}

// A reader that stops early (`fp-lite-orm demo | head`) closes the pipe: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw e
  })
}

process.exitCode = await main(
  process.argv.slice(2),
  (l) => process.stdout.write(`${l}\n`),
  (l) => process.stderr.write(`${l}\n`)
)
