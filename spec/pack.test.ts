/**
 * The published package, as a user gets it: `npm pack` (which builds through `prepack`,
 * and packs a manifest without `prepare`) in a copy of the repository, the tarball
 * installed into a fresh project, and there:
 * `import` from an .mjs file and `require` from a .cjs file (a real query on a temp
 * database and a workerPool, whose thread starts from the built worker), a type check
 * against the installed declarations under `moduleResolution: nodenext` (ESM and CJS)
 * and `bundler`; the same with TypeScript 5, 6 and 7 as a new project has them
 * (`declaration: true`, `exactOptionalPropertyTypes`, `skipLibCheck: false`), where an async
 * transaction callback must be the one error, saying why; and `npx fp-lite-orm` (--help, the demo, which reads the migrations
 * the build copies, and `migrate init / create / upgrade / check` with a `.ts` schema
 * module and a `.ts` migration, in a CommonJS and an ES module project). The tarball's file list must hold the build and no tests,
 * benchmarks, sources or databases.
 *
 * Time (measured on the shared, loaded 2-core machine): the type checks with skipLibCheck off
 * dominate. The ES module and CommonJS files share one program per TypeScript version (three
 * checks, not six: @types/node, fp-ts and io-ts are checked once per version, and
 * `--explainFiles` still shows which declarations each file read), the three run two at a
 * time, and that test is no longer serial, so the CLI tests run beside it. The whole file went
 * from 7 min 35 s (109 s of CPU) to 3 min 39 s (80 s of CPU).
 *
 * Offline and quick: the copy and the project use this repository's node_modules (the
 * project's better-sqlite3, fp-ts and io-ts are links to them, so nothing is fetched and
 * better-sqlite3 is not rebuilt). The build runs in the copy, so this repository's dist/
 * is neither needed nor touched. The three TypeScript versions come from the registry the
 * first time and are kept in .tmp/typescript/ (git-ignored) for the next runs.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-lite-orm-pack-'))
const stage = path.join(work, 'stage')
const app = path.join(work, 'app')

/** The environment of every child: without the option that resolves the package to its source (see package.json "ava"). */
const env = (() => {
  const e = { ...process.env }
  delete e.NODE_OPTIONS
  return e
})()

interface Result {
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion; rejects with its output when it fails or outlives `timeoutMs`. */
const run = (command: string, args: ReadonlyArray<string>, cwd: string, timeoutMs = 60_000): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ stdout, stderr })
      else
        reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    })
  })

const node = (args: ReadonlyArray<string>, cwd = app): Promise<Result> => run(process.execPath, args, cwd)
/** This repository's tsc on a project of the consumer; it prints every file it read (and any error). */
const tsc = (project: string): Promise<Result> =>
  run(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--pretty', 'false', '--listFiles'],
    app,
    180_000
  )

/** The TypeScript versions a consumer may have today: the last 5.x, the last 6.x, and 7 (the registry's `latest` since 7.0). */
const TYPESCRIPTS = ['5.9.3', '6.0.3', '7.0.2'] as const

/** `typescript@version`, installed once into .tmp/typescript/VERSION (kept between runs); returns its tsc. */
const typescript = async (version: string): Promise<string> => {
  const dir = path.join(root, '.tmp', 'typescript', version)
  const bin = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true })
    write(dir, { 'package.json': '{ "name": "typescript-cache", "private": true }\n' })
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `typescript@${version}`], dir, 180_000)
  }
  return bin
}

/** Runs a command to completion whatever its exit code (a type check expected to fail). */
const runAnyway = (command: string, args: ReadonlyArray<string>, cwd: string): Promise<Result & { readonly code: number | null }> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code })
    })
  })

/** The repository's files as git sees them (tracked, and new files not ignored); without git, a walk skipping what .gitignore names. */
const repositoryFiles = (): string[] => {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  // (A node_modules that is a symlink, as in a git worktree sharing another checkout's, is not matched by `node_modules/` in .gitignore.)
  if (git.status === 0)
    return git.stdout.split('\0').filter((f) => f !== '' && !/^node_modules(\/|$)/.test(f) && fs.existsSync(path.join(root, f)))
  const skip = /^(node_modules|\.git|dist|\.tmp)$|\.db(-wal|-shm)?$/
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
      const rel = path.join(dir, d.name)
      return skip.test(d.name) ? [] : d.isDirectory() ? walk(rel) : d.isFile() ? [rel] : []
    })
  return walk('')
}

