/**
 * A deterministic generator of the Northwind-shaped benchmark database: a seeded PRNG
 * (mulberry32), fixed word lists, no downloads. The same seed and scale always give the
 * same file contents; the file records both (table `bench_meta`), and `ensureDatabase`
 * reuses an existing file only when they match.
 *
 * Sizes at scale 1: customers 10,000, employees 200, suppliers 1,000, products 5,000,
 * orders 50,000, order_details 200,000 (every order has at least one line).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import Database from 'better-sqlite3'
import { ddl } from './schema.js'

export const GENERATOR_VERSION = 'northwind-v1'

export interface Sizes {
  readonly customers: number
  readonly employees: number
  readonly suppliers: number
  readonly products: number
  readonly orders: number
  readonly orderDetails: number
}

export const sizesFor = (scale: number): Sizes => {
  const n = (full: number, min: number) => Math.max(min, Math.round(full * scale))
  const orders = n(50_000, 200)
  return {
    customers: n(10_000, 50),
    employees: n(200, 20),
    suppliers: n(1_000, 20),
    products: n(5_000, 100),
    orders,
    orderDetails: Math.max(orders, n(200_000, 800))
  }
}

// -------------------------------------------------------------------------------------
// the PRNG
// -------------------------------------------------------------------------------------

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Rng {
  readonly next: () => number
  /** An integer in [lo, hi]. */
  readonly int: (lo: number, hi: number) => number
  readonly pick: <A>(xs: ReadonlyArray<A>) => A
  /** True with probability p. */
  readonly chance: (p: number) => boolean
}

export const rng = (seed: number): Rng => {
  const next = prng(seed)
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  return {
    next,
    int,
    pick: <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p
  }
}

// -------------------------------------------------------------------------------------
// word lists
// -------------------------------------------------------------------------------------

