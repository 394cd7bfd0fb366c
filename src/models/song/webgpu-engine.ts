/**
 * The WebGPU engine for Model B (Song, Miller & Abbott 2000), shaders/song.wgsl: one thread per copy, the copy's
 * weights, presynaptic traces and last-spike steps in storage buffers, the same Philox stream as
 * src/models/song/cpu-engine.ts. Per batch of copies: an initialising dispatch, then stepping dispatches of at most
 * `stepsPerDispatch` steps, and at every checkpoint a dispatch that writes each copy's weight histogram and mean
 * weight; the host reads back the per-copy window counts, histograms and flags (small) once per batch.
 *
 * Layout of the per-input arrays: "copy-major" (w[t·NP + i], each copy's weights contiguous; default: an output
 * spike sweeps one copy's N_in weights, and input spikes hit random inputs, so neighbouring threads rarely touch
 * neighbouring inputs) or "input-major" (w[i·n + t]). See test/engines/song.test.ts for the measurement.
 */
import type { ResolvedSongScenario } from './scenario.ts';
import { SONG_BINS, accumulateSong } from './stats.ts';
import {
  emptyCopyData, songAccumulatorFor, songParams, type SongParams, type SongResult, type SongRunOptions,
} from './cpu-engine.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, loadShader, readBuffer, encodeDispatches, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const UNROLL = 8;
const PARAM_STRIDE = 512;
const PARAM_SIZE = 368;
const GROUP = 32; // dispatches per submit

export type SongLayout = 'copy-major' | 'input-major';

/**
 * Steps per dispatch on a software adapter: llvmpipe (lavapipe) silently ends an invocation after ~65 535 loop
 * iterations. A step costs at most 2 + 2·KMAX iterations (count, index draws with repeats) plus NP/UNROLL for an
 * output spike; the cap assumes an output spike in every step and keeps ~48 000 of the budget.
 */
export function songSoftwareStepCap(inputs: number, kMax: number): number {
  const np = Math.ceil(inputs / UNROLL) * UNROLL;
  return Math.max(1, Math.floor(48_000 / (4 + 2 * kMax + np / UNROLL)));
}

