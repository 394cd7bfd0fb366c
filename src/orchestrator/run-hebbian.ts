/**
 * Hebbian alignment of regularised learners (issue 9; Koplow, Poggio & Ziyin, arXiv 2505.18069): an experiment file
 * whose scenario has model "hebbian", run on the CPU or WebGPU engine (src/engines/hebbian-cpu.ts,
 * webgpu/hebbian-engine.ts), summarised by src/stats/hebbian-stats.ts.
 */
import { z } from 'zod';
import type { EngineChoice } from '../engines/index.ts';
import { selectModelEngine } from '../engines/select-model.ts';
import type { EngineInfo } from '../engines/types.ts';
import { HebbianCpuEngine, type HebbianResult, type HebbianRunOptions } from '../engines/hebbian-cpu.ts';
import { resolveHebbianScenario, type ResolvedHebbianScenario } from '../model/hebbian-scenario.ts';
import { ScenarioError, zodIssues } from '../model/scenario.ts';
import { codeIdentity, type Provenance } from './provenance.ts';

const HebbianExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
});

export interface HebbianExperiment { name: string; description?: string; scenario: ResolvedHebbianScenario }

export function isHebbianExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'hebbian';
}

export function parseHebbianExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): HebbianExperiment {
  const r = HebbianExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  return { name: r.data.name, description: r.data.description, scenario: resolveHebbianScenario(sc) };
}

export interface HebbianExperimentResult {
  experiment: HebbianExperiment;
  engine: EngineInfo;
  engineReason: string;
  result: HebbianResult;
  wallSeconds: number;
  provenance: Provenance;
}

interface HebbianEngine { info: EngineInfo; run(s: ResolvedHebbianScenario, o?: HebbianRunOptions): Promise<HebbianResult>; dispose?(): void }

function hebbianEngine(choice: EngineChoice) {
  return selectModelEngine<HebbianEngine>(choice, {
    model: 'the Hebbian-alignment model',
    cpu: () => new HebbianCpuEngine(),
    webgpu: async () => (await import('../engines/webgpu/hebbian-engine.ts')).HebbianWebGpuEngine.create(),
  });
}

export async function runHebbianExperiment(
  exp: HebbianExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: HebbianRunOptions['onProgress'] } = {},
): Promise<HebbianExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await hebbianEngine(o.engine ?? 'auto');
  let result: HebbianResult;
  try {
    result = await engine.run(exp.scenario, { signal: o.signal, onProgress: o.onProgress });
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  const s = exp.scenario;
  return {
    experiment: exp, engine: engine.info, engineReason: reason, result, wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: s.seed, seedKey: s.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command },
  };
}
