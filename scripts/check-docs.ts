/**
 * Checks that the documentation is true: every TypeScript code block of README.md and
 * docs/*.md, and every `@example` of the public API, type-checks against the library
 * and runs.
 *
 *   npx tsx scripts/check-docs.ts            # everything
 *   npx tsx scripts/check-docs.ts queries    # only the Markdown files whose name contains "queries"
 *   npx tsx scripts/check-docs.ts --no-api   # skip the @example blocks of src/
 *   npx tsx scripts/check-docs.ts --api=eq,gt  # only the @example blocks of these exports
 *   npx tsx scripts/check-docs.ts --timings    # also print how long each part took
 *   npx tsx scripts/check-docs.ts --isolate    # run each Markdown program in a process of its own
 *   npx tsx scripts/check-docs.ts --params     # only the @param rule below (a second, nothing run)
 *
 * The rules:
 *
 * - Markdown: the ```ts (or ```typescript) blocks of a file form one program, in order,
 *   like a tutorial read top to bottom. A block fenced ```ts standalone is a program of
 *   its own (for a separate file, e.g. a migration module or a schema module).
 * - A Markdown file whose programs should also run carries the line
 *   `<!-- docs-check: run -->` (at its top, by convention). README.md always runs.
 *   Each such program runs with tsx, its working directory a fresh empty folder, so
 *   whatever it writes (`app.db`, ./migrations) lands there. They run one after the other
 *   in one process (--isolate: a process each).
 * - API: every export of src/index.ts must carry a TSDoc `@example` holding a ```ts
 *   block. Each example is its own program; they are all type-checked and all run (in
 *   one process, each in a fresh working directory).
 * - API: every parameter of every exported function has an `@param` with a description,
 *   on each overload a reader sees (typedoc shows each signature's own comment; its
 *   `requiredToBeDocumented: Parameter` enforces the same in `npm run docs`, there also for
 *   the methods of exported interfaces).
 * - Programs import the library as `fp-lite-orm`: the package resolves itself through
 *   the "exports" of package.json, so the generated files live inside the repository
 *   (.tmp/docs-check/) and use the repository's tsconfig.json. Both tsc and node are
 *   given the `fp-lite-orm-source` condition, so the docs are checked against src/, never
 *   against a build in dist/ that may be out of date.
 *
 * Exit code 0 when everything passes, 1 otherwise (each failure is reported with the
 * Markdown file and line, or the source file and line of the example).
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WORK = path.join(ROOT, '.tmp', 'docs-check')
const PROGRAMS = path.join(WORK, 'programs')
const RUNS = path.join(WORK, 'run')
const RUN_MARKER = /^\s*<!--\s*docs-check:\s*run\s*-->\s*$/m
/** Files that must run whatever their markers say. */
const ALWAYS_RUN = new Set(['README.md'])
/** The export condition that resolves `fp-lite-orm` to src/index.ts (package.json "exports"). */
const SOURCE_CONDITION = 'fp-lite-orm-source'
/** How long one program may run before it counts as hung. */
const RUN_TIMEOUT_MS = 45_000

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Where a generated line came from. */
interface Origin {
  readonly file: string
  readonly line: number
}

interface Program {
  /** The generated file's name, unique: `README.md.ts`, `api/eq.ts`. */
  readonly id: string
  /** What to call it in reports. */
  readonly label: string
  readonly lines: string[]
  /** For each generated line, where it came from (undefined for lines the checker added). */
  readonly origins: Array<Origin | undefined>
  readonly run: boolean
  readonly kind: 'markdown' | 'api'
}

interface Block {
  readonly lang: string
  readonly flags: ReadonlyArray<string>
  readonly code: ReadonlyArray<string>
  /** The 1-based line of the block's first code line. */
  readonly line: number
}

const problems: string[] = []
/** How long each phase took, for --timings. */
const timings: Array<[string, number]> = []
/** The slowest API examples, for --timings. */
const slowest: Array<[string, number]> = []
const timed = async <A>(label: string, f: () => Promise<A>): Promise<A> => {
  const start = Date.now()
  try {
    return await f()
  } finally {
    timings.push([label, Date.now() - start])
  }
}
const problem = (s: string): void => {
  problems.push(s)
}

// -------------------------------------------------------------------------------------
// Markdown
// -------------------------------------------------------------------------------------

