/**
 * The WebGPU engine of the zero-order learner, shaders/zero-order.wgsl: one thread per replicate of one (d, n) grid
 * point, θ and ξ in a storage buffer (coordinate-major, neighbouring threads on neighbouring words), the flow grid Z
 * (f32, computed on the host in f64: point.ts) read-only and shared, the same Philox words as the CPU engine. Per
 * batch of threads (src/engines/webgpu/ensemble-host.ts): an initialising dispatch, stepping dispatches of at most
 * `stepsPerDispatch` update events (checkpoints and path points are recorded inside them as they are passed), and a
 * finishing dispatch; the per-copy records, θ and the paths are read back once per batch and folded into the
 * accumulator in copy order.
 */
import type { AcquiredDevice } from '../../engines/webgpu/device.ts';
import { onNewDevice } from '../../engines/webgpu/host.ts';
import { EnsembleHost, type BatchContext } from '../../engines/webgpu/ensemble-host.ts';
import { STEP_FIELDS, stepPlan, stepValues } from '../../engines/webgpu/dispatch-plan.ts';
import { WG, kernelSource, wgslConstants } from '../../engines/webgpu/shader-source.ts';
import { uniformLayout } from '../../engines/webgpu/uniform-layout.ts';
import { zeroOrderAccumulatorFor, type ZeroOrderResult, type ZeroOrderRunOptions } from './cpu-engine.ts';
import { ZERO_ORDER_STREAM } from './loss.ts';
import { zeroOrderPoint, type ZeroOrderPoint } from './point.ts';
import type { ResolvedZeroOrderScenario } from './scenario.ts';
import { REC, ZO_FLAG, accumulateCopy } from './stats.ts';

const PARAMS = uniformLayout({
  ...STEP_FIELDS,
  block_base: 'u32 // (grid point << 16): high bits of the Philox block word',
  step: 'f32 // alpha / n, or alpha / (n lambda) on the Poisson clock',
  amp: 'f32 // A',
  nu: 'f32 // update events per unit time (Poisson clock)',
  grid_n: 'f32 // n: flow-grid rows per unit time',
  t_end: 'f32 // T times opportunities',
  opp_t: 'f32 // T',
});

/** Loop iterations of one update event (an over-estimate, for the software adapter's loop limit). */
export function zeroOrderStepIterations(p: ZeroOrderPoint): number {
  const net = p.loss.kind === 'network' ? 2 * (p.loss.net.h * (p.loss.net.m0 + p.loss.net.mo) + p.loss.net.h + p.loss.net.mo) : p.d;
  return p.NB * 5 + net + p.d + 16;
}

