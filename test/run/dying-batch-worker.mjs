// A batch worker for test/run/batch-pool.test.ts that dies once: the first worker of a test to start (it creates the
// file named by STDP_MC_TEST_DYING_WORKER) exits in the middle of its first batch; every other worker is the real one.
import { openSync, closeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

let first = false;
try {
  closeSync(openSync(process.env.STDP_MC_TEST_DYING_WORKER, 'wx'));
  first = true;
} catch { /* another worker died already */ }
if (first) parentPort.once('message', () => setTimeout(() => process.exit(7), 20));
else await (await import(new URL('../../bin/cli-bundle.mjs', import.meta.url).href)).loadEntry('batch-worker');