const COMPANY_WORDS = [
  'Alfreds',
  'Antonio',
  'Around',
  'Berglunds',
  'Blauer',
  'Blondel',
  'Bolido',
  'Bottom',
  'Cactus',
  'Centro',
  'Chop',
  'Comercio',
  'Consolidated',
  'Drachenblut',
  'Eastern',
  'Ernst',
  'Familia',
  'Folies',
  'Frankenversand',
  'Furia',
  'Galeria',
  'Godos',
  'Gourmet',
  'Great',
  'Hanari',
  'Hungry',
  'Island',
  'Koniglich',
  'Laughing',
  'Lazy',
  'Lehmanns',
  'Lonesome',
  'Magazzini',
  'Maison',
  'Morgenstern',
  'North',
  'Oceano',
  'Ottilies',
  'Paris',
  'Pericles',
  'Piccolo',
  'Princesa',
  'Queen',
  'Rancho',
  'Rattlesnake',
  'Reggiani',
  'Richter',
  'Romero',
  'Sante',
  'Seven',
  'Simons',
  'Split',
  'Supremes',
  'Tortuga',
  'Tradicao',
  'Trail',
  'Vaffeljernet',
  'Victuailles',
  'Wartian',
  'Wellington',
  'White',
  'Wilman',
  'Wolski',
  'Zaanse'
]
const COMPANY_NOUNS = [
  'Market',
  'Foods',
  'Imports',
  'Delicatessen',
  'Traders',
  'Grocers',
  'Supply',
  'Provisions',
  'Kitchen',
  'Cellar',
  'Farms',
  'Bakery'
]
const COMPANY_SUFFIXES = ['Ltd', 'GmbH', 'SA', 'Inc', 'Co', 'AB', 'SRL', 'BV', 'Oy', 'AS']
const FIRST_NAMES = [
  'Nancy',
  'Andrew',
  'Janet',
  'Margaret',
  'Steven',
  'Michael',
  'Robert',
  'Laura',
  'Anne',
  'Maria',
  'Ana',
  'Thomas',
  'Christina',
  'Hanna',
  'Frederique',
  'Martin',
  'Elizabeth',
  'Victoria',
  'Patricio',
  'Francisco',
  'Yang',
  'Pedro',
  'Aria',
  'Diego',
  'Carlos',
  'Helen',
  'Philip',
  'Daniel',
  'Annette',
  'Yoshi'
]
const LAST_NAMES = [
  'Davolio',
  'Fuller',
  'Leverling',
  'Peacock',
  'Buchanan',
  'Suyama',
  'King',
  'Callahan',
  'Dodsworth',
  'Anders',
  'Trujillo',
  'Moreno',
  'Hardy',
  'Berglund',
  'Moos',
  'Citeaux',
  'Sommer',
  'Lebihan',
  'Lincoln',
  'Ashworth',
  'Simpson',
  'Chang',
  'Afonso',
  'Cruz',
  'Roel',
  'Bennett',
  'Cramer',
  'Tonini',
  'Devon',
  'Latimer'
]
const TITLES = [
  'Sales Representative',
  'Owner',
  'Order Administrator',
  'Marketing Manager',
  'Accounting Manager',
  'Sales Agent',
  'Sales Associate',
  'Marketing Assistant',
  'Sales Manager',
  'Export Administrator'
]
const COURTESY = ['Ms.', 'Dr.', 'Mr.', 'Mrs.']
const STREETS = [
  'Obere Str.',
  'Avda. de la Constitucion',
  'Mataderos',
  'Hanover Sq.',
  'Berguvsvagen',
  'Forsterstr.',
  'place Kleber',
  'C/ Araquil',
  'rue des Bouchers',
  'Tsawassen Blvd.',
  'Fauntleroy Circus',
  'Cerrito',
  'Sierras de Granada',
  'Hauptstr.',
  'Rua Oros',
  'Walserweg',
  'Keskuskatu',
  'Via Monte Bianco'
]
const CITIES: ReadonlyArray<readonly [string, string, string | null]> = [
  ['Berlin', 'Germany', null],
  ['Mexico D.F.', 'Mexico', null],
  ['London', 'UK', null],
  ['Lulea', 'Sweden', null],
  ['Mannheim', 'Germany', null],
  ['Strasbourg', 'France', null],
  ['Madrid', 'Spain', null],
  ['Marseille', 'France', null],
  ['Tsawassen', 'Canada', 'BC'],
  ['Buenos Aires', 'Argentina', null],
  ['Bern', 'Switzerland', null],
  ['Sao Paulo', 'Brazil', 'SP'],
  ['Graz', 'Austria', null],
  ['Lyon', 'France', null],
  ['Seattle', 'USA', 'WA'],
  ['Portland', 'USA', 'OR'],
  ['Boise', 'USA', 'ID'],
  ['Torino', 'Italy', null],
  ['Oulu', 'Finland', null],
  ['Cork', 'Ireland', 'Co. Cork']
]
const PRODUCT_ADJECTIVES = [
  'Aged',
  'Alpine',
  'Baked',
  'Classic',
  'Country',
  'Crispy',
  'Dried',
  'Fresh',
  'Golden',
  'Grilled',
  'Hearty',
  'Honey',
  'Imperial',
  'Mild',
  'Northern',
  'Old-Style',
  'Organic',
  'Pickled',
  'Roasted',
  'Royal',
  'Rustic',
  'Smoked',
  'Spicy',
  'Sweet',
  'Wild'
]
const PRODUCT_NOUNS = [
  'Anchovies',
  'Bread',
  'Butter',
  'Camembert',
  'Chai',
  'Chocolate',
  'Coffee',
  'Crab Meat',
  'Gnocchi',
  'Gorgonzola',
  'Herring',
  'Ketchup',
  'Lager',
  'Marmalade',
  'Mozzarella',
  'Mustard',
  'Noodles',
  'Olive Oil',
  'Pasta',
  'Pate',
  'Ravioli',
  'Salmon',
  'Sauerkraut',
  'Sausage',
  'Scones',
  'Syrup',
  'Tea',
  'Tofu',
  'Tomatoes',
  'Tortellini'
]
const UNITS = [
  '10 boxes x 20 bags',
  '24 - 12 oz bottles',
  '12 - 550 ml bottles',
  '48 - 6 oz jars',
  '36 boxes',
  '12 - 1 lb pkgs.',
  '18 - 500 g pkgs.',
  '1 kg pkg.',
  '24 - 250 g jars',
  '10 - 500 g pkgs.'
]

