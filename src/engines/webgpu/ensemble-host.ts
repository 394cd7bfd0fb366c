/**
 * The one batch loop of every WebGPU ensemble engine. A model supplies its pipeline, its buffers, and per batch a
 * list of phases: the parameter values of each dispatch (or of each round of an until-idle loop) and what to do with
 * the read-back. The host owns the rest: the trajectory range cut into device batches, buffers created and destroyed,
 * one uniform parameter slot per dispatch at a dynamic offset (written through the kernel's UniformLayout),
 * `group` dispatches per submit, cancellation between submits, progress, read-backs, and a lost device reported as an
 * error (the run layer then retries the batch on a fresh engine).
 *
 * Phases of a batch, in order:
 *  - planned: a fixed list of dispatches, each with its parameter values and its steps per thread (progress);
 *  - until idle: rounds of dispatches until a still-running counter reads 0 (the kernel counts the threads that are
 *    not done into word j of the counter buffer in dispatch j of a round; the host clears it before each round and
 *    reads the round's last word) — for event-driven kernels whose work per thread is not known in advance;
 *  - then `finish`: read-backs of the batch's buffers, merged into the model's statistics.
 */
import { checkAborted, type EngineInfo, type Progress } from '../types.ts';
import { encodeDispatches, readBuffer, type AcquiredDevice } from './device.ts';
import { WebGpuHost } from './host.ts';
import { WG } from './shader-source.ts';
import type { UniformLayout, ValuesOf } from './uniform-layout.ts';

/** A storage buffer: its size in bytes, or that and initial contents (data, or a 32-bit pattern repeated). */
export type BufferInit = number | { bytes: number; data?: ArrayBufferView<ArrayBuffer>; fill?: number };

export interface BatchContext {
  /** This batch's threads [b0, b1) in the run's numbering; n = b1 − b0; rel0 = b0 − the range's start. */
  index: number;
  b0: number;
  b1: number;
  n: number;
  rel0: number;
  nWg: number;
  /** Read a buffer back (its declared size, or the first `bytes`). */
  read(name: string, bytes?: number): Promise<ArrayBuffer>;
}

export interface Phase<V> {
  /** Dispatches in order: parameter values, and steps per thread (for progress). */
  dispatches?: readonly { values: V; steps: number }[];
  /** Rounds of `size(round)` dispatches until the counter buffer's word for the round's last dispatch reads 0. */
  untilIdle?: { counter: string; size(round: number): number; values(round: number, j: number): V };
  /** Steps per thread credited to progress when the phase is done (until-idle phases). */
  work?: number;
  finish?(b: BatchContext): Promise<void> | void;
}

export interface EnsembleSpec<V> {
  pipeline: GPUComputePipeline;
  /** Threads [start, end) of the run, cut into batches of batchSize. */
  range: readonly [number, number];
  batchSize: number;
  /** Dispatches per submit (and parameter slots). */
  group?: number;
  /** Buffers for the whole run, and per batch (sized by the batch). */
  shared?: Record<string, BufferInit>;
  perBatch?(b: { n: number; b0: number; nWg: number }): Record<string, BufferInit>;
  /** Buffer names at bindings 1, 2, … */
  bindings: readonly string[];
  phases(b: BatchContext): Iterable<Phase<V>>;
  /** After the last batch: read-backs of shared buffers. */
  end?(read: (name: string, bytes?: number) => Promise<ArrayBuffer>): Promise<void>;
  total: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** When the run started (progress's elapsed time); default: now. */
  t0?: number;
}

/** Steps per dispatch that keep a software adapter under its loop limit: llvmpipe (lavapipe) silently ends a shader
 *  invocation after ~65 535 loop iterations; by default a dispatch keeps ~48 000 of that budget. */
export function softwareStepCap(iterationsPerStep: number, loopBudget = 48_000): number {
  return Math.max(1, Math.floor(loopBudget / iterationsPerStep));
}

const USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** The device was lost during a run (driver reset, watchdog, out of memory, destroyed): the batch can be retried on a
 *  fresh engine (the run layer does). */
export class DeviceLostError extends Error {
  constructor(reason: string, cause?: unknown) {
    super(`WebGPU device lost: ${reason}`, { cause });
    this.name = 'DeviceLostError';
  }
}

export abstract class EnsembleHost<L extends UniformLayout<any>> extends WebGpuHost {
  private lost: string | null = null;
  private readonly lostReason: Promise<string>;