const TS_LANGS = new Set(['ts', 'typescript'])

/** The fenced code blocks of a Markdown text (``` or ~~~ fences, info string split into words). */
const fencedBlocks = (text: string, file: string): Block[] => {
  const lines = text.split(/\r?\n/)
  const blocks: Block[] = []
  let open: { fence: string; lang: string; flags: string[]; start: number; code: string[] } | undefined
  lines.forEach((line, i) => {
    if (open === undefined) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(line)
      // CommonMark: the info string of a backtick fence has no backtick (else it is inline code).
      if (m !== null && !(m[1]![0] === '`' && line.slice(line.indexOf(m[1]!) + m[1]!.length).includes('`'))) {
        open = { fence: m[1]!, lang: m[2]!.toLowerCase(), flags: m[3]!.split(/\s+/).filter((w) => w !== ''), start: i + 2, code: [] }
      }
      return
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)
    if (close !== null && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      blocks.push({ lang: open.lang, flags: open.flags, code: open.code, line: open.start })
      open = undefined
      return
    }
    open.code.push(line)
  })
  if (open !== undefined) problem(`${file}:${open.start - 1}: a code block is never closed`)
  return blocks
}

const markdownPrograms = (file: string): Program[] => {
  const rel = path.relative(ROOT, file)
  const text = fs.readFileSync(file, 'utf8')
  const run = RUN_MARKER.test(text) || ALWAYS_RUN.has(rel)
  const main: Program = { id: `${rel}.ts`, label: rel, lines: [], origins: [], run, kind: 'markdown' }
  const out: Program[] = []
  let standalone = 0
  for (const b of fencedBlocks(text, rel)) {
    if (!TS_LANGS.has(b.lang)) continue
    const unknown = b.flags.filter((f) => f !== 'standalone')
    if (unknown.length > 0) problem(`${rel}:${b.line - 1}: unknown code block flag(s) ${unknown.join(' ')} (known: standalone)`)
    if (b.code.every((l) => l.trim() === '')) problem(`${rel}:${b.line - 1}: an empty ts block`)
    const target: Program = b.flags.includes('standalone')
      ? {
          id: `${rel}.standalone-${++standalone}.ts`,
          label: `${rel} (standalone block at line ${b.line - 1})`,
          lines: [],
          origins: [],
          run,
          kind: 'markdown'
        }
      : main
    if (target !== main) out.push(target)
    b.code.forEach((l, i) => {
      target.lines.push(l)
      target.origins.push({ file: rel, line: b.line + i })
    })
  }
  return main.lines.length > 0 ? [main, ...out] : out
}

// -------------------------------------------------------------------------------------
// @example blocks of the public API
// -------------------------------------------------------------------------------------

