/**
 * Rare-event experiments: for every grid point, P(argmax p(K) ≠ i*) by adaptive multilevel splitting
 * (rare-event.ts), with its interval, work and efficiency; for d = 2 beside the diffusion prediction (the ratio and
 * the ratio of logarithms), and across α the large-deviation slope of log P against 1/α.
 */
import type { Experiment, GridPoint } from '../chain/experiment.ts';
import type { ResolvedScenario } from '../chain/scenario.ts';
import { type EngineChoice } from '../../engines/index.ts';
import { selectEngine } from '../chain/select-engine.ts';
import { codeIdentity, type Provenance } from '../../core/provenance.ts';
import { estimateFailure, type RareEventResult } from './estimator.ts';

export interface RarePointResult {
  label: string;
  values: Record<string, unknown>;
  scenario: ResolvedScenario;
  result: RareEventResult;
}

export interface RareExperimentResult {
  experiment: Experiment;
  engine: 'cpu' | 'webgpu';
  engineReason: string;
  points: RarePointResult[];
  wallSeconds: number;
  provenance: Provenance;
}

/** cpu or webgpu for the particle stepper; auto takes WebGPU on a hardware adapter only (as for the chain). */
export async function rareEngine(choice: EngineChoice): Promise<{ engine: 'cpu' | 'webgpu'; reason: string }> {
  if (choice === 'gpujs') throw new Error('the rare-event estimator runs on the cpu or webgpu engine, not gpu.js: pass --engine cpu or webgpu');
  if (choice === 'cpu') return { engine: 'cpu', reason: 'requested' };
  const { engine, reason } = await selectEngine(choice);
  engine.dispose?.();
  return { engine: engine.info.name === 'webgpu' ? 'webgpu' : 'cpu', reason };
}

export async function runRareExperiment(
  exp: Experiment,
  o: { engine?: EngineChoice; signal?: AbortSignal; command?: string; onProgress?: (msg: string) => void } = {},
): Promise<RareExperimentResult> {
  if (!exp.rareEvent) throw new Error('runRareExperiment: the experiment has no rareEvent section');
  const t0 = performance.now();
  const { engine, reason } = await rareEngine(o.engine ?? 'auto');
  const points: GridPoint[] = exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
  const out: RarePointResult[] = [];
  for (let i = 0; i < points.length; i++) {
    const pt = points[i]!;
    const result = await estimateFailure(pt.scenario, {
      engine,
      particles: exp.rareEvent.particles,
      replicates: exp.rareEvent.replicates,
      keepFraction: exp.rareEvent.keepFraction,
      signal: o.signal,
      onProgress: (p) => o.onProgress?.(
        `point ${i + 1}/${points.length} (${pt.label}): iteration ${p.iteration}, ${p.liveReplicates} replicates running, ` +
        `${p.work.toExponential(2)} trajectory-steps, ${p.elapsedSeconds.toFixed(1)} s`),
    });
    out.push({ label: pt.label, values: pt.values, scenario: pt.scenario, result });
  }
  const id = await codeIdentity();
  return {
    experiment: exp, engine, engineReason: reason, points: out,
    wallSeconds: (performance.now() - t0) / 1000,
    provenance: {
      ...id, seed: exp.scenario.seed, seedKey: exp.scenario.seedKey, createdAt: new Date().toISOString(),
      runtime: (globalThis as any).Deno ? `deno ${(globalThis as any).Deno.version.deno}` : `node ${(globalThis as any).process?.versions?.node}`,
      command: o.command,
    },
  };
}
