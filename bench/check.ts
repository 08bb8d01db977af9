/**
 * The answer checks, run before any timing: every adapter's answer to the same call
 * must equal raw's. A mismatch fails the run.
 *
 * Adapters return rows in their own shapes (raw's joined rows are flat, fp-lite-orm's
 * and drizzle's nest by table, kysely keeps SQL column names), so answers are compared
 * by their values in order: a row becomes the list of its scalar values, depth first.
 * Every schema lists its columns in the same order (checked by `checkSchemas`), so the
 * lists line up. Reads compare every row (as sorted lists, so the order of rows a query
 * does not fix is free); writes are compared through triggers that record every row
 * inserted, deleted and updated (each adapter works on its own copy of the database, all
 * starting equal, so the records must match raw's exactly), and by their reported counts.
 */
import type Database from 'better-sqlite3'
import type { AdapterName, QueryName } from './names.js'
import { QUERIES } from './names.js'
import type { Adapter } from './workload.js'

/** A value's scalars, depth first; floats rounded to 12 significant digits (JSON round trips). */
export const flatten = (v: unknown, out: unknown[] = []): unknown[] => {
  if (v === undefined) out.push('<none>')
  else if (v === null) out.push(null)
  else if (typeof v === 'bigint') out.push(Number(v))
  else if (typeof v === 'number') out.push(Number.isInteger(v) ? v : Number(v.toPrecision(12)))
  else if (typeof v === 'boolean') out.push(v ? 1 : 0)
  else if (Array.isArray(v)) {
    out.push('[')
    for (const x of v) flatten(x, out)
    out.push(']')
  } else if (typeof v === 'object') {
    for (const x of Object.values(v as Record<string, unknown>)) flatten(x, out)
  } else out.push(v)
  return out
}

export interface Mismatch {
  readonly query: QueryName
  readonly adapter: AdapterName
  readonly call: number
  readonly message: string
}

const describe = (xs: unknown[]): string => {
  const s = JSON.stringify(xs)
  return s.length > 300 ? `${s.slice(0, 300)}...` : s
}

/** Compares one answer with raw's; a message when they differ. */
export const compareAnswers = (expected: unknown, actual: unknown): string | undefined => {
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual))
      return `expected ${Array.isArray(expected) ? 'rows' : 'one value'}, got ${Array.isArray(actual) ? 'rows' : 'one value'}`
    if (expected.length !== actual.length) return `expected ${expected.length} rows, got ${actual.length}`
    const a = expected.map((r) => JSON.stringify(flatten(r))).sort()
    const b = actual.map((r) => JSON.stringify(flatten(r))).sort()
    for (let i = 0; i < a.length; i++)
      if (a[i] !== b[i]) return `row ${i} (sorted) differs: expected ${a[i]!.slice(0, 300)}, got ${b[i]!.slice(0, 300)}`
    return undefined
  }
  const a = flatten(expected)
  const b = flatten(actual)
  return JSON.stringify(a) === JSON.stringify(b) ? undefined : `expected ${describe(a)}, got ${describe(b)}`
}

// -------------------------------------------------------------------------------------
// write auditing
// -------------------------------------------------------------------------------------

/** Records every write of the workload (created for the checks, dropped before timing). */
export const installAudit = (db: Database.Database): void => {
  db.exec(`
    CREATE TABLE bench_audit (seq INTEGER PRIMARY KEY, what TEXT NOT NULL, a, b, c, d, e);
    CREATE TRIGGER bench_audit_ins AFTER INSERT ON order_details BEGIN
      INSERT INTO bench_audit (what, a, b, c, d, e) VALUES ('insert', new.id, new.order_id, new.product_id, new.unit_price, new.quantity + new.discount);
    END;
    CREATE TRIGGER bench_audit_del AFTER DELETE ON order_details BEGIN
      INSERT INTO bench_audit (what, a, b, c, d, e) VALUES ('delete', old.id, old.order_id, old.product_id, old.unit_price, old.quantity + old.discount);
    END;
    CREATE TRIGGER bench_audit_upd AFTER UPDATE ON products BEGIN
      INSERT INTO bench_audit (what, a, b) VALUES ('update', new.id, new.units_on_order);
    END;
  `)
}

export const removeAudit = (db: Database.Database): void => {
  db.exec('DROP TRIGGER bench_audit_ins; DROP TRIGGER bench_audit_del; DROP TRIGGER bench_audit_upd; DROP TABLE bench_audit;')
}

