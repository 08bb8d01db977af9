/**
 * The studio's page in a real browser: headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core, which downloads nothing) opens the studio on the demo database, finds
 * every table in the diagram, pages through a table, runs a query, sees the read-only
 * refusal of a write, and keeps screenshots under .tmp/artifacts/ (git-ignored).
 * Without Chromium the test skips with one line saying so.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import Database from 'better-sqlite3'
import * as E from 'fp-ts/lib/Either.js'
import { DEMO_MIGRATIONS, demoTables, runDemo } from '../src/cli/demo/index.js'
import { studio } from '../src/index.js'
import { tempDbPath, unwrap } from './helpers/db.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ARTIFACTS = path.join(root, '.tmp', 'artifacts')

const chromium = (() => {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
})()

/** Evaluates an expression in the page (a string: the spec is compiled without the DOM's types). */
const js = <A = unknown>(page: import('puppeteer-core').Page, expression: string): Promise<A> => page.evaluate(expression) as Promise<A>

const browserTest = chromium === undefined ? test.skip : test.serial
if (chromium === undefined)
  console.log('studio-browser: skipped, no chromium on this machine (apt-get install -y chromium; .ci/run installs it as root)')

browserTest('the studio page on the demo database: diagram, paging, a query, a refused write, screenshots', async (t) => {
  t.timeout(120_000)
  const file = tempDbPath('demo.db')
  unwrap(runDemo(file, () => undefined))
  // The reference: the demo's tables and rows, read directly.
  const direct = new Database(file, { readonly: true })
  const tables = direct
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_lite_migr' ORDER BY name`)
    .pluck()
    .all() as string[]
  const orderIds = direct.prepare('SELECT id FROM orders ORDER BY id').pluck().all() as number[]
  const expensive = direct.prepare('SELECT name FROM products WHERE price > 9 ORDER BY name').pluck().all() as string[]
  const ordersBefore = direct.prepare('SELECT count(*) FROM orders').pluck().get()
  direct.close()

  const s = await studio({ db: file, migrations: DEMO_MIGRATIONS, schema: demoTables })
  if (E.isLeft(s)) return t.fail(s.left.message)
  const { default: puppeteer } = await import('puppeteer-core')
  const browser = await puppeteer.launch({ executablePath: chromium!, args: ['--no-sandbox', '--headless=new'] })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  const shot = (page: import('puppeteer-core').Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `studio-${name}.png`), fullPage: true })
  try {
    const page = await browser.newPage()
    await page.setViewport({ width: 1280, height: 900 })
    const external: string[] = []
    const problems: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${s.right.port}/`) && !r.url().startsWith('data:')) external.push(r.url())
    })
    page.on('pageerror', (e) => problems.push(String(e)))
    page.on('console', (m) => {
      // The refused write is a 400 answer, which Chromium logs as a failed resource.
      if (m.type() === 'error' && !m.text().includes('status of 400')) problems.push(m.text())
    })
    await page.goto(s.right.url, { waitUntil: 'networkidle0' })
    await page.waitForSelector('body[data-ready="true"]')

    // Schema: every table of the database is a box of the diagram, the foreign keys are arrows.
    const boxes = await js<string[]>(page, `[...document.querySelectorAll('#diagram g.tbl')].map((g) => g.getAttribute('data-table'))`)
    t.deepEqual([...boxes].sort(), tables)
    const arrows = await js<string[]>(
      page,
      `[...document.querySelectorAll('#diagram path.fk')].map((p) => p.getAttribute('data-from') + '->' + p.getAttribute('data-to'))`
    )
    t.deepEqual(arrows.sort(), ['orders->customers', 'orders->products'])
    t.truthy(await page.$('#in-sync'), 'the demo database is in sync with its schema module')
    await shot(page, '1-schema')

    // Data: orders, 5 rows a page, walked forward to the end and back.
    await page.click('#tab-data')
    await page.select('#data-table', 'orders')
    const info = () => js<string>(page, `document.querySelector('#page-info').textContent`)
    const waitInfo = (prefix: string) =>
      page.waitForFunction(`document.querySelector('#page-info').textContent.startsWith(${JSON.stringify(prefix)})`)
    const idsShown = () =>
      js<number[]>(page, `[...document.querySelectorAll('#rows-table tr')].slice(1).map((tr) => Number(tr.children[0].textContent))`)
    await waitInfo('Rows')
    // 5 rows a page: a size the select does not offer, chosen as the select would choose it.
    await js(
      page,
      `(() => { const sel = document.querySelector('#page-size'); sel.appendChild(new Option('5', '5')); sel.value = '5'; sel.dispatchEvent(new Event('change')) })()`
    )
    await waitInfo('Rows 1–5 of')
    const seen: number[] = [...(await idsShown())]
    let pages = 1
    while (!(await js<boolean>(page, `document.querySelector('#next').disabled`)) && pages < 20) {
      const before = await info()
      await page.click('#next')
      await page.waitForFunction(`document.querySelector('#page-info').textContent !== ${JSON.stringify(before)}`)
      seen.push(...(await idsShown()))
      pages++
    }
    t.deepEqual(seen, orderIds, 'paging walks every order once, in key order')
    t.is(pages, Math.ceil(orderIds.length / 5))
    t.regex(await info(), /paged by keyset/)
    await page.click('#prev')
    await waitInfo(`Rows ${(pages - 2) * 5 + 1}–`)
    t.deepEqual(await idsShown(), orderIds.slice((pages - 2) * 5, (pages - 1) * 5))
    // Cells by kind: the json details pretty-printed, a foreign key a link to its row.
    t.true((await page.$$('#rows-table pre.json')).length > 0)
    await shot(page, '2-data')
    const link = await page.$('#rows-table a.fk-link')
    t.truthy(link)
    const target = await js<string>(page, `document.querySelector('#rows-table a.fk-link').textContent`)
    await link!.click()
    await page.waitForFunction(`document.querySelector('#data-table').value !== 'orders'`)
    await waitInfo('Rows 1–1 of 1')
    t.deepEqual(await idsShown(), [Number(target)])

    // Query: a read, with its plan.
    await page.click('#tab-query')
    await js(page, `document.querySelector('#sql').value = ''`)
    await page.type('#sql', 'SELECT name FROM products WHERE price > 9 ORDER BY name')
    await page.click('#run')
    await page.waitForSelector('#query-table')
    const names = await js<string[]>(page, `[...document.querySelectorAll('#query-table tr')].slice(1).map((tr) => tr.textContent)`)
    t.deepEqual(names, expensive)
    t.regex(await js<string>(page, `document.querySelector('#query-status').textContent`), /row\(s\) in [\d.]+ ms/)
    t.truthy(await page.$('#plan li'))
    await shot(page, '3-query')

    // A write is refused, and nothing changed.
    await js(page, `document.querySelector('#sql').value = 'DELETE FROM orders'`)
    await page.click('#run')
    await page.waitForSelector('#query-error')
    t.regex(await js<string>(page, `document.querySelector('#query-error').textContent`), /read-only/)
    await shot(page, '4-refused')

    await page.click('#tab-migrations')
    await page.waitForSelector('#migrations details.migration')
    const migrations = await js<string[]>(
      page,
      `[...document.querySelectorAll('#migrations details.migration')].map((d) => d.getAttribute('data-name'))`
    )
    const files = fs.readdirSync(DEMO_MIGRATIONS).filter((f) => f.endsWith('.sql'))
    t.deepEqual(migrations, files.map((f) => f.replace(/\.sql$/, '')).sort())
    await shot(page, '5-migrations')

    t.deepEqual(external, [], 'the page fetches nothing from the network')
    t.deepEqual(problems, [], 'no script errors')
  } finally {
    await browser.close()
    await s.right.close()
  }
  const after = new Database(file, { readonly: true })
  t.is(after.prepare('SELECT count(*) FROM orders').pluck().get(), ordersBefore)
  after.close()
})

browserTest('names and cells holding markup show as text: nothing from the database runs in the page', async (t) => {
  t.timeout(120_000)
  const file = tempDbPath('hostile.db')
  const hostile = '<img src=x onerror="window.__owned = 1">'
  const d = new Database(file)
  d.exec(`CREATE TABLE "${hostile.replace(/"/g, '""')}" (id INTEGER PRIMARY KEY, "<b>col</b>" TEXT, data JSON)`)
  d.prepare(`INSERT INTO "${hostile.replace(/"/g, '""')}" VALUES (1, ?, ?)`).run(
    '<script>window.__owned = 2</script>',
    JSON.stringify({ html: '<img src=y onerror="window.__owned = 3">' })
  )
  d.close()
  const s = await studio({ db: file })
  if (E.isLeft(s)) return t.fail(s.left.message)
  const { default: puppeteer } = await import('puppeteer-core')
  const browser = await puppeteer.launch({ executablePath: chromium!, args: ['--no-sandbox', '--headless=new'] })
  try {
    const page = await browser.newPage()
    await page.goto(s.right.url, { waitUntil: 'networkidle0' })
    await page.waitForSelector('body[data-ready="true"]')
    await page.click('#tab-data')
    await page.waitForSelector('#rows-table')
    await js(page, `document.querySelectorAll('#rows-table details').forEach((x) => x.setAttribute('open', ''))`)
    fs.mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-6-markup-as-text.png'), fullPage: true })
    t.is(await js(page, 'window.__owned'), undefined)
    t.is(await js(page, `document.querySelectorAll('img, script:not([nonce]), b').length`), 0)
    t.deepEqual(await js<string[]>(page, `[...document.querySelectorAll('#diagram g.tbl')].map((g) => g.getAttribute('data-table'))`), [
      hostile
    ])
    t.is(
      await js<string>(page, `document.querySelectorAll('#rows-table tr')[1].children[1].textContent`),
      '<script>window.__owned = 2</script>'
    )
  } finally {
    await browser.close()
    await s.right.close()
  }
})

