/**
 * The experiment as JSON, for every model without a form of its own (model-page.ts): the file's text, with its
 * copies and seed also as fields of their own; validated by the model's own parser (the CLI's), through the registry.
 *
 * The JSON is what runs. The two fields show its values and edit them: an edit of a field is written into the JSON
 * at once (the text is then rewritten, formatted), and an edit of the JSON shows its values in the fields, so both
 * always agree and the last edit wins, visibly. While the JSON does not parse, a field's edit cannot be written into
 * it: once it parses again, the fields show its values. The copies field is the experiment field that holds the
 * copies' number (src/run/model-nouns.ts: scenario.trajectories, or rareEvent.replicates for a rare-event estimate).
 */
import { numberOrText, seedFromText } from '../core/seed-text.ts';
import { ScenarioError } from '../core/errors.ts';
import { modelOf } from '../models/registry.ts';
import type { EnsembleModel, ModelExperiment } from '../run/model.ts';
import { $ } from './format.ts';
import { nounsOf } from '../run/model-nouns.ts';

const SEED_PATH = ['scenario', 'seed'];
const DEFAULT_COPIES = { model: null as EnsembleModel | null, path: ['scenario', 'trajectories'], noun: 'trajectories' };
/** Where the copies field reads and writes, for the model it was found for. */
let copies = DEFAULT_COPIES;

const textarea = () => $<HTMLTextAreaElement>('f-model-json');
const copiesInput = () => $<HTMLInputElement>('f-m-trajectories');
const seedInput = () => $<HTMLInputElement>('f-m-seed');

function getAt(j: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), j);
}

/** Set (or, for undefined, remove) the value at a path of objects, making the objects on the way where missing. */
function setAt(j: Record<string, unknown>, path: string[], v: unknown): void {
  let o = j;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      if (v === undefined) return;
      o[k] = {};
    }
    o = o[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (v === undefined) delete o[last];
  else o[last] = v;
}

const shown = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The copies field's place and noun for an experiment: where it validates, its model's; else the last one found for
 * its model. `checked`: the experiment's validation where the caller has it (it is not parsed again).
 */
function copiesFor(j: Record<string, unknown>, checked?: Checked): typeof copies {
  let model: EnsembleModel;
  try {
    model = checked?.ok ? checked.model : modelOf(j);
  } catch {
    return DEFAULT_COPIES;
  }
  try {
    if (checked && !checked.ok) throw new Error('invalid');
    const n = nounsOf(model, j, checked?.ok ? checked.experiment : model.parse(j, {}));
    return { model, path: n.field.split('.'), noun: n.copies };
  } catch {
    return copies.model === model ? copies : DEFAULT_COPIES;
  }
}

/** Show the experiment's copies and seed in their fields (and the copies field's label). */
function showFields(j: Record<string, unknown>, checked?: Checked): void {
  copies = copiesFor(j, checked);
  const label = `${copies.noun[0]!.toUpperCase()}${copies.noun.slice(1)} (${copies.path.join('.')})`;
  const el = $('f-m-trajectories-label');
  if (el.textContent !== label) el.textContent = label;
  copiesInput().value = shown(getAt(j, copies.path));
  seedInput().value = shown(getAt(j, SEED_PATH));
}

/** Rewrite the JSON text (formatted), keeping where it was scrolled to. */
function writeText(j: Record<string, unknown>): void {
  const ta = textarea();
  const top = ta.scrollTop;
  ta.value = JSON.stringify(j, null, 2);
  ta.scrollTop = top;
}

export function writeJsonPanel(j: Record<string, unknown>): void {
  writeText(j);
  showFields(j);
}

/** The JSON as an object, or null where it does not parse to one. */
function parsedText(): Record<string, unknown> | null {
  try {
    const j = JSON.parse(textarea().value) as unknown;
    return j && typeof j === 'object' && !Array.isArray(j) ? (j as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isField = (changed?: string) => changed === 'm-trajectories' || changed === 'm-seed';

/** After an edit of a field (`changed`: the id, without "f-", of the element edited), its new value goes into the JSON. */
function writeField(changed: string): void {
  const j = parsedText();
  if (!j) return;
  // A field's text as the JSON value it stands for, empty none. The copies: a decimal number where it reads as one (2.5
  // and −3 too, so the parser says which rule they break rather than "got string"), else as typed (the parser names
  // it). The seed reads as the command line's --seed does.
  const v = changed === 'm-seed' ? seedFromText(seedInput().value) : numberOrText(copiesInput().value);
  const path = changed === 'm-seed' ? SEED_PATH : copies.path;
  if (JSON.stringify(getAt(j, path)) === JSON.stringify(v)) return;
  setAt(j, path, v);
  writeText(j);
}

/** The experiment the panel describes: its JSON, which the fields have been written into. */
function readJsonPanel(): Record<string, unknown> {
  const j = JSON.parse(textarea().value) as Record<string, any>;
  if (!j || typeof j !== 'object' || Array.isArray(j) || !j.scenario || typeof j.scenario !== 'object') {
    throw new ScenarioError([{ path: 'scenario', message: 'the experiment needs a scenario object' }]);
  }
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

/**
 * The panel's experiment after an edit (`changed` as for writeField), validated, the fields and the JSON made to
 * agree: a field's new value goes into the JSON; after any other edit the JSON's values go into the fields (with the
 * validation's parse: the model's parser runs once per edit). Its error is shown under the panel (or hidden). A field
 * edited while the JSON does not parse is said in the error: it is not in the JSON.
 */
export function validateJsonPanel(changed?: string): Checked {
  if (isField(changed)) writeField(changed!);
  let json: Record<string, unknown>;
  let r: Checked;
  try {
    json = readJsonPanel();
    r = checkExperiment(json);
  } catch (e) {
    const pending = isField(changed)
      ? ' (the field just edited is not in it: fix the JSON, then edit the field again)' : '';
    r = { ok: false, message: e instanceof ScenarioError ? issuesText(e) : `not valid JSON: ${(e as Error).message}${pending}` };
  }
  if (!isField(changed)) {
    const j = r.ok ? r.json : parsedText();
    if (j) showFields(j, r);
  }
  const err = $('err-model');
  err.textContent = r.ok ? '' : r.message;
  err.hidden = r.ok;
  return r;
}
