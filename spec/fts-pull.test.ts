/**
 * pull with FTS5 tables: an external-content index over a table's INTEGER PRIMARY KEY is
 * written as fts5(...) (its sync triggers are the index's, not triggers of their own) and
 * planning right after is a no-op; one the schema API cannot express is a note; shadow
 * tables are never written. The database is built by hand through better-sqlite3.
 */
import test from 'ava'
import type { AnyTable } from '../src/index.js'
import { fts5 } from '../src/index.js'
import { build, pullAndPlan } from './fixtures/pull.js'

// What the pulled module writes type-checks: its tables are typed AnyTable.
export const pulledShape = (tbl: AnyTable) => fts5('fts_idx', tbl, ['b', 'c'] as never)

// The external-content pattern of the FTS5 documentation (section 4.4.3), by hand.
const docsExample = `
CREATE TABLE tbl(a INTEGER PRIMARY KEY, b TEXT, c TEXT);
CREATE VIRTUAL TABLE fts_idx USING fts5(b, c, content='tbl', content_rowid='a');
CREATE TRIGGER fts_idx_ai AFTER INSERT ON tbl BEGIN
  INSERT INTO fts_idx(rowid, b, c) VALUES (new.a, new.b, new.c);
END;
CREATE TRIGGER fts_idx_ad AFTER DELETE ON tbl BEGIN
  INSERT INTO fts_idx(fts_idx, rowid, b, c) VALUES('delete', old.a, old.b, old.c);
END;
CREATE TRIGGER fts_idx_au AFTER UPDATE ON tbl BEGIN
  INSERT INTO fts_idx(fts_idx, rowid, b, c) VALUES('delete', old.a, old.b, old.c);
  INSERT INTO fts_idx(rowid, b, c) VALUES (new.a, new.b, new.c);
END;
CREATE TRIGGER tbl_audit AFTER DELETE ON tbl BEGIN SELECT 1; END;
INSERT INTO tbl(b, c) VALUES ('small fast', 'database'), ('green', 'leaf');
`

test('an external-content fts5 table is pulled as fts5(...), and migrate create right after is a no-op', async (t) => {
  const db = build(docsExample)
  const { pulled, plan, mod } = await pullAndPlan(db)
  t.deepEqual(plan.operations, [], pulled.source)
  t.deepEqual(plan.up, [])
  t.regex(pulled.source, /export const fts_idx = fts5\('fts_idx', tbl, \['b', 'c'\] as never\)/)
  // Its sync triggers belong to the index; other triggers are written as before.
  t.notRegex(pulled.source, /rawTrigger\('fts_idx_a[idu]'/)
  t.regex(pulled.source, /rawTrigger\('tbl_audit'/)
  // Shadow tables are never written.
  t.notRegex(pulled.source, /fts_idx_(data|idx|content|docsize|config)/)
  t.deepEqual(Object.keys(mod).sort(), ['fts_idx', 'tbl', 'tbl_audit'])
  t.deepEqual(pulled.notes, [])
})

test('an fts5 table the schema API cannot express is a note, and is left alone', async (t) => {
  const db = build(`
    CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);
    CREATE VIRTUAL TABLE docs_porter USING fts5(body, content='docs', content_rowid='id', tokenize='porter');
    CREATE VIRTUAL TABLE standalone USING fts5(title, body);
  `)
  const { pulled, plan } = await pullAndPlan(db)
  t.deepEqual(plan.operations, [], pulled.source)
  t.is(pulled.notes.length, 2)
  t.regex(pulled.notes.join('\n'), /fts5 docs_porter: it has the option tokenize/)
  t.regex(pulled.notes.join('\n'), /fts5 standalone: it keeps its own copy of the text/)
  t.notRegex(pulled.source, /standalone_(data|idx|content|docsize|config)/)
  t.regex(pulled.source, /NOTE: fts5 standalone/)
})
