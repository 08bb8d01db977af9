/**
 * `fp-lite-orm pull DB [OUT]`: writes the schema module of an existing database (to OUT, or
 * to stdout), and says on stderr what it could not express. Exit codes as the other
 * commands: 0 done, 1 failed (the file is not SQLite, OUT cannot be written), 2 bad arguments.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { connect } from '../conn/connect.js'
import { pull } from '../migrate/pull.js'

type Out = (line: string) => void

const USAGE = [
  'Usage: fp-lite-orm pull DB [OUT]',
  '  Writes a schema module (TypeScript) for the existing database DB: every table, column,',
  '  key, index, CHECK and trigger the schema API can express, so that `migrate create`',
  '  right after reports no changes. OUT is the file to write (default: standard output);',
  '  what could not be expressed is listed on standard error and at the top of the module.'
]

/** Runs `pull` with its arguments; returns the exit code. */
export const runPull = (args: ReadonlyArray<string>, cwd: string, out: Out, err: Out): number => {
  if (args.includes('--help') || args.includes('-h')) {
    USAGE.forEach((l) => out(l))
    return 0
  }
  if (args.length < 1 || args.length > 2 || args.some((a) => a.startsWith('-'))) {
    err(`fp-lite-orm pull: expected DB [OUT], got ${args.length === 0 ? 'nothing' : args.join(' ')}`)
    USAGE.forEach((l) => err(l))
    return 2
  }
  const dbPath = path.resolve(cwd, args[0]!)
  if (!fs.existsSync(dbPath)) {
    err(`fp-lite-orm pull: ${dbPath} does not exist (pull reads an existing database; it creates nothing)`)
    return 1
  }
  const r = pull(connect(dbPath, { readonly: true }))
  if (E.isLeft(r)) {
    err(`fp-lite-orm pull failed: ${r.left._tag}: ${r.left.message}`)
    return 1
  }
  for (const n of r.right.notes) err(`note: ${n}`)
  if (args[1] === undefined) {
    out(r.right.source)
    return 0
  }
  const target = path.resolve(cwd, args[1])
  try {
    fs.writeFileSync(target, r.right.source)
  } catch (e) {
    err(`fp-lite-orm pull: cannot write ${target}: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
  out(`wrote ${target}`)
  return 0
}
