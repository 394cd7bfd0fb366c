/** The one interface every engine implements: run(scenario, options) → EnsembleResult. */
import type { ResolvedScenario } from '../models/chain/scenario.ts';
import type { CheckpointAccumulator } from '../stats/checkpoint-stats.ts';

export type EngineName = 'webgpu' | 'gpujs' | 'cpu';

export interface Progress {
  /** Trajectory-steps completed and in total for this run. */
  done: number;
  total: number;
  elapsedSeconds: number;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Steps per dispatch (chunk). Default: chosen by the engine so that no dispatch runs long. */
  stepsPerDispatch?: number;
  /** Trajectories per batch (resident at once). Default: chosen by the engine. */
  batchSize?: number;
  /** Run the trajectories [start, end) of the scenario only (default: all). Indices address the random stream. */
  trajectoryRange?: [number, number];
  /** Test and debugging hook: return the final log-state of every trajectory (coordinate-major, d × n). */
  captureFinalState?: boolean;
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

export interface EnsembleResult {
  engine: EngineInfo;
  /** One accumulator per resolved checkpoint, in order. */
  checkpoints: CheckpointAccumulator[];
  /** p at every checkpoint for the first keepPaths trajectories: paths[m][c][i]. */
  paths?: number[][][];
  /** Final log-states x (coordinate-major: x[i * n + t]) when captureFinalState was asked for. */
  finalState?: Float64Array | Float32Array;
  timing: { seconds: number; dispatches: number };
}

export interface Engine {
  readonly info: EngineInfo;
  run(scenario: ResolvedScenario, options?: RunOptions): Promise<EnsembleResult>;
  dispose?(): void;
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
