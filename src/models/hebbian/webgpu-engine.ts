/**
 * The WebGPU engine of the Hebbian-alignment model (arXiv 2505.18069), shaders/hebbian.wgsl: one thread per (grid
 * point, copy), the copy's weights v and its scratch (noisy weights, signal S, Hebbian direction H, random direction R)
 * in storage buffers, the same Philox stream as src/models/hebbian/cpu-engine.ts. Per batch of threads
 * (src/engines/webgpu/ensemble-host.ts): an initialising dispatch, then stepping dispatches of at most
 * `stepsPerDispatch` steps; the measured steps of a checkpoint add their inner products, cosines and loss into the
 * copy's record on the GPU, and a finishing dispatch divides them by the window and adds ‖v‖². The per-copy records
 * (REC floats per checkpoint) are read back once per batch of threads and folded into the accumulator in thread order
 * (grid point by grid point, copies in order), so host memory does not grow with the number of copies (the whole
 * table is kept only for the `captureCopies` test hook).
 */
import type { ResolvedHebbianScenario } from './scenario.ts';
import { HEBBIAN_FLAG, REC, accumulateCopy } from './stats.ts';
import {
  emptyHebbianCopyData, hebbianAccumulatorFor, hebbianParams, type HebbianParams, type HebbianResult, type HebbianRunOptions,
} from './cpu-engine.ts';
import {
  MODE, STEP_FIELDS, ensembleEngine, kernelSource, onNewDevice, softwareStepCap, stepPlan, stepValues, uniformLayout,
  wgslConstants, type BatchContext,
} from '../../engines/webgpu/index.ts';

const PARAMS = uniformLayout({
  ...STEP_FIELDS,
  n_copies: 'u32     // copies per grid point in the run',
  copy_start: 'u32   // index of the run\'s first copy (addresses the random stream)',
  measure_from: 'u32 // steps n >= measure_from are measured',
  sum_from: 'u32     // steps n >= sum_from add S and H to the window sums',
  eta: 'f32', label_noise: 'f32', init_scale: 'f32', random_scale: 'f32', inv_window: 'f32', kappa: 'f32',
});

/** Loop iterations of one step (an over-estimate: every loop iteration of step_copy, per sample and per weight). */
export function hebbianStepIterations(hp: HebbianParams): number {
  const teacher = hp.teacher === 0 ? hp.O * hp.D : hp.Ht * hp.D + hp.O * hp.Ht;
  const hid = hp.student === 1 ? hp.H : 0;
  return 10 * hp.P + hp.B * (hp.D + teacher + 4 * hp.P + 3 * hp.O + 3 * hid + hp.O * hid) + 32;
}

/** Steps per dispatch on a software adapter (softwareStepCap). */
export function hebbianSoftwareStepCap(hp: HebbianParams): number {
  return softwareStepCap(hebbianStepIterations(hp));
}

