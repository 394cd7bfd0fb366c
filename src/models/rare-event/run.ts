/**
 * Rare-event experiments: for every grid point, P(argmax p(K) ≠ i*) by adaptive multilevel splitting
 * (estimator.ts), with its interval, work and efficiency; for d = 2 beside the diffusion prediction (the ratio and
 * the ratio of logarithms), and across α the large-deviation slope of log P against 1/α. The result types and the
 * engine choice; definition.ts runs it through the run layer.
 */
import type { Experiment } from '../chain/experiment.ts';
import type { ResolvedScenario } from '../chain/scenario.ts';
import { type EngineChoice } from '../../engines/index.ts';
import { selectEngine } from '../chain/select-engine.ts';
import { EngineUnavailableError } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { RareEventResult } from './estimator.ts';

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
  if (choice === 'gpujs') throw new EngineUnavailableError('gpujs', 'the rare-event estimator runs on the cpu or webgpu engine, not gpu.js: pass --engine cpu or webgpu');
  if (choice === 'cpu') return { engine: 'cpu', reason: 'requested' };
  const { engine, reason } = await selectEngine(choice);
  engine.dispose?.();
  return { engine: engine.info.name === 'webgpu' ? 'webgpu' : 'cpu', reason };
}
