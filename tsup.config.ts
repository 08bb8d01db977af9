/**
 * The build (`npm run build`, also run by `prepare`): dist/ for the published package.
 *
 *   dist/index.js    + index.d.ts    the library, ES module          (exports "import")
 *   dist/index.cjs   + index.d.cts   the library, CommonJS           (exports "require")
 *   dist/worker.js                   a workerPool thread, ES module  (started from either)
 *   dist/cli/main.js                 the `fp-lite-orm` command       (run by bin/fp-lite-orm.js)
 *   dist/cli/demo-migrations/*.sql   the demo's migrations, read next to cli/main.js
 *
 * Each of them is one bundle, so a module's `new URL('./x', import.meta.url)` resolves
 * next to the bundle that holds it: pool.ts's `./worker.js` next to index.js and
 * index.cjs, demo.ts's `./demo-migrations/` next to cli/main.js. In the CommonJS bundle
 * `import.meta.url` is shimmed from `__filename` (`shims`). spec/pack.test.ts checks all
 * of this on an installed tarball.
 */
import * as fs from 'node:fs'
import { defineConfig } from 'tsup'
import type { Options } from 'tsup'

const common: Options = {
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  splitting: false,
  removeNodeProtocol: false,
  // Only the library's own code is bundled: every package import stays an import (the
  // dependencies, and tsx, which src/migrate/load.ts loads only when a .ts module needs it).
  skipNodeModulesBundle: true
}

export default defineConfig(() => {
  // Both configurations below build at once, so neither may clean dist/ itself.
  fs.rmSync('dist', { recursive: true, force: true })
  return [
    {
      ...common,
      entry: { index: 'src/index.ts' },
      format: ['esm', 'cjs'],
      shims: true,
      // tsup's declaration bundler sets `baseUrl`, which TypeScript 6 deprecates.
      dts: { compilerOptions: { ignoreDeprecations: '6.0' } }
    },
    {
      ...common,
      entry: { worker: 'src/pool/worker.ts', 'cli/main': 'src/cli/main.ts' },
      format: ['esm'],
      onSuccess: () => {
        fs.cpSync('src/cli/demo-migrations', 'dist/cli/demo-migrations', { recursive: true })
        return Promise.resolve()
      }
    }
  ]
})
