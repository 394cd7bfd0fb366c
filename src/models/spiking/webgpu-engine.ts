/**
 * The WebGPU engine of the spiking network (Model A of issue 5, shaders/spiking.wgsl): one thread per trajectory,
 * weights and traces in a storage buffer (layout "coordinate": state[q·n + t], coalesced when the threads of a warp
 * touch the same field; "trajectory": state[t·NQ + q]), chunked by input events: each dispatch runs at most `budget`
 * events per thread and stops at the checkpoint's output spike; the ensemble host (src/engines/webgpu/ensemble-host.ts)
 * repeats dispatches until a device counter of still-running trajectories reads 0, then the state rows are read back
 * and reduced with the same host code as the CPU engine (collectRow). ISI and increment histograms are device
 * atomics. Same Philox stream as spiking-cpu.ts.
 */
import type { ResolvedSpikingScenario } from './scenario.ts';
import {
  INC_BINS, INC_SLOTS, ISI_BINS, ISI_LN_LO, ISI_SCALE, emptySpikingAccumulator, mergeSpikingAccumulators,
} from './stats.ts';
import {
  A_D, A_PK, A_PS, A_PS2, A_PT, A_TRIG, A_V, BIG, FLAG_CAPPED, FLAG_DEAD, FLAG_NEG_INTERVAL, FLAG_NEG_TRACE,
  FLAG_NONFINITE, STOP_MASK, F_ELL, F_EV, F_FLAGS, F_K, F_RHO, F_SV, F_T, F_TC, F_U, F_WINC,
  F_WINC2, F_WINCN, F_WISI, F_WISI2, F_WMIN, F_WN, F_Y, NS, RHO_SPAN, clearWindow, collectRow, countFlags,
  emptyCapture, emptyFlagCounts, initialRow, rowLength, spikingParams, type CollectScratch, type SpikingEnsembleResult,
  type SpikingParams, type SpikingRunOptions,
} from './cpu-engine.ts';
import {
  BATCH_FIELDS, ensembleEngine, kernelSource, onNewDevice, softwareStepCap, uniformLayout, wgslConstants,
  type BatchContext, type Phase, type ValuesOf,
} from '../../engines/webgpu/index.ts';

const GROUP = 16; // dispatches per submit (and still-running counters)
const HB = ISI_BINS + INC_SLOTS;

const PARAMS = uniformLayout({
  ...BATCH_FIELDS,
  k_target: 'u32   // stop at this output spike',
  budget: 'u32     // input events per thread in this dispatch',
  clear_win: 'u32  // 1: clear the window sums first (their checkpoint was collected)',
  slot: 'u32       // checkpoint slot of the histograms',
  cidx: 'u32       // index of this dispatch\'s "still running" counter',
  max_events: 'u32',
  cap_n: 'u32      // test hook: record the first cap_n events of each trajectory',
  cap_base: 'u32   // index of this batch\'s first trajectory in the capture buffer',
  inv_lambda: 'f32', threshold: 'f32', alpha: 'f32', ell0: 'f32',
});

export type SpikingLayout = 'coordinate' | 'trajectory';

/** Loop iterations of one event: 1, plus at most d (trace rescale) and 3d (output spike). */
const eventIterations = (d: number) => 4 * d + 2;

/** Events per thread per dispatch on a software adapter (softwareStepCap). */
export function softwareEventCap(d: number): number {
  return softwareStepCap(eventIterations(d));
}

