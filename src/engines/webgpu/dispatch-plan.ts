/**
 * The two dispatch plans of the ensemble kernels, with the leading uniform fields each kernel declares for them:
 *
 *  - chunked (kernels that step all copies in lockstep and reduce at checkpoints): the steps cut at every checkpoint and into chunks (src/engines/plan.ts); a
 *    chunk ending on a checkpoint reduces statistics into its slot (CHUNK_FIELDS, chunkValues);
 *  - by mode (kernels with an init, a step and a checkpoint entry point): an initialising dispatch, stepping dispatches of at most
 *    `stepsPerDispatch` steps towards each checkpoint, and a checkpoint dispatch at each (STEP_FIELDS, stepValues).
 *
 * The random stream is addressed by the absolute step, so the plan never changes the numbers drawn.
 */
import type { Dispatch } from '../plan.ts';
import type { BatchContext } from './ensemble-host.ts';

const NO_SLOT = 0xffffffff;

/** Where a batch's threads start in the random stream: the seed's key and the batch's first thread. */
export const BATCH_FIELDS = {
  key: 'vec2<u32>',
  traj_offset: "u32 // global index of this batch's first thread (addresses the random stream)",
  n_active: 'u32 // threads in this batch',
} as const;

export const CHUNK_FIELDS = {
  ...BATCH_FIELDS,
  k0: 'u32 // first step of this dispatch',
  n_steps: 'u32 // steps in this dispatch',
  fresh: 'u32 // 1: start from the initial state instead of the state buffer',
  stats_slot: 'u32 // checkpoint slot to reduce into after the steps, or NO_SLOT',
  n_wg: 'u32 // workgroups in this dispatch (stride of the partials)',
} as const;

/** Values of CHUNK_FIELDS for dispatch `d`, the i-th of its batch. */
export function chunkValues(key: readonly [number, number], b: BatchContext, d: Dispatch, i: number) {
  return {
    key, traj_offset: b.b0, n_active: b.n, k0: d.k0, n_steps: d.nSteps, fresh: i === 0 ? 1 : 0,
    stats_slot: d.statsSlot < 0 ? NO_SLOT : d.statsSlot, n_wg: b.nWg,
  };
}

export const MODE = { step: 0, checkpoint: 1, init: 2 } as const;

export const STEP_FIELDS = {
  ...BATCH_FIELDS,
  n0: 'u32 // first step of this dispatch',
  n1: 'u32 // end step (exclusive)',
  mode: 'u32 // 0: step, 1: checkpoint `slot`, 2: initialise',
  slot: 'u32 // checkpoint slot (of the checkpoint the steps lead to)',
  n_slots: 'u32 // checkpoints',
} as const;

export interface StepDispatch {
  mode: number;
  n0: number;
  n1: number;
  slot: number;
  /** The checkpoint this dispatch leads to (or is), and the step the way there began at. */
  target: number;
  prev: number;
}

export function stepPlan(checkpoints: readonly number[], stepsPerDispatch: number): StepDispatch[] {
  if (!(stepsPerDispatch >= 1)) throw new Error('stepsPerDispatch must be ≥ 1');
  const plan: StepDispatch[] = [{ mode: MODE.init, n0: 0, n1: 0, slot: 0, target: 0, prev: 0 }];
  let k = 0;
  checkpoints.forEach((target, slot) => {
    const prev = k;
    while (k < target) {
      const k1 = Math.min(target, k + stepsPerDispatch);
      plan.push({ mode: MODE.step, n0: k, n1: k1, slot, target, prev });
      k = k1;
    }
    plan.push({ mode: MODE.checkpoint, n0: k, n1: k, slot, target, prev });
  });
  return plan;
}

/** Values of STEP_FIELDS for dispatch `d` of batch `b`. */
export function stepValues(key: readonly [number, number], b: BatchContext, d: StepDispatch, nSlots: number) {
  return { key, traj_offset: b.b0, n_active: b.n, n0: d.n0, n1: d.n1, mode: d.mode, slot: d.slot, n_slots: nSlots };
}

/** The fields shaders/noise.wgsl reads (P.h, P.tn_lo, P.tn_width, P.tn_sd), and their values. */
export const NOISE_FIELDS = {
  h: 'f32 // half-width of the noise',
  tn_lo: 'f32 // truncated normal: Z = sd * Phi^{-1}(lo + u * width)',
  tn_width: 'f32',
  tn_sd: 'f32',
} as const;

export function noiseValues(np: { h: number; lo: number; width: number; sd: number }) {
  return { h: np.h, tn_lo: np.lo, tn_width: np.width, tn_sd: np.sd };
}
