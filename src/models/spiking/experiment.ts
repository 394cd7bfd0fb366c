/**
 * A spiking-network experiment file (scenario.model "spiking", Section 2.3): its name, description, base scenario,
 * optional `sweep.points` (partial scenarios on top of the base, e.g. the regime map of Eq. 12; each is a grid point)
 * and the number of independent batches its copies are cut into; parsing with the command line's values written over
 * every point's scenario, and the fields the run layer reads (src/run/model.ts: seed, one grid unit per point of
 * `trajectories` copies × `steps` output spikes). Without a sweep the matching reduced chain of Eq. (1) runs beside.
 */
import { z } from 'zod';
import { ScenarioError } from '../../core/errors.ts';
import {
  DEFAULT_BATCHES, experimentFileSchema, readExperimentFile, shortenCheckpoints, withOverrides,
} from '../../run/experiment-file.ts';
import type { ModelExperiment, RunOverrides } from '../../run/model.ts';
import { refuseOverrides } from '../../run/model-parts.ts';
import { SpikingScenarioSchema, resolveSpikingScenario, type ResolvedSpikingScenario } from './scenario.ts';

/** The file's own field beside the scenario: the points of a sweep. */
const SWEEP = {
  sweep: z.strictObject({ points: z.array(z.record(z.string(), z.unknown())).min(1).describe('Partial scenarios on top of the base') }).optional(),
};

/** The whole experiment file (its branch of the JSON Schema). */
export const SpikingExperimentFileSchema = experimentFileSchema(SpikingScenarioSchema, {
  title: 'An stdp-mc experiment with the spiking network of Section 2.3', extras: SWEEP,
});

export interface SpikingPoint { label: string; values: Record<string, unknown>; scenario: ResolvedSpikingScenario }

export interface SpikingExperiment {
  name: string;
  description?: string;
  points: SpikingPoint[];
  /** No sweep: one point, the base scenario (the matching chain runs beside it). */
  single: boolean;
  /** Independent batches of copies per grid point (default DEFAULT_BATCHES of src/run/experiment-file.ts). */
  batches?: number;
}

/** A spiking experiment with the fields the run layer reads. */
export type SpikingRunExperiment = SpikingExperiment & ModelExperiment;

/**
 * Validate a file with `trajectories`, `steps` and `seed` written over every point's scenario (checkpoints beyond
 * --steps are dropped, and where all are, the default checkpoints of the shorter run taken); throws ScenarioError naming the field (and the sweep point).
 */
export function parseSpikingExperiment(json: unknown, overrides: { trajectories?: number; steps?: number; seed?: number | string } = {}): SpikingRunExperiment {
  const f = readExperimentFile(json, SWEEP);
  const apply = (extra: Record<string, unknown>) => {
    const sc = withOverrides({ ...f.scenario, ...extra }, overrides);
    shortenCheckpoints(sc, overrides.steps);
    return sc;
  };
  const fmt = (v: unknown) => (Array.isArray(v) ? `(${v.join(',')})` : String(v));
  const points = (f.sweep?.points ?? [{}]).map((extra, j) => {
    const label = Object.entries(extra).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') || 'base';
    try {
      return { label, values: extra, scenario: resolveSpikingScenario(apply(extra)) };
    } catch (e) {
      if (!(e instanceof ScenarioError) || !f.sweep) throw e;
      throw new ScenarioError(e.issues.map((i) => ({ path: `sweep point ${j} (${label}): ${i.path}`, message: i.message })));
    }
  });
  return spikingExperiment({ name: f.name, description: f.description, points, single: !f.sweep, batches: f.batches });
}

/** The run layer's view of an experiment: one grid unit per point, `trajectories` copies of `steps` output spikes. */
export function spikingExperiment(exp: SpikingExperiment): SpikingRunExperiment {
  const s0 = exp.points[0]!.scenario;
  return {
    ...exp, seed: s0.seed, seedKey: s0.seedKey, batches: exp.batches ?? DEFAULT_BATCHES, target: null,
    units: exp.points.map((p) => ({ label: p.label, trajectories: p.scenario.trajectories, workPerCopy: p.scenario.steps })),
  };
}

/** The command line's values: --steps is the number of output spikes K; --duration is refused. */
export function parseSpikingRun(json: unknown, o: RunOverrides): SpikingRunExperiment {
  refuseOverrides(o, { duration: '--duration does not apply to spiking-network experiments: use --steps (output spikes K)' });
  return parseSpikingExperiment(json, { trajectories: o.trajectories, steps: o.steps, seed: o.seed });
}