const takeAudit = (db: Database.Database): unknown[] => {
  const rows = db.prepare('SELECT what, a, b, c, d, e FROM bench_audit ORDER BY seq').raw(true).all()
  db.exec('DELETE FROM bench_audit')
  return rows
}

// -------------------------------------------------------------------------------------
// the checks
// -------------------------------------------------------------------------------------

/** How many calls of each query are compared (each with other parameters). */
export const CHECK_CALLS = 6

export interface CheckSummary {
  readonly comparisons: number
  /** Rows compared per query, for the report. */
  readonly rows: Readonly<Record<string, number>>
}

const isThenable = (u: unknown): boolean =>
  (typeof u === 'object' || typeof u === 'function') && u !== null && typeof (u as { then?: unknown }).then === 'function'

const rowsIn = (v: unknown): number => (Array.isArray(v) ? v.length : v === undefined ? 0 : 1)

/**
 * Runs every query `CHECK_CALLS` times on every adapter and compares each answer with
 * raw's (reads), or the rows written and the counts reported (writes, audited on
 * `audit`, a connection of the checker's own). Throws on the first mismatch.
 */
export const checkAnswers = async (
  adapters: ReadonlyArray<Adapter>,
  audits: ReadonlyMap<AdapterName, Database.Database>,
  only: ReadonlyArray<QueryName>
): Promise<CheckSummary> => {
  const raw = adapters.find((a) => a.name === 'raw')
  if (raw === undefined) throw new Error('the answer checks need the raw adapter')
  const auditOf = (a: Adapter) => {
    const db = audits.get(a.name)
    if (db === undefined) throw new Error(`no audit connection for ${a.name}`)
    return db
  }
  const detailCount = (db: Database.Database) => db.prepare('SELECT count(*) FROM order_details').pluck().get() as number
  const before = new Map(adapters.map((a) => [a.name, detailCount(auditOf(a))] as const))
  for (const a of adapters) takeAudit(auditOf(a))
  let comparisons = 0
  const rows: Record<string, number> = {}
  const mismatches: Mismatch[] = []
  for (const q of QUERIES.filter((x) => only.includes(x.name))) {
    for (let call = 0; call < CHECK_CALLS; call++) {
      const isWrite = q.kind === 'write'
      const expected: unknown = raw.ops[q.name](call)
      const expectedAudit = isWrite ? takeAudit(auditOf(raw)) : []
      rows[q.name] = (rows[q.name] ?? 0) + rowsIn(expected)
      if (isWrite && expectedAudit.length === 0) throw new Error(`${q.name}: raw wrote nothing`)
      for (const a of adapters) {
        if (a === raw) continue
        let actual: unknown
        try {
          actual = a.ops[q.name](call)
          // A synchronous adapter handing back a thenable would be timed without doing the work.
          if (!a.async && isThenable(actual)) throw new Error('a synchronous adapter returned a Promise or thenable')
          actual = await actual
        } catch (e) {
          mismatches.push({ query: q.name, adapter: a.name, call, message: `threw: ${e instanceof Error ? e.message : String(e)}` })
          continue
        }
        comparisons++
        const problem = compareAnswers(expected, actual) ?? (isWrite ? compareAnswers(expectedAudit, takeAudit(auditOf(a))) : undefined)
        if (problem !== undefined) mismatches.push({ query: q.name, adapter: a.name, call, message: problem })
      }
    }
  }
  for (const q of QUERIES) {
    if (only.includes(q.name) && q.kind !== 'write' && rows[q.name] === 0) {
      throw new Error(
        `${q.name}: raw found no rows in ${CHECK_CALLS} calls, so the check compared nothing; the workload's parameters should match`
      )
    }
  }
  for (const a of adapters) {
    const n = detailCount(auditOf(a))
    if (n !== before.get(a.name))
      throw new Error(`${a.name}: order_details had ${before.get(a.name)} rows before the checks and ${n} after: a delete went wrong`)
  }
  if (mismatches.length > 0) {
    const lines = mismatches.slice(0, 20).map((m) => `  ${m.query} / ${m.adapter} (call ${m.call}): ${m.message}`)
    throw new Error(`answer check failed: ${mismatches.length} mismatch(es) against raw\n${lines.join('\n')}`)
  }
  return { comparisons, rows }
}