browserTest(
  'with write: the row editor updates, inserts and deletes through the page, and shows a constraint error as the library reports it',
  async (t) => {
    t.timeout(120_000)
    const file = tempDbPath('demo-write.db')
    unwrap(runDemo(file, () => undefined))
    const s = await studio({ db: file, schema: demoTables, write: true })
    if (E.isLeft(s)) return t.fail(s.left.message)
    const read = <A>(sql: string, ...params: unknown[]): A => {
      const d = new Database(file, { readonly: true })
      try {
        return d
          .prepare(sql)
          .pluck()
          .get(...params) as A
      } finally {
        d.close()
      }
    }
    const { default: puppeteer } = await import('puppeteer-core')
    const browser = await puppeteer.launch({ executablePath: chromium!, args: ['--no-sandbox', '--headless=new'] })
    try {
      const page = await browser.newPage()
      await page.setViewport({ width: 1280, height: 900 })
      page.on('dialog', (d) => void d.accept())
      await page.goto(s.right.url, { waitUntil: 'networkidle0' })
      await page.waitForSelector('body[data-ready="true"]')
      await page.click('#tab-data')
      await page.select('#data-table', 'customers')
      await page.waitForSelector('#rows-table[data-table="customers"]')
      await page.waitForFunction(`document.querySelector('#page-info').textContent.startsWith('Rows 1–')`)
      const message = () => js<string>(page, `document.querySelector('#edit-message').textContent`)
      const waitMessage = async (before: string) => {
        await page
          .waitForFunction(`document.querySelector('#edit-message').textContent !== ${JSON.stringify(before)}`, { timeout: 15_000 })
          .catch(() => undefined)
        return message()
      }
      /** The editor's input for a column. */
      const input = (column: string) =>
        `[...document.querySelectorAll('#editor label')].find((l) => l.firstChild.textContent === ${JSON.stringify(column)}).querySelector('input')`

      // Update: the first row's city.
      await js(page, `document.querySelectorAll('#rows-table tr')[1].querySelector('button').click()`)
      await page.waitForSelector('#editor .editor')
      await js(page, `(() => { const i = ${input('city')}; i.value = 'Paris' })()`)
      let before = await message()
      await js(page, `[...document.querySelectorAll('#editor button')].find((b) => b.textContent === 'save').click()`)
      t.regex(await waitMessage(before), /1 row\(s\) changed/)
      t.is(read('SELECT city FROM customers WHERE id = 1'), 'Paris')

      // Insert: a duplicate email is the library's ConstraintError, shown as it is.
      await page.click('#insert')
      await page.waitForSelector('#editor .editor')
      await js(page, `(() => { ${input('name')}.value = 'Ann New'; ${input('email')}.value = 'ada@example.com' })()`)
      before = await message()
      await js(page, `[...document.querySelectorAll('#editor button')].find((b) => b.textContent === 'insert').click()`)
      t.regex(await waitMessage(before), /^ConstraintError: .*UNIQUE|^ConstraintError: .*unique/i)
      await page.screenshot({ path: path.join(ARTIFACTS, 'studio-7-constraint.png'), fullPage: true })
      await js(page, `${input('email')}.value = 'new.customer@example.com'`)
      before = await message()
      await js(page, `[...document.querySelectorAll('#editor button')].find((b) => b.textContent === 'insert').click()`)
      t.regex(await waitMessage(before), /1 row\(s\) changed/)
      const id = read<number>(`SELECT id FROM customers WHERE email = 'new.customer@example.com'`)
      t.is(read(`SELECT name FROM customers WHERE id = ?`, id), 'Ann New')

      // Delete: the new row (the last one by key), after the confirm dialog.
      await page.waitForFunction(`document.querySelector('#editor').childElementCount === 0`)
      await js(page, `document.querySelector('#edit-message').textContent = ''`)
      // The table is read again after the insert: wait for the new row before clicking it.
      const newRow = `[...document.querySelectorAll('#rows-table tr')].find((tr) => tr.children[0]?.textContent === ${JSON.stringify(String(id))})`
      await page.waitForFunction(`${newRow} !== undefined`, { timeout: 15_000 })
      await js(page, `${newRow}.querySelectorAll('button')[1].click()`)
      t.regex(await waitMessage(''), /1 row\(s\) changed/)
      t.is(read(`SELECT count(*) FROM customers WHERE id = ?`, id), 0)
    } finally {
      await browser.close()
      await s.right.close()
    }
  }
)

