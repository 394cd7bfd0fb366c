/**
 * The WebGPU engine of the spiking network (Model A of issue 5, shaders/spiking.wgsl): one thread per trajectory,
 * weights and traces in a storage buffer (layout "coordinate": state[q·n + t], coalesced when the threads of a warp
 * touch the same field; "trajectory": state[t·NQ + q]), chunked by input events: each dispatch runs at most `budget`
 * events per thread and stops at the checkpoint's output spike; the host repeats dispatches until a device counter
 * of still-running trajectories reads 0, then reads the state rows back and reduces them with the same host code as
 * the CPU engine (collectRow). ISI and increment histograms are device atomics. Same Philox stream as spiking-cpu.ts.
 */
import type { ResolvedSpikingScenario } from './scenario.ts';
import {
  INC_BINS, INC_SLOTS, ISI_BINS, ISI_LN_LO, ISI_SCALE, emptySpikingAccumulator, mergeSpikingAccumulators,
} from './stats.ts';
import {
  A_D, A_PK, A_PS, A_PS2, A_PT, A_TRIG, A_V, BIG, F_ELL, F_EV, F_FLAGS, F_K, F_RHO, F_SV, F_T, F_TC, F_U, F_WINC,
  F_WINC2, F_WINCN, F_WISI, F_WISI2, F_WMIN, F_WN, F_Y, NS, RHO_SPAN, clearWindow, collectRow, countFlags,
  emptyCapture, emptyFlagCounts, initialRow, rowLength, spikingParams, type CollectScratch, type SpikingEnsembleResult,
  type SpikingParams, type SpikingRunOptions,
} from './cpu-engine.ts';
import { batches } from '../../engines/plan.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, loadShader, readBuffer, encodeDispatches, type AcquiredDevice } from '../../engines/webgpu/device.ts';
import { WebGpuHost } from '../../engines/webgpu/host.ts';

const WG = 64;
const PARAM_STRIDE = 256;
const PARAM_SIZE = 64;
const GROUP = 16; // dispatches per submit
const HB = ISI_BINS + INC_SLOTS;

function f32lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite WGSL constant ${v}`);
  const s = v.toPrecision(9);
  return /[.e]/.test(s) ? s : s + '.0';
}

export type SpikingLayout = 'coordinate' | 'trajectory';

/**
 * Events per thread per dispatch on a software adapter: llvmpipe stops an invocation after ~65 535 loop iterations
 * (nested ones included); one event costs 1 iteration, plus at most d (trace rescale) and 3d (output spike).
 */
export function softwareEventCap(d: number): number {
  return Math.max(1, Math.floor(48_000 / (4 * d + 2)));
}

export async function spikingShaderSource(sp: Pick<SpikingParams, 'd' | 'multiplicative' | 'online' | 'normaliseSum'>, layout: SpikingLayout): Promise<string> {
  const d = sp.d;
  const header = [
    `const D: u32 = ${d}u;`,
    `const WG: u32 = ${WG}u;`,
    `const NS: u32 = ${NS}u;`,
    `const NQ: u32 = ${rowLength(d)}u;`,
    `const LAYOUT: u32 = ${layout === 'coordinate' ? 0 : 1}u;`,
    `const MULT: u32 = ${sp.multiplicative ? 1 : 0}u;`,
    `const ONLINE: u32 = ${sp.online ? 1 : 0}u;`,
    `const NORM_SUM: u32 = ${sp.normaliseSum ? 1 : 0}u;`,
    `const RHO_SPAN: f32 = ${f32lit(RHO_SPAN)};`,
    `const BIG: f32 = ${f32lit(BIG)};`,
    `const ISI_BINS: u32 = ${ISI_BINS}u;`,
    `const ISI_LN_LO: f32 = ${f32lit(ISI_LN_LO)};`,
    `const ISI_SCALE: f32 = ${f32lit(ISI_SCALE)};`,
    `const INC_BINS: u32 = ${INC_BINS}u;`,
    `const INC_SLOTS: u32 = ${INC_SLOTS}u;`,
    `const HB: u32 = ${HB}u;`,
    ...Object.entries({ F_Y, F_U, F_RHO, F_ELL, F_T, F_TC, F_WN, F_WISI, F_WISI2, F_WINCN, F_WINC, F_WINC2, F_SV, F_WMIN })
      .map(([k, v]) => `const ${k}: u32 = ${v}u;`),
    ...Object.entries({ O_V: A_V, O_PT: A_PT, O_D: A_D, O_PK: A_PK, O_TRIG: A_TRIG, O_PS: A_PS, O_PS2: A_PS2 })
      .map(([k, v]) => `const ${k}: u32 = ${NS + v * d}u;`),
  ].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('spiking.wgsl')}`;
}

