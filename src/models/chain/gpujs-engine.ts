/**
 * The gpu.js engine: the chain as a gpu.js kernel (GLSL on webgl2/webgl/headlessgl, WebAssembly on webasm, plain JS
 * on cpu), ensemble statistics reduced on the host from the read-back state (gpu.js has no atomics, so a kernel
 * cannot reduce across threads).
 *
 * Random numbers. gpu.js kernels are a JS subset compiled to 32-bit floats, where Philox's 32-bit integer products
 * are not expressible reliably, so this engine has its own seeded generator and agrees with the other engines
 * statistically, not bitwise: Wichmann & Hill (1982, AS 183), three LCGs s ← a·s mod m with (a, m) = (171, 30269),
 * (172, 30307), (170, 30323) and u = frac(s1/m1 + s2/m2 + s3/m3). Every product a·s < 2^24 is exact in f32.
 * One step of trajectory t consumes d + 1 uniforms (u_0 for ζ, u_1..u_d for Z) like chain-math.ts `advance`.
 * The initial state of trajectory t comes from Philox(key = seedKey, counter = (0, t, 1, 0)) (stream 1, distinct from
 * the chain's stream 0), and since the moduli are prime, the state before step k is s·a^((d+1)k) mod m: the host
 * jumps there for every dispatch (exact in f64, products < 2^30), so the numbers drawn depend only on (seed, t, k),
 * never on chunking or batching. The combined period is ≈ 6.95e12; streams of different trajectories are random
 * offsets into that one cycle, so huge runs (N² · K · (d+1) ≳ 1e12) will contain overlapping, shifted streams.
 *
 * Kernel layout. gpu.js gives a thread no local arrays beyond Array(2..4), so the kernel source is generated for
 * each d with the state in scalar variables x0..x{d-1}, and a thread returns one Array(4). The output is
 * [G·n] with G = ⌈d/4⌉: thread G·t + g advances trajectory t through the whole chunk and returns x_{4g..4g+3}.
 * For d > 4 the G threads of a trajectory recompute the same chain (G-fold redundant work), the price of gpu.js's
 * one-result-per-thread model; for d ≤ 4 there is none.
 */