const write = (dir: string, files: Record<string, string>): void => {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
}

// -------------------------------------------------------------------------------------
// the consumer's files
// -------------------------------------------------------------------------------------

/** A query and a pool from the installed package, with either module system (the same code). */
const program = (kind: 'esm' | 'cjs'): string =>
  [
    kind === 'esm'
      ? [
          "import assert from 'node:assert/strict'",
          "import { pipe } from 'fp-ts/lib/function.js'",
          "import * as lib from 'fp-lite-orm'",
          "const resolved = import.meta.resolve('fp-lite-orm')"
        ]
      : [
          "const assert = require('node:assert/strict')",
          "const { pipe } = require('fp-ts/lib/function.js')",
          "const lib = require('fp-lite-orm')",
          "const resolved = require.resolve('fp-lite-orm')"
        ],
    `assert.match(resolved, /node_modules[\\\\/]fp-lite-orm[\\\\/]dist[\\\\/]${kind}[\\\\/]index\\.js$/)`,
    'const { connect, session, table, integer, text, boolean, createTable, insert, select, filter, eq, orderBy, asc, all, count, toSQL, workerPool } = lib',
    "const users = table('users', { id: integer().primaryKey(), name: text().notNull(), active: boolean().notNull().default(true) })",
    'const db = connect(process.argv[2])',
    'const s = session(db)',
    "assert.deepEqual(s.run(createTable(users)), { _tag: 'Right', right: undefined })",
    "assert.equal(s.run(insert(users, [{ name: 'Ada' }, { name: 'Alan', active: false }]))._tag, 'Right')",
    'const active = pipe(select(users), filter(eq(users.active, true)), orderBy(asc(users.id)), all)',
    "assert.deepEqual(s.run(active), { _tag: 'Right', right: [{ id: 1, name: 'Ada', active: true }] })",
    'assert.match(toSQL(active).right.sql, /^SELECT .* FROM "users"/)',
    'const pool = workerPool(db, { readers: 1 })',
    'const main = async () => {',
    '  const counted = await pool.run(pipe(select(users), count))()',
    '  await pool.close()',
    "  assert.deepEqual(counted, { _tag: 'Right', right: 2 })",
    `  console.log('${kind} ok')`,
    '}',
    'main().catch((e) => {',
    '  console.error(e)',
    '  process.exitCode = 1',
    '})',
    ''
  ]
    .flat()
    .join('\n')

/** Typed use of the installed declarations; each `@ts-expect-error` must be an error. */
const typed = [
  "import { pipe } from 'fp-ts/lib/function.js'",
  "import * as E from 'fp-ts/lib/Either.js'",
  "import { all, boolean, connect, eq, filter, integer, select, session, table, text, workerPool } from 'fp-lite-orm'",
  "import type { DbError, Insert, Pool, Row } from 'fp-lite-orm'",
  '',
  "const users = table('users', { id: integer().primaryKey(), name: text().notNull(), age: integer(), active: boolean().notNull().default(true) })",
  'type User = Row<typeof users>',
  "export const ada: User = { id: 1, name: 'Ada', age: null, active: true }",
  "export const alan: Insert<typeof users> = { name: 'Alan' }",
  '// @ts-expect-error name is a string',
  'export const wrong: User = { id: 2, name: 2, age: null, active: true }',
  "export const rows: E.Either<DbError, User[]> = session(connect('app.db')).run(pipe(select(users), filter(eq(users.name, 'Ada')), all))",
  '// @ts-expect-error users has no column email',
  'export const nope = users.email',
  "export const pool: Pool = workerPool(connect('app.db'))",
  ''
].join('\n')

/**
 * What `exactOptionalPropertyTypes` (in `tsc --init`'s defaults) must accept: an option left
 * `undefined` on purpose, and a table whose type a declaration file must name (TS2883 under
 * `declaration: true` when a type it refers to is not exported).
 */