/** The company-name prefixes and product-name fragments the workload searches for (they all match). */
export const PREFIXES = ['Al', 'Bo', 'Ch', 'Ma', 'Ro', 'Sa', 'Tr', 'Wi']
export const SEARCHES = ['zza', 'Tea', 'oli', 'ter', 'Smo', 'ard', 'ffe', 'Sau']

// -------------------------------------------------------------------------------------
// the generator
// -------------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, '0')

const dateOf = (day: number): string => new Date(Date.UTC(1996, 6, 4) + day * 86_400_000).toISOString().slice(0, 10)

const phone = (r: Rng): string => `(${pad(r.int(1, 999), 3)}) ${pad(r.int(0, 999), 3)}-${pad(r.int(0, 9999), 4)}`

/** Writes a fresh database at `file` (which must not exist). */
export const generate = (file: string, seed: number, scale: number): Sizes => {
  const sizes = sizesFor(scale)
  const r = rng(seed)
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = OFF')
    for (const s of ddl()) db.exec(s)
    db.exec('CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')

    const company = () => `${r.pick(COMPANY_WORDS)} ${r.pick(COMPANY_NOUNS)} ${r.pick(COMPANY_SUFFIXES)}`
    const place = () => {
      const [city, country, region] = r.pick(CITIES)
      return {
        address: `${r.int(1, 999)} ${r.pick(STREETS)}`,
        city,
        country,
        region: region !== null && r.chance(0.8) ? region : null,
        postal: pad(r.int(1000, 99999), 5)
      }
    }

    db.transaction(() => {
      const insCustomer = db.prepare('INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      for (let i = 1; i <= sizes.customers; i++) {
        const p = place()
        insCustomer.run(
          i,
          company(),
          `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`,
          r.pick(TITLES),
          p.address,
          p.city,
          p.region,
          p.postal,
          p.country,
          phone(r),
          r.chance(0.4) ? phone(r) : null
        )
      }

      const insEmployee = db.prepare('INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      for (let i = 1; i <= sizes.employees; i++) {
        const p = place()
        // A tree: employee 1 reports to nobody, every other one to an earlier, more senior one.
        const reportsTo = i === 1 ? null : r.int(1, Math.max(1, Math.floor((i - 1) / 4)))
        insEmployee.run(
          i,
          r.pick(LAST_NAMES),
          r.pick(FIRST_NAMES),
          r.pick(TITLES),
          r.pick(COURTESY),
          dateOf(-r.int(7000, 20000)),
          dateOf(-r.int(0, 3000)),
          p.address,
          p.city,
          p.region,
          p.postal,
          p.country,
          phone(r),
          String(r.int(100, 9999)),
          `Employee ${i} joined the ${r.pick(TITLES).toLowerCase()} team.`,
          reportsTo
        )
      }

      const insSupplier = db.prepare('INSERT INTO suppliers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      for (let i = 1; i <= sizes.suppliers; i++) {
        const p = place()
        const name = company()
        insSupplier.run(
          i,
          name,
          `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`,
          r.pick(TITLES),
          p.address,
          p.city,
          p.region,
          p.postal,
          p.country,
          phone(r),
          r.chance(0.3) ? phone(r) : null,
          r.chance(0.25) ? `https://${name.toLowerCase().replace(/[^a-z]+/g, '-')}.example` : null
        )
      }

      const insProduct = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      const prices: number[] = [0]
      for (let i = 1; i <= sizes.products; i++) {
        const price = r.int(250, 26350) / 100
        prices.push(price)
        insProduct.run(
          i,
          `${r.pick(PRODUCT_ADJECTIVES)} ${r.pick(PRODUCT_NOUNS)} ${i}`,
          r.int(1, sizes.suppliers),
          r.pick(UNITS),
          price,
          r.int(0, 125),
          r.pick([0, 0, 0, 10, 20, 40, 70]),
          r.pick([0, 5, 10, 15, 20, 25, 30]),
          r.chance(0.1) ? 1 : 0
        )
      }

      const insOrder = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      for (let i = 1; i <= sizes.orders; i++) {
        const p = place()
        const day = Math.floor((i / sizes.orders) * 9000) + r.int(0, 3)
        insOrder.run(
          i,
          r.int(1, sizes.customers),
          r.int(1, sizes.employees),
          dateOf(day),
          dateOf(day + 28),
          r.chance(0.95) ? dateOf(day + r.int(1, 30)) : null,
          r.int(1, 3),
          r.int(2, 100_000) / 100,
          company(),
          p.address,
          p.city,
          p.region,
          p.postal,
          p.country
        )
      }

      // Every order gets one line, the rest are spread at random; lines are stored order by order.
      const lines = new Array<number>(sizes.orders + 1).fill(1)
      lines[0] = 0
      for (let k = sizes.orders; k < sizes.orderDetails; k++) lines[r.int(1, sizes.orders)]! += 1
      const insDetail = db.prepare('INSERT INTO order_details VALUES (?, ?, ?, ?, ?, ?)')
      let id = 0
      for (let o = 1; o <= sizes.orders; o++) {
        for (let k = 0; k < lines[o]!; k++) {
          const product = r.int(1, sizes.products)
          insDetail.run(++id, o, product, prices[product]!, r.int(1, 120), r.pick([0, 0, 0, 0.05, 0.1, 0.15, 0.2, 0.25]))
        }
      }

      const meta = db.prepare('INSERT INTO bench_meta VALUES (?, ?)')
      meta.run('generator', GENERATOR_VERSION)
      meta.run('seed', String(seed))
      meta.run('scale', String(scale))
    })()
    db.exec('ANALYZE')
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  return sizes
}