export async function songShaderSource(sp: SongParams, layout: SongLayout): Promise<string> {
  const np = Math.ceil(sp.N / UNROLL) * UNROLL;
  const header = [
    `const N: u32 = ${sp.N}u;`,
    `const NP: u32 = ${np}u;`,
    `const UNROLL: u32 = ${UNROLL}u;`,
    `const LAYOUT: u32 = ${layout === 'copy-major' ? 0 : 1}u;`,
    `const KMAX: u32 = ${sp.kMax}u;`,
    `const METHOD: u32 = ${sp.method}u;`,
    `const WG: u32 = ${WG}u;`,
    `const BINS: u32 = ${SONG_BINS}u;`,
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('song.wgsl')}`;
}

export class SongWebGpuEngine extends WebGpuHost {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: PARAM_SIZE, storage: 8, readOnly: 0 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<SongWebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new SongWebGpuEngine(gpu) : null;
  }

  private async pipeline(sp: SongParams, layout: SongLayout): Promise<GPUComputePipeline> {
    const key = `${sp.N}:${sp.kMax}:${sp.method}:${layout}`;
    return this.cachedPipeline(key, `song ${key}`, () => songShaderSource(sp, layout));
  }

  async run(s: ResolvedSongScenario, o: SongRunOptions = {}): Promise<SongResult> {
    const t0 = performance.now();
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const nAll = end - start;
    const sp = songParams(s);
    const layout = o.layout ?? 'copy-major';
    const pipeline = await this.pipeline(sp, layout);
    const np = Math.ceil(sp.N / UNROLL) * UNROLL;
    const C = s.checkpoints.length, Wn = s.windows, B1 = SONG_BINS + 1;
    const mi = o.captureInputs ?? 0, mo = o.captureOutputs ?? 0;
    const limits = device.limits;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (4 * np));
    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const defaultBatch = this.gpu.software ? 1024 : 1 << 15;
    const batchSize = Math.max(1, Math.min(o.batchSize ?? defaultBatch, maxByState, maxByGrid));
    const data = emptyCopyData(nAll, Wn, C);
    const inputs = mi > 0 ? new Int32Array(nAll * mi * 2) : undefined;
    const outputs = mo > 0 ? new Int32Array(nAll * mo) : undefined;
    const finalWeights = o.captureFinalWeights ? new Float32Array(nAll * sp.N) : undefined;
    const total = nAll * s.steps;
    let done = 0, dispatches = 0, stepsPerDispatch = 0;
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    try {
      for (let b0 = start; b0 < end; b0 += batchSize) {
        const b1 = Math.min(end, b0 + batchSize), n = b1 - b0, rel0 = b0 - start;
        const nWg = Math.ceil(n / WG);
        // Hardware: ~2^24 copy-steps per dispatch; software: under lavapipe's loop-iteration limit.
        const wanted = o.stepsPerDispatch ?? Math.max(1, Math.floor((1 << 24) / n));
        stepsPerDispatch = this.gpu.software ? Math.min(wanted, songSoftwareStepCap(sp.N, sp.kMax)) : wanted;
        const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
        const mk = (bytes: number) => device.createBuffer({ size: Math.max(16, bytes), usage });
        const bufs = {
          scal: mk(16 * n), meta: mk(16 * n), w: mk(4 * np * n), apre: mk(4 * np * n), last: mk(4 * np * n),
          counts: mk(4 * Wn * n), outs: mk(4 * C * B1 * n), cap: mk(4 * n * (2 * mi + mo)),
        };
        const list = [bufs.scal, bufs.meta, bufs.w, bufs.apre, bufs.last, bufs.counts, bufs.outs, bufs.cap];
        const bindGroup = device.createBindGroup({
          layout: this.bindLayout!,
          entries: [
            { binding: 0, resource: { buffer: paramBuf, size: PARAM_SIZE } },
            ...list.map((buffer, j) => ({ binding: j + 1, resource: { buffer } })),
          ],
        });
        if (mi + mo > 0) {
          device.queue.writeBuffer(bufs.cap, 0, new Int32Array(n * (2 * mi + mo)).fill(-1));
        }
        // The dispatch plan: initialise; step to each checkpoint in chunks; weight statistics at each checkpoint.
        const plan: { mode: number; n0: number; n1: number; slot: number }[] = [{ mode: 2, n0: 0, n1: 0, slot: 0 }];
        let k = 0;
        for (let c = 0; c < C; c++) {
          const target = s.checkpoints[c]!;
          while (k < target) {
            const k1 = Math.min(target, k + stepsPerDispatch);
            plan.push({ mode: 0, n0: k, n1: k1, slot: 0 });
            k = k1;
          }
          plan.push({ mode: 1, n0: k, n1: k, slot: c });
        }
        for (let g = 0; g < plan.length; g += GROUP) {
          checkAborted(o.signal);
          const group = plan.slice(g, g + GROUP);
          const params = new ArrayBuffer(PARAM_STRIDE * group.length);
          group.forEach((d, j) => writeParams(new DataView(params, j * PARAM_STRIDE, PARAM_SIZE), s, sp, d, b0, n, mi, mo));
          device.queue.writeBuffer(paramBuf, 0, params);
          const enc = device.createCommandEncoder();
          encodeDispatches(enc, pipeline, bindGroup, group.length, nWg, PARAM_STRIDE);
          device.queue.submit([enc.finish()]);
          await device.queue.onSubmittedWorkDone();
          dispatches += group.length;
          done += n * group.reduce((a, d) => a + (d.n1 - d.n0), 0);
          o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
        }
        const counts = new Uint32Array(await readBuffer(device, bufs.counts, 4 * Wn * n));
        data.windowCounts.set(counts, rel0 * Wn);
        const outs = new Uint32Array(await readBuffer(device, bufs.outs, 4 * C * B1 * n));
        const outsF = new Float32Array(outs.buffer);
        for (let t = 0; t < n; t++) {
          for (let c = 0; c < C; c++) {
            const src = (t * C + c) * B1, dst = ((rel0 + t) * C + c) * SONG_BINS;
            for (let b = 0; b < SONG_BINS; b++) data.hists[dst + b] = outs[src + b]!;
            data.meanW[(rel0 + t) * C + c] = outsF[src + SONG_BINS]!;
          }
        }
        const meta = new Uint32Array(await readBuffer(device, bufs.meta, 16 * n));
        for (let t = 0; t < n; t++) data.flags[rel0 + t] = meta[t * 4]!;
        if (mi + mo > 0) {
          const cap = new Int32Array(await readBuffer(device, bufs.cap, 4 * n * (2 * mi + mo)));
          if (inputs) inputs.set(cap.subarray(0, 2 * mi * n), rel0 * 2 * mi);
          if (outputs) outputs.set(cap.subarray(2 * mi * n, 2 * mi * n + mo * n), rel0 * mo);
        }
        if (finalWeights) {
          const w = new Float32Array(await readBuffer(device, bufs.w, 4 * np * n));
          for (let t = 0; t < n; t++) {
            for (let i = 0; i < sp.N; i++) {
              finalWeights[(rel0 + t) * sp.N + i] = w[layout === 'copy-major' ? t * np + i : i * n + t]!;
            }
          }
        }
        for (const b of list) b.destroy();
      }
    } finally {
      paramBuf.destroy();
    }
    const acc = songAccumulatorFor(s);
    accumulateSong(acc, data);
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, stepsPerDispatch, layout } },
      accumulator: acc,
      copies: data,
      inputs,
      outputs,
      finalWeights,
      timing: { seconds, dispatches, copySeconds: nAll > 0 ? seconds / nAll : 0 },
    };
  }
}

function writeParams(
  v: DataView, s: ResolvedSongScenario, sp: SongParams, d: { mode: number; n0: number; n1: number; slot: number },
  trajOffset: number, n: number, mi: number, mo: number,
): void {
  const u = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  const f = (o: number, x: number) => v.setFloat32(o, x, true);
  u(0, s.seedKey[0]);
  u(4, s.seedKey[1]);
  u(8, trajOffset);
  u(12, n);
  u(16, d.n0);
  u(20, d.n1);
  u(24, d.mode);
  u(28, d.slot);
  u(32, s.checkpoints.length);
  u(36, s.windows);
  u(40, s.stepsPerWindow);
  u(44, mi);
  u(48, mo);
  f(64, sp.a);
  f(68, sp.geDecay);
  f(72, sp.postDecay);
  f(76, sp.preRate);
  f(80, sp.El);
  f(84, sp.Ee);
  f(88, sp.Vt);
  f(92, sp.Vr);
  f(96, sp.v0);
  f(100, sp.gMax);
  f(104, sp.dApre);
  f(108, sp.dApost);
  for (let k = 0; k < 64; k++) f(112 + 4 * k, k < sp.kMax ? sp.cdf[k]! : 2);
}
