/**
 * The WebGPU engine for several output neurons (shaders/multi.wgsl): constants spliced into the shader, and on the
 * ensemble host (src/engines/webgpu/ensemble-host.ts) buffers per batch of trajectories, chunked dispatches from
 * plan.ts, and the read-back of per-checkpoint statistics only (the same MultiCheckpointAccumulator form as the CPU
 * engine). Same Philox stream as src/models/multi/cpu-engine.ts.
 */
import { MULTI_MAX_D, type ResolvedMultiScenario } from './scenario.ts';
import {
  E_BINS, E_LN_LO, E_LO, E_SCALE, emptyMultiAccumulator, mergeMultiAccumulators, type MultiCheckpointAccumulator,
} from './stats.ts';
import { initialWeights, multiParams, type MultiEnsembleResult, type MultiParams, type MultiRunOptions } from './cpu-engine.ts';
import { planDispatches, type Dispatch } from '../../engines/plan.ts';
import {
  CHUNK_FIELDS, NOISE_FIELDS, WG, chunkValues, decodeExtremes, ensembleEngine, kernelSource, maxBatchByPartials,
  mergeWorkgroupMoments, noiseValues, onNewDevice, partialsBytes, uniformLayout, wgslConstants, type BatchContext,
} from '../../engines/webgpu/index.ts';

/** f32 Gram–Schmidt: ‖residual‖²/‖w_l‖² at or below this counts as dependent (CPU: GS_EPS_F64 = 1e-12). */
export const GS_EPS_F32 = 1e-8;

/** Per-output and per-input values, up to MULTI_MAX_D = 8 each (4 per vec4). */
const PARAMS = uniformLayout({
  ...CHUNK_FIELDS,
  ...NOISE_FIELDS,
  keep_paths: 'u32 // keep P of global trajectories < keep_paths',
  draw_steps: 'u32 // test hook: record zeta for steps < draw_steps',
  draw_base: "u32  // index of this batch's first trajectory in the draws buffer",
  alpha: 'array<vec4<f32>, 2>',
  rates: 'array<vec4<f32>, 2>',
  targets: 'array<vec4<u32>, 2>',
  period_end: 'array<vec4<u32>, 2>',
});

