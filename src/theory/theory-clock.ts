/**
 * Seconds spent computing theory (flows, diffusion and large-deviation predictions) for a run's summary, so the CLI
 * can say how a run's time splits between simulation, bookkeeping, theory and the report. Solvers are wrapped where
 * they are exported; a call made from inside another timed call is counted once.
 */
let total = 0;
let depth = 0;

/** `f`, with its time added to the theory clock. */
export function timedTheory<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    if (depth > 0) return f(...args);
    depth++;
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      depth--;
      total += (performance.now() - t0) / 1000;
    }
  };
}

/** Seconds on the theory clock since the process started (differences give a stage's share). */
export function theorySeconds(): number {
  return total;
}