export function spikingShaderSource(sp: Pick<SpikingParams, 'd' | 'multiplicative' | 'online' | 'normaliseSum'>, layout: SpikingLayout): Promise<string> {
  const d = sp.d;
  const offsets = { O_V: A_V, O_PT: A_PT, O_D: A_D, O_PK: A_PK, O_TRIG: A_TRIG, O_PS: A_PS, O_PS2: A_PS2 };
  const header = wgslConstants({
    D: d, NS, NQ: rowLength(d), LAYOUT: layout === 'coordinate' ? 0 : 1, MULT: sp.multiplicative, ONLINE: sp.online,
    NORM_SUM: sp.normaliseSum, ISI_BINS, INC_BINS, INC_SLOTS, HB,
    F_Y, F_U, F_RHO, F_ELL, F_T, F_TC, F_WN, F_WISI, F_WISI2, F_WINCN, F_WINC, F_WINC2, F_SV, F_WMIN,
    FLAG_CAPPED, FLAG_DEAD, FLAG_NONFINITE, FLAG_NEG_INTERVAL, FLAG_NEG_TRACE, STOP_MASK,
    ...Object.fromEntries(Object.entries(offsets).map(([k, v]) => [k, NS + v * d])),
  }, { RHO_SPAN, BIG, ISI_LN_LO, ISI_SCALE });
  return kernelSource({ kernel: 'spiking.wgsl', header, params: PARAMS, libraries: ['philox.wgsl'] });
}

export class SpikingWebGpuEngine extends ensembleEngine(PARAMS, 6, 1) {
  /** Returns null when no adapter is available. */
  static create(): Promise<SpikingWebGpuEngine | null> {
    return onNewDevice((gpu) => new SpikingWebGpuEngine(gpu));
  }

  private async pipeline(sp: SpikingParams, layout: SpikingLayout): Promise<GPUComputePipeline> {
    const key = `${sp.d}:${sp.multiplicative}:${sp.online}:${sp.normaliseSum}:${layout}`;
    return this.cachedPipeline(key, `spiking ${key}`, () => spikingShaderSource(sp, layout));
  }

