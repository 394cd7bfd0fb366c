/**
 * The WebGPU engine for Model B (Song, Miller & Abbott 2000), shaders/song.wgsl: one thread per copy, the copy's
 * weights, presynaptic traces and last-spike steps in storage buffers, the same Philox stream as
 * src/models/song/cpu-engine.ts. Per batch of copies (src/engines/webgpu/ensemble-host.ts): an initialising dispatch,
 * then stepping dispatches of at most `stepsPerDispatch` steps, and at every checkpoint a dispatch that writes each
 * copy's weight histogram and mean weight; the per-copy window counts, histograms and flags (small) are read back
 * once per batch.
 *
 * Layout of the per-input arrays: "copy-major" (w[t·NP + i], each copy's weights contiguous; default: an output
 * spike sweeps one copy's N_in weights, and input spikes hit random inputs, so neighbouring threads rarely touch
 * neighbouring inputs) or "input-major" (w[i·n + t]). See test/engines/song.test.ts for the measurement.
 */
import type { ResolvedSongScenario } from './scenario.ts';
import { SONG_BINS, SONG_FLAG, accumulateSong } from './stats.ts';
import {
  emptyCopyData, songAccumulatorFor, songParams, type SongParams, type SongResult, type SongRunOptions,
} from './cpu-engine.ts';
import {
  STEP_FIELDS, ensembleEngine, kernelSource, onNewDevice, softwareStepCap, stepPlan, stepValues, uniformLayout,
  wgslConstants, type BatchContext,
} from '../../engines/webgpu/index.ts';

const PARAMS = uniformLayout({
  ...STEP_FIELDS,
  windows: 'u32', steps_per_window: 'u32',
  cap_in: 'u32  // test hook: record the first cap_in input spikes (step, input) per copy',
  cap_out: 'u32 // test hook: record the first cap_out output spike steps per copy',
  a: 'f32 // dt / tau_m',
  ge_decay: 'f32', post_decay: 'f32',
  pre_rate: 'f32 // dt / tau_pre',
  El: 'f32', Ee: 'f32', Vt: 'f32', Vr: 'f32', v0: 'f32', gmax: 'f32', dApre: 'f32', dApost: 'f32',
  cdf: 'array<vec4<f32>, 16> // Binomial(N, r dt) CDF: KMAX entries, then 2',
});

/** Inputs per iteration of the unrolled potentiation loop (song.wgsl). */
const UNROLL = 8;

export type SongLayout = 'copy-major' | 'input-major';

/**
 * Loop iterations of one step: at most 2 + 2·KMAX (count, index draws with repeats) plus NP/UNROLL for an output
 * spike; the software cap assumes an output spike every step.
 */
const stepIterations = (inputs: number, kMax: number) => 4 + 2 * kMax + Math.ceil(inputs / UNROLL);

/** Steps per dispatch on a software adapter (softwareStepCap). */
export function songSoftwareStepCap(inputs: number, kMax: number): number {
  return softwareStepCap(stepIterations(inputs, kMax));
}

