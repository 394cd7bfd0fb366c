/**
 * Dispatch planning shared by all engines: the K steps are cut at every checkpoint and then into chunks of at most
 * `stepsPerDispatch` steps. A dispatch ending on a checkpoint reduces statistics into that checkpoint's slot.
 * The random stream is addressed by the absolute step, so the plan never changes the numbers drawn.
 */
export interface Dispatch {
  /** First step index of this dispatch (the step from state k0 to k0 + 1 uses counter step = k0). */
  k0: number;
  nSteps: number;
  /** Index into the checkpoint list when the dispatch ends on a checkpoint, else -1. */
  statsSlot: number;
}

export function planDispatches(checkpoints: number[], K: number, stepsPerDispatch: number): Dispatch[] {
  if (!(stepsPerDispatch >= 1)) throw new Error('stepsPerDispatch must be ≥ 1');
  const plan: Dispatch[] = [];
  // Checkpoint 0 is the initial state: a zero-step dispatch that only reduces statistics.
  let slot = 0;
  if (checkpoints[0] === 0) plan.push({ k0: 0, nSteps: 0, statsSlot: slot++ });
  let k = 0;
  for (; slot < checkpoints.length; slot++) {
    const target = checkpoints[slot]!;
    while (k < target) {
      const n = Math.min(stepsPerDispatch, target - k);
      plan.push({ k0: k, nSteps: n, statsSlot: k + n === target ? slot : -1 });
      k += n;
    }
  }
  if (k !== K) throw new Error(`internal: plan ends at step ${k}, expected ${K}`);
  return plan;
}

/** Split [start, end) into batches of at most `size` trajectories. */
export function batches(start: number, end: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = start; a < end; a += size) out.push([a, Math.min(end, a + size)]);
  return out;
}