  protected constructor(gpu: AcquiredDevice, protected readonly params: L, storage: number, readOnly = 0) {
    super(gpu, { paramSize: params.size, storage, readOnly });
    this.lostReason = (gpu.device.lost ?? new Promise<never>(() => {})).then((i) => (this.lost = i.message || String(i.reason)));
  }

  /** Threads per batch: the request (or a default per adapter kind), bounded by the dispatch grid and state size. */
  protected batchSize(o: { requested?: number; software: number; hardware: number; bytesPerThread: number; min?: number; max?: number }): number {
    const lim = this.gpu.device.limits;
    const maxByGrid = lim.maxComputeWorkgroupsPerDimension * WG;
    const maxByState = Math.floor(lim.maxStorageBufferBindingSize / o.bytesPerThread);
    const want = o.requested ?? (this.software ? o.software : o.hardware);
    return Math.max(o.min ?? 1, Math.min(want, maxByGrid, maxByState, o.max ?? Infinity));
  }

  /** Steps per dispatch for n threads: the request or budget / n, capped on software adapters (softwareStepCap). */
  protected stepsPerDispatch(n: number, o: { requested?: number; budget: number; min?: number; iterationsPerStep?: number; loopBudget?: number }): number {
    const wanted = o.requested ?? Math.max(o.min ?? 1, Math.floor(o.budget / n));
    if (!this.software || o.iterationsPerStep === undefined) return wanted;
    return Math.min(wanted, softwareStepCap(o.iterationsPerStep, o.loopBudget));
  }

  private checkDevice(): void {
    if (this.lost !== null) throw new DeviceLostError(this.lost);
  }

  /** A failure of a run: a DeviceLostError when the device was lost (its loss may be reported a moment later). */
  private async explain(e: unknown): Promise<unknown> {
    if ((e as Error)?.name === 'AbortError' || e instanceof DeviceLostError) return e;
    const lost = await Promise.race([this.lostReason, new Promise<null>((ok) => setTimeout(() => ok(null), 50))]);
    return lost === null ? e : new DeviceLostError(`${lost} (${(e as Error)?.message ?? e})`, e);
  }

  private create(spec: Record<string, BufferInit>): { bufs: Map<string, GPUBuffer>; bytes: Map<string, number> } {
    const device = this.gpu.device;
    const bufs = new Map<string, GPUBuffer>(), bytes = new Map<string, number>();
    for (const [name, init] of Object.entries(spec)) {
      const b = typeof init === 'number' ? { bytes: init } : init;
      const buf = device.createBuffer({ size: Math.max(16, Math.ceil(b.bytes / 4) * 4), usage: USAGE() });
      if (b.data) device.queue.writeBuffer(buf, 0, b.data);
      else if (b.fill !== undefined && b.bytes > 0) device.queue.writeBuffer(buf, 0, new Uint32Array(b.bytes / 4).fill(b.fill >>> 0));
      bufs.set(name, buf);
      bytes.set(name, b.bytes);
    }
    return { bufs, bytes };
  }

  /** The engine's info with a run's details (the workgroup size, and what the engine adds). */
  protected runInfo(details: Record<string, unknown>): EngineInfo {
    return { ...this.info, details: { ...this.info.details, workgroupSize: WG, ...details } };
  }

