/**
 * Experiment files: `{ name, scenario, sweep?, batches? }` as JSON. The published JSON Schema
 * (schema/experiment.schema.json) is generated from the same zod schema by `npm run schema`, so editors complete and
 * check what the CLI accepts.
 *
 * A sweep runs a grid of scenarios: the cartesian product of the listed values of alpha, rates (which also sets d),
 * initialWeights and noise, times the explicit `points` (partial scenarios applied on top of the base). Each grid
 * point is validated by the same rules as the base scenario, and refused with the point named.
 */
import { z } from 'zod';
import { ChainScenarioSchema, NoiseSchema, precheckChainSizes, resolveScenario, type ResolvedScenario } from './scenario.ts';
import { ScenarioError } from '../../core/errors.ts';
import { MAX_CHECKPOINTS, MAX_GRID_POINTS, MAX_U32, checkNesting, countIssue, maxForBudget } from '../../core/limits.ts';
import { checkpointBytes, checkpointCount, type CheckpointsSpec } from '../../core/step-checkpoints.ts';
import { ruleIssues } from '../../core/scenario-fields.ts';
import { nameField } from '../../run/experiment-file.ts';

const positive = () => z.number().positive({ message: 'must be > 0' });

export const SweepSchema = z
  .strictObject({
    alpha: z.array(positive()).min(1).optional().describe('Learning rates α to run'),
    rates: z.array(z.array(positive()).min(2)).min(1).optional().describe('Rate vectors λ (their lengths set d)'),
    initialWeights: z.array(z.array(positive()).min(2)).min(1).optional().describe('Initial weight vectors w(0)'),
    noise: z.array(NoiseSchema).min(1).optional().describe('Noise laws'),
    gammaScale: z
      .array(z.number().nonnegative())
      .min(1)
      .optional()
      .describe('Correlation strengths ν: Γ(ν) = I + ν(Γ − I) with the scenario\'s gamma as the pattern (ν = 1 is that Γ, ν = 0 independent inputs)'),
    switchStep: z
      .array(z.number().int().positive())
      .min(1)
      .optional()
      .describe('Priming: the step K* of the scenario\'s first rate switch (schedule[0].fromStep); K* = 1 switches after the first step'),
    points: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .optional()
      .describe('Explicit grid points: partial scenarios applied on top of the base (after the lists above)'),
    time: positive()
      .optional()
      .describe('Run every grid point to the same flow time t = αK: steps = ceil(time / α) (overrides scenario.steps)'),
  })
  .describe('A grid of scenarios around the base scenario');

export const ExperimentSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors'),
    name: nameField(),
    description: z.string().optional().describe('What question the experiment answers'),
    scenario: ChainScenarioSchema,
    sweep: SweepSchema.optional(),
    target: z
      .strictObject({
        successCIWidth: positive().max(1).describe('Stop once the Wilson 95% interval of P(success) is narrower than this'),
        maxTrajectories: z.number().int().positive().max(MAX_U32).describe('Cap on trajectories per grid point'),
        batchSize: z.number().int().positive().max(MAX_U32).describe('Trajectories per batch: batch b runs trajectories [b·M, (b+1)·M)'),
      })
      .optional()
      .describe('A precision target instead of a fixed N: run batches until the interval is narrow enough or N reaches the cap'),
    batches: z
      .number()
      .int()
      .min(2)
      .max(1000)
      .optional()
      .describe('Independent batches of trajectories per grid point, for batch-means intervals of slopes (default 10)'),
  })
  .describe('An stdp-mc experiment file');

export interface GridPoint {
  /** Human-readable label of what this point changes, e.g. "alpha=0.01, rates=(3,2)". */
  label: string;
  /** The values this point sets (sweep axes only). */
  values: Record<string, unknown>;
  scenario: ResolvedScenario;
}

export interface Experiment {
  name: string;
  description?: string;
  /** The base scenario (a run without a sweep runs exactly this). */
  scenario: ResolvedScenario;
  /** Grid points of a sweep, or null. */
  points: GridPoint[] | null;
  /** Names of the swept fields, in order. */
  axes: string[];
  /** Independent batches per grid point for a fixed N (batch means; the unit of checkpointing and sharding). */
  batches: number;
  target: { successCIWidth: number; maxTrajectories: number; batchSize: number } | null;
}

/** Overrides from the command line; applied before validation so they are checked by the same rules. */
export interface ScenarioOverrides {
  trajectories?: number;
  steps?: number;
  seed?: number | string;
}

function applyOverrides(sc: Record<string, unknown>, o: Record<string, unknown>): Record<string, unknown> {
  const out = { ...sc };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  // A steps change makes explicit checkpoints beyond it meaningless: keep those within range.
  if (o.steps !== undefined && Array.isArray(out.checkpoints)) {
    out.checkpoints = (out.checkpoints as unknown[]).filter((c) => typeof c !== 'number' || c <= (o.steps as number));
  }
  return out;
}

/**
 * Turn the derived sweep axes into scenario fields: gammaScale ν → gamma = I + ν(Γ_base − I); switchStep K* → the
 * first schedule entry's fromStep (i* stays the input favoured by the initial rates, so success = ending there).
 */
