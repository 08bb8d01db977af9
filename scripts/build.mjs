#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm pack`, `npm publish` and installs from a
// git URL get it): src/ to dist/, twice.
//
//   dist/esm/  tsc: ES modules with their .d.ts declarations (the package is "type": "module").
//   dist/cjs/  esbuild, file by file (no bundling, so both builds have the same modules):
//              CommonJS, with the same declarations copied beside it and a package.json
//              saying "type": "commonjs", so that Node and TypeScript both read the folder
//              as CommonJS (TypeScript then types `require('fp-lite-orm')` as CommonJS too).
//
// Both get the CLI's demo migrations (src/cli/demo-migrations/*.sql), which tsc does not copy.
// `import.meta.url` (the worker's and the migrations' locations) does not exist in CommonJS:
// the CommonJS build defines it from `__filename`.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')
const esm = path.join(dist, 'esm')
const cjs = path.join(dist, 'cjs')

/** Every file under `dir`, relative to it. */
const filesUnder = (dir) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((d) => (d.isFile() ? [path.relative(dir, path.join(d.parentPath ?? d.path, d.name))] : []))

const started = Date.now()
fs.rmSync(dist, { recursive: true, force: true })

// 1. ES modules and declarations.
const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit'
  }
)
if (tsc.status !== 0) {
  process.stderr.write('build: tsc failed\n')
  process.exit(tsc.status ?? 1)
}

// 2. CommonJS, from the same sources, but the command's entry (cli/main.ts, which awaits at
//    top level): bin/fp-lite-orm.js always runs the ES build.
const sources = filesUnder(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== path.join('cli', 'main.ts'))
const usesModuleUrl = (f) => fs.readFileSync(path.join(src, f), 'utf8').includes('import.meta.url')
const commonJs = (files, options) =>
  esbuild.build({
    entryPoints: files.map((f) => path.join(src, f)),
    outdir: cjs,
    outbase: src,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Keep `import()` (a CommonJS module may use it): user migrations and tsx's loader are ES modules.
    supported: { 'dynamic-import': true },
    logLevel: 'warning',
    ...options
  })
await commonJs(
  sources.filter((f) => !usesModuleUrl(f)),
  {}
)
await commonJs(sources.filter(usesModuleUrl), {
  define: { 'import.meta.url': '__moduleUrl' },
  // "use strict" first, or the banner would turn the directive esbuild emits into a plain string.
  banner: { js: '"use strict";\nconst __moduleUrl = require("node:url").pathToFileURL(__filename).href;' }
})
fs.writeFileSync(path.join(cjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
for (const f of filesUnder(esm).filter((f) => f.endsWith('.d.ts'))) {
  fs.mkdirSync(path.dirname(path.join(cjs, f)), { recursive: true })
  fs.copyFileSync(path.join(esm, f), path.join(cjs, f))
}

// 3. What is not TypeScript: the demo's migrations. (pool/worker-bootstrap.mjs is for running
//    from source only: the builds start their workers directly.)
for (const f of filesUnder(src).filter((f) => f.endsWith('.sql'))) {
  for (const out of [esm, cjs]) {
    fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true })
    fs.copyFileSync(path.join(src, f), path.join(out, f))
  }
}

process.stdout.write(`build: dist/esm and dist/cjs from ${sources.length} modules in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
