/**
 * The `fp-lite-orm` command. Loading this module runs it with `process.argv`, sets
 * `process.exitCode` and returns: 0 on success, 1 when the command failed (a Left),
 * 2 for a usage error (an unknown command or option, unexpected arguments).
 *
 * bin/fp-lite-orm.js loads it (compiled, or through tsx); `npm run demo` runs it with tsx.
 *
 * Each command is one entry of COMMANDS (a line to add for a new one): its help line and
 * its runner, which parses its own arguments (node:util parseArgs, strict: an unknown
 * option is a usage error) and answers `--help` / `-h` itself.
 */
import * as fs from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { flag, parse } from './args.js'
import { DEFAULT_DEMO_PATH, runDemo } from './demo/index.js'
import { runMigrate } from './migrate.js'
import { runPull } from './pull.js'

type Out = (line: string) => void

/** A subcommand: its lines in the help, and what runs it (with the arguments after its name). */
interface Command {
  readonly help: ReadonlyArray<string>
  readonly run: (args: ReadonlyArray<string>, out: Out, err: Out) => number | Promise<number>
}

const usageError = (err: Out, message: string): number => {
  err(`fp-lite-orm: ${message}`)
  err('Run `fp-lite-orm --help` to see the commands.')
  return 2
}

const DEMO_USAGE = 'Usage: fp-lite-orm demo [path]   (the database file; default ./demo.db)'

const demo: Command = {
  help: [
    '  fp-lite-orm demo [path]   Create a small shop database at path (default ./demo.db),',
    '                            fill it with sample rows the first time, and run example',
    '                            queries, printing each with the code that built it.',
    '                            Running it again keeps the data and prints the same results.'
  ],
  run: (args, out, err) => {
    const parsed = parse(args, { help: { type: 'boolean', short: 'h' } })
    if (E.isLeft(parsed)) return usageError(err, `demo: ${parsed.left}`)
    const { positionals } = parsed.right
    if (flag(parsed.right, 'help')) {
      out(DEMO_USAGE)
      return 0
    }
    if (positionals.length > 1) return usageError(err, `demo takes at most one argument (the database path), got ${positionals.length}`)
    const r = runDemo(positionals[0] ?? DEFAULT_DEMO_PATH, out)
    if (E.isLeft(r)) {
      err(`fp-lite-orm demo failed: ${r.left._tag}: ${r.left.message}`)
      return 1
    }
    return 0
  }
}

const migrate: Command = {
  help: [
    '  fp-lite-orm migrate ...   Schema migrations: init, create NAME, upgrade, down, status,',
    '                            check, sql, push (fp-lite-orm migrate --help for details).'
  ],
  run: (args, out, err) => runMigrate(args, process.cwd(), out, err)
}

const studio: Command = {
  help: [
    '  fp-lite-orm studio        Look at the database in a browser: a local page on 127.0.0.1',
    '                            (schema diagram, rows, read-only SQL, migrations; --write to edit).',
    '                            fp-lite-orm studio --help for its options.'
  ],
  // Loaded on demand: the page and its server are not needed by the other commands.
  run: async (args, out, err) => (await import('./studio.js')).runStudio(args, process.cwd(), out, err)
}

const pull: Command = {
  help: [
    '  fp-lite-orm pull DB [OUT] Write a schema module for an existing database (tables, keys,',
    '                            indexes, triggers), and say what it could not express.'
  ],
  run: (args, out, err) => runPull(args, process.cwd(), out, err)
}

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = {
  demo,
  migrate,
  pull,
  studio
}

const HELP = [
  'fp-lite-orm: a functional query DSL for SQLite (better-sqlite3, fp-ts, io-ts)',
  '',
  'Usage:',
  ...COMMANDS.demo!.help,
  '  fp-lite-orm help          Show this help (also --help, -h).',
  '  fp-lite-orm --version     Print the version.',
  '',
  ...Object.entries(COMMANDS)
    .filter(([name]) => name !== 'demo')
    .flatMap(([, c]) => [...c.help, '']),
  'Each command takes --help (-h). Exit codes: 0 success, 1 the command failed, 2 unknown command or bad arguments.'
]

/** The version in this package's package.json (found upwards from this module: src/cli or dist/esm/cli). */
const version = (): string => {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir)
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'fp-lite-orm') return pkg.version ?? 'unknown'
    }
    if (dir.pathname === '/' || new URL('..', dir).href === dir.href) return 'unknown'
  }
}

/** Runs one command line; returns the exit code. */
const main = async (argv: ReadonlyArray<string>, out: Out, err: Out): Promise<number> => {
  const [first, ...rest] = argv
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    HELP.forEach((l) => out(l))
    return 0
  }
  if (first === '--version' || first === '-v') {
    out(version())
    return 0
  }
  if (first.startsWith('-')) return usageError(err, `unknown option ${JSON.stringify(first)}.`)
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined
  if (command === undefined) return usageError(err, `unknown command ${JSON.stringify(first)}.`)
  return command.run(rest, out, err)
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
