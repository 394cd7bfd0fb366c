/**
 * Sizes a run may ask for, checked before anything is expanded or allocated. Each limit comes from what the machine
 * can hold: one run keeps its input-sized arrays (checkpoint statistics, per-trajectory state, particles, rate
 * windows…) within MEMORY_BUDGET_BYTES of host memory, and every refusal states the request, the limit and what the
 * request would have cost, on one line:
 *
 *   scenario.checkpoints: 4294967296 requested, at most 100000 (about 34 GB of checkpoint statistics)
 *
 * `countIssue` gives the message (or null) for a model's `bad(field, message)`; `checkCount` throws it as a
 * ScenarioError under its path.
 */
import { ScenarioError } from './errors.ts';

/** Host memory one run may fill with arrays whose size the experiment file chooses (2 GB). */
export const MEMORY_BUDGET_BYTES = 2e9;

/**
 * Checkpoints per grid point: every checkpoint keeps a row of ensemble statistics (means, quantiles, counts) in the
 * summary, the state log and the report's tables and plots, and a few kilobytes on the device; 10⁵ rows is already
 * far more than a plot can show.
 */
export const MAX_CHECKPOINTS = 100_000;

/** Grid points of one sweep (each keeps its scenario, its batches' statistics and a row of every report table). */
export const MAX_GRID_POINTS = 10_000;

/** Elements of one typed array (JavaScript engines refuse larger ones; 2³⁰ float64 are 8.6 GB). */
export const MAX_TYPED_ARRAY_ELEMENTS = 2 ** 30;

/** Largest count the engines address (32-bit indices and counters). */
export const MAX_U32 = 0xffffffff;

/** The most items of `bytesEach` bytes that fit in `budget` bytes (at least 1). */
export function maxForBudget(bytesEach: number, budget = MEMORY_BUDGET_BYTES): number {
  return Math.max(1, Math.floor(budget / Math.max(bytesEach, 1)));
}

/** Bytes as a person reads them, in SI units: 512 bytes, 3.4 kB, 34 GB, 1.2e+6 PB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than any machine holds';
  if (bytes < 1000) return `${Math.round(bytes)} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  const shown = v >= 1e6 ? v.toExponential(1) : v < 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v));
  return `${shown} ${units[u]}`;
}

/** A count as the refusal writes it: integers in full below 10²¹, larger ones in exponent form, as JavaScript does. */
export function formatCount(n: number): string {
  return String(n);
}

/** `<requested> requested, at most <max> (about <bytes> of <what>)`, the one-line rule of every size refusal. */
export function countMessage(requested: number, max: number, bytesEach: number, what: string): string {
  return `${formatCount(requested)} requested, at most ${formatCount(max)} (about ${formatBytes(requested * bytesEach)} of ${what})`;
}

/** The refusal of `requested` items of `bytesEach` bytes each when more than `max` (or not a finite number), else null. */
export function countIssue(requested: number, max: number, bytesEach: number, what: string): string | null {
  return Number.isFinite(requested) && requested <= max ? null : countMessage(requested, max, bytesEach, what);
}

/** Throw a ScenarioError at `path` when `requested` items of `bytesEach` bytes exceed `max`. */
export function checkCount(path: string, requested: number, max: number, bytesEach: number, what: string): void {
  const message = countIssue(requested, max, bytesEach, what);
  if (message) throw new ScenarioError([{ path, message }]);
}

/**
 * The same check against the memory budget: at most maxForBudget(bytesEach) items (and never more than `cap`, e.g.
 * MAX_TYPED_ARRAY_ELEMENTS for one typed array).
 */
export function budgetIssue(requested: number, bytesEach: number, what: string, cap = Infinity): string | null {
  return countIssue(requested, Math.min(cap, maxForBudget(bytesEach)), bytesEach, what);
}

export function checkBudget(path: string, requested: number, bytesEach: number, what: string, cap = Infinity): void {
  const message = budgetIssue(requested, bytesEach, what, cap);
  if (message) throw new ScenarioError([{ path, message }]);
}

/** Deepest nesting of arrays and objects an experiment file may have (its real forms need 4). */
export const MAX_NESTING = 64;

/**
 * The path of the first value nested deeper than `max` arrays and objects in `value` (walked without recursion, so a
 * file nested 100 000 deep is refused, not a stack overflow), or null when none is.
 */
export function tooDeep(value: unknown, max = MAX_NESTING): string | null {
  type Node = { v: object; depth: number; up: Node | null; key: string | number };
  const stack: Node[] = value && typeof value === 'object' ? [{ v: value, depth: 0, up: null, key: '' }] : [];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.depth >= max) {
      const keys: (string | number)[] = [];
      for (let n: Node | null = node; n && n.up; n = n.up) keys.unshift(n.key);
      return keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '') || '(root)';
    }
    // Only arrays and objects are visited: a list of a million numbers costs one pass over it, no allocation.
    const entries: [string | number, unknown][] = Array.isArray(node.v) ? [] : Object.entries(node.v);
    if (Array.isArray(node.v)) {
      const list = node.v as unknown[];
      for (let i = 0; i < list.length; i++) {
        const x = list[i];
        if (x && typeof x === 'object') stack.push({ v: x, depth: node.depth + 1, up: node, key: i });
      }
    }
    for (const [k, x] of entries) if (x && typeof x === 'object') stack.push({ v: x, depth: node.depth + 1, up: node, key: k });
  }
  return null;
}

/** Throw a ScenarioError naming where `value` is nested deeper than MAX_NESTING. */
export function checkNesting(value: unknown, max = MAX_NESTING): void {
  const at = tooDeep(value, max);
  if (at) throw new ScenarioError([{ path: at, message: `nested more than ${max} arrays or objects deep: at most ${max}` }]);
}
