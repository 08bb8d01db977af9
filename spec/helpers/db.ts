/**
 * Test helpers: every test gets its own real database file in a fresh temp folder,
 * removed when the test process exits.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { ConnectOptions, Db } from '../../src/index.js'
import { connect } from '../../src/index.js'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-lite-orm-spec-'))
process.on('exit', () => {
  try {
    fs.rmSync(root, { recursive: true, force: true })
  } catch {
    // best effort
  }
})

let n = 0

/** A fresh, empty temp folder. */
export const tempDir = (): string => {
  const dir = path.join(root, `d${++n}`)
  fs.mkdirSync(dir)
  return dir
}

/** A path for a new database file in a fresh temp folder (the file does not exist yet). */
export const tempDbPath = (name = 'test.db'): string => path.join(tempDir(), name)

/** A descriptor of a new database file on disk. */
export const tempDb = (options?: ConnectOptions): Db => connect(tempDbPath(), options)

/** The Right value of an Either, or a thrown error showing the Left (for test set-up steps). */
export const unwrap = <E, A>(e: E.Either<E, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left: ${JSON.stringify(e.left)}`)
  return e.right
}

/** The Left value of an Either, or a thrown error showing the Right. */
export const unwrapLeft = <E, A>(e: E.Either<E, A>): E => {
  if (E.isRight(e)) throw new Error(`expected Left, got Right: ${JSON.stringify(e.right)}`)
  return e.left
}
