/**
 * The spiking network of Section 2.3 (issue 5, Model A) as experiments: an experiment file whose scenario has model
 * "spiking" (src/models/spiking/scenario.ts), optionally with `sweep.points` (partial scenarios on top of the base,
 * e.g. the Eq. 12 regime map), run on the CPU or WebGPU engine; without a sweep the reduced chain of Eq. (1) with
 * the same λ, w(0), α, K and seed runs beside it, so the report can put both on the same plots.
 */
import { z } from 'zod';
import { type EngineChoice } from '../../engines/index.ts';
import { selectEngine } from '../chain/select-engine.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleResult } from '../chain/engine-types.ts';
import { SpikingCpuEngine, type SpikingEnsembleResult, type SpikingRunOptions } from './cpu-engine.ts';
import { resolveSpikingScenario, type ResolvedSpikingScenario } from './scenario.ts';
import { resolveScenario, type ResolvedScenario } from '../chain/scenario.ts';
import { ScenarioError, zodIssues } from '../../core/errors.ts';
import { codeIdentity, type Provenance } from '../../core/provenance.ts';

const SpikingExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  sweep: z.strictObject({ points: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
});

export interface SpikingPoint { label: string; values: Record<string, unknown>; scenario: ResolvedSpikingScenario }
export interface SpikingExperiment { name: string; description?: string; points: SpikingPoint[]; single: boolean }

export function isSpikingExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'spiking';
}

export function parseSpikingExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): SpikingExperiment {
  const r = SpikingExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const apply = (extra: Record<string, unknown>) => {
    const sc: Record<string, unknown> = { ...r.data.scenario, ...extra };
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
    if (overrides.steps !== undefined && Array.isArray(sc.checkpoints)) sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.steps!);
    return sc;
  };
  const fmt = (v: unknown) => (Array.isArray(v) ? `(${v.join(',')})` : String(v));
  const points = (r.data.sweep?.points ?? [{}]).map((extra, j) => {
    const label = Object.entries(extra).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') || 'base';
    try {
      return { label, values: extra, scenario: resolveSpikingScenario(apply(extra)) };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      throw new ScenarioError(e.issues.map((i) => ({ path: `sweep point ${j} (${label}): ${i.path}`, message: i.message })));
    }
  });
  return { name: r.data.name, description: r.data.description, points, single: !r.data.sweep };
}

/** The reduced chain of Eq. (1) matching a network scenario: same λ, w(0), α, K, checkpoints, N and seed. */
export function matchingChain(s: ResolvedSpikingScenario): ResolvedScenario {
  return resolveScenario({
    model: 'chain', rates: s.rates, initialWeights: s.initialWeights, alpha: s.alpha, steps: s.steps,
    checkpoints: s.checkpoints.filter((k) => k > 0 && k < s.steps), trajectories: s.trajectories, seed: s.seed, allowTies: true,
  });
}

export interface SpikingExperimentResult {
  experiment: SpikingExperiment;
  engine: EngineInfo;
  engineReason: string;
  points: { point: SpikingPoint; result: SpikingEnsembleResult; chain?: EnsembleResult }[];
  wallSeconds: number;
  provenance: Provenance;
}

interface SpikingEngine { info: EngineInfo; run(s: ResolvedSpikingScenario, o?: SpikingRunOptions): Promise<SpikingEnsembleResult>; dispose?(): void }

function spikingEngine(choice: EngineChoice) {
  return selectModelEngine<SpikingEngine>(choice, {
    model: 'the spiking network',
    cpu: () => new SpikingCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).SpikingWebGpuEngine.create(),
  });
}

export async function runSpikingExperiment(
  exp: SpikingExperiment, o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: SpikingRunOptions['onProgress'] } = {},
): Promise<SpikingExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await spikingEngine(o.engine ?? 'auto');
  const points: SpikingExperimentResult['points'] = [];
  try {
    for (const point of exp.points) {
      const result = await engine.run(point.scenario, { signal: o.signal, onProgress: o.onProgress });
      let chain: EnsembleResult | undefined;
      if (exp.single) {
        const { engine: ce } = await selectEngine(engine.info.name === 'webgpu' ? 'webgpu' : 'cpu');
        try { chain = await ce.run(matchingChain(point.scenario), { signal: o.signal }); } finally { ce.dispose?.(); }
      }
      points.push({ point, result, chain });
    }
  } finally {
    engine.dispose?.();
  }
  const id = await codeIdentity();
  const s0 = exp.points[0]!.scenario;
  return {
    experiment: exp, engine: engine.info, engineReason: reason, points, wallSeconds: (performance.now() - t0) / 1000,
    provenance: { ...id, seed: s0.seed, seedKey: s0.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command },
  };
}
