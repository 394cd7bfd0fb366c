/**
 * The reference engine: the chain in float64 on the same Philox stream as the GPU kernels.
 *
 * The plain chain runs in the product form of chain-math.ts `advanceProduct` (no exp or log between folds), through
 * `advanceBatch` (src/models/chain/wasm/advance-batch.ts): the WebAssembly SIMD kernel for uniform and Rademacher noise,
 * the JavaScript reference otherwise; both give the same bits. The model extensions (correlated inputs, rate
 * switches) run chain-math.ts `advanceExtended` (the same product form, in JavaScript) per trajectory.
 */
import type { ResolvedScenario } from './scenario.ts';
import { advanceExtended, chainExtras, extendedScratch, noiseParams } from './chain-math.ts';
import { copyFinalStates, cpuRunPlan, emptyPaths, foldCheckpoint } from './cpu-batch.ts';
import { batches } from '../../engines/plan.ts';
import { cpuProgress } from '../../engines/copy-run.ts';
import { checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { type Engine, type EnsembleResult, type RunOptions } from './engine-types.ts';
import { advanceBatch, chainKernel, kernelSupportsLaw } from './wasm/advance-batch.ts';

/** How the cpu engines step a scenario: 'wasm-simd128' or 'js' (the plain chain), 'js-extended' (the extensions). */
export function cpuStepKind(s: ResolvedScenario): 'wasm-simd128' | 'js' | 'js-extended' {
  if (s.correlation || s.schedule.length) return 'js-extended';
  return chainKernel() && kernelSupportsLaw(noiseParams(s)) ? 'wasm-simd128' : 'js';
}

export class CpuEngine implements Engine {
  readonly info: EngineInfo = { name: 'cpu', runtime: runtimeName(), precision: 'f64' };

  async run(s: ResolvedScenario, o: RunOptions = {}): Promise<EnsembleResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const d = s.d;
    const { np, R, plan, acc } = cpuRunPlan(s, o.stepsPerDispatch);
    const paths = emptyPaths(s, start, end);
    const finalState = o.captureFinalState ? new Float64Array(d * (end - start)) : undefined;
    const total = (end - start) * s.steps;
    const report = cpuProgress(o.onProgress, total, t0, 0);
    let done = 0, dispatches = 0;
    const xs = new Float64Array(d), gs = new Float64Array(d), p = new Float64Array(d);
    const ex = chainExtras(s), scratch = extendedScratch(d);

    for (const [b0, b1] of batches(start, end, o.batchSize ?? 8192)) {
      const n = b1 - b0;
      const x = new Float64Array(d * n); // coordinate-major, like the GPU state buffer
      for (let i = 0; i < d; i++) x.fill(s.x0[i]!, i * n, (i + 1) * n);
      const g = new Float64Array(d * n).fill(1); // product-form factors since the last fold
      for (const disp of plan) {
        checkAborted(o.signal);
        dispatches++;
        const slot = disp.statsSlot;
        const foldAtEnd = slot >= 0 || disp.k0 + disp.nSteps === s.steps;
        if (ex) {
          for (let t = 0; t < n; t++) {
            for (let i = 0; i < d; i++) { xs[i] = x[i * n + t]!; gs[i] = g[i * n + t]!; }
            advanceExtended(xs, gs, d, disp.k0, disp.nSteps, b0 + t, s.seedKey, s.alpha, np, R, foldAtEnd, ex, scratch);
            for (let i = 0; i < d; i++) { x[i * n + t] = xs[i]!; g[i * n + t] = gs[i]!; }
          }
        } else {
          advanceBatch(x, g, {
            d, n, traj0: b0, k0: disp.k0, nSteps: disp.nSteps, key: s.seedKey, alpha: s.alpha, np, R, foldAtEnd,
          });
        }
        if (slot >= 0) foldCheckpoint(s, x, n, b0, start, acc[slot]!, paths, xs, p);
        done += n * disp.nSteps;
        await report(done, done === total);
      }
      if (finalState) copyFinalStates(finalState, x, d, n, b0, start, end - start);
    }
    return {
      engine: { ...this.info, details: { step: cpuStepKind(s), foldInterval: R } },
      checkpoints: acc,
      paths,
      finalState,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches },
    };
  }
}
