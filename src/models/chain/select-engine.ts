/** Engine selection for the chain, including `auto`: WebGPU on a real (hardware) adapter, else the CPU reference engine. */
import { CpuEngine } from './cpu-engine.ts';
import { EngineUnavailableError } from '../../engines/types.ts';
import { adapterName, type EngineChoice } from '../../engines/index.ts';
import type { Engine } from './engine-types.ts';

export interface SelectedEngine {
  engine: Engine;
  /** Why this engine runs (always set for auto). */
  reason: string;
}

export async function selectEngine(choice: EngineChoice): Promise<SelectedEngine> {
  if (choice === 'cpu') return { engine: new CpuEngine(), reason: 'requested' };
  if (choice === 'gpujs') {
    const { GpuJsEngine } = await import('./gpujs-engine.ts');
    return { engine: await GpuJsEngine.create(), reason: 'requested' };
  }
  const { WebGpuEngine } = await import('./webgpu-engine.ts');
  let gpu: Awaited<ReturnType<typeof WebGpuEngine.create>> = null;
  let failure = 'no WebGPU adapter was granted';
  try {
    gpu = await WebGpuEngine.create();
  } catch (e) {
    failure = `WebGPU failed to initialise: ${(e as Error).message}`;
  }
  const name = gpu ? adapterName(gpu.info.adapter) : '';
  if (choice === 'webgpu') {
    if (!gpu) throw new EngineUnavailableError('webgpu', failure);
    return { engine: gpu, reason: gpu.software ? `requested (software adapter: ${name})` : 'requested' };
  }
  if (gpu && !gpu.software) return { engine: gpu, reason: `auto: hardware WebGPU adapter ${name}` };
  if (gpu) {
    gpu.dispose();
    return {
      engine: new CpuEngine(),
      reason: `auto: only a software WebGPU adapter (${name}) was found, so the CPU reference engine runs; pass --engine webgpu to use the adapter anyway`,
    };
  }
  return { engine: new CpuEngine(), reason: `auto: ${failure}, so the CPU reference engine runs` };
}

