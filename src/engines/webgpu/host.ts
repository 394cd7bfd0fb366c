/**
 * What every model's WebGPU engine shares: the acquired device and the engine's info, one bind-group layout — a
 * uniform parameter block at binding 0 read at a dynamic offset (one slot per dispatch, device.ts
 * encodeDispatches), then storage buffers at 1…n, the first few read-only — and compiled pipelines cached by a key
 * of what the shader source depends on.
 */
import { runtimeName, type EngineInfo } from '../types.ts';
import { acquireDevice, computePipeline, type AcquiredDevice } from './device.ts';

/** An engine on a newly acquired device, or null when no adapter is available (each engine's static create()). */
export async function onNewDevice<T>(make: (gpu: AcquiredDevice) => T): Promise<T | null> {
  const gpu = await acquireDevice();
  return gpu ? make(gpu) : null;
}

export interface HostBindings {
  /** Size of the uniform parameter block in bytes (its minBindingSize). */
  paramSize: number;
  /** Storage buffers at bindings 1…storage. */
  storage: number;
  /** How many of them, from binding 1, are read-only. */
  readOnly: number;
}

export abstract class WebGpuHost {
  readonly info: EngineInfo;
  /** Created with the first pipeline; the engines' bind groups use it. */
  protected bindLayout: GPUBindGroupLayout | null = null;
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  protected constructor(protected readonly gpu: AcquiredDevice, private readonly bindings: HostBindings) {
    this.info = {
      name: 'webgpu',
      runtime: runtimeName(),
      precision: 'f32',
      adapter: { ...gpu.info },
      details: { software: gpu.software, features: gpu.features },
    };
  }

  get software(): boolean {
    return this.gpu.software;
  }

  dispose(): void {
    this.gpu.device.destroy();
  }

  private layout(): GPUPipelineLayout {
    const { paramSize, storage, readOnly } = this.bindings;
    this.bindLayout ??= this.gpu.device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: paramSize } },
        ...Array.from({ length: storage }, (_, i): GPUBindGroupLayoutEntry => ({
          binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: i < readOnly ? 'read-only-storage' : 'storage' },
        })),
      ],
    });
    return this.gpu.device.createPipelineLayout({ bindGroupLayouts: [this.bindLayout] });
  }

  /** The pipeline for `key` (what the shader source depends on), compiled from `source()` the first time. */
  protected async cachedPipeline(key: string, label: string, source: () => Promise<string>): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(key);
    if (!p) {
      p = await computePipeline(this.gpu.device, await source(), label, this.layout());
      this.pipelines.set(key, p);
    }
    return p;
  }
}
