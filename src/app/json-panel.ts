/**
 * The experiment as JSON, for every model without a form of its own (model-page.ts): the file's text, with
 * its copies and seed as fields of their own; validated by the model's own parser (the CLI's), through the registry.
 */
import { ScenarioError } from '../core/errors.ts';
import { modelOf } from '../models/registry.ts';
import type { EnsembleModel, ModelExperiment } from '../run/model.ts';
import { $ } from './format.ts';

export function writeJsonPanel(j: Record<string, unknown>): void {
  const sc = (j.scenario ?? {}) as Record<string, unknown>;
  $<HTMLInputElement>('f-m-trajectories').value = sc.trajectories === undefined ? '' : String(sc.trajectories);
  $<HTMLInputElement>('f-m-seed').value = sc.seed === undefined ? '' : String(sc.seed);
  $<HTMLTextAreaElement>('f-model-json').value = JSON.stringify(j, null, 2);
}

/** The experiment the panel describes (its copies and seed written into the JSON's scenario). */
function readJsonPanel(): Record<string, unknown> {
  const j = JSON.parse($<HTMLTextAreaElement>('f-model-json').value) as Record<string, any>;
  if (!j || typeof j !== 'object' || !j.scenario || typeof j.scenario !== 'object') {
    throw new ScenarioError([{ path: 'scenario', message: 'the experiment needs a scenario object' }]);
  }
  const n = $<HTMLInputElement>('f-m-trajectories').value.trim();
  const seed = $<HTMLInputElement>('f-m-seed').value.trim();
  if (n) j.scenario.trajectories = /^\d+$/.test(n) ? Number(n) : n;
  if (seed) j.scenario.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
  return j;
}

export type Checked =
  | { ok: true; json: Record<string, unknown>; model: EnsembleModel; experiment: ModelExperiment }
  | { ok: false; message: string };

const issuesText = (e: ScenarioError) => e.issues.map((i) => `${i.path}: ${i.message}`).join('\n');

/** Validate an experiment JSON with its model's parser. */
export function checkExperiment(json: Record<string, unknown>): Checked {
  try {
    const model = modelOf(json);
    return { ok: true, json, model, experiment: model.parse(json, {}) };
  } catch (e) {
    return { ok: false, message: e instanceof ScenarioError ? issuesText(e) : (e as Error).message };
  }
}

/** The panel's experiment, validated; its error shown under the panel (or hidden). */
export function validateJsonPanel(): Checked {
  let json: Record<string, unknown>;
  let r: Checked;
  try {
    json = readJsonPanel();
    r = checkExperiment(json);
  } catch (e) {
    r = { ok: false, message: e instanceof ScenarioError ? issuesText(e) : `not valid JSON: ${(e as Error).message}` };
  }
  const err = $('err-model');
  err.textContent = r.ok ? '' : r.message;
  err.hidden = r.ok;
  return r;
}
