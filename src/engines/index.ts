/** Engine choices (`auto` and the named engines) and how an adapter is named in messages. */
import type { EngineName } from './types.ts';

export type EngineChoice = EngineName | 'auto';
export const ENGINE_CHOICES: EngineChoice[] = ['auto', 'webgpu', 'gpujs', 'cpu'];

export function adapterName(a?: { vendor?: string; architecture?: string; device?: string; description?: string }): string {
  if (!a) return 'unknown';
  return [a.description, a.vendor, a.architecture, a.device].filter(Boolean).join(' / ') || 'unknown';
}