function derivedAxes(base: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const { gammaScale, switchStep, ...rest } = values as { gammaScale?: number; switchStep?: number } & Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (gammaScale !== undefined) {
    const G = base.gamma as number[][];
    out.gamma = G.map((row, i) => row.map((g, j) => (i === j ? 1 : gammaScale * g)));
  }
  if (switchStep !== undefined) {
    const sched = base.schedule as { fromStep: number; rates: number[] }[];
    out.schedule = [{ ...sched[0]!, fromStep: switchStep }, ...sched.slice(1)];
  }
  return out;
}

function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `(${v.join(',')})`;
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${fmtValue(x)}`).join(' ');
  return String(v);
}

function cartesian(axes: [string, unknown[]][]): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [name, values] of axes) out = out.flatMap((o) => values.map((v) => ({ ...o, [name]: v })));
  return out;
}

export function parseExperiment(json: unknown, overrides: ScenarioOverrides = {}): Experiment {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ScenarioError([{ path: '(root)', message: 'an experiment file must be a JSON object' }]);
  }
  checkNesting(json);
  const obj = { ...(json as Record<string, unknown>) };
  precheckChainSizes(obj.scenario);
  const cli = overrides as Record<string, unknown>;
  if (obj.scenario && typeof obj.scenario === 'object') obj.scenario = applyOverrides(obj.scenario as Record<string, unknown>, cli);
  const r = ExperimentSchema.safeParse(obj);
  if (!r.success) throw new ScenarioError(ruleIssues(r.error));
  // With a precision target the scenario's N is the cap (the command line's --trajectories still wins).
  const base = r.data.target
    ? { ...(r.data.scenario as Record<string, unknown>), trajectories: overrides.trajectories ?? r.data.target.maxTrajectories }
    : (r.data.scenario as Record<string, unknown>);
  const sw = r.data.sweep;
  let points: GridPoint[] | null = null;
  const axes: string[] = [];
  if (sw) {
    const lists: [string, unknown[]][] = [];
    for (const k of ['alpha', 'rates', 'initialWeights', 'noise', 'gammaScale', 'switchStep'] as const) if (sw[k]) lists.push([k, sw[k]!]);
    if (sw.gammaScale && !Array.isArray(base.gamma)) {
      throw new ScenarioError([{ path: 'sweep.gammaScale', message: 'needs scenario.gamma as the correlation pattern to scale' }]);
    }
    if (sw.switchStep && !(Array.isArray(base.schedule) && base.schedule.length)) {
      throw new ScenarioError([{ path: 'sweep.switchStep', message: 'needs scenario.schedule (its first entry is the switch that moves)' }]);
    }
    axes.push(...lists.map(([k]) => k));
    if (sw.points) axes.push('points');
    const nPoints = lists.reduce((n, [, v]) => n * v.length, 1) * (sw.points?.length ?? 1);
    const perPoint = Math.min(checkpointCount(base.checkpoints as CheckpointsSpec | undefined, base.steps as number), MAX_CHECKPOINTS) * checkpointBytes();
    const tooMany = countIssue(nPoints, Math.min(MAX_GRID_POINTS, maxForBudget(perPoint)), perPoint, 'grid-point statistics');
    if (tooMany) throw new ScenarioError([{ path: 'sweep', message: `${tooMany}: the product of the swept lists' lengths` }]);
    const combos = cartesian(lists);
    const extra = sw.points ?? [{}];
    points = [];
    for (const combo of combos) {
      for (let j = 0; j < extra.length; j++) {
        const values = { ...combo, ...extra[j] };
        let sc = applyOverrides(base, derivedAxes(base, values));
        if (sw.time !== undefined) sc = applyOverrides(sc, { steps: Math.ceil(sw.time / (sc.alpha as number)) });
        sc = applyOverrides(sc, cli); // the command line wins
        const label = Object.entries(values).map(([k, v]) => `${k}=${fmtValue(v)}`).join(', ') || 'base';
        try {
          const scenario = resolveScenario(sc);
          // --steps replaces sweep.time's ceil(time / α): every point then runs the same K, so points of different α
          // reach different flow times t = αK (the sweep's question changes; said in the report).
          if (sw.time !== undefined && overrides.steps !== undefined) {
            scenario.warnings.push(`--steps ${overrides.steps} replaces sweep.time = ${sw.time} (steps = ⌈time/α⌉ = ${Math.ceil(sw.time / scenario.alpha)} here): this point runs to t = αK = ${+(scenario.alpha * overrides.steps).toPrecision(6)}, not ${sw.time}`);
          }
          // A point's own value that the command line replaces: its label still names the file's value.
          for (const k of ['trajectories', 'steps', 'seed'] as const) {
            const own = (values as Record<string, unknown>)[k];
            if (own !== undefined && cli[k] !== undefined && String(cli[k]) !== String(own)) {
              scenario.warnings.push(`--${k} ${String(cli[k])} replaces this point's own ${k} = ${JSON.stringify(own)} (the point's label keeps the file's value)`);
            }
          }
          points.push({ label, values, scenario });
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          throw new ScenarioError(e.issues.map((i) => ({ path: `sweep point ${points!.length} (${label}): ${i.path}`, message: i.message })));
        }
      }
    }
  }
  return {
    name: r.data.name,
    description: r.data.description,
    scenario: resolveScenario(base),
    points,
    axes,
    batches: r.data.batches ?? 10,
    target: r.data.target ?? null,
  };
}
