/**
 * The WebGPU engine of the Hebbian-alignment model (arXiv 2505.18069), shaders/hebbian.wgsl: one thread per (grid
 * point, copy), the copy's weights v and its scratch (noisy weights, signal S, Hebbian direction H, random direction R)
 * in storage buffers, the same Philox stream as src/models/hebbian/cpu-engine.ts. Per batch of threads: an initialising
 * dispatch, then stepping dispatches of at most `stepsPerDispatch` steps; the measured steps of a checkpoint add their
 * inner products, cosines and loss into the copy's record on the GPU, and a finishing dispatch divides them by the
 * window and adds ‖v‖². The host reads back the per-copy records (REC floats per checkpoint) once per batch of threads
 * and folds them into the accumulator in thread order (grid point by grid point, copies in order), so host memory
 * does not grow with the number of copies (the whole table is kept only for the `captureCopies` test hook).
 */
import type { ResolvedHebbianScenario } from './scenario.ts';
import { REC, accumulateCopy } from './stats.ts';
import {
  emptyHebbianCopyData, hebbianAccumulatorFor, hebbianParams, type HebbianParams, type HebbianResult, type HebbianRunOptions,
} from './cpu-engine.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, encodeDispatches, loadShader, readBuffer, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const PARAM_STRIDE = 256;
const PARAM_SIZE = 80;
const GROUP = 32; // dispatches per submit

/** Loop iterations of one step (an over-estimate: every loop iteration of step_copy, per sample and per weight). */
export function hebbianStepIterations(hp: HebbianParams): number {
  const teacher = hp.teacher === 0 ? hp.O * hp.D : hp.Ht * hp.D + hp.O * hp.Ht;
  const hid = hp.student === 1 ? hp.H : 0;
  return 10 * hp.P + hp.B * (hp.D + teacher + 4 * hp.P + 3 * hp.O + 3 * hid + hp.O * hid) + 32;
}

/**
 * Steps per dispatch on a software adapter: llvmpipe (lavapipe) silently ends an invocation after ~65 535 loop
 * iterations (see softwareStepCap in chain-engine.ts); keep ~48 000 of that budget.
 */
export function hebbianSoftwareStepCap(hp: HebbianParams): number {
  return Math.max(1, Math.floor(48_000 / hebbianStepIterations(hp)));
}

