/**
 * The WebGPU engine of the natural-gradient learner ensembles, shaders/natgrad.wgsl: one thread per learner, its
 * dendritic and target weights and its two PSP traces per input in one storage buffer (input-major), the same Philox
 * stream as src/models/natgrad/cpu-engine.ts. Per batch of learners and per (rule, η) ensemble: an initialising dispatch,
 * stepping dispatches of at most `stepsPerDispatch` steps, and at every checkpoint a dispatch that writes each
 * learner's summary (KL over the test patterns, rate error, ‖w − w*‖, mean weights, spike rates: NATGRAD_NF floats).
 * The host reads those per-learner summaries back once per batch (NF floats × checkpoints per learner) and forms
 * the ensemble statistics (src/models/natgrad/stats.ts). The γ table and the test patterns are computed on the host
 * in float64 and uploaded in f32.
 */
import type { ResolvedNatgradScenario } from './scenario.ts';
import { NATGRAD_FLAG, NATGRAD_NF, type NatgradEnsembleData } from './stats.ts';
import {
  NATGRAD_RULE_CODE, natgradParams, testPatterns, type NatgradParams, type NatgradResult, type NatgradRunOptions,
} from './cpu-engine.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, encodeDispatches, loadShader, readBuffer, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const PARAM_STRIDE = 256;
const PARAM_SIZE = 128;
const GROUP = 32; // dispatches per submit

/**
 * Steps per dispatch on a software adapter: llvmpipe (lavapipe) silently ends an invocation after ~65 535 loop
 * iterations. A step costs 2N loop iterations over the inputs plus 10 Philox rounds per 4 inputs (and 10 for the
 * output block); keep ~48 000 of the budget.
 */
export function natgradSoftwareStepCap(N: number): number {
  return Math.max(1, Math.floor(48_000 / (2 * N + 10 * (Math.ceil(N / 4) + 1) + 8)));
}

