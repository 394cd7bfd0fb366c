/**
 * The WebGPU engine of the natural-gradient learner ensembles, shaders/natgrad.wgsl: one thread per learner, its
 * dendritic and target weights and its two PSP traces per input in one storage buffer (input-major), the same Philox
 * stream as src/models/natgrad/cpu-engine.ts. Per batch of learners (src/engines/webgpu/ensemble-host.ts) and per
 * (rule, η) ensemble: an initialising dispatch, stepping dispatches of at most `stepsPerDispatch` steps, and at every
 * checkpoint a dispatch that writes each learner's summary (KL over the test patterns, rate error, ‖w − w*‖, mean
 * weights, spike rates: NATGRAD_NF floats). Those per-learner summaries are read back once per batch and ensemble
 * (NF floats × checkpoints per learner) and folded into the ensemble statistics in learner order (foldLearner of
 * src/models/natgrad/stats.ts), so host memory is bounded by the device batch and the kept learners. The γ table (and,
 * when an ensemble asks for `coefficients: "authors-table"`, the authors' table of authors-table.ts after it) and the
 * test patterns are computed on the host in float64 and uploaded in f32; the kernel reads whichever the ensemble's
 * `coeffs` parameter names.
 */
import type { ResolvedNatgradScenario } from './scenario.ts';
import { NATGRAD_FLAG, NATGRAD_NF, emptyEnsembleData, foldLearner, keptIn, type NatgradEnsembleData } from './stats.ts';
import { AUTHORS_TABLE, authorsTable } from './authors-table.ts';
import {
  NATGRAD_RULE_CODE, cachedTestPatterns, natgradParams, type NatgradParams, type NatgradResult, type NatgradRunOptions,
} from './cpu-engine.ts';
import {
  MODE, STEP_FIELDS, ensembleEngine, kernelSource, onNewDevice, softwareStepCap, stepPlan, stepValues, uniformLayout,
  wgslConstants, type BatchContext, type Phase, type ValuesOf,
} from '../../engines/webgpu/index.ts';

const PARAMS = uniformLayout({
  ...STEP_FIELDS,
  rule: 'u32    // 0 euclidean, 1 natural, 2 approximate',
  coeffs: 'u32  // 0: the bilinear table at OFF_TABLE, 1: the authors\' table at OFF_AUTH (nearest lower node)',
  cap_in: 'u32  // test hooks: first cap_in input spikes, first cap_sp teacher and student spikes per learner',
  cap_sp: 'u32', eta: 'f32', decay_s: 'f32', decay_m: 'f32',
  kscale: 'f32  // 1 / (tau_m - tau_s) in 1/s',
  phi_dt: 'f32  // phi_max * dt',
  phi_max: 'f32', beta: 'f32', theta: 'f32',
  teacher_p: 'f32 // Poisson teacher: rate * dt',
  c_eps: 'f32   // 1 / int eps^2',
  int_eps_sq: 'f32',
  span: 'f32    // mode 1: seconds since the previous checkpoint',
  w0_min: 'f32', w0_max: 'f32', ws_min: 'f32', ws_max: 'f32',
  v_min: 'f32', v_step: 'f32', sd_min: 'f32', sd_step: 'f32', // the γ table's grid
});

/**
 * Steps per dispatch on a software adapter (softwareStepCap): a step costs 2N loop iterations over the inputs plus
 * 10 Philox rounds per 4 inputs (and 10 for the output block).
 */
export function natgradSoftwareStepCap(N: number): number {
  return softwareStepCap(natgradStepIterations(N));
}

const natgradStepIterations = (N: number) => 2 * N + 10 * (Math.ceil(N / 4) + 1) + 8;

/** Does an ensemble of the scenario read the authors' table? */
const usesAuthors = (s: ResolvedNatgradScenario) => s.ensembles.some((e) => e.coefficients === 'authors-table' && e.rule !== 'euclidean');
const AUTHORS_FLOATS = AUTHORS_TABLE.nMean * AUTHORS_TABLE.nVar * 5;

