/**
 * The WebGPU engine for several output neurons (shaders/multi.wgsl): constants spliced into the shader, buffers
 * per batch of trajectories, chunked dispatches from plan.ts, and the read-back of per-checkpoint statistics only
 * (the same MultiCheckpointAccumulator form as the CPU engine). Same Philox stream as src/models/multi/cpu-engine.ts.
 */
import { MULTI_MAX_D, type ResolvedMultiScenario } from './scenario.ts';
import { mergeMoments } from '../../stats/checkpoint-stats.ts';
import {
  E_BINS, E_LN_LO, E_LO, E_SCALE, emptyMultiAccumulator, mergeMultiAccumulators, type MultiCheckpointAccumulator,
} from './stats.ts';
import { initialWeights, multiParams, type MultiEnsembleResult, type MultiParams, type MultiRunOptions } from './cpu-engine.ts';
import { batches, planDispatches, type Dispatch } from '../../engines/plan.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, loadShader, readBuffer, encodeDispatches, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const PARAM_STRIDE = 256;
const PARAM_SIZE = 192;
const GROUP = 32; // dispatches per submit
const NO_SLOT = 0xffffffff;
const PARTIAL = 3;
/** f32 Gram–Schmidt: ‖residual‖²/‖w_l‖² at or below this counts as dependent (CPU: GS_EPS_F64 = 1e-12). */
export const GS_EPS_F32 = 1e-8;

function f32lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite WGSL constant ${v}`);
  const s = v.toPrecision(9);
  return /[.e]/.test(s) ? s : s + '.0';
}

export async function multiShaderSource(mp: Pick<MultiParams, 'd' | 'm' | 'algorithm' | 'projection' | 'np'>): Promise<string> {
  const md = mp.m * mp.d;
  const header = [
    `const D: u32 = ${mp.d}u;`,
    `const M: u32 = ${mp.m}u;`,
    `const MD: u32 = ${md}u;`,
    `const WG: u32 = ${WG}u;`,
    `const NV: u32 = ${1 + md}u;`,
    `const NOISE_LAW: u32 = ${mp.np.law}u;`,
    `const ALGO: u32 = ${mp.algorithm}u;`,
    `const PROJ: u32 = ${mp.projection}u;`,
    `const GS_EPS: f32 = ${f32lit(GS_EPS_F32)};`,
    `const NBINS: u32 = ${E_BINS}u;`,
    `const E_LO: f32 = ${f32lit(E_LO)};`,
    `const E_LN_LO: f32 = ${f32lit(E_LN_LO)};`,
    `const E_SCALE: f32 = ${f32lit(E_SCALE)};`,
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('noise.wgsl')}\n${await loadShader('multi.wgsl')}`;
}

