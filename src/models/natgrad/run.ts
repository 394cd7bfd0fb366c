/**
 * Natural-gradient learner ensembles (issue 9, Kreutzer, Senn & Petrovici 2022): an experiment file whose scenario has
 * model "natgrad", run on the CPU or WebGPU engine (src/models/natgrad/cpu-engine.ts, webgpu/natgrad-engine.ts), one
 * ensemble per (rule, η), summarised per checkpoint by src/models/natgrad/stats.ts.
 */
import type { EngineChoice } from '../../engines/index.ts';
import type { EngineInfo } from '../../engines/types.ts';
import { NatgradCpuEngine, type NatgradResult, type NatgradRunOptions } from './cpu-engine.ts';
import { resolveNatgradScenario, type ResolvedNatgradScenario } from './scenario.ts';
import { summarizeNatgradEnsemble, type NatgradEnsembleSummary } from './stats.ts';
import type { Provenance } from '../../core/provenance.ts';
import { isModelExperiment, readModelExperiment, runOnModelEngine } from '../../run/run-model.ts';

export interface NatgradExperiment { name: string; description?: string; scenario: ResolvedNatgradScenario }

export function isNatgradExperiment(json: unknown): boolean {
  return isModelExperiment(json, 'natgrad');
}

export function parseNatgradExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; duration?: number } = {},
): NatgradExperiment {
  const { name, description, scenario: sc } = readModelExperiment(json, overrides);
  // A shortened run keeps explicit checkpoints that still fit.
  if (overrides.duration !== undefined && Array.isArray(sc.checkpoints)) {
    sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.duration!);
    if (!(sc.checkpoints as number[]).length) delete sc.checkpoints;
  }
  return { name, description, scenario: resolveNatgradScenario(sc) };
}

export interface NatgradExperimentResult {
  experiment: NatgradExperiment;
  engine: EngineInfo;
  engineReason: string;
  result: NatgradResult;
  summaries: NatgradEnsembleSummary[];
  wallSeconds: number;
  provenance: Provenance;
}

export async function runNatgradExperiment(
  exp: NatgradExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: NatgradRunOptions['onProgress'] } = {},
): Promise<NatgradExperimentResult> {
  const r = await runOnModelEngine<ResolvedNatgradScenario, NatgradRunOptions, NatgradResult>(exp.scenario, o.engine ?? 'auto', {
    model: 'the natural-gradient learner',
    cpu: () => new NatgradCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).NatgradWebGpuEngine.create(),
  }, { signal: o.signal, onProgress: o.onProgress }, o.command);
  const s = exp.scenario;
  const summaries = r.result.ensembles.map((e) => summarizeNatgradEnsemble(e, s.checkpointTimes, s.klThreshold));
  // the result's engine info carries the run's details (workgroup and batch size, steps per dispatch)
  return { experiment: exp, ...r, engine: r.result.engine, summaries };
}
