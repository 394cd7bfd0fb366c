/**
 * Every model's small experiment (test/models/small-experiments.ts) run in process on the CPU engine through the run
 * layer, and its files as the CLI writes them (summary, CSV tables, plot specs, report parts), without a file
 * system. The report tests (csv-tidy, plots-all-models) read these.
 */
import { modelByName, modelNames } from '../../src/models/registry.ts';
import { runEnsemble } from '../../src/run/run-ensemble.ts';
import type { FilesOf } from '../../src/report/files.ts';
import { smallExperiment } from '../models/small-experiments.ts';

/** The files of one model's small experiment. */
export async function smallFiles(model: string): Promise<FilesOf<unknown>> {
  const m = modelByName(model)!;
  const run = await runEnsemble(m, m.parse(smallExperiment(model), {}), { engine: 'cpu' });
  return m.files(m.result(run)) as FilesOf<unknown>;
}

/** Every model of the registry, in its order. */
export const ALL_MODELS = modelNames();
