/**
 * What SQLite accepts as the name of a user-defined function. Both the driver (registering
 * a function when a handle opens) and the query layer (`udf`, which writes a call) check
 * names with it, so it lives below both.
 */

/** Letters, digits and _, not starting with a digit (SQLite's own limit is 255 bytes). */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Whether a name can be a function name in SQL. */
export const isFunctionName = (name: unknown): name is string => typeof name === 'string' && FUNCTION_NAME.test(name) && name.length <= 255