  /** Run the batch loop; returns the number of dispatches and the seconds since spec.t0. */
  protected async runEnsemble(spec: EnsembleSpec<ValuesOf<L>>): Promise<{ seconds: number; dispatches: number }> {
    const device = this.gpu.device;
    const t0 = spec.t0 ?? performance.now();
    const [start, end] = spec.range;
    const group = spec.group ?? 32;
    const stride = Math.ceil(this.params.size / 256) * 256;
    const paramBuf = device.createBuffer({ size: stride * group, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const shared = this.create(spec.shared ?? {});
    let done = 0, dispatches = 0;
    const progress = (steps: number) => {
      done += steps;
      spec.onProgress?.({ done, total: spec.total, elapsedSeconds: (performance.now() - t0) / 1000 });
    };
    const reader = (bufs: Map<string, GPUBuffer>, bytes: Map<string, number>) => async (name: string, size?: number) => {
      const n = size ?? bytes.get(name);
      if (n === undefined) throw new Error(`ensemble host: no buffer ${name}`);
      const out = n > 0 ? await readBuffer(device, bufs.get(name)!, n) : new ArrayBuffer(0);
      this.checkDevice();
      return out;
    };
    // One submit of `count` dispatches, parameter slot j holding values(j).
    const submit = (bindGroup: GPUBindGroup, nWg: number, count: number, values: (j: number) => ValuesOf<L>, counter?: GPUBuffer) => {
      checkAborted(spec.signal);
      this.checkDevice();
      if (count > group) throw new Error(`ensemble host: ${count} dispatches in a submit of at most ${group}`);
      const block = new ArrayBuffer(stride * count);
      for (let j = 0; j < count; j++) this.params.write(new DataView(block, j * stride, this.params.size), values(j));
      device.queue.writeBuffer(paramBuf, 0, block);
      const enc = device.createCommandEncoder();
      if (counter) enc.clearBuffer(counter);
      encodeDispatches(enc, spec.pipeline, bindGroup, count, nWg, stride);
      device.queue.submit([enc.finish()]);
      dispatches += count;
    };
    try {
      for (let b0 = start, index = 0; b0 < end; b0 += spec.batchSize, index++) {
        const b1 = Math.min(end, b0 + spec.batchSize), n = b1 - b0, nWg = Math.ceil(n / WG);
        const own = this.create(spec.perBatch?.({ n, b0, nWg }) ?? {});
        try {
          const bufs = new Map([...shared.bufs, ...own.bufs]), bytes = new Map([...shared.bytes, ...own.bytes]);
          const bindGroup = device.createBindGroup({
            layout: this.bindLayout!,
            entries: [
              { binding: 0, resource: { buffer: paramBuf, size: this.params.size } },
              ...spec.bindings.map((name, j) => {
                const buffer = bufs.get(name);
                if (!buffer) throw new Error(`ensemble host: no buffer ${name}`);
                return { binding: j + 1, resource: { buffer } };
              }),
            ],
          });
          const ctx: BatchContext = { index, b0, b1, n, rel0: b0 - start, nWg, read: reader(bufs, bytes) };
          for (const phase of spec.phases(ctx)) {
            const list = phase.dispatches ?? [];
            for (let g = 0; g < list.length; g += group) {
              const part = list.slice(g, g + group);
              submit(bindGroup, nWg, part.length, (j) => part[j]!.values);
              await device.queue.onSubmittedWorkDone();
              progress(n * part.reduce((a, d) => a + d.steps, 0));
            }
            const u = phase.untilIdle;
            for (let round = 0; u; round++) {
              const count = u.size(round);
              submit(bindGroup, nWg, count, (j) => u.values(round, j), bufs.get(u.counter));
              if (new Uint32Array(await ctx.read(u.counter, 4 * count))[count - 1] === 0) break;
            }
            await phase.finish?.(ctx);
            if (phase.work !== undefined) progress(n * phase.work);
          }
        } finally {
          for (const b of own.bufs.values()) b.destroy();
        }
      }
      await spec.end?.(reader(shared.bufs, shared.bytes));
    } catch (e) {
      throw await this.explain(e);
    } finally {
      paramBuf.destroy();
      for (const b of shared.bufs.values()) b.destroy();
    }
    return { seconds: (performance.now() - t0) / 1000, dispatches };
  }
}

/**
 * The base class of a model's engine: its kernel's uniform block and `storage` storage buffers (the first `readOnly`
 * of them read-only). The engine's `static create()` is `onNewDevice((gpu) => new Engine(gpu))`.
 */
export function ensembleEngine<L extends UniformLayout<any>>(params: L, storage: number, readOnly = 0) {
  abstract class Base extends EnsembleHost<L> {
    constructor(gpu: AcquiredDevice) {
      super(gpu, params, storage, readOnly);
    }
  }
  return Base;
}