/** The ```ts blocks of the `@example` tags of one JSDoc comment, with their source lines. */
const examplesOf = (sf: ts.SourceFile, doc: ts.JSDoc): Array<{ code: string[]; line: number }> => {
  const startLine = sf.getLineAndCharacterOfPosition(doc.getStart(sf)).line
  const raw = sf.text.slice(doc.getStart(sf), doc.getEnd()).split(/\r?\n/)
  // Comment lines without their leading ` * `, keeping indentation after it.
  const lines = raw.map((l, i) => {
    let s = i === 0 ? l.replace(/^\s*\/\*\*\s?/, '') : l.replace(/^\s*\*(?!\/) ?/, '')
    if (i === raw.length - 1) s = s.replace(/\s*\*\/\s*$/, '')
    return s
  })
  const out: Array<{ code: string[]; line: number }> = []
  let inExample = false
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    if (/^\s*@example\b/.test(l)) inExample = true
    else if (/^\s*@\w+/.test(l)) inExample = false
    if (!inExample || !/^\s*```\s*(ts|typescript)\s*$/.test(l)) continue
    const code: string[] = []
    let j = i + 1
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) code.push(lines[j]!)
    if (j >= lines.length) problem(`${path.relative(ROOT, sf.fileName)}:${startLine + i + 1}: an @example code block is never closed`)
    out.push({ code, line: startLine + i + 2 })
    i = j
  }
  return out
}

/** The JSDoc comments of a symbol's declarations (for a variable: its statement's). */
const docsOf = (decl: ts.Declaration): ts.JSDoc[] =>
  ts.getJSDocCommentsAndTags(decl).flatMap((n) => (ts.isJSDoc(n) ? [n] : ts.isJSDoc(n.parent) ? [n.parent] : []))

/**
 * Parameters whose `@param` is still to be written, as `export.parameter`: their files were
 * being moved by another change (src/query/compile.ts, insert.ts, write.ts) when the rule came
 * in. The same names are in typedoc.json's `intentionallyNotDocumented`. Remove a name once
 * its parameter is described (an entry that is already described is reported, so the list
 * only shrinks).
 */
const PARAMS_TO_DESCRIBE: ReadonlySet<string> = new Set([
  'toSQL.q',
  'insert.table',
  'insert.rows',
  'insert.source',
  'allRows.q',
  'changed.before',
  'changed.after',
  'deleteFrom.table',
  'excluded.c',
  'excludedAll.table',
  'excludedAll.options',
  'from.other',
  'onConflictDoNothing.target',
  'onConflictDoUpdate.options',
  'orIgnore.q',
  'orReplace.q',
  'returning.fields',
  'set.values',
  'update.table'
])

/**
 * The signatures of an exported function as a reader sees them: each overload, or the one
 * declaration (a function, or a variable holding an arrow function or function expression).
 * An overloaded function's implementation is not shown, so it is not among them.
 */
const signaturesOf = (decls: ReadonlyArray<ts.Declaration>): ts.SignatureDeclaration[] => {
  const fns = decls.filter(ts.isFunctionDeclaration)
  if (fns.length > 0) return fns.length > 1 ? fns.filter((f) => f.body === undefined) : fns
  return decls.flatMap((d) =>
    ts.isVariableDeclaration(d) &&
    d.initializer !== undefined &&
    (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
      ? [d.initializer]
      : []
  )
}

/** The text of a `@param` tag (TypeScript keeps a leading `- ` of TSDoc's style). */
const paramText = (tag: ts.JSDocParameterTag): string => (ts.getTextOfJSDocComment(tag.comment) ?? '').replace(/^\s*-\s*/, '').trim()

/**
 * Every parameter of every exported function has an `@param` that says something, on each
 * signature a reader sees (typedoc shows each overload's own comment). Reports what is
 * missing, with the place to write it.
 */
const checkParams = (name: string, decls: ReadonlyArray<ts.Declaration>, described: Set<string>): void => {
  for (const sig of signaturesOf(decls)) {
    for (const p of sig.parameters) {
      // A destructured parameter has no name to tag (none of the public API has one).
      if (!ts.isIdentifier(p.name)) continue
      const key = `${name}.${p.name.text}`
      const tags = ts.getJSDocParameterTags(p)
      if (tags.some((t) => paramText(t) !== '')) {
        described.add(key)
        continue
      }
      if (PARAMS_TO_DESCRIBE.has(key)) continue
      const sf = sig.getSourceFile()
      const line = sf.getLineAndCharacterOfPosition(p.getStart(sf)).line + 1
      problem(
        `${path.relative(ROOT, sf.fileName)}:${line}: the parameter \`${p.name.text}\` of the export ${name} has no @param description ` +
          `(write \`@param ${p.name.text} - what it is, its unit or shape, what a bad value gives\` in the TSDoc of this signature)`
      )
    }
  }
}

