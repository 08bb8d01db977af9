/**
 * One TCP connection to one dqlite node: the handshake, then one request in flight at a time
 * (the server answers requests in order and takes no second one meanwhile). Failures are
 * thrown as `ConnectionLost` (the socket is then unusable) so that the driver can tell a
 * request that never left (safe to retry) from one whose answer was lost (outcome unknown).
 */
import * as net from 'node:net'
import type { Message } from './wire.js'
import { handshake } from './wire.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** The connection failed; `sent` says whether the request had been written before. */
export class ConnectionLost extends Error {
  constructor(
    message: string,
    readonly sent: boolean
  ) {
    super(message)
  }
}

export interface Connection {
  readonly address: string
  /** Sends a request and waits for its response; throws ConnectionLost (and closes) on failure or timeout. */
  call(request: Buffer, timeoutMs: number): Promise<Message>
  /** The next message of a response sent in several (rows split in parts). */
  next(timeoutMs: number): Promise<Message>
  readonly closed: boolean
  close(): void
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const parseAddress = (address: string): { host: string; port: number } => {
  const colon = address.lastIndexOf(':')
  const host = colon > 0 ? address.slice(0, colon).replace(/^\[|\]$/g, '') : address
  const port = colon > 0 ? Number(address.slice(colon + 1)) : 8080
  return { host, port }
}

/** Opens a connection and sends the protocol version; throws ConnectionLost (not sent) when it cannot. */
export const openConnection = (address: string, timeoutMs: number): Promise<Connection> =>
  new Promise((resolve, reject) => {
    const { host, port } = parseAddress(address)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      reject(new ConnectionLost(`bad server address ${JSON.stringify(address)} (expected host:port)`, false))
      return
    }
    const socket = net.connect({ host, port })
    socket.setNoDelay(true)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ConnectionLost(`no connection to ${address} within ${timeoutMs} ms`, false))
    }, timeoutMs)
    socket.once('error', (e) => {
      clearTimeout(timer)
      socket.destroy()
      reject(new ConnectionLost(`cannot connect to ${address}: ${e.message}`, false))
    })
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      // Idle connections do not keep the process alive (a request refs the socket while it waits).
      socket.unref()
      socket.write(handshake())
      resolve(connectionOn(address, socket))
    })
  })

const connectionOn = (address: string, socket: net.Socket): Connection => {
  let buffered: Buffer = Buffer.alloc(0)
  const inbox: Message[] = []
  let waiter: { resolve: (m: Message) => void; reject: (e: Error) => void; sent: boolean } | undefined
  let failure: string | undefined

  const fail = (why: string) => {
    failure ??= why
    socket.destroy()
    const w = waiter
    waiter = undefined
    w?.reject(new ConnectionLost(`${address}: ${failure}`, w.sent))
  }

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 8) {
      const size = buffered.readUInt32LE(0) * 8
      if (buffered.length < 8 + size) break
      inbox.push({ type: buffered[4]!, body: buffered.subarray(8, 8 + size) })
      buffered = buffered.subarray(8 + size)
    }
    if (waiter !== undefined && inbox.length > 0) {
      const w = waiter
      waiter = undefined
      w.resolve(inbox.shift()!)
    }
  })
  socket.on('error', (e) => fail(`connection error: ${e.message}`))
  socket.on('close', () => fail('the server closed the connection'))

  const receive = (timeoutMs: number, sent: boolean): Promise<Message> =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) {
        reject(new ConnectionLost(`${address}: ${failure}`, sent))
        return
      }
      const ready = inbox.shift()
      if (ready !== undefined) {
        resolve(ready)
        return
      }
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs)
      socket.ref()
      waiter = {
        sent,
        resolve: (m) => {
          clearTimeout(timer)
          socket.unref()
          resolve(m)
        },
        reject: (e) => {
          clearTimeout(timer)
          socket.unref()
          reject(e)
        }
      }
    })

  return {
    address,
    get closed() {
      return failure !== undefined
    },
    call: (request, timeoutMs) => {
      if (failure !== undefined) return Promise.reject(new ConnectionLost(`${address}: ${failure}`, false))
      // The server takes one request at a time; a second would be answered out of turn.
      if (waiter !== undefined) return Promise.reject(new Error(`${address}: a request is already in flight on this connection`))
      socket.write(request)
      return receive(timeoutMs, true)
    },
    next: (timeoutMs) => receive(timeoutMs, true),
    close: () => {
      failure ??= 'closed'
      socket.destroy()
    }
  }
}
