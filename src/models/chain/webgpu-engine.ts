/**
 * The WebGPU engine for the reduced chain: code generation (constants spliced into shaders/chain.wgsl), and on the
 * ensemble host (src/engines/webgpu/ensemble-host.ts) buffers per batch of trajectories, chunked dispatches from
 * plan.ts, and the read-back of per-checkpoint statistics only.
 */
import type { ResolvedScenario } from './scenario.ts';
import {
  H_BINS, H_LO, H_SCALE, LOG_DELTAS, MAX_D_MEAN_P, emptyAccumulator, mergeAccumulators, type CheckpointAccumulator,
  type Moments,
} from '../../stats/checkpoint-stats.ts';
import { chainExtras, noiseParams, type ChainExtras } from './chain-math.ts';
import { planDispatches } from '../../engines/plan.ts';
import { histFromDense } from '../../stats/sparse-hist.ts';
import { type Engine, type EnsembleResult, type RunOptions } from './engine-types.ts';
import {
  CHUNK_FIELDS, NOISE_FIELDS, WG, chunkValues, decodeExtremes, ensembleEngine, f32lit, kernelSource,
  maxBatchByPartials, mergeWorkgroupMoments, noiseValues, onNewDevice, partialsBytes, softwareStepCap, uniformLayout,
  wgslConstants, type BatchContext,
} from '../../engines/webgpu/index.ts';

/** Reduced float variables before the p_i: L, G, L|success, G|success (see chain.wgsl). */
const NV_FIXED = 4;

const PARAMS = uniformLayout({
  ...CHUNK_FIELDS,
  alpha: 'f32', i_star: 'u32',
  keep_paths: 'u32 // keep p of global trajectories < keep_paths (in whichever batch holds them)',
  ...NOISE_FIELDS,
});

/**
 * WGSL constants of the model extensions (chain-math.ts ChainExtras): VARIANT (0 none, 1 paper, 2 figure code),
 * Γ row-major, and the rate switches (the step after whose update each applies, and log(λ_new/λ_old)). Private
 * arrays with constant initialisers, so the kernel can index them at run time; without extensions VARIANT = 0 and
 * NSW = 0 and the extra code folds away.
 */
function extrasHeader(d: number, ex: ChainExtras | null): string[] {
  const nsw = ex?.switchSteps.length ?? 0;
  const gamma = ex?.gamma ? Array.from(ex.gamma) : [0];
  const steps = nsw ? ex!.switchSteps : [0];
  const dlog = nsw ? ex!.switchDlog.flatMap((a) => Array.from(a)) : [0];
  return [
    ...wgslConstants({ VARIANT: ex?.variant ?? 0, NSW: nsw }),
    `var<private> GAMMA: array<f32, ${gamma.length}> = array<f32, ${gamma.length}>(${gamma.map(f32lit).join(', ')});`,
    `var<private> SW_STEP: array<u32, ${steps.length}> = array<u32, ${steps.length}>(${steps.map((v) => `${v}u`).join(', ')});`,
    `var<private> SW_DLOG: array<f32, ${dlog.length}> = array<f32, ${dlog.length}>(${dlog.map(f32lit).join(', ')});`,
  ];
}

/**
 * Loop iterations of one step: ~7d + 2 (+ d² + d for the figure-code variant, d for the paper's, one per switch).
 * Software adapters stop an invocation silently after ~65 535 of them (seen on lavapipe: the moments then do not
 * add up); softwareStepCap keeps each dispatch well below that.
 */
function stepIterations(d: number, ex: ChainExtras | null): number {
  return 7 * d + 2 + (ex?.variant === 2 ? d * d + d : ex?.variant === 1 ? d : 0) + (ex?.switchSteps.length ?? 0);
}

/** Steps per dispatch that keep a software adapter's per-invocation loop count under ~48 000. */
export function chainSoftwareStepCap(d: number, ex: ChainExtras | null): number {
  return softwareStepCap(stepIterations(d, ex));
}

