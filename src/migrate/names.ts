/**
 * Names in migration SQL. Every table, column, index, view and trigger name reaches SQL
 * text only through the compiler's one quoting function (`quoteIdentifier`); never
 * spliced into SQL by String.replace, whose replacement text expands `$'`, `$&`, `$$`.
 */
import { migrationError } from '../errors.js'
import { quoteIdentifier } from '../query/sqltext.js'

/**
 * `quoteIdentifier`, with its refusal (a name SQLite cannot take: empty, with a NUL, over
 * 255 characters) thrown as a MigrationError, which the diff and the runner return as a Left.
 */
export const quoteName = (name: string): string => {
  try {
    return quoteIdentifier(name)
  } catch (e) {
    throw migrationError(`Cannot name ${JSON.stringify(name)} in SQL: ${String((e as { message?: unknown })?.message ?? e)}`)
  }
}