export function zeroOrderShaderSource(p: ZeroOrderPoint): Promise<string> {
  const net = p.loss.net, network = p.loss.kind === 'network';
  const header = wgslConstants({
    D: p.d, NB: p.NB, LOSS: network ? 1 : 0, TWO_POINT: p.twoPoint, POISSON: p.poisson,
    M0: Math.max(1, net.m0), HN: Math.max(1, net.h), MO: Math.max(1, net.mo), P1: net.h * net.m0,
    SAMPLES: p.loss.samples, NT: p.NT, KOPP: p.K, C: p.ckK.length, PP: p.pathK.length, KEEP: p.paths, NFLOW: p.N,
    REC, STREAM: ZERO_ORDER_STREAM, F_NONFINITE: ZO_FLAG.nonFinite, F_EVENT_CAP: ZO_FLAG.eventCap,
  });
  return kernelSource({ kernel: 'zero-order.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'common.wgsl'] });
}

/** The read-only buffers of a grid point: flow grid and checkpoint flows, loss data, crossing tables. */
function pointBuffers(p: ZeroOrderPoint) {
  const flow = new Float32Array(p.flow.length + p.flowCk.length);
  flow.set(p.flow);
  flow.set(p.flowCk, p.flow.length);
  const data = p.loss.kind === 'quadratic' ? Float32Array.from(p.loss.hdiag) : Float32Array.from([...p.loss.xs, ...p.loss.ys]);
  const C = p.ckK.length, PP = p.pathK.length;
  const ck = new Uint32Array(3 * C + 2 * PP);
  const bits = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0]!;
  for (let c = 0; c < C; c++) { ck[c] = p.ckK[c]!; ck[C + c] = bits(p.ckT[c]!); ck[2 * C + c] = p.ckSample[c]!; }
  for (let q = 0; q < PP; q++) { ck[3 * C + q] = p.pathK[q]!; ck[3 * C + PP + q] = bits(p.pathT[q]!); }
  return { flow, data, ck };
}

export class ZeroOrderWebGpuEngine extends EnsembleHost<typeof PARAMS> {
  private constructor(gpu: AcquiredDevice) {
    super(gpu, PARAMS, 7, 3);
  }

  /** Returns null when no adapter is available. */
  static create(): Promise<ZeroOrderWebGpuEngine | null> {
    return onNewDevice((gpu) => new ZeroOrderWebGpuEngine(gpu));
  }

  async run(s: ResolvedZeroOrderScenario, point: number, o: ZeroOrderRunOptions = {}): Promise<ZeroOrderResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const p = zeroOrderPoint(s, point), d = p.d, C = p.ckK.length, PP = p.pathK.length, R = end - start;
    const code = await zeroOrderShaderSource(p);
    const pipeline = await this.cachedPipeline(code, `zero-order d=${d} n=${p.n}`, () => Promise.resolve(code));
    const batchSize = this.batchSize({ requested: o.batchSize, software: 1024, hardware: 1 << 16, bytesPerThread: 8 * d });
    const acc = zeroOrderAccumulatorFor(s, point);
    const copies = o.captureCopies
      ? { n: R, rec: new Float32Array(R * C * REC), theta: new Float32Array(R * d), flags: new Uint32Array(R) }
      : undefined;
    const bufs = pointBuffers(p);
    const fixed = { block_base: p.blockBase, step: p.step, amp: p.A, nu: p.nu, grid_n: p.n, t_end: p.tEnd, opp_t: p.T };
    const fin = new Float64Array(d);
    const collect = async (b: BatchContext) => {
      const rec = new Float32Array(await b.read('rec'));
      const st = new Float32Array(await b.read('st'));
      const meta = new Uint32Array(await b.read('meta'));
      const paths = b.b0 < p.paths ? new Float32Array(await b.read('paths')) : null;
      const th = new Float32Array(d);
      for (let t = 0; t < b.n; t++) {
        for (let i = 0; i < d; i++) { th[i] = st[i * b.n + t]!; fin[i] = th[i]! - p.flowCk[(C - 1) * d + i]!; }
        const copy = b.b0 + t, flags = meta[4 * t + 3]!;
        accumulateCopy(acc, rec, t * C * REC, fin, 0, copy, copy < p.paths ? paths!.subarray(t * PP, (t + 1) * PP) : null, flags);
        if (copies) {
          copies.rec.set(rec.subarray(t * C * REC, (t + 1) * C * REC), (b.rel0 + t) * C * REC);
          copies.theta.set(th, (b.rel0 + t) * d);
          copies.flags[b.rel0 + t] = flags;
        }
      }
    };
    let stepsPerDispatch = 0;
    const { dispatches } = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, total: R * p.J, signal: o.signal, onProgress: o.onProgress, t0,
      shared: { flow: { bytes: 4 * bufs.flow.length, data: bufs.flow }, data: { bytes: 4 * Math.max(1, bufs.data.length), data: bufs.data }, ck: { bytes: 4 * bufs.ck.length, data: bufs.ck } },
      perBatch: ({ n }) => ({ st: 8 * d * n, meta: 16 * n, rec: 4 * C * REC * n, paths: 4 * Math.max(1, p.paths) * PP }),
      bindings: ['flow', 'data', 'ck', 'st', 'meta', 'rec', 'paths'],
      phases: (b) => {
        // Hardware: ~2^26 loop iterations per dispatch; software: under the loop-iteration limit.
        const it = zeroOrderStepIterations(p);
        stepsPerDispatch = this.stepsPerDispatch(b.n, { requested: o.stepsPerDispatch, budget: Math.max(1, Math.floor((1 << 26) / it)), iterationsPerStep: it });
        // init, the events in chunks, then the finishing dispatch (the plan's "checkpoint" at J)
        const plan = stepPlan([p.J], stepsPerDispatch);
        return [{ dispatches: plan.map((dp) => ({ steps: dp.n1 - dp.n0, values: { ...stepValues(s.seedKey, b, dp, C), ...fixed } })), finish: collect }];
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: { ...this.info, details: { ...this.info.details, workgroupSize: WG, batchSize, stepsPerDispatch } },
      accumulator: acc, copies,
      timing: { seconds, dispatches, updates: R * p.J },
    };
  }
}
