/**
 * What every model's engines share for a run over a range of copies: the options the run layer passes to them
 * (src/run/model-parts.ts, batchRunOptions), and the progress reports of a CPU engine's loop over copies.
 */
import type { Progress } from './types.ts';

/** The options every model's engine run takes; a model's engine adds its own (test hooks, layouts). */
export interface CopyRunOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Run copies [start, end) only (default: all). Indices address the random stream. */
  trajectoryRange?: [number, number];
  /** WebGPU only: steps per dispatch and copies per batch (results do not depend on them). */
  stepsPerDispatch?: number;
  batchSize?: number;
}

/**
 * Progress of a CPU engine's loop: `report(done, last)` calls onProgress at most every 100 ms after `lastReport`
 * (a performance.now() time) and at the last copy, with the seconds since `t0`, then yields to the event loop so
 * that cancellation and timers get through. Without onProgress it does nothing.
 */
export function cpuProgress(onProgress: ((p: Progress) => void) | undefined, total: number, t0: number, lastReport = performance.now()) {
  return async (done: number, last: boolean): Promise<void> => {
    if (!onProgress || !(performance.now() - lastReport > 100 || last)) return;
    lastReport = performance.now();
    onProgress({ done, total, elapsedSeconds: (lastReport - t0) / 1000 });
    await yieldToEventLoop();
  };
}

/**
 * Let the event loop run (signal handlers, timers that are due, messages, I/O) and come back as soon as it has:
 * through setImmediate where there is one (Node, Deno). A zero-delay timer waits at least 1 ms in Node; browsers, which
 * have no setImmediate, get one (clamped to 4 ms when nested). A CPU engine's loop calls this at each progress report:
 * with a timer in Node, the idle millisecond after every report added up to 5–13 ms of a 100 ms fig2-simplex run.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
}
