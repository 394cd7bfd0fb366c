/** What every engine of every model shares: its name, runtime, adapter and precision, progress, cancellation. */

export type EngineName = 'webgpu' | 'gpujs' | 'cpu';

export interface Progress {
  /** Trajectory-steps completed and in total for this run. */
  done: number;
  total: number;
  elapsedSeconds: number;
}

export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  backend?: string;
}

export interface EngineInfo {
  name: EngineName;
  /** node | deno | browser */
  runtime: string;
  adapter?: AdapterInfo;
  precision: 'f32' | 'f64';
  /** Why this engine was chosen (engine "auto"), or what it could not do. */
  reason?: string;
  details?: Record<string, unknown>;
}

export class EngineUnavailableError extends Error {
  constructor(engine: EngineName, reason: string) {
    super(`engine ${engine} is not available: ${reason}`);
    this.name = 'EngineUnavailableError';
  }
}

export function runtimeName(): string {
  const g = globalThis as any;
  if (g.Deno?.version) return `deno ${g.Deno.version.deno}`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return 'browser';
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('run cancelled');
    e.name = 'AbortError';
    throw e;
  }
}
