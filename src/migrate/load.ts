/**
 * Importing user modules (schema modules, configs, module migrations) that may be
 * TypeScript. From the TypeScript source the process already runs under tsx; the
 * compiled CLI does not, so a `.ts` file that Node refuses is retried after registering
 * tsx's loader, when tsx is installed.
 */
import { pathToFileURL } from 'node:url'

let registered = false

const isUnknownExtension = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION'

/** `import(file)`, with TypeScript support through tsx when the runtime lacks it. */
export const importFile = async (file: string): Promise<Record<string, unknown>> => {
  const url = pathToFileURL(file).href
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (e) {
    if (!isUnknownExtension(e) || registered) throw e
    let register: (() => unknown) | undefined
    try {
      ;({ register } = (await import('tsx/esm/api')) as { register: () => unknown })
    } catch {
      throw new Error(
        `${file} is TypeScript, and no TypeScript loader is available: install tsx (npm install -D tsx), or compile the file to JavaScript`
      )
    }
    register()
    registered = true
    return (await import(url)) as Record<string, unknown>
  }
}
