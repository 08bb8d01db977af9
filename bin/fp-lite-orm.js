#!/usr/bin/env node
// The `fp-lite-orm` command.
//
// Installed from npm (the package has no src/), it runs the build, dist/esm/cli/main.js
// (which loads TypeScript configs, schemas and migrations through the project's tsx when
// it has one: src/migrate/load.ts).
//
// In a clone of the repository (src/cli/main.ts is here) it runs the TypeScript source
// through tsx, whether or not a build exists, and resolves the name `fp-lite-orm` to the
// source too (the "fp-lite-orm-source" export condition, which spec/ also runs with), so
// that the command and the modules it loads share one copy of the library.
import { existsSync } from 'node:fs'
import { register } from 'node:module'
import { fileURLToPath } from 'node:url'

const source = new URL('../src/cli/main.ts', import.meta.url)
const compiled = new URL('../dist/esm/cli/main.js', import.meta.url)

if (existsSync(fileURLToPath(source))) {
  let tsx
  try {
    tsx = await import('tsx/esm/api')
  } catch (e) {
    process.stderr.write(
      `fp-lite-orm: tsx cannot be loaded to run the TypeScript source (${e instanceof Error ? e.message : String(e)}). ` +
        'Run `npm install` in the repository first.\n'
    )
    process.exit(1)
  }
  const condition = 'fp-lite-orm-source'
  const hook = `export const resolve = (specifier, context, next) => next(specifier, context.conditions.includes('${condition}') ? context : { ...context, conditions: [...context.conditions, '${condition}'] })`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
  tsx.register()
  await import(source.href)
} else if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href)
} else {
  process.stderr.write('fp-lite-orm: the package has no build (dist/esm/cli/main.js): run `npm run build` in it.\n')
  process.exit(1)
}
