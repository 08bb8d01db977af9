/**
 * The remote specs' cluster: DQLITE_SERVERS (default the three nodes that
 * scripts/dqlite-cluster.sh starts), probed once. Without a cluster each remote spec file
 * registers one skipped test whose title says how to run them.
 */
import * as net from 'node:net'
import { execFileSync } from 'node:child_process'

export const SERVERS: ReadonlyArray<string> = (process.env.DQLITE_SERVERS ?? '127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0)

export const NO_CLUSTER = `dqlite: no cluster at ${SERVERS.join(',')}; run scripts/dqlite-cluster.sh start to run the remote specs`

const reachable = (address: string, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const colon = address.lastIndexOf(':')
    const socket = net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) })
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })

/** Whether any of the servers accepts a connection (within half a second each). */
export const clusterUp = async (): Promise<boolean> => (await Promise.all(SERVERS.map((s) => reachable(s, 500)))).some((x) => x)

/** A database name no earlier run used (the cluster keeps its databases across runs). */
let made = 0
export const freshDatabase = (prefix: string): string => `${prefix}_${process.pid}_${Date.now().toString(36)}_${++made}`

/** scripts/dqlite-cluster.sh with its arguments (status, restart-node N), from the project root. */
export const clusterScript = (...args: string[]): string =>
  execFileSync('bash', ['scripts/dqlite-cluster.sh', ...args], { encoding: 'utf8', timeout: 60_000 })
