/**
 * dqlite's wire protocol (version 1), the encoding only: messages are an 8-byte header
 * (body length in 8-byte words, uint32; type, uint8; schema, uint8; extra, uint16) and a
 * body of little-endian 8-byte words. Strings are NUL-terminated and padded to a word,
 * blobs are a length word then their bytes padded to a word. The source of truth is
 * go-dqlite's internal/protocol (message.go, request.go, response.go, constants.go).
 */
import type { SqlValue } from '../../schema/column.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export const PROTOCOL_VERSION = 1n

export const Request = {
  Leader: 0,
  Client: 1,
  Open: 3,
  ExecSql: 8,
  QuerySql: 9,
  Cluster: 16
} as const

export const Response = {
  Failure: 0,
  Node: 1,
  Welcome: 2,
  Nodes: 3,
  Db: 4,
  Stmt: 5,
  Result: 6,
  Rows: 7,
  Empty: 8
} as const

/** Value types in rows and params. */
const Type = { Integer: 1, Float: 2, Text: 3, Blob: 4, Null: 5, UnixTime: 9, Iso8601: 10, Boolean: 11 } as const

/** The most params one statement can carry in protocol schema 0 (their count is one byte). */
export const MAX_PARAMS = 255

/** The word that ends the rows of a response, and the one that says more rows follow in another. */
const ROWS_DONE = 0xff
const ROWS_PART = 0xee

export interface Message {
  readonly type: number
  readonly body: Buffer
}

// -------------------------------------------------------------------------------------
// encoding
// -------------------------------------------------------------------------------------

const WORD = 8
const padded = (n: number): number => (n + WORD - 1) & ~(WORD - 1)

/** A growing little-endian message body. */
class Writer {
  private buf = Buffer.alloc(256)
  private off = 0

  private room(n: number): void {
    if (this.off + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.off + n) size *= 2
    const next = Buffer.alloc(size)
    this.buf.copy(next, 0, 0, this.off)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.off++] = v
  }

  u64(v: bigint): void {
    this.room(8)
    this.buf.writeBigUInt64LE(v, this.off)
    this.off += 8
  }

  i64(v: bigint): void {
    this.room(8)
    this.buf.writeBigInt64LE(v, this.off)
    this.off += 8
  }

  f64(v: number): void {
    this.room(8)
    this.buf.writeDoubleLE(v, this.off)
    this.off += 8
  }

  align(): void {
    const to = padded(this.off)
    this.room(to - this.off)
    this.off = to
  }

  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8')
    const size = padded(bytes.length + 1)
    this.room(size)
    bytes.copy(this.buf, this.off)
    this.buf.fill(0, this.off + bytes.length, this.off + size)
    this.off += size
  }

  blob(b: Uint8Array): void {
    this.u64(BigInt(b.length))
    const size = padded(b.length)
    this.room(size)
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).copy(this.buf, this.off)
    this.buf.fill(0, this.off + b.length, this.off + size)
    this.off += size
  }

  /** The whole message: header and body. */
  message(type: number): Buffer {
    this.align()
    const out = Buffer.alloc(8 + this.off)
    out.writeUInt32LE(this.off / WORD, 0)
    out[4] = type
    this.buf.copy(out, 8, 0, this.off)
    return out
  }
}

/**
 * Params as better-sqlite3 binds them: a number as a double (so `? / 2` divides the same
 * way), a bigint as a 64-bit integer, text, a blob, NULL.
 */
const writeParams = (w: Writer, params: ReadonlyArray<SqlValue>): void => {
  if (params.length === 0) return
  w.u8(params.length)
  for (const v of params) {
    w.u8(
      v === null
        ? Type.Null
        : typeof v === 'number'
          ? Type.Float
          : typeof v === 'bigint'
            ? Type.Integer
            : typeof v === 'string'
              ? Type.Text
              : Type.Blob
    )
  }
  w.align()
  for (const v of params) {
    if (v === null) w.u64(0n)
    else if (typeof v === 'number') w.f64(v)
    else if (typeof v === 'bigint') w.i64(v)
    else if (typeof v === 'string') w.string(v)
    else w.blob(v)
  }
}

/** The 8 bytes a client sends first on a new connection. */
export const handshake = (): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(PROTOCOL_VERSION)
  return b
}

export const leaderRequest = (): Buffer => {
  const w = new Writer()
  w.u64(0n)
  return w.message(Request.Leader)
}

export const clientRequest = (id: bigint): Buffer => {
  const w = new Writer()
  w.u64(id)
  return w.message(Request.Client)
}

export const clusterRequest = (): Buffer => {
  const w = new Writer()
  w.u64(1n) // format V1: id, address, role
  return w.message(Request.Cluster)
}

export const openRequest = (name: string): Buffer => {
  const w = new Writer()
  w.string(name)
  w.u64(0n)
  w.string('volatile')
  return w.message(Request.Open)
}

/** EXEC_SQL or QUERY_SQL: prepare, bind, run and finalize in one round trip. */
export const sqlRequest = (
  type: typeof Request.ExecSql | typeof Request.QuerySql,
  db: number,
  sql: string,
  params: ReadonlyArray<SqlValue>
): Buffer => {
  const w = new Writer()
  w.u64(BigInt(db))
  w.string(sql)
  writeParams(w, params)
  return w.message(type)
}

