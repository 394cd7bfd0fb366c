/**
 * Hebbian alignment of regularised learners (issue 9; Koplow, Poggio & Ziyin, arXiv 2505.18069): an experiment file
 * whose scenario has model "hebbian", run on the CPU or WebGPU engine (src/models/hebbian/cpu-engine.ts,
 * webgpu/hebbian-engine.ts), summarised by src/models/hebbian/stats.ts.
 */
import type { EngineChoice } from '../../engines/index.ts';
import type { EngineInfo } from '../../engines/types.ts';
import { HebbianCpuEngine, type HebbianResult, type HebbianRunOptions } from './cpu-engine.ts';
import { resolveHebbianScenario, type ResolvedHebbianScenario } from './scenario.ts';
import type { Provenance } from '../../core/provenance.ts';
import { isModelExperiment, readModelExperiment, runOnModelEngine } from '../../run/run-model.ts';

export interface HebbianExperiment { name: string; description?: string; scenario: ResolvedHebbianScenario }

export function isHebbianExperiment(json: unknown): boolean {
  return isModelExperiment(json, 'hebbian');
}

export function parseHebbianExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): HebbianExperiment {
  const f = readModelExperiment(json, overrides);
  return { name: f.name, description: f.description, scenario: resolveHebbianScenario(f.scenario) };
}

export interface HebbianExperimentResult {
  experiment: HebbianExperiment;
  engine: EngineInfo;
  engineReason: string;
  result: HebbianResult;
  wallSeconds: number;
  provenance: Provenance;
}

export async function runHebbianExperiment(
  exp: HebbianExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: HebbianRunOptions['onProgress'] } = {},
): Promise<HebbianExperimentResult> {
  const r = await runOnModelEngine<ResolvedHebbianScenario, HebbianRunOptions, HebbianResult>(exp.scenario, o.engine ?? 'auto', {
    model: 'the Hebbian-alignment model',
    cpu: () => new HebbianCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).HebbianWebGpuEngine.create(),
  }, { signal: o.signal, onProgress: o.onProgress }, o.command);
  return { experiment: exp, ...r };
}