const apiPrograms = (only: ReadonlySet<string> | undefined): Program[] => {
  const entry = path.join(ROOT, 'src', 'index.ts')
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true
  })
  const checker = program.getTypeChecker()
  const sf = program.getSourceFile(entry)
  const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf)
  if (moduleSymbol === undefined) {
    problem('src/index.ts: cannot read its exports')
    return []
  }
  const out: Program[] = []
  const described = new Set<string>()
  for (const s of checker.getExportsOfModule(moduleSymbol)) {
    if (only !== undefined && !only.has(s.name)) continue
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
    checkParams(s.name, target.declarations ?? [], described)
    const seen = new Set<number>()
    const examples: Array<{ code: string[]; line: number; file: string }> = []
    for (const decl of target.declarations ?? []) {
      const dsf = decl.getSourceFile()
      for (const doc of docsOf(decl)) {
        if (seen.has(doc.pos)) continue
        seen.add(doc.pos)
        for (const ex of examplesOf(dsf, doc)) examples.push({ ...ex, file: path.relative(ROOT, dsf.fileName) })
      }
    }
    const where = target.declarations?.[0]
    const at =
      where === undefined
        ? 'src/index.ts'
        : `${path.relative(ROOT, where.getSourceFile().fileName)}:${where.getSourceFile().getLineAndCharacterOfPosition(where.getStart()).line + 1}`
    if (examples.length === 0) {
      problem(`${at}: the export ${s.name} has no TSDoc @example with a \`\`\`ts block`)
      continue
    }
    examples.forEach((ex, i) => {
      out.push({
        // Numbered: exports may differ only in case (Table, table), and so would file names.
        id: `api/${String(out.length + 1).padStart(3, '0')}-${s.name}${examples.length > 1 ? `-${i + 1}` : ''}.ts`,
        label: `@example of ${s.name} (${ex.file}:${ex.line - 1})`,
        lines: [...ex.code],
        origins: ex.code.map((_, k) => ({ file: ex.file, line: ex.line + k })),
        run: true,
        kind: 'api'
      })
    })
  }
  if (only === undefined) {
    const done = [...PARAMS_TO_DESCRIBE].filter((k) => described.has(k))
    if (done.length > 0)
      problem(
        `scripts/check-docs.ts: described now, remove from PARAMS_TO_DESCRIBE (and typedoc.json intentionallyNotDocumented): ${done.join(', ')}`
      )
  }
  return out
}

// -------------------------------------------------------------------------------------
// type-checking
// -------------------------------------------------------------------------------------

/** Writes a program's file, leaving an unchanged file alone (tsc's incremental check then skips it). */
const write = (p: Program): string => {
  const file = path.join(PROGRAMS, p.id)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  // An export makes every program a module, so top-level names never clash between them.
  const body = p.lines.some((l) => /^\s*(import|export)\b/.test(l)) ? p.lines : [...p.lines, 'export {}']
  const text = `${body.join('\n')}\n`
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text)
  return file
}

/** Removes generated files that no longer belong to any program. */
const removeStale = (dir: string, keep: ReadonlySet<string>): void => {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) removeStale(full, keep)
    else if (!keep.has(path.relative(PROGRAMS, full))) fs.rmSync(full)
  }
}

/** Where a diagnostic's line of a generated file came from. */
const locate = (programs: ReadonlyMap<string, Program>, file: string, line: number): string => {
  const p = programs.get(path.relative(PROGRAMS, path.resolve(WORK, file)))
  const o = p?.origins[line - 1]
  return o === undefined ? `${file}:${line}` : `${o.file}:${o.line}`
}

interface Done {
  readonly code: number | null
  readonly output: string
  readonly timedOut: boolean
}

const runProcess = (args: ReadonlyArray<string>, cwd: string, timeoutMs: number): Promise<Done> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output, timedOut })
    })
  })

