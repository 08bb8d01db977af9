#!/usr/bin/env node
// The `fp-lite-orm` command. A compiled build (dist/) runs as it is; in a clone of the
// repository, which has no build step, the TypeScript source runs through tsx.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = new URL('../dist/cli/main.js', import.meta.url)

if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href)
} else {
  let register
  try {
    ;({ register } = await import('tsx/esm/api'))
  } catch (e) {
    process.stderr.write(
      'fp-lite-orm: there is no compiled build (dist/cli/main.js) and tsx cannot be loaded to run the ' +
        `TypeScript source (${e instanceof Error ? e.message : String(e)}). Run \`npm install\` in the package first.\n`
    )
    process.exit(1)
  }
  register()
  await import(new URL('../src/cli/main.ts', import.meta.url).href)
}
