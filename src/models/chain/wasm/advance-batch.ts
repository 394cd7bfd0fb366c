/**
 * One dispatch of the plain chain (no correlated inputs, no rate switches) for a batch of trajectories, in the
 * product form of chain-math.ts `advanceProduct`: the cpu and cpu-workers engines' inner loop.
 *
 * The batch is stored coordinate-major, x[i·n + t] (log-state at the last fold) and g[i·n + t] (factors since).
 * With uniform or Rademacher noise and WebAssembly SIMD available, the steps between folds run in the kernel of
 * chain-kernel.wat (4 trajectories per Philox call, 2 per float64 vector) and the folds here in JavaScript, with the
 * operations of `advanceProduct`/`foldState` in the same order: the results are the same bits as the per-trajectory
 * reference, which runs instead for the truncated normal (its quantile needs log and sqrt) or without WebAssembly.
 */
import { advanceProduct, type NoiseParams } from '../chain-math.ts';
import { wasmInstance } from '../../../core/wasm-module.ts';
import { CHAIN_KERNEL_WASM_BASE64 } from './chain-kernel-wasm.ts';

type StepsFn = (
  lanes: number, d: number, k0: number, nSteps: number, traj0: number, key0: number, key1: number,
  alpha: number, h: number, law: number, yOff: number, gOff: number,
) => void;

/** An instance of the kernel with its own memory (one per thread: each worker loads its own). */
export interface ChainKernel {
  memory: WebAssembly.Memory;
  steps: StepsFn;
}

/** Bytes 0..63 of the kernel's memory are its Philox scratch; y and g follow. */
const SCRATCH = 64;

let cached: ChainKernel | null | undefined;

/**
 * The kernel, compiled once per thread; null where WebAssembly or its SIMD proposal is missing (the engines then use
 * the JavaScript reference). `STDP_MC_NO_WASM=1` in the environment disables it (for measurements and tests).
 */
export function chainKernel(): ChainKernel | null {
  if (cached !== undefined) return cached;
  const inst = wasmInstance(CHAIN_KERNEL_WASM_BASE64);
  cached = inst && { memory: inst.exports.memory as WebAssembly.Memory, steps: inst.exports.steps as unknown as StepsFn };
  return cached;
}

/** Whether `advanceBatch` runs this noise law in the kernel (uniform and Rademacher; not the truncated normal). */
export function kernelSupportsLaw(np: NoiseParams): boolean {
  return np.law === 0 || np.law === 1;
}

/** Trajectories per kernel block: the block's y, g and x stay small (≤ 1.5 MiB), so the kernel works in cache. */
function blockLanes(d: number): number {
  return Math.max(4, Math.min(1024, Math.floor(65536 / d / 4) * 4));
}

export interface BatchStep {
  d: number;
  /** Trajectories in the batch (columns of x and g). */
  n: number;
  /** Global index of column 0 (addresses the random stream). */
  traj0: number;
  k0: number;
  nSteps: number;
  key: [number, number];
  alpha: number;
  np: NoiseParams;
  /** Steps between folds (chain-math.ts foldInterval). */
  R: number;
  /** Fold after the last step (a checkpoint, or the end of the run). */
  foldAtEnd: boolean;
}

/**
 * Advance every trajectory of the batch through one dispatch (steps k0 … k0 + nSteps − 1); `kernel` null forces the
 * JavaScript reference. x and g are updated in place.
 */
export function advanceBatch(x: Float64Array, g: Float64Array, q: BatchStep, kernel: ChainKernel | null = chainKernel()): void {
  const { d, n } = q;
  if (q.nSteps <= 0) return;
  if (!kernel || !kernelSupportsLaw(q.np)) {
    const xs = new Float64Array(d), gs = new Float64Array(d), y = new Float64Array(d), w = new Uint32Array(4);
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < d; i++) { xs[i] = x[i * n + t]!; gs[i] = g[i * n + t]!; }
      advanceProduct(xs, gs, d, q.k0, q.nSteps, q.traj0 + t, q.key, q.alpha, q.np, q.R, q.foldAtEnd, y, w);
      for (let i = 0; i < d; i++) { x[i * n + t] = xs[i]!; g[i * n + t] = gs[i]!; }
    }
    return;
  }
  const B = blockLanes(d);
  const bytes = SCRATCH + 2 * 8 * d * B;
  const have = kernel.memory.buffer.byteLength;
  if (have < bytes) kernel.memory.grow(Math.ceil((bytes - have) / 65536));
  const buf = kernel.memory.buffer;
  const yOff = SCRATCH, gOff = SCRATCH + 8 * d * B;
  const xb = new Float64Array(d * B);
  const kEnd = q.k0 + q.nSteps;
  for (let t0 = 0; t0 < n; t0 += B) {
    const m = Math.min(B, n - t0);
    const lanes = (m + 3) & ~3;
    // Views per block (lanes varies only in the last block); coordinate i of lane t at i·lanes + t.
    const y = new Float64Array(buf, yOff, d * lanes), gb = new Float64Array(buf, gOff, d * lanes);
    for (let i = 0; i < d; i++) {
      for (let t = 0; t < m; t++) {
        const xi = x[i * n + t0 + t]!;
        xb[i * lanes + t] = xi;
        y[i * lanes + t] = Math.exp(xi);
        gb[i * lanes + t] = g[i * n + t0 + t]!;
      }
      // Padding lanes (at most 3): a harmless state (their draws are computed and never read).
      for (let t = m; t < lanes; t++) { xb[i * lanes + t] = 0; y[i * lanes + t] = 1; gb[i * lanes + t] = 1; }
    }
    // Segments between fold points: a fold follows step k when (k + 1) % R == 0, and the last step when foldAtEnd.
    let k = q.k0;
    while (k < kEnd) {
      const next = Math.min(kEnd, (Math.floor(k / q.R) + 1) * q.R);
      kernel.steps(lanes, d, k, next - k, q.traj0 + t0, q.key[0] | 0, q.key[1] | 0, q.alpha, q.np.h, q.np.law, yOff, gOff);
      k = next;
      if (k % q.R === 0 || (q.foldAtEnd && k === kEnd)) foldBlock(xb, y, gb, d, lanes, m);
    }
    for (let i = 0; i < d; i++) {
      for (let t = 0; t < m; t++) {
        x[i * n + t0 + t] = xb[i * lanes + t]!;
        g[i * n + t0 + t] = gb[i * lanes + t]!;
      }
    }
  }
}

/** chain-math.ts foldState on every lane of a block (the same operations in the same order). */
function foldBlock(x: Float64Array, y: Float64Array, g: Float64Array, d: number, lanes: number, m: number): void {
  for (let t = 0; t < m; t++) {
    let mx = -Infinity;
    for (let i = 0; i < d; i++) {
      const j = i * lanes + t;
      const xi = x[j]! + Math.log(g[j]!);
      x[j] = xi;
      if (xi > mx) mx = xi;
    }
    for (let i = 0; i < d; i++) {
      const j = i * lanes + t;
      const xi = x[j]! - mx;
      x[j] = xi;
      y[j] = Math.exp(xi);
      g[j] = 1;
    }
  }
}