const typeCheck = async (programs: ReadonlyMap<string, Program>, partial: boolean): Promise<void> => {
  const config = {
    extends: path.relative(WORK, path.join(ROOT, 'tsconfig.json')),
    compilerOptions: {
      noEmit: true,
      rootDir: path.relative(WORK, ROOT),
      noUnusedLocals: false,
      noUnusedParameters: false,
      customConditions: [SOURCE_CONDITION],
      // Repeated runs re-check only what changed (the programs, or src/).
      incremental: true,
      // A partial run keeps its own, so that it does not spoil the full run's.
      tsBuildInfoFile: partial ? 'partial.tsbuildinfo' : 'full.tsbuildinfo'
    },
    // Exactly this run's programs (a partial run leaves other files behind). The empty
    // include matters: without it the root config's include (spec, bench, ...) applies.
    files: [...programs.keys()].map((id) => `programs/${id}`),
    include: []
  }
  fs.writeFileSync(path.join(WORK, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`)
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = await runProcess([tsc, '-p', path.join(WORK, 'tsconfig.json'), '--pretty', 'false'], WORK, 300_000)
  if (r.code === 0) return
  const lines = r.output.split('\n')
  let reported = 0
  for (const l of lines) {
    const m = /^(.+?)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(l)
    if (m !== null) {
      const file = path.resolve(WORK, m[1]!)
      const inPrograms = file.startsWith(PROGRAMS)
      problem(`${inPrograms ? locate(programs, m[1]!, Number(m[2])) : path.relative(ROOT, file) + ':' + m[2]}: ${m[4]}`)
      reported++
    } else if (l.startsWith(' ') && reported > 0 && l.trim() !== '') {
      // The continuation of the previous message.
      problems[problems.length - 1] += `\n    ${l.trim()}`
    }
  }
  if (reported === 0) problem(`tsc failed (exit ${r.code}):\n${r.output}`)
}

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

const TSX = (() => {
  try {
    return import.meta.resolve('tsx')
  } catch {
    return pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  }
})()

const freshDir = (name: string): string => {
  const dir = path.join(RUNS, name.replace(/[^A-Za-z0-9.-]+/g, '_'))
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

const indent = (s: string): string =>
  s
    .trimEnd()
    .split('\n')
    .slice(-40)
    .map((l) => `    | ${l}`)
    .join('\n')

/** A stack trace's mentions of generated files, pointed back at the docs. */
const withOrigins = (programs: ReadonlyMap<string, Program>, s: string): string =>
  s.replace(/(?:file:\/\/)?(\/[^\s:()]*\/\.tmp\/docs-check\/programs\/[^\s:()]+):(\d+)(?::\d+)?/g, (all, file: string, line: string) => {
    const p = programs.get(path.relative(PROGRAMS, file))
    const o = p?.origins[Number(line) - 1]
    return o === undefined ? all : `${all} (${o.file}:${o.line})`
  })

/** One Markdown program in a process of its own (with --isolate). */
const runIsolated = async (p: Program, programs: ReadonlyMap<string, Program>): Promise<void> => {
  const cwd = freshDir(p.id)
  const r = await runProcess([`--conditions=${SOURCE_CONDITION}`, '--import', TSX, path.join(PROGRAMS, p.id)], cwd, RUN_TIMEOUT_MS)
  if (r.timedOut) problem(`${p.label}: still running after ${RUN_TIMEOUT_MS / 1000} s (a pool or server left open?)\n${indent(r.output)}`)
  else if (r.code !== 0) problem(`${p.label}: the program failed (exit ${r.code})\n${indent(withOrigins(programs, r.output))}`)
}

/**
 * Programs run in one process, one after the other: each is imported (top-level awaits
 * included) with a fresh, empty working directory, and a throw is reported as its failure.
 * One process saves a node + tsx start per program, which matters on a busy machine.
 */
const runBatch = async (name: string, list: ReadonlyArray<Program>, programs: ReadonlyMap<string, Program>): Promise<void> => {
  if (list.length === 0) return
  const entries = list.map((p) => ({ label: p.label, url: pathToFileURL(path.join(PROGRAMS, p.id)).href, dir: freshDir(p.id) }))
  const runner = path.join(WORK, `runner-${name}.mjs`)
  fs.writeFileSync(
    runner,
    [
      `const entries = ${JSON.stringify(entries)}`,
      'let failed = 0',
      "process.on('unhandledRejection', (e) => { failed++; console.error('FAIL (unhandled rejection)', e) })",
      'for (const e of entries) {',
      '  process.chdir(e.dir)',
      "  console.error('RUN ' + e.label)",
      '  const start = performance.now()',
      '  try { await import(e.url) } catch (err) { failed++; console.error(`FAIL ${e.label}:`, err) }',
      '  console.error(`TIME ${(performance.now() - start).toFixed(0)} ${e.label}`)',
      '}',
      "console.error('DONE ' + failed)",
      'process.exit(failed === 0 ? 0 : 1)'
    ].join('\n')
  )
  const r = await runProcess([`--conditions=${SOURCE_CONDITION}`, '--import', TSX, runner], WORK, RUN_TIMEOUT_MS + list.length * 1000)
  slowest.push(...[...r.output.matchAll(/^TIME (\d+) (.*)$/gm)].map((m): [string, number] => [m[2]!, Number(m[1])]))
  if (r.timedOut) {
    const last = [...r.output.matchAll(/^RUN (.*)$/gm)].pop()?.[1]
    problem(`${last ?? name}: still running when the time ran out (a pool or server left open?)\n${indent(r.output)}`)
  } else if (r.code !== 0) {
    const failures = r.output.split(/^(?=RUN |DONE )/m).filter((chunk) => /^FAIL /m.test(chunk))
    if (failures.length === 0) problem(`the ${name} programs failed (exit ${r.code})\n${indent(withOrigins(programs, r.output))}`)
    for (const f of failures) problem(`${f.split('\n')[0]!.replace(/^RUN /, '')}: the program failed\n${indent(withOrigins(programs, f))}`)
  }
}

/** Runs `tasks` at most `n` at a time. */
const pool = async (n: number, tasks: ReadonlyArray<() => Promise<void>>): Promise<void> => {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!()
    })
  )
}

// -------------------------------------------------------------------------------------
// main
// -------------------------------------------------------------------------------------

const main = async (): Promise<number> => {
  const args = process.argv.slice(2)
  const filters = args.filter((a) => !a.startsWith('--'))
  const apiArg = args.find((a) => a.startsWith('--api='))
  const only =
    apiArg === undefined
      ? undefined
      : new Set(
          apiArg
            .slice('--api='.length)
            .split(',')
            .filter((n) => n !== '')
        )
  const withApi = !args.includes('--no-api') && (filters.length === 0 || only !== undefined)
  const withMarkdown = only === undefined || filters.length > 0
  const started = Date.now()

  const docsDir = path.join(ROOT, 'docs')
  const markdown = [
    path.join(ROOT, 'README.md'),
    ...(fs.existsSync(docsDir)
      ? fs
          .readdirSync(docsDir)
          .filter((f) => f.endsWith('.md'))
          .sort()
          .map((f) => path.join(docsDir, f))
      : [])
  ].filter((f) => withMarkdown && (filters.length === 0 || filters.some((x) => path.relative(ROOT, f).includes(x))))

  if (args.includes('--params')) {
    apiPrograms(undefined)
    for (const p of problems) console.error(`- ${p}`)
    console.log(problems.length === 0 ? 'docs check: every parameter is described' : `docs check: ${problems.length} problem(s)`)
    return problems.length === 0 ? 0 : 1
  }
  const all: Program[] = [...markdown.flatMap(markdownPrograms), ...(withApi ? apiPrograms(only) : [])]
  const byId = new Map(all.map((p) => [p.id, p]))

  const partial = !(withMarkdown && withApi && only === undefined && filters.length === 0)
  if (!partial) {
    removeStale(PROGRAMS, new Set(all.map((p) => p.id)))
    fs.rmSync(RUNS, { recursive: true, force: true })
  }
  for (const p of all) write(p)

  // Type-check and run at once: a run failure is worth knowing even when types fail too.
  const runnable = all.filter((p) => p.run)
  await Promise.all([
    timed('tsc', () => typeCheck(byId, partial)),
    pool(2, [
      () =>
        timed('run: API examples', () =>
          runBatch(
            'api',
            runnable.filter((p) => p.kind === 'api'),
            byId
          )
        ),
      ...(args.includes('--isolate')
        ? runnable.filter((p) => p.kind === 'markdown').map((p) => () => timed(`run: ${p.label}`, () => runIsolated(p, byId)))
        : [
            () =>
              timed('run: Markdown programs', () =>
                runBatch(
                  'markdown',
                  runnable.filter((p) => p.kind === 'markdown'),
                  byId
                )
              )
          ])
    ])
  ])

  const md = all.filter((p) => p.kind === 'markdown')
  const api = all.length - md.length
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const summary =
    `${markdown.length} Markdown file(s): ${md.length} program(s), ${md.filter((p) => p.run).length} run; ` +
    `${api} API example(s)${withApi ? '' : ' (skipped)'}; ${seconds} s`
  if (args.includes('--timings')) {
    for (const [label, ms] of timings) console.log(`${(ms / 1000).toFixed(1).padStart(6)} s  ${label}`)
    const top = slowest.sort((x, y) => y[1] - x[1]).slice(0, 8)
    if (top.length > 0)
      console.log(`slowest programs:\n${top.map(([label, ms]) => `${(ms / 1000).toFixed(1).padStart(6)} s  ${label}`).join('\n')}`)
  }
  if (problems.length > 0) {
    console.error(`docs check: ${problems.length} problem(s)\n`)
    for (const p of problems) console.error(`- ${p}\n`)
    console.error(summary)
    return 1
  }
  console.log(`docs check: OK (${summary})`)
  return 0
}

process.exitCode = await main()
