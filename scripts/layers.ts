/**
 * The layer check: the import graph of src/ keeps the shape ../DESIGN.md gives it.
 *
 *   npx tsx scripts/layers.ts          # check src/, exit 1 and print each offending import
 *   npx tsx scripts/layers.ts --graph  # also print the folder-level graph that was checked
 *
 * Three rules, each reported as `file:line -> target  [rule]`:
 *
 * - cycle: no import cycle between files, value or type imports alike (`import type`,
 *   `export ... from` and `import('...')` in type positions all count: a type cycle is
 *   the same tangle for a reader, and tomorrow's value import closes it at run time).
 * - downward: a folder imports only the folders below it (LAYERS). This is the rule
 *   "Imports point downward only: schema <- query <- session -> conn -> driver;
 *   pool -> session; migrate -> schema, session; cli -> migrate", with the transitive
 *   closure allowed (pool runs the compiler its workers share; it may import query).
 * - private: a file listed in PRIVATE is imported only from inside its own folder (the
 *   per-thread handle registry belongs to src/conn; everything else goes through
 *   conn's entry), and an npm package listed in PACKAGES only from its folder (only
 *   src/driver names better-sqlite3).
 *
 * The checker is a pure function over a folder (checkLayers), so spec/layers.test.ts runs
 * it on src/ and on planted folders that must fail (the check cannot pass vacuously).
 * Imports are read with the TypeScript compiler's own pre-processor (ts.preProcessFile),
 * not a regular expression, so comments and strings never count.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// -------------------------------------------------------------------------------------
// types
// -------------------------------------------------------------------------------------

/** One import: the importing file (relative to the root, `/`-separated), its line, and what it names. */
export interface Edge {
  readonly from: string
  readonly line: number
  readonly to: string
}

export type Rule = 'cycle' | 'downward' | 'private'

export interface Violation {
  readonly rule: Rule
  readonly edge: Edge
  readonly message: string
}

export interface Rules {
  /** Layer (first path segment, `.ts` dropped for top-level files) -> the layers it may import. */
  readonly layers: Readonly<Record<string, ReadonlyArray<string>>>
  /** File (relative to the root) -> the only layers that may import it (its own first of all). */
  readonly private: Readonly<Record<string, ReadonlyArray<string>>>
  /** npm package -> the layers that may import it. */
  readonly packages: Readonly<Record<string, ReadonlyArray<string>>>
  /**
   * Known cycles, each as the sorted list of its files, that do not fail the check yet.
   * Each entry is a debt with a name: the check fails as soon as the listed cycle is gone
   * (so the entry is removed with the fix) or a new file joins it.
   */
  readonly allowedCycles: ReadonlyArray<ReadonlyArray<string>>
}

// -------------------------------------------------------------------------------------
// the rules of this repository
// -------------------------------------------------------------------------------------

const below = (...layers: ReadonlyArray<string>): ReadonlyArray<string> => layers

/** errors.ts, memo.ts and lru.ts are leaves every layer may import (they import nothing of the library). */
const LEAVES = ['errors', 'memo', 'lru'] as const

export const LAYERS: Rules['layers'] = {
  errors: below(),
  memo: below(),
  lru: below(),
  schema: below(...LEAVES),
  query: below('schema', ...LEAVES),
  // The driver names the value type every layer shares (SqlValue, from schema/column.ts).
  driver: below('schema', ...LEAVES),
  conn: below('driver', 'schema', ...LEAVES),
  session: below('query', 'conn', 'driver', 'schema', ...LEAVES),
  pool: below('session', 'query', 'conn', 'driver', 'schema', ...LEAVES),
  migrate: below('session', 'query', 'conn', 'driver', 'schema', ...LEAVES),
  // The studio is an application of the library: it browses with queries and migrates.
  studio: below('migrate', 'session', 'query', 'conn', 'driver', 'schema', ...LEAVES),
  // index.ts only re-exports; nothing below it imports it.
  index: below('studio', 'pool', 'migrate', 'session', 'query', 'conn', 'driver', 'schema', ...LEAVES),
  // The command is the top: the demo uses the public surface as a user would.
  cli: below('index', 'studio', 'pool', 'migrate', 'session', 'query', 'conn', 'driver', 'schema', ...LEAVES)
}

