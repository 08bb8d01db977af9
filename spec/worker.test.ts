import test from 'ava'
import { Worker, threadId } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { all, createTable, insert, select, session } from '../src/index.js'
import { openHandleCount } from '../src/conn/registry.js'
import { tempDb, unwrap } from './helpers/db.js'
import { notes } from './fixtures/tables.js'

const runWorker = (data: unknown): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), {
      workerData: { ...(data as object), task: new URL('./fixtures/worker-task.ts', import.meta.url).href }
    })
    w.once('message', (m) => resolve(m as Record<string, unknown>))
    w.once('error', reject)
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`))
    })
  })

test('a worker thread on the same file gets its own connection and sees committed rows', async (t) => {
  const db = tempDb()
  const s = session(db)
  unwrap(s.run(createTable(notes)))
  unwrap(s.run(insert(notes, [{ body: 'one' }, { body: 'two' }])))
  const mainHandles = openHandleCount()
  t.true(mainHandles >= 1)

  // The descriptor is plain data: it crosses to the worker by structured clone.
  const out = await runWorker({ db })
  t.not(out.threadId, threadId)
  t.is(out.handlesBefore, 0, "the worker starts with none of the main thread's handles")
  t.is(out.handlesAfter, 1, 'and opens its own on first use')
  t.deepEqual(
    out.seen,
    E.right([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' }
    ])
  )
  t.deepEqual(out.wrote, E.right({ changes: 1, lastInsertRowid: 3 }))
  t.deepEqual(out.total, E.right(3))

  // The main thread's handle was untouched, and it sees the worker's committed row.
  t.is(openHandleCount(), mainHandles)
  t.deepEqual(
    unwrap(s.run(pipe(select(notes), all))).map((r) => r.body),
    ['one', 'two', `from worker ${String(out.threadId)}`]
  )
  s.close()
})
