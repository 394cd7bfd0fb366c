/**
 * The WebGPU engine for the reduced chain: code generation (constants spliced into shaders/chain.wgsl), buffers per
 * batch of trajectories, chunked dispatches from plan.ts, and the read-back of per-checkpoint statistics only.
 */
import type { ResolvedScenario } from './scenario.ts';
import {
  H_BINS, H_LO, H_SCALE, LOG_DELTAS, MAX_D_MEAN_P, emptyAccumulator, mergeAccumulators, mergeMoments,
  type CheckpointAccumulator,
} from '../../stats/checkpoint-stats.ts';
import { chainExtras, noiseParams, type ChainExtras } from './chain-math.ts';
import { batches, planDispatches, type Dispatch } from '../../engines/plan.ts';
import { checkAborted } from '../../engines/types.ts';
import { type Engine, type EnsembleResult, type RunOptions } from './engine-types.ts';
import { acquireDevice, loadShader, readBuffer, encodeDispatches, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const PARAM_STRIDE = 256; // minUniformBufferOffsetAlignment upper bound
const GROUP = 32; // dispatches per submit
const NO_SLOT = 0xffffffff;
/** Reduced float variables before the p_i: L, G, L|success, G|success (see chain.wgsl). */
const NV_FIXED = 4;
const PARTIAL = 3; // (n, mean, M2) per variable and workgroup

function f32lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite WGSL constant ${v}`);
  const s = v.toPrecision(9);
  return /[.e]/.test(s) ? s : s + '.0';
}

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
    `const VARIANT: u32 = ${ex?.variant ?? 0}u;`,
    `const NSW: u32 = ${nsw}u;`,
    `var<private> GAMMA: array<f32, ${gamma.length}> = array<f32, ${gamma.length}>(${gamma.map(f32lit).join(', ')});`,
    `var<private> SW_STEP: array<u32, ${steps.length}> = array<u32, ${steps.length}>(${steps.map((v) => `${v}u`).join(', ')});`,
    `var<private> SW_DLOG: array<f32, ${dlog.length}> = array<f32, ${dlog.length}>(${dlog.map(f32lit).join(', ')});`,
  ];
}

/** Steps per dispatch that keep a software adapter's per-invocation loop count under ~48 000 (see run). */
export function softwareStepCap(d: number, ex: ChainExtras | null): number {
  const perStep = 7 * d + 2 + (ex?.variant === 2 ? d * d + d : ex?.variant === 1 ? d : 0) + (ex?.switchSteps.length ?? 0);
  return Math.max(1, Math.floor(48_000 / perStep));
}

export async function chainShaderSource(d: number, law: number, ex: ChainExtras | null = null): Promise<string> {
  const nv = NV_FIXED + (d <= MAX_D_MEAN_P ? d : 0);
  const header = [
    ...extrasHeader(d, ex),
    `const D: u32 = ${d}u;`,
    `const WG: u32 = ${WG}u;`,
    `const NV: u32 = ${nv}u;`,
    `const NOISE_LAW: u32 = ${law}u;`,
    `const NBINS: u32 = ${H_BINS}u;`,
    `const H_LO: f32 = ${f32lit(H_LO)};`,
    `const H_SCALE: f32 = ${f32lit(H_SCALE)};`,
    ...LOG_DELTAS.map((v, j) => `const LOG_D${j}: f32 = ${f32lit(v)};`),
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('noise.wgsl')}\n${await loadShader('chain.wgsl')}`;
}

