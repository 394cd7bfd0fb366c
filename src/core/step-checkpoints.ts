/**
 * Checkpoints counted in steps, as every model whose clock is a step count gives them: an explicit list, `{ every: n }` or `{ log: n }`, with step 0 and K always
 * included. The number of checkpoints is computed and checked against the memory they cost before the list is
 * expanded, so `{ every: 1 }` at K = 2³² − 1 or `{ log: 1e9 }` is refused at once instead of filling the memory.
 */
import { z } from 'zod';
import { ScenarioError } from './errors.ts';
import { MAX_CHECKPOINTS, countIssue, maxForBudget } from './limits.ts';

export const CheckpointsSchema = z
  .union([
    z.array(z.number().int().nonnegative()).min(1).describe('explicit steps, strictly increasing'),
    z.strictObject({ every: z.number().int().positive() }).describe('every n steps'),
    z.strictObject({ log: z.number().int().min(2) }).describe('n log-spaced steps from 1 to K'),
  ])
  .describe('Steps k at which ensemble statistics are recorded; step 0 and K are always included');

export type CheckpointsSpec = z.output<typeof CheckpointsSchema>;

/** Log-spaced checkpoints when a scenario names none. */
export const DEFAULT_LOG_CHECKPOINTS = 30;

/** The most bytes a checkpoint's histogram of L holds: 4096 occupied bins of 8 bytes, bin and count (sparse-hist.ts). */
export const SPARSE_HIST_BYTES = 32_768;

/**
 * Host bytes one checkpoint costs at most a model whose accumulators hold a histogram of `histBytes` (the chain's
 * histogram of L, usually far less than its most; the multi model's dense 4096 counts, 16 kB) and `perInput` bytes
 * per input: one accumulator per batch (10 by default) and their merge, so 11 copies.
 */
export function checkpointBytes(d = 0, perInput = 0, histBytes = SPARSE_HIST_BYTES): number {
  return 11 * (histBytes + 512 + d * perInput);
}

/** How many checkpoints `spec` gives at K steps (0 and K included; an upper bound for lists), without expanding it. */
export function checkpointCount(spec: CheckpointsSpec | undefined, K: number): number {
  if (spec === undefined) return DEFAULT_LOG_CHECKPOINTS + 2;
  if (Array.isArray(spec)) return spec.length + 2;
  if ('every' in spec) return Math.floor(K / spec.every) + 1 + (K % spec.every === 0 ? 0 : 1);
  return spec.log + 2;
}

/** The refusal of a spec that gives more checkpoints than the limit (MAX_CHECKPOINTS, and the budget at `bytesEach`). */
export function checkpointsIssue(spec: CheckpointsSpec | undefined, K: number, bytesEach = checkpointBytes()): string | null {
  const max = Math.min(MAX_CHECKPOINTS, maxForBudget(bytesEach));
  // An explicit list is counted as given (duplicates of 0 and K are merged later).
  const n = Array.isArray(spec) ? spec.length : checkpointCount(spec, K);
  return countIssue(n, max, bytesEach, 'checkpoint statistics');
}

/**
 * In a zod superRefine: the refusals of `checkpoints` against `steps` — too many of them (under `checkpoints`), and
 * for an explicit list each step beyond `steps` or not above the one before (under `checkpoints[i]`).
 */
export function refineStepCheckpoints(
  checkpoints: CheckpointsSpec | undefined, steps: number, ctx: z.RefinementCtx, bytesEach = checkpointBytes(),
): void {
  const tooMany = checkpointsIssue(checkpoints, steps, bytesEach);
  if (tooMany) {
    ctx.addIssue({ code: 'custom', path: ['checkpoints'], message: tooMany });
    return;
  }
  if (!Array.isArray(checkpoints)) return;
  checkpoints.forEach((c, i) => {
    if (c > steps) ctx.addIssue({ code: 'custom', path: ['checkpoints', i], message: `step ${c} is beyond steps = ${steps}` });
    if (i > 0 && c <= checkpoints[i - 1]!) ctx.addIssue({ code: 'custom', path: ['checkpoints', i], message: 'checkpoints must be strictly increasing' });
  });
}

/**
 * The checkpoint steps of `spec` at K steps: sorted, unique, always containing 0 and K (default: 30 log-spaced).
 * Refuses (ScenarioError at `path`) a spec with more checkpoints than the limit, before expanding it.
 */
export function resolveCheckpoints(spec: CheckpointsSpec | undefined, K: number, path = 'scenario.checkpoints', bytesEach = checkpointBytes()): number[] {
  const tooMany = checkpointsIssue(spec, K, bytesEach);
  if (tooMany) throw new ScenarioError([{ path, message: tooMany }]);
  let c: number[];
  if (spec === undefined) c = logSpaced(K, DEFAULT_LOG_CHECKPOINTS);
  else if (Array.isArray(spec)) c = [...spec];
  else if ('every' in spec) {
    c = [];
    for (let k = spec.every; k <= K; k += spec.every) c.push(k);
  } else c = logSpaced(K, spec.log);
  c.push(0, K);
  return [...new Set(c)].sort((a, b) => a - b);
}

function logSpaced(K: number, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < n; j++) out.push(Math.round(Math.pow(K, j / (n - 1))));
  return out;
}

/**
 * The refusal of `keep` sample paths that hold `values` numbers at each of `checkpoints` checkpoints (24 bytes per
 * number: the run's arrays and the state log's text, 16, and the flat copy the chain's CPU engines keep beside their
 * rows, 8), when they exceed the memory budget; null otherwise.
 */
export function keptPathsIssue(keep: number, checkpoints: number, values: number): string | null {
  const bytesEach = 24 * checkpoints * values;
  return keep > 0 ? countIssue(keep, maxForBudget(bytesEach), bytesEach, 'kept sample paths') : null;
}
