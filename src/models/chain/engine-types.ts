/** The chain engines' interface: run(scenario, options) → EnsembleResult (cpu, cpu-workers, gpujs, webgpu). */
import type { ResolvedScenario } from './scenario.ts';
import type { CheckpointAccumulator } from '../../stats/checkpoint-stats.ts';
import type { EngineInfo, Progress } from '../../engines/types.ts';

/**
 * Why gpu.js cannot run these scenarios ("does not run the model extensions (correlated inputs)"), or null: its
 * kernel is the plain chain, without correlated inputs or time-varying rates. Every place that refuses or passes over
 * gpu.js for them (its engine, the chain's selection in the CLI and on the page) says it in these words.
 */
export function gpuJsRefusal(scenarios: readonly ResolvedScenario[]): string | null {
  const ext = scenarios.find((s) => s.correlation || s.schedule.length);
  return ext ? `does not run the model extensions (${ext.correlation ? 'correlated inputs' : 'time-varying rates'})` : null;
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

