/**
 * Command-line arguments through node:util parseArgs (no dependency): `--flag=value`,
 * `--`, short flags, and strict unknown-option errors, the same way in every command.
 */
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'

/** The options one command takes (parseArgs' own description). */
export type OptionSpecs = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | ReadonlyArray<string | boolean> | undefined>>
  readonly positionals: ReadonlyArray<string>
}

/** parseArgs, strict, with positionals; a Left with its message for an unknown or malformed option. */
export const parse = (args: ReadonlyArray<string>, options: OptionSpecs): E.Either<string, ParsedArgs> => {
  try {
    const r = parseArgs({ args: [...args], options, strict: true, allowPositionals: true })
    return E.right({ values: r.values, positionals: r.positionals })
  } catch (e) {
    // Its messages name the option ("Unknown option '--verbose'"); its advice about '--' is left out.
    return E.left((e instanceof Error ? e.message : String(e)).replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, ''))
  }
}

/** A string option's value (the last one given), or undefined. */
export const stringOf = (p: ParsedArgs, name: string): string | undefined => {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}

/** A repeatable string option's values. */
export const stringsOf = (p: ParsedArgs, name: string): ReadonlyArray<string> => {
  const v = p.values[name]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []
}

/** Whether a boolean option was given. */
export const flag = (p: ParsedArgs, name: string): boolean => p.values[name] === true
