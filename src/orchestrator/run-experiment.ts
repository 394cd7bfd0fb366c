/** Run one experiment on a chosen engine and build its summary. */
import type { Experiment } from '../model/experiment.ts';
import { selectEngine, type EngineChoice } from '../engines/index.ts';
import type { Progress } from '../engines/types.ts';
import { codeIdentity } from './provenance.ts';
import { buildSummary, type Summary } from './summary.ts';

export interface RunExperimentOptions {
  engine?: EngineChoice;
  onProgress?: (p: Progress) => void;
  /** Called once the engine is chosen, before any work. */
  onEngine?: (name: string, reason: string) => void;
  signal?: AbortSignal;
  stepsPerDispatch?: number;
  batchSize?: number;
  command?: string;
}

export async function runExperiment(exp: Experiment, o: RunExperimentOptions = {}): Promise<Summary> {
  const t0 = performance.now();
  const { engine, reason } = await selectEngine(o.engine ?? 'auto');
  o.onEngine?.(engine.info.name, reason);
  try {
    const result = await engine.run(exp.scenario, {
      onProgress: o.onProgress,
      signal: o.signal,
      stepsPerDispatch: o.stepsPerDispatch,
      batchSize: o.batchSize,
    });
    const id = await codeIdentity();
    const wall = (performance.now() - t0) / 1000;
    return buildSummary(exp, result, reason, wall, {
      ...id,
      seed: exp.scenario.seed,
      seedKey: exp.scenario.seedKey,
      createdAt: new Date().toISOString(),
      runtime: result.engine.runtime,
      command: o.command,
    });
  } finally {
    engine.dispose?.();
  }
}