export async function hebbianShaderSource(hp: HebbianParams): Promise<string> {
  const header = [
    `const D: u32 = ${hp.D}u;`,
    `const O: u32 = ${hp.O}u;`,
    `const HS: u32 = ${hp.student === 1 ? hp.H : 1}u;`,
    `const HT: u32 = ${hp.teacher === 1 ? hp.Ht : 1}u;`,
    `const STUDENT: u32 = ${hp.student}u;`,
    `const TEACHER: u32 = ${hp.teacher}u;`,
    `const RULE: u32 = ${hp.rule}u;`,
    `const B: u32 = ${hp.B}u;`,
    `const P: u32 = ${hp.P}u;`,
    `const P1: u32 = ${hp.P1}u;`,
    `const NB_IN: u32 = ${hp.nbIn}u;`,
    `const NB_OUT: u32 = ${hp.nbOut}u;`,
    `const NOISE_B0: u32 = ${hp.noiseBlock0}u;`,
    `const NB_P1: u32 = ${hp.nbP1}u;`,
    `const THEORY: u32 = ${hp.theory ? 1 : 0}u;`,
    `const WS: u32 = ${workStride(hp)}u;`,
    `const REC: u32 = ${REC}u;`,
    `const NX: u32 = ${hp.nbIn * 4}u;`,
    `const NO: u32 = ${hp.O}u;`,
    `const NH: u32 = ${hp.student === 1 ? hp.H : 1}u;`,
    `const NT: u32 = ${hp.teacher === 1 ? hp.Ht : 1}u;`,
    `const WG: u32 = ${WG}u;`,
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('hebbian.wgsl')}`;
}

function workStride(hp: HebbianParams): number {
  return (hp.rule === 1 ? 4 : 3) * hp.P;
}

export class HebbianWebGpuEngine extends WebGpuHost {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: PARAM_SIZE, storage: 6, readOnly: 2 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<HebbianWebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new HebbianWebGpuEngine(gpu) : null;
  }

  private async pipeline(hp: HebbianParams): Promise<GPUComputePipeline> {
    const code = await hebbianShaderSource(hp);
    return this.cachedPipeline(code, `hebbian D=${hp.D} O=${hp.O} P=${hp.P}`, () => Promise.resolve(code));
  }

  async run(s: ResolvedHebbianScenario, o: HebbianRunOptions = {}): Promise<HebbianResult> {
    const t0 = performance.now();
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const points = o.gridPoints ?? s.grid.map((_, g) => g);
    const nCopies = end - start, C = s.checkpoints.length;
    const hp = hebbianParams(s);
    const pipeline = await this.pipeline(hp);
    const nThreads = points.length * nCopies;
    const WS = workStride(hp);
    const limits = device.limits;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (4 * WS));
    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const defaultBatch = this.gpu.software ? 2048 : 1 << 16;
    const batchSize = Math.max(1, Math.min(o.batchSize ?? defaultBatch, maxByState, maxByGrid));
    const data = o.captureCopies ? emptyHebbianCopyData(points, nCopies, C) : undefined;
    const acc = hebbianAccumulatorFor(s);
    const finalWeights = o.captureFinalWeights ? new Float32Array(nThreads * hp.P) : undefined;
    const total = nThreads * s.steps;
    let done = 0, dispatches = 0, stepsPerDispatch = 0;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const mk = (bytes: number) => device.createBuffer({ size: Math.max(16, bytes), usage });
    const teacher = new Float32Array(hp.A1.length + hp.A2.length);
    teacher.set(hp.A1);
    teacher.set(hp.A2, hp.A1.length);
    const teacherBuf = mk(4 * teacher.length);
    device.queue.writeBuffer(teacherBuf, 0, teacher);
    const gridv = new Float32Array(points.flatMap((g) => [s.grid[g]!.sigma, s.grid[g]!.gamma]));
    const gridBuf = mk(4 * gridv.length);
    device.queue.writeBuffer(gridBuf, 0, gridv);
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    try {
      for (let b0 = 0; b0 < nThreads; b0 += batchSize) {
        const n = Math.min(batchSize, nThreads - b0);
        const nWg = Math.ceil(n / WG);
        // Hardware: ~2^22 thread-steps per dispatch; software: under lavapipe's loop-iteration limit.
        const wanted = o.stepsPerDispatch ?? Math.max(1, Math.floor((1 << 22) / n));
        stepsPerDispatch = this.gpu.software ? Math.min(wanted, hebbianSoftwareStepCap(hp)) : wanted;
        const bufs = { v: mk(4 * hp.P * n), work: mk(4 * WS * n), rec: mk(4 * C * REC * n), flags: mk(4 * n) };
        const list = [teacherBuf, gridBuf, bufs.v, bufs.work, bufs.rec, bufs.flags];
        const bindGroup = device.createBindGroup({
          layout: this.bindLayout!,
          entries: [
            { binding: 0, resource: { buffer: paramBuf, size: PARAM_SIZE } },
            ...list.map((buffer, j) => ({ binding: j + 1, resource: { buffer } })),
          ],
        });
        // The dispatch plan: initialise; step to each checkpoint in chunks (measured steps add to its slot); finish it.
        const plan: { mode: number; n0: number; n1: number; slot: number; from: number }[] = [{ mode: 2, n0: 0, n1: 0, slot: 0, from: 0 }];
        let k = 0;
        for (let c = 0; c < C; c++) {
          const target = s.checkpoints[c]!;
          while (k < target) {
            const k1 = Math.min(target, k + stepsPerDispatch);
            plan.push({ mode: 0, n0: k, n1: k1, slot: c, from: target - s.window });
            k = k1;
          }
          plan.push({ mode: 1, n0: k, n1: k, slot: c, from: 0 });
        }
        for (let g = 0; g < plan.length; g += GROUP) {
          checkAborted(o.signal);
          const group = plan.slice(g, g + GROUP);
          const params = new ArrayBuffer(PARAM_STRIDE * group.length);
          group.forEach((d, j) => writeParams(new DataView(params, j * PARAM_STRIDE, PARAM_SIZE), s, hp, d, b0, n, nCopies, start));
          device.queue.writeBuffer(paramBuf, 0, params);
          const enc = device.createCommandEncoder();
          encodeDispatches(enc, pipeline, bindGroup, group.length, nWg, PARAM_STRIDE);
          device.queue.submit([enc.finish()]);
          await device.queue.onSubmittedWorkDone();
          dispatches += group.length;
          done += n * group.reduce((a, d) => a + (d.n1 - d.n0), 0);
          o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
        }
        const rec = new Float32Array(await readBuffer(device, bufs.rec, 4 * C * REC * n));
        const flags = new Uint32Array(await readBuffer(device, bufs.flags, 4 * n));
        // thread b0 + j is copy (b0 + j) mod nCopies of grid point points[⌊(b0 + j)/nCopies⌋]
        for (let j = 0; j < n; j++) accumulateCopy(acc.points[points[Math.floor((b0 + j) / nCopies)]!]!, rec, j * C * REC, C, flags[j]!);
        if (data) {
          data.rec.set(rec, b0 * C * REC);
          data.flags.set(flags, b0);
        }
        if (finalWeights) finalWeights.set(new Float32Array(await readBuffer(device, bufs.v, 4 * hp.P * n)), b0 * hp.P);
        for (const b of [bufs.v, bufs.work, bufs.rec, bufs.flags]) b.destroy();
      }
    } finally {
      paramBuf.destroy();
      teacherBuf.destroy();
      gridBuf.destroy();
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, stepsPerDispatch } },
      accumulator: acc,
      copies: data,
      finalWeights,
      timing: { seconds, dispatches, copySteps: total, copyStepsPerSecond: seconds > 0 ? total / seconds : 0 },
    };
  }
}

function writeParams(
  v: DataView, s: ResolvedHebbianScenario, hp: HebbianParams, d: { mode: number; n0: number; n1: number; slot: number; from: number },
  thread0: number, n: number, nCopies: number, copyStart: number,
): void {
  const u = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  const f = (o: number, x: number) => v.setFloat32(o, x, true);
  u(0, s.seedKey[0]);
  u(4, s.seedKey[1]);
  u(8, thread0);
  u(12, n);
  u(16, nCopies);
  u(20, copyStart);
  u(24, d.n0);
  u(28, d.n1);
  u(32, d.mode);
  u(36, d.slot);
  u(40, s.checkpoints.length);
  u(44, Math.max(0, d.from));
  f(48, hp.eta);
  f(52, hp.labelNoise);
  f(56, hp.initScale);
  f(60, hp.randomScale);
  f(64, 1 / hp.window);
  f(68, hp.kappa);
}