export function multiShaderSource(mp: Pick<MultiParams, 'd' | 'm' | 'algorithm' | 'projection' | 'np'>): Promise<string> {
  const md = mp.m * mp.d;
  const header = wgslConstants(
    { D: mp.d, M: mp.m, MD: md, NV: 1 + md, NOISE_LAW: mp.np.law, ALGO: mp.algorithm, PROJ: mp.projection, NBINS: E_BINS },
    { GS_EPS: GS_EPS_F32, E_LO, E_LN_LO, E_SCALE },
  );
  return kernelSource({ kernel: 'multi.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'noise.wgsl', 'categorical.wgsl', 'reduce.wgsl'] });
}

export class MultiWebGpuEngine extends ensembleEngine(PARAMS, 7, 1) {
  /** Returns null when no adapter is available. */
  static create(): Promise<MultiWebGpuEngine | null> {
    return onNewDevice((gpu) => new MultiWebGpuEngine(gpu));
  }

  private async pipeline(mp: MultiParams): Promise<GPUComputePipeline> {
    const key = `${mp.d}:${mp.m}:${mp.np.law}:${mp.algorithm}:${mp.projection}`;
    return this.cachedPipeline(key, `multi ${key}`, () => multiShaderSource(mp));
  }

  async run(s: ResolvedMultiScenario, o: MultiRunOptions = {}): Promise<MultiEnsembleResult> {
    const t0 = performance.now();
    if (s.d > MULTI_MAX_D || s.m > MULTI_MAX_D) throw new Error(`the WebGPU multi engine handles d, m ≤ ${MULTI_MAX_D}`);
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const mp = multiParams(s);
    const { d, m } = mp;
    const md = m * d;
    const nv = 1 + md;
    const ncnt = m + 1 + md + 2;
    const slots = s.checkpoints.length;
    const pipeline = await this.pipeline(mp);
    const batchSize = this.batchSize({
      requested: o.batchSize, software: 1 << 14, hardware: 1 << 20, bytesPerThread: 4 * md, min: WG, max: maxBatchByPartials(slots, nv),
    });
    // Output-steps per dispatch bounded, so that no dispatch runs long (software adapters: small).
    const threadStepBudget = Math.floor((this.software ? 1 << 22 : 1 << 28) / m);
    const acc = s.checkpoints.map((k) => emptyMultiAccumulator(k, m, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][][]) : undefined;
    const finalWeights = o.captureFinalState ? new Float32Array(md * (end - start)) : undefined;
    const nd = o.captureDraws ?? 0;
    const draws = nd > 0 ? new Int32Array((end - start) * nd * m) : undefined;
    const keep = Math.max(0, s.keepPaths);

    const collect = async (b: BatchContext) => {
      const counts = new Uint32Array(await b.read('counts'));
      const hist = new Uint32Array(await b.read('hist'));
      const partials = new Float32Array(await b.read('partials'));
      for (let c = 0; c < slots; c++) {
        acc[c] = mergeBatch(acc[c]!, c, counts, hist, partials, m, d, b.n, b.nWg);
        if (!Number.isFinite(acc[c]!.error.mean) && acc[c]!.n > 0) {
          throw new Error(`non-finite statistics at step ${acc[c]!.step} (device fault?)`);
        }
      }
      if (finalWeights) {
        const st = new Float32Array(await b.read('state'));
        for (let t = 0; t < b.n; t++) {
          for (let q = 0; q < md; q++) finalWeights[(b.rel0 + t) * md + q] = st[q * b.n + t]!;
        }
      }
    };
    const fixed = {
      ...noiseValues(mp.np), keep_paths: keep, draw_steps: nd,
      alpha: mp.alphas, rates: mp.rates, targets: mp.target, period_end: mp.periodEnds ?? [],
    };
    const run = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, total: (end - start) * s.steps, signal: o.signal, onProgress: o.onProgress, t0,
      // 0xffffffff in draws marks "did not learn at this step" (algorithm 2); read back as −1.
      shared: {
        w0: { bytes: 4 * md, data: new Float32Array(initialWeights(s)) }, paths: slots * keep * md * 4,
        draws: { bytes: (draws?.length ?? 0) * 4, fill: 0xffffffff },
      },
      perBatch: ({ n, nWg }) => ({
        state: 4 * md * n, counts: slots * ncnt * 4, hist: slots * E_BINS * 4, partials: partialsBytes(slots, nWg, nv),
      }),
      bindings: ['w0', 'state', 'counts', 'hist', 'partials', 'paths', 'draws'],
      phases: (b) => {
        // llvmpipe (lavapipe) ends a shader's loops after 65535 counted loop iterations (nested ones included): the
        // kernel then silently stops stepping (measured: after 2621 steps at m = d = 3, 545 at m = d = 8, i.e.
        // ≈ 1.75·m·d + 10 iterations per step). On software adapters a dispatch keeps half of that budget.
        const stepsPerDispatch = this.stepsPerDispatch(b.n, {
          requested: o.stepsPerDispatch, budget: threadStepBudget, iterationsPerStep: 2 * md + 12, loopBudget: 65535 / 2,
        });
        // Statistics are reduced in a zero-step dispatch of their own: on lavapipe, the workgroup reductions after a
        // long stepping loop in the same invocation came back incomplete (moments of 1–2 lanes per workgroup).
        const plan = planDispatches(s.checkpoints, s.steps, stepsPerDispatch).flatMap((disp): Dispatch[] =>
          disp.statsSlot >= 0 && disp.nSteps > 0
            ? [{ k0: disp.k0, nSteps: disp.nSteps, statsSlot: -1 }, { k0: disp.k0 + disp.nSteps, nSteps: 0, statsSlot: disp.statsSlot }]
            : [disp]);
        return [{
          dispatches: plan.map((disp, i) => ({
            steps: disp.nSteps, values: { ...chunkValues(s.seedKey, b, disp, i), ...fixed, draw_base: b.rel0 },
          })),
          finish: collect,
        }];
      },
      // The kernel writes P of global trajectories < keepPaths, in whichever device batch holds them (a range that
      // starts past 0, as the run layer's later batches do, included).
      end: async (read) => {
        if (paths) {
          const pb = new Float32Array(await read('paths'));
          for (let r = 0; r < nPaths; r++) {
            for (let c = 0; c < slots; c++) {
              const off = (c * keep + start + r) * md;
              paths[r]!.push(Array.from({ length: m }, (_, j) => Array.from(pb.subarray(off + j * d, off + (j + 1) * d))));
            }
          }
        }
        if (draws) {
          const raw = new Uint32Array(await read('draws'));
          for (let i = 0; i < draws.length; i++) draws[i] = raw[i] === 0xffffffff ? -1 : raw[i]!;
        }
      },
    });
    return { engine: this.runInfo({ batchSize, threadStepBudget }), checkpoints: acc, paths, finalWeights, draws, timing: run };
  }
}

function mergeBatch(
  a: MultiCheckpointAccumulator, c: number, counts: Uint32Array, hist: Uint32Array, partials: Float32Array,
  m: number, d: number, n: number, nWg: number,
): MultiCheckpointAccumulator {
  const md = m * d, nv = 1 + md, ncnt = m + 1 + md + 2;
  const b = emptyMultiAccumulator(a.step, m, d);
  const cb = c * ncnt;
  b.n = n;
  for (let q = 0; q <= m; q++) b.plateauCounts[q] = counts[cb + q]!;
  for (let q = 0; q < md; q++) b.argmaxCounts[q] = counts[cb + m + 1 + q]!;
  b.hist = hist.slice(c * E_BINS, (c + 1) * E_BINS);
  [b.minError, b.maxError] = decodeExtremes(counts, cb + m + 1 + md);
  const total = b.plateauCounts.reduce((x, y) => x + y, 0);
  if (total !== n) throw new Error(`device counts do not add up at step ${a.step}: ${total} of ${n} trajectories`);
  b.error = mergeWorkgroupMoments(b.error, partials, c, nWg, nv, 0);
  for (let q = 0; q < md; q++) b.p[q] = mergeWorkgroupMoments(b.p[q]!, partials, c, nWg, nv, 1 + q);
  if (b.error.n !== n) throw new Error(`device moments do not add up at step ${a.step}: ${b.error.n} of ${n} trajectories`);
  return mergeMultiAccumulators(a, b);
}