const exact = [
  "import { pipe } from 'fp-ts/lib/function.js'",
  "import { all, connect, countOf, integer, over, retryOnBusy, select, session, sum, table, text, transaction, workerPool, columns } from 'fp-lite-orm'",
  '',
  'const maybe = (n: number): number | undefined => (n > 0 ? n : undefined)',
  "export const db = connect('app.db', { busyTimeoutMs: maybe(1), readonly: undefined, pragmas: undefined, statementCacheSize: maybe(0) })",
  "export const users = table('users', { id: integer().primaryKey(), name: text().notNull() })",
  "export const posts = table('posts', { id: integer().primaryKey(), userId: integer().notNull().references(() => users.id, { onDelete: undefined }), title: text() }, { strict: undefined, withoutRowid: undefined, indexes: undefined })",
  'export const pool = workerPool(db, { readers: maybe(2), maxQueue: undefined })',
  'export const counted = transaction(db, (tx) => tx.run(pipe(select(posts), all)), { mode: undefined })',
  'export const retried = retryOnBusy(() => session(db).run(pipe(select(posts), all)), { attempts: maybe(3), baseDelayMs: undefined, maxDelayMs: undefined })',
  'export const windowed = pipe(select(posts), columns({ id: posts.id, n: countOf(posts.id, { distinct: undefined }), total: over(sum(posts.id), { partitionBy: undefined, orderBy: [posts.id] }) }), all)',
  ''
].join('\n')

/** The one error the strict projects must report, with its reason (the rest of the program compiles). */
const asyncCallback = [
  "import { pipe } from 'fp-ts/lib/function.js'",
  "import { connect, count, integer, select, table, transaction } from 'fp-lite-orm'",
  "const accounts = table('accounts', { id: integer().primaryKey() })",
  "export const wrong = transaction(connect('app.db'), async (tx) => tx.run(pipe(select(accounts), count)))",
  ''
].join('\n')

const tsconfig = (options: Record<string, unknown>, files: ReadonlyArray<string>): string =>
  `${JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], ...options }, files }, null, 2)}\n`

// -------------------------------------------------------------------------------------
// pack and install, once for all the tests
// -------------------------------------------------------------------------------------

interface Packed {
  /** The tarball's file paths, relative to the package root. */
  readonly files: ReadonlyArray<string>
  readonly seconds: { readonly pack: number; readonly install: number }
}

