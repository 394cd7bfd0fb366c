/**
 * The zero-order experiment file (scenario.model "zero-order"): name, description, the scenario of scenario.ts and
 * the number of independent batches each grid point's replicates are cut into (the unit of the run layer's state
 * log, resume and shards). Every (d, n) grid point is a grid unit of the run layer, `trajectories` replicates each.
 */
import { DEFAULT_BATCHES, experimentFileSchema, readExperimentFile, withOverrides } from '../../run/experiment-file.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { refuseOverrides } from '../../run/model-parts.ts';
import { ZeroOrderScenarioSchema, resolveZeroOrderScenario, type ResolvedZeroOrderScenario } from './scenario.ts';

export const ZeroOrderFileSchema = experimentFileSchema(ZeroOrderScenarioSchema, {
  title: 'An stdp-mc experiment with many small zero-order updates per learning opportunity (Christensen & Kallsen, arXiv 2309.05102; labelled reconstruction)',
});

export interface ZeroOrderExperiment {
  name: string;
  description?: string;
  scenario: ResolvedZeroOrderScenario;
  /** Independent batches per grid point (default DEFAULT_BATCHES). */
  batches?: number;
}

export type ZeroOrderRunExperiment = ZeroOrderExperiment & ModelExperiment;

/** Validate a file with `trajectories` and `seed` written over its scenario; throws ScenarioError naming the field. */
export function parseZeroOrderExperiment(json: unknown, overrides: { trajectories?: number; seed?: number | string } = {}): ZeroOrderExperiment {
  const f = readExperimentFile(json);
  return { name: f.name, description: f.description, scenario: resolveZeroOrderScenario(withOverrides(f.scenario, overrides)), batches: f.batches };
}

/** The run layer's view: one grid unit per (d, n), `trajectories` replicates of n·T·K·d coordinate updates each. */
export function zeroOrderRunExperiment(exp: ZeroOrderExperiment): ZeroOrderRunExperiment {
  const s = exp.scenario;
  const events = (n: number) => Math.round(n * s.T) * s.opportunities * (s.clock === 'poisson' ? s.rate : 1);
  return {
    ...exp, seed: s.seed, seedKey: s.seedKey, batches: exp.batches ?? DEFAULT_BATCHES, target: null,
    units: s.grid.map((g) => ({ label: g.label, trajectories: s.trajectories, workPerCopy: Math.max(1, Math.round(events(g.n) * g.d)) })),
  };
}

export function parseZeroOrderRun(json: unknown, o: RunOverrides): ZeroOrderRunExperiment {
  refuseOverrides(o, {
    steps: '--steps does not apply to zero-order experiments: change updates (n), T or opportunities in the file',
    duration: '--duration does not apply to zero-order experiments: change T or opportunities in the file',
  });
  return zeroOrderRunExperiment(parseZeroOrderExperiment(json, { trajectories: o.trajectories, seed: o.seed }));
}
