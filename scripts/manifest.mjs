#!/usr/bin/env node
// `node scripts/manifest.mjs strip | restore`: `prepack` strips package.json of the scripts a
// consumer must not run (`prepare`: the build is done by then, and an install script in a
// dependency is one more thing a consumer's npm asks them to approve) and of the repository's
// own settings (allowScripts); `postpack` puts the file back as it was. npm packs the
// package.json on disk between the two, so the tarball gets the stripped one.
//
// The original waits in .tmp/package.json.packing; a strip finding it there (a pack that died
// before `postpack`) restores it first, so the repository's file is never lost.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifest = path.join(root, 'package.json')
const saved = path.join(root, '.tmp', 'package.json.packing')

const restore = () => {
  if (fs.existsSync(saved)) {
    fs.copyFileSync(saved, manifest)
    fs.rmSync(saved)
  }
}

const strip = () => {
  restore()
  const text = fs.readFileSync(manifest, 'utf8')
  fs.mkdirSync(path.dirname(saved), { recursive: true })
  fs.writeFileSync(saved, text)
  const pkg = JSON.parse(text)
  delete pkg.scripts.prepare
  delete pkg.allowScripts
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`)
}

const action = process.argv[2]
if (action === 'strip') strip()
else if (action === 'restore') restore()
else {
  process.stderr.write('usage: node scripts/manifest.mjs strip | restore\n')
  process.exit(2)
}
