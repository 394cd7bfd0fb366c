/**
 * What rare-event estimation needs of the reduced chain of Eq. (1), whose failure probability it estimates. A
 * rare-event file is a chain experiment file with a `rareEvent` section, and a particle step is the chain's own step
 * on another Philox stream. This folder does not import the chain's model: the registry (src/models/registry.ts)
 * hands over the chain's model (its file schema, parser and engine choice) and its one-step function, and these
 * types say which of their fields are read.
 */
import type { SeededCopies } from '../../core/scenario-fields.ts';
import type { NoiseParams } from '../../rng/noise.ts';
import type { EnsembleModel, ModelExperiment } from '../../run/model.ts';
import type { NoiseSpec } from '../../theory/noise-moments.ts';

/** The fields of a resolved chain scenario the estimator and its report read. */
export interface ChainScenario extends SeededCopies {
  d: number;
  rates: number[];
  alpha: number;
  noise: NoiseSpec;
  /** Horizon K. */
  steps: number;
  /** The input of largest p(0) (success: argmax p(K) = i*). */
  iStar: number;
  /** p(0) and the log-state x(0) = log(λ⊙w0) − max. */
  p0: number[];
  x0: number[];
  /** Correlated inputs and rate switches: extensions the particle step does not run (refused). */
  correlation: unknown | null;
  schedule: unknown[];
}

export interface ChainGridPoint {
  label: string;
  values: Record<string, unknown>;
  scenario: ChainScenario;
}

/** A parsed chain experiment file, as the estimator reads it. */
export interface ChainFileExperiment extends ModelExperiment {
  /** The base scenario (a file without a sweep runs exactly this). */
  scenario: ChainScenario;
  /** The grid points of a sweep, or null. */
  points: ChainGridPoint[] | null;
  batches: number;
}

/**
 * One step of Eq. (1) in logs at step k of the copy `id` on Philox stream `stream`, in place on x (scratch e: d
 * numbers, w: 4 words): the chain's `stepWithStream`, which its own engines run on stream 0.
 */
export type ChainStep = (
  x: Float64Array, d: number, k: number, id: number, stream: number,
  key: [number, number], alpha: number, np: NoiseParams, e: Float64Array, w: Uint32Array,
) => void;

export interface ChainPort {
  /** The chain's model: its file schema (a zod object, extended with `rareEvent` in definition.ts), parser and engine choice. */
  model: EnsembleModel<ChainFileExperiment>;
  step: ChainStep;
}

/** The grid points of a chain experiment (the base scenario alone without a sweep). */
export function chainGridPoints(exp: ChainFileExperiment): ChainGridPoint[] {
  return exp.points ?? [{ label: 'base', values: {}, scenario: exp.scenario }];
}