export class MultiWebGpuEngine extends WebGpuHost {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: PARAM_SIZE, storage: 7, readOnly: 1 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<MultiWebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new MultiWebGpuEngine(gpu) : null;
  }

  private async pipeline(mp: MultiParams): Promise<GPUComputePipeline> {
    const key = `${mp.d}:${mp.m}:${mp.np.law}:${mp.algorithm}:${mp.projection}`;
    return this.cachedPipeline(key, `multi ${key}`, () => multiShaderSource(mp));
  }

  async run(s: ResolvedMultiScenario, o: MultiRunOptions = {}): Promise<MultiEnsembleResult> {
    const t0 = performance.now();
    if (s.d > MULTI_MAX_D || s.m > MULTI_MAX_D) throw new Error(`the WebGPU multi engine handles d, m ≤ ${MULTI_MAX_D}`);
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const mp = multiParams(s);
    const { d, m } = mp;
    const md = m * d;
    const nv = 1 + md;
    const ncnt = m + 1 + md + 2;
    const slots = s.checkpoints.length;
    const pipeline = await this.pipeline(mp);
    const limits = device.limits;

    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (4 * md));
    const maxByPartials = Math.floor(((64 << 20) / (slots * nv * 4 * PARTIAL)) * WG);
    const defaultBatch = this.gpu.software ? 1 << 14 : 1 << 20;
    const batchSize = Math.max(WG, Math.min(o.batchSize ?? defaultBatch, maxByGrid, maxByState, maxByPartials));
    // Output-steps per dispatch bounded, so that no dispatch runs long (software adapters: small).
    const threadStepBudget = Math.floor((this.gpu.software ? 1 << 22 : 1 << 28) / m);

    const acc = s.checkpoints.map((k) => emptyMultiAccumulator(k, m, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][][]) : undefined;
    const finalWeights = o.captureFinalState ? new Float32Array(md * (end - start)) : undefined;
    const nd = o.captureDraws ?? 0;
    const draws = nd > 0 ? new Int32Array((end - start) * nd * m) : undefined;
    const total = (end - start) * s.steps;
    let done = 0, dispatches = 0;

    const w0Buf = device.createBuffer({ size: Math.max(16, 4 * md), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(w0Buf, 0, new Float32Array(initialWeights(s)));
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const keep = Math.max(0, s.keepPaths);
    const pathsBuf = device.createBuffer({ size: Math.max(16, slots * keep * md * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const countsBuf = device.createBuffer({ size: slots * ncnt * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const histBuf = device.createBuffer({ size: slots * E_BINS * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const drawsBuf = device.createBuffer({
      size: Math.max(16, (draws?.length ?? 0) * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    if (draws) {
      const enc = device.createCommandEncoder();
      enc.clearBuffer(drawsBuf);
      device.queue.submit([enc.finish()]);
      // 0xffffffff marks "did not learn at this step" (algorithm 2); written as −1 below.
      device.queue.writeBuffer(drawsBuf, 0, new Uint32Array(draws.length).fill(0xffffffff));
    }

    try {
      for (const [b0, b1] of batches(start, end, batchSize)) {
        const n = b1 - b0;
        const nWg = Math.ceil(n / WG);
        // llvmpipe (lavapipe) ends a shader's loops after 65535 counted loop iterations (nested ones included): the
        // kernel then silently stops stepping (measured: after 2621 steps at m = d = 3, 545 at m = d = 8, i.e.
        // ≈ 1.75·m·d + 10 iterations per step). On software adapters a dispatch keeps half of that budget.
        const softCap = this.gpu.software ? Math.max(1, Math.floor(65535 / (2 * (2 * md + 12)))) : Infinity;
        const stepsPerDispatch = Math.min(softCap, o.stepsPerDispatch ?? Math.max(1, Math.floor(threadStepBudget / n)));
        // Statistics are reduced in a zero-step dispatch of their own: on lavapipe, the workgroup reductions after a
        // long stepping loop in the same invocation came back incomplete (moments of 1–2 lanes per workgroup).
        const plan = planDispatches(s.checkpoints, s.steps, stepsPerDispatch).flatMap((disp): Dispatch[] =>
          disp.statsSlot >= 0 && disp.nSteps > 0
            ? [{ k0: disp.k0, nSteps: disp.nSteps, statsSlot: -1 }, { k0: disp.k0 + disp.nSteps, nSteps: 0, statsSlot: disp.statsSlot }]
            : [disp]);
        const stateBuf = device.createBuffer({ size: 4 * md * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
        const partialsBuf = device.createBuffer({ size: slots * nWg * nv * 4 * PARTIAL, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
        {
          const enc = device.createCommandEncoder();
          enc.clearBuffer(countsBuf);
          enc.clearBuffer(histBuf);
          device.queue.submit([enc.finish()]);
        }
        const bindGroup = device.createBindGroup({
          layout: this.bindLayout!,
          entries: [
            { binding: 0, resource: { buffer: paramBuf, size: PARAM_SIZE } },
            { binding: 1, resource: { buffer: w0Buf } },
            { binding: 2, resource: { buffer: stateBuf } },
            { binding: 3, resource: { buffer: countsBuf } },
            { binding: 4, resource: { buffer: histBuf } },
            { binding: 5, resource: { buffer: partialsBuf } },
            { binding: 6, resource: { buffer: pathsBuf } },
            { binding: 7, resource: { buffer: drawsBuf } },
          ],
        });
        let first = true;
        for (let g = 0; g < plan.length; g += GROUP) {
          checkAborted(o.signal);
          const group = plan.slice(g, g + GROUP);
          const params = new ArrayBuffer(PARAM_STRIDE * group.length);
          group.forEach((disp, j) => {
            writeParams(new DataView(params, j * PARAM_STRIDE, PARAM_SIZE), s, mp, disp, b0, n,
              first && j === 0, keep, nWg, nd, b0 - start);
          });
          first = false;
          device.queue.writeBuffer(paramBuf, 0, params);
          const enc = device.createCommandEncoder();
          encodeDispatches(enc, pipeline, bindGroup, group.length, nWg, PARAM_STRIDE);
          device.queue.submit([enc.finish()]);
          await device.queue.onSubmittedWorkDone();
          dispatches += group.length;
          done += n * group.reduce((a, disp) => a + disp.nSteps, 0);
          o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
        }
        const counts = new Uint32Array(await readBuffer(device, countsBuf, slots * ncnt * 4));
        const hist = new Uint32Array(await readBuffer(device, histBuf, slots * E_BINS * 4));
        const partials = new Float32Array(await readBuffer(device, partialsBuf, slots * nWg * nv * 4 * PARTIAL));
        for (let c = 0; c < slots; c++) {
          acc[c] = mergeBatch(acc[c]!, c, counts, hist, partials, m, d, n, nWg);
          if (!Number.isFinite(acc[c]!.error.mean) && acc[c]!.n > 0) {
            throw new Error(`non-finite statistics at step ${acc[c]!.step} (device fault?)`);
          }
        }
        if (finalWeights) {
          const st = new Float32Array(await readBuffer(device, stateBuf, 4 * md * n));
          for (let t = 0; t < n; t++) {
            for (let q = 0; q < md; q++) finalWeights[(b0 - start + t) * md + q] = st[q * n + t]!;
          }
        }
        stateBuf.destroy();
        partialsBuf.destroy();
      }
      // The kernel writes P of global trajectories < keepPaths, in whichever device batch holds them (a range that
      // starts past 0, as the run layer's later batches do, included).
      if (paths) {
        const pb = new Float32Array(await readBuffer(device, pathsBuf, slots * keep * md * 4));
        for (let r = 0; r < nPaths; r++) {
          for (let c = 0; c < slots; c++) {
            const off = (c * keep + start + r) * md;
            paths[r]!.push(Array.from({ length: m }, (_, j) => Array.from(pb.subarray(off + j * d, off + (j + 1) * d))));
          }
        }
      }
      if (draws) {
        const raw = new Uint32Array(await readBuffer(device, drawsBuf, draws.length * 4));
        for (let i = 0; i < draws.length; i++) draws[i] = raw[i] === 0xffffffff ? -1 : raw[i]!;
      }
    } finally {
      w0Buf.destroy();
      paramBuf.destroy();
      pathsBuf.destroy();
      countsBuf.destroy();
      histBuf.destroy();
      drawsBuf.destroy();
    }
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, threadStepBudget } },
      checkpoints: acc,
      paths,
      finalWeights,
      draws,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches },
    };
  }
}

function writeParams(
  v: DataView, s: ResolvedMultiScenario, mp: MultiParams, disp: Dispatch, trajOffset: number, n: number,
  fresh: boolean, keep: number, nWg: number, drawSteps: number, drawBase: number,
): void {
  const u = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  const f = (o: number, x: number) => v.setFloat32(o, x, true);
  u(0, s.seedKey[0]);
  u(4, s.seedKey[1]);
  u(8, trajOffset);
  u(12, n);
  u(16, disp.k0);
  u(20, disp.nSteps);
  u(24, fresh ? 1 : 0);
  u(28, disp.statsSlot < 0 ? NO_SLOT : disp.statsSlot);
  f(32, mp.np.h);
  f(36, mp.np.lo);
  f(40, mp.np.width);
  f(44, mp.np.sd);
  u(48, keep);
  u(52, nWg);
  u(56, drawSteps);
  u(60, drawBase);
  for (let j = 0; j < 8; j++) {
    f(64 + 4 * j, j < mp.m ? mp.alphas[j]! : 0);
    f(96 + 4 * j, j < mp.d ? mp.rates[j]! : 0);
    u(128 + 4 * j, j < mp.m ? mp.target[j]! : 0);
    u(160 + 4 * j, mp.periodEnds && j < mp.m ? mp.periodEnds[j]! : 0);
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
  const bits = new Uint32Array(2), fl = new Float32Array(bits.buffer);
  bits[0] = ~counts[cb + m + 1 + md]! >>> 0;
  bits[1] = counts[cb + m + 2 + md]!;
  b.minError = fl[0]!;
  b.maxError = fl[1]!;
  const total = b.plateauCounts.reduce((x, y) => x + y, 0);
  if (total !== n) throw new Error(`device counts do not add up at step ${a.step}: ${total} of ${n} trajectories`);
  for (let w = 0; w < nWg; w++) {
    const base = (c * nWg + w) * nv * PARTIAL;
    const mom = (v: number) => ({
      n: partials[base + PARTIAL * v]!, mean: partials[base + PARTIAL * v + 1]!, m2: partials[base + PARTIAL * v + 2]!,
    });
    b.error = mergeMoments(b.error, mom(0));
    for (let q = 0; q < md; q++) b.p[q] = mergeMoments(b.p[q]!, mom(1 + q));
  }
  if (b.error.n !== n) throw new Error(`device moments do not add up at step ${a.step}: ${b.error.n} of ${n} trajectories`);
  return mergeMultiAccumulators(a, b);
}
