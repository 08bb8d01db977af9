/**
 * Importing user modules (schema modules, configs, module migrations) that may be
 * TypeScript. From the TypeScript source the process already runs under tsx, and a plain
 * import works; the installed CLI runs the build, where Node (20) refuses a `.ts` file.
 * Then the file is imported through tsx's `tsImport`, when tsx is installed.
 *
 * Not by registering tsx and importing the same URL again: Node caches the failed import
 * of that URL (the retry fails with the same "Unknown file extension"), and a global
 * registration also breaks `.ts` files of a CommonJS package on Node 20 (ERR_REQUIRE_CYCLE_MODULE).
 * `tsImport` loads under a URL of its own, in either kind of package.
 */
import { pathToFileURL } from 'node:url'

type Namespace = Record<string, unknown>
type TsImport = (specifier: string, parentURL: string) => Promise<Namespace>

const isUnknownExtension = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION'

let tsImporter: Promise<TsImport> | undefined

const loadTsImport = (file: string): Promise<TsImport> =>
  (tsImporter ??= import('tsx/esm/api').then(
    (api) => (api as { tsImport: TsImport }).tsImport,
    () => {
      tsImporter = undefined
      throw new Error(
        `${file} is TypeScript, and no TypeScript loader is available: install tsx (npm install -D tsx), or compile the file to JavaScript`
      )
    }
  ))

/**
 * A `.ts` file of a CommonJS package comes back as CommonJS: its exports sit on `default`
 * (with `__esModule`), where an ES module has them at the top.
 */
const esModuleView = (ns: Namespace): Namespace => {
  const d = ns.default
  return typeof d === 'object' && d !== null && (d as { __esModule?: unknown }).__esModule === true ? { ...(d as Namespace) } : ns
}

/** Loaded through tsx, once per file like a plain import (a second import of an ES module is the same module). */
const viaTsx = new Map<string, Promise<Namespace>>()

/** `import(file)`, with TypeScript support through tsx when the runtime lacks it. */
export const importFile = async (file: string): Promise<Namespace> => {
  const url = pathToFileURL(file).href
  try {
    return (await import(url)) as Namespace
  } catch (e) {
    if (!isUnknownExtension(e)) throw e
    let loaded = viaTsx.get(url)
    if (loaded === undefined) {
      const tsImport = await loadTsImport(file)
      loaded = tsImport(url, import.meta.url).then(esModuleView)
      viaTsx.set(url, loaded)
      loaded.catch(() => viaTsx.delete(url))
    }
    return loaded
  }
}