export async function natgradShaderSource(s: ResolvedNatgradScenario): Promise<string> {
  const N = s.N;
  const header = [
    `const N: u32 = ${N}u;`,
    `const NB: u32 = ${Math.ceil(N / 4)}u;`,
    `const NP: u32 = ${s.testPatterns}u;`,
    `const NV: u32 = ${s.table.nv}u;`,
    `const NS: u32 = ${s.table.ns}u;`,
    `const NF: u32 = ${NATGRAD_NF}u;`,
    `const WG: u32 = ${WG}u;`,
    `const OFF_TABLE: u32 = ${4 * N}u;`,
    `const OFF_PAT: u32 = ${4 * N + 5 * s.table.nv * s.table.ns}u;`,
    `const TEACHER_NEURON: u32 = ${s.teacher.kind === 'neuron' ? 1 : 0}u;`,
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('natgrad.wgsl')}`;
}

export class NatgradWebGpuEngine extends WebGpuHost {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: PARAM_SIZE, storage: 6, readOnly: 1 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<NatgradWebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new NatgradWebGpuEngine(gpu) : null;
  }

  private async pipeline(s: ResolvedNatgradScenario): Promise<GPUComputePipeline> {
    const key = [s.N, s.testPatterns, s.table.nv, s.table.ns, s.teacher.kind].join(':');
    return this.cachedPipeline(key, `natgrad ${key}`, () => natgradShaderSource(s));
  }

  async run(s: ResolvedNatgradScenario, o: NatgradRunOptions = {}): Promise<NatgradResult> {
    const t0 = performance.now();
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const nAll = end - start, N = s.N, C = s.checkpoints.length;
    const sp = natgradParams(s);
    const pipeline = await this.pipeline(s);
    const which = o.ensembles ?? s.ensembles.map((_, e) => e);
    const mi = o.captureInputs ?? 0, ms = o.captureSpikes ?? 0;
    const limits = device.limits;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (16 * N));
    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const defaultBatch = this.gpu.software ? 256 : 1 << 14;
    const batchSize = Math.max(1, Math.min(o.batchSize ?? defaultBatch, maxByState, maxByGrid));
    // Constants: per input {p_in, α, 1/(r ∫ε²), r}, the γ table, the test patterns.
    const patterns = testPatterns(s, sp);
    const consts = new Float32Array(4 * N + sp.table.length + patterns.length);
    for (let i = 0; i < N; i++) consts.set([sp.pIn[i]!, sp.att[i]!, sp.invRC[i]!, sp.rates[i]!], 4 * i);
    consts.set(sp.table, 4 * N);
    consts.set(patterns, 4 * N + sp.table.length);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const constBuf = device.createBuffer({ size: consts.byteLength, usage });
    device.queue.writeBuffer(constBuf, 0, consts);
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const ensembles: NatgradEnsembleData[] = which.map((e) => ({
      rule: s.ensembles[e]!.rule, eta: s.ensembles[e]!.eta, n: nAll,
      values: new Float32Array(nAll * C * NATGRAD_NF), flags: new Uint32Array(nAll),
    }));
    const inputs = mi > 0 ? new Int32Array(nAll * mi * 2) : undefined;
    const teacher = ms > 0 ? new Int32Array(nAll * ms) : undefined;
    const student = ms > 0 ? new Int32Array(nAll * ms) : undefined;
    const finalWeights = o.captureFinalWeights ? which.map(() => new Float32Array(nAll * N)) : undefined;
    const total = nAll * s.steps * which.length;
    let done = 0, dispatches = 0, stepsPerDispatch = 0;
    try {
      for (let b0 = start; b0 < end; b0 += batchSize) {
        const b1 = Math.min(end, b0 + batchSize), n = b1 - b0, rel0 = b0 - start;
        const nWg = Math.ceil(n / WG);
        // Hardware: ~2^22 learner-steps per dispatch (N = 100: ~0.4·10⁹ synapse updates); software: under the cap.
        const wanted = o.stepsPerDispatch ?? Math.max(1, Math.floor((1 << 22) / n));
        stepsPerDispatch = this.gpu.software ? Math.min(wanted, natgradSoftwareStepCap(N)) : wanted;
        const mk = (bytes: number) => device.createBuffer({ size: Math.max(16, bytes), usage });
        const bufs = { st: mk(16 * N * n), scal: mk(16 * n), meta: mk(16 * n), outs: mk(4 * C * NATGRAD_NF * n), cap: mk(4 * n * (2 * mi + 2 * ms)) };
        const list = [bufs.st, bufs.scal, bufs.meta, bufs.outs, bufs.cap];
        const bindGroup = device.createBindGroup({
          layout: this.bindLayout!,
          entries: [
            { binding: 0, resource: { buffer: paramBuf, size: PARAM_SIZE } },
            { binding: 1, resource: { buffer: constBuf } },
            ...list.map((buffer, j) => ({ binding: j + 2, resource: { buffer } })),
          ],
        });
        for (const [ei, e] of which.entries()) {
          const spec = s.ensembles[e]!;
          const capIn = ei === 0 ? mi : 0, capSp = ei === 0 ? ms : 0;
          if (capIn + capSp > 0) device.queue.writeBuffer(bufs.cap, 0, new Int32Array(n * (2 * mi + 2 * ms)).fill(-1));
          const plan: { mode: number; n0: number; n1: number; slot: number; span: number }[] = [{ mode: 2, n0: 0, n1: 0, slot: 0, span: 0 }];
          let k = 0;
          for (let c = 0; c < C; c++) {
            const target = s.checkpoints[c]!;
            const k0 = k;
            while (k < target) {
              const k1 = Math.min(target, k + stepsPerDispatch);
              plan.push({ mode: 0, n0: k, n1: k1, slot: 0, span: 0 });
              k = k1;
            }
            plan.push({ mode: 1, n0: k, n1: k, slot: c, span: ((target - k0) * s.dt) / 1000 });
          }
          for (let g = 0; g < plan.length; g += GROUP) {
            checkAborted(o.signal);
            const group = plan.slice(g, g + GROUP);
            const params = new ArrayBuffer(PARAM_STRIDE * group.length);
            group.forEach((d, j) => writeParams(new DataView(params, j * PARAM_STRIDE, PARAM_SIZE), s, sp, d, b0, n, NATGRAD_RULE_CODE[spec.rule], spec.eta, capIn, capSp, C));
            device.queue.writeBuffer(paramBuf, 0, params);
            const enc = device.createCommandEncoder();
            encodeDispatches(enc, pipeline, bindGroup, group.length, nWg, PARAM_STRIDE);
            device.queue.submit([enc.finish()]);
            await device.queue.onSubmittedWorkDone();
            dispatches += group.length;
            done += n * group.reduce((a, d) => a + (d.n1 - d.n0), 0);
            o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
          }
          const outs = new Float32Array(await readBuffer(device, bufs.outs, 4 * C * NATGRAD_NF * n));
          const data = ensembles[ei]!;
          for (let t = 0; t < n; t++) {
            for (let c = 0; c < C; c++) {
              const src = (t * C + c) * NATGRAD_NF, dst = ((rel0 + t) * C + c) * NATGRAD_NF;
              for (let f = 0; f < NATGRAD_NF; f++) data.values[dst + f] = outs[src + f]!;
              if (s.teacher.kind !== 'neuron') data.values[dst + 2] = NaN;
              if (!s.rates.some((r) => r > 0)) data.values[dst + 3] = NaN;
              if (!s.rates.some((r) => r === 0)) data.values[dst + 4] = NaN;
              if (c === 0 || s.checkpoints[c] === s.checkpoints[c - 1]) { data.values[dst + 5] = NaN; data.values[dst + 6] = NaN; }
            }
          }
          const meta = new Uint32Array(await readBuffer(device, bufs.meta, 16 * n));
          for (let t = 0; t < n; t++) data.flags[rel0 + t] = meta[t * 4]! & (NATGRAD_FLAG.nonFinite | NATGRAD_FLAG.tableClamped);
          if (capIn + capSp > 0) {
            const cap = new Int32Array(await readBuffer(device, bufs.cap, 4 * n * (2 * mi + 2 * ms)));
            if (inputs) inputs.set(cap.subarray(0, 2 * mi * n), rel0 * 2 * mi);
            if (teacher) teacher.set(cap.subarray(2 * mi * n, (2 * mi + ms) * n), rel0 * ms);
            if (student) student.set(cap.subarray((2 * mi + ms) * n, (2 * mi + 2 * ms) * n), rel0 * ms);
          }
          if (finalWeights) {
            const w = new Float32Array(await readBuffer(device, bufs.st, 4 * N * n));
            for (let t = 0; t < n; t++) for (let i = 0; i < N; i++) finalWeights[ei]![(rel0 + t) * N + i] = sp.att[i]! * w[i * n + t]!;
          }
        }
        for (const b of list) b.destroy();
      }
    } finally {
      paramBuf.destroy();
      constBuf.destroy();
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, stepsPerDispatch } },
      ensembles, inputs, teacher, student, finalWeights,
      timing: { seconds, dispatches, learnerSteps: total, learnerStepsPerSecond: seconds > 0 ? total / seconds : 0 },
    };
  }
}

function writeParams(
  v: DataView, s: ResolvedNatgradScenario, sp: NatgradParams, d: { mode: number; n0: number; n1: number; slot: number; span: number },
  trajOffset: number, n: number, rule: number, eta: number, capIn: number, capSp: number, C: number,
): void {
  const u = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  const f = (o: number, x: number) => v.setFloat32(o, x, true);
  u(0, s.seedKey[0]); u(4, s.seedKey[1]); u(8, trajOffset); u(12, n);
  u(16, d.n0); u(20, d.n1); u(24, d.mode); u(28, d.slot); u(32, C); u(36, rule); u(40, capIn); u(44, capSp);
  f(48, eta); f(52, sp.decayS); f(56, sp.decayM); f(60, sp.kscale); f(64, sp.phiDt); f(68, sp.phiMax);
  f(72, sp.beta); f(76, sp.theta); f(80, sp.teacherP); f(84, sp.cEps); f(88, sp.intEpsSq); f(92, d.span);
  f(96, s.initialWeights.min); f(100, s.initialWeights.max);
  f(104, s.teacher.kind === 'neuron' ? s.teacher.min : 0); f(108, s.teacher.kind === 'neuron' ? s.teacher.max : 0);
  f(112, sp.grid.vMin); f(116, sp.grid.vStep); f(120, sp.grid.sdMin); f(124, sp.grid.sdStep);
}
