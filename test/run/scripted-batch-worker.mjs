// A batch worker for test/run/batch-pool.test.ts that runs no model: it answers each batch { n: 1 } after a delay
// set per batch (grid point : first copy), so the order in which batches finish is fixed by the test, not by timing.
import { parentPort } from 'node:worker_threads';

const delayMs = { '0:0': 50, '0:1': 100, '0:2': 300, '0:3': 10, '0:4': 10, '1:0': 100, '1:1': 100 };
parentPort.on('message', (q) => {
  if (q.type !== 'run') return;
  setTimeout(() => parentPort.postMessage({ type: 'result', id: q.id, stats: { n: 1 }, dispatches: 1, seconds: 0 }), delayMs[`${q.point}:${q.range[0]}`] ?? 10);
});
