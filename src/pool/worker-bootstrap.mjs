// Starts a pool worker from TypeScript source. Worker threads do not inherit the
// parent's loader hooks on Node 20, so register tsx here before loading the .ts file.
// (Built JavaScript starts worker.js directly and never comes here.)
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
