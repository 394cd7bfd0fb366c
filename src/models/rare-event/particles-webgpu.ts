/**
 * WebGPU particle stepper for the rare-event estimator (src/models/rare-event/estimator.ts): shaders/particles.wgsl
 * advances a population of particle segments (x, k, Philox address) in f32, one thread per particle, until each
 * crosses its stop level, is absorbed (ξ ≤ −B or ξ ≥ B) or reaches K. On the ensemble host
 * (src/engines/webgpu/ensemble-host.ts) dispatches are chunked by a step budget and repeated while any particle is
 * running (rounds of 1, 2, 4, 8, then 16 dispatches); then states, steps, max ξ and statuses are read back. The
 * host (estimator.ts) does the selection and cloning.
 *
 * States are f32 on the device: the host's Float64 copies of device results are exact, so a replay starts from the
 * very bits the forward run produced, and the same kernel reproduces the same path.
 */
import type { ChainScenario } from './chain-port.ts';
import { noiseParams, type NoiseParams } from '../../rng/noise.ts';
import type { ParticleBatch, ParticleParams, ParticleResult, ParticleStepper } from './particles-cpu.ts';
import {
  EnsembleHost, NOISE_FIELDS, WG, acquireDevice, kernelSource, noiseValues, uniformLayout, wgslConstants,
  type AcquiredDevice, type BatchContext,
} from '../../engines/webgpu/index.ts';

const F32_BIG = 3.0e38;
const MAX_ROUND = 16; // dispatches per round, at most

const PARAMS = uniformLayout({
  key: 'vec2<u32>',
  n: 'u32         // particles in this batch',
  max_steps: 'u32 // step budget of this dispatch',
  K: 'u32         // horizon',
  i_star: 'u32',
  cidx: 'u32      // this dispatch\'s still-running counter',
  alpha: 'f32',
  absorb: 'f32    // B',
  ...NOISE_FIELDS,
});

export function particlesShaderSource(d: number, law: number): Promise<string> {
  const header = wgslConstants({ D: d, NOISE_LAW: law });
  return kernelSource({ kernel: 'particles.wgsl', header, params: PARAMS, libraries: ['philox.wgsl', 'noise.wgsl'] });
}

export class WebGpuParticleStepper extends EnsembleHost<typeof PARAMS> implements ParticleStepper {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;
  private pipeline: GPUComputePipeline | null = null;

  private constructor(gpu: AcquiredDevice, private readonly np: NoiseParams, private readonly ownDevice: boolean) {
    super(gpu, PARAMS, 4);
  }

  get adapter() {
    return this.gpu.info;
  }

  /** Null when no adapter is available. `gpu`: reuse an acquired device (not destroyed by dispose()). */
  static async create(s: ChainScenario, gpu?: AcquiredDevice): Promise<WebGpuParticleStepper | null> {
    const g = gpu ?? (await acquireDevice());
    if (!g) return null;
    const np = noiseParams(s);
    const st = new WebGpuParticleStepper(g, np, !gpu);
    st.pipeline = await st.cachedPipeline(`${s.d}:${np.law}`, `particles d=${s.d} law=${np.law}`, () => particlesShaderSource(s.d, np.law));
    return st;
  }

  override dispose(): void {
    if (this.ownDevice) super.dispose();
  }

  async run(p: ParticleParams, b: ParticleBatch, signal?: AbortSignal): Promise<ParticleResult> {
    const d = p.d;
    const out: ParticleResult = {
      x: new Float64Array(b.n * d), k: new Uint32Array(b.n), maxXi: new Float64Array(b.n), status: new Uint8Array(b.n), work: 0,
    };
    const fixed = { key: p.key, K: p.steps, i_star: p.iStar, alpha: p.alpha, absorb: p.absorb, ...noiseValues(this.np) };
    // One batch's particles into device buffers.
    const upload = ({ n, b0 }: { n: number; b0: number }) => {
      const xs = new Float32Array(n * d);
      for (let j = 0; j < n * d; j++) xs[j] = b.x[b0 * d + j]!;
      const info = new Uint32Array(4 * n);
      const lv = new Float32Array(2 * n);
      for (let t = 0; t < n; t++) {
        info.set([b.k[b0 + t]!, b.id[b0 + t]!, b.stream[b0 + t]!, 0], 4 * t);
        const stop = b.stop[b0 + t]!;
        lv[2 * t] = Number.isFinite(stop) ? stop : F32_BIG;
        lv[2 * t + 1] = -F32_BIG;
      }
      return { xs: { bytes: xs.byteLength, data: xs }, info: { bytes: info.byteLength, data: info }, lv: { bytes: lv.byteLength, data: lv } };
    };
    const collect = async (c: BatchContext) => {
      const { n, b0 } = c;
      const xs = new Float32Array(await c.read('xs'));
      const info = new Uint32Array(await c.read('info'));
      const lv = new Float32Array(await c.read('lv'));
      for (let j = 0; j < n * d; j++) out.x[b0 * d + j] = xs[j]!;
      for (let t = 0; t < n; t++) {
        const k = info[4 * t]!;
        out.k[b0 + t] = k;
        out.status[b0 + t] = info[4 * t + 3]!;
        out.maxXi[b0 + t] = lv[2 * t + 1]!;
        out.work += k - b.k[b0 + t]!;
      }
    };
    await this.runEnsemble({
      pipeline: this.pipeline!, range: [0, b.n], signal, total: 0,
      batchSize: Math.min(this.gpu.device.limits.maxComputeWorkgroupsPerDimension * WG, this.software ? 1 << 16 : 1 << 22),
      shared: { running: 4 * MAX_ROUND },
      perBatch: upload,
      bindings: ['xs', 'info', 'lv', 'running'],
      phases: (c) => {
        // Thread-steps per dispatch: small on software adapters, so that no dispatch runs long anywhere.
        const maxSteps = this.stepsPerDispatch(c.n, { budget: this.software ? 1 << 21 : 1 << 27, min: 16 });
        return [{
          untilIdle: {
            counter: 'running', size: (round) => Math.min(MAX_ROUND, 2 ** round),
            values: (_, j) => ({ ...fixed, n: c.n, max_steps: maxSteps, cidx: j }),
          },
          finish: collect,
        }];
      },
    });
    return out;
  }
}