export class WebGpuEngine extends WebGpuHost implements Engine {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: 64, storage: 6, readOnly: 1 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<WebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new WebGpuEngine(gpu) : null;
  }

  private async pipeline(d: number, law: number, ex: ChainExtras | null): Promise<GPUComputePipeline> {
    const k = `${d}:${law}:${ex ? extrasHeader(d, ex).join('') : ''}`;
    return this.cachedPipeline(k, `chain d=${d} law=${law}${ex ? ' (extensions)' : ''}`, () => chainShaderSource(d, law, ex));
  }

  async run(s: ResolvedScenario, o: RunOptions = {}): Promise<EnsembleResult> {
    const t0 = performance.now();
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const d = s.d;
    const np = noiseParams(s);
    const nv = NV_FIXED + (d <= MAX_D_MEAN_P ? d : 0);
    const ncnt = d + 6;
    const slots = s.checkpoints.length;
    const ex = chainExtras(s);
    const pipeline = await this.pipeline(d, np.law, ex);
    const limits = device.limits;

    // Batch size: bounded by the dispatch grid, the state buffer, and the size of the per-workgroup partials.
    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (4 * d));
    const maxByPartials = Math.floor(((64 << 20) / (slots * nv * 4 * PARTIAL)) * WG);
    const defaultBatch = this.gpu.software ? 1 << 14 : 1 << 20;
    const batchSize = Math.max(WG, Math.min(o.batchSize ?? defaultBatch, maxByGrid, maxByState, maxByPartials));
    // Thread-steps per dispatch: small on software adapters (SwiftShader has crashed on large ones), so that no
    // dispatch runs long anywhere (no watchdog loss).
    const threadStepBudget = this.gpu.software ? 1 << 22 : 1 << 28;

    const acc = s.checkpoints.map((k) => emptyAccumulator(k, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][]) : undefined;
    const finalState = o.captureFinalState ? new Float32Array(d * (end - start)) : undefined;
    const total = (end - start) * s.steps;
    let done = 0, dispatches = 0;

    const x0Buf = device.createBuffer({ size: Math.max(16, 4 * d), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(x0Buf, 0, new Float32Array(s.x0));
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const keep = Math.max(0, s.keepPaths);
    const pathsBuf = device.createBuffer({
      size: Math.max(16, slots * keep * d * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const countsBuf = device.createBuffer({ size: slots * ncnt * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const histBuf = device.createBuffer({ size: slots * H_BINS * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });

    try {
      for (const [b0, b1] of batches(start, end, batchSize)) {
        const n = b1 - b0;
        const nWg = Math.ceil(n / WG);
        const wanted = o.stepsPerDispatch ?? Math.max(1, Math.floor(threadStepBudget / n));
        // Software adapters (lavapipe, SwiftShader) stop a shader invocation silently after about 65 535 loop
        // iterations (seen on lavapipe: the moments then do not add up). Keep each dispatch's loop count well
        // below that: per step the kernel runs ~7d + 2 loop iterations (+ d² + d for the figure-code variant).
        const stepsPerDispatch = this.gpu.software ? Math.min(wanted, softwareStepCap(d, ex)) : wanted;
        const plan = planDispatches(s.checkpoints, s.steps, stepsPerDispatch);
        const stateBuf = device.createBuffer({ size: 4 * d * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
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
            { binding: 0, resource: { buffer: paramBuf, size: 64 } },
            { binding: 1, resource: { buffer: x0Buf } },
            { binding: 2, resource: { buffer: stateBuf } },
            { binding: 3, resource: { buffer: countsBuf } },
            { binding: 4, resource: { buffer: histBuf } },
            { binding: 5, resource: { buffer: partialsBuf } },
            { binding: 6, resource: { buffer: pathsBuf } },
          ],
        });
        // Paths are kept in the first batch only (global trajectories < keepPaths); a later batch gets keep = 0.
        const keepHere = b0 === 0 ? keep : 0;
        let first = true;
        for (let g = 0; g < plan.length; g += GROUP) {
          checkAborted(o.signal);
          const group = plan.slice(g, g + GROUP);
          const params = new ArrayBuffer(PARAM_STRIDE * group.length);
          group.forEach((disp, j) => {
            writeParams(new DataView(params, j * PARAM_STRIDE, 64), s, np, disp, b0, n, first && j === 0, keepHere, nWg);
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
        // Read back the summaries of this batch (never the trajectories, unless asked for the final state).
        const counts = new Uint32Array(await readBuffer(device, countsBuf, slots * ncnt * 4));
        const hist = new Uint32Array(await readBuffer(device, histBuf, slots * H_BINS * 4));
        const partials = new Float32Array(await readBuffer(device, partialsBuf, slots * nWg * nv * 4 * PARTIAL));
        for (let c = 0; c < slots; c++) {
          acc[c] = mergeBatch(acc[c]!, c, counts, hist, partials, d, nv, n, nWg);
          if (!Number.isFinite(acc[c]!.logGap.mean) && acc[c]!.n > 0) {
            throw new Error(`non-finite statistics at step ${acc[c]!.step} (device fault?)`);
          }
        }
        if (finalState) {
          const st = new Float32Array(await readBuffer(device, stateBuf, 4 * d * n));
          const N = end - start;
          for (let i = 0; i < d; i++) finalState.set(st.subarray(i * n, (i + 1) * n), i * N + (b0 - start));
        }
        if (paths && keepHere) {
          const pb = new Float32Array(await readBuffer(device, pathsBuf, slots * keep * d * 4));
          for (let m = 0; m < nPaths; m++) {
            for (let c = 0; c < slots; c++) {
              const off = (c * keep + start + m) * d;
              paths[m]!.push(Array.from(pb.subarray(off, off + d)));
            }
          }
        }
        stateBuf.destroy();
        partialsBuf.destroy();
      }
    } finally {
      x0Buf.destroy();
      paramBuf.destroy();
      pathsBuf.destroy();
      countsBuf.destroy();
      histBuf.destroy();
    }
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, threadStepBudget } },
      checkpoints: acc,
      paths,
      finalState,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches },
    };
  }
}

function writeParams(
  v: DataView, s: ResolvedScenario, np: ReturnType<typeof noiseParams>, disp: Dispatch,
  trajOffset: number, n: number, fresh: boolean, keep: number, nWg: number,
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
  f(32, s.alpha);
  f(36, np.h);
  u(40, s.iStar);
  u(44, keep);
  f(48, np.lo);
  f(52, np.width);
  f(56, np.sd);
  u(60, nWg);
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
  b.hist = hist.slice(c * H_BINS, (c + 1) * H_BINS);
  // Decode the order-preserving f32 bits of −L (see NCNT in chain.wgsl).
  const bits = new Uint32Array(2), fl = new Float32Array(bits.buffer);
  bits[0] = ~counts[cb + d + 4]! >>> 0;
  bits[1] = counts[cb + d + 5]!;
  b.maxLogGap = -fl[0]!;
  b.minLogGap = -fl[1]!;
  const vertexTotal = b.vertexCounts.reduce((x, y) => x + y, 0);
  if (vertexTotal !== n) throw new Error(`device counts do not add up at step ${a.step}: ${vertexTotal} of ${n} trajectories`);
  for (let w = 0; w < nWg; w++) {
    const base = (c * nWg + w) * nv * PARTIAL;
    const m = (v: number) => ({
      n: partials[base + PARTIAL * v]!, mean: partials[base + PARTIAL * v + 1]!, m2: partials[base + PARTIAL * v + 2]!,
    });
    b.logGap = mergeMoments(b.logGap, m(0));
    b.gap = mergeMoments(b.gap, m(1));
    b.logGapSuccess = mergeMoments(b.logGapSuccess, m(2));
    b.gapSuccess = mergeMoments(b.gapSuccess, m(3));
    if (b.p) for (let i = 0; i < d; i++) b.p[i] = mergeMoments(b.p[i]!, m(NV_FIXED + i));
  }
  if (b.logGap.n !== n || b.logGapSuccess.n !== b.successCount) {
    throw new Error(`device moments do not add up at step ${a.step}: ${b.logGap.n} of ${n} trajectories`);
  }
  return mergeAccumulators(a, b);
}