export function hebbianShaderSource(hp: HebbianParams): Promise<string> {
  const HS = hp.student === 1 ? hp.H : 1, HT = hp.teacher === 1 ? hp.Ht : 1;
  const header = wgslConstants({
    D: hp.D, O: hp.O, HS, HT, STUDENT: hp.student, TEACHER: hp.teacher, RULE: hp.rule, B: hp.B, P: hp.P, P1: hp.P1,
    NB_IN: hp.nbIn, NB_OUT: hp.nbOut, NOISE_B0: hp.noiseBlock0, NB_P1: hp.nbP1, THEORY: hp.theory, NOISE: hp.noise, EXTRA_B0: hp.extraBlock0, WS: workStride(hp), SUMB: (hp.rule === 1 ? 4 : 3) * hp.P,
    REC, NX: hp.nbIn * 4, NO: hp.O, NH: HS, NT: HT, F_NONFINITE: HEBBIAN_FLAG.nonFinite,
  });
  return kernelSource({ kernel: 'hebbian.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'common.wgsl'] });
}

/** Work floats per thread: noisy weights, S, H, R (rule random), then the window sums of S and H. */
function workStride(hp: HebbianParams): number {
  return (hp.rule === 1 ? 4 : 3) * hp.P + 2 * hp.P;
}

export class HebbianWebGpuEngine extends ensembleEngine(PARAMS, 6, 2) {
  /** Returns null when no adapter is available. */
  static create(): Promise<HebbianWebGpuEngine | null> {
    return onNewDevice((gpu) => new HebbianWebGpuEngine(gpu));
  }

  private async pipeline(hp: HebbianParams): Promise<GPUComputePipeline> {
    const code = await hebbianShaderSource(hp);
    return this.cachedPipeline(code, `hebbian D=${hp.D} O=${hp.O} P=${hp.P}`, () => Promise.resolve(code));
  }

  async run(s: ResolvedHebbianScenario, o: HebbianRunOptions = {}): Promise<HebbianResult> {
    const t0 = performance.now();
    const hp = hebbianParams(s);
    const pipeline = await this.pipeline(hp);
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const points = o.gridPoints ?? s.grid.map((_, g) => g);
    const nCopies = end - start, C = s.checkpoints.length;
    const nThreads = points.length * nCopies;
    const WS = workStride(hp);
    const batchSize = this.batchSize({ requested: o.batchSize, software: 2048, hardware: 1 << 16, bytesPerThread: 4 * WS });
    const data = o.captureCopies ? emptyHebbianCopyData(points, nCopies, C) : undefined;
    const acc = hebbianAccumulatorFor(s);
    const finalWeights = o.captureFinalWeights ? new Float32Array(nThreads * hp.P) : undefined;
    const total = nThreads * s.steps;
    const teacher = new Float32Array(hp.A1.length + hp.A2.length);
    teacher.set(hp.A1);
    teacher.set(hp.A2, hp.A1.length);
    const gridv = new Float32Array(points.flatMap((g) => [s.grid[g]!.sigma, s.grid[g]!.gamma]));
    const fixed = {
      n_copies: nCopies, copy_start: start, eta: hp.eta, label_noise: hp.labelNoise, init_scale: hp.initScale,
      random_scale: hp.randomScale, inv_window: 1 / hp.window, kappa: hp.kappa,
    };
    const collect = async (b: BatchContext) => {
      const rec = new Float32Array(await b.read('rec'));
      const flags = new Uint32Array(await b.read('flags'));
      // thread b0 + j is copy (b0 + j) mod nCopies of grid point points[⌊(b0 + j)/nCopies⌋]
      for (let j = 0; j < b.n; j++) accumulateCopy(acc.points[points[Math.floor((b.b0 + j) / nCopies)]!]!, rec, j * C * REC, C, flags[j]!);
      data?.rec.set(rec, b.b0 * C * REC);
      data?.flags.set(flags, b.b0);
      if (finalWeights) finalWeights.set(new Float32Array(await b.read('v')), b.b0 * hp.P);
    };
    let stepsPerDispatch = 0;
    const run = await this.runEnsemble({
      pipeline, range: [0, nThreads], batchSize, total, signal: o.signal, onProgress: o.onProgress, t0,
      shared: { teacher: { bytes: 4 * teacher.length, data: teacher }, grid: { bytes: 4 * gridv.length, data: gridv } },
      perBatch: ({ n }) => ({ v: 4 * hp.P * n, work: 4 * WS * n, rec: 4 * C * REC * n, flags: 4 * n }),
      bindings: ['teacher', 'grid', 'v', 'work', 'rec', 'flags'],
      phases: (b) => {
        // Hardware: ~2^22 thread-steps per dispatch; software: under the loop-iteration limit.
        stepsPerDispatch = this.stepsPerDispatch(b.n, { requested: o.stepsPerDispatch, budget: 1 << 22, iterationsPerStep: hebbianStepIterations(hp) });
        // Initialise; step to each checkpoint (its last `window` steps measured into its slot); finish it.
        const plan = stepPlan(s.checkpoints, stepsPerDispatch);
        return [{
          dispatches: plan.map((d) => ({
            steps: d.n1 - d.n0,
            values: {
              ...stepValues(s.seedKey, b, d, C), ...fixed,
              measure_from: d.mode === MODE.step ? Math.max(0, d.target - s.window) : 0,
              sum_from: d.mode === MODE.step ? Math.max(0, d.target - s.sumWindow) : 0,
            },
          })),
          finish: collect,
        }];
      },
    });
    return {
      engine: this.runInfo({ batchSize, stepsPerDispatch }),
      accumulator: acc,
      copies: data,
      finalWeights,
      timing: { ...run, copySteps: total, copyStepsPerSecond: run.seconds > 0 ? total / run.seconds : 0 },
    };
  }
}