browserTest('a late answer for a table the user already left is dropped, never drawn over the newer one', async (t) => {
  t.timeout(120_000)
  const file = tempDbPath('demo-late.db')
  unwrap(runDemo(file, () => undefined))
  const s = await studio({ db: file, schema: demoTables })
  if (E.isLeft(s)) return t.fail(s.left.message)
  const { default: puppeteer } = await import('puppeteer-core')
  const browser = await puppeteer.launch({ executablePath: chromium!, args: ['--no-sandbox', '--headless=new'] })
  try {
    const page = await browser.newPage()
    await page.goto(s.right.url, { waitUntil: 'networkidle0' })
    await page.waitForSelector('body[data-ready="true"]')
    await page.click('#tab-data')
    await page.waitForSelector('#rows-table')
    // The rows of orders are held back in the network until products' rows have been drawn.
    await page.setRequestInterception(true)
    const held: import('puppeteer-core').HTTPRequest[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/rows') && r.url().includes('table=orders')) held.push(r)
      else void r.continue()
    })
    await page.select('#data-table', 'orders')
    await page.select('#data-table', 'products')
    await page.waitForSelector('#rows-table[data-table="products"]')
    t.is(held.length, 1, 'the read of orders was asked for and held')
    const answered = page.waitForResponse((r) => r.url().includes('table=orders'))
    await held[0]!.continue()
    await answered
    // Time for the page to draw the late answer, were it going to.
    await js(page, 'new Promise((resolve) => setTimeout(resolve, 300))')
    t.is(await js<string>(page, `document.querySelector('#rows-table').getAttribute('data-table')`), 'products')
    const header = await js<string[]>(page, `[...document.querySelectorAll('#rows-table th')].map((th) => th.getAttribute('data-column'))`)
    t.true(header.includes('price'), `products' columns are shown: ${header.join(', ')}`)
  } finally {
    await browser.close()
    await s.right.close()
  }
})