export class SpikingWebGpuEngine extends WebGpuHost {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, { paramSize: PARAM_SIZE, storage: 6, readOnly: 1 });
  }

  /** Returns null when no adapter is available. */
  static async create(): Promise<SpikingWebGpuEngine | null> {
    const gpu = await acquireDevice();
    return gpu ? new SpikingWebGpuEngine(gpu) : null;
  }

  private async pipeline(sp: SpikingParams, layout: SpikingLayout): Promise<GPUComputePipeline> {
    const key = `${sp.d}:${sp.multiplicative}:${sp.online}:${sp.normaliseSum}:${layout}`;
    return this.cachedPipeline(key, `spiking ${key}`, () => spikingShaderSource(sp, layout));
  }

  async run(s: ResolvedSpikingScenario, o: SpikingRunOptions = {}): Promise<SpikingEnsembleResult> {
    const t0 = performance.now();
    const device = this.gpu.device;
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const sp = spikingParams(s);
    const d = sp.d, NQ = rowLength(d);
    // Layout by measurement (d = 100, 2048 trajectories, 4.5 M events, Deno on lavapipe): trajectory-major
    // (state[t·NQ + q], each invocation walks its own row: what a CPU's caches want) ran 3.2–3.6 M events/s against
    // 2.95–3.1 M for coordinate-major; equal at d = 8. On a hardware GPU coordinate-major keeps a warp's reads of
    // the same coordinate coalesced, so it stays the default there (not measured: no GPU was lent).
    const layout: SpikingLayout = o.layout ?? (this.gpu.software ? 'trajectory' : 'coordinate');
    const pipeline = await this.pipeline(sp, layout);
    const slots = s.checkpoints.length;
    const limits = device.limits;
    const maxByGrid = limits.maxComputeWorkgroupsPerDimension * WG;
    const maxByState = Math.floor(limits.maxStorageBufferBindingSize / (4 * NQ));
    const defaultBatch = this.gpu.software ? 1 << 12 : 1 << 18;
    const batchSize = Math.max(1, Math.min(o.batchSize ?? defaultBatch, maxByGrid, maxByState));

    const acc = s.checkpoints.map((k) => emptySpikingAccumulator(k, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][]) : undefined;
    const nc = o.captureEvents ?? 0;
    const N = end - start;
    const events = nc > 0 ? emptyCapture(N, nc) : undefined;
    const finalState = o.captureFinalState ? new Float64Array(NQ * N) : undefined;
    const flagCounts = emptyFlagCounts();
    const sc: CollectScratch = { x: new Float64Array(d), p: new Float64Array(d) };
    const total = N * s.steps;
    let done = 0, dispatches = 0, nEvents = 0;

    const tab = new Uint32Array(3 * d);
    tab.set(sp.thr, 0);
    tab.set(sp.alias, d);
    new Float32Array(tab.buffer, 8 * d, d).set(sp.rates);
    const tabBuf = device.createBuffer({ size: 4 * tab.length, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(tabBuf, 0, tab);
    const paramBuf = device.createBuffer({ size: PARAM_STRIDE * GROUP, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const histBuf = device.createBuffer({ size: slots * HB * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const activeBuf = device.createBuffer({ size: GROUP * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const capBuf = device.createBuffer({ size: Math.max(16, N * nc * 12), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const row = new Float64Array(NQ);
    const init = initialRow(sp);

    try {
      for (const [b0, b1] of batches(start, end, batchSize)) {
        const n = b1 - b0;
        const nWg = Math.ceil(n / WG);
        const wanted = o.eventsPerDispatch ?? Math.max(256, Math.floor((1 << 27) / n));
        const budget = this.gpu.software ? Math.min(wanted, softwareEventCap(d)) : wanted;
        const at = layout === 'coordinate' ? (q: number, t: number) => q * n + t : (q: number, t: number) => t * NQ + q;
        const state0 = new Float32Array(NQ * n);
        for (let t = 0; t < n; t++) for (let q = 0; q < NQ; q++) state0[at(q, t)] = init[q]!;
        const stateBuf = device.createBuffer({ size: 4 * NQ * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        const istateBuf = device.createBuffer({ size: 4 * 3 * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(stateBuf, 0, state0);
        {
          const enc = device.createCommandEncoder();
          enc.clearBuffer(istateBuf);
          enc.clearBuffer(histBuf);
          device.queue.submit([enc.finish()]);
        }
        const bindGroup = device.createBindGroup({
          layout: this.bindLayout!,
          entries: [
            { binding: 0, resource: { buffer: paramBuf, size: PARAM_SIZE } },
            { binding: 1, resource: { buffer: tabBuf } },
            { binding: 2, resource: { buffer: stateBuf } },
            { binding: 3, resource: { buffer: histBuf } },
            { binding: 4, resource: { buffer: activeBuf } },
            { binding: 5, resource: { buffer: capBuf } },
            { binding: 6, resource: { buffer: istateBuf } },
          ],
        });
        const collect = async (c: number, last: boolean) => {
          const st = new Float32Array(await readBuffer(device, stateBuf, 4 * NQ * n));
          const ist = new Uint32Array(await readBuffer(device, istateBuf, 4 * 3 * n));
          for (let t = 0; t < n; t++) {
            for (let q = 0; q < NQ; q++) row[q] = st[at(q, t)]!;
            row[F_EV] = ist[t]!;
            row[F_K] = ist[n + t]!;
            row[F_FLAGS] = ist[2 * n + t]!;
            const p = collectRow(acc[c]!, row, sp, sc);
            const m = b0 + t - start;
            if (paths && m < nPaths) paths[m]!.push(p ? Array.from(p) : []);
            if (last) {
              countFlags(flagCounts, row[F_FLAGS]!);
              nEvents += row[F_EV]!;
              if (finalState) { clearWindow(row, d); finalState.set(row, m * NQ); }
            }
          }
        };
        await collect(0, slots === 1);
        for (let c = 1; c < slots; c++) {
          const target = s.checkpoints[c]!;
          let clear = true;
          for (;;) {
            checkAborted(o.signal);
            const params = new ArrayBuffer(PARAM_STRIDE * GROUP);
            for (let j = 0; j < GROUP; j++) {
              const v = new DataView(params, j * PARAM_STRIDE, PARAM_SIZE);
              const u = (off: number, x: number) => v.setUint32(off, x >>> 0, true);
              const f = (off: number, x: number) => v.setFloat32(off, x, true);
              u(0, s.seedKey[0]); u(4, s.seedKey[1]); u(8, b0); u(12, n); u(16, target); u(20, budget);
              u(24, clear && j === 0 ? 1 : 0); u(28, c); u(32, j); u(36, sp.maxEvents); u(40, nc); u(44, b0 - start);
              f(48, sp.invLambda); f(52, sp.threshold); f(56, sp.alpha); f(60, sp.ell0);
            }
            clear = false;
            device.queue.writeBuffer(paramBuf, 0, params);
            const enc = device.createCommandEncoder();
            enc.clearBuffer(activeBuf);
            encodeDispatches(enc, pipeline, bindGroup, GROUP, nWg, PARAM_STRIDE);
            device.queue.submit([enc.finish()]);
            dispatches += GROUP;
            const act = new Uint32Array(await readBuffer(device, activeBuf, GROUP * 4));
            if (act[GROUP - 1] === 0) break;
          }
          await collect(c, c === slots - 1);
          done += n * (target - s.checkpoints[c - 1]!);
          o.onProgress?.({ done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
        }
        const hist = new Uint32Array(await readBuffer(device, histBuf, slots * HB * 4));
        for (let c = 0; c < slots; c++) {
          const b = emptySpikingAccumulator(acc[c]!.step, d);
          for (let q = 0; q < ISI_BINS; q++) b.isiHist[q] = hist[c * HB + q]!;
          for (let q = 0; q < INC_SLOTS; q++) b.incHist[q] = hist[c * HB + ISI_BINS + q]!;
          acc[c] = mergeSpikingAccumulators(acc[c]!, b);
        }
        stateBuf.destroy();
        istateBuf.destroy();
      }
      if (events) {
        const raw = new Uint32Array(await readBuffer(device, capBuf, N * nc * 12));
        const fl = new Float32Array(raw.buffer);
        for (let q = 0; q < N * nc; q++) {
          // Unwritten slots (the trajectory had stopped) stay 0 from creation: mark them by dt = 0.
          if (raw[3 * q + 1] === 0) continue;
          events.source[q] = raw[3 * q]! & 0x7fffffff;
          events.fired[q] = raw[3 * q]! >>> 31;
          events.dt[q] = fl[3 * q + 1]!;
          events.y[q] = fl[3 * q + 2]!;
        }
      }
    } finally {
      tabBuf.destroy();
      paramBuf.destroy();
      histBuf.destroy();
      activeBuf.destroy();
      capBuf.destroy();
    }
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, layout } },
      checkpoints: acc,
      paths,
      events,
      finalState,
      flagCounts,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches, events: nEvents },
    };
  }
}
