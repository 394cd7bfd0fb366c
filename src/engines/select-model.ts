/**
 * Engine choice for a model with a CPU and a WebGPU engine: `cpu` is the reference, `webgpu` takes any adapter
 * (software ones included), `auto` takes WebGPU on a hardware adapter only and otherwise the CPU engine, saying why;
 * gpu.js declines these models.
 */
import type { EngineChoice } from './index.ts';
import { EngineUnavailableError } from './types.ts';

export interface ModelEngines<E> {
  /** The model's name in messages (e.g. "the several-outputs model"). */
  model: string;
  cpu: () => E;
  /** The model's WebGPU engine (its run has the shape of E's); resolves to null without an adapter. */
  webgpu: () => Promise<{ software: boolean; dispose(): void } | null>;
}

export async function selectModelEngine<E>(choice: EngineChoice, m: ModelEngines<E>): Promise<{ engine: E; reason: string }> {
  if (choice === 'gpujs') throw new EngineUnavailableError('gpujs', `gpu.js does not run ${m.model} (its engines: webgpu and cpu)`);
  if (choice === 'cpu') return { engine: m.cpu(), reason: 'requested' };
  let gpu: Awaited<ReturnType<ModelEngines<E>['webgpu']>> = null;
  let failure = 'no WebGPU adapter was granted';
  try { gpu = await m.webgpu(); } catch (e) { failure = `WebGPU failed to initialise: ${(e as Error).message}`; }
  if (choice === 'webgpu') {
    if (!gpu) throw new EngineUnavailableError('webgpu', failure);
    return { engine: gpu as unknown as E, reason: gpu.software ? 'requested (software adapter)' : 'requested' };
  }
  if (gpu && !gpu.software) return { engine: gpu as unknown as E, reason: 'auto: hardware WebGPU adapter' };
  gpu?.dispose();
  return { engine: m.cpu(), reason: `auto: ${gpu ? 'only a software WebGPU adapter' : failure}, so the CPU engine runs (the webgpu engine takes a software adapter too, if asked for)` };
}