export const RULES: Rules = {
  layers: LAYERS,
  // The registry's clients are conn itself and the run functions of session (which
  // interpret a handle); every layer above reaches a connection through conn/connection.ts.
  private: { 'conn/registry.ts': ['conn', 'session'] },
  packages: { 'better-sqlite3': ['driver'] },
  // Empty: the insert.ts <-> write.ts cycle (through select.ts and raw.ts) went with the
  // compiler split of issue #22. A cycle listed here must be named with its files and the
  // reason it stays; the entry fails the check once the cycle is gone.
  allowedCycles: []
}

// -------------------------------------------------------------------------------------
// reading the graph
// -------------------------------------------------------------------------------------

const toPosix = (p: string): string => p.split(path.sep).join('/')

const listSources = (root: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(toPosix(path.relative(root, full)))
    }
  }
  walk(root)
  return out
}

/** `./x.js` written in `a/b.ts` -> `a/x.ts` when that file exists (NodeNext spells .ts imports as .js). */
const resolveRelative = (files: ReadonlySet<string>, from: string, spec: string): string | undefined => {
  const joined = toPosix(path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)))
  const candidates = [joined, joined.replace(/\.js$/, '.ts'), joined.replace(/\.mjs$/, '.mts'), `${joined}.ts`, `${joined}/index.ts`]
  return candidates.find((c) => files.has(c))
}

export interface Graph {
  readonly files: ReadonlyArray<string>
  /** Imports of files inside the root. */
  readonly edges: ReadonlyArray<Edge>
  /** Imports of npm packages (bare specifiers, `node:` excluded), `to` the package name. */
  readonly packages: ReadonlyArray<Edge>
}

const packageName = (spec: string): string => {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec)
}

export const readGraph = (root: string): Graph => {
  const files = listSources(root)
  const known = new Set(files)
  const edges: Array<Edge> = []
  const packages: Array<Edge> = []
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8')
    const info = ts.preProcessFile(text, true, true)
    const lineOf = (pos: number): number => text.slice(0, pos).split('\n').length
    for (const ref of info.importedFiles) {
      const spec = ref.fileName
      if (spec.startsWith('.')) {
        const to = resolveRelative(known, file, spec)
        if (to !== undefined) edges.push({ from: file, line: lineOf(ref.pos), to })
      } else if (!spec.startsWith('node:')) packages.push({ from: file, line: lineOf(ref.pos), to: packageName(spec) })
    }
  }
  return { files, edges: dedupe(edges), packages: dedupe(packages) }
}

const dedupe = (edges: ReadonlyArray<Edge>): ReadonlyArray<Edge> => {
  const seen = new Set<string>()
  return edges.filter((e) => {
    const k = `${e.from}\0${e.to}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

// -------------------------------------------------------------------------------------
// the checks
// -------------------------------------------------------------------------------------

/** A file's layer: its first folder under the root, or its own name for a top-level file. */
export const layerOf = (file: string): string => {
  const [first, ...rest] = file.split('/')
  return rest.length === 0 ? (first ?? file).replace(/\.[^.]+$/, '') : (first ?? file)
}

const at = (e: Edge): string => `${e.from}:${e.line} -> ${e.to}`

const checkDownward = (graph: Graph, rules: Rules): ReadonlyArray<Violation> =>
  graph.edges.flatMap((e) => {
    const a = layerOf(e.from)
    const b = layerOf(e.to)
    if (a === b) return []
    const allowed = rules.layers[a]
    if (allowed === undefined)
      return [
        {
          rule: 'downward' as const,
          edge: e,
          message: `${at(e)}  [downward] layer "${a}" is not in the layer table (scripts/layers.ts LAYERS): give it its place`
        }
      ]
    return allowed.includes(b)
      ? []
      : [
          {
            rule: 'downward' as const,
            edge: e,
            message: `${at(e)}  [downward] "${a}" may import only ${allowed.join(', ') || 'nothing'}, not "${b}"`
          }
        ]
  })

const checkPrivate = (graph: Graph, rules: Rules): ReadonlyArray<Violation> => [
  ...graph.edges.flatMap((e) => {
    const only = rules.private[e.to]
    return only !== undefined && !only.includes(layerOf(e.from))
      ? [
          {
            rule: 'private' as const,
            edge: e,
            message: `${at(e)}  [private] ${e.to} may be imported only from ${only.join(', ')}: go through its layer's entry`
          }
        ]
      : []
  }),
  ...graph.packages.flatMap((e) => {
    const only = rules.packages[e.to]
    return only !== undefined && !only.includes(layerOf(e.from))
      ? [{ rule: 'private' as const, edge: e, message: `${at(e)}  [private] the package ${e.to} is imported only from ${only.join(', ')}` }]
      : []
  })
]

