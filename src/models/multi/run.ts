/**
 * Several output neurons (arXiv 2505.10272, Section 4): an experiment file whose scenario has model "multi", run on
 * the CPU or WebGPU engine in independent batches of trajectories (merged in batch order; the stream is addressed by
 * trajectory index, so the cut changes nothing), and summarised per checkpoint: the Frobenius error ‖P(k) − Π‖²/2
 * (mean, quantiles), the fractions on plateaus 0..m, and P for the first trajectories.
 */
import type { EngineChoice } from '../../engines/index.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import { MultiCpuEngine, type MultiEnsembleResult, type MultiRunOptions } from './cpu-engine.ts';
import type { EngineInfo } from '../../engines/types.ts';
import { resolveMultiScenario, type ResolvedMultiScenario } from './scenario.ts';
import { ScenarioError, zodIssues } from '../../core/errors.ts';
import { mergeMultiAccumulators, type MultiCheckpointAccumulator } from './stats.ts';
import { z } from 'zod';
import { codeIdentity, type Provenance } from '../../core/provenance.ts';
import { blockRanges } from '../../run/run-experiment.ts';

export const MultiExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  scenario: z.record(z.string(), z.unknown()),
  batches: z.number().int().min(1).max(1000).optional(),
});

export interface MultiExperiment {
  name: string;
  description?: string;
  scenario: ResolvedMultiScenario;
  batches: number;
}

export function isMultiExperiment(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as any).scenario?.model === 'multi';
}

/** Validate a multi experiment (overrides from the command line first, as for the chain). */
export function parseMultiExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): MultiExperiment {
  const r = MultiExperimentSchema.safeParse(json);
  if (!r.success) throw new ScenarioError(zodIssues(r.error));
  const sc: Record<string, unknown> = { ...r.data.scenario };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) sc[k] = v;
  if (overrides.steps !== undefined && Array.isArray(sc.checkpoints)) sc.checkpoints = (sc.checkpoints as number[]).filter((c) => c <= overrides.steps!);
  return { name: r.data.name, description: r.data.description, scenario: resolveMultiScenario(sc), batches: r.data.batches ?? 10 };
}

export interface MultiExperimentResult {
  experiment: MultiExperiment;
  engine: EngineInfo;
  engineReason: string;
  checkpoints: MultiCheckpointAccumulator[];
  blocks: MultiCheckpointAccumulator[][];
  paths?: number[][][][];
  wallSeconds: number;
  engineSeconds: number;
  provenance: Provenance;
}

interface MultiEngine {
  info: EngineInfo;
  run(s: ResolvedMultiScenario, o?: MultiRunOptions): Promise<MultiEnsembleResult>;
  dispose?(): void;
}


function multiEngine(choice: EngineChoice) {
  return selectModelEngine<MultiEngine>(choice, {
    model: 'the several-outputs model',
    cpu: () => new MultiCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).MultiWebGpuEngine.create(),
  });
}

export async function runMultiExperiment(
  exp: MultiExperiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: (done: number, total: number, seconds: number) => void } = {},
): Promise<MultiExperimentResult> {
  const t0 = performance.now();
  const { engine, reason } = await multiEngine(o.engine ?? 'auto');
  const s = exp.scenario;
  const blocks: MultiCheckpointAccumulator[][] = [];
  let paths: number[][][][] | undefined;
  let engineSeconds = 0, before = 0;
  const total = s.trajectories * s.steps;
  try {
    for (const range of blockRanges(s.trajectories, exp.batches)) {
      const r = await engine.run(s, {
        trajectoryRange: range, signal: o.signal,
        onProgress: (p) => o.onProgress?.(before + p.done, total, (performance.now() - t0) / 1000),
      });
      before += (range[1] - range[0]) * s.steps;
      blocks.push(r.checkpoints);
      if (r.paths?.length) paths = [...(paths ?? []), ...r.paths];
      engineSeconds += r.timing.seconds;
    }
  } finally {
    engine.dispose?.();
  }
  const checkpoints = blocks.reduce((acc, b) => acc.map((a, c) => mergeMultiAccumulators(a, b[c]!)));
  const id = await codeIdentity();
  return {
    experiment: exp, engine: engine.info, engineReason: reason, checkpoints, blocks, paths,
    wallSeconds: (performance.now() - t0) / 1000, engineSeconds,
    provenance: {
      ...id, seed: s.seed, seedKey: s.seedKey, createdAt: new Date().toISOString(), runtime: engine.info.runtime, command: o.command,
    },
  };
}