  async run(s: ResolvedSpikingScenario, o: SpikingRunOptions = {}): Promise<SpikingEnsembleResult> {
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const sp = spikingParams(s);
    const d = sp.d, NQ = rowLength(d);
    // Layout by measurement (d = 100, 2048 trajectories, 4.5 M events, Deno on lavapipe): trajectory-major
    // (state[t·NQ + q], each invocation walks its own row: what a CPU's caches want) ran 3.2–3.6 M events/s against
    // 2.95–3.1 M for coordinate-major; equal at d = 8. On a hardware GPU coordinate-major keeps a warp's reads of
    // the same coordinate coalesced, so it stays the default there (not measured: no GPU was lent).
    const layout: SpikingLayout = o.layout ?? (this.software ? 'trajectory' : 'coordinate');
    const pipeline = await this.pipeline(sp, layout);
    const slots = s.checkpoints.length;
    const batchSize = this.batchSize({ requested: o.batchSize, software: 1 << 12, hardware: 1 << 18, bytesPerThread: 4 * NQ });
    const acc = s.checkpoints.map((k) => emptySpikingAccumulator(k, d));
    const nPaths = Math.max(0, Math.min(s.keepPaths, end) - start);
    const paths = nPaths > 0 ? Array.from({ length: nPaths }, () => [] as number[][]) : undefined;
    const nc = o.captureEvents ?? 0;
    const N = end - start;
    const events = nc > 0 ? emptyCapture(N, nc) : undefined;
    const finalState = o.captureFinalState ? new Float64Array(NQ * N) : undefined;
    const flagCounts = emptyFlagCounts();
    const sc: CollectScratch = { x: new Float64Array(d), p: new Float64Array(d) };
    let nEvents = 0;
    const tab = new Uint32Array(3 * d);
    tab.set(sp.thr, 0);
    tab.set(sp.alias, d);
    new Float32Array(tab.buffer, 8 * d, d).set(sp.rates);
    const row = new Float64Array(NQ);
    const init = initialRow(sp);
    const index = (n: number) => (layout === 'coordinate' ? (q: number, t: number) => q * n + t : (q: number, t: number) => t * NQ + q);

    // Checkpoint c of batch b: each state row through the CPU engine's reduction.
    const collect = async (b: BatchContext, c: number, last: boolean) => {
      const { n } = b, at = index(n);
      const st = new Float32Array(await b.read('state'));
      const ist = new Uint32Array(await b.read('istate'));
      for (let t = 0; t < n; t++) {
        for (let q = 0; q < NQ; q++) row[q] = st[at(q, t)]!;
        row[F_EV] = ist[t]!;
        row[F_K] = ist[n + t]!;
        row[F_FLAGS] = ist[2 * n + t]!;
        const p = collectRow(acc[c]!, row, sp, sc);
        const m = b.rel0 + t;
        if (paths && m < nPaths) paths[m]!.push(p ? Array.from(p) : []);
        if (last) {
          countFlags(flagCounts, row[F_FLAGS]!);
          nEvents += row[F_EV]!;
          if (finalState) { clearWindow(row, d); finalState.set(row, m * NQ); }
        }
      }
    };
    const histograms = async (b: BatchContext) => {
      const hist = new Uint32Array(await b.read('hist'));
      for (let c = 0; c < slots; c++) {
        const h = emptySpikingAccumulator(acc[c]!.step, d);
        for (let q = 0; q < ISI_BINS; q++) h.isiHist[q] = hist[c * HB + q]!;
        for (let q = 0; q < INC_SLOTS; q++) h.incHist[q] = hist[c * HB + ISI_BINS + q]!;
        acc[c] = mergeSpikingAccumulators(acc[c]!, h);
      }
    };
    const fixed = { max_events: sp.maxEvents, cap_n: nc, inv_lambda: sp.invLambda, threshold: sp.threshold, alpha: sp.alpha, ell0: sp.ell0 };
    const run = await this.runEnsemble({
      pipeline, range: [start, end], batchSize, group: GROUP, total: N * s.steps, signal: o.signal, onProgress: o.onProgress, t0,
      shared: { tab: { bytes: 4 * tab.length, data: tab }, active: GROUP * 4, cap: N * nc * 12 },
      perBatch: ({ n }) => {
        const at = index(n), state0 = new Float32Array(NQ * n);
        for (let t = 0; t < n; t++) for (let q = 0; q < NQ; q++) state0[at(q, t)] = init[q]!;
        return { state: { bytes: 4 * NQ * n, data: state0 }, hist: slots * HB * 4, istate: 4 * 3 * n };
      },
      bindings: ['tab', 'state', 'hist', 'active', 'cap', 'istate'],
      phases: (b) => {
        const budget = this.stepsPerDispatch(b.n, {
          requested: o.eventsPerDispatch, budget: 1 << 27, min: 256, iterationsPerStep: eventIterations(d),
        });
        // Checkpoint 0 is the initial state; each later one runs until every trajectory reached its output spike.
        const toCheckpoint = (c: number): Phase<ValuesOf<typeof PARAMS>> => ({
          untilIdle: {
            counter: 'active', size: () => GROUP,
            values: (round, j) => ({
              key: s.seedKey, traj_offset: b.b0, n_active: b.n, k_target: s.checkpoints[c]!, budget,
              clear_win: round === 0 && j === 0 ? 1 : 0, slot: c, cidx: j, cap_base: b.rel0, ...fixed,
            }),
          },
          finish: () => collect(b, c, c === slots - 1),
          work: s.checkpoints[c]! - s.checkpoints[c - 1]!,
        });
        return [
          { finish: () => collect(b, 0, slots === 1) },
          ...Array.from({ length: slots - 1 }, (_, i) => toCheckpoint(i + 1)),
          { finish: () => histograms(b) },
        ];
      },
      end: async (read) => {
        if (!events) return;
        const raw = new Uint32Array(await read('cap'));
        const fl = new Float32Array(raw.buffer);
        for (let q = 0; q < N * nc; q++) {
          // Unwritten slots (the trajectory had stopped) stay 0 from creation: mark them by dt = 0.
          if (raw[3 * q + 1] === 0) continue;
          events.source[q] = raw[3 * q]! & 0x7fffffff;
          events.fired[q] = raw[3 * q]! >>> 31;
          events.dt[q] = fl[3 * q + 1]!;
          events.y[q] = fl[3 * q + 2]!;
        }
      },
    });
    return {
      engine: this.runInfo({ batchSize, layout }), checkpoints: acc, paths, events, finalState, flagCounts,
      timing: { ...run, events: nEvents },
    };
  }
}