/** Strongly connected components (Tarjan), each with more than one file or a self-import. */
const cycles = (graph: Graph): ReadonlyArray<ReadonlyArray<string>> => {
  const out = new Map<string, Array<string>>()
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const found: Array<Array<string>> = []
  let next = 0
  // Iterative, so a long chain of files cannot overflow the call stack.
  for (const start of graph.files) {
    if (index.has(start)) continue
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }]
    index.set(start, next)
    low.set(start, next++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const top = work[work.length - 1]!
      const succ = out.get(top.node) ?? []
      if (top.i < succ.length) {
        const w = succ[top.i++]!
        if (!index.has(w)) {
          index.set(w, next)
          low.set(w, next++)
          stack.push(w)
          onStack.add(w)
          work.push({ node: w, i: 0 })
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!))
      } else {
        work.pop()
        const parent = work[work.length - 1]
        if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!))
        if (low.get(top.node) === index.get(top.node)) {
          const scc: Array<string> = []
          let w: string
          do {
            w = stack.pop()!
            onStack.delete(w)
            scc.push(w)
          } while (w !== top.node)
          if (scc.length > 1 || succ.includes(top.node)) found.push(scc.sort())
        }
      }
    }
  }
  return found
}

/** One concrete loop through a component, so the message names imports a reader can open. */
const loopThrough = (graph: Graph, scc: ReadonlyArray<string>): ReadonlyArray<Edge> => {
  const inside = new Set(scc)
  const start = scc[0]!
  // Breadth-first from start back to start, inside the component: the shortest loop.
  const prev = new Map<string, Edge>()
  const queue: Array<string> = [start]
  while (queue.length > 0) {
    const n = queue.shift()!
    for (const e of graph.edges) {
      if (e.from !== n || !inside.has(e.to)) continue
      if (e.to === start) {
        const loop: Array<Edge> = [e]
        let cur = n
        while (cur !== start) {
          const p = prev.get(cur)!
          loop.unshift(p)
          cur = p.from
        }
        return loop
      }
      if (!prev.has(e.to)) {
        prev.set(e.to, e)
        queue.push(e.to)
      }
    }
  }
  return []
}

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => a.length === b.length && a.every((x, i) => x === b[i])

const checkCycles = (graph: Graph, rules: Rules): ReadonlyArray<Violation> => {
  const found = cycles(graph)
  const fresh = found.filter((scc) => !rules.allowedCycles.some((allowed) => sameList([...allowed].sort(), scc)))
  const stale = rules.allowedCycles.filter((allowed) => !found.some((scc) => sameList([...allowed].sort(), scc)))
  return [
    ...fresh.map((scc) => {
      const loop = loopThrough(graph, scc)
      const first = loop[0] ?? { from: scc[0]!, line: 0, to: scc[0]! }
      const steps = loop.map((e) => `    ${at(e)}`).join('\n')
      return {
        rule: 'cycle' as const,
        edge: first,
        message: `${at(first)}  [cycle] import cycle through ${scc.length} file(s) (${scc.join(', ')}):\n${steps}\n    move the shared type or value down to a module both can import`
      }
    }),
    ...stale.map((allowed) => ({
      rule: 'cycle' as const,
      edge: { from: allowed[0]!, line: 0, to: allowed[0]! },
      message: `${allowed.join(' <-> ')}  [cycle] listed in allowedCycles (scripts/layers.ts) but no longer a cycle as listed: remove the entry`
    }))
  ]
}

/** Every violation of the rules in the folder `root` (src/ for this repository), in a stable order. */
export const checkLayers = (root: string, rules: Rules = RULES): ReadonlyArray<Violation> => {
  const graph = readGraph(root)
  return [...checkCycles(graph, rules), ...checkDownward(graph, rules), ...checkPrivate(graph, rules)]
}

// -------------------------------------------------------------------------------------
// command
// -------------------------------------------------------------------------------------

const folderGraph = (graph: Graph): string => {
  const counts = new Map<string, number>()
  for (const e of graph.edges) {
    const k = `${layerOf(e.from)} -> ${layerOf(e.to)}`
    if (layerOf(e.from) !== layerOf(e.to)) counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `  ${k} (${n})`)
    .join('\n')
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src')
  if (process.argv.includes('--graph')) console.log(`folder imports in src/:\n${folderGraph(readGraph(root))}`)
  const violations = checkLayers(root)
  for (const v of violations) console.error(v.message)
  console.log(violations.length === 0 ? 'layers: ok' : `layers: ${violations.length} violation(s)`)
  process.exitCode = violations.length === 0 ? 0 : 1
}
