/**
 * WebGPU particle stepper for the rare-event estimator (src/models/rare-event/estimator.ts): shaders/particles.wgsl
 * advances a population of particle segments (x, k, Philox address) in f32, one thread per particle, until each
 * crosses its stop level, is absorbed (ξ ≤ −B or ξ ≥ B) or reaches K. Dispatches are chunked by a step budget;
 * the host re-dispatches while any particle is running, then reads back states, steps, max ξ and statuses. The
 * host (rare-event.ts) does the selection and cloning.
 *
 * States are f32 on the device: the host's Float64 copies of device results are exact, so a replay starts from the
 * very bits the forward run produced, and the same kernel reproduces the same path.
 */
import type { ResolvedScenario } from '../chain/scenario.ts';
import { noiseParams, type NoiseParams } from '../chain/chain-math.ts';
import type { ParticleBatch, ParticleParams, ParticleResult, ParticleStepper } from './particles-cpu.ts';
import { checkAborted } from '../../engines/types.ts';
import { acquireDevice, computePipeline, loadShader, readBuffer, type AcquiredDevice } from '../../engines/webgpu/device.ts';

const WG = 64;
const F32_BIG = 3.0e38;

export async function particlesShaderSource(d: number, law: number): Promise<string> {
  const header = [`const D: u32 = ${d}u;`, `const WG: u32 = ${WG}u;`, `const NOISE_LAW: u32 = ${law}u;`].join('\n');
  return `${header}\n${await loadShader('philox.wgsl')}\n${await loadShader('noise.wgsl')}\n${await loadShader('particles.wgsl')}`;
}

export class WebGpuParticleStepper implements ParticleStepper {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;

  private constructor(
    private readonly gpu: AcquiredDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly np: NoiseParams,
    private readonly ownDevice: boolean,
  ) {}

  get adapter() {
    return this.gpu.info;
  }

  get software(): boolean {
    return this.gpu.software;
  }

  /** Null when no adapter is available. `gpu`: reuse an acquired device (not destroyed by dispose()). */
  static async create(s: ResolvedScenario, gpu?: AcquiredDevice): Promise<WebGpuParticleStepper | null> {
    const own = !gpu;
    const g = gpu ?? (await acquireDevice());
    if (!g) return null;
    const np = noiseParams(s);
    const pipeline = await computePipeline(g.device, await particlesShaderSource(s.d, np.law), `particles d=${s.d} law=${np.law}`);
    return new WebGpuParticleStepper(g, pipeline, np, own);
  }

  dispose(): void {
    if (this.ownDevice) this.gpu.device.destroy();
  }

  async run(p: ParticleParams, b: ParticleBatch, signal?: AbortSignal): Promise<ParticleResult> {
    const device = this.gpu.device;
    const d = p.d;
    const out: ParticleResult = {
      x: new Float64Array(b.n * d), k: new Uint32Array(b.n), maxXi: new Float64Array(b.n), status: new Uint8Array(b.n), work: 0,
    };
    const maxBatch = Math.min(device.limits.maxComputeWorkgroupsPerDimension * WG, this.gpu.software ? 1 << 16 : 1 << 22);
    for (let b0 = 0; b0 < b.n; b0 += maxBatch) {
      await this.runSlice(p, b, b0, Math.min(b.n, b0 + maxBatch), out, signal);
    }
    return out;
  }