export function natgradShaderSource(s: ResolvedNatgradScenario): Promise<string> {
  const N = s.N, offPat = 4 * N + 5 * s.table.nv * s.table.ns;
  const header = wgslConstants({
    N, NB: Math.ceil(N / 4), NP: s.testPatterns, NV: s.table.nv, NS: s.table.ns, NF: NATGRAD_NF,
    OFF_TABLE: 4 * N, OFF_PAT: offPat, OFF_AUTH: offPat + s.testPatterns * N, NVA: AUTHORS_TABLE.nVar, NVA_FILLED: AUTHORS_TABLE.filledVar,
    TEACHER_NEURON: s.teacher.kind === 'neuron',
    F_NONFINITE: NATGRAD_FLAG.nonFinite, F_CLAMPED: NATGRAD_FLAG.tableClamped,
  });
  return kernelSource({ kernel: 'natgrad.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'common.wgsl'] });
}

export class NatgradWebGpuEngine extends ensembleEngine(PARAMS, 6, 1) {
  /** Returns null when no adapter is available. */
  static create(): Promise<NatgradWebGpuEngine | null> {
    return onNewDevice((gpu) => new NatgradWebGpuEngine(gpu));
  }

  private async pipeline(s: ResolvedNatgradScenario): Promise<GPUComputePipeline> {
    const key = [s.N, s.testPatterns, s.table.nv, s.table.ns, s.teacher.kind].join(':'); // OFF_AUTH follows from these
    return this.cachedPipeline(key, `natgrad ${key}`, () => natgradShaderSource(s));
  }

  async run(s: ResolvedNatgradScenario, o: NatgradRunOptions = {}): Promise<NatgradResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const nAll = end - start, N = s.N, C = s.checkpoints.length;
    const sp = natgradParams(s);
    const pipeline = await this.pipeline(s);
    const which = o.ensembles ?? s.ensembles.map((_, e) => e);
    const mi = o.captureInputs ?? 0, ms = o.captureSpikes ?? 0;
    const batchSize = this.batchSize({ requested: o.batchSize, software: 256, hardware: 1 << 14, bytesPerThread: 16 * N });
    // Constants: per input {p_in, α, 1/(r ∫ε²), r}, the γ table, the test patterns.
    const patterns = cachedTestPatterns(s, sp); // computed once per scenario, not per batch
    const authors = usesAuthors(s) ? authorsTable(s.q, { phiMax: s.phiMax, beta: s.beta, theta: s.theta }).full() : null;
    const consts = new Float32Array(4 * N + sp.table.length + patterns.length + (authors ? AUTHORS_FLOATS : 0));
    for (let i = 0; i < N; i++) consts.set([sp.pIn[i]!, sp.att[i]!, sp.invRC[i]!, sp.rates[i]!], 4 * i);
    consts.set(sp.table, 4 * N);
    consts.set(patterns, 4 * N + sp.table.length);
    if (authors) consts.set(authors, 4 * N + sp.table.length + patterns.length);
    const kept = keptIn([start, end], s.exactLearners);
    const ensembles: NatgradEnsembleData[] = which.map((e) => emptyEnsembleData(s.ensembles[e]!, C, kept, true));
    const rec = new Float32Array(C * NATGRAD_NF);
    const inputs = mi > 0 ? new Int32Array(nAll * mi * 2) : undefined;
    const teacher = ms > 0 ? new Int32Array(nAll * ms) : undefined;
    const student = ms > 0 ? new Int32Array(nAll * ms) : undefined;
    const finalWeights = o.captureFinalWeights ? which.map(() => new Float32Array(nAll * N)) : undefined;
    const total = nAll * s.steps * which.length;

    // Per-learner summaries, flags and captures of ensemble ei in batch b.
    const collect = async (b: BatchContext, ei: number) => {
      const { n, rel0 } = b;
      const outs = new Float32Array(await b.read('outs'));
      const data = ensembles[ei]!;
      const meta = new Uint32Array(await b.read('meta'));
      // learner by learner in index order (the CPU engine's order): the same sums whatever the device batch
      for (let t = 0; t < n; t++) {
        for (let c = 0; c < C; c++) {
          const src = (t * C + c) * NATGRAD_NF, dst = c * NATGRAD_NF;
          for (let f = 0; f < NATGRAD_NF; f++) rec[dst + f] = outs[src + f]!;
          if (s.teacher.kind !== 'neuron') rec[dst + 2] = NaN;
          if (!s.rates.some((r) => r > 0)) rec[dst + 3] = NaN;
          if (!s.rates.some((r) => r === 0)) rec[dst + 4] = NaN;
          if (c === 0 || s.checkpoints[c] === s.checkpoints[c - 1]) { rec[dst + 5] = NaN; rec[dst + 6] = NaN; }
        }
        const flags = meta[t * 4]! & (NATGRAD_FLAG.nonFinite | NATGRAD_FLAG.tableClamped);
        foldLearner(data, rec, 0, C, flags, rel0 + t < kept, s.klThreshold);
      }
      if (ei === 0 && mi + ms > 0) {
        const cap = new Int32Array(await b.read('cap'));
        inputs?.set(cap.subarray(0, 2 * mi * n), rel0 * 2 * mi);
        teacher?.set(cap.subarray(2 * mi * n, (2 * mi + ms) * n), rel0 * ms);
        student?.set(cap.subarray((2 * mi + ms) * n, (2 * mi + 2 * ms) * n), rel0 * ms);
      }
      if (finalWeights) {
        const w = new Float32Array(await b.read('st', 4 * N * n));
        for (let t = 0; t < n; t++) for (let i = 0; i < N; i++) finalWeights[ei]![(rel0 + t) * N + i] = sp.att[i]! * w[i * n + t]!;
      }
    };
    const fixed = fixedValues(s, sp);
    let stepsPerDispatch = 0;
    const run = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, total, signal: o.signal, onProgress: o.onProgress, t0,
      shared: { consts: { bytes: consts.byteLength, data: consts } },
      // The capture slots start at −1 (ensemble 0, the first one run on the batch, writes them).
      perBatch: ({ n }) => ({ st: 16 * N * n, scal: 16 * n, meta: 16 * n, outs: 4 * C * NATGRAD_NF * n, cap: { bytes: 4 * n * (2 * mi + 2 * ms), fill: -1 } }),
      bindings: ['consts', 'st', 'scal', 'meta', 'outs', 'cap'],
      phases: (b) => {
        // Hardware: ~2^22 learner-steps per dispatch (N = 100: ~0.4·10⁹ synapse updates); software: under the cap.
        stepsPerDispatch = this.stepsPerDispatch(b.n, { requested: o.stepsPerDispatch, budget: 1 << 22, iterationsPerStep: natgradStepIterations(N) });
        const plan = stepPlan(s.checkpoints, stepsPerDispatch);
        return which.map((e, ei): Phase<ValuesOf<typeof PARAMS>> => {
          const spec = s.ensembles[e]!;
          const per = {
            rule: NATGRAD_RULE_CODE[spec.rule], coeffs: spec.coefficients === 'authors-table' ? 1 : 0, eta: spec.eta,
            cap_in: ei === 0 ? mi : 0, cap_sp: ei === 0 ? ms : 0,
          };
          return {
            dispatches: plan.map((d) => ({
              steps: d.n1 - d.n0,
              values: { ...stepValues(s.seedKey, b, d, C), ...per, ...fixed, span: d.mode === MODE.checkpoint ? ((d.target - d.prev) * s.dt) / 1000 : 0 },
            })),
            finish: () => collect(b, ei),
          };
        });
      },
    });
    return {
      engine: this.runInfo({ batchSize, stepsPerDispatch }),
      ensembles, inputs, teacher, student, finalWeights,
      timing: { ...run, learnerSteps: total, learnerStepsPerSecond: run.seconds > 0 ? total / run.seconds : 0 },
    };
  }
}

/** The parameter values that do not change between dispatches. */
function fixedValues(s: ResolvedNatgradScenario, sp: NatgradParams) {
  const t = s.teacher;
  return {
    decay_s: sp.decayS, decay_m: sp.decayM, kscale: sp.kscale, phi_dt: sp.phiDt, phi_max: sp.phiMax, beta: sp.beta,
    theta: sp.theta, teacher_p: sp.teacherP, c_eps: sp.cEps, int_eps_sq: sp.intEpsSq,
    w0_min: s.initialWeights.min, w0_max: s.initialWeights.max,
    ws_min: t.kind === 'neuron' ? t.min : 0, ws_max: t.kind === 'neuron' ? t.max : 0,
    v_min: sp.grid.vMin, v_step: sp.grid.vStep, sd_min: sp.grid.sdMin, sd_step: sp.grid.sdStep,
  };
}