const setUp = async (): Promise<Packed> => {
  // A copy of the repository to pack, so the build does not replace this one's dist/ under other tests.
  for (const f of repositoryFiles()) {
    fs.mkdirSync(path.join(stage, path.dirname(f)), { recursive: true })
    fs.copyFileSync(path.join(root, f), path.join(stage, f))
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'junction')
  const t0 = Date.now()
  // (The build alone took 2 minutes on a loaded 2-core machine: a generous limit.)
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], stage, 420_000)
  const t1 = Date.now()
  // The build's own output may come first; the JSON report is the last thing printed.
  const report = JSON.parse(packed.stdout.slice(packed.stdout.lastIndexOf('\n[') + 1)) as Array<{
    filename: string
    files: Array<{ path: string }>
  }>
  const tarball = path.join(work, report[0]!.filename)

  fs.mkdirSync(app)
  const link = (name: string): string => `file:${path.join(root, 'node_modules', name)}`
  write(app, {
    'package.json': `${JSON.stringify(
      {
        name: 'pack-consumer',
        version: '1.0.0',
        private: true,
        dependencies: { 'better-sqlite3': link('better-sqlite3'), 'fp-ts': link('fp-ts'), 'io-ts': link('io-ts') },
        // tsx: what a project with a TypeScript schema or migrations has (the CLI loads them through it).
        devDependencies: { '@types/node': link('@types/node'), tsx: link('tsx') }
      },
      null,
      2
    )}\n`
  })
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], app, 300_000)
  const t2 = Date.now()

  write(app, {
    'query.mjs': program('esm'),
    'query.cjs': program('cjs'),
    'typed.mts': typed,
    'typed.cts': typed,
    'typed.ts': typed,
    'exact.mts': exact,
    'exact.cts': exact,
    'async-callback.mts': asyncCallback,
    'async-callback.cts': asyncCallback,
    'tsconfig.bundler.json': tsconfig({ module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true }, ['typed.ts']),
    // A new project's settings (tsc --init): declaration files emitted, exact optional properties.
    // One project holds the ES module files (.mts) and the CommonJS ones (.cts): each file
    // is read in its own module system and resolves the package through its own condition, so
    // one type check covers both (the libraries, @types/node above all, are checked once).
    'tsconfig.strict.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          declaration: true,
          emitDeclarationOnly: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          types: ['node']
        },
        files: (['mts', 'cts'] as const).flatMap((ext) => [`typed.${ext}`, `exact.${ext}`, `async-callback.${ext}`])
      },
      null,
      2
    )}\n`
  })
  return { files: report[0]!.files.map((f) => f.path), seconds: { pack: (t1 - t0) / 1000, install: (t2 - t1) / 1000 } }
}

let packed: Promise<Packed>

test.before(() => {
  packed = setUp()
  // The tests await it (and report its failure); this keeps an early failure from being unhandled meanwhile.
  packed.catch(() => undefined)
})

test.after.always(() => {
  fs.rmSync(work, { recursive: true, force: true })
})

// -------------------------------------------------------------------------------------
// tests
// -------------------------------------------------------------------------------------

test('the tarball holds both builds, their types, the workers, the CLI with its migrations, and no tests, benchmarks, sources or databases', async (t) => {
  t.timeout(600_000)
  const { files, seconds } = await packed
  t.log(`npm pack (with the build) ${seconds.pack} s, npm install ${seconds.install} s, ${files.length} files`)
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'bin/fp-lite-orm.js',
    'dist/esm/index.js',
    'dist/esm/index.d.ts',
    'dist/esm/pool/worker.js',
    'dist/esm/cli/main.js',
    'dist/esm/cli/demo-migrations/0001_shop.sql',
    'dist/cjs/package.json',
    'dist/cjs/index.js',
    'dist/cjs/index.d.ts',
    'dist/cjs/pool/worker.js',
    'dist/cjs/cli/demo-migrations/0001_shop.sql'
  ]) {
    t.true(files.includes(f), `${f} is in the tarball`)
  }
  const unwanted = files.filter((f) =>
    /^(src|spec|bench|examples|scripts|docs|node_modules|\.tmp|\.ci)\/|\.db(-wal|-shm)?$|\.test\.|\.tgz$|^tsconfig|^eslint\.config|^\.prettier/.test(
      f
    )
  )
  t.deepEqual(unwanted, [])
  const installed = path.join(app, 'node_modules', 'fp-lite-orm')
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
    peerDependencies: Record<string, string>
    peerDependenciesMeta: Record<string, { optional?: boolean }>
    scripts: Record<string, string>
  }
  t.deepEqual(Object.keys(manifest.dependencies).sort(), ['better-sqlite3'])
  // fp-ts and io-ts: the application's own copies (it imports them too: one copy of each).
  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  t.deepEqual(manifest.peerDependencies, { 'fp-ts': own.devDependencies['fp-ts'], 'io-ts': own.devDependencies['io-ts'], tsx: '>=4' })
  t.deepEqual(manifest.peerDependenciesMeta, { tsx: { optional: true } })
  // No script an install would run (npm asks the user to approve each), and no build at install time.
  t.deepEqual(
    Object.keys(manifest.scripts).filter((s) => /^(preinstall|install|postinstall|prepare)$/.test(s)),
    [],
    'no install-time script in the published manifest'
  )
  t.false('allowScripts' in manifest, "the repository's own script policy is not published")
  // The builds import only their own modules (relative paths, or the package by name: the
  // scaffold `migrate create --ts` writes imports it), Node built-ins, the three
  // dependencies, or tsx (optional: loaded for TypeScript migrations and configs).
  const code = files.filter((f) => /^dist\/.*\.js$/.test(f))
  t.true(code.length > 40, 'both builds have their modules')
  for (const f of code) {
    // (Without the comments: the TSDoc examples import 'fp-lite-orm'.)
    const text = fs
      .readFileSync(path.join(installed, f), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
    const imported = new Set(
      [...text.matchAll(/(?:from |import\(|require\()['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((p) => !p.startsWith('.'))
        .map((p) => p.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, '$1'))
    )
    t.deepEqual(
      [...imported].filter((p) => !/^(node:.*|better-sqlite3|fp-ts|io-ts|tsx|fp-lite-orm)$/.test(p)),
      [],
      `${f} imports only its dependencies`
    )
  }
})

test('import from an .mjs file: a query on a temp database, and a workerPool started from the built worker', async (t) => {
  t.timeout(600_000)
  await packed
  const r = await node(['query.mjs', path.join(work, 'esm.db')])
  t.is(r.stdout.trim(), 'esm ok')
})

test('require from a .cjs file: a query on a temp database, and a workerPool started from the built worker', async (t) => {
  t.timeout(600_000)
  await packed
  const r = await node(['query.cjs', path.join(work, 'cjs.db')])
  t.is(r.stdout.trim(), 'cjs ok')
})

/** The package's declaration files a program read (tsc --listFiles), by their folder under dist/. */
const used = (r: Result): string[] => [
  ...new Set(
    r.stdout
      .split('\n')
      .map((l) => /node_modules[\\/]fp-lite-orm[\\/](dist[\\/][^\\/]+)[\\/].*\.d\.ts$/.exec(l.trim())?.[1]?.replace('\\', '/'))
      .filter((d): d is string => d !== undefined)
  )
]

test('the declarations resolve under moduleResolution bundler (to the ES ones)', async (t) => {
  t.timeout(600_000)
  await packed
  t.deepEqual(used(await tsc('tsconfig.bundler.json')), ['dist/esm'], 'bundler: the ES declarations')
})

/**
 * Which files of the program imported each of the package's entry declarations, from
 * `tsc --explainFiles` (the same report in TypeScript 5, 6 and 7): the folder under dist/ of
 * each `index.d.ts` read, with the consumer files whose `import 'fp-lite-orm'` resolved to it.
 */
const importers = (r: Result): Record<string, string[]> => {
  const out: Record<string, string[]> = {}
  let current: string | undefined
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue
    if (!/^\s/.test(line)) {
      current = /node_modules[\\/]fp-lite-orm[\\/](dist[\\/][^\\/]+)[\\/]index\.d\.ts$/.exec(line.trim())?.[1]?.replace('\\', '/')
      if (current !== undefined) out[current] ??= []
      continue
    }
    // (The specifier as the source wrote it: 'fp-lite-orm' or "fp-lite-orm".)
    const m = /Imported via (["'])fp-lite-orm\1 from file '([^']+)'/.exec(line)
    if (current !== undefined && m !== null) out[current]!.push(path.basename(m[2]!))
  }
  // (A file that imports the package twice, a value and a type import, is listed once.)
  for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort()
  return out
}

/** Runs `tasks` at most `n` at a time (the machine has two cores; each type check takes one). */
const limited = async <A>(n: number, tasks: ReadonlyArray<() => Promise<A>>): Promise<A[]> => {
  const results: A[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++
        results[i] = await tasks[i]!()
      }
    })
  )
  return results
}

// Three full type checks of the declarations, fp-ts, io-ts and @types/node (one per TypeScript
// version, the ES module and CommonJS files together), two at a time. The consumer has no
// @types/better-sqlite3 and checks the declarations (skipLibCheck off): the published types
// must not need the driver's.
test("TypeScript 5, 6 and 7 with a new project's settings (declaration files, exactOptionalPropertyTypes, skipLibCheck off), nodenext ESM and CommonJS: the right declarations, and the one error is an async transaction callback, saying why", async (t) => {
  t.timeout(600_000)
  const tscs = await Promise.all(TYPESCRIPTS.map(async (v) => [v, await typescript(v)] as const))
  await packed
  const reason = 'the callback must be synchronous; use pool.transaction for async work'
  const started = Date.now()
  const checks = await limited(
    2,
    tscs.map(([version, bin]) => async () => {
      const t0 = Date.now()
      const r = await runAnyway(
        process.execPath,
        [bin, '-p', 'tsconfig.strict.json', '--pretty', 'false', '--explainFiles', '--outDir', `out-${version}`],
        app
      )
      return { version, r, seconds: (Date.now() - t0) / 1000 }
    })
  )
  t.log(`type checks: ${checks.map((c) => `TypeScript ${c.version} ${c.seconds} s`).join(', ')}; ${(Date.now() - started) / 1000} s in all`)
  for (const { version, r } of checks) {
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l))
    t.is(errors.length, 2, `TypeScript ${version}: one error in each module system (exit ${r.code})\n${errors.join('\n')}\n${r.stderr}`)
    for (const ext of ['mts', 'cts']) {
      const error = errors.find((l) => l.startsWith(`async-callback.${ext}(`))
      t.regex(error ?? '', /^async-callback\.[mc]ts\(4,\d+\): error TS2769/, `TypeScript ${version}, .${ext}`)
    }
    t.is(r.stdout.split(reason).length - 1 >= 2, true, `TypeScript ${version}: both errors say why\n${errors.join('\n')}`)
    // Each module system's files read that system's declarations, and only those.
    t.deepEqual(
      importers(r),
      {
        'dist/cjs': ['async-callback.cts', 'exact.cts', 'typed.cts'],
        'dist/esm': ['async-callback.mts', 'exact.mts', 'typed.mts']
      },
      `TypeScript ${version}: an .mts file reads the ES declarations, a .cts file the CommonJS ones`
    )
    for (const ext of ['mts', 'cts']) {
      // The declarations were written, naming the package's types through its entry point.
      const dts = fs.readFileSync(path.join(app, `out-${version}`, `exact.d.${ext}`), 'utf8')
      t.regex(dts, /import\("fp-lite-orm"\)\.BoundColumns/, `TypeScript ${version}, .${ext}`)
    }
  }
})

test('npx fp-lite-orm: --help, and the demo (its migrations ship with the build)', async (t) => {
  t.timeout(600_000)
  await packed
  const help = await run('npx', ['--offline', 'fp-lite-orm', '--help'], app)
  t.regex(help.stdout, /Usage:/)
  t.regex(help.stdout, /fp-lite-orm migrate/)
  const demo = await run('npx', ['--offline', 'fp-lite-orm', 'demo', path.join(work, 'demo.db')], app)
  t.regex(demo.stdout, /applied 0001_shop/)
})

/** A TypeScript schema module (type-only imports and annotations: it must be compiled, not just read). */
const SCHEMA_TS = `import { integer, table, text } from 'fp-lite-orm'
import type { Row } from 'fp-lite-orm'

export const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
export type User = Row<typeof users>
const sample: User = { id: 0, name: 'typed' }
export const sampleName: string = sample.name
`

/** A TypeScript migration module, named to sort after the one create writes. */
const MIGRATION_TS = `import type { MigrationOps } from 'fp-lite-orm'

const who: string = 'Ada'
export function up(op: MigrationOps): void {
  op.execute(\`INSERT INTO users (name) VALUES ('\${who}')\`)
}
export function down(op: MigrationOps): void {
  op.execute("DELETE FROM users WHERE name = 'Ada'")
}
`

test('the installed CLI runs migrate init / create / upgrade / check with a .ts schema module and a .ts migration, in a CommonJS and an ES module project', async (t) => {
  t.timeout(600_000)
  await packed
  t.log(`node ${process.version}`)
  const bin = path.join(app, 'node_modules', 'fp-lite-orm', 'bin', 'fp-lite-orm.js')
  // The app itself (no "type": CommonJS) through npx; a folder of "type": "module" inside it through the installed bin.
  const projects: ReadonlyArray<[string, string, (args: ReadonlyArray<string>) => Promise<Result>]> = [
    ['CommonJS (npx)', app, (args) => run('npx', ['--offline', 'fp-lite-orm', ...args], app)],
    ['ES module', path.join(app, 'esm-project'), (args) => node([bin, ...args], path.join(app, 'esm-project'))]
  ]
  fs.mkdirSync(path.join(app, 'esm-project'))
  write(path.join(app, 'esm-project'), { 'package.json': '{ "type": "module" }\n' })
  for (const [kind, dir, cli] of projects) {
    const init = await cli(['migrate', 'init'])
    t.regex(init.stdout, /Wrote fp-lite-orm\.config\.json/, kind)
    fs.mkdirSync(path.join(dir, 'src'))
    write(path.join(dir, 'src'), { 'schema.ts': SCHEMA_TS })
    const create = await cli(['migrate', 'create', 'init'])
    t.regex(create.stdout, /Wrote migrations[\\/]\d{14}_init\.sql:\n {2}create table users/, kind)
    write(path.join(dir, 'migrations'), { '99990101000000_seed.ts': MIGRATION_TS })
    const upgrade = await cli(['migrate', 'upgrade'])
    t.regex(upgrade.stdout, /Applied 2 migration\(s\):\n {2}\d{14}_init\n {2}99990101000000_seed/, kind)
    const check = await cli(['migrate', 'check'])
    t.regex(check.stdout, /In sync/, kind)
    const rows = await node(
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D('app.db'); console.log(JSON.stringify(db.prepare('SELECT id, name FROM users').all()))`
      ],
      dir
    )
    t.is(rows.stdout.trim(), '[{"id":1,"name":"Ada"}]', kind)
  }
})