// -------------------------------------------------------------------------------------
// decoding
// -------------------------------------------------------------------------------------

/** Reads a message body word by word; a read past its end throws (a malformed message). */
export class Reader {
  off = 0
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.off >= this.buf.length
  }

  private need(n: number): void {
    if (this.off + n > this.buf.length)
      throw new Error(`dqlite: message ended early (wanted ${n} bytes at ${this.off} of ${this.buf.length})`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.off++]!
  }

  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.off)
    this.off += 4
    return v
  }

  u64(): bigint {
    this.need(8)
    const v = this.buf.readBigUInt64LE(this.off)
    this.off += 8
    return v
  }

  i64(): bigint {
    this.need(8)
    const v = this.buf.readBigInt64LE(this.off)
    this.off += 8
    return v
  }

  f64(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.off)
    this.off += 8
    return v
  }

  string(): string {
    const end = this.buf.indexOf(0, this.off)
    if (end < 0) throw new Error('dqlite: unterminated string in a message')
    const s = this.buf.toString('utf8', this.off, end)
    this.off = padded(end + 1)
    return s
  }

  blob(): Uint8Array {
    const n = Number(this.u64())
    this.need(n)
    // A copy (a row value must not pin the whole message), and a Buffer, as better-sqlite3 reads a blob.
    const out = Buffer.from(this.buf.subarray(this.off, this.off + n))
    this.off += padded(n)
    return out
  }

  peek(): number {
    this.need(1)
    return this.buf[this.off]!
  }
}

export interface Failure {
  readonly code: number
  readonly message: string
}

export const decodeFailure = (body: Buffer): Failure => {
  const r = new Reader(body)
  return { code: Number(r.u64()), message: r.string() }
}

/** NODE: the leader's id and address ('' when this server knows no leader). */
export const decodeNode = (body: Buffer): { readonly id: bigint; readonly address: string } => {
  const r = new Reader(body)
  return { id: r.u64(), address: r.string() }
}

export interface NodeInfo {
  readonly id: bigint
  readonly address: string
  /** 0 voter, 1 stand-by, 2 spare. */
  readonly role: number
}

export const decodeNodes = (body: Buffer): ReadonlyArray<NodeInfo> => {
  const r = new Reader(body)
  const n = Number(r.u64())
  const out: NodeInfo[] = []
  for (let i = 0; i < n; i++) out.push({ id: r.u64(), address: r.string(), role: Number(r.u64()) })
  return out
}

export const decodeDb = (body: Buffer): number => new Reader(body).u32()

export const decodeResult = (body: Buffer): { readonly lastInsertRowid: number; readonly changes: number } => {
  const r = new Reader(body)
  const lastInsertRowid = r.i64()
  const changes = r.u64()
  return { lastInsertRowid: Number(lastInsertRowid), changes: Number(changes) }
}

/**
 * One ROWS message: its column names and rows (appended to `into`), and whether more rows
 * follow in another message (the server splits a large result). Integers are numbers (as
 * better-sqlite3 reads them, rounding past 2^53) or bigints when `safeIntegers`.
 */
export const decodeRows = (
  body: Buffer,
  safeIntegers: boolean,
  into: unknown[][]
): { readonly columns: ReadonlyArray<string>; readonly more: boolean } => {
  const r = new Reader(body)
  const n = Number(r.u64())
  const columns: string[] = []
  for (let i = 0; i < n; i++) columns.push(r.string())
  const types = new Uint8Array(n)
  const headerSize = padded(Math.ceil(n / 2))
  for (;;) {
    if (r.done) return { columns, more: false }
    const first = r.peek()
    if (first === ROWS_DONE) return { columns, more: false }
    if (first === ROWS_PART) return { columns, more: true }
    for (let i = 0; i < headerSize; i++) {
      const slot = r.u8()
      if (2 * i < n) types[2 * i] = slot & 0x0f
      if (2 * i + 1 < n) types[2 * i + 1] = slot >> 4
    }
    const row: unknown[] = new Array(n)
    for (let i = 0; i < n; i++) {
      switch (types[i]) {
        case Type.Integer:
        case Type.UnixTime:
        case Type.Boolean: {
          // A BOOLEAN or DATETIME column's integer: better-sqlite3 reads it as the integer it is.
          // (dqlite sends a NULL in a column declared BOOLEAN as 0: the library declares its
          // boolean columns INTEGER, where NULL stays NULL; docs/scaling.md.)
          const v = r.i64()
          row[i] = safeIntegers ? v : Number(v)
          break
        }
        case Type.Float:
          row[i] = r.f64()
          break
        case Type.Text:
          row[i] = r.string()
          break
        case Type.Iso8601: {
          // A DATETIME column's text, as stored; its NULL comes as '' (as go-dqlite reads it: NULL).
          const v = r.string()
          row[i] = v === '' ? null : v
          break
        }
        case Type.Blob:
          row[i] = r.blob()
          break
        case Type.Null:
          r.u64()
          row[i] = null
          break
        default:
          throw new Error(`dqlite: unknown value type ${types[i]} in a row`)
      }
    }
    into.push(row)
  }
}
