/**
 * Natural-gradient learner ensembles (issue 9, Kreutzer, Senn & Petrovici 2022): an experiment file whose scenario has
 * model "natgrad", run on the CPU or WebGPU engine (src/engines/natgrad-cpu.ts, webgpu/natgrad-engine.ts), one
 * ensemble per (rule, η), summarised per checkpoint by src/stats/natgrad-stats.ts.
 */
import { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import { selectModelEngine } from '../engines/select-model.ts';
import type { EngineInfo } from '../engines/types.ts';
import { NatgradCpuEngine, type NatgradResult, type NatgradRunOptions } from '../engines/natgrad-cpu.ts';
import { resolveNatgradScenario, type ResolvedNatgradScenario } from '../model/natgrad-scenario.ts';
import { ScenarioError, zodIssues } from '../model/scenario.ts';
import { summarizeNatgradEnsemble, type NatgradEnsembleSummary } from '../stats/natgrad-stats.ts';
import { codeIdentity, type Provenance } from './provenance.ts';

const NatgradExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
});

export interface NatgradExperiment { name: string; description?: string; scenario: ResolvedNatgradScenario }

export function isNatgradExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'natgrad';
}

export function parseNatgradExperiment(
  json: unknown, overrides: { trajectories?: number; seed?: number | string; duration?: number } = {},
): NatgradExperiment {
  const r = NatgradExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  // A shortened run keeps explicit checkpoints that still fit.
  if (overrides.duration !== undefined && Array.isArray(sc.checkpoints)) {
    sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.duration!);
    if (!(sc.checkpoints as number[]).length) delete sc.checkpoints;
  }
  return { name: r.data.name, description: r.data.description, scenario: resolveNatgradScenario(sc) };
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

interface NatgradEngine { info: EngineInfo; run(s: ResolvedNatgradScenario, o?: NatgradRunOptions): Promise<NatgradResult>; dispose?(): void }

function natgradEngine(choice: EngineChoice) {
  return selectModelEngine<NatgradEngine>(choice, {
    model: 'the natural-gradient learner',
    cpu: () => new NatgradCpuEngine(),
    webgpu: async () => (await import('../engines/webgpu/natgrad-engine.ts')).NatgradWebGpuEngine.create(),
  });
}

export async function runNatgradExperiment(
  exp: NatgradExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: NatgradRunOptions['onProgress'] } = {},
): Promise<NatgradExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await natgradEngine(o.engine ?? 'auto');
  let result: NatgradResult;
  try {
    result = await engine.run(exp.scenario, { signal: o.signal, onProgress: o.onProgress });
  } finally {
    engine.dispose?.();
  }
  const s = exp.scenario;
  const summaries = result.ensembles.map((e) => summarizeNatgradEnsemble(e, s.checkpointTimes, s.klThreshold));
  const id = await codeIdentity();
  return {
    experiment: exp, engine: result.engine, engineReason: reason, result, summaries, wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: s.seed, seedKey: s.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command },
  };
}