const metaOf = (file: string): Record<string, string> | undefined => {
  if (!fs.existsSync(file)) return undefined
  let db: Database.Database | undefined
  try {
    // Not read-only: the last connection to close then removes the -wal and -shm files.
    db = new Database(file, { fileMustExist: true })
    const rows = db.prepare('SELECT key, value FROM bench_meta').all() as Array<{ key: string; value: string }>
    return Object.fromEntries(rows.map((x) => [x.key, x.value]))
  } catch {
    return undefined
  } finally {
    db?.close()
  }
}

const removeDb = (file: string) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
}

/**
 * The path of a generated database for this seed and scale, generating it unless a file
 * with the same generator, seed and scale is already there. Returns whether it was reused.
 */
export const ensureDatabase = (
  file: string,
  seed: number,
  scale: number
): { readonly file: string; readonly reused: boolean; readonly ms: number } => {
  const start = performance.now()
  const meta = metaOf(file)
  if (meta !== undefined && meta.generator === GENERATOR_VERSION && meta.seed === String(seed) && meta.scale === String(scale)) {
    return { file, reused: true, ms: performance.now() - start }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  removeDb(file)
  const tmp = `${file}.tmp-${process.pid}`
  removeDb(tmp)
  generate(tmp, seed, scale)
  // Closed after a checkpoint: the -wal and -shm files are gone or empty.
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true })
  fs.renameSync(tmp, file)
  return { file, reused: false, ms: performance.now() - start }
}

/**
 * A working copy of a generated database: the writes of the workload (insert/delete,
 * update) run on the copy, so the generated file stays exactly as generated.
 */
export const workingCopy = (source: string, target: string): string => {
  removeDb(target)
  fs.copyFileSync(source, target)
  return target
}

export { removeDb }