export function chainShaderSource(d: number, law: number, ex: ChainExtras | null = null): Promise<string> {
  const header = [
    ...extrasHeader(d, ex),
    ...wgslConstants({ D: d, NV: NV_FIXED + (d <= MAX_D_MEAN_P ? d : 0), NOISE_LAW: law, NBINS: H_BINS }, {
      H_LO, H_SCALE, ...Object.fromEntries(LOG_DELTAS.map((v, j) => [`LOG_D${j}`, v])),
    }),
  ];
  return kernelSource({ kernel: 'chain.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'noise.wgsl', 'categorical.wgsl', 'reduce.wgsl'] });
}

export class WebGpuEngine extends ensembleEngine(PARAMS, 6, 1) implements Engine {
  /** Returns null when no adapter is available. */
  static create(): Promise<WebGpuEngine | null> {
    return onNewDevice((gpu) => new WebGpuEngine(gpu));
  }

  private async pipeline(d: number, law: number, ex: ChainExtras | null): Promise<GPUComputePipeline> {
    const k = `${d}:${law}:${ex ? extrasHeader(d, ex).join('') : ''}`;
    return this.cachedPipeline(k, `chain d=${d} law=${law}${ex ? ' (extensions)' : ''}`, () => chainShaderSource(d, law, ex));
  }

  async run(s: ResolvedScenario, o: RunOptions = {}): Promise<EnsembleResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const d = s.d;
    const np = noiseParams(s);
    const nv = NV_FIXED + (d <= MAX_D_MEAN_P ? d : 0);
    const ncnt = d + 6;
    const slots = s.checkpoints.length;
    const ex = chainExtras(s);
    const pipeline = await this.pipeline(d, np.law, ex);
    // Batch size: bounded by the dispatch grid, the state buffer, and the size of the per-workgroup partials.
    const batchSize = this.batchSize({
      requested: o.batchSize, software: 1 << 14, hardware: 1 << 20, bytesPerThread: 4 * d, min: WG, max: maxBatchByPartials(slots, nv),
    });
    // Thread-steps per dispatch: small on software adapters (SwiftShader has crashed on large ones), so that no
    // dispatch runs long anywhere (no watchdog loss).
    const threadStepBudget = this.software ? 1 << 22 : 1 << 28;
    const acc = s.checkpoints.map((k) => emptyAccumulator(k, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][]) : undefined;
    const finalState = o.captureFinalState ? new Float32Array(d * (end - start)) : undefined;
    const keep = Math.max(0, s.keepPaths);

    // Read back the summaries of a batch (never the trajectories, unless asked for the final state).
    const collect = async (b: BatchContext) => {
      const { n, nWg } = b;
      const counts = new Uint32Array(await b.read('counts'));
      const hist = new Uint32Array(await b.read('hist'));
      const partials = new Float32Array(await b.read('partials'));
      for (let c = 0; c < slots; c++) {
        acc[c] = mergeBatch(acc[c]!, c, counts, hist, partials, d, nv, n, nWg);
        if (!Number.isFinite(acc[c]!.logGap.mean) && acc[c]!.n > 0) {
          throw new Error(`non-finite statistics at step ${acc[c]!.step} (device fault?)`);
        }
      }
      if (finalState) {
        const st = new Float32Array(await b.read('state'));
        const N = end - start;
        for (let i = 0; i < d; i++) finalState.set(st.subarray(i * n, (i + 1) * n), i * N + (b.b0 - start));
      }
    };
    const fixed = { alpha: s.alpha, i_star: s.iStar, ...noiseValues(np) };
    const run = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, total: (end - start) * s.steps, signal: o.signal, onProgress: o.onProgress, t0,
      shared: { x0: { bytes: 4 * d, data: new Float32Array(s.x0) }, paths: slots * keep * d * 4 },
      perBatch: ({ n, nWg }) => ({
        state: 4 * d * n, counts: slots * ncnt * 4, hist: slots * H_BINS * 4, partials: partialsBytes(slots, nWg, nv),
      }),
      bindings: ['x0', 'state', 'counts', 'hist', 'partials', 'paths'],
      phases: (b) => {
        const stepsPerDispatch = this.stepsPerDispatch(b.n, {
          requested: o.stepsPerDispatch, budget: threadStepBudget, iterationsPerStep: stepIterations(d, ex),
        });
        return [{
          dispatches: planDispatches(s.checkpoints, s.steps, stepsPerDispatch).map((disp, i) => ({
            steps: disp.nSteps, values: { ...chunkValues(s.seedKey, b, disp, i), ...fixed, keep_paths: keep },
          })),
          finish: () => collect(b),
        }];
      },
      // The kernel writes p of global trajectories < keepPaths in whichever device batch holds them, so a range that
      // starts past 0 (the run layer's later batches) keeps its own (before, only a range starting at 0 kept any).
      end: async (read) => {
        if (!paths) return;
        const pb = new Float32Array(await read('paths'));
        for (let m = 0; m < nPaths; m++) {
          for (let c = 0; c < slots; c++) {
            const off = (c * keep + start + m) * d;
            paths[m]!.push(Array.from(pb.subarray(off, off + d)));
          }
        }
      },
    });
    return { engine: this.runInfo({ batchSize, threadStepBudget }), checkpoints: acc, paths, finalState, timing: run };
  }
}

function mergeBatch(
  a: CheckpointAccumulator, c: number, counts: Uint32Array, hist: Uint32Array, partials: Float32Array,
  d: number, nv: number, n: number, nWg: number,
): CheckpointAccumulator {
  const ncnt = d + 6;
  const b = emptyAccumulator(a.step, d);
  const cb = c * ncnt;
  b.n = n;
  b.successCount = counts[cb]!;
  for (let i = 0; i < d; i++) b.vertexCounts[i] = counts[cb + 1 + i]!;
  for (let j = 0; j < 3; j++) b.belowDelta[j] = counts[cb + 1 + d + j]!;
  b.hist = histFromDense(hist, c * H_BINS, H_BINS);
  // The order-preserving f32 bits of −L (see NCNT in chain.wgsl).
  const [lo, hi] = decodeExtremes(counts, cb + d + 4);
  b.maxLogGap = -lo;
  b.minLogGap = -hi;
  const vertexTotal = b.vertexCounts.reduce((x, y) => x + y, 0);
  if (vertexTotal !== n) throw new Error(`device counts do not add up at step ${a.step}: ${vertexTotal} of ${n} trajectories`);
  const moments = (into: Moments, v: number) => mergeWorkgroupMoments(into, partials, c, nWg, nv, v);
  b.logGap = moments(b.logGap, 0);
  b.gap = moments(b.gap, 1);
  b.logGapSuccess = moments(b.logGapSuccess, 2);
  b.gapSuccess = moments(b.gapSuccess, 3);
  if (b.p) for (let i = 0; i < d; i++) b.p[i] = moments(b.p[i]!, NV_FIXED + i);
  if (b.logGap.n !== n || b.logGapSuccess.n !== b.successCount) {
    throw new Error(`device moments do not add up at step ${a.step}: ${b.logGap.n} of ${n} trajectories`);
  }
  return mergeAccumulators(a, b);
}
