/**
 * Natural-gradient learner ensembles (Kreutzer, Senn & Petrovici 2022) as a model of the run layer: its experiment
 * file (experiment.ts), its engines (cpu, webgpu), one batch = learners [a, b) of every (rule, η) ensemble — the
 * ensembles share each learner's Philox numbers (common random numbers), so a batch runs the same learners in all of
 * them — with their per-learner checkpoint values (batch.ts), merged in learner order. One grid point; no success
 * probability, so no precision target.
 */
import type { EngineChoice } from '../../engines/index.ts';
import { selectModelEngine } from '../../engines/select-model.ts';
import type { EngineInfo } from '../../engines/types.ts';
import type { EnsembleModel, EnsembleRun, ModelExperiment } from '../../run/model.ts';
import { ownExperiment, refuseOverrides, runInfo, scenarioBatch, singleUnitExperiment } from '../../run/model-parts.ts';
import {
  checkNatgradBatch, emptyNatgradBatch, mergeNatgradBatches, natgradBatchFromJSON, natgradBatchToJSON, type NatgradBatch,
} from './batch.ts';
import { NatgradCpuEngine, type NatgradResult, type NatgradRunOptions } from './cpu-engine.ts';
import { NatgradFileSchema, parseNatgradExperiment, type NatgradExperiment } from './experiment.ts';
import { natgradFiles, type NatgradSummary } from './files.ts';
import { natgradHumanReport } from './report.ts';
import type { ResolvedNatgradScenario } from './scenario.ts';
import { summarizeNatgradEnsemble } from './stats.ts';
import type { NatgradExperimentResult } from './run.ts';

/** A natural-gradient experiment with the fields the run layer reads. */
export type NatgradRunExperiment = NatgradExperiment & ModelExperiment;

/** What both engines offer (cpu-engine.ts, webgpu-engine.ts). */
export interface NatgradEngine {
  info: EngineInfo;
  run(s: ResolvedNatgradScenario, o?: NatgradRunOptions): Promise<NatgradResult>;
  dispose?(): void;
}

/** The run layer's view of an experiment: one grid point of `trajectories` learners, each `steps` × ensembles of work. */
export function natgradExperiment(exp: NatgradExperiment): NatgradRunExperiment {
  // workPerCopy: learner-steps over all ensembles, the unit of the engines' onProgress `done`.
  return singleUnitExperiment(exp, exp.scenario.steps * exp.scenario.ensembles.length);
}

export function selectNatgradEngine(choice: EngineChoice): Promise<{ engine: NatgradEngine; reason: string }> {
  return selectModelEngine<NatgradEngine>(choice, {
    model: 'the natural-gradient learner',
    cpu: () => new NatgradCpuEngine(),
    webgpu: async () => (await import('./webgpu-engine.ts')).NatgradWebGpuEngine.create(),
  });
}

/** The model's result (run.ts's shape, which files.ts reads) from the merged batches. */
function natgradResult(run: EnsembleRun<NatgradRunExperiment, NatgradBatch>): NatgradExperimentResult {
  const s = run.experiment.scenario;
  const p = run.points[0]!;
  const merged = p.merged ?? emptyNatgradBatch(s);
  const learnerSteps = p.trajectories * s.steps * s.ensembles.length;
  const result: NatgradResult = {
    engine: run.engine,
    ensembles: merged.ensembles,
    timing: { seconds: p.seconds, dispatches: p.dispatches, learnerSteps, learnerStepsPerSecond: p.seconds > 0 ? learnerSteps / p.seconds : 0 },
  };
  return {
    experiment: ownExperiment(run.experiment), ...runInfo(run), result,
    summaries: merged.ensembles.map((e) => summarizeNatgradEnsemble(e, s.checkpointTimes, s.klThreshold)),
  };
}

export const natgradModel: EnsembleModel<NatgradRunExperiment, NatgradBatch, NatgradEngine, NatgradExperimentResult, NatgradSummary> = {
  model: 'natgrad',
  title: 'natural-gradient learning for a spiking neuron (arXiv 2011.11710)',
  fileSchema: () => NatgradFileSchema,
  parse(json, o) {
    refuseOverrides(o, { steps: '--steps does not apply to natural-gradient experiments: use --duration (seconds; the steps are duration/dt)' });
    return natgradExperiment(parseNatgradExperiment(json, { trajectories: o.trajectories, seed: o.seed, duration: o.duration }));
  },
  selectEngine: selectNatgradEngine,
  runBatch: scenarioBatch((r: NatgradResult) => ({ ensembles: r.ensembles })),
  merge: mergeNatgradBatches,
  check: (b, exp, _point, range) => checkNatgradBatch(b, exp.scenario, range),
  statsToJSON: natgradBatchToJSON,
  statsFromJSON: natgradBatchFromJSON,
  result: natgradResult,
  files: natgradFiles,
  human: natgradHumanReport,
};