  private async runSlice(
    p: ParticleParams, b: ParticleBatch, b0: number, b1: number, out: ParticleResult, signal?: AbortSignal,
  ): Promise<void> {
    const device = this.gpu.device;
    const d = p.d, n = b1 - b0;
    if (n === 0) return;
    const nWg = Math.ceil(n / WG);
    // Thread-steps per dispatch: small on software adapters, so that no dispatch runs long anywhere.
    const budget = this.gpu.software ? 1 << 21 : 1 << 27;
    const maxSteps = Math.max(16, Math.floor(budget / n));

    const xsData = new Float32Array(n * d);
    for (let j = 0; j < n * d; j++) xsData[j] = b.x[b0 * d + j]!;
    const infoData = new Uint32Array(4 * n);
    const lvData = new Float32Array(2 * n);
    for (let t = 0; t < n; t++) {
      infoData[4 * t] = b.k[b0 + t]!;
      infoData[4 * t + 1] = b.id[b0 + t]!;
      infoData[4 * t + 2] = b.stream[b0 + t]!;
      infoData[4 * t + 3] = 0;
      const stop = b.stop[b0 + t]!;
      lvData[2 * t] = Number.isFinite(stop) ? stop : F32_BIG;
      lvData[2 * t + 1] = -F32_BIG;
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const xsBuf = device.createBuffer({ size: Math.max(16, xsData.byteLength), usage });
    const infoBuf = device.createBuffer({ size: infoData.byteLength, usage });
    const lvBuf = device.createBuffer({ size: lvData.byteLength, usage });
    const runBuf = device.createBuffer({ size: 16, usage });
    const paramBuf = device.createBuffer({ size: 64, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(xsBuf, 0, xsData);
    device.queue.writeBuffer(infoBuf, 0, infoData);
    device.queue.writeBuffer(lvBuf, 0, lvData);
    const params = new ArrayBuffer(64);
    const dv = new DataView(params);
    dv.setUint32(0, p.key[0] >>> 0, true);
    dv.setUint32(4, p.key[1] >>> 0, true);
    dv.setUint32(8, n, true);
    dv.setUint32(12, maxSteps, true);
    dv.setUint32(16, p.steps, true);
    dv.setUint32(20, p.iStar, true);
    dv.setFloat32(24, p.alpha, true);
    dv.setFloat32(28, this.np.h, true);
    dv.setFloat32(32, p.absorb, true);
    dv.setFloat32(36, this.np.lo, true);
    dv.setFloat32(40, this.np.width, true);
    dv.setFloat32(44, this.np.sd, true);
    device.queue.writeBuffer(paramBuf, 0, params);
    const bg = device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: paramBuf } },
        { binding: 1, resource: { buffer: xsBuf } },
        { binding: 2, resource: { buffer: infoBuf } },
        { binding: 3, resource: { buffer: lvBuf } },
        { binding: 4, resource: { buffer: runBuf } },
      ],
    });
    try {
      // Several dispatches per submit; the running counter is cleared before the last one and read after it.
      let group = 1;
      for (;;) {
        checkAborted(signal);
        const enc = device.createCommandEncoder();
        for (let j = 0; j < group; j++) {
          if (j === group - 1) enc.clearBuffer(runBuf);
          const pass = enc.beginComputePass();
          pass.setPipeline(this.pipeline);
          pass.setBindGroup(0, bg);
          pass.dispatchWorkgroups(nWg);
          pass.end();
        }
        device.queue.submit([enc.finish()]);
        const running = new Uint32Array(await readBuffer(device, runBuf, 4))[0]!;
        if (running === 0) break;
        group = Math.min(16, group * 2);
      }
      const xsOut = new Float32Array(await readBuffer(device, xsBuf, xsData.byteLength));
      const infoOut = new Uint32Array(await readBuffer(device, infoBuf, infoData.byteLength));
      const lvOut = new Float32Array(await readBuffer(device, lvBuf, lvData.byteLength));
      for (let j = 0; j < n * d; j++) out.x[b0 * d + j] = xsOut[j]!;
      for (let t = 0; t < n; t++) {
        const k = infoOut[4 * t]!;
        out.k[b0 + t] = k;
        out.status[b0 + t] = infoOut[4 * t + 3]!;
        out.maxXi[b0 + t] = lvOut[2 * t + 1]!;
        out.work += k - b.k[b0 + t]!;
      }
    } finally {
      for (const buf of [xsBuf, infoBuf, lvBuf, runBuf, paramBuf]) buf.destroy();
    }
  }
}
