/** The demo's sample rows: fixed ids and dates, so every run prints the same results. */
import type { InsertValues } from '../../index.js'
import type { customers, products, orders } from './schema.js'

// -------------------------------------------------------------------------------------
// sample data (fixed ids and dates, so every run prints the same results)
// -------------------------------------------------------------------------------------

const day = (iso: string): Date => new Date(`${iso}T10:00:00.000Z`)

export const sampleCustomers: ReadonlyArray<InsertValues<typeof customers>> = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', city: 'London', vip: true, joinedAt: day('2023-01-15') },
  { id: 2, name: 'Alan Turing', email: 'alan@example.com', city: 'Manchester', joinedAt: day('2023-03-02') },
  { id: 3, name: 'Grace Hopper', email: 'grace@example.com', city: 'New York', vip: true, joinedAt: day('2023-06-20') },
  { id: 4, name: 'Edsger Dijkstra', email: 'edsger@example.com', city: null, joinedAt: day('2024-01-05') },
  { id: 5, name: 'Barbara Liskov', email: 'barbara@example.com', city: 'Boston', joinedAt: day('2024-02-11') }
]

export const sampleProducts: ReadonlyArray<InsertValues<typeof products>> = [
  { id: 1, sku: 'MUG-001', name: 'Coffee mug', price: 8.5, tags: ['kitchen'] },
  { id: 2, sku: 'MUG-002', name: 'Tea MUG, large', price: 9.75, tags: ['kitchen'] },
  { id: 3, sku: 'BK-SICP', name: 'SICP, 2nd edition', price: 45, tags: ['books'] },
  { id: 4, sku: 'BK-TAOCP', name: 'The Art of Computer Programming', price: 189.99, tags: ['books', 'boxset'] },
  { id: 5, sku: 'KB-100', name: 'Mechanical keyboard', price: 119, inStock: false, tags: ['desk'] },
  { id: 6, sku: 'LMP-50', name: 'Desk lamp, 50% brighter', price: 34.5 }
]

export const sampleOrders: ReadonlyArray<InsertValues<typeof orders>> = [
  { id: 1, customerId: 1, productId: 3, quantity: 1, unitPrice: 45, status: 'delivered', placedAt: day('2024-01-03') },
  {
    id: 2,
    customerId: 1,
    productId: 1,
    quantity: 4,
    unitPrice: 8.5,
    status: 'delivered',
    details: { gift: true, note: 'For the team' },
    placedAt: day('2024-01-09')
  },
  { id: 3, customerId: 2, productId: 5, quantity: 1, unitPrice: 119, status: 'shipped', placedAt: day('2024-01-17') },
  {
    id: 4,
    customerId: 3,
    productId: 4,
    quantity: 1,
    unitPrice: 189.99,
    status: 'delivered',
    details: { gift: false },
    placedAt: day('2024-01-22')
  },
  { id: 5, customerId: 3, productId: 2, quantity: 2, unitPrice: 9.75, placedAt: day('2024-02-01') },
  { id: 6, customerId: 2, productId: 6, quantity: 1, unitPrice: 34.5, status: 'cancelled', placedAt: day('2024-02-05') },
  {
    id: 7,
    customerId: 4,
    productId: 3,
    quantity: 2,
    unitPrice: 45,
    status: 'shipped',
    details: { gift: true },
    placedAt: day('2024-02-14')
  },
  { id: 8, customerId: 1, productId: 6, quantity: 1, unitPrice: 34.5, placedAt: day('2024-02-20') },
  { id: 9, customerId: 3, productId: 1, quantity: 6, unitPrice: 8.5, status: 'shipped', placedAt: day('2024-03-01') },
  {
    id: 10,
    customerId: 5,
    productId: 4,
    quantity: 1,
    unitPrice: 179.99,
    status: 'delivered',
    details: { gift: true, note: 'Happy birthday' },
    placedAt: day('2024-03-08')
  },
  { id: 11, customerId: 4, productId: 2, quantity: 3, unitPrice: 9.75, placedAt: day('2024-03-12') },
  { id: 12, customerId: 1, productId: 4, quantity: 1, unitPrice: 189.99, status: 'shipped', placedAt: day('2024-03-19') }
]
