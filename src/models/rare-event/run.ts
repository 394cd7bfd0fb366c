/**
 * Rare-event experiments: for every grid point, P(argmax p(K) ≠ i*) by adaptive multilevel splitting
 * (estimator.ts), with its interval, work and efficiency; for d = 2 beside the diffusion prediction (the ratio and
 * the ratio of logarithms), and across α the large-deviation slope of log P against 1/α. The result types and the
 * engine choice; definition.ts runs it through the run layer.
 */
import { type EngineChoice } from '../../engines/index.ts';
import { EngineUnavailableError, type AdapterInfo } from '../../engines/types.ts';
import type { Provenance } from '../../core/provenance.ts';
import type { EnsembleModel } from '../../run/model.ts';
import type { ChainFileExperiment, ChainScenario } from './chain-port.ts';
import type { RareEventResult } from './estimator.ts';

/** The rare-event section of a file: particles and replicates of the splitting estimator. */
export interface RareEventSection { particles: number; replicates: number; keepFraction?: number }

export interface RarePointResult {
  label: string;
  values: Record<string, unknown>;
  scenario: ChainScenario;
  result: RareEventResult;
}

export interface RareExperimentResult {
  experiment: { name: string; description?: string; scenario: ChainScenario; rareEvent: RareEventSection };
  engine: 'cpu' | 'webgpu';
  engineReason: string;
  /** node | deno | browser, and the WebGPU adapter (null on the CPU): the provenance of the numbers. */
  engineRuntime: string;
  engineAdapter: AdapterInfo | null;
  points: RarePointResult[];
  wallSeconds: number;
  provenance: Provenance;
}

/**
 * cpu or webgpu for the particle stepper; auto takes WebGPU where the chain's own choice does (a hardware adapter
 * only), so the chain's model decides.
 */
export async function rareEngine(
  chain: EnsembleModel<ChainFileExperiment>, choice: EngineChoice,
): Promise<{ engine: 'cpu' | 'webgpu'; reason: string; adapter: AdapterInfo | null }> {
  if (choice === 'gpujs') throw new EngineUnavailableError('gpujs', 'the rare-event estimator runs on the cpu or webgpu engine, not gpu.js: pass --engine cpu or webgpu');
  if (choice === 'cpu') return { engine: 'cpu', reason: 'requested', adapter: null };
  const { engine, reason } = await chain.selectEngine(choice);
  engine.dispose?.();
  const gpu = engine.info.name === 'webgpu';
  return { engine: gpu ? 'webgpu' : 'cpu', reason, adapter: gpu ? engine.info.adapter ?? null : null };
}
