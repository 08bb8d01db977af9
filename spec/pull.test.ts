/**
 * pull: a schema module for a database this project did not design (the Northwind-shaped
 * database of bench/, and one built from the SQLite documentation's own examples), such that
 * planning a migration right after finds nothing to change; a file that is not SQLite is a Left.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { connect, pull } from '../src/index.js'
import { ddl } from '../bench/schema.js'
import { tempDir, unwrapLeft } from './helpers/db.js'
import { build, pullAndPlan } from './fixtures/pull.js'

test('pull on the Northwind-shaped database of bench/: migrate create right after reports no changes', async (t) => {
  const db = build(ddl().join(';\n'))
  const { pulled, plan, mod } = await pullAndPlan(db)
  t.deepEqual(plan.operations, [], pulled.source)
  t.deepEqual(plan.up, [])
  t.deepEqual(Object.keys(mod).sort(), ['customers', 'employees', 'order_details', 'orders', 'products', 'suppliers'])
  t.regex(pulled.source, /references\(\(\) => columnOf\(orders, 'id'\)\)/)
})

const sqliteDocs = `
-- Foreign keys (foreignkeys.html)
CREATE TABLE artist(artistid INTEGER PRIMARY KEY, artistname TEXT);
CREATE TABLE track(trackid INTEGER, trackname TEXT, trackartist INTEGER REFERENCES artist(artistid) ON DELETE CASCADE ON UPDATE SET NULL);
CREATE INDEX trackindex ON track(trackartist);
-- Generated columns (gencol.html)
CREATE TABLE t1(a INTEGER PRIMARY KEY, b INT, c TEXT, d INT GENERATED ALWAYS AS (a*abs(b)) VIRTUAL, e TEXT GENERATED ALWAYS AS (substr(c,b,b+1)) STORED);
-- Partial indexes (partialindex.html)
CREATE TABLE person(person_id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team, is_team_leader BOOLEAN, name VARCHAR(40) COLLATE NOCASE);
CREATE TABLE team(team_id INTEGER PRIMARY KEY, name TEXT);
CREATE UNIQUE INDEX team_leader ON person(team_id) WHERE is_team_leader;
-- Expression indexes (expridx.html)
CREATE TABLE account(account_id INTEGER PRIMARY KEY, name TEXT, x INTEGER, y INTEGER);
CREATE INDEX acctchng ON account(x+y);
CREATE INDEX acctname ON account(lower(name) DESC, x COLLATE RTRIM);
-- WITHOUT ROWID and STRICT (withoutrowid.html, stricttables.html)
CREATE TABLE IF NOT EXISTS wordcount(word TEXT PRIMARY KEY, cnt INTEGER) WITHOUT ROWID;
CREATE TABLE strict1(a INT NOT NULL, b ANY, c REAL DEFAULT 0.5 CHECK (c >= 0), CONSTRAINT c_small CHECK (c < 100)) STRICT;
-- Defaults and triggers (lang_createtable.html, lang_createtrigger.html)
CREATE TABLE customer(cust_id INTEGER PRIMARY KEY, cust_name TEXT, address TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE orders(ord_id INTEGER PRIMARY KEY, customer_name TEXT, address TEXT);
CREATE TRIGGER update_customer_address UPDATE OF address ON customer
  BEGIN
    UPDATE orders SET address = new.address WHERE customer_name = old.cust_name;
  END;
`

test('pull on a database built from the SQLite documentation examples: every expressible part kept, no changes planned', async (t) => {
  const db = build(sqliteDocs)
  const { pulled, plan } = await pullAndPlan(db)
  t.deepEqual(plan.operations, [], `${pulled.source}\n${plan.up.join('\n')}`)
  t.regex(pulled.source, /generated\(sql`a\*abs\(b\)`, \{ kind: 'integer', sqlType: 'INT' \}\)/)
  t.regex(pulled.source, /uniqueIndex\('team_leader', \[sql`team_id`\], \{ where: sql`is_team_leader` \}\)/)
  t.regex(pulled.source, /rawTrigger\('update_customer_address', 'customer'/)
  t.regex(pulled.source, /check\('c_small', sql`c < 100`\)/)
  // What pull cannot write is said: the nullable TEXT key of the WITHOUT ROWID table is fine, a legacy nullable one is noted.
  t.true(pulled.notes.every((n) => typeof n === 'string'))
})

test('pull on a file that is not SQLite is a Left ConnectionError naming the file', (t) => {
  const file = path.join(tempDir(), 'notes.db')
  fs.writeFileSync(file, 'this is not a database file, only text that is long enough to be a header'.repeat(20))
  const e = unwrapLeft(pull(connect(file)))
  t.is(e._tag, 'ConnectionError')
  t.true(e.message.includes(file))
})

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/fp-lite-orm.js')

const cli = (args: ReadonlyArray<string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'pull', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolve({ code, out, err }))
  })

test('fp-lite-orm pull DB OUT writes the module; a non-SQLite file exits 1 naming it; bad arguments exit 2', async (t) => {
  t.timeout(60_000)
  const db = build('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
  const dir = tempDir()
  const ok = await cli([db.file, 'schema.ts'], dir)
  t.is(ok.code, 0, ok.err)
  t.regex(fs.readFileSync(path.join(dir, 'schema.ts'), 'utf8'), /export const notes: AnyTable = table\(/)
  fs.writeFileSync(path.join(dir, 'x.db'), 'plain text, not SQLite at all, long enough for a header'.repeat(10))
  const bad = await cli(['x.db'], dir)
  t.is(bad.code, 1)
  t.regex(bad.err, /ConnectionError.*x\.db/)
  t.is((await cli([], dir)).code, 2)
})
