/**
 * The layers are enforced (issue #22): scripts/layers.ts reads every import of src/ (value
 * and type imports alike) and fails on an import cycle, an import pointing up the layer
 * order of DESIGN.md, or a private module imported from outside. The checker is run on
 * planted folders first, so that a check finding nothing in src/ means something.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { Rules } from '../scripts/layers.js'
import { checkLayers, RULES } from '../scripts/layers.js'
import { tempDir } from './helpers/db.js'

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src')

/** A folder of files `{ 'query/a.ts': 'text' }`, written under a fresh temp dir. */
const plant = (files: Readonly<Record<string, string>>): string => {
  const root = tempDir()
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), text)
  }
  return root
}

const rules: Rules = { ...RULES, allowedCycles: [] }

test('src/ keeps its layers: no cycle, nothing imported upward, the registry private to conn and session', (t) => {
  const found = checkLayers(src)
  t.deepEqual(
    found.map((v) => v.message),
    [],
    'run `npx tsx scripts/layers.ts` for the offending imports'
  )
})

test('a planted two-file type cycle is caught, with both imports and their lines', (t) => {
  const root = plant({
    'query/a.ts': "// a\nimport type { B } from './b.js'\nexport type A = { b?: B }\n",
    'query/b.ts': "import type { A } from './a.js'\nexport type B = { a?: A }\n",
    'query/c.ts': "import type { A } from './a.js'\nexport type C = A\n"
  })
  const found = checkLayers(root, rules)
  t.is(found.length, 1)
  t.is(found[0]!.rule, 'cycle')
  t.regex(found[0]!.message, /query\/a\.ts:2 -> query\/b\.ts/)
  t.regex(found[0]!.message, /query\/b\.ts:1 -> query\/a\.ts/)
  t.notRegex(found[0]!.message, /c\.ts/)
})

test('a cycle through three files and a re-export is caught; `import()` in a type position counts', (t) => {
  const root = plant({
    'session/a.ts': "export { b } from './b.js'\nexport const a = 1\n",
    'session/b.ts': "export const b = 2\nexport type C = import('./c.js').C\n",
    'session/c.ts': "import { a } from './a.js'\nexport type C = typeof a\n"
  })
  const found = checkLayers(root, rules)
  t.deepEqual(
    found.map((v) => v.rule),
    ['cycle']
  )
  t.regex(found[0]!.message, /session\/b\.ts:2 -> session\/c\.ts/)
})

test('an import in a comment or a string is not an import', (t) => {
  const root = plant({
    'schema/a.ts': "// import { x } from '../session/s.js'\nexport const s = \"import { y } from '../pool/p.js'\"\n",
    'session/s.ts': 'export const x = 1\n',
    'pool/p.ts': 'export const y = 1\n'
  })
  t.deepEqual(checkLayers(root, rules), [])
})

test('a planted upward import is caught with the rule it breaks (value or type import)', (t) => {
  const root = plant({
    'schema/table.ts': "import type { Session } from '../session/session.js'\nexport type T = Session\n",
    'session/session.ts': "import { t } from '../query/q.js'\nexport type Session = typeof t\n",
    'query/q.ts': "export const t = 1\nimport { x } from '../pool/p.js'\nexport const y = x\n",
    'pool/p.ts': 'export const x = 1\n'
  })
  const found = checkLayers(root, rules)
  t.deepEqual(
    found.map((v) => `${v.rule} ${v.edge.from}:${v.edge.line} -> ${v.edge.to}`),
    ['downward query/q.ts:2 -> pool/p.ts', 'downward schema/table.ts:1 -> session/session.ts']
  )
  t.regex(found[1]!.message, /"schema" may import only errors, memo, lru, not "session"/)
})

test('a folder missing from the layer table fails rather than passing unchecked', (t) => {
  const root = plant({ 'newthing/a.ts': "import { x } from '../query/q.js'\nexport const a = x\n", 'query/q.ts': 'export const x = 1\n' })
  const found = checkLayers(root, rules)
  t.is(found.length, 1)
  t.regex(found[0]!.message, /layer "newthing" is not in the layer table/)
})

test('the registry is private: migrate importing it directly is caught; conn and session may', (t) => {
  const root = plant({
    'conn/registry.ts': 'export const acquire = 1\n',
    'conn/connection.ts': "import { acquire } from './registry.js'\nexport const withConnection = acquire\n",
    'session/s.ts': "import { acquire } from '../conn/registry.js'\nexport const s = acquire\n",
    'migrate/runner.ts':
      "import { withConnection } from '../conn/connection.js'\nimport { acquire } from '../conn/registry.js'\nexport const r = [withConnection, acquire]\n"
  })
  const found = checkLayers(root, rules)
  t.deepEqual(
    found.map((v) => `${v.rule} ${v.edge.from}:${v.edge.line} -> ${v.edge.to}`),
    ['private migrate/runner.ts:2 -> conn/registry.ts']
  )
})

test('only src/driver imports better-sqlite3', (t) => {
  const root = plant({
    'driver/b.ts': "import Database from 'better-sqlite3'\nexport const d = Database\n",
    'session/s.ts': "import type Database from 'better-sqlite3'\nexport type D = Database.Database\n"
  })
  const found = checkLayers(root, rules)
  t.deepEqual(
    found.map((v) => `${v.rule} ${v.edge.from}:${v.edge.line} -> ${v.edge.to}`),
    ['private session/s.ts:1 -> better-sqlite3']
  )
})

test('an allowed cycle passes only while it is exactly that cycle', (t) => {
  const files = {
    'query/a.ts': "import { b } from './b.js'\nexport const a = b\n",
    'query/b.ts': "import type { a } from './a.js'\nexport const b = 1 as unknown as typeof a\n"
  }
  const allow: Rules = { ...RULES, allowedCycles: [['query/b.ts', 'query/a.ts']] }
  t.deepEqual(checkLayers(plant(files), allow), [])
  // Fixed: the entry is stale and must go.
  const fixed = checkLayers(plant({ 'query/a.ts': 'export const a = 1\n', 'query/b.ts': 'export const b = 1\n' }), allow)
  t.deepEqual(
    fixed.map((v) => v.rule),
    ['cycle']
  )
  t.regex(fixed[0]!.message, /no longer a cycle as listed: remove the entry/)
  // Grown: a third file joined it, which is a new cycle.
  const grown = checkLayers(
    plant({
      ...files,
      'query/b.ts': "import { c } from './c.js'\nexport const b = c\n",
      'query/c.ts': "import { a } from './a.js'\nexport const c = a\n"
    }),
    allow
  )
  t.true(grown.some((v) => /import cycle through 3 file/.test(v.message)))
})