export function songShaderSource(sp: SongParams, layout: SongLayout): Promise<string> {
  const header = wgslConstants({
    N: sp.N, NP: Math.ceil(sp.N / UNROLL) * UNROLL, UNROLL, LAYOUT: layout === 'copy-major' ? 0 : 1, KMAX: sp.kMax,
    METHOD: sp.method, BINS: SONG_BINS, F_NONFINITE: SONG_FLAG.nonFinite, F_NEG_GE: SONG_FLAG.negativeConductance,
    F_NEG_APRE: SONG_FLAG.negativePreTrace, F_POS_APOST: SONG_FLAG.positivePostTrace,
    F_W_BOUNDS: SONG_FLAG.weightOutOfBounds, F_INTERVAL: SONG_FLAG.nonPositiveInterval,
  });
  return kernelSource({ kernel: 'song.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'common.wgsl'] });
}

export class SongWebGpuEngine extends ensembleEngine(PARAMS, 8) {
  /** Returns null when no adapter is available. */
  static create(): Promise<SongWebGpuEngine | null> {
    return onNewDevice((gpu) => new SongWebGpuEngine(gpu));
  }

  private async pipeline(sp: SongParams, layout: SongLayout): Promise<GPUComputePipeline> {
    const key = `${sp.N}:${sp.kMax}:${sp.method}:${layout}`;
    return this.cachedPipeline(key, `song ${key}`, () => songShaderSource(sp, layout));
  }

  async run(s: ResolvedSongScenario, o: SongRunOptions = {}): Promise<SongResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const nAll = end - start;
    const sp = songParams(s);
    const layout = o.layout ?? 'copy-major';
    const pipeline = await this.pipeline(sp, layout);
    const np = Math.ceil(sp.N / UNROLL) * UNROLL;
    const C = s.checkpoints.length, Wn = s.windows, B1 = SONG_BINS + 1;
    const mi = o.captureInputs ?? 0, mo = o.captureOutputs ?? 0;
    const batchSize = this.batchSize({ requested: o.batchSize, software: 1024, hardware: 1 << 15, bytesPerThread: 4 * np });
    const data = emptyCopyData(nAll, Wn, C);
    const inputs = mi > 0 ? new Int32Array(nAll * mi * 2) : undefined;
    const outputs = mo > 0 ? new Int32Array(nAll * mo) : undefined;
    const finalWeights = o.captureFinalWeights ? new Float32Array(nAll * sp.N) : undefined;
    const fixed = {
      windows: s.windows, steps_per_window: s.stepsPerWindow, cap_in: mi, cap_out: mo, a: sp.a, ge_decay: sp.geDecay,
      post_decay: sp.postDecay, pre_rate: sp.preRate, El: sp.El, Ee: sp.Ee, Vt: sp.Vt, Vr: sp.Vr, v0: sp.v0,
      gmax: sp.gMax, dApre: sp.dApre, dApost: sp.dApost,
      cdf: Array.from({ length: 64 }, (_, k) => (k < sp.kMax ? sp.cdf[k]! : 2)),
    };
    // Per-copy results of a batch into the run's tables.
    const collect = async (b: BatchContext) => {
      const { n, rel0 } = b;
      data.windowCounts.set(new Uint32Array(await b.read('counts')), rel0 * Wn);
      const outs = new Uint32Array(await b.read('outs'));
      const outsF = new Float32Array(outs.buffer);
      for (let t = 0; t < n; t++) {
        for (let c = 0; c < C; c++) {
          const src = (t * C + c) * B1, dst = ((rel0 + t) * C + c) * SONG_BINS;
          for (let k = 0; k < SONG_BINS; k++) data.hists[dst + k] = outs[src + k]!;
          data.meanW[(rel0 + t) * C + c] = outsF[src + SONG_BINS]!;
        }
      }
      const meta = new Uint32Array(await b.read('meta'));
      for (let t = 0; t < n; t++) data.flags[rel0 + t] = meta[t * 4]!;
      if (mi + mo > 0) {
        const cap = new Int32Array(await b.read('cap'));
        inputs?.set(cap.subarray(0, 2 * mi * n), rel0 * 2 * mi);
        outputs?.set(cap.subarray(2 * mi * n, 2 * mi * n + mo * n), rel0 * mo);
      }
      if (finalWeights) {
        const w = new Float32Array(await b.read('w'));
        for (let t = 0; t < n; t++) {
          for (let i = 0; i < sp.N; i++) finalWeights[(rel0 + t) * sp.N + i] = w[layout === 'copy-major' ? t * np + i : i * n + t]!;
        }
      }
    };
    let stepsPerDispatch = 0;
    const run = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, total: nAll * s.steps, signal: o.signal, onProgress: o.onProgress, t0,
      perBatch: ({ n }) => ({
        scal: 16 * n, meta: 16 * n, w: 4 * np * n, apre: 4 * np * n, last: 4 * np * n, counts: 4 * Wn * n,
        outs: 4 * C * B1 * n, cap: { bytes: 4 * n * (2 * mi + mo), fill: -1 },
      }),
      bindings: ['scal', 'meta', 'w', 'apre', 'last', 'counts', 'outs', 'cap'],
      phases: (b) => {
        // Hardware: ~2^24 copy-steps per dispatch; software: under the loop-iteration limit.
        stepsPerDispatch = this.stepsPerDispatch(b.n, {
          requested: o.stepsPerDispatch, budget: 1 << 24, iterationsPerStep: stepIterations(sp.N, sp.kMax),
        });
        const plan = stepPlan(s.checkpoints, stepsPerDispatch);
        return [{
          dispatches: plan.map((d) => ({ steps: d.n1 - d.n0, values: { ...stepValues(s.seedKey, b, d, C), ...fixed } })),
          finish: collect,
        }];
      },
    });
    const acc = songAccumulatorFor(s);
    accumulateSong(acc, data);
    return {
      engine: this.runInfo({ batchSize, stepsPerDispatch, layout }),
      accumulator: acc,
      copies: data,
      inputs,
      outputs,
      finalWeights,
      timing: { ...run, copySeconds: nAll > 0 ? run.seconds / nAll : 0 },
    };
  }
}
