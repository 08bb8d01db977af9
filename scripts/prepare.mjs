#!/usr/bin/env node
// `prepare`: npm runs it after `npm install` in this repository, and in a clone installed as a
// dependency (`npm install /path/to/clone`, a link, or `npm install github:...`). It needs no
// dependency of its own (a fresh clone has none).
//
//   - in this repository (`npm install`): build (scripts/build.mjs), as before.
//   - a fresh clone installed as a dependency (no node_modules): npm does not install a linked
//     folder's dependencies, yet the folder's code resolves its imports (better-sqlite3, fp-ts,
//     io-ts) from its own node_modules and needs the build's tools. So install them here, with
//     `npm install` (the lockfile's versions; its own `prepare`, this script again, builds).
//
// The published manifest has no `prepare` (scripts/manifest.mjs removes it while packing), so
// installing the tarball runs no script of this package.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const say = (line) => process.stderr.write(`fp-lite-orm prepare: ${line}\n`)

const resolvable = (name) => {
  try {
    require.resolve(`${name}/package.json`)
    return true
  } catch {
    return false
  }
}

const run = (command, args) => {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (resolvable('typescript') && resolvable('esbuild')) {
  run(process.execPath, [path.join(root, 'scripts', 'build.mjs')])
} else if (process.env.FP_LITE_ORM_PREPARING === '1') {
  say('the nested `npm install` did not install typescript and esbuild (is NODE_ENV=production or --omit=dev set?).')
  process.exit(1)
} else {
  say('a clone without its dependencies: running `npm install` in it, which builds dist/ (a minute or two).')
  process.env.FP_LITE_ORM_PREPARING = '1'
  // --include=dev: the consumer's `--omit=dev` (or NODE_ENV=production) must not drop the build's tools.
  run('npm', ['install', '--include=dev', '--no-audit', '--no-fund', '--loglevel=error'])
  if (!fs.existsSync(path.join(root, 'dist', 'esm', 'index.js'))) {
    say('`npm install` finished but dist/ was not built.')
    process.exit(1)
  }
}
