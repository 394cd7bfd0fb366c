/**
 * Particle stepping for the rare-event estimator (src/models/rare-event/estimator.ts), float64 on the CPU: the reference
 * that shaders/particles.wgsl mirrors (in f32).
 *
 * A particle is one segment of a chain path: a state x (log space, max_i x_i = 0, as in chain-math.ts), the number
 * k of steps already done, and its own Philox address. Step k of a particle reads
 *
 *   Philox(counter = (k, id, stream, block), key = seedKey),
 *
 * with the word layout of chain-math.ts `advance` (word 0 the categorical draw, words 1..d the noise) but the stream
 * word `stream` ≥ 1 instead of the plain chain's 0: a particle's randomness is fixed by (id, stream) alone, so a
 * segment can be replayed exactly, and no particle shares numbers with a plain Monte Carlo run of the same seed.
 * A step is the chain's `stepWithStream` (handed over as a ChainStep, chain-port.ts), which the chain runs on stream 0.
 *
 * The reaction coordinate is ξ(x) = max_{j≠i*} x_j − x_{i*} (ξ > 0 ⇔ argmax_i p_i ≠ i*). A particle runs until the
 * first state (its start included) at which one of these holds, checked in this order:
 *   ξ > stop     → CROSSED   (replay mode: the first crossing of a splitting level)
 *   ξ ≤ −B       → SUCCESS   (absorbed: i* has won)
 *   ξ ≥ +B       → FAILURE   (absorbed: a competitor has won)
 *   k ≥ K        → HORIZON
 * and reports its final state, k, and the running maximum of ξ over every state it visited (start included).
 */
import { noiseParams, type NoiseParams } from '../../rng/noise.ts';
import { checkAborted } from '../../engines/types.ts';
import { yieldToEventLoop } from '../../engines/copy-run.ts';
import type { ChainScenario, ChainStep } from './chain-port.ts';

export const STATUS_RUNNING = 0;
export const STATUS_HORIZON = 1;
export const STATUS_SUCCESS = 2;
export const STATUS_FAILURE = 3;
export const STATUS_CROSSED = 4;

/** Fixed parameters of a particle run. */
export interface ParticleParams {
  d: number;
  iStar: number;
  alpha: number;
  key: [number, number];
  /** Horizon K. */
  steps: number;
  /** Absorbing half-width B: ξ ≤ −B is success, ξ ≥ B failure. */
  absorb: number;
}

/** A population of particles, structure of arrays; x is particle-major (x[p·d + i]). */
export interface ParticleBatch {
  n: number;
  x: Float64Array;
  k: Uint32Array;
  id: Uint32Array;
  stream: Uint32Array;
  /** Stop level: the particle stops at the first state with ξ > stop (+Infinity: run to absorption or K). */
  stop: Float64Array;
}

export interface ParticleResult {
  /** Final states (particle-major) and steps. */
  x: Float64Array;
  k: Uint32Array;
  /** max ξ over the states visited, start included. */
  maxXi: Float64Array;
  status: Uint8Array;
  /** Trajectory-steps done. */
  work: number;
}

export interface ParticleStepper {
  readonly name: 'cpu' | 'webgpu';
  readonly precision: 'f64' | 'f32';
  run(p: ParticleParams, b: ParticleBatch, signal?: AbortSignal): Promise<ParticleResult>;
  dispose(): void;
}

export function particleParams(s: ChainScenario, absorb: number): ParticleParams {
  return { d: s.d, iStar: s.iStar, alpha: s.alpha, key: s.seedKey, steps: s.steps, absorb };
}

/** ξ = max_{j≠i*} x_j − x_{i*} of the state stored at x[off .. off + d). */
export function xiOf(x: ArrayLike<number>, off: number, d: number, iStar: number): number {
  let mo = -Infinity;
  for (let j = 0; j < d; j++) if (j !== iStar && x[off + j]! > mo) mo = x[off + j]!;
  return mo - x[off + iStar]!;
}


/** Status of a state before the next step (the order of the checks is part of the definition). */
export function stopStatus(xi: number, k: number, stop: number, p: ParticleParams): number {
  if (xi > stop) return STATUS_CROSSED;
  if (xi <= -p.absorb) return STATUS_SUCCESS;
  if (xi >= p.absorb) return STATUS_FAILURE;
  if (k >= p.steps) return STATUS_HORIZON;
  return STATUS_RUNNING;
}

/** Milliseconds of stepping between yields to the event loop (shared by every stepper of this thread). */
const YIELD_MS = 50;
let lastYield = performance.now();

export class CpuParticleStepper implements ParticleStepper {
  readonly name = 'cpu' as const;
  readonly precision = 'f64' as const;
  constructor(private readonly np: NoiseParams, private readonly step: ChainStep) {}

  static forScenario(s: ChainScenario, step: ChainStep): CpuParticleStepper {
    return new CpuParticleStepper(noiseParams(s), step);
  }

  async run(p: ParticleParams, b: ParticleBatch, signal?: AbortSignal): Promise<ParticleResult> {
    const { d, iStar, alpha, key } = p;
    const np = this.np, step = this.step;
    const x = new Float64Array(b.x);
    const k = new Uint32Array(b.k);
    const maxXi = new Float64Array(b.n);
    const status = new Uint8Array(b.n);
    const xs = new Float64Array(d), e = new Float64Array(d), w = new Uint32Array(4);
    let work = 0;
    checkAborted(signal);
    for (let t = 0; t < b.n; t++) {
      for (let i = 0; i < d; i++) xs[i] = x[t * d + i]!;
      let kk = k[t]!;
      const id = b.id[t]!, stream = b.stream[t]!, stop = b.stop[t]!;
      let xi = xiOf(xs, 0, d, iStar);
      let mx = xi;
      let st = stopStatus(xi, kk, stop, p);
      const k0 = kk;
      while (st === STATUS_RUNNING) {
        step(xs, d, kk, id, stream, key, alpha, np, e, w);
        kk++;
        xi = xiOf(xs, 0, d, iStar);
        if (xi > mx) mx = xi;
        st = stopStatus(xi, kk, stop, p);
      }
      for (let i = 0; i < d; i++) x[t * d + i] = xs[i]!;
      k[t] = kk;
      maxXi[t] = mx;
      status[t] = st;
      work += kk - k0;
      // Let the event loop run (a SIGINT/SIGTERM handler, progress) every YIELD_MS of work, counted across calls: one
      // splitting level's call may be far shorter than that, and a count per call never reached its limit, so a
      // run of many levels ignored Ctrl-C until it ended.
      if (performance.now() - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
        checkAborted(signal);
      }
    }
    return { x, k, maxXi, status, work };
  }

  dispose(): void {}
}