import * as gpujs from 'gpu.js';
import { CPUKernel, GPU, HeadlessGLKernel, WebAssemblyKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';
import type { ResolvedScenario } from './scenario.ts';
import { philox4x32 } from '../../rng/philox.ts';
import { ACKLAM } from '../../stats/normal.ts';
import { emptyAccumulator } from '../../stats/checkpoint-stats.ts';
import { noiseParams, type NoiseParams } from './chain-math.ts';
import { copyFinalStates, emptyPaths, foldCheckpoint } from './cpu-batch.ts';
import { cpuProgress } from '../../engines/copy-run.ts';
import { batches, planDispatches } from '../../engines/plan.ts';
import { EngineUnavailableError, checkAborted, runtimeName, type EngineInfo } from '../../engines/types.ts';
import { gpuJsRefusal, type Engine, type EnsembleResult, type RunOptions } from './engine-types.ts';


/** Wichmann–Hill multipliers and (prime) moduli. */
export const WH_A = [171, 172, 170] as const;
export const WH_M = [30269, 30307, 30323] as const;
/** Random stream of the generator seeds (the chain itself uses stream 0). */
export const GPUJS_SEED_STREAM = 1;

/** Modes in order of preference: the GL backends, then WebAssembly, then plain JS. */
const MODE_ORDER = ['webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'] as const;

function powMod(a: number, e: number, m: number): number {
  let r = 1, b = a % m;
  for (; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** Initial Wichmann–Hill state (each s_i in 1..m_i − 1) of trajectory `traj`. */
export function whSeed(key: [number, number], traj: number, out = new Float64Array(3)): Float64Array {
  const w = philox4x32(0, traj, GPUJS_SEED_STREAM, 0, key[0], key[1]);
  for (let i = 0; i < 3; i++) out[i] = 1 + (w[i]! % (WH_M[i]! - 1));
  return out;
}

/** Multipliers that jump each generator over the (d + 1)·k uniforms of steps 0..k−1 (Fermat: exponents mod m − 1). */
export function whJump(d: number, k: number): number[] {
  return WH_M.map((m, i) => powMod(WH_A[i]!, (((d + 1) % (m - 1)) * (k % (m - 1))) % (m - 1), m));
}

/** A float literal for the kernel source (GLSL wants `1.0`, not `1`). */
function lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite kernel constant ${v}`);
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Acklam's Φ^{-1} (src/stats/normal.ts) as a gpu.js helper function, for the truncated-normal noise. */
export function normInvSource(): string {
  const { a, b, c, d, pLow } = ACKLAM;
  const poly = (cs: readonly number[], v: string) => cs.slice(1).reduce((s, ci) => `(${s}) * ${v} + ${lit(ci)}`, lit(cs[0]!));
  return `function normInv(p) {
  if (p < ${lit(pLow)} || p > ${lit(1 - pLow)}) {
    let pp = p;
    if (p > 0.5) { pp = 1.0 - p; }
    const q = Math.sqrt(-2.0 * Math.log(pp));
    const v = (${poly(c, 'q')}) / ((${poly(d, 'q')}) * q + 1.0);
    if (p > 0.5) { return -v; }
    return v;
  }
  const q = p - 0.5;
  const r = q * q;
  return (${poly(a, 'r')}) * q / ((${poly(b, 'r')}) * r + 1.0);
}`;
}

/**
 * Kernel source for dimension d. Input `st` is [n][d + 3] (x_0..x_{d-1}, then the three generator states at step
 * k0); `nSteps` steps are taken. Mirrors chain-math.ts `advance`, one line group per coordinate.
 */
export function chainKernelSource(d: number, alpha: number, np: NoiseParams): string {
  const W = d + 3, G = Math.ceil(d / 4);
  const I = [...Array(d).keys()];
  const L: string[] = [];
  const uniform = (u: string) => {
    for (let j = 0; j < 3; j++) {
      const s = `s${j}`, m = lit(WH_M[j]!);
      // s ← a·s mod m: q·m and a·s are exact integers < 2^24; the two fix-ups absorb an inexact f32 division.
      L.push(`    ${s} = ${lit(WH_A[j]!)} * ${s};`, `    ${s} = ${s} - ${m} * Math.floor(${s} / ${m});`,
        `    if (${s} < 0.0) { ${s} = ${s} + ${m}; }`, `    if (${s} >= ${m}) { ${s} = ${s} - ${m}; }`);
    }
    L.push(`    ${u} = s0 / ${lit(WH_M[0])} + s1 / ${lit(WH_M[1])} + s2 / ${lit(WH_M[2])};`,
      // frac, kept inside (0, 1) like u32ToUniform's 24-bit grid.
      `    ${u} = Math.min(Math.max(${u} - Math.floor(${u}), 5.9604644775390625e-8), 0.99999994);`);
  };
  const h = lit(np.h);
  const noise = (u: string) =>
    np.law === 0 ? `${h} * (2.0 * ${u} - 1.0)`
      : np.law === 1 ? `${h} * (2.0 * Math.floor(2.0 * ${u}) - 1.0)` // u < 1/2 → −h, else +h
        : `Math.min(Math.max(${lit(np.sd)} * normInv(${lit(np.lo)} + ${u} * ${lit(np.width)}), -${h}), ${h})`;

  // Thread x = G·t + g (a 1-D output keeps GL textures square); (x + ½)/G stays ≥ ½/G away from an integer, so the
  // floor is exact even where f32 division is not.
  L.push('function (st, nSteps) {', G === 1 ? '  const t = this.thread.x;' : `  const t = Math.floor((this.thread.x + 0.5) / ${lit(G)});`);
  if (G > 1) L.push(`  const g = this.thread.x - t * ${G};`);
  for (const i of I) L.push(`  let x${i} = st[t * ${W} + ${i}];`);
  for (let j = 0; j < 3; j++) L.push(`  let s${j} = st[t * ${W} + ${d + j}];`);
  L.push('  let u = 0.0;', '  let v = 0.0;', '  let lv = 0.0;', '  for (let k = 0; k < nSteps; k++) {');
  // p ∝ e^x with max x = 0; c_i are the prefix sums, S = c_{d-1}.
  for (const i of I) L.push(`    const e${i} = Math.exp(x${i});`);
  L.push('    const c0 = e0;');
  for (const i of I.slice(1)) L.push(`    const c${i} = c${i - 1} + e${i};`);
  // ζ = the first i with u·S < c_i (the last i with e_i > 0 if rounding leaves none), scanned from the top so the
  // lowest match is assigned last.
  L.push(`    let zeta = 0.0;`);
  for (const i of I.slice(1)) L.push(`    if (e${i} > 0.0) { zeta = ${lit(i)}; }`);
  uniform('u');
  L.push(`    const target = u * c${d - 1};`);
  for (const i of [...I].reverse()) L.push(`    if (target < c${i}) { zeta = ${lit(i)}; }`);
  for (const i of I) {
    uniform('u');
    L.push(`    v = ${lit(alpha)} * (${noise('u')});`, `    if (zeta == ${lit(i)}) { v = v + ${lit(alpha)}; }`,
      // log1p(v): log(1 + v) loses v's low bits in f32, so a short series for small |v| (error < v^6/6).
      `    if (Math.abs(v) < 0.01) { lv = v * (1.0 - v * (0.5 - v * (0.3333333333 - v * (0.25 - v * 0.2)))); }`,
      `    else { lv = Math.log(1.0 + v); }`, `    x${i} = x${i} + lv;`);
  }
  L.push('    let mx = x0;');
  for (const i of I.slice(1)) L.push(`    if (x${i} > mx) { mx = x${i}; }`);
  for (const i of I) L.push(`    x${i} = x${i} - mx;`);
  L.push('  }');
  const comp = (i: number) => (i < d ? `x${i}` : '0.0');
  for (let g = 0; g < G; g++) {
    const ret = `return [${[0, 1, 2, 3].map((j) => comp(4 * g + j)).join(', ')}];`;
    L.push(g < G - 1 ? `  if (g == ${lit(g)}) { ${ret} }` : `  ${ret}`);
  }
  L.push('}');
  return L.join('\n');
}

type Kernel = ((st: Float32Array, nSteps: number) => unknown) & {
  kernel?: object;
  destroy(removeCanvasReferences?: boolean): void;
};

/**
 * The mode a kernel actually runs in (webasm and webgpu degrade to cpu for what they cannot take). Not the kernel
 * class's static `mode`: every GL kernel reports 'gpu' there. Subclasses first (headlessgl and webgl2 extend webgl).
 */
function backendOf(k: Kernel): string | undefined {
  const classes: [string, unknown][] = [['headlessgl', HeadlessGLKernel], ['webgl2', WebGL2Kernel], ['webgl', WebGLKernel],
    ['webgpu', (gpujs as any).WebGPUKernel], ['webasm', WebAssemblyKernel], ['cpu', CPUKernel]];
  return classes.find(([, C]) => typeof C === 'function' && k.kernel instanceof (C as any))?.[0];
}

/** Compiled kernels an engine keeps between runs (a run is one batch of the run layer; see kernelFor). */
const MAX_KERNELS = 8;

export class GpuJsEngine implements Engine {
  readonly info: EngineInfo;
  private readonly gpu: GPU;
  /**
   * Kernels by (batch size, steps per dispatch, source): the run layer calls run() once per batch with the same
   * scenario, and building a kernel costs 0.5–1.3 s in a browser (GLSL compilation), so they are kept across runs,
   * the oldest destroyed beyond MAX_KERNELS, all of them on dispose().
   */
  private readonly kernels = new Map<string, Kernel>();

  private constructor(gpu: GPU, mode: string) {
    this.gpu = gpu;
    this.info = {
      name: 'gpujs',
      runtime: runtimeName(),
      // Every mode returns Float32Array results, so the state between dispatches is f32 even where the arithmetic
      // inside a dispatch is not (cpu mode computes in f64).
      precision: 'f32',
      adapter: { backend: mode },
      details: { rng: 'wichmann-hill', arithmetic: mode === 'cpu' ? 'f64' : 'f32' },
    };
  }

  /**
   * `mode`: a gpu.js mode to insist on; by default the first of webgl2, webgl, headlessgl, webasm, cpu whose
   * kernel builds and runs here (a tiny chain kernel is run as the probe).
   */
  static async create(opts: { mode?: string } = {}): Promise<GpuJsEngine> {
    const modes = opts.mode ? [opts.mode] : MODE_ORDER;
    const failures: string[] = [];
    for (const mode of modes) {
      let gpu: GPU | undefined;
      try {
        gpu = new GPU({ mode } as any);
        const k = createChainKernel(gpu, chainKernelSource(2, 0.01, { law: 0, h: 1, sd: 0, lo: 0, width: 1 }), 2, 1, 1);
        const r = (await k(new Float32Array([0, -1, 1, 1, 1]), 1)) as Float32Array[];
        const used = backendOf(k) ?? gpu.mode;
        k.destroy();
        const x = r[0]!;
        if (!(Math.max(x[0]!, x[1]!) === 0 && x[0]! + x[1]! > -1.1)) throw new Error('probe kernel returned garbage');
        // 'gpu' and 'async' choose for themselves; a named mode must not have degraded (webasm falls back to cpu).
        if (mode !== 'gpu' && mode !== 'async' && used !== mode) throw new Error(`fell back to ${used}`);
        return new GpuJsEngine(gpu, used);
      } catch (e) {
        failures.push(`${mode}: ${(e as Error).message}`);
        void gpu?.destroy();
      }
    }
    throw new Error(`gpu.js: no usable mode (${failures.join('; ')})`);
  }

  async run(s: ResolvedScenario, o: RunOptions = {}): Promise<EnsembleResult> {
    const refusal = gpuJsRefusal([s]);
    if (refusal) throw new EngineUnavailableError('gpujs', `it ${refusal}: use --engine webgpu or cpu`);
    const t0 = performance.now();
    const [start, end] = o.trajectoryRange ?? [0, s.trajectories];
    const d = s.d, W = d + 3, G = Math.ceil(d / 4);
    const stepsPerDispatch = o.stepsPerDispatch ?? Math.max(1, Math.min(s.steps, 1024));
    const plan = planDispatches(s.checkpoints, s.steps, stepsPerDispatch);
    const source = chainKernelSource(d, s.alpha, noiseParams(s));
    const acc = s.checkpoints.map((k) => emptyAccumulator(k, d));
    const paths = emptyPaths(s, start, end);
    const finalState = o.captureFinalState ? new Float32Array(d * (end - start)) : undefined;
    const total = (end - start) * s.steps;
    const report = cpuProgress(o.onProgress, total, t0, 0);
    let done = 0, dispatches = 0;
    const xs = new Float64Array(d), p = new Float64Array(d);

    for (const [b0, b1] of batches(start, end, o.batchSize ?? 8192)) {
      const n = b1 - b0;
      const kernel = this.kernelFor(source, d, n, stepsPerDispatch); // by batch size (the last may be smaller)
      const x = new Float32Array(d * n); // coordinate-major, like the other engines' state buffers
      for (let i = 0; i < d; i++) x.fill(s.x0[i]!, i * n, (i + 1) * n);
      const seed = new Float64Array(3 * n);
      for (let t = 0; t < n; t++) whSeed(s.seedKey, b0 + t, seed.subarray(3 * t, 3 * t + 3));
      const st = new Float32Array(W * n);
      for (const disp of plan) {
        checkAborted(o.signal);
        dispatches++; // counted like the CPU engine: the step-0 reduction is a (kernel-less) dispatch too
        if (disp.nSteps > 0) {
          const J = whJump(d, disp.k0);
          for (let t = 0; t < n; t++) {
            for (let i = 0; i < d; i++) st[t * W + i] = x[i * n + t]!;
            for (let j = 0; j < 3; j++) st[t * W + d + j] = (seed[3 * t + j]! * J[j]!) % WH_M[j]!;
          }
          const out = (await kernel(st, disp.nSteps)) as Float32Array[]; // out[G·t + g][0..3] = x_{4g..4g+3}
          for (let t = 0; t < n; t++) for (let i = 0; i < d; i++) x[i * n + t] = out[G * t + (i >> 2)]![i & 3]!;
          this.info.adapter!.backend = backendOf(kernel) ?? this.info.adapter!.backend;
        }
        const slot = disp.statsSlot;
        if (slot >= 0) foldCheckpoint(s, x, n, b0, start, acc[slot]!, paths, xs, p);
        done += n * disp.nSteps;
        await report(done, done === total);
      }
      if (finalState) copyFinalStates(finalState, x, d, n, b0, start, end - start);
    }
    return {
      engine: { ...this.info, adapter: { ...this.info.adapter }, details: { ...this.info.details, threadsPerTrajectory: G } },
      checkpoints: acc,
      paths,
      finalState,
      timing: { seconds: (performance.now() - t0) / 1000, dispatches },
    };
  }

  /** The kernel for n copies of a source at up to maxSteps steps per dispatch: kept, or built now. */
  private kernelFor(source: string, d: number, n: number, maxSteps: number): Kernel {
    const key = `${n}:${maxSteps}:${source}`;
    let k = this.kernels.get(key);
    if (!k) {
      if (this.kernels.size >= MAX_KERNELS) {
        const [oldest, old] = this.kernels.entries().next().value!;
        this.kernels.delete(oldest);
        old.destroy();
      }
      this.kernels.set(key, (k = createChainKernel(this.gpu, source, d, n, maxSteps)));
    }
    return k;
  }

  dispose(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
    void this.gpu.destroy();
  }
}

function createChainKernel(gpu: GPU, source: string, d: number, n: number, maxSteps: number): Kernel {
  return gpu.createKernel(source, {
    output: [Math.ceil(d / 4) * n],
    // A loop with a non-constant bound compiles (GLSL) to a loop up to this constant with an early break.
    loopMaxIterations: maxSteps,
    precision: 'single',
    // Every call returns a Promise: webasm splits large kernels over a worker pool, webgl2 reads back behind a fence.
    asyncMode: true,
    returnType: 'Array(4)',
    functions: [normInvSource()],
  } as any) as unknown as Kernel;
}
